#!/usr/bin/env python3
#===- moe_run_ref.py - NumPy references for the moe-run tests -------------===#
#
# Rebuilds what moe-run computes, independently, from docs/Tools.md:
#
#   moe_run_ref.py random SEED INDEX SHAPE [--fan-in N] [--bf16] OUT.npy
#       the --random-inputs values of argument INDEX (shape "2,5")
#   moe_run_ref.py compare GOT.npy WANT.npy [--rtol R] [--atol A] [--exact]
#       prints "PASS" or "FAIL <max error>"
#   moe_run_ref.py matmul X.npy W.npy OUT.npy        OUT = X · Wᵀ (float64)
#   moe_run_ref.py shared-layer SEED TOKENS OUT.npy
#       the layer of shared_layer.mlir on --random-inputs SEED --tokens T
#===----------------------------------------------------------------------===#

import argparse
import math
import sys

import numpy as np

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def random_tensor(seed, index, shape, fan_in=None):
    """Argument `index`'s values under --random-inputs SEED, as float64
    before the final rounding: state = mix(seed + (index + 1)·γ); each
    element: state += γ, u = mix(state) >> 11, v = 2·u·2⁻⁵³ − 1, divided by
    sqrt(fan_in) for weights."""
    state = mix((seed + (index + 1) * GAMMA) & MASK)
    n = int(np.prod(shape, dtype=np.int64))
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        state = (state + GAMMA) & MASK
        out[i] = 2.0 * ((mix(state) >> 11) * 2.0**-53) - 1.0
    if fan_in:
        out = out / math.sqrt(fan_in)
    return out.reshape(shape)


def to_bf16(values):
    """f32 values rounded to bfloat16 (nearest even), returned as f32."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32)
    bits = bits.astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return bits.astype(np.uint32).view(np.float32)


def weight(seed, index, shape):
    return random_tensor(seed, index, shape, fan_in=shape[-1]).astype(
        np.float32).astype(np.float64)


def silu(v):
    return v / (1.0 + np.exp(-v))


def shared_layer(seed, tokens):
    """shared_layer.mlir: D = 16, E = 4, F = 24, S = 20, top-2 softmax
    renormalized, SwiGLU experts, shared SwiGLU expert scaled by
    sigmoid(x · sgᵀ)."""
    d, e, f, s = 16, 4, 24, 20
    x = random_tensor(seed, 0, (tokens, d)).astype(np.float32).astype(
        np.float64)
    gate = weight(seed, 1, (e, d))
    w1 = weight(seed, 2, (e, f, d))
    w3 = weight(seed, 3, (e, f, d))
    w2 = weight(seed, 4, (e, d, f))
    sw1 = weight(seed, 5, (s, d))
    sw3 = weight(seed, 6, (s, d))
    sw2 = weight(seed, 7, (d, s))
    sg = weight(seed, 8, (1, d))

    logits = x @ gate.T
    scores = np.exp(logits - logits.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    out = np.zeros((tokens, d))
    for t in range(tokens):
        # Top-2, ties to the lower expert index.
        chosen = sorted(range(e), key=lambda j: (-scores[t, j], j))[:2]
        weights = scores[t, chosen] / scores[t, chosen].sum()
        for j, w in zip(chosen, weights):
            h = silu(w1[j] @ x[t]) * (w3[j] @ x[t])
            out[t] += w * (w2[j] @ h)
    shared = (silu(x @ sw1.T) * (x @ sw3.T)) @ sw2.T
    shared *= 1.0 / (1.0 + np.exp(-(x @ sg.T)))
    return out + shared


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("random")
    r.add_argument("seed", type=int)
    r.add_argument("index", type=int)
    r.add_argument("shape")
    r.add_argument("out")
    r.add_argument("--fan-in", type=int)
    r.add_argument("--bf16", action="store_true")
    c = sub.add_parser("compare")
    c.add_argument("got")
    c.add_argument("want")
    c.add_argument("--rtol", type=float, default=1e-5)
    c.add_argument("--atol", type=float, default=1e-6)
    c.add_argument("--exact", action="store_true")
    m = sub.add_parser("matmul")
    m.add_argument("x")
    m.add_argument("w")
    m.add_argument("out")
    s = sub.add_parser("shared-layer")
    s.add_argument("seed", type=int)
    s.add_argument("tokens", type=int)
    s.add_argument("out")
    args = parser.parse_args()

    if args.command == "random":
        shape = tuple(int(v) for v in args.shape.split(","))
        values = random_tensor(args.seed, args.index, shape,
                               args.fan_in).astype(np.float32)
        if args.bf16:
            values = to_bf16(values)
        np.save(args.out, values)
    elif args.command == "compare":
        got, want = np.load(args.got), np.load(args.want)
        if got.shape != want.shape or got.dtype != np.float32:
            print(f"FAIL shape {got.shape} {got.dtype}, want {want.shape}")
            return 1
        if args.exact:
            ok = np.array_equal(got, want.astype(np.float32))
            err = float(np.max(np.abs(got - want))) if got.size else 0.0
        else:
            ok = np.allclose(got, want, rtol=args.rtol, atol=args.atol)
            err = float(np.max(np.abs(got - want))) if got.size else 0.0
        print("PASS" if ok else f"FAIL {err}")
    elif args.command == "matmul":
        x = np.load(args.x).astype(np.float64)
        w = np.load(args.w).astype(np.float64)
        np.save(args.out, x @ w.T)
    elif args.command == "shared-layer":
        np.save(args.out, shared_layer(args.seed, args.tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
