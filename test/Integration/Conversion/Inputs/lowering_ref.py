#===- lowering_ref.py - numpy reference for the moe-to-linalg tests -------===#
#
# Generates the inputs of an execution test of moe-to-linalg and checks its
# output against numpy implementations of the moe ops written from
# docs/DESIGN §1 and the op descriptions in MoEOps.td (not from the lowering).
#
#   lowering_ref.py emit CASE          print a `@main` that builds CASE's
#                                      inputs as constants, calls the case's
#                                      function and prints every result
#   lowering_ref.py check CASE OUTPUT  compare the printMemref output of that
#                                      `@main` with the reference; prints
#                                      "PASS CASE" or what differs (exit 1)
#
# The function under test lives in the lit test file; the test concatenates
# the file and the emitted `@main` into one module.
#
#===----------------------------------------------------------------------===#

import math
import re
import sys

import numpy as np

F32 = np.float32

#===----------------------------------------------------------------------===#
# Reference semantics
#===----------------------------------------------------------------------===#


def softmax32(l):
    """softmax over the last axis in f32, with max subtraction."""
    l = l.astype(F32)
    e = np.exp(l - l.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(F32)


def sigmoid32(l):
    with np.errstate(over="ignore"):
        return (F32(1) / (F32(1) + np.exp(-l.astype(F32)))).astype(F32)


def best_first(values, k, eligible=None):
    """The k best candidates by value, best first, ties to the lower index;
    -1 for missing slots."""
    cands = [i for i in range(len(values)) if eligible is None or eligible[i]]
    cands.sort(key=lambda i: (-float(values[i]), i))
    picked = cands[:k]
    return picked + [-1] * (k - len(picked))


def route(logits, k, scoring, bias=None, normalize=False, scaling=1.0,
          num_groups=0, topk_groups=0, group_score="top2sum"):
    s = softmax32(logits) if scoring == "softmax" else sigmoid32(logits)
    sel = s if bias is None else (s + bias.astype(F32)).astype(F32)
    t_count, e_count = s.shape
    weights = np.zeros((t_count, k), F32)
    indices = np.zeros((t_count, k), np.int32)
    for t in range(t_count):
        eligible = None
        if num_groups:
            size = e_count // num_groups
            scores = []
            for g in range(num_groups):
                members = sorted(sel[t, g * size:(g + 1) * size], reverse=True)
                scores.append(F32(members[0] + members[1])
                              if group_score == "top2sum" else members[0])
            groups = best_first(scores, topk_groups)
            eligible = [e // size in groups for e in range(e_count)]
        ids = best_first(sel[t], k, eligible)
        w = np.array([s[t, e] for e in ids], F32)
        if normalize:
            denom = F32(w.sum(dtype=F32))
            if scoring == "sigmoid":
                denom = F32(denom + F32(1e-20))
            w = (w / denom).astype(F32)
        weights[t] = (w * F32(scaling)).astype(F32)
        indices[t] = ids
    return weights, indices


def route_expert_choice(logits, capacity):
    s = softmax32(logits)
    t_count, e_count = s.shape
    ids = np.array([best_first(s[:, e], capacity) for e in range(e_count)],
                   np.int32)
    w = np.array([[s[t, e] if t >= 0 else 0 for t in ids[e]]
                  for e in range(e_count)], F32)
    return ids, w


def dispatch(x, indices, weights, experts, policy="none", capacity=None,
             capacity_factor=None):
    t_count, k = indices.shape
    valid = (indices >= 0) & (indices < experts)
    keep = valid.copy()
    if policy != "none":
        c = capacity if capacity is not None else math.ceil(
            capacity_factor * t_count * k / experts)
        order = [(t, j) for j in range(k) for t in range(t_count)]
        if policy == "score":
            order.sort(key=lambda tj: -float(weights[tj]))  # stable
        seen = [0] * experts
        for t, j in order:
            if not valid[t, j]:
                continue
            e = indices[t, j]
            keep[t, j] = seen[e] < c
            seen[e] += 1
    n = t_count * k
    rows = np.zeros((n, x.shape[1]), x.dtype)
    tokens = np.full(n, -1, np.int32)
    rweights = np.zeros(n, F32)
    offsets = [0]
    r = 0
    for e in range(experts):
        for t in range(t_count):
            for j in range(k):
                if keep[t, j] and indices[t, j] == e:
                    rows[r], tokens[r], rweights[r] = x[t], t, weights[t, j]
                    r += 1
        offsets.append(r)
    return rows, np.array(offsets, np.int32), tokens, rweights


_erf = np.vectorize(math.erf, otypes=[np.float64])
ACTIVATIONS = {
    "silu": lambda v: v / (1.0 + np.exp(-v)),
    "gelu_tanh": lambda v: 0.5 * v * (1.0 + np.tanh(
        math.sqrt(2.0 / math.pi) * (v + 0.044715 * v**3))),
    "gelu_erf": lambda v: 0.5 * v * (1.0 + _erf(v / math.sqrt(2.0))),
    "relu": lambda v: np.maximum(v, 0.0),
}


def group_ranges(offsets, n):
    """Group row ranges, clamped as the lowering documents."""
    for e in range(len(offsets) - 1):
        lo = min(max(int(offsets[e]), 0), n)
        hi = min(max(int(offsets[e + 1]), lo), n)
        yield e, lo, hi


def grouped_matmul(lhs, rhs, offsets):
    lhs = lhs.astype(np.float64)
    out = np.zeros((lhs.shape[0], rhs.shape[1]))
    for e, lo, hi in group_ranges(offsets, lhs.shape[0]):
        out[lo:hi] = lhs[lo:hi] @ rhs[e].astype(np.float64).T
    return out


def experts(rows, offsets, w1, w3, w2, act):
    rows = rows.astype(np.float64)
    out = np.zeros((rows.shape[0], w2.shape[1]))
    f = ACTIVATIONS[act]
    for e, lo, hi in group_ranges(offsets, rows.shape[0]):
        x = rows[lo:hi]
        h = f(x @ w1[e].astype(np.float64).T)
        if w3 is not None:
            h = h * (x @ w3[e].astype(np.float64).T)
        out[lo:hi] = h @ w2[e].astype(np.float64).T
    return out


def combine(rows, tokens, weights, acc):
    out = acc.astype(np.float64)
    for r in range(rows.shape[0]):
        if 0 <= tokens[r] < acc.shape[0]:
            out[tokens[r]] += float(weights[r]) * rows[r].astype(np.float64)
    return out


def layer(x, wg, w1, w3, w2, act, routing=None, expert_choice=None,
          bias=None, policy="none", capacity=None, capacity_factor=None,
          shared=None):
    """moe.layer, composed from the ops above as DESIGN §1 describes."""
    logits = (x.astype(np.float64) @ wg.astype(np.float64).T).astype(F32)
    if expert_choice is not None:
        ids, w = route_expert_choice(logits, expert_choice)
        tokens, rw = ids.reshape(-1), w.reshape(-1)
        rows = np.where(tokens[:, None] >= 0, x[np.maximum(tokens, 0)], 0)
        c = expert_choice
        offsets = np.arange(0, c * (len(wg) + 1), c)
    else:
        w, idx = route(logits, bias=bias, **routing)
        rows, offsets, tokens, rw = dispatch(x, idx, w, len(wg), policy,
                                             capacity, capacity_factor)
    y = experts(rows, offsets, w1, w3, w2, act)
    acc = np.zeros(x.shape)
    if shared is not None:
        s1, s3, s2, gate = shared
        acc = experts(x, [0, len(x)], s1[None], s3[None], s2[None], act)
        if gate is not None:
            acc = acc / (1.0 + np.exp(-(x.astype(np.float64) @ gate.T)))
    return combine(y, tokens, rw, acc)


#===----------------------------------------------------------------------===#
# Inputs
#===----------------------------------------------------------------------===#


def bf16_exact(a):
    """Rounds f32 values to the nearest bf16 (ties to even), kept as f32."""
    bits = np.asarray(a, F32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(F32)


class Arg:
    """An input: its values and the MLIR tensor type the function takes."""

    def __init__(self, values, elem="f32", dynamic=()):
        self.values = np.asarray(values)
        self.elem = elem
        self.dynamic = set(dynamic)

    def static_type(self):
        return tensor_type(self.values.shape, self.elem)

    def arg_type(self):
        return tensor_type(self.values.shape, self.elem, self.dynamic)


def tensor_type(shape, elem, dynamic=()):
    dims = ["?" if i in dynamic else str(d) for i, d in enumerate(shape)]
    return "tensor<" + "x".join(dims + [elem]) + ">"


def rng(seed):
    return np.random.default_rng(seed)


def normal(g, shape, scale=1.0):
    return (g.standard_normal(shape) * scale).astype(F32)


class Case:
    """A call of `fn` on `args` whose results (MLIR types `results`) must
    equal `expected`, within `rtol` relative to each result's largest
    magnitude for floats, exactly for integers."""

    def __init__(self, fn, args, results, expected, rtol=2e-5):
        self.fn, self.args, self.results = fn, args, results
        self.expected, self.rtol = expected, rtol


def weights_t(g, e, f, d, gated):
    w1 = normal(g, (e, f, d), 1 / math.sqrt(d))
    w3 = normal(g, (e, f, d), 1 / math.sqrt(d)) if gated else None
    w2 = normal(g, (e, d, f), 1 / math.sqrt(f))
    return w1, w3, w2


def case_route_softmax_top2():
    g = rng(1)
    l = normal(g, (37, 8), 2.0)
    w, i = route(l, 2, "softmax", normalize=True)
    return Case("route_softmax_top2", [Arg(l, dynamic=[0])],
                ["tensor<?x2xf32>", "tensor<?x2xi32>"], [w, i])


def case_route_ties():
    # Logits from {0, 1, 2}: many exactly equal scores, both in the experts
    # of a token and in the group scores.
    g = rng(2)
    l = g.integers(0, 3, (24, 8)).astype(F32)
    w, i = route(l, 3, "softmax", num_groups=4, topk_groups=2,
                 group_score="top2sum")
    return Case("route_ties", [Arg(l)], ["tensor<24x3xf32>",
                                          "tensor<24x3xi32>"], [w, i])


def case_route_sigmoid_groups():
    # DeepSeek-V3: sigmoid, selection bias, top2sum groups, renormalized
    # with 1e-20, scaled by 2.5.
    g = rng(3)
    l = normal(g, (33, 16), 1.5)
    b = normal(g, (16,), 0.3)
    w, i = route(l, 4, "sigmoid", bias=b, normalize=True, scaling=2.5,
                 num_groups=4, topk_groups=2, group_score="top2sum")
    return Case("route_sigmoid_groups", [Arg(l, dynamic=[0]), Arg(b)],
                ["tensor<?x4xf32>", "tensor<?x4xi32>"], [w, i])


def case_route_groups_max():
    # DeepSeek-V2 group-limited greedy: max group score, no renormalization,
    # scaling 1.5; bf16 logits (computed in f32).
    g = rng(4)
    l = bf16_exact(normal(g, (20, 16), 1.5))
    w, i = route(l, 3, "softmax", scaling=1.5, num_groups=8, topk_groups=2,
                 group_score="max")
    return Case("route_groups_max", [Arg(l, "bf16")],
                ["tensor<20x3xf32>", "tensor<20x3xi32>"], [w, i])


def case_route_expert_choice():
    # Quantized logits give exact ties between tokens.
    g = rng(5)
    l = (g.integers(0, 4, (24, 6)) * 0.5).astype(F32)
    ids, w = route_expert_choice(l, 5)
    return Case("route_expert_choice", [Arg(l, dynamic=[0])],
                ["tensor<6x5xi32>", "tensor<6x5xf32>"], [ids, w])


def skewed_indices(g, t, k, e, invalid=False):
    """Top-k style expert choices (distinct per token), skewed to low
    experts; a few out-of-range ids when `invalid`."""
    p = np.arange(e, 0, -1, dtype=np.float64) ** 2
    idx = np.array([g.choice(e, k, replace=False, p=p / p.sum())
                    for _ in range(t)], np.int32)
    if invalid:
        idx[1, 0], idx[4, k - 1], idx[7, 0] = -1, e, e + 3
    return idx


def dispatch_case(name, seed, policy, dynamic, **cap):
    g = rng(seed)
    t, k, e, d = 13, 2, 4, 5
    x = normal(g, (t, d))
    idx = skewed_indices(g, t, k, e, invalid=True)
    # Quantized weights: exact ties for the score policy.
    w = (g.integers(1, 5, (t, k)) / 4).astype(F32)
    expected = dispatch(x, idx, w, e, policy, **cap)
    n = "?" if dynamic else str(t * k)
    td = [0] if dynamic else []
    return Case(name, [Arg(x, dynamic=td), Arg(idx, "i32", td),
                       Arg(w, dynamic=td)],
                [f"tensor<{n}x5xf32>", "tensor<5xi32>", f"tensor<{n}xi32>",
                 f"tensor<{n}xf32>"], list(expected))


def case_dispatch_dropless():
    return dispatch_case("dispatch_dropless", 6, "none", True)


def case_dispatch_position():
    return dispatch_case("dispatch_position", 7, "position", True,
                         capacity_factor=1.0)


def case_dispatch_score():
    return dispatch_case("dispatch_score", 9, "score", False, capacity=4)


def experts_case(name, seed, act, gated, offsets, n=20, elem="f32"):
    g = rng(seed)
    e, d, f = len(offsets) - 1, 16, 24
    rows = normal(g, (n, d))
    w1, w3, w2 = weights_t(g, e, f, d, gated)
    if elem == "bf16":
        w1, w2 = bf16_exact(w1), bf16_exact(w2)
        w3 = bf16_exact(w3) if gated else None
    off = np.array(offsets, np.int32)
    args = [Arg(rows, dynamic=[0]), Arg(off, "i32"), Arg(w1, elem)]
    if gated:
        args.append(Arg(w3, elem))
    args.append(Arg(w2, elem))
    y = experts(rows, off, w1, w3, w2, act)
    return Case(name, args, ["tensor<?x16xf32>"], [y])


def case_experts_silu():
    # An empty group, and rows past offsets[E] that must stay zero.
    return experts_case("experts_silu", 9, "silu", True, [0, 6, 6, 13, 17])


def case_experts_gelu_tanh():
    return experts_case("experts_gelu_tanh", 10, "gelu_tanh", False,
                        [0, 3, 11, 20])


def case_experts_gelu_erf():
    return experts_case("experts_gelu_erf", 11, "gelu_erf", True,
                        [2, 9, 20])


def case_experts_relu_bf16():
    return experts_case("experts_relu_bf16", 12, "relu", False,
                        [0, 10, 12, 19], elem="bf16")


def case_experts_bad_offsets():
    # Negative, decreasing and past-the-end offsets are clamped.
    return experts_case("experts_bad_offsets", 13, "silu", True,
                        [-5, 4, 2, 9, 40])


def case_grouped_matmul_bf16():
    # bf16 weights and result, f32 rows: the f32 accumulation is rounded to
    # bf16 once.
    g = rng(14)
    lhs = normal(g, (11, 12))
    rhs = bf16_exact(normal(g, (3, 7, 12), 0.3))
    off = np.array([0, 4, 4, 9], np.int32)
    y = grouped_matmul(lhs, rhs, off)
    return Case("grouped_matmul_bf16",
                [Arg(lhs, dynamic=[0]), Arg(rhs, "bf16"), Arg(off, "i32")],
                ["tensor<?x7xbf16>"], [y], rtol=1 / 128)


def case_combine():
    g = rng(15)
    n, t, d = 17, 6, 9
    rows = normal(g, (n, d))
    tokens = g.integers(0, t, n).astype(np.int32)
    tokens[[2, 5, 16]] = -1
    tokens[9] = t  # out of range: skipped
    w = normal(g, (n,))
    acc = normal(g, (t, d))
    y = combine(rows, tokens, w, acc)
    return Case("combine",
                [Arg(rows, dynamic=[0]), Arg(tokens, "i32", [0]),
                 Arg(w, dynamic=[0]), Arg(acc, dynamic=[0])],
                ["tensor<?x9xf32>"], [y])


def case_combine_bf16():
    g = rng(16)
    n, t, d = 12, 5, 8
    rows = bf16_exact(normal(g, (n, d)))
    tokens = g.integers(-1, t, n).astype(np.int32)
    w = normal(g, (n,))
    acc = bf16_exact(normal(g, (t, d)))
    y = combine(rows, tokens, w, acc)
    return Case("combine_bf16",
                [Arg(rows, "bf16"), Arg(tokens, "i32"), Arg(w),
                 Arg(acc, "bf16")],
                ["tensor<5x8xbf16>"], [y], rtol=1 / 128)


def layer_inputs(seed, t, d, e, f, gated=True):
    g = rng(seed)
    x = normal(g, (t, d))
    wg = normal(g, (e, d), 1 / math.sqrt(d))
    w1, w3, w2 = weights_t(g, e, f, d, gated)
    return g, x, wg, w1, w3, w2


def case_layer_deepseek():
    # Sigmoid routing with bias and groups, score drops, a gated shared
    # expert: everything from moe.layer through moe-decompose.
    g, x, wg, w1, w3, w2 = layer_inputs(17, 40, 32, 16, 24)
    b = normal(g, (16,), 0.2)
    s1, s3, s2 = (normal(g, (20, 32), 0.2), normal(g, (20, 32), 0.2),
                  normal(g, (32, 20), 0.2))
    gate = normal(g, (1, 32), 0.2)
    routing = dict(k=4, scoring="sigmoid", normalize=True, scaling=2.5,
                   num_groups=4, topk_groups=2, group_score="top2sum")
    y = layer(x, wg, w1, w3, w2, "silu", routing=routing, bias=b,
              policy="score", capacity_factor=1.25,
              shared=(s1, s3, s2, gate))
    args = [Arg(x, dynamic=[0]), Arg(wg), Arg(b), Arg(w1), Arg(w3), Arg(w2),
            Arg(s1), Arg(s3), Arg(s2), Arg(gate)]
    return Case("layer_deepseek", args, ["tensor<?x32xf32>"], [y])


def case_layer_expert_choice():
    g, x, wg, w1, w3, w2 = layer_inputs(18, 24, 16, 4, 32, gated=False)
    y = layer(x, wg, w1, None, w2, "gelu_tanh", expert_choice=8)
    return Case("layer_expert_choice",
                [Arg(x), Arg(wg), Arg(w1), Arg(w2)], ["tensor<24x16xf32>"],
                [y])


def case_layer_position_bf16():
    # Mixtral-like with bf16 weights and activations, position drops.
    g, x, wg, w1, w3, w2 = layer_inputs(19, 32, 16, 8, 24)
    x, wg, w1, w3, w2 = map(bf16_exact, (x, wg, w1, w3, w2))
    routing = dict(k=2, scoring="softmax", normalize=True)
    y = layer(x, wg, w1, w3, w2, "silu", routing=routing, policy="position",
              capacity_factor=1.0)
    return Case("layer_position_bf16",
                [Arg(x, "bf16", [0]), Arg(wg, "bf16"), Arg(w1, "bf16"),
                 Arg(w3, "bf16"), Arg(w2, "bf16")],
                ["tensor<?x16xbf16>"], [y], rtol=1 / 64)


CASES = {name[len("case_"):]: fn for name, fn in globals().items()
         if name.startswith("case_")}

#===----------------------------------------------------------------------===#
# MLIR emission and output parsing
#===----------------------------------------------------------------------===#


def literal(values, elem):
    if elem == "i32":
        fmt = lambda v: str(int(v))
    else:
        fmt = lambda v: "%.9e" % float(v)

    def nest(a):
        if a.ndim == 1:
            return "[" + ", ".join(fmt(v) for v in a) + "]"
        return "[" + ", ".join(nest(s) for s in a) + "]"

    return nest(values)


def emit(case):
    out = ["func.func private @printMemrefF32(tensor<*xf32>)",
           "func.func private @printMemrefI32(tensor<*xi32>)",
           "func.func @main() {"]
    names = []
    for i, a in enumerate(case.args):
        st, at = a.static_type(), a.arg_type()
        out.append(f"  %a{i} = arith.constant dense<{literal(a.values, a.elem)}>"
                   f" : {st}")
        if st != at:
            out.append(f"  %a{i}d = tensor.cast %a{i} : {st} to {at}")
            names.append(f"%a{i}d")
        else:
            names.append(f"%a{i}")
    arg_types = ", ".join(a.arg_type() for a in case.args)
    res_types = ", ".join(case.results)
    count = len(case.results)
    res = "%r" if count == 1 else f"%r:{count}"
    out.append(f"  {res} = call @{case.fn}({', '.join(names)}) : "
               f"({arg_types}) -> ({res_types})")
    for i, rt in enumerate(case.results):
        v = "%r" if count == 1 else f"%r#{i}"
        elem = rt[rt.rindex("x") + 1:-1]
        rank = rt.count("x")
        if elem not in ("f32", "i32"):
            # Widen to f32 for printing.
            dims = re.findall(r"(\?|\d+)x", rt)
            dyn = [f"%d{i}_{j}" for j, dm in enumerate(dims) if dm == "?"]
            for j, dm in enumerate(dims):
                if dm == "?":
                    out.append(f"  %c{i}_{j} = arith.constant {j} : index")
                    out.append(f"  %d{i}_{j} = tensor.dim {v}, %c{i}_{j} : {rt}")
            ft = rt.replace(elem, "f32")
            ids = ", ".join(f"d{j}" for j in range(rank))
            amap = f"affine_map<({ids}) -> ({ids})>"
            out.append(f"  %e{i} = tensor.empty({', '.join(dyn)}) : {ft}")
            iters = ", ".join(['"parallel"'] * rank)
            out.append(
                f"  %w{i} = linalg.generic {{indexing_maps = [{amap}, {amap}],"
                f" iterator_types = [{iters}]}}"
                f" ins({v} : {rt}) outs(%e{i} : {ft}) {{\n"
                f"  ^bb0(%in: {elem}, %o: f32):\n"
                f"    %x = arith.extf %in : {elem} to f32\n"
                f"    linalg.yield %x : f32\n"
                f"  }} -> {ft}")
            v, rt, elem = f"%w{i}", ft, "f32"
        ut = f"tensor<*x{elem}>"
        out.append(f"  %u{i} = tensor.cast {v} : {rt} to {ut}")
        fn = "printMemrefF32" if elem == "f32" else "printMemrefI32"
        out.append(f"  call @{fn}(%u{i}) : ({ut}) -> ()")
    out += ["  return", "}"]
    return "\n".join(out) + "\n"


NUMBER = re.compile(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)")


def parse(text):
    """The arrays printed by printMemref*, in order."""
    arrays = []
    for block in text.split("Unranked Memref")[1:]:
        sizes = re.search(r"sizes = \[([^\]]*)\]", block).group(1)
        shape = [int(s) for s in sizes.split(",") if s.strip()]
        data = block.split("data =", 1)[1]
        values = [float(v) for v in NUMBER.findall(data)]
        arrays.append(np.array(values, np.float64).reshape(shape))
    return arrays


def check(case, text):
    got = parse(text)
    if len(got) != len(case.expected):
        return [f"expected {len(case.expected)} printed results, got "
                f"{len(got)}"]
    errors = []
    for i, (g, want) in enumerate(zip(got, case.expected)):
        want = np.asarray(want)
        if g.shape != want.shape:
            errors.append(f"result {i}: shape {g.shape}, want {want.shape}")
            continue
        if want.dtype.kind in "iu":
            bad = np.argwhere(g != want)
        else:
            scale = max(1.0, float(np.abs(want).max(initial=0.0)))
            # printMemref prints 6 significant digits.
            tol = case.rtol * scale + 1e-6 * np.abs(want)
            bad = np.argwhere(~(np.abs(g - want) <= tol))
        for at in bad[:5]:
            at = tuple(at)
            errors.append(f"result {i}{list(at)}: got {g[at]}, want {want[at]}")
        if len(bad) > 5:
            errors.append(f"result {i}: {len(bad)} elements differ")
    return errors


def main(argv):
    if len(argv) < 3 or argv[1] not in ("emit", "check") or argv[2] not in CASES:
        sys.stderr.write("usage: lowering_ref.py emit CASE | check CASE OUTPUT\n"
                         "cases: " + " ".join(sorted(CASES)) + "\n")
        return 2
    case = CASES[argv[2]]()
    if argv[1] == "emit":
        sys.stdout.write(emit(case))
        return 0
    with open(argv[3]) as f:
        errors = check(case, f.read())
    if errors:
        sys.stdout.write("FAIL " + argv[2] + "\n" + "\n".join(errors) + "\n")
        return 1
    sys.stdout.write("PASS " + argv[2] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
