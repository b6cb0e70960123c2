#!/usr/bin/env python3
#===- patch_errors.py - moe_opt.patch's refusals, unpatch, idempotence ----===#
#
# On tiny random models (generate_check.build): a refused family raises
# MoEError with one line and leaves the model as it was; patch leaves the
# state dict (keys and tensors) unchanged; a second patch is the same as
# the first, and one that fails leaves the model as it was; unpatch
# restores the stock model, spread families' children included; a patched
# block refuses an input that needs gradients. One
# `ok ...` line per check, `FAIL ...` otherwise (exit 1).
#
#===----------------------------------------------------------------------===#

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_check import build, generate  # noqa: E402

import torch  # noqa: E402

import moe_opt  # noqa: E402

FAILED = []


def expect(cond, what):
    print(("ok " if cond else "FAIL ") + what)
    if not cond:
        FAILED.append(what)


def forward(model, ids):
    with torch.no_grad():
        return model(ids).logits


def classes(model):
    return {n: type(m) for n, m in model.named_modules()}


# A refused family: one line, nothing patched, the model unchanged.
for name in ("doge", "zaya"):
    model, ids = build(name)
    tokens, logits = generate(model, ids)
    before = classes(model)
    try:
        moe_opt.patch(model, threads=1)
        expect(False, "%s: refused" % name)
    except moe_opt.MoEError as e:
        message = str(e)
        print("refused %s: %s" % (name, message))
        expect(message and "\n" not in message, "%s: one line" % name)
    expect(classes(model) == before and not moe_opt.compiled_layers(model),
           "%s: no module changed" % name)
    again, again_logits = generate(model, ids)
    expect(torch.equal(again, tokens) and torch.equal(again_logits, logits),
           "%s: generates as before" % name)

for name in ("mixtral", "gemma4_text", "granitemoeshared"):
    model, ids = build(name)
    stock = forward(model, ids)
    before = classes(model)
    state = {k: (v.data_ptr(), v.clone())
             for k, v in model.state_dict().items()}
    n = moe_opt.patch(model, threads=1)
    first = forward(model, ids)
    after = model.state_dict()
    expect(sorted(after) == sorted(state) and all(
        after[k].data_ptr() == p and torch.equal(after[k], v)
        for k, (p, v) in state.items()),
        "%s: patch keeps the state dict's keys and tensors" % name)
    expect(torch.allclose(first, stock, atol=1e-4, rtol=0),
           "%s: patched logits match" % name)
    layers = moe_opt.compiled_layers(model)
    expect(len(layers) == n and n > 0, "%s: %d compiled layers" % (name, n))

    # A second patch: the same blocks, classes patched once, same output.
    patched_classes = classes(model)
    expect(moe_opt.patch(model, threads=1) == n and
           classes(model) == patched_classes and
           sorted(moe_opt.compiled_layers(model)) == sorted(layers),
           "%s: a second patch is the same" % name)
    expect(torch.equal(forward(model, ids), first),
           "%s: same logits after a second patch" % name)

    # A patch that fails leaves the model patched as it was.
    try:
        moe_opt.patch(model, dtype=torch.int32)
        expect(False, "%s: patch with dtype int32 raises" % name)
    except moe_opt.MoEError as e:
        print("int32 %s: %s" % (name, e))
    expect(classes(model) == patched_classes and
           torch.equal(forward(model, ids), first),
           "%s: a failed patch leaves the model as it was" % name)

    # Gradients: moe-opt runs inference only.
    try:
        model(ids).logits.sum()
        expect(False, "%s: a grad-enabled call raises" % name)
    except moe_opt.MoEError as e:
        print("grad %s: %s" % (name, e))

    # unpatch: every patched module back to its class, stock output.
    expect(moe_opt.unpatch(model) == n, "%s: unpatch returns %d" % (name, n))
    expect(classes(model) == before and not moe_opt.compiled_layers(model),
           "%s: unpatch restores every class" % name)
    expect(torch.equal(forward(model, ids), stock),
           "%s: unpatched logits are the stock ones" % name)

print("patch-errors: %d failed" % len(FAILED))
sys.exit(1 if FAILED else 0)
