#!/usr/bin/env python3
#===- fusion_case.py - layers and checks for the expert fusion tests ------===#
#
# Usage:
#   fusion_case.py layer [options]        prints a moe.layer module whose
#       weights are arguments (filled by moe-run --random-inputs) or, with
#       --constant-weights SEED, arith.constant tensors in the module
#   fusion_case.py ops DIR                 writes DIR/ops.mlir, which applies
#       moe.grouped_matmul_act (gated silu, non-gated gelu_tanh) and
#       moe.grouped_matmul_combine to random inputs (DIR/*.npy) under
#       overlapping, empty and partial row groups
#   fusion_case.py check-ops DIR           compares DIR/out{0..3}.npy with
#       docs/Spec.md's definition of the two ops, computed here in float64
#       (rtol 1e-5, atol 1e-6)
#   fusion_case.py compare BEFORE.npy AFTER.npy [--rtol R] [--atol A]
#                                                [--bf16]
#       compares the results of the unfused and the fused IR:
#       |after - before| <= atol + rtol·|before| everywhere; prints the
#       largest errors and PASS, or FAIL and exits 1. Also fails when the
#       result is not finite or all zero, so that a broken layer cannot
#       pass by being trivially equal. --bf16 is the tolerance for bf16
#       activations: the unfused IR rounds every expert row to bf16 before
#       the combine and the fused IR does not, so results differ by a
#       bf16 unit or two (2^-8 relative) of the partial sums: rtol = 2^-7
#       and atol = 2^-7 · max|before|.
#
#===----------------------------------------------------------------------===#

import argparse
import sys

import numpy as np


def tensor_type(shape, dtype):
    return "tensor<" + "x".join(str(s) for s in shape) + "x" + dtype + ">"


def dense_hex(array, dtype):
    """The elements of `array` as an MLIR dense hex literal of `dtype`."""
    a = np.asarray(array, dtype=np.float32)
    if dtype == "f32":
        raw = a.astype("<f4").tobytes()
    else:  # bf16: round to nearest even from the f32 bits
        bits = a.astype("<f4").view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        raw = bits.astype("<u2").tobytes()
    return 'dense<"0x' + raw.hex().upper() + '">'


def layer(a):
    t = "?" if a.tokens is None else str(a.tokens)
    d, e, f, s = a.hidden, a.experts, a.inner, a.shared_inner or a.inner
    xty = f"tensor<{t}x{d}x{a.x_dtype}>"
    shapes = [("router", [e, d], "f32"), ("w1", [e, f, d], a.dtype)]
    if a.gated:
        shapes.append(("w3", [e, f, d], a.dtype))
    shapes.append(("w2", [e, d, f], a.dtype))
    if a.shared != "none":
        shapes.append(("shared_w1", [s, d], a.shared_dtype or a.dtype))
        if a.shared == "gated":
            shapes.append(("shared_w3", [s, d], a.shared_dtype or a.dtype))
        shapes.append(("shared_w2", [d, s], a.shared_dtype or a.dtype))
        if a.shared_gate:
            shapes.append(("shared_gate", [1, d], "f32"))
    if a.router_bias:
        shapes.append(("router_bias", [e], "f32"))
    if a.expert_bias:
        shapes.append(("b1", [e, f], a.dtype))
        if a.gated:
            shapes.append(("b3", [e, f], a.dtype))
        shapes.append(("b2", [e, d], a.dtype))
    if a.output_bias:
        shapes.append(("output_bias", [d], "f32"))

    args, consts, operands = [f"%x: {xty}"], [], []
    rng = np.random.default_rng(a.constant_weights)
    for role, shape, dtype in shapes:
        ty = tensor_type(shape, dtype)
        if a.constant_weights is not None:
            values = rng.uniform(-1, 1, shape) / np.sqrt(shape[-1])
            consts.append(f"  %{role} = arith.constant "
                          f"{dense_hex(values, dtype)} : {ty}")
        else:
            args.append(f"%{role}: {ty}")
        operands.append(f"{role}(%{role} : {ty})")

    if a.routing == "expert_choice":
        routing = f"#moe.expert_choice<capacity = {a.capacity}>"
    else:
        params = [f"k = {a.k}", f"scoring = {a.scoring}"]
        if a.normalize:
            params.append("normalize = true")
        routing = "#moe.routing<" + ", ".join(params) + ">"
    tail = f"activation {a.act}"
    for name in ["alpha", "limit", "shared_limit"]:
        if getattr(a, name) is not None:
            tail += f" {name} {getattr(a, name)!r}"
    if a.limit_after_act:
        tail += " limit_after_act"
    if a.drop:
        tail += f" drop {a.drop} capacity_factor {a.capacity_factor!r}"
    body = "\n".join(consts)
    return (f"func.func @forward({', '.join(args)}) -> {xty} {{\n"
            + (body + "\n" if body else "")
            + f"  %y = moe.layer %x {' '.join(operands)}\n"
            f"      routing {routing} {tail} : {xty} -> {xty}\n"
            f"  return %y : {xty}\n}}\n")


