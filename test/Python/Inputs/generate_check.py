#!/usr/bin/env python3
#===- generate_check.py - patched transformers models generate the same ---===#
#
# For tiny random models of the transformers MoE families (the fixture
# variants of tools/hf-fixtures/families.py), checks that `moe_opt.patch`
# changes nothing a user sees: the model greedy-generates 16 tokens from a
# fixed random prompt (batch 2), is patched, generates again, and the tokens
# must be identical and the logits within 1e-3. Every MoE block's weights
# are drawn as make_fixtures.py draws them (the default init's tiny router
# and expert weights make the MoE output negligible). A family moe-opt
# refuses must raise MoEError and leave the model generating as before.
#
#   generate_check.py                 the first variant of every family
#   generate_check.py --only a,b      these variants
#   generate_check.py --bf16 a,b      the bf16 check on these variants
#
# One line per variant: `ok <name> patched=<n> max_logit_err=<e>`,
# `refused <name>: <message>` or `FAIL <name>: <why>`, then
# `generate: N equal, N refused, N failed` (exit 1 on a failure).
#
# --bf16: the model in f32 generates the reference sequence; a bf16 copy,
# stock and patched, reads the same sequence in one forward call (teacher
# forcing, so that a token where bf16 rounding flips the greedy choice does
# not change what the rest is compared on). moe-opt computes in f32 from
# bf16 weights where transformers computes the MoE blocks in bf16, so the
# patched bf16 logits must be about as close to the f32 ones as the stock
# bf16 logits are: mean |error| (patched) <= 2 * mean |error| (stock) +
# 1e-4. The mean, not the largest error: bf16 rounding anywhere in the
# model (attention, norms) is amplified chaotically, so the largest errors
# of the two bf16 models differ by several times either way, while a wrong
# layer moves every logit. One line per variant `bf16 ok <name>
# err=<patched> stock_err=<stock>`, then `bf16: N ok, N failed`.
#
#===----------------------------------------------------------------------===#

import argparse
import copy
import os
import sys
import time
import warnings
import zlib

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "hf-fixtures"))

import torch  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

from families import VARIANTS  # noqa: E402
from make_fixtures import SCALE, randomize, tiny_config, \
    variant_blocks  # noqa: E402

import moe_opt  # noqa: E402

# The tiny models are far too small for more than one thread: OpenMP
# barriers would cost more than the work (and the suite runs on few cores).
torch.set_num_threads(1)

NEW_TOKENS = 16
PROMPT = (2, 5)
LOGIT_TOLERANCE = 1e-3
# bf16: mean |error| (patched) <= BF16_FACTOR * mean |error| (stock) +
# BF16_SLACK.
BF16_FACTOR = 2.0
BF16_SLACK = 1e-4

# Overrides (on top of the tiny sizes and the variant's config) that the
# whole causal LM needs to generate; the fixtures only run the MoE block.
# Multi-head latent attention: all of its dimensions tiny and consistent,
# and as many key/value heads as heads (it does not group them).
MLA = {"q_lora_rank": 8, "kv_lora_rank": 8, "qk_nope_head_dim": 8,
       "qk_rope_head_dim": 8, "v_head_dim": 8, "head_dim": 8,
       "num_key_value_heads": 2}
# MLA with a sparse-attention indexer.
INDEXED = dict(MLA, index_topk=4, index_head_dim=8, index_n_heads=2)
# Hybrid models: at least one attention layer among the four (generate's
# cache asks an attention layer for the mask sizes).
LINEAR = dict(MLA, layer_types=["full_attention", "linear_attention"] * 2,
              linear_head_dim=8, linear_num_heads=2)
GENERATE = {
    "axk1": MLA,
    "axk2": INDEXED,
    "deepseek_v2": MLA,
    "deepseek_v3": MLA,
    "deepseek_v32": INDEXED,
    "glm_moe_dsa": INDEXED,
    "longcat_flash": {"num_key_value_heads": 2},
    # clip_qkv None makes DbrxAttention call clamp without bounds.
    "dbrx": {"attn_config": {"clip_qkv": 8.0}},
    "bailing_hybrid": LINEAR,
    "kimi_linear": LINEAR,
    "granitemoehybrid": {"layer_types": ["attention",
                                         "linear_attention"] * 2},
    "jamba": {"attn_layer_period": 2, "attn_layer_offset": 0},
    "nemotron_h": {"hybrid_override_pattern": "ME*E",
                   "num_hidden_layers": 4},
}


def default_variants():
    """The first variant of every model type that make_fixtures builds."""
    seen, names = set(), []
    for name, v in VARIANTS.items():
        if v["model_type"] not in seen and not v.get("refused"):
            seen.add(v["model_type"])
            names.append(name)
    return names


