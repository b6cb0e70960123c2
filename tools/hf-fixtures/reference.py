#!/usr/bin/env python3
#===- reference.py - the notes of families.py, in numpy -------------------===#
#
# Recomputes each fixture's y from its config.json, model.safetensors and
# x.npy with numpy only (float64), following the notes of families.py, and
# compares with y.npy at rtol = atol = 1e-4 (the lit suite's tolerance). It
# checks the notes and the saved layouts they describe, and is a second
# implementation to read next to the importer.
#
#   python3 tools/hf-fixtures/reference.py test/Integration/Import/Fixtures
#   python3 tools/hf-fixtures/reference.py FIXTURES --only gpt_oss,doge
#
#===----------------------------------------------------------------------===#

import argparse
import json
import math
import os
import re
import sys

import numpy as np
from safetensors.numpy import load_file

TOL = 1e-4


# ------------------------------------------------------------- helpers
def silu(v):
    return v / (1 + np.exp(-v))


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def gelu(v):
    return 0.5 * v * (1 + np.vectorize(math.erf)(v / math.sqrt(2)))


def gelu_tanh(v):
    return 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                  (v + 0.044715 * v ** 3)))


def relu2(v):
    return np.maximum(v, 0) ** 2


ACT = {"silu": silu, "swish": silu, "gelu": gelu,
       "gelu_pytorch_tanh": gelu_tanh, "relu2": relu2, "sigmoid": sigmoid,
       "sqrtsoftplus": lambda v: np.sqrt(np.logaddexp(0, v))}


def softmax(v, axis=-1):
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def rmsnorm(v, w, eps):
    return v / np.sqrt((v * v).mean(-1, keepdims=True) + eps) * w


def topk(v, k):
    """Indices of the k largest of each row, largest first."""
    return np.argsort(-v, axis=-1, kind="stable")[:, :k]


def gather(v, idx):
    return np.take_along_axis(v, idx, axis=-1)


def swiglu(x, g, u, d, act=silu):
    """x [T, D]; g, u [F, D]; d [D, F] (nn.Linear orientation)."""
    return (act(x @ g.T) * (x @ u.T)) @ d.T


def combine(T, D, idx, w, expert):
    """sum over the selected experts of w * expert(e, x rows)."""
    y = np.zeros((T, D))
    for t in range(T):
        for j in range(idx.shape[1]):
            y[t] += w[t, j] * expert(int(idx[t, j]), t)
    return y


class Tensors:
    """A fixture's tensors, by name relative to the recorded layer."""

    def __init__(self, path, layer):
        self.t = {}
        for k, v in load_file(path).items():
            m = re.search(r"(?:^|\.)(?:layers|blocks)\.%d\.(.*)$" % layer, k)
            self.t[m.group(1)] = v.astype(np.float64)

    def __getitem__(self, name):
        return self.t[name]

    def __contains__(self, name):
        return name in self.t

    def find(self, suffix):
        hits = [k for k in self.t if k == suffix or k.endswith("." + suffix)]
        if len(hits) != 1:
            raise KeyError("%s: %s" % (suffix, hits or sorted(self.t)))
        return self.t[hits[0]]

    def has(self, suffix):
        return any(k == suffix or k.endswith("." + suffix) for k in self.t)


def experts(t, E, names=("gate_proj", "up_proj", "down_proj")):
    """G, U [E, F, D], Dn [E, D, F] from per-expert tensors or the fused
    [E, 2F, D] gate_up_proj (concatenated) and [E, D, F] down_proj."""
    g, u, d = names
    if t.has("experts.0.%s.weight" % g):
        G, U, Dn = (np.stack([t.find("experts.%d.%s.weight" % (e, n))
                              for e in range(E)]) for n in (g, u, d))
        return G, U, Dn
    GU = t.find("experts.gate_up_proj")
    F = GU.shape[1] // 2
    return GU[:, :F], GU[:, F:], t.find("experts.down_proj")


