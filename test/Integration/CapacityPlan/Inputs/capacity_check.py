#!/usr/bin/env python3
#===- capacity_check.py - numpy checks for the moe-capacity-plan tests ----===#
#
# Usage:
#   capacity_check.py same GOT.npy WANT.npy [--rtol R] [--atol A]
#       two runs of one layer (before and after moe-capacity-plan) agree.
#   capacity_check.py layer GOT.npy --seed S --tokens T --hidden D
#       --inner F --experts E --k K [--capacity C --policy position|score]
#       [--expect-drops | --expect-no-drops]
#       GOT is layer.mlir / the Inputs/*layer*.mlir modules under moe-run
#       --random-inputs S (x, router, w1, w3, w2: top-k softmax routing,
#       renormalized, SwiGLU experts); recomputed here in float64 with the
#       capacity C applied as docs/Spec.md#moedispatch says.
#   capacity_check.py dispatch ROWS OFFSETS TOKENS WEIGHTS --seed S
#       --tokens T --hidden D --experts E --k K --layout L
#       [--capacity C --policy P] [--block B]
#       the four results of Inputs/dispatch.mlir (x and logits random
#       inputs, top-k softmax routing, one moe.dispatch) against the layout
#       rules of docs/Spec.md#moedispatch.
#
# The inputs are those of moe-run's --random-inputs generator
# (docs/Tools.md), rebuilt by test/Tools/moe-run/Inputs/moe_run_ref.py. Every
# routing and drop decision must be further than 1e-4 from a tie, or the
# check fails and asks for another seed.
#
#===----------------------------------------------------------------------===#

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Tools", "moe-run",
                                "Inputs"))
import moe_reference as ref  # noqa: E402
import moe_run_ref as gen  # noqa: E402

MIN_MARGIN = 1e-4


def keep_mask(idx, weights, experts, policy, capacity, margins):
    """Which assignments an expert keeps under `capacity` (an integer C):
    position order (j, t), or weight descending with ties in position
    order."""
    tokens, k = idx.shape
    keep = np.ones((tokens, k), dtype=bool)
    if policy in (None, "none"):
        return keep
    order = [(t, j) for j in range(k) for t in range(tokens)]
    if policy == "score":
        order.sort(key=lambda tj: -weights[tj])
    count = np.zeros(experts, dtype=np.int64)
    last_kept = {}
    for t, j in order:
        e = idx[t, j]
        if count[e] < capacity:
            count[e] += 1
            last_kept[e] = weights[t, j]
        else:
            keep[t, j] = False
            if policy == "score" and e in last_kept:
                margins.gap(last_kept[e] - weights[t, j], "score drop order")
    return keep


def route(logits, k, margins, normalize):
    spec = {"scoring": "softmax", "k": k, "normalize": normalize}
    return ref.spec_route(spec, logits, None, margins)


def require_margin(margins):
    if margins.min_gap < MIN_MARGIN:
        print(f"FAIL: a decision lies within {MIN_MARGIN} of a tie "
              f"({margins.notes[-1:]}); pick another seed")
        return False
    return True


def compare(got, want, rtol, atol):
    if got.shape != want.shape:
        print(f"FAIL: got shape {list(got.shape)}, want {list(want.shape)}")
        return 1
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bad = ~(err <= atol + rtol * np.abs(want.astype(np.float64)))
    print(f"max_abs_err={err.max() if err.size else 0.0:.3e}")
    if bad.any():
        first = tuple(np.argwhere(bad)[0])
        print(f"FAIL: {int(bad.sum())} of {bad.size} elements out of rtol "
              f"{rtol} / atol {atol}; first at {list(first)}: got "
              f"{got[first]!r}, want {want[first]!r}")
        return 1
    print("PASS")
    return 0


def cmd_same(a):
    return compare(np.load(a.got), np.load(a.want), a.rtol, a.atol)


def cmd_layer(a):
    t, d, f, e, k = a.tokens, a.hidden, a.inner, a.experts, a.k
    x = gen.random_tensor(a.seed, 0, (t, d)).astype(np.float32)
    router = gen.weight(a.seed, 1, (e, d))
    w1 = gen.weight(a.seed, 2, (e, f, d))
    w3 = gen.weight(a.seed, 3, (e, f, d))
    w2 = gen.weight(a.seed, 4, (e, d, f))
    x = x.astype(np.float64)
    margins = ref.Margins()
    idx, w = route(x @ router.T, k, margins, normalize=True)
    keep = keep_mask(idx, w, e, a.policy, a.capacity, margins)
    dropped = int((~keep).sum())
    print(f"dropped={dropped} of {keep.size}")
    if not require_margin(margins):
        return 1
    if a.expect_drops and dropped == 0:
        print("FAIL: expected some assignments to be dropped")
        return 1
    if a.expect_no_drops and dropped:
        print("FAIL: expected no assignment to be dropped")
        return 1

    def expert(j, rows):
        return ref.gated_mlp(rows, w1[j], w3[j], w2[j], ref.silu)

    want = ref.combine(x, idx, w, keep, expert)
    return compare(np.load(a.got), want, 1e-4, 1e-5)