# The inputs of `ops`: name -> shape. Row groups and tokens are constants
# of the module: OVERLAP has an empty group 1 and a group 2 (rows 3..9) that
# overlaps group 0 (rows 0..3) on row 3; PARTIAL leaves rows 8 and 9 in no
# group. Tokens include -1 and 7 (outside [0, T = 5)).
OPS_INPUTS = [("rows", [10, 6]), ("w13", [3, 8, 6]), ("w1", [3, 4, 6]),
              ("w2", [3, 6, 4]), ("rw", [10]), ("acc", [5, 6])]
OVERLAP = [0, 4, 3, 12]
PARTIAL = [0, 3, 3, 8]
TOKENS = [0, 4, -1, 2, 7, 1, 3, 0, 2, 4]


def ops(a):
    import os
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(7)
    for name, shape in OPS_INPUTS:
        np.save(os.path.join(a.dir, name + ".npy"),
                rng.uniform(-1, 1, shape).astype(np.float32))
    ty = {n: tensor_type(sh, "f32") for n, sh in OPS_INPUTS}
    h, out = "tensor<10x4xf32>", ty["acc"]
    args = ", ".join(f"%{n}: {ty[n]}" for n, _ in OPS_INPUTS)
    text = f"""func.func @forward({args}) -> ({h}, {h}, {out}, {out}) {{
  %overlap = arith.constant dense<{OVERLAP}> : tensor<4xi32>
  %partial = arith.constant dense<{PARTIAL}> : tensor<4xi32>
  %tok = arith.constant dense<{TOKENS}> : tensor<10xi32>
  %h = moe.grouped_matmul_act %rows, %w13 offsets(%overlap : tensor<4xi32>)
         activation silu gated : {ty['rows']}, {ty['w13']} -> {h}
  %g = moe.grouped_matmul_act %rows, %w1 offsets(%partial : tensor<4xi32>)
         activation gelu_tanh : {ty['rows']}, {ty['w1']} -> {h}
  %y = moe.grouped_matmul_combine %h, %w2 offsets(%overlap : tensor<4xi32>)
         tokens(%tok : tensor<10xi32>) weights(%rw : {ty['rw']}) into %acc
         : {h}, {ty['w2']} -> {out}
  %z = moe.grouped_matmul_combine %g, %w2 offsets(%partial : tensor<4xi32>)
         tokens(%tok : tensor<10xi32>) weights(%rw : {ty['rw']}) into %acc
         : {h}, {ty['w2']} -> {out}
  return %h, %g, %y, %z : {h}, {h}, {out}, {out}
}}
"""
    with open(os.path.join(a.dir, "ops.mlir"), "w") as f:
        f.write(text)
    return 0


def spec_groups(offsets, n):
    """The clamped row range of each group (docs/Spec.md)."""
    out = []
    for e in range(len(offsets) - 1):
        lo = min(max(offsets[e], 0), n)
        hi = min(max(offsets[e + 1], lo), n)
        out.append((lo, hi))
    return out


def spec_act(rows, w, offsets, act, gated):
    n, f = rows.shape[0], w.shape[1] // (2 if gated else 1)
    acts = {"silu": lambda u: u / (1 + np.exp(-u)),
            "gelu_tanh": lambda u: 0.5 * u * (1 + np.tanh(
                np.sqrt(2 / np.pi) * (u + 0.044715 * u**3)))}
    h = np.zeros((n, f))
    for e, (lo, hi) in enumerate(spec_groups(offsets, n)):
        for r in range(lo, hi):  # a later group overwrites: it wins
            u = w[e] @ rows[r]
            h[r] = acts[act](u[:f]) * (u[f:] if gated else 1)
    return h


def spec_combine(h, w2, offsets, tokens, weights, acc):
    out = acc.copy()
    for e, (lo, hi) in enumerate(spec_groups(offsets, h.shape[0])):
        for r in range(lo, hi):  # a row in two groups counts twice
            if 0 <= tokens[r] < acc.shape[0]:
                out[tokens[r]] += weights[r] * (w2[e] @ h[r])
    return out


