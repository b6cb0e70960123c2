#!/usr/bin/env python3
#===- dense_moe.py - MoE layers written densely in linalg, for moe-raise ---===#
#
# Writes one function @forward that computes an MoE layer without any moe op,
# in the shapes front ends produce (torch-mlir, StableHLO-to-linalg, hand
# written linalg), and checks a run of it against NumPy:
#
#   dense_moe.py emit [options] > dense.mlir
#   dense_moe.py check [options] --seed S --outputs A.npy[,B.npy]
#       A.npy (and B.npy) hold @forward's result under moe-run
#       --random-inputs S; each is compared with an independent NumPy
#       evaluation of the layer (rtol 1e-4), and A with B at rtol 1e-5.
#
# Forms (--form):
#   batched   logits, scores, dense top-k weights W [T, E]; every expert on
#             every token as batch matmuls over E ([E, T, D]); out = te,etd->td.
#   unrolled  the same routing; E separate w1/w3/act/w2 chains over all
#             tokens, each scaled by its column W[:, e] and summed.
#   onehot    GShard/Switch: top-k by iterative argmax, one-hot positions by a
#             triangular count over tokens (second choices after all first
#             choices), dispatch mask [T, E, C], td,tec->ecd, experts on
#             [E, C, D], tec,ecd->td with combine weights W ⊙ mask.
#
# --mutate NAME writes a near miss instead (see MUTATIONS); the checker does
# not support mutations.
#===----------------------------------------------------------------------===#

import argparse
import math
import os
import sys

MUTATIONS = {
    "no-max-sub": "softmax without the max subtraction",
    "sum-over-tokens": "softmax sum reduces over tokens",
    "eps": "normalization epsilon 1e-6 instead of 1e-20",
    "no-eps": "sigmoid scores normalized without epsilon",
    "extra-use": "the scores are also returned",
    "rank-no-tiebreak": "rank top-k without the index tie-break",
    "mask-zero": "argmax chain masks earlier picks with 0",
    "gelu-const": "tanh-GELU with 0.04 instead of 0.044715",
    "norm-all": "weights divided by the sum of all scores",
    "missing-expert": "one expert's term left out of the sum",
    "norm-after-drop": "k=2 weights renormalized over the kept choices",
    "no-first-offset": "second-choice positions not after all first choices",
    "capacity-le": "positions compared with <= C (the same as < C, kept)",
    "capacity-tight": "positions compared with < C - 1 (fewer than C slots)",
    "argmax-tokens": "argmax reduces over tokens",
    "transposed-x": "the experts read x transposed",
    "swapped-w": "expert 1 reads w1 and w3 from each other's tensors (kept)",
}


class Emitter:
    def __init__(self, args):
        self.a = args
        self.lines = []
        self.n = 0
        T = args.tokens
        self.dyn = T == 0
        self.T = "?" if self.dyn else str(T)

    def fresh(self, base="v"):
        self.n += 1
        return "%%%s%d" % (base, self.n)

    def emit(self, line):
        self.lines.append("  " + line)

    def ty(self, *dims, elt="f32"):
        return "tensor<%sx%s>" % ("x".join(str(d) for d in dims), elt)

    # Shapes with the token dimension first where it has one.
    def empty(self, dims, elt="f32"):
        v = self.fresh("e")
        dyn = ["%T" for d in dims if d == "?"]
        self.emit("%s = tensor.empty(%s) : %s" % (v, ", ".join(dyn),
                                                 self.ty(*dims, elt=elt)))
        return v

    def filled(self, dims, value, elt="f32"):
        e = self.empty(dims, elt)
        c = self.fresh("c")
        self.emit("%s = arith.constant %s : %s" % (c, value, elt))
        v = self.fresh("f")
        t = self.ty(*dims, elt=elt)
        self.emit("%s = linalg.fill ins(%s : %s) outs(%s : %s) -> %s" %
                  (v, c, elt, e, t, t))
        return v

    def generic(self, ins, outs, maps, iters, body, results=None):
        """ins: [(value, type, map)], outs: [(value, type, map)]; body: list
        of lines using %a0.. for ins and %o0.. for outs, ending in a yield."""
        names = ["%%a%d" % i for i in range(len(ins))] + \
            ["%%o%d" % i for i in range(len(outs))]
        types = [t.split("x")[-1].rstrip(">") for _, t, _ in ins + outs]
        v = self.fresh("g")
        res = v if len(outs) == 1 else "%s:%d" % (v, len(outs))
        allmaps = ", ".join("affine_map<%s>" % m for m in maps)
        it = ", ".join('"%s"' % i for i in iters)
        head = "%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]}" % (
            res, allmaps, it)
        if ins:
            head += " ins(%s : %s)" % (", ".join(x for x, _, _ in ins),
                                       ", ".join(t for _, t, _ in ins))
        head += " outs(%s : %s) {" % (", ".join(x for x, _, _ in outs),
                                     ", ".join(t for _, t, _ in outs))
        self.emit(head)
        self.emit("^bb0(%s):" % ", ".join("%s: %s" % (n, t)
                                           for n, t in zip(names, types)))
        for line in body:
            self.emit("  " + line)
        rtypes = ", ".join(t for _, t, _ in outs)
        if len(outs) > 1:
            rtypes = "(%s)" % rtypes
        self.emit("} -> %s" % rtypes)
        if len(outs) == 1:
            return v
        return ["%s#%d" % (v, i) for i in range(len(outs))]


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["emit", "check"])
    p.add_argument("--outputs", default="",
                   help="check: A.npy[,B.npy], results of @forward")
    p.add_argument("--form", default="batched",
                   choices=["batched", "unrolled", "onehot"])
    p.add_argument("--tokens", type=int, default=16,
                   help="T; 0 writes a dynamic token dimension")
    p.add_argument("--run-tokens", type=int, default=0,
                   help="check: T of the run when --tokens 0")
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("--experts", type=int, default=4)
    p.add_argument("--inner", type=int, default=8)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--capacity", type=int, default=4)
    p.add_argument("--scoring", default="softmax",
                   choices=["softmax", "softmax-op", "sigmoid"])
    p.add_argument("--topk", default="argmax", choices=["argmax", "rank"])
    p.add_argument("--normalize", type=int, default=0)
    p.add_argument("--eps", default="auto",
                   help="'auto' (1e-20 under sigmoid, none under softmax), "
                   "'none', or a number")
    p.add_argument("--scaling", type=float, default=0.0)
    p.add_argument("--gated", type=int, default=1)
    p.add_argument("--act", default="silu",
                   choices=["silu", "gelu_tanh", "gelu_erf", "relu"])
    p.add_argument("--matmul", default="maps",
                   choices=["maps", "transpose", "generic"])
    p.add_argument("--weights", default="stacked",
                   choices=["stacked", "separate"])
    p.add_argument("--router", default="ed", choices=["ed", "de"],
                   help="router weight layout: [E, D] (nn.Linear) or [D, E]")
    p.add_argument("--wlayout", default="nk", choices=["nk", "kn"],
                   help="batched/onehot: expert weights stored [E, N, K] "
                   "(nn.Linear) or [E, K, N]")
    p.add_argument("--residual", type=int, default=0,
                   help="return x + layer(x) (the add is not part of the layer)")
    p.add_argument("--keepdim", type=int, default=0,
                   help="per-token reductions expanded to [T, 1] and read "
                   "through (d0, 0), as torch-mlir writes keepdim=True")
    p.add_argument("--fused", type=int, default=0,
                   help="fuse elementwise chains into fewer generics")
    p.add_argument("--mutate", default="", choices=[""] + sorted(MUTATIONS))
    p.add_argument("--remark", default="",
                   help="emit: an expected-remark line before the result op")
    p.add_argument("--name", default="forward")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


