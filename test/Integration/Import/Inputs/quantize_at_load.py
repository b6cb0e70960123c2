#!/usr/bin/env python3
#===- quantize_at_load.py - moe-import --dtype int8|fp8 against numpy -----===#
#
# Checks a module that `moe-import --dtype int8|fp8` made from a fixture of
# tools/hf-fixtures: every moe.dequantize whose operands carry
# `moe.quantize` is rebuilt in numpy (the float weight read through its
# moe.weight_view, quantized by test/Tools/moe-run/Inputs/quantize_ref.py,
# the rule of docs/Tools.md) and saved as a checkpoint of its own; the same
# module with those operands naming the numpy tensors instead must give
# exactly what moe-run gives quantizing at load. The result's error against
# the fixture's y.npy (transformers' f32 block) must be at most BOUND times
# max |y|.
#
#   quantize_at_load.py FIXTURE MODULE.mlir WORK --bin DIR --bound BOUND
#
# Prints the groups checked, the errors and PASS, or FAIL with the reason.
#
#===----------------------------------------------------------------------===#

import argparse
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Tools", "moe-run",
                                "Inputs"))
import safetensors_io  # noqa: E402
from quantize_ref import quantize  # noqa: E402

ARG = re.compile(r"%(\w+): tensor<([0-9x?]+)x(\w+)>(?: (\{[^{}]*(?:\{[^{}]*\}"
                 r"[^{}]*)*\}))?")
DEQUANT = re.compile(r"%(\w+) = moe\.dequantize %(\w+) scales\(%(\w+) : [^)]*"
                     r"\) block \[(\d+), (\d+)\]")


def attr(attrs, key):
    m = re.search(re.escape(key) + r' = ("[^"]*"|\{[^{}]*\})', attrs or "")
    return m.group(1) if m else None


def ints(view, key):
    m = re.search(key + r" = array<i64: ([0-9, ]+)>", view)
    return [int(v) for v in m.group(1).split(",")] if m else None


def float_weight(tensors, name, view, shape):
    """The f32 argument of `shape` that moe-run reads for `name` (`{e}`
    stacked) through the moe.weight_view text `view`."""
    if "{e}" in name:
        a = np.stack([tensors[name.replace("{e}", str(e))]
                      for e in range(shape[0])])
    else:
        a = tensors[name]
    a = a.astype(np.float32)
    if view:
        a = a.reshape(ints(view, "shape"))
        if re.search(r"\btranspose\b", view):
            a = np.swapaxes(a, -1, -2)
        rows = ints(view, "rows")
        if rows:
            a = a[..., rows[0]::rows[1], :][..., :shape[-2], :]
    assert list(a.shape) == shape, (name, a.shape, shape)
    return np.ascontiguousarray(a)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL: %s exit %d: %s" % (os.path.basename(cmd[0]),
                                         p.returncode, p.stderr.strip()))
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("fixture")
    p.add_argument("module")
    p.add_argument("work")
    p.add_argument("--bin", required=True)
    p.add_argument("--bound", type=float, required=True)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    text = open(a.module).read()
    args = {m.group(1): ([-1 if d == "?" else int(d)
                          for d in m.group(2).split("x")],
                         m.group(3), m.group(4))
            for m in ARG.finditer(text)}
    tensors = safetensors_io.read(os.path.join(a.fixture,
                                               "model.safetensors"))
    ints8, codes, scales = {}, {}, {}
    ref = text
    groups = 0
    for m in DEQUANT.finditer(text):
        _, q, s, bn, bk = m.groups()
        shape, dtype, attrs = args[q]
        if attr(attrs, "moe.quantize") != '"values"':
            continue
        name = attr(attrs, "moe.weight").strip('"')
        w = float_weight(tensors, name, attr(attrs, "moe.weight_view"), shape)
        kind = "f8" if dtype == "f8E4M3FN" else "i8"
        qv, sv, _ = quantize(w, (int(bn), int(bk)), kind)
        (codes if kind == "f8" else ints8)["ref." + q] = qv
        scales["ref." + s] = sv
        for arg in (q, s):
            old = args[arg][2]
            ref = ref.replace("%%%s: tensor<%s> %s" % (
                arg, "x".join("?" if d < 0 else str(d) for d in args[arg][0]) + "x" + args[arg][1],
                old), "%%%s: tensor<%s> {moe.weight = \"ref.%s\"}" % (
                arg, "x".join("?" if d < 0 else str(d) for d in args[arg][0]) + "x" + args[arg][1],
                arg))
        groups += 1
    if groups == 0:
        print("FAIL: no moe.dequantize quantized at load")
        sys.exit(1)
    files = [a.fixture]
    if ints8 or scales:
        path = os.path.join(a.work, "ref.safetensors")
        safetensors_io.write(path, dict(ints8, **scales))
        files.append(path)
    if codes:
        # fp8 codes: written as U8, then named F8_E4M3.
        path = os.path.join(a.work, "ref-f8.safetensors")
        safetensors_io._CODES[np.dtype("u1")] = "F8_E4M3"
        try:
            safetensors_io.write(path, codes)
        finally:
            safetensors_io._CODES[np.dtype("u1")] = "U8"
        files.append(path)
    ref_module = os.path.join(a.work, "ref.mlir")
    open(ref_module, "w").write(ref)
    x = os.path.join(a.fixture, "x.npy")
    outs = []
    for module, weights in ((a.module, [a.fixture]), (ref_module, files)):
        out = os.path.join(a.work, os.path.basename(module) + ".y.npy")
        run([os.path.join(a.bin, "moe-run"), module, "--weights",
             ",".join(weights), "--input", x, "--output", out])
        outs.append(np.load(out))
    got, want = outs
    y = np.load(os.path.join(a.fixture, "y.npy"))
    err = float(np.abs(got - y).max() / np.abs(y).max())
    print("groups=%d" % groups)
    print("same_as_numpy_quantization=%s" % np.array_equal(got, want))
    print("relative_err_vs_f32=%.3g (bound %g)" % (err, a.bound))
    if not np.array_equal(got, want):
        print("FAIL: max |at load - numpy| = %.3g" %
              np.abs(got - want).max())
        sys.exit(1)
    if not err <= a.bound:
        print("FAIL: error against the f32 block above the bound")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