def check_ops(a):
    import os
    x = {n: np.load(os.path.join(a.dir, n + ".npy")).astype(np.float64)
         for n, _ in OPS_INPUTS}
    got = [np.load(os.path.join(a.dir, f"out{i}.npy")) for i in range(4)]
    # The combines read the f32 results of the first two ops.
    h32, g32 = (v.astype(np.float64) for v in got[:2])
    want = [spec_act(x["rows"], x["w13"], OVERLAP, "silu", True),
            spec_act(x["rows"], x["w1"], PARTIAL, "gelu_tanh", False),
            spec_combine(h32, x["w2"], OVERLAP, TOKENS, x["rw"], x["acc"]),
            spec_combine(g32, x["w2"], PARTIAL, TOKENS, x["rw"], x["acc"])]
    status = 0
    for i, (g, w) in enumerate(zip(got, want)):
        err = np.abs(g - w)
        ok = g.shape == w.shape and np.all(err <= 1e-6 + 1e-5 * np.abs(w))
        print(f"out{i}: shape={list(g.shape)} max_abs_err={err.max():.3e} "
              f"{'PASS' if ok else 'FAIL'}")
        status |= not ok
    return status


def compare(a):
    before = np.load(a.before).astype(np.float64)
    after = np.load(a.after).astype(np.float64)
    if before.shape != after.shape:
        print(f"FAIL: shapes {list(before.shape)} and {list(after.shape)}")
        return 1
    if not (np.all(np.isfinite(before)) and np.all(np.isfinite(after))):
        print("FAIL: non-finite values")
        return 1
    if not np.any(before):
        print("FAIL: the unfused result is all zero")
        return 1
    rtol, atol = a.rtol, a.atol
    if a.bf16:
        rtol = atol = 2.0**-7
        atol *= np.abs(before).max()
    err = np.abs(after - before)
    bound = atol + rtol * np.abs(before)
    print(f"shape={list(before.shape)} max_abs={np.abs(before).max():.3e} "
          f"max_abs_err={err.max():.3e} "
          f"max_excess={(err - bound).max():.3e}")
    if np.any(err > bound):
        i = np.unravel_index(np.argmax(err - bound), err.shape)
        print(f"FAIL: at {list(i)}: before {before[i]!r}, after {after[i]!r}")
        return 1
    print("PASS")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("layer")
    g.add_argument("--tokens", type=int, default=None,
                   help="static T (default: dynamic)")
    g.add_argument("--hidden", type=int, default=16)
    g.add_argument("--experts", type=int, default=4)
    g.add_argument("--inner", type=int, default=24)
    g.add_argument("--k", type=int, default=2)
    g.add_argument("--scoring", default="softmax")
    g.add_argument("--normalize", type=int, default=1)
    g.add_argument("--gated", type=int, default=1)
    g.add_argument("--act", default="silu")
    g.add_argument("--shared", choices=["none", "plain", "gated"],
                   default="none")
    g.add_argument("--shared-inner", type=int, default=None)
    g.add_argument("--shared-gate", action="store_true")
    g.add_argument("--shared-dtype", choices=["f32", "bf16"], default=None)
    g.add_argument("--routing", choices=["token", "expert_choice"],
                   default="token")
    g.add_argument("--capacity", type=int, default=4)
    g.add_argument("--drop", choices=["position", "score"], default=None)
    g.add_argument("--capacity-factor", type=float, default=1.0)
    g.add_argument("--dtype", choices=["f32", "bf16"], default="f32",
                   help="element type of the expert weights")
    g.add_argument("--x-dtype", choices=["f32", "bf16"], default="f32")
    g.add_argument("--alpha", type=float, default=None)
    g.add_argument("--limit", type=float, default=None)
    g.add_argument("--shared-limit", type=float, default=None)
    g.add_argument("--limit-after-act", action="store_true")
    g.add_argument("--router-bias", action="store_true")
    g.add_argument("--expert-bias", action="store_true",
                   help="b1, b3 (gated) and b2")
    g.add_argument("--output-bias", action="store_true")
    g.add_argument("--constant-weights", type=int, default=None,
                   metavar="SEED")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--rtol", type=float, default=1e-5)
    c.add_argument("--atol", type=float, default=1e-6)
    c.add_argument("--bf16", action="store_true",
                   help="the tolerance of bf16 activations (see above)")
    for name in ["ops", "check-ops"]:
        sub.add_parser(name).add_argument("dir")
    a = p.parse_args()
    if a.command == "layer":
        sys.stdout.write(layer(a))
        return 0
    if a.command == "ops":
        return ops(a)
    if a.command == "check-ops":
        return check_ops(a)
    return compare(a)


if __name__ == "__main__":
    sys.exit(main())