# ----------------------------------------------------------------------------
# IR
# ----------------------------------------------------------------------------

ID2 = "(d0, d1) -> (d0, d1)"
ROW2 = "(d0, d1) -> (d0)"
NEG_INF = "0xFF800000"


def mm_maps():
    return ["(d0, d1, d2) -> (d0, d2)", "(d0, d1, d2) -> (d1, d2)",
            "(d0, d1, d2) -> (d0, d1)"]


def linear(em, x, xdims, w, wdims):
    """x: [M, K] times w: [N, K]ᵀ, f32, in the --matmul style."""
    M, K = xdims
    N = wdims[0]
    out_t = em.ty(M, N)
    z = em.filled([M, N], "0.0")
    v = em.fresh("mm")
    style = em.a.matmul
    if style == "maps":
        em.emit("%s = linalg.matmul indexing_maps = [%s] ins(%s, %s : %s, %s) "
                "outs(%s : %s) -> %s" % (
                    v, ", ".join("affine_map<%s>" % m for m in mm_maps()), x, w,
                    em.ty(M, K), em.ty(N, K), z, out_t, out_t))
    elif style == "transpose":
        e = em.empty([K, N])
        wt = em.fresh("wt")
        em.emit("%s = linalg.transpose ins(%s : %s) outs(%s : %s) "
                "permutation = [1, 0]" % (wt, w, em.ty(N, K), e, em.ty(K, N)))
        em.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" %
                (v, x, wt, em.ty(M, K), em.ty(K, N), z, out_t, out_t))
    else:
        return em.generic([(x, em.ty(M, K), mm_maps()[0]),
                           (w, em.ty(N, K), mm_maps()[1])],
                          [(z, out_t, mm_maps()[2])],
                          mm_maps(), ["parallel", "parallel", "reduction"],
                          ["%p = arith.mulf %a0, %a1 : f32",
                           "%s = arith.addf %o0, %p : f32",
                           "linalg.yield %s : f32"])
    return v


def reduce_rows(em, src, dims, init, combine, elt="f32", over="experts"):
    """[T, E] -> [T] by `combine` (a line '%r = ... %a0, %o0')."""
    T, E = dims
    if over == "tokens":
        out = em.filled([E], init, elt)
        return em.generic([(src, em.ty(T, E, elt=elt), "(d0, d1) -> (d1, d0)")],
                          [(out, em.ty(E, elt=elt), "(d0, d1) -> (d0)")],
                          ["(d0, d1) -> (d1, d0)", "(d0, d1) -> (d0)"],
                          ["parallel", "reduction"],
                          [combine, "linalg.yield %%r : %s" % elt]), True
    out = em.filled([T], init, elt)
    return em.generic([(src, em.ty(T, E, elt=elt), ID2)],
                      [(out, em.ty(T, elt=elt), ROW2)], [ID2, ROW2],
                      ["parallel", "reduction"],
                      [combine, "linalg.yield %%r : %s" % elt]), False


def per_token(em, v, elt="f32"):
    """A per-token [T] value as an elementwise input over (t, e): itself
    through (d0), or with --keepdim expanded to [T, 1] through (d0, 0)."""
    if not em.a.keepdim:
        return (v, em.ty(em.T, elt=elt), ROW2)
    k = em.fresh("kd")
    size = "%T" if em.dyn else em.T
    em.emit("%s = tensor.expand_shape %s [[0, 1]] output_shape [%s, 1] : %s "
            "into %s" % (k, v, size, em.ty(em.T, elt=elt),
                         em.ty(em.T, 1, elt=elt)))
    return (k, em.ty(em.T, 1, elt=elt), "(d0, d1) -> (d0, 0)")


def elementwise2(em, ins, body, dims, elt="f32"):
    """ins: [(value, type, map)] over the 2-D space dims."""
    out = em.empty(list(dims), elt)
    maps = [m for _, _, m in ins] + [ID2]
    return em.generic(ins, [(out, em.ty(*dims, elt=elt), ID2)], maps,
                      ["parallel", "parallel"], body)