def cmd_dispatch(a):
    t, d, e, k = a.tokens, a.hidden, a.experts, a.k
    x = gen.random_tensor(a.seed, 0, (t, d)).astype(np.float32)
    logits = gen.random_tensor(a.seed, 1, (t, e)).astype(np.float32)
    margins = ref.Margins()
    idx, w = route(logits.astype(np.float64), k, margins, normalize=False)
    keep = keep_mask(idx, w, e, a.policy, a.capacity, margins)
    if not require_margin(margins):
        return 1
    counts = np.array([int(((idx == j) & keep).sum()) for j in range(e)])
    if a.layout == "ragged":
        sizes, n = counts, t * k
    elif a.layout == "padded":
        sizes, n = np.full(e, a.capacity), e * a.capacity
    else:
        sizes = (counts + a.block - 1) // a.block * a.block
        n = t * k + e * (a.block - 1)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    want_tokens = np.full(n, -1, dtype=np.int32)
    want_weights = np.zeros(n, dtype=np.float32)
    for j in range(e):
        # Expert j's kept assignments in token order, from offsets[j].
        slots = [(tt, jj) for tt in range(t) for jj in range(k)
                 if idx[tt, jj] == j and keep[tt, jj]]
        for r, (tt, jj) in enumerate(slots):
            want_tokens[offsets[j] + r] = tt
            want_weights[offsets[j] + r] = w[tt, jj]
    want_rows = np.where((want_tokens >= 0)[:, None],
                         x[np.maximum(want_tokens, 0)], 0.0)

    rows, got_offsets = np.load(a.rows), np.load(a.offsets)
    tokens, weights = np.load(a.row_tokens), np.load(a.row_weights)
    print(f"layout={a.layout} N={n} offsets={got_offsets.tolist()} "
          f"kept={int(keep.sum())} of {keep.size}")
    if a.layout == "padded" and not np.array_equal(
            got_offsets, np.arange(e + 1) * a.capacity):
        print("FAIL: padded offsets must be e·C")
        return 1
    if a.layout == "blocked" and np.any(got_offsets % a.block):
        print(f"FAIL: blocked offsets must be multiples of {a.block}")
        return 1
    for name, got, want in (("offsets", got_offsets, offsets),
                            ("row_tokens", tokens, want_tokens)):
        if got.shape != want.shape or not np.array_equal(got, want):
            print(f"FAIL: {name} = {got.tolist()}, want {want.tolist()}")
            return 1
    if compare(weights, want_weights, 1e-5, 1e-7):
        return 1
    return compare(rows, want_rows, 0.0, 0.0)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("same")
    s.add_argument("got")
    s.add_argument("want")
    s.add_argument("--rtol", type=float, default=1e-5)
    s.add_argument("--atol", type=float, default=1e-6)
    for name in ("layer", "dispatch"):
        c = sub.add_parser(name)
        if name == "layer":
            c.add_argument("got")
            c.add_argument("--inner", type=int, required=True)
            group = c.add_mutually_exclusive_group()
            group.add_argument("--expect-drops", action="store_true")
            group.add_argument("--expect-no-drops", action="store_true")
        else:
            for result in ("rows", "offsets", "row_tokens", "row_weights"):
                c.add_argument(result)
            c.add_argument("--layout", required=True,
                           choices=["ragged", "padded", "blocked"])
            c.add_argument("--block", type=int, default=1)
        c.add_argument("--seed", type=int, required=True)
        c.add_argument("--tokens", type=int, required=True)
        c.add_argument("--hidden", type=int, required=True)
        c.add_argument("--experts", type=int, required=True)
        c.add_argument("--k", type=int, required=True)
        c.add_argument("--capacity", type=int, default=0)
        c.add_argument("--policy", default="none",
                       choices=["none", "position", "score"])
    a = p.parse_args()
    return {"same": cmd_same, "layer": cmd_layer,
            "dispatch": cmd_dispatch}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