def group_limit(choice, n_group, topk_group, fill, score=None):
    """DeepSeek-V3 group limit: group score = sum of the top-2 (or the
    max) of each group; groups outside the topk_group best -> fill."""
    T, E = choice.shape
    if not n_group or n_group <= 1:
        return choice
    grp = choice.reshape(T, n_group, E // n_group)
    if score == "max":
        gs = grp.max(-1)
    else:
        gs = -np.sort(-grp, axis=-1)[:, :, :2].sum(-1)
    keep = topk(gs, topk_group)
    mask = np.zeros((T, n_group), bool)
    np.put_along_axis(mask, keep, True, axis=1)
    mask = np.repeat(mask, E // n_group, axis=1)
    return np.where(mask, choice, fill)


def dsv3_route(logits, bias, n_group, topk_group, k, norm, scale,
               fill=-np.inf):
    s = sigmoid(logits)
    choice = group_limit(s + bias, n_group, topk_group, fill)
    idx = topk(choice, k)
    w = gather(s, idx)
    if norm:
        w = w / (w.sum(-1, keepdims=True) + 1e-20)
    return idx, w * scale


# ------------------------------------------------------------ families
def deepseek_v3_like(c, t, x, shared=True, gate="gate.weight",
                     bias_name="gate.e_score_correction_bias",
                     shared_names=("gate_proj", "up_proj", "down_proj"),
                     shared_prefix="shared_experts", fill=-np.inf,
                     n_group_key="n_group", norm_key="norm_topk_prob",
                     scale_key="routed_scaling_factor", act=None,
                     expert_names=("gate_proj", "up_proj", "down_proj")):
    T, D = x.shape
    E = t.find(gate).shape[0]
    k = c.get("num_experts_per_tok") or c.get("num_experts_per_token")
    idx, w = dsv3_route(x @ t.find(gate).T, t.find(bias_name),
                        c.get(n_group_key), c.get("topk_group"), k,
                        c.get(norm_key), c.get(scale_key, 1.0), fill)
    G, U, Dn = experts(t, E, expert_names)
    act = act or ACT[c.get("hidden_act", "silu")]
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e],
                                                  act))
    if shared:
        g, u, d = shared_names
        y += swiglu(x, t.find(shared_prefix + "." + g + ".weight"),
                    t.find(shared_prefix + "." + u + ".weight"),
                    t.find(shared_prefix + "." + d + ".weight"), act)
    return y


def softmax_topk(c, t, x, gate, k, norm, E=None, act=silu,
                 expert_names=("gate_proj", "up_proj", "down_proj")):
    T, D = x.shape
    W = t.find(gate)
    p = softmax(x @ W.T)
    idx = topk(p, k)
    w = gather(p, idx)
    if norm:
        w = w / w.sum(-1, keepdims=True)
    G, U, Dn = experts(t, W.shape[0], expert_names)
    return combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e],
                                                     act))


def topk_then_softmax(x, W, k):
    logits = x @ W.T
    idx = topk(logits, k)
    return idx, softmax(gather(logits, idx))


def qwen2_gated_shared(c, t, x, y):
    s = swiglu(x, t.find("shared_expert.gate_proj.weight"),
               t.find("shared_expert.up_proj.weight"),
               t.find("shared_expert.down_proj.weight"))
    return y + sigmoid(x @ t.find("shared_expert_gate.weight").T) * s


def f_qwen_like(c, t, x, always_norm=False):
    y = softmax_topk(c, t, x, "gate.weight", c["num_experts_per_tok"],
                     always_norm or c.get("norm_topk_prob"),
                     act=ACT[c.get("hidden_act", "silu")])
    if t.has("shared_expert_gate.weight"):
        y = qwen2_gated_shared(c, t, x, y)
    return y


def f_mixtral(c, t, x):
    return softmax_topk(c, t, x, "gate.weight", c["num_experts_per_tok"], True,
                        act=ACT[c["hidden_act"]],
                        expert_names=("w1", "w3", "w2"))


def f_minimax_m2(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    s = sigmoid(x @ W.T)
    idx = topk(s + t.find("block_sparse_moe.e_score_correction_bias"),
               c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / w.sum(-1, keepdims=True)
    G, U, Dn = experts(t, W.shape[0], ("w1", "w3", "w2"))
    return combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))


def clamped_glu(gate, up, limit, alpha):
    gate = np.minimum(gate, limit)
    up = np.clip(up, -limit, limit)
    return (up + 1) * gate * sigmoid(alpha * gate)