def router(em, x, wg):
    a = em.a
    T, D, E = em.T, a.dim, a.experts
    if a.router == "de":
        z = em.filled([T, E], "0.0")
        logits = em.fresh("mm")
        em.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" %
                (logits, x, wg, em.ty(T, D), em.ty(D, E), z, em.ty(T, E),
                 em.ty(T, E)))
    else:
        logits = linear(em, x, [T, D], wg, [E, D])
    TE = em.ty(T, E)
    if a.scoring == "softmax-op":
        out = em.empty([T, E])
        s = em.fresh("sm")
        em.emit("%s = linalg.softmax dimension(1) ins(%s : %s) outs(%s : %s) "
                "-> %s" % (s, logits, TE, out, TE, TE))
        return logits, s
    if a.scoring == "sigmoid":
        s = elementwise2(em, [(logits, TE, ID2)], [
            "%one = arith.constant 1.0 : f32",
            "%n = arith.negf %a0 : f32",
            "%e = math.exp %n : f32",
            "%d = arith.addf %one, %e : f32",
            "%r = arith.divf %one, %d : f32",
            "linalg.yield %r : f32"], [T, E])
        return logits, s
    # softmax, unfused as torch-mlir writes it.
    over = "tokens" if a.mutate == "sum-over-tokens" else "experts"
    if a.mutate == "no-max-sub":
        ex = elementwise2(em, [(logits, TE, ID2)], [
            "%e = math.exp %a0 : f32", "linalg.yield %e : f32"], [T, E])
    else:
        mx, _ = reduce_rows(em, logits, [T, E], NEG_INF,
                            "%r = arith.maximumf %a0, %o0 : f32")
        if a.fused and a.mutate != "sum-over-tokens":
            # exp(l - max) inside the sum and again in the division.
            out = em.filled([T], "0.0")
            sm = em.generic([(logits, TE, ID2), (mx, em.ty(T), ROW2)],
                            [(out, em.ty(T), ROW2)], [ID2, ROW2, ROW2],
                            ["parallel", "reduction"], [
                                "%d = arith.subf %a0, %a1 : f32",
                                "%e = math.exp %d : f32",
                                "%r = arith.addf %e, %o0 : f32",
                                "linalg.yield %r : f32"])
            s = elementwise2(em, [(logits, TE, ID2), (mx, em.ty(T), ROW2),
                                  (sm, em.ty(T), ROW2)], [
                "%d = arith.subf %a0, %a1 : f32",
                "%e = math.exp %d : f32",
                "%r = arith.divf %e, %a2 : f32", "linalg.yield %r : f32"], [T, E])
            return logits, s
        ex = elementwise2(em, [(logits, TE, ID2), per_token(em, mx)], [
            "%d = arith.subf %a0, %a1 : f32",
            "%e = math.exp %d : f32", "linalg.yield %e : f32"], [T, E])
    sm, by_tokens = reduce_rows(em, ex, [T, E], "0.0",
                                "%r = arith.addf %a0, %o0 : f32", over=over)
    sin = (sm, em.ty(E), "(d0, d1) -> (d1)") if by_tokens else per_token(em, sm)
    s = elementwise2(em, [(ex, TE, ID2), sin], [
        "%r = arith.divf %a0, %a1 : f32", "linalg.yield %r : f32"], [T, E])
    return logits, s


def argmax_chain(em, s):
    """k argmax picks; returns the one-hot predicates' index tensors [T]
    (i64) in pick order."""
    a = em.a
    T, E = em.T, a.experts
    TE = em.ty(T, E)
    cur = s
    picks = []
    for j in range(a.k):
        vinit = em.filled([T], NEG_INF)
        iinit = em.filled([T], "0", "i64")
        if a.mutate == "argmax-tokens":
            vinit = em.filled([E], NEG_INF)
            iinit = em.filled([E], "0", "i64")
            v, i = em.generic([(cur, TE, "(d0, d1) -> (d1, d0)")],
                              [(vinit, em.ty(E), "(d0, d1) -> (d0)"),
                               (iinit, em.ty(E, elt="i64"), "(d0, d1) -> (d0)")],
                              ["(d0, d1) -> (d1, d0)", "(d0, d1) -> (d0)",
                               "(d0, d1) -> (d0)"],
                              ["parallel", "reduction"], [
                                  "%e = linalg.index 1 : index",
                                  "%ei = arith.index_cast %e : index to i64",
                                  "%gt = arith.cmpf ogt, %a0, %o0 : f32",
                                  "%nv = arith.select %gt, %a0, %o0 : f32",
                                  "%ni = arith.select %gt, %ei, %o1 : i64",
                                  "linalg.yield %nv, %ni : f32, i64"])
            picks.append((i, "(d0, d1) -> (d1)", em.ty(E, elt="i64")))
            return picks
        v, i = em.generic([(cur, TE, ID2)],
                          [(vinit, em.ty(T), ROW2),
                           (iinit, em.ty(T, elt="i64"), ROW2)],
                          [ID2, ROW2, ROW2], ["parallel", "reduction"], [
                              "%e = linalg.index 1 : index",
                              "%ei = arith.index_cast %e : index to i64",
                              "%gt = arith.cmpf ogt, %a0, %o0 : f32",
                              "%nv = arith.select %gt, %a0, %o0 : f32",
                              "%ni = arith.select %gt, %ei, %o1 : i64",
                              "linalg.yield %nv, %ni : f32, i64"])
        picks.append((i, ROW2, em.ty(T, elt="i64")))
        if j + 1 < a.k:
            fill = "0.0" if a.mutate == "mask-zero" else NEG_INF
            cur = elementwise2(em, [(cur, TE, ID2), (i, em.ty(T, elt="i64"), ROW2)], [
                "%e = linalg.index 1 : index",
                "%ei = arith.index_cast %e : index to i64",
                "%eq = arith.cmpi eq, %ei, %a1 : i64",
                "%%m = arith.constant %s : f32" % fill,
                "%r = arith.select %eq, %m, %a0 : f32",
                "linalg.yield %r : f32"], [T, E])
    return picks


def one_hot(em, pick):
    """The f32 one-hot [T, E] of an argmax result."""
    i, m, t = pick
    return elementwise2(em, [(i, t, m)], [
        "%e = linalg.index 1 : index",
        "%ei = arith.index_cast %e : index to i64",
        "%eq = arith.cmpi eq, %ei, %a0 : i64",
        "%f = arith.uitofp %eq : i1 to f32",
        "linalg.yield %f : f32"], [em.T, em.a.experts])