def build(name):
    """The variant's tiny f32 model with every MoE block's weights drawn at
    make_fixtures' scale, and a random prompt."""
    variant = VARIANTS[name]
    overrides = dict(variant.get("config", {}))
    for k, v in GENERATE.get(variant["model_type"], {}).items():
        if isinstance(v, dict) and isinstance(overrides.get(k), dict):
            v = dict(overrides[k], **v)
        overrides[k] = v
    config = tiny_config(variant["model_type"], overrides)
    seed = zlib.crc32(name.encode())
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(
        config, torch_dtype=torch.float32, experts_implementation="eager")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    for _, block in variant_blocks(model, variant, config):
        randomize(block, generator, variant.get("scale", SCALE))
    vocab = config.get_text_config().vocab_size
    ids = torch.randint(1, vocab, PROMPT, generator=generator)
    return model, ids


def generate(model, ids):
    """(tokens [B, S + NEW_TOKENS], logits [NEW_TOKENS, B, V]) of greedy
    generation."""
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False,
                             output_logits=True, return_dict_in_generate=True,
                             pad_token_id=0)
    return out.sequences, torch.stack(out.logits).float()


def check(name):
    """One line on the variant; True when it passed."""
    model, ids = build(name)
    tokens, logits = generate(model, ids)
    try:
        patched = moe_opt.patch(model, threads=1)
    except moe_opt.MoEError as e:
        message = str(e)
        if "\n" in message or not message:
            print("FAIL %s: the refusal is not one line: %r" % (name, message))
            return False
        if moe_opt.compiled_layers(model):
            print("FAIL %s: refused, but blocks were patched" % name)
            return False
        again, again_logits = generate(model, ids)
        if not torch.equal(again, tokens) or \
                not torch.equal(again_logits, logits):
            print("FAIL %s: refused, and the model no longer generates as "
                  "before" % name)
            return False
        print("refused %s: %s" % (name, message))
        return None
    ours, our_logits = generate(model, ids)
    err = float((our_logits - logits).abs().max()) \
        if our_logits.shape == logits.shape else float("inf")
    if not torch.equal(ours, tokens):
        print("FAIL %s: patched=%d, different tokens (max_logit_err=%.1e)\n"
              "  stock:   %s\n  patched: %s" % (
                  name, patched, err, tokens.tolist(), ours.tolist()))
        return False
    if not err <= LOGIT_TOLERANCE:
        print("FAIL %s: patched=%d max_logit_err=%.1e > %g" % (
            name, patched, err, LOGIT_TOLERANCE))
        return False
    if patched == 0:
        print("FAIL %s: no block patched" % name)
        return False
    print("ok %s patched=%d max_logit_err=%.1e" % (name, patched, err))
    return True


def forward_logits(model, tokens):
    with torch.no_grad():
        return model(tokens).logits.float()


def check_bf16(name):
    model, ids = build(name)
    tokens, _ = generate(model, ids)
    reference = forward_logits(model, tokens)
    model = model.to(torch.bfloat16)
    stock = forward_logits(model, tokens)
    patched = moe_opt.patch(model, threads=1)
    ours = forward_logits(model, tokens)
    # The patched bf16 model generates too.
    generate(model, ids)
    err = float((ours - reference).abs().mean())
    stock_err = float((stock - reference).abs().mean())
    bound = BF16_FACTOR * stock_err + BF16_SLACK
    if patched == 0 or not err <= bound:
        print("bf16 FAIL %s: patched=%d err=%.2e stock_err=%.2e (at most "
              "%.2e allowed)" % (name, patched, err, stock_err, bound))
        return False
    print("bf16 ok %s patched=%d err=%.2e stock_err=%.2e" % (
        name, patched, err, stock_err))
    return True


def main():
    parser = argparse.ArgumentParser(
        description="patched transformers models generate the same")
    parser.add_argument("--only", default="",
                        help="comma-separated variant names (default: the "
                        "first variant of every family)")
    parser.add_argument("--bf16", default="",
                        help="comma-separated variant names for the bf16 "
                        "check (instead of the f32 one)")
    parser.add_argument("--time", action="store_true",
                        help="print each variant's seconds")
    args = parser.parse_args()
    names = [n for n in (args.bf16 or args.only).split(",") if n] or \
        default_variants()
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        print("error: unknown variant '%s'" % unknown[0])
        return 1
    results = []
    for name in names:
        start = time.time()
        try:
            result = check_bf16(name) if args.bf16 else check(name)
        except Exception as e:  # report every variant, then fail
            print("%sFAIL %s: %s: %s" % (
                "bf16 " if args.bf16 else "", name, type(e).__name__,
                (str(e).splitlines() or [""])[0][:300]))
            result = False
        if args.time:
            print("  %.1fs" % (time.time() - start))
        sys.stdout.flush()
        results.append(result)
    failed = results.count(False)
    if args.bf16:
        print("bf16: %d ok, %d failed" % (results.count(True), failed))
    else:
        print("generate: %d equal, %d refused, %d failed" % (
            results.count(True), results.count(None), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