def f_minimax_m3(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    s = sigmoid(x @ W.T)
    idx = topk(s + t.find("gate.e_score_correction_bias"),
               c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / w.sum(-1, keepdims=True)
    G, U, Dn = experts(t, W.shape[0])
    L, a = c["swiglu_limit"], c["swiglu_alpha"]
    y = combine(T, D, idx, w, lambda e, i: clamped_glu(
        x[i] @ G[e].T, x[i] @ U[e].T, L, a) @ Dn[e].T)
    y = y * c["routed_scaling_factor"]
    GU = t.find("shared_experts.gate_up_proj.weight")
    Fs = GU.shape[0] // 2
    y += clamped_glu(x @ GU[:Fs].T, x @ GU[Fs:].T, L, a) @ \
        t.find("shared_experts.down_proj.weight").T
    return y


def f_gpt_oss(c, t, x):
    T, D = x.shape
    logits = x @ t.find("router.weight").T + t.find("router.bias")
    idx = topk(logits, c["num_experts_per_tok"])
    w = softmax(gather(logits, idx))
    GU = t.find("experts.gate_up_proj")
    GUb = t.find("experts.gate_up_proj_bias")
    Dn, Db = t.find("experts.down_proj"), t.find("experts.down_proj_bias")

    def ex(e, i):
        gu = x[i] @ GU[e] + GUb[e]
        h = clamped_glu(gu[0::2], gu[1::2], c["swiglu_limit"],
                        c["swiglu_alpha"])
        return h @ Dn[e] + Db[e]
    return combine(T, D, idx, w, ex)


def f_llama4(c, t, x):
    T, D = x.shape
    W = t.find("router.weight")
    logits = x @ W.T
    idx = topk(logits, c["num_experts_per_tok"])
    score = np.zeros_like(logits)
    np.put_along_axis(score, idx, sigmoid(gather(logits, idx)), axis=1)
    GU, Dn = t.find("experts.gate_up_proj"), t.find("experts.down_proj")
    F = GU.shape[2] // 2
    y = np.zeros((T, D))
    for e in range(W.shape[0]):
        h = (x * score[:, e:e + 1]) @ GU[e]
        y += (h[:, F:] * silu(h[:, :F])) @ Dn[e]
    y += swiglu(x, t.find("shared_expert.gate_proj.weight"),
                t.find("shared_expert.up_proj.weight"),
                t.find("shared_expert.down_proj.weight"))
    return y


def f_aria(c, t, x):
    T, D = x.shape
    idx, w = topk_then_softmax(x, t.find("router.weight"), c["moe_topk"])
    fc1, fc2 = t.find("experts.fc1.weight"), t.find("experts.fc2.weight")
    F = fc1.shape[2] // 2

    def ex(e, i):
        h = x[i] @ fc1[e]
        return (silu(h[:F]) * h[F:]) @ fc2[e]
    y = combine(T, D, idx, w, ex)
    return y + swiglu(x, t.find("shared_experts.gate_proj.weight"),
                      t.find("shared_experts.up_proj.weight"),
                      t.find("shared_experts.down_proj.weight"),
                      ACT[c["hidden_act"]])


def f_granite(c, t, x):
    T, D = x.shape
    if t.has("block_sparse_moe.input_linear.weight"):
        GU = t.find("block_sparse_moe.input_linear.weight")
        Dn = t.find("block_sparse_moe.output_linear.weight")
        W = t.find("block_sparse_moe.router.layer.weight")
    else:
        GU = t.find("block_sparse_moe.experts.gate_up_proj")
        Dn = t.find("block_sparse_moe.experts.down_proj")
        W = t.find("block_sparse_moe.router.weight")
    F = GU.shape[1] // 2
    idx, w = topk_then_softmax(x, W, c["num_experts_per_tok"])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], GU[e][:F], GU[e][F:],
                                                  Dn[e]))
    if t.has("shared_mlp.input_linear.weight"):
        S = t.find("shared_mlp.input_linear.weight")
        Fs = S.shape[0] // 2
        y += swiglu(x, S[:Fs], S[Fs:],
                    t.find("shared_mlp.output_linear.weight"))
    return y


def f_jetmoe(c, t, x):
    T, D = x.shape
    idx, w = topk_then_softmax(x, t.find("router.layer.weight"),
                               c["num_experts_per_tok"])
    GU, Dn = t.find("input_linear.weight"), t.find("output_linear.weight")
    F = GU.shape[1] // 2
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], GU[e][:F], GU[e][F:],
                                                  Dn[e]))
    return y + t.find("mlp.bias")


def f_dbrx(c, t, x):
    T, D = x.shape
    f = c["ffn_config"]
    E, k, F = f["moe_num_experts"], f["moe_top_k"], f["ffn_hidden_size"]
    p = softmax(x @ t.find("router.layer.weight").T)
    idx = topk(p, k)
    w = gather(p, idx)
    q = f.get("moe_normalize_expert_weights")
    if q is not None:
        w = w / (np.abs(w) ** q).sum(-1, keepdims=True) ** (1 / q)
    w1, v1, w2 = (t.find("experts.mlp.%s" % n).reshape(E, F, D)
                  for n in ("w1", "v1", "w2"))
    act = ACT[(f.get("ffn_act_fn") or {}).get("name", "silu")]
    return combine(T, D, idx, w, lambda e, i: (act(x[i] @ w1[e].T) *
                                               (x[i] @ v1[e].T)) @ w2[e])