def topk_weights(em, s, picks=None):
    """Dense top-k routing weights W [T, E]: zero off the top-k, optionally
    renormalized and scaled."""
    a = em.a
    T, E = em.T, a.experts
    TE = em.ty(T, E)
    if a.topk == "rank":
        cnt0 = em.filled([T, E], "0", "i32")
        tie = [] if a.mutate == "rank-no-tiebreak" else [
            "%eq = arith.cmpf oeq, %a0, %a1 : f32",
            "%i = linalg.index 1 : index",
            "%i2 = linalg.index 2 : index",
            "%lt = arith.cmpi ult, %i2, %i : index",
            "%tie = arith.andi %eq, %lt : i1",
            "%gt2 = arith.ori %gt, %tie : i1"]
        beat = "%gt" if a.mutate == "rank-no-tiebreak" else "%gt2"
        cnt = em.generic([(s, TE, "(d0, d1, d2) -> (d0, d2)"),
                          (s, TE, "(d0, d1, d2) -> (d0, d1)")],
                         [(cnt0, em.ty(T, E, elt="i32"), "(d0, d1, d2) -> (d0, d1)")],
                         ["(d0, d1, d2) -> (d0, d2)", "(d0, d1, d2) -> (d0, d1)",
                          "(d0, d1, d2) -> (d0, d1)"],
                         ["parallel", "parallel", "reduction"],
                         ["%gt = arith.cmpf ogt, %a0, %a1 : f32"] + tie + [
                             "%%one = arith.extui %s : i1 to i32" % beat,
                             "%r = arith.addi %o0, %one : i32",
                             "linalg.yield %r : i32"])
        raw = elementwise2(em, [(s, TE, ID2), (cnt, em.ty(T, E, elt="i32"), ID2)], [
            "%%k = arith.constant %d : i32" % a.k,
            "%in = arith.cmpi slt, %a1, %k : i32",
            "%z = arith.constant 0.0 : f32",
            "%r = arith.select %in, %a0, %z : f32",
            "linalg.yield %r : f32"], [T, E])
    else:
        picks = picks or argmax_chain(em, s)
        ohs = [one_hot(em, p) for p in picks]
        if len(ohs) == 1:
            mask = ohs[0]
        else:
            body = ["%r1 = arith.addf %a0, %a1 : f32"]
            for i in range(2, len(ohs)):
                body.append("%%r%d = arith.addf %%r%d, %%a%d : f32" % (i, i - 1, i))
            body.append("linalg.yield %%r%d : f32" % (len(ohs) - 1))
            mask = elementwise2(em, [(o, TE, ID2) for o in ohs], body, [T, E])
        raw = elementwise2(em, [(s, TE, ID2), (mask, TE, ID2)], [
            "%r = arith.mulf %a0, %a1 : f32", "linalg.yield %r : f32"], [T, E])
    w = raw
    if a.normalize:
        src = s if a.mutate == "norm-all" else raw
        sm, _ = reduce_rows(em, src, [T, E], "0.0",
                            "%r = arith.addf %a0, %o0 : f32")
        eps = a.eps
        if eps == "auto":
            eps = "1.0e-20" if a.scoring == "sigmoid" else "none"
        if a.mutate == "eps":
            eps = "1.0e-06"
        if a.mutate == "no-eps":
            eps = "none"
        body = []
        den = "%a1"
        if eps != "none":
            body += ["%%eps = arith.constant %s : f32" % eps,
                     "%den = arith.addf %a1, %eps : f32"]
            den = "%den"
        body += ["%%r = arith.divf %%a0, %s : f32" % den, "linalg.yield %r : f32"]
        w = elementwise2(em, [(raw, TE, ID2), per_token(em, sm)], body, [T, E])
    if a.scaling:
        w = elementwise2(em, [(w, TE, ID2)], [
            "%%c = arith.constant %s : f32" % repr(float(a.scaling)),
            "%r = arith.mulf %a0, %c : f32", "linalg.yield %r : f32"], [T, E])
    return w


def activation_lines(act, h, out, mutate=""):
    """Scalar lines computing act(h) into `out`."""
    if act == "silu":
        return ["%one = arith.constant 1.0 : f32",
                "%%n = arith.negf %s : f32" % h,
                "%ex = math.exp %n : f32",
                "%den = arith.addf %one, %ex : f32",
                "%sig = arith.divf %one, %den : f32",
                "%s = arith.mulf %s, %%sig : f32" % (out, h)]
    if act == "relu":
        return ["%zero = arith.constant 0.0 : f32",
                "%s = arith.maximumf %s, %%zero : f32" % (out, h)]
    if act == "gelu_erf":
        return ["%half = arith.constant 0.5 : f32",
                "%one = arith.constant 1.0 : f32",
                "%rs = arith.constant 0.707106769 : f32",
                "%%sc = arith.mulf %s, %%rs : f32" % h,
                "%erf = math.erf %sc : f32",
                "%p1 = arith.addf %one, %erf : f32",
                "%%hx = arith.mulf %%half, %s : f32" % h,
                "%s = arith.mulf %%hx, %%p1 : f32" % out]
    c2 = "0.04" if mutate == "gelu-const" else "0.044715"
    return ["%half = arith.constant 0.5 : f32",
            "%one = arith.constant 1.0 : f32",
            "%gc1 = arith.constant 0.797884583 : f32",
            "%%gc2 = arith.constant %s : f32" % c2,
            "%%x2 = arith.mulf %s, %s : f32" % (h, h),
            "%%x3 = arith.mulf %%x2, %s : f32" % h,
            "%t3 = arith.mulf %gc2, %x3 : f32",
            "%%in = arith.addf %s, %%t3 : f32" % h,
            "%arg = arith.mulf %gc1, %in : f32",
            "%th = math.tanh %arg : f32",
            "%p1 = arith.addf %one, %th : f32",
            "%%hx = arith.mulf %%half, %s : f32" % h,
            "%s = arith.mulf %%hx, %%p1 : f32" % out]


def ffn_act(em, h1, h3, dims, maps, iters):
    """act(h1) [* h3] elementwise over `dims`."""
    a = em.a
    out = em.empty(dims)
    t = em.ty(*dims)
    ins = [(h1, t, maps)] + ([(h3, t, maps)] if h3 else [])
    body = activation_lines(a.act, "%a0", "%act", a.mutate)
    if h3:
        body += ["%r = arith.mulf %act, %a1 : f32", "linalg.yield %r : f32"]
    else:
        body += ["linalg.yield %act : f32"]
    return em.generic(ins, [(out, t, maps)], [maps] * (len(ins) + 1), iters, body)


def expert_chain(em, x, e, w1, w3, w2):
    """Expert e's FFN over all T tokens: [T, D]."""
    a = em.a
    T, D, F = em.T, a.dim, a.inner

    def slice3(w, rows, cols):
        if a.weights == "separate":
            return w[e]
        v = em.fresh("sl")
        em.emit("%s = tensor.extract_slice %s[%d, 0, 0] [1, %d, %d] [1, 1, 1] : "
                "%s to %s" % (v, w, e, rows, cols, em.ty(a.experts, rows, cols),
                              em.ty(rows, cols)))
        return v

    src1, src3 = (w3, w1) if a.mutate == "swapped-w" and e == 1 else (w1, w3)
    h1 = linear(em, x, [T, D], slice3(src1, F, D), [F, D])
    h3 = linear(em, x, [T, D], slice3(src3, F, D), [F, D]) if a.gated else None
    act = ffn_act(em, h1, h3, [T, F], ID2, ["parallel", "parallel"])
    return linear(em, act, [T, F], slice3(w2, D, F), [D, F])


def batched_ffn(em, rows, rdims, w1, w3, w2, rows_are_x):
    """FFN of every expert over rows: x broadcast to [E, R, D] (rows_are_x)
    or the dispatched [E, R, D]; returns [E, R, D]."""
    a = em.a
    E, D, F = a.experts, a.dim, a.inner
    R = rdims

    def bmm(lhs, ldims, w, wdims):
        # lhs [E, R, K] times w [E, N, K]ᵀ (or w stored [E, K, N]).
        _, _, K = ldims
        N = wdims[1]
        if a.wlayout == "kn":
            wt = w
        else:
            ee = em.empty([E, K, N])
            wt = em.fresh("wt")
            em.emit("%s = linalg.transpose ins(%s : %s) outs(%s : %s) "
                    "permutation = [0, 2, 1]" % (wt, w, em.ty(E, N, K), ee,
                                                 em.ty(E, K, N)))
        z = em.filled([E, R, N], "0.0")
        v = em.fresh("bmm")
        em.emit("%s = linalg.batch_matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                % (v, lhs, wt, em.ty(E, R, K), em.ty(E, K, N), z,
                   em.ty(E, R, N), em.ty(E, R, N)))
        return v

    lhs = rows
    if rows_are_x:
        eb = em.empty([E, R, D])
        lhs = em.fresh("xb")
        if a.mutate == "transposed-x":
            # Reads x as if it were [D, T]: a different operand map.
            em.emit("%s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, "
                    "affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = "
                    "[\"parallel\", \"parallel\", \"parallel\"]} ins(%s : %s) outs(%s : %s) {" %
                    (lhs, rows, em.ty(R, D), eb, em.ty(E, R, D)))
            em.emit("^bb0(%in: f32, %o: f32):")
            em.emit("  %ng = arith.negf %in : f32")
            em.emit("  linalg.yield %ng : f32")
            em.emit("} -> %s" % em.ty(E, R, D))
        else:
            em.emit("%s = linalg.broadcast ins(%s : %s) outs(%s : %s) dimensions = [0]"
                    % (lhs, rows, em.ty(R, D), eb, em.ty(E, R, D)))
    h1 = bmm(lhs, [E, R, D], w1, [E, F, D])
    h3 = bmm(lhs, [E, R, D], w3, [E, F, D]) if a.gated else None
    id3 = "(d0, d1, d2) -> (d0, d1, d2)"
    if a.fused:
        # y[e, r, d] = sum_f act(h1[e, r, f]) [* h3] * w2[e, d, f], one op.
        z = em.filled([E, R, D], "0.0")
        hmap = "(d0, d1, d2, d3) -> (d0, d1, d3)"
        wmap = ("(d0, d1, d2, d3) -> (d0, d3, d2)" if a.wlayout == "kn"
                else "(d0, d1, d2, d3) -> (d0, d2, d3)")
        wt = em.ty(E, F, D) if a.wlayout == "kn" else em.ty(E, D, F)
        ins = [(h1, em.ty(E, R, F), hmap)]
        if h3:
            ins.append((h3, em.ty(E, R, F), hmap))
        ins.append((w2, wt, wmap))
        wi = "%%a%d" % (len(ins) - 1)
        body = activation_lines(a.act, "%a0", "%act", a.mutate)
        g = "%act"
        if h3:
            body += ["%g = arith.mulf %act, %a1 : f32"]
            g = "%g"
        body += ["%%p = arith.mulf %s, %s : f32" % (g, wi),
                 "%r = arith.addf %o0, %p : f32", "linalg.yield %r : f32"]
        return em.generic(ins, [(z, em.ty(E, R, D), "(d0, d1, d2, d3) -> (d0, d1, d2)")],
                          [m for _, _, m in ins] + ["(d0, d1, d2, d3) -> (d0, d1, d2)"],
                          ["parallel"] * 3 + ["reduction"], body)
    act = ffn_act(em, h1, h3, [E, R, F], id3, ["parallel"] * 3)
    return bmm(act, [E, R, F], w2, [E, D, F])