def f_deepseek_v2(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    s = softmax(x @ W.T)
    if c["topk_method"] == "group_limited_greedy":
        s = group_limit(s, c["n_group"], c["topk_group"], 0.0, score="max")
    idx = topk(s, c["num_experts_per_tok"])
    w = gather(s, idx) * c["routed_scaling_factor"]
    G, U, Dn = experts(t, W.shape[0])
    act = ACT[c["hidden_act"]]
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e], act))
    return y + swiglu(x, t.find("shared_experts.gate_proj.weight"),
                      t.find("shared_experts.up_proj.weight"),
                      t.find("shared_experts.down_proj.weight"), act)


def f_deepseek_v4(c, t, x):
    T, D = x.shape
    W = t.find("ffn.gate.weight")
    s = ACT[c["scoring_func"]](x @ W.T)
    idx = topk(s + t.find("ffn.gate.bias"), c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / (w.sum(-1, keepdims=True) + 1e-20) * c["routed_scaling_factor"]
    L = c["swiglu_limit"]

    def mlp(v, g, u, d):
        return (silu(np.minimum(v @ g.T, L)) * np.clip(v @ u.T, -L, L)) @ d.T
    G, U, Dn = experts(t, W.shape[0], ("w1", "w3", "w2"))
    y = combine(T, D, idx, w, lambda e, i: mlp(x[i], G[e], U[e], Dn[e]))
    return y + mlp(x, t.find("shared_experts.w1.weight"),
                   t.find("shared_experts.w3.weight"),
                   t.find("shared_experts.w2.weight"))


def f_hy_v4(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    idx, w = dsv3_route(x @ W.T, t.find("gate.e_score_correction_bias"),
                        c["n_group"], c["topk_group"], c["num_experts_per_tok"],
                        c["norm_topk_prob"], c["routed_scaling_factor"])
    G, U, Dn = experts(t, W.shape[0])
    L = c["swiglu_limit"]
    y = combine(T, D, idx, w, lambda e, i: (
        silu(np.minimum(x[i] @ G[e].T, L)) * np.clip(x[i] @ U[e].T, -L, L))
        @ Dn[e].T)
    return y + swiglu(x, t.find("shared_experts.linear_gate.weight"),
                      t.find("shared_experts.up_proj.weight"),
                      t.find("shared_experts.down_proj.weight"))


def f_bailing(c, t, x, layer):
    T, D = x.shape
    W = t.find("gate.weight")
    idx, w = dsv3_route(x @ W.T, t.find("gate.expert_bias"),
                        c["num_expert_group"], c["topk_group"],
                        c["num_experts_per_token"], c["moe_renormalize"],
                        c["routed_scaling_factor"])
    L = (c.get("expert_swiglu_limit_list") or [0] * 99)[layer]
    Ls = (c.get("share_expert_swiglu_limit_list") or [0] * 99)[layer]

    def mlp(v, g, u, d, lim):
        a, b = silu(v @ g.T), v @ u.T
        if lim:
            a, b = np.minimum(a, lim), np.clip(b, -lim, lim)
        return (a * b) @ d.T
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: mlp(x[i], G[e], U[e], Dn[e], L))
    return y + mlp(x, t.find("shared_experts.gate_proj.weight"),
                   t.find("shared_experts.up_proj.weight"),
                   t.find("shared_experts.down_proj.weight"), Ls)


def f_beam(c, t, x):
    y = deepseek_v3_like(dict(c, routed_scaling_factor=1.0), t, x,
                         shared=False)
    return y * c["routed_scaling_factor"]


def f_axk1(c, t, x):
    y = deepseek_v3_like(c, t, x)
    return rmsnorm(y, t.find("post_mlp_layernorm.weight"), c["rms_norm_eps"])


def f_cohere(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    logits = x @ W.T
    idx = topk(logits, c["num_experts_per_tok"])
    sel = gather(logits, idx)
    if c["expert_selection_fn"] == "softmax":
        w = softmax(sel)
    else:
        w = sigmoid(sel)
        if c["norm_topk_prob"]:
            w = w / w.sum(-1, keepdims=True)
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    if c["num_shared_experts"] > 0:
        s = swiglu(x, t.find("shared_experts.gate_proj.weight"),
                   t.find("shared_experts.up_proj.weight"),
                   t.find("shared_experts.down_proj.weight"))
        y = y + s if c["shared_expert_combination_strategy"] == "sum" \
            else (y + s) / 2
    return y


def f_doge(c, t, x):
    T, D = x.shape
    E, k = c["num_experts"], c["num_experts_per_tok"]
    K = int(math.floor(math.sqrt(E)))
    Lf = (x @ t.find("router_gate.weight").T).reshape(-1)
    sx, sy = Lf[:T * K].reshape(T, K), Lf[T * K:].reshape(T, K)
    sums = (sx[:, :, None] + sy[:, None, :]).reshape(T, K * K)
    cand = topk(sums, k)
    w = softmax(gather(sums, cand))
    if c["norm_topk_prob"]:
        w = w / w.sum(-1, keepdims=True)
    act = ACT[c["hidden_act"]]
    de, ue = t.find("down_embed.weight"), t.find("up_embed.weight")
    y = swiglu(x, t.find("mlp.gate_proj.weight"), t.find("mlp.up_proj.weight"),
               t.find("mlp.down_proj.weight"), act)
    for i in range(T):
        for j in range(k):
            e = int(cand[i, j])  # = i_x * K + i_y
            y[i] += w[i, j] * act(de[e] @ x[i]) * ue[e]
    return y


def f_ergo(c, t, x):
    T, D = x.shape
    Wt = t.find("gate_kernel")
    s = sigmoid(x @ Wt)
    idx = topk(s + t.find("router_bias"), c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / (w.sum(-1, keepdims=True) + 1e-20) * c["moe_routed_scaling_factor"]
    Up, Dn = t.find("feed_forward.up_proj"), t.find("feed_forward.down_proj")
    nw, eps = t.find("expert_output_norm.scale"), c["rms_norm_eps"]
    y = combine(T, D, idx, w, lambda e, i: rmsnorm(
        relu2(x[i] @ Up[e]) @ Dn[e], nw[e], eps))
    sh = relu2(x @ t.find("shared_up_proj")) @ t.find("shared_down_proj")
    return y + rmsnorm(sh, t.find("shared_expert_output_norm.scale"), eps)


def f_ernie(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    p = softmax(x @ W.T)
    idx = topk(p + t.find("moe_statics.e_score_correction_bias")[0],
               c["moe_k"])
    w = gather(p, idx)
    w = w / np.maximum(w.sum(-1, keepdims=True), c["moe_norm_min"])
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    if c["moe_num_shared_experts"] > 0:
        def lin(n, v):
            b = t.find(n + ".bias") if t.has(n + ".bias") else 0
            return v @ t.find(n + ".weight").T + b
        h = silu(lin("shared_experts.gate_proj", x)) * \
            lin("shared_experts.up_proj", x)
        y += lin("shared_experts.down_proj", h)
    return y


def f_sigmoid_topk_norm(c, t, x, shared="shared_expert", norm=None,
                        bias=None, scale=1.0, out_scale=1.0, softcap=0.0):
    """sigmoid scores (optionally softcapped logits, bias for the choice),
    top-k, w = s gathered, optional renormalization, scaling."""
    T, D = x.shape
    W = t.find("gate.weight")
    logits = x @ W.T
    if softcap > 0:
        logits = softcap * np.tanh(logits / softcap)
    s = sigmoid(logits)
    idx = topk(s + (t.find(bias) if bias else 0), c["num_experts_per_tok"])
    w = gather(s, idx)
    if norm:
        w = w / w.sum(-1, keepdims=True)
    w = w * scale
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    y = y * out_scale
    if shared:
        y += swiglu(x, t.find(shared + ".gate_proj.weight"),
                    t.find(shared + ".up_proj.weight"),
                    t.find(shared + ".down_proj.weight"))
    return y


def f_kolibri(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    logits = x @ W.T
    idx = topk(logits + t.find("moe.router.expert_bias"),
               c["num_experts_per_tok"])
    w = sigmoid(gather(logits, idx))
    if c["norm_topk_prob"]:
        w = w / w.sum(-1, keepdims=True)
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    return y + swiglu(x, t.find("shared_experts.gate_proj.weight"),
                      t.find("shared_experts.up_proj.weight"),
                      t.find("shared_experts.down_proj.weight"))


def f_lfm2(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    s = sigmoid(x @ W.T)
    if c["use_expert_bias"]:
        idx = topk(s + t.find("feed_forward.expert_bias"),
                   c["num_experts_per_tok"])
    else:
        idx = topk(s, c["num_experts_per_tok"])
    w = gather(s, idx)
    if c["norm_topk_prob"]:
        w = w / (w.sum(-1, keepdims=True) + 1e-6)
    w = w * c["routed_scaling_factor"]
    G, U, Dn = experts(t, W.shape[0], ("w1", "w3", "w2"))
    return combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))


def f_longcat(c, t, x):
    T, D = x.shape
    W = t.find("router.classifier.weight")
    E = c["n_routed_experts"]
    p = softmax(x @ W.T)
    idx = topk(p + t.find("router.e_score_correction_bias"), c["moe_topk"])
    w = gather(p, idx) * c["routed_scaling_factor"]
    G, U, Dn = experts(t, E)
    return combine(T, D, idx, w, lambda e, i: x[i] if e >= E else
                   swiglu(x[i], G[e], U[e], Dn[e]))


def f_inkling(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    S = c["n_shared_experts"]
    E = W.shape[0] - S
    logits = x @ W.T
    s = sigmoid(logits)
    k = c["num_experts_per_tok"]
    idx = topk(s[:, :E] + t.find("gate.e_score_correction_bias"), k)
    sel = np.concatenate([gather(logits[:, :E], idx), logits[:, E:]], axis=1)
    sg = sigmoid(sel)
    w = sg / sg.sum(-1, keepdims=True) * c["route_scale"] * \
        t.find("gate.global_scale")[0]
    G, U, Dn = experts(t, E)
    y = combine(T, D, idx, w[:, :k], lambda e, i: swiglu(x[i], G[e], U[e],
                                                         Dn[e]))
    sG, sU, sD = (t.find("shared_experts." + n)
                  for n in ("gate_proj", "up_proj", "down_proj"))
    for j in range(S):
        y += (silu(x @ sG[j].T) * (x @ sU[j].T) * w[:, k + j:k + j + 1]) \
            @ sD[j].T
    return y


def f_inkling2(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    s = ACT[c["scoring_func"]](x @ W.T)
    idx = topk(s + t.find("gate.bias"), c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / (w.sum(-1, keepdims=True) + 1e-20) * c["route_scale"]
    W13, W2 = t.find("experts.w13_weight"), t.find("experts.w2_weight")
    cg, cu = c["mlp_gate_softcap"], c["mlp_up_softcap"]

    def ex(e, i):
        g, u = x[i] @ W13[e][0::2].T, x[i] @ W13[e][1::2].T
        h = cg * np.tanh(g / cg) * sigmoid(g) * cu * np.tanh(u / cu)
        return h @ W2[e].T
    return combine(T, D, idx, w, ex)


def f_jamba(c, t, x):
    return softmax_topk(c, t, x, "router.weight", c["num_experts_per_tok"],
                        False)


def f_hunyuan(c, t, x, layer):
    k = c["moe_topk"]
    k = k[layer] if isinstance(k, list) else k
    y = softmax_topk(c, t, x, "gate.wg.weight", k, True)
    return y + swiglu(x, t.find("shared_mlp.gate_proj.weight"),
                      t.find("shared_mlp.up_proj.weight"),
                      t.find("shared_mlp.down_proj.weight"))


def f_hy_v3(c, t, x):
    T, D = x.shape
    W = t.find("router.gate.weight")
    s = sigmoid(x @ W.T)
    idx = topk(s + t.find("mlp.expert_bias"), c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / (w.sum(-1, keepdims=True) + 1e-20) * c["router_scaling_factor"]
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    return y + swiglu(x, t.find("shared_mlp.gate_proj.weight"),
                      t.find("shared_mlp.up_proj.weight"),
                      t.find("shared_mlp.down_proj.weight"))


def f_afmoe(c, t, x):
    T, D = x.shape
    W = t.find("router.gate.weight")
    s = sigmoid(x @ W.T)
    idx = topk(s + t.find("mlp.expert_bias"), c["num_experts_per_tok"])
    w = gather(s, idx)
    w = w / (w.sum(-1, keepdims=True) + 1e-20) * c["route_scale"]
    G, U, Dn = experts(t, W.shape[0])
    y = combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))
    return y + swiglu(x, t.find("shared_experts.gate_proj.weight"),
                      t.find("shared_experts.up_proj.weight"),
                      t.find("shared_experts.down_proj.weight"))


def f_gemma4(c, t, x):
    T, D = x.shape
    eps = c["rms_norm_eps"]
    r = rmsnorm(x, 1.0, eps) * t.find("router.scale") * D ** -0.5
    p = softmax(r @ t.find("router.proj.weight").T)
    idx = topk(p, c["top_k_experts"])
    w = gather(p, idx)
    w = w / w.sum(-1, keepdims=True) * t.find("router.per_expert_scale")[idx]
    h = rmsnorm(x, t.find("pre_feedforward_layernorm_2.weight"), eps)
    G, U, Dn = experts(t, c["num_experts"])
    act = ACT[c["hidden_activation"]]
    y = combine(T, D, idx, w, lambda e, i: swiglu(h[i], G[e], U[e], Dn[e],
                                                  act))
    return rmsnorm(y, t.find("post_feedforward_layernorm_2.weight"), eps)


def f_nemotron(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    idx, w = dsv3_route(x @ W.T, t.find("gate.e_score_correction_bias"),
                        c["n_group"], c["topk_group"], c["num_experts_per_tok"],
                        c["norm_topk_prob"], c["routed_scaling_factor"])
    E = W.shape[0]
    Up = np.stack([t.find("experts.%d.up_proj.weight" % e) for e in range(E)])
    Dn = np.stack([t.find("experts.%d.down_proj.weight" % e) for e in range(E)])
    # mlp_bias: the latent projections and the shared MLP have biases.
    bias = (lambda n: t.find(n) if t.has(n) else 0.0)
    xl = x @ t.find("fc1_latent_proj.weight").T + \
        bias("fc1_latent_proj.bias") if t.has("fc1_latent_proj.weight") else x
    y = np.zeros((T, xl.shape[1]))
    for i in range(T):
        for j in range(idx.shape[1]):
            e = idx[i, j]
            y[i] += w[i, j] * (relu2(xl[i] @ Up[e].T) @ Dn[e].T)
    if t.has("fc2_latent_proj.weight"):
        y = y @ t.find("fc2_latent_proj.weight").T + \
            bias("fc2_latent_proj.bias")
    h = relu2(x @ t.find("shared_experts.up_proj.weight").T
              + bias("shared_experts.up_proj.bias"))
    return y + h @ t.find("shared_experts.down_proj.weight").T + \
        bias("shared_experts.down_proj.bias")


def f_phimoe(c, t, x):
    T, D = x.shape
    W = t.find("gate.weight")
    l = x @ W.T
    eps2 = 2 * c["router_jitter_noise"]
    i1 = l.argmax(-1)
    m1 = l.max(-1, keepdims=True)
    masked = np.where((m1 - l) / np.maximum(np.abs(l), m1) > eps2, -np.inf, l)
    w1 = softmax(masked)[np.arange(T), i1]
    l2 = l.copy()
    l2[np.arange(T), i1] = -np.inf
    i2 = l2.argmax(-1)
    m2 = l2.max(-1, keepdims=True)
    masked2 = np.where((m2 - l) / np.maximum(np.abs(l), m2) > eps2, -np.inf, l2)
    w2 = softmax(masked2)[np.arange(T), i2]
    idx = np.stack([i1, i2], 1)
    w = np.stack([w1, w2], 1)
    G, U, Dn = experts(t, W.shape[0], ("w1", "w3", "w2"))
    return combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))


def f_zaya(c, t, x):
    T, D = x.shape
    r = x @ t.find("gate.down_proj.weight").T + t.find("gate.down_proj.bias")
    h = rmsnorm(r, t.find("router_mlp.norm.weight"), c["rms_norm_eps"])
    for fc in ("router_mlp.fc1", "router_mlp.fc2"):
        h = gelu(h @ t.find(fc + ".weight").T + t.find(fc + ".bias"))
    p = softmax(h @ t.find("router_mlp.out_proj.weight").T)
    E = p.shape[1] - 1
    idx = topk(p + t.find("gate.balancing_biases"), 1)
    w = gather(p, idx)
    w = np.where(idx == E, 0.0, w)
    idx = np.where(idx == E, 0, idx)
    G, U, Dn = experts(t, E)
    return combine(T, D, idx, w, lambda e, i: swiglu(x[i], G[e], U[e], Dn[e]))


def family(c, t, x, layer):
    mt = c["model_type"]
    if mt in ("deepseek_v3", "deepseek_v32", "glm_moe_dsa", "glm4_moe",
              "glm4_moe_lite", "solar_open", "minicpm5_moe", "dots1"):
        return deepseek_v3_like(c, t, x)
    if mt == "dots3_note_text":
        return deepseek_v3_like(c, t, x)
    if mt == "exaone_moe":
        return deepseek_v3_like(c, t, x,
                                bias_name="mlp.e_score_correction_bias")
    if mt == "mimo_v2_flash":
        return deepseek_v3_like(c, t, x, shared=False)
    if mt == "kimi_linear":
        return deepseek_v3_like(c, t, x, n_group_key="num_expert_group",
                                norm_key="moe_renormalize",
                                expert_names=("w1", "w3", "w2"))
    if mt == "axk1":
        return f_axk1(c, t, x)
    if mt == "axk2":
        if c.get("n_group") is None:
            c = dict(c, n_group=1)
        return deepseek_v3_like(c, t, x, fill=0.0)
    if mt == "bailing_hybrid":
        return f_bailing(c, t, x, layer)
    if mt == "beam":
        return f_beam(c, t, x)
    if mt == "hy_v4":
        return f_hy_v4(c, t, x)
    if mt == "deepseek_v2":
        return f_deepseek_v2(c, t, x)
    if mt == "deepseek_v4":
        return f_deepseek_v4(c, t, x)
    if mt in ("qwen2_moe", "qwen3_moe", "qwen3_next", "olmoe", "flex_olmo",
              "mellum", "qwen4_exp_text"):
        return f_qwen_like(c, t, x)
    if mt == "qwen3_5_moe_text":
        return f_qwen_like(c, t, x, always_norm=True)
    if mt == "lara_mini":
        y = softmax_topk(c, t, x, "gate.weight", c["num_experts_per_tok"],
                         c["norm_topk_prob"])
        return y + swiglu(x, t.find("shared_expert.gate_proj.weight"),
                          t.find("shared_expert.up_proj.weight"),
                          t.find("shared_expert.down_proj.weight"))
    if mt in ("mixtral", "minimax"):
        return f_mixtral(c, t, x)
    if mt == "minimax_m2":
        return f_minimax_m2(c, t, x)
    if mt == "minimax_m3_vl_text":
        return f_minimax_m3(c, t, x)
    if mt == "gpt_oss":
        return f_gpt_oss(c, t, x)
    if mt == "llama4_text":
        return f_llama4(c, t, x)
    if mt == "aria_text":
        return f_aria(c, t, x)
    if mt.startswith("granitemoe"):
        return f_granite(c, t, x)
    if mt == "jetmoe":
        return f_jetmoe(c, t, x)
    if mt == "dbrx":
        return f_dbrx(c, t, x)
    if mt == "cohere2_moe":
        return f_cohere(c, t, x)
    if mt == "doge":
        return f_doge(c, t, x)
    if mt == "ergo":
        return f_ergo(c, t, x)
    if mt == "ernie4_5_moe":
        return f_ernie(c, t, x)
    if mt == "flint":
        return f_sigmoid_topk_norm(c, t, x, norm=c["norm_topk_prob"])
    if mt == "laguna":
        return f_sigmoid_topk_norm(
            c, t, x, norm=True, bias="experts.e_score_correction_bias",
            out_scale=c["moe_routed_scaling_factor"],
            softcap=c["moe_router_logit_softcapping"])
    if mt in ("kolibri1", "kolibri1_1"):
        return f_kolibri(c, t, x)
    if mt == "lfm2_moe":
        return f_lfm2(c, t, x)
    if mt == "longcat_flash":
        return f_longcat(c, t, x)
    if mt == "inkling_text":
        return f_inkling(c, t, x)
    if mt in ("inkling2_text", "inkling2_loop_text"):
        return f_inkling2(c, t, x)
    if mt == "jamba":
        return f_jamba(c, t, x)
    if mt == "hunyuan_v1_moe":
        return f_hunyuan(c, t, x, layer)
    if mt == "hy_v3":
        return f_hy_v3(c, t, x)
    if mt == "afmoe":
        return f_afmoe(c, t, x)
    if mt == "gemma4_text":
        return f_gemma4(c, t, x)
    if mt == "nemotron_h":
        return f_nemotron(c, t, x)
    if mt == "phimoe":
        return f_phimoe(c, t, x)
    if mt == "zaya":
        return f_zaya(c, t, x)
    raise NotImplementedError(mt)


def main():
    p = argparse.ArgumentParser(description="numpy reference of the notes")
    p.add_argument("fixtures")
    p.add_argument("--only", default="")
    args = p.parse_args()
    only = [s for s in args.only.split(",") if s]
    bad = 0
    for name in sorted(os.listdir(args.fixtures)):
        if only and name not in only:
            continue
        d = os.path.join(args.fixtures, name)
        meta = json.load(open(os.path.join(d, "fixture.json")))
        c = json.load(open(os.path.join(d, "config.json")))
        c = dict(c, model_type=meta["family"])
        x = np.load(os.path.join(d, "x.npy")).astype(np.float64)
        want = np.load(os.path.join(d, "y.npy")).astype(np.float64)
        try:
            got = family(c, Tensors(os.path.join(d, "model.safetensors"),
                                    meta["layer"]), x, meta["layer"])
            err = np.abs(got - want)
            ok = bool((err <= TOL + TOL * np.abs(want)).all())
            print("%-5s %-34s max_abs_err %.3g" % ("ok" if ok else "DIFF", name,
                                                   err.max()))
        except Exception as e:  # report every fixture
            ok = False
            print("ERR   %-34s %s: %s" % (name, type(e).__name__, e))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