def form_batched(em, x, W, w1, w3, w2):
    a = em.a
    T, D, E = em.T, a.dim, a.experts
    y = batched_ffn(em, x, T, w1, w3, w2, True)
    z = em.filled([T, D], "0.0")
    maps = ["(d0, d1, d2) -> (d0, d2)", "(d0, d1, d2) -> (d2, d0, d1)",
            "(d0, d1, d2) -> (d0, d1)"]
    if isinstance(W, tuple):
        # W = scores times the one-hot picks, computed in the combine.
        s, picks = W
        ins = [(s, em.ty(T, E), maps[0]), (y, em.ty(E, T, D), maps[1])]
        ins += [(i, t, "(d0, d1, d2) -> (d0)") for i, _, t in picks]
        body = ["%e = linalg.index 2 : index",
                "%ei = arith.index_cast %e : index to i64"]
        terms = []
        for j in range(len(picks)):
            body += ["%%eq%d = arith.cmpi eq, %%ei, %%a%d : i64" % (j, j + 2),
                     "%%m%d = arith.uitofp %%eq%d : i1 to f32" % (j, j)]
            terms.append("%%m%d" % j)
        mask = terms[0]
        for j, t in enumerate(terms[1:]):
            body.append("%%ms%d = arith.addf %s, %s : f32" % (j, mask, t))
            mask = "%%ms%d" % j
        body += ["%%w = arith.mulf %%a0, %s : f32" % mask,
                 "%p = arith.mulf %w, %a1 : f32",
                 "%r = arith.addf %o0, %p : f32", "linalg.yield %r : f32"]
        em.root_marker()
        return em.generic(ins, [(z, em.ty(T, D), maps[2])],
                          [m for _, _, m in ins] + [maps[2]],
                          ["parallel", "parallel", "reduction"], body)
    em.root_marker()
    return em.generic([(W, em.ty(T, E), maps[0]), (y, em.ty(E, T, D), maps[1])],
                      [(z, em.ty(T, D), maps[2])], maps,
                      ["parallel", "parallel", "reduction"],
                      ["%p = arith.mulf %a0, %a1 : f32",
                       "%r = arith.addf %o0, %p : f32", "linalg.yield %r : f32"])


def form_unrolled(em, x, W, w1, w3, w2):
    a = em.a
    T, D, E = em.T, a.dim, a.experts
    acc = em.filled([T, D], "0.0")
    experts = list(range(E))
    if a.mutate == "missing-expert":
        experts = experts[:-1]
    for n, e in enumerate(experts):
        y = expert_chain(em, x, e, w1, w3, w2)
        col = em.fresh("col")
        size = "%T" if em.dyn else T
        em.emit("%s = tensor.extract_slice %s[0, %d] [%s, 1] [1, 1] : %s to %s" %
                (col, W, e, size, em.ty(T, E), em.ty(T, 1)))
        TD = em.ty(T, D)
        scaled = elementwise2(em, [(col, em.ty(T, 1), "(d0, d1) -> (d0, 0)"),
                                   (y, TD, ID2)], [
            "%r = arith.mulf %a0, %a1 : f32", "linalg.yield %r : f32"], [T, D])
        out = em.empty([T, D])
        if n + 1 == len(experts):
            em.root_marker()
        acc = em.generic([(acc, TD, ID2), (scaled, TD, ID2)], [(out, TD, ID2)],
                         [ID2, ID2, ID2], ["parallel", "parallel"],
                         ["%r = arith.addf %a0, %a1 : f32",
                          "linalg.yield %r : f32"])
    return acc


def int_mask(em, pick):
    i, m, t = pick
    return elementwise2(em, [(i, t, m)], [
        "%e = linalg.index 1 : index",
        "%ei = arith.index_cast %e : index to i64",
        "%eq = arith.cmpi eq, %ei, %a0 : i64",
        "%r = arith.extui %eq : i1 to i32",
        "linalg.yield %r : i32"], [em.T, em.a.experts], elt="i32")


def form_onehot(em, x, s, w1, w3, w2):
    a = em.a
    T, D, E, C = em.T, a.dim, a.experts, a.capacity
    TEi = em.ty(T, E, elt="i32")
    picks = argmax_chain(em, s)
    masks = [int_mask(em, p) for p in picks]
    # Positions: earlier tokens' assignments to the same expert.
    locs = []
    for j, m in enumerate(masks):
        z = em.filled([T, E], "0", "i32")
        maps = ["(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)"]
        excl = em.generic([(m, TEi, maps[0])], [(z, TEi, maps[1])], maps,
                          ["parallel", "parallel", "reduction"], [
                              "%t = linalg.index 0 : index",
                              "%tp = linalg.index 2 : index",
                              "%lt = arith.cmpi ult, %tp, %t : index",
                              "%zi = arith.constant 0 : i32",
                              "%v = arith.select %lt, %a0, %zi : i32",
                              "%r = arith.addi %o0, %v : i32",
                              "linalg.yield %r : i32"])
        if j == 1 and a.mutate != "no-first-offset":
            tz = em.filled([E], "0", "i32")
            rmaps = ["(d0, d1) -> (d1, d0)", "(d0, d1) -> (d0)"]
            tot = em.generic([(masks[0], TEi, rmaps[0])],
                             [(tz, em.ty(E, elt="i32"), rmaps[1])], rmaps,
                             ["parallel", "reduction"],
                             ["%r = arith.addi %o0, %a0 : i32",
                              "linalg.yield %r : i32"])
            excl = elementwise2(em, [(excl, TEi, ID2),
                                     (tot, em.ty(E, elt="i32"), "(d0, d1) -> (d1)")],
                                ["%r = arith.addi %a0, %a1 : i32",
                                 "linalg.yield %r : i32"], [T, E], elt="i32")
        locs.append(excl)
    # Dispatch mask [T, E, C]: choice j of token t is in slot c of expert e.
    TEC = em.ty(T, E, C)
    ins = []
    body = ["%c = linalg.index 2 : index",
            "%ci = arith.index_cast %c : index to i32",
            "%zi = arith.constant 0 : i32"]
    terms = []
    for j, (m, l) in enumerate(zip(masks, locs)):
        ins += [(m, TEi, "(d0, d1, d2) -> (d0, d1)"),
                (l, TEi, "(d0, d1, d2) -> (d0, d1)")]
        mi, li = "%%a%d" % (2 * j), "%%a%d" % (2 * j + 1)
        cmp = "sle" if a.mutate == "capacity-le" else "slt"
        cap = C - 1 if a.mutate == "capacity-tight" else C
        body += ["%%cap%d = arith.constant %d : i32" % (j, cap),
                 "%%on%d = arith.cmpi ne, %s, %%zi : i32" % (j, mi),
                 "%%at%d = arith.cmpi eq, %s, %%ci : i32" % (j, li),
                 "%%in%d = arith.cmpi %s, %s, %%cap%d : i32" % (j, cmp, li, j),
                 "%%k%d = arith.andi %%on%d, %%in%d : i1" % (j, j, j),
                 "%%p%d = arith.andi %%k%d, %%at%d : i1" % (j, j, j),
                 "%%fl%d = arith.uitofp %%p%d : i1 to f32" % (j, j)]
        terms.append("%%fl%d" % j)
    if len(terms) == 2:
        body += ["%%d = arith.addf %s, %s : f32" % tuple(terms),
                 "linalg.yield %d : f32"]
    else:
        body += ["linalg.yield %s : f32" % terms[0]]
    out = em.empty([T, E, C])
    id3 = "(d0, d1, d2) -> (d0, d1, d2)"
    disp = em.generic(ins, [(out, TEC, id3)], [m for _, _, m in ins] + [id3],
                      ["parallel"] * 3, body)
    # Dispatch: td,tec->ecd.
    zs = em.filled([E, C, D], "0.0")
    maps = ["(d0, d1, d2, d3) -> (d3, d0, d1)", "(d0, d1, d2, d3) -> (d3, d2)",
            "(d0, d1, d2, d3) -> (d0, d1, d2)"]
    xd = em.generic([(disp, TEC, maps[0]), (x, em.ty(T, D), maps[1])],
                    [(zs, em.ty(E, C, D), maps[2])], maps,
                    ["parallel", "parallel", "parallel", "reduction"],
                    ["%p = arith.mulf %a0, %a1 : f32",
                     "%r = arith.addf %o0, %p : f32", "linalg.yield %r : f32"])
    y = batched_ffn(em, xd, C, w1, w3, w2, False)
    # Combine weights: the top-k weights on the dispatched slots.
    if a.mutate == "norm-after-drop":
        # GShard's rule: renormalize over the kept choices only.
        kept = elementwise2(em, [(s, em.ty(T, E), ID2)] +
                            [(m, TEi, ID2) for m in masks] +
                            [(l, TEi, ID2) for l in locs], [
            "%zi = arith.constant 0 : i32",
            "%%cap = arith.constant %d : i32" % C,
            "%on0 = arith.cmpi ne, %a1, %zi : i32",
            "%in0 = arith.cmpi slt, %a3, %cap : i32",
            "%k0 = arith.andi %on0, %in0 : i1",
            "%on1 = arith.cmpi ne, %a2, %zi : i32",
            "%in1 = arith.cmpi slt, %a4, %cap : i32",
            "%k1 = arith.andi %on1, %in1 : i1",
            "%k = arith.ori %k0, %k1 : i1",
            "%z = arith.constant 0.0 : f32",
            "%r = arith.select %k, %a0, %z : f32",
            "linalg.yield %r : f32"], [T, E])
        sm, _ = reduce_rows(em, kept, [T, E], "0.0",
                            "%r = arith.addf %a0, %o0 : f32")
        W = elementwise2(em, [(kept, em.ty(T, E), ID2), (sm, em.ty(T), ROW2)], [
            "%r = arith.divf %a0, %a1 : f32", "linalg.yield %r : f32"], [T, E])
    else:
        W = topk_weights(em, s, picks)
    cw = em.generic([(W, em.ty(T, E), "(d0, d1, d2) -> (d0, d1)"),
                     (disp, TEC, id3)], [(em.empty([T, E, C]), TEC, id3)],
                    ["(d0, d1, d2) -> (d0, d1)", id3, id3], ["parallel"] * 3,
                    ["%r = arith.mulf %a0, %a1 : f32", "linalg.yield %r : f32"])
    # Combine: tec,ecd->td.
    z = em.filled([T, D], "0.0")
    maps = ["(d0, d1, d2, d3) -> (d0, d2, d3)", "(d0, d1, d2, d3) -> (d2, d3, d1)",
            "(d0, d1, d2, d3) -> (d0, d1)"]
    em.root_marker()
    return em.generic([(cw, TEC, maps[0]), (y, em.ty(E, C, D), maps[1])],
                      [(z, em.ty(T, D), maps[2])], maps,
                      ["parallel", "parallel", "reduction", "reduction"],
                      ["%p = arith.mulf %a0, %a1 : f32",
                       "%r = arith.addf %o0, %p : f32", "linalg.yield %r : f32"])


def emit(a):
    em = Emitter(a)
    T, D, E, F = em.T, a.dim, a.experts, a.inner
    remark = a.remark

    def root_marker():
        if remark:
            em.emit("// expected-remark @below {{%s}}" % remark)
    em.root_marker = root_marker

    args = ["%%x: %s" % em.ty(T, D),
            '%%wg: %s {moe.weight = "gate"}' % (em.ty(D, E) if a.router == "de"
                                               else em.ty(E, D))]
    if a.weights == "separate" and a.form == "unrolled":
        w1 = ["%%w1_%d" % e for e in range(E)]
        w3 = ["%%w3_%d" % e for e in range(E)] if a.gated else None
        w2 = ["%%w2_%d" % e for e in range(E)]
        for e in range(E):
            args.append('%s: %s {moe.weight = "w1.%d"}' % (w1[e], em.ty(F, D), e))
        if a.gated:
            for e in range(E):
                args.append('%s: %s {moe.weight = "w3.%d"}' % (w3[e], em.ty(F, D), e))
        for e in range(E):
            args.append('%s: %s {moe.weight = "w2.%d"}' % (w2[e], em.ty(D, F), e))
    else:
        w1, w3, w2 = "%w1", ("%w3" if a.gated else None), "%w2"
        up, down = (em.ty(E, D, F), em.ty(E, F, D)) if a.wlayout == "kn" \
            else (em.ty(E, F, D), em.ty(E, D, F))
        args.append('%%w1: %s {moe.weight = "w1"}' % up)
        if a.gated:
            args.append('%%w3: %s {moe.weight = "w3"}' % up)
        args.append('%%w2: %s {moe.weight = "w2"}' % down)
    if em.dyn:
        em.emit("%c0 = arith.constant 0 : index")
        em.emit("%%T = tensor.dim %%x, %%c0 : %s" % em.ty(T, D))
    logits, s = router(em, "%x", "%wg")
    if a.form == "onehot":
        out = form_onehot(em, "%x", s, w1, w3, w2)
    elif (a.fused and a.form == "batched" and a.topk == "argmax" and
          not a.normalize and not a.scaling):
        out = form_batched(em, "%x", (s, argmax_chain(em, s)), w1, w3, w2)
    else:
        W = topk_weights(em, s)
        fn = form_batched if a.form == "batched" else form_unrolled
        out = fn(em, "%x", W, w1, w3, w2)
    if a.residual:
        out = elementwise2(em, [("%x", em.ty(T, D), ID2), (out, em.ty(T, D), ID2)], [
            "%r = arith.addf %a0, %a1 : f32", "linalg.yield %r : f32"], [T, D])
    results = [(out, em.ty(T, D))]
    if a.mutate == "extra-use":
        results.append((s, em.ty(T, E)))
    em.emit("return %s : %s" % (", ".join(v for v, _ in results),
                                ", ".join(t for _, t in results)))
    head = "func.func @%s(%s) -> (%s) {" % (a.name, ", ".join(args),
                                           ", ".join(t for _, t in results))
    print(head)
    print("\n".join(em.lines))
    print("}")


# ----------------------------------------------------------------------------
# NumPy reference
# ----------------------------------------------------------------------------

def reference(a, T):
    import numpy as np
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "..", "Tools", "moe-run",
                                    "Inputs"))
    from moe_run_ref import random_tensor
    E, D, F = a.experts, a.dim, a.inner
    seed = a.seed
    idx = [0]

    def arg(shape, weight):
        i = idx[0]
        idx[0] += 1
        v = random_tensor(seed, i, shape, fan_in=shape[-1] if weight else None)
        return v.astype(np.float32).astype(np.float64)

    x = arg([T, D], False)
    wg = arg([D, E], True).T if a.router == "de" else arg([E, D], True)
    if a.weights == "separate" and a.form == "unrolled":
        w1 = np.stack([arg([F, D], True) for _ in range(E)])
        w3 = np.stack([arg([F, D], True) for _ in range(E)]) if a.gated else None
        w2 = np.stack([arg([D, F], True) for _ in range(E)])
    elif a.wlayout == "kn":
        w1 = arg([E, D, F], True).transpose(0, 2, 1)
        w3 = arg([E, D, F], True).transpose(0, 2, 1) if a.gated else None
        w2 = arg([E, F, D], True).transpose(0, 2, 1)
    else:
        w1 = arg([E, F, D], True)
        w3 = arg([E, F, D], True) if a.gated else None
        w2 = arg([E, D, F], True)
    if a.mutate == "swapped-w":
        w1[1], w3[1] = w3[1].copy(), w1[1].copy()
    elif a.mutate not in ("", "capacity-le"):
        raise SystemExit("check: --mutate %s has no reference" % a.mutate)
    logits = x @ wg.T
    if a.scoring == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-logits))
    else:
        ex = np.exp(logits - logits.max(axis=1, keepdims=True))
        s = ex / ex.sum(axis=1, keepdims=True)
    order = np.argsort(-s, axis=1, kind="stable")[:, :a.k]
    top = np.take_along_axis(s, order, axis=1)
    srt = np.sort(s, axis=1)[:, ::-1]
    gap = np.min(srt[:, a.k - 1] - srt[:, a.k]) if a.k < E else 1.0
    if gap < 1e-6:
        raise SystemExit("FAIL: a top-k decision is within 1e-6 of a tie; "
                         "pick another seed")
    if a.normalize:
        eps = 1e-20 if a.scoring == "sigmoid" else 0.0
        top = top / (top.sum(axis=1, keepdims=True) + eps)
    if a.scaling:
        top = top * a.scaling

    def act(v):
        if a.act == "silu":
            return v / (1.0 + np.exp(-v))
        if a.act == "relu":
            return np.maximum(v, 0.0)
        if a.act == "gelu_erf":
            return 0.5 * v * (1.0 + np.vectorize(math.erf)(v / math.sqrt(2.0)))
        return 0.5 * v * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) *
                                        (v + 0.044715 * v ** 3)))

    def ffn(e, rows):
        h = act(rows @ w1[e].T)
        if a.gated:
            h = h * (rows @ w3[e].T)
        return h @ w2[e].T

    out = np.zeros((T, D))
    keep = np.ones((T, a.k), dtype=bool)
    if a.form == "onehot":
        # Position order: all first choices (earlier tokens first), then the
        # second choices; an expert keeps its first C.
        count = np.zeros(E, dtype=np.int64)
        for j in range(a.k):
            for t in range(T):
                e = order[t, j]
                keep[t, j] = count[e] < a.capacity
                count[e] += 1
    for t in range(T):
        for j in range(a.k):
            if keep[t, j]:
                out[t] += top[t, j] * ffn(order[t, j], x[t:t + 1])[0]
    if a.residual:
        out = out + x
    return out, int((~keep).sum())


def check(a):
    import numpy as np
    T = a.tokens or a.run_tokens
    want, dropped = reference(a, T)
    paths = a.outputs.split(",")
    got = [np.load(p).astype(np.float64) for p in paths]
    ok = True
    for p, g in zip(paths, got):
        if g.shape != want.shape:
            print("FAIL %s: shape %s, expected %s" % (p, g.shape, want.shape))
            return 1
        err = np.max(np.abs(g - want) / (np.abs(want) + 1e-5))
        print("%s: max_rel_err_vs_numpy=%.3e" % (p.rsplit("/", 1)[-1], err))
        ok &= np.allclose(g, want, rtol=1e-4, atol=1e-5)
    if len(got) == 2:
        same = np.allclose(got[0], got[1], rtol=1e-5, atol=1e-6)
        err = np.max(np.abs(got[0] - got[1]))
        print("dense_vs_raised_max_abs_err=%.3e" % err)
        ok &= same
    print("dropped=%d nonzero=%d" % (dropped, int(np.count_nonzero(want))))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    args = parse()
    if args.mode == "emit":
        emit(args)
    else:
        sys.exit(check(args))
