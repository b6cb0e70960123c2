#===- moe_reference.py - numpy reference for Mixture-of-Experts layers ----===#
#
# An implementation of MoE layers in numpy (float64), independent of the
# compiler. Two halves:
#
# - `hf_layer`: the forward of the sparse MoE block of each supported Hugging
#   Face family (mixtral, qwen2_moe, qwen3_moe, olmoe, deepseek_v2,
#   deepseek_v3), transcribed from the families' published modeling code:
#   router, top-k, renormalization rules, shared experts, group-limited
#   selection and the DeepSeek-V3 selection bias. It reads the config.json
#   fields and checkpoint tensor names itself.
# - `spec_layer`: the semantics of docs/DESIGN §1 for variants no Hugging Face
#   family has (expert-choice routing, non-gated experts, any combination of
#   routing options).
#
# Both can apply a capacity limit after routing (GShard-style position drops,
# batch-priority score drops), which no Hugging Face family does at inference.
#
# Every routing decision records its margin (the gap between the last chosen
# and the first rejected candidate) in a `Margins` object, so that a fixture
# generator can reject inputs whose result would hinge on float rounding.
#
#===----------------------------------------------------------------------===#

import math

import numpy as np

#===----------------------------------------------------------------------===#
# Activations
#===----------------------------------------------------------------------===#


def silu(x):
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) *
                                    (x + 0.044715 * x**3)))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu_erf(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def relu(x):
    return np.maximum(x, 0.0)


def relu2(x):
    """transformers' ReLUSquaredActivation (nemotron_h, ergo)."""
    return np.square(np.maximum(x, 0.0))


# transformers.activations.ACT2FN, restricted to the functions we support.
HF_ACT2FN = {
    "silu": silu,
    "swish": silu,
    "gelu": gelu_erf,
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": gelu_tanh,
    "relu": relu,
    "relu2": relu2,
}

# The activations of the moe dialect (swiglu_oai and swiglu_softcap are gated
# only: spec_glu).
MOE_ACT = {
    "silu": silu,
    "gelu_tanh": gelu_tanh,
    "gelu_erf": gelu_erf,
    "relu": relu,
    "relu2": relu2,
    "swiglu_oai": None,
    "swiglu_softcap": None,
}

# swiglu_oai's alpha when the op has none (GptOssConfig.swiglu_alpha).
SWIGLU_OAI_ALPHA = 1.702

# swiglu_softcap's gate and up soft caps when the op has none
# (Inkling2TextConfig.mlp_gate_softcap, mlp_up_softcap).
SWIGLU_SOFTCAP_GATE = 4.0
SWIGLU_SOFTCAP_UP = 25.0

#===----------------------------------------------------------------------===#
# Helpers
#===----------------------------------------------------------------------===#


class Margins:
    """The smallest gap seen between a chosen and a rejected candidate."""

    def __init__(self):
        self.min_gap = math.inf
        self.notes = []

    def gap(self, value, what):
        value = float(value)
        if value < self.min_gap:
            self.min_gap = value
            self.notes.append(f"{what}: {value:.3g}")

    def ambiguous(self, what):
        self.gap(0.0, what)


def softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def topk(scores, k, margins=None, what="top-k"):
    """torch.topk over the last axis: values and indices, best first; ties go
    to the lower index (a stable sort of the negated scores)."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    idx = order[..., :k]
    vals = np.take_along_axis(scores, idx, axis=-1)
    if margins is not None:
        # The chosen set, and the order within it (best first), which
        # decides position drops.
        upto = min(k + 1, scores.shape[-1])
        ranked = np.take_along_axis(scores, order[..., :upto], axis=-1)
        gaps = ranked[..., :-1] - ranked[..., 1:]
        finite = np.isfinite(gaps)
        if finite.any():
            margins.gap(gaps[finite].min(), what)
    return vals, idx


def linear(x, w):
    """nn.Linear without bias: x · wᵀ."""
    return x @ w.T


def gated_mlp(x, gate_proj, up_proj, down_proj, act):
    """LlamaMLP / MixtralBlockSparseTop2MLP: down(act(gate(x)) * up(x))."""
    return linear(act(linear(x, gate_proj)) * linear(x, up_proj), down_proj)


def spec_glu(act, g, u, limit=None, alpha=None, after=False,
             gate_softcap=None, up_softcap=None):
    """The gated unit of docs/Spec.md#activation-parameters: act(g) * u with
    the clamps of `limit` (on the gate's input, or with `after` on the
    activated gate), swiglu_oai's (u + 1) * g * sigmoid(alpha * g), or
    swiglu_softcap's c_g tanh(g / c_g) * sigmoid(g) * c_u tanh(u / c_u)."""
    if limit is not None:
        u = np.minimum(np.maximum(u, -limit), limit)
        if not after:
            g = np.minimum(g, limit)
    if act == "swiglu_oai":
        a = SWIGLU_OAI_ALPHA if alpha is None else alpha
        return (u + 1.0) * g * sigmoid(a * g)
    if act == "swiglu_softcap":
        cg = SWIGLU_SOFTCAP_GATE if gate_softcap is None else gate_softcap
        cu = SWIGLU_SOFTCAP_UP if up_softcap is None else up_softcap
        return cg * np.tanh(g / cg) * sigmoid(g) * cu * np.tanh(u / cu)
    h = MOE_ACT[act](g)
    if limit is not None and after:
        h = np.minimum(h, limit)
    return h * u


def gpt_oss_experts_apply_gate(gate_up, alpha, limit):
    """GptOssExperts._apply_gate (transformers 5), on the interleaved
    gate_up projection [.., 2F]: gate = even columns, up = odd columns."""
    gate, up = gate_up[..., ::2], gate_up[..., 1::2]
    gate = np.minimum(gate, limit)
    up = np.clip(up, -limit, limit)
    glu = gate * sigmoid(gate * alpha)
    return (up + 1) * glu


def plain_mlp(x, up_proj, down_proj, act):
    """A non-gated FFN: down(act(up(x)))."""
    return linear(act(linear(x, up_proj)), down_proj)


#===----------------------------------------------------------------------===#
# Capacity (DESIGN §1, moe.dispatch)
#===----------------------------------------------------------------------===#


def capacity_of(factor, tokens, k, experts):
    return int(math.ceil(factor * tokens * k / experts))


def apply_capacity(idx, weights, experts, policy, factor, margins=None):
    """Which of the [T, k] assignments survive a capacity limit.

    `idx` holds each token's experts in selection order (best first).
    position: all first choices before second choices, earlier tokens first
    (GShard / Switch). score: higher routing weight first, ties in position
    order (batch-priority routing). Returns a boolean mask [T, k]."""
    tokens, k = idx.shape
    keep = np.ones((tokens, k), dtype=bool)
    if policy in (None, "none"):
        return keep
    cap = capacity_of(factor, tokens, k, experts)
    order = [(t, j) for j in range(k) for t in range(tokens)]
    if policy == "score":
        order.sort(key=lambda tj: -weights[tj])  # stable: ties keep position
    elif policy != "position":
        raise ValueError(f"unknown drop policy {policy}")
    count = np.zeros(experts, dtype=np.int64)
    last_kept = {}
    for t, j in order:
        e = idx[t, j]
        if e >= experts:
            continue  # an identity expert: never dropped
        if count[e] < cap:
            count[e] += 1
            last_kept[e] = weights[t, j]
        else:
            keep[t, j] = False
            if policy == "score" and margins is not None and e in last_kept:
                margins.gap(last_kept.pop(e) - weights[t, j],
                            "score drop order")
    return keep


def combine(x, idx, weights, keep, expert_fn):
    """out[t] = Σ_j keep[t, j] · weights[t, j] · expert_{idx[t, j]}(x[t])."""
    out = np.zeros_like(x)
    for e in np.unique(idx):
        rows, slots = np.nonzero((idx == e) & keep)
        if rows.size == 0:
            continue
        y = expert_fn(int(e), x[rows])
        np.add.at(out, rows, weights[rows, slots][:, None] * y)
    return out


#===----------------------------------------------------------------------===#
# Hugging Face families
#===----------------------------------------------------------------------===#


class Family:
    """One Hugging Face family: which layers are sparse, the checkpoint names
    of a sparse layer, its routing and its shared expert."""

    prefix = "mlp"
    expert_names = ("gate_proj", "up_proj", "down_proj")
    num_experts_key = "num_experts"

    def __init__(self, cfg, layer):
        self.cfg = cfg
        self.layer = layer
        self.act = HF_ACT2FN[cfg.get("hidden_act", "silu")]

    def name(self, suffix):
        return f"model.layers.{self.layer}.{self.prefix}.{suffix}"

    @property
    def num_experts(self):
        return self.cfg[self.num_experts_key]

    @property
    def top_k(self):
        return self.cfg["num_experts_per_tok"]

    def is_sparse(self):
        return True

    def expert(self, W, e, x):
        g, u, d = (W[self.name(f"experts.{e}.{p}.weight")]
                   for p in self.expert_names)
        return gated_mlp(x, g, u, d, self.act)

    def route(self, W, x, margins):
        raise NotImplementedError

    def shared(self, W, x):
        return None


class Mixtral(Family):
    """MixtralSparseMoeBlock: softmax over all experts, top-k, always
    renormalized over the k chosen."""

    prefix = "block_sparse_moe"
    expert_names = ("w1", "w3", "w2")
    num_experts_key = "num_local_experts"

    def route(self, W, x, margins):
        logits = linear(x, W[self.name("gate.weight")])
        probs = softmax(logits)
        w, idx = topk(probs, self.top_k, margins)
        w = w / w.sum(axis=-1, keepdims=True)
        return idx, w


class Qwen3Moe(Family):
    """Qwen3MoeSparseMoeBlock: softmax, top-k, renormalized when
    norm_topk_prob. Sparse layers: not in mlp_only_layers, num_experts > 0
    and (layer + 1) % decoder_sparse_step == 0. transformers 5 writes the
    expert count of a Qwen3-MoE config as num_local_experts."""

    @property
    def num_experts(self):
        cfg = self.cfg
        return cfg["num_experts"] if "num_experts" in cfg else \
            cfg["num_local_experts"]

    def is_sparse(self):
        cfg = self.cfg
        return (self.layer not in (cfg.get("mlp_only_layers") or []) and
                self.num_experts > 0 and
                (self.layer + 1) % cfg.get("decoder_sparse_step", 1) == 0)

    def route(self, W, x, margins):
        logits = linear(x, W[self.name("gate.weight")])
        probs = softmax(logits)
        w, idx = topk(probs, self.top_k, margins)
        if self.cfg.get("norm_topk_prob", False):
            w = w / w.sum(axis=-1, keepdims=True)
        return idx, w


class Qwen2Moe(Qwen3Moe):
    """Qwen2MoeSparseMoeBlock: Qwen3's routing plus a shared expert scaled
    by sigmoid(shared_expert_gate(x))."""

    def shared(self, W, x):
        if self.cfg["shared_expert_intermediate_size"] == 0:
            return None
        g, u, d = (W[self.name(f"shared_expert.{p}.weight")]
                   for p in self.expert_names)
        y = gated_mlp(x, g, u, d, self.act)
        return sigmoid(linear(x, W[self.name("shared_expert_gate.weight")])) * y


class Olmoe(Qwen3Moe):
    """OlmoeSparseMoeBlock: softmax, top-k, renormalized when norm_topk_prob;
    every layer is sparse."""

    def is_sparse(self):
        return True


class DeepseekV2(Family):
    """DeepseekV2Moe with its DeepseekV2TopkRouter (transformers 5): softmax
    scores; greedy or group-limited greedy (a group's score is its best
    expert; experts of the other groups are masked to 0); the k weights are
    never renormalized and always multiplied by routed_scaling_factor (the
    checkpoint's modeling_deepseek.py instead renormalizes when top_k > 1
    and norm_topk_prob, and then does not scale). Shared experts are a
    dense MLP of n_shared_experts * moe_intermediate_size, added ungated.
    Sparse layers: n_routed_experts set, layer >= first_k_dense_replace and
    layer % moe_layer_freq == 0."""

    num_experts_key = "n_routed_experts"

    def is_sparse(self):
        cfg = self.cfg
        return (cfg.get("n_routed_experts") is not None and
                self.layer >= cfg.get("first_k_dense_replace", 0) and
                self.layer % cfg.get("moe_layer_freq", 1) == 0)

    def group_mask(self, group_scores, margins):
        cfg = self.cfg
        _, group_idx = topk(group_scores, cfg["topk_group"], margins,
                            "group top-k")
        mask = np.zeros_like(group_scores)
        np.put_along_axis(mask, group_idx, 1.0, axis=-1)
        per = self.num_experts // cfg["n_group"]
        return np.repeat(mask, per, axis=-1).astype(bool)

    def route(self, W, x, margins):
        cfg = self.cfg
        logits = linear(x, W[self.name("gate.weight")])
        scores = softmax(logits)
        method = cfg.get("topk_method", "greedy")
        if method == "greedy":
            w, idx = topk(scores, self.top_k, margins)
        elif method == "group_limited_greedy":
            grouped = scores.reshape(len(x), cfg["n_group"], -1)
            mask = self.group_mask(grouped.max(axis=-1), margins)
            tmp = np.where(mask, scores, 0.0)
            w, idx = topk(tmp, self.top_k, margins)
        else:
            raise ValueError(f"topk_method {method}")
        w = w * cfg.get("routed_scaling_factor", 1.0)
        return idx, w

    def shared(self, W, x):
        if not self.cfg.get("n_shared_experts"):
            return None
        g, u, d = (W[self.name(f"shared_experts.{p}.weight")]
                   for p in self.expert_names)
        return gated_mlp(x, g, u, d, self.act)


class DeepseekV3(DeepseekV2):
    """DeepseekV3MoE with its noaux_tc MoEGate: sigmoid scores; selection on
    scores + e_score_correction_bias; a group's score is the sum of its two
    best selection scores; experts outside the topk_group best groups are
    masked to 0 (modeling_deepseek.py) before the top-k; the weights are the
    unbiased scores of the chosen experts, renormalized (sum + 1e-20) when
    norm_topk_prob (transformers 5; the checkpoint's modeling_deepseek.py
    only when top_k > 1 as well), then always multiplied by
    routed_scaling_factor."""

    def route(self, W, x, margins):
        cfg = self.cfg
        logits = linear(x, W[self.name("gate.weight")])
        scores = sigmoid(logits)
        choice = scores + W[self.name("gate.e_score_correction_bias")]
        grouped = choice.reshape(len(x), cfg["n_group"], -1)
        top2 = -np.sort(-grouped, axis=-1)[..., :2].sum(axis=-1)
        mask = self.group_mask(top2, margins)
        tmp = np.where(mask, choice, 0.0)
        _, idx = topk(tmp, self.top_k, margins)
        # Masking with 0 (the modeling code) and excluding the other groups
        # (DeepSeek's own inference code) agree unless a chosen expert's
        # selection score is not positive.
        if (np.take_along_axis(tmp, idx, axis=-1) <= 0).any():
            margins.ambiguous("a chosen expert has selection score <= 0")
        w = np.take_along_axis(scores, idx, axis=-1)
        if cfg.get("norm_topk_prob", False):
            w = w / (w.sum(axis=-1, keepdims=True) + 1e-20)
        w = w * cfg["routed_scaling_factor"]
        return idx, w


HF_FAMILIES = {
    "mixtral": Mixtral,
    "qwen2_moe": Qwen2Moe,
    "qwen3_moe": Qwen3Moe,
    "olmoe": Olmoe,
    "deepseek_v2": DeepseekV2,
    "deepseek_v3": DeepseekV3,
}


def hf_layer(cfg, W, layer, x, drop_policy=None, capacity_factor=None):
    """The sparse MoE block of layer `layer` of the model described by the
    config.json dict `cfg`, with checkpoint tensors `W` (name -> array), on
    x: [T, D]. Returns (out, stats)."""
    fam = HF_FAMILIES[cfg["model_type"]](cfg, layer)
    if not fam.is_sparse():
        raise ValueError(f"layer {layer} is dense in this model")
    x = x.astype(np.float64)
    W = {n: a.astype(np.float64) for n, a in W.items()}
    margins = Margins()
    idx, w = fam.route(W, x, margins)
    keep = apply_capacity(idx, w, fam.num_experts, drop_policy,
                          capacity_factor, margins)
    out = combine(x, idx, w, keep, lambda e, rows: fam.expert(W, e, rows))
    shared = fam.shared(W, x)
    if shared is not None:
        out = out + shared
    return out, {"assignments": int(keep.size),
                 "dropped": int((~keep).sum()),
                 "margins": margins}


#===----------------------------------------------------------------------===#
# DESIGN §1 semantics for hand-written moe.layer modules
#===----------------------------------------------------------------------===#


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


SCORING = {
    "softmax": softmax,
    "sigmoid": sigmoid,
    # DeepSeek-V4 (transformers.activations.SqrtSoftplusActivation).
    "sqrt_softplus": lambda x: np.sqrt(softplus(x)),
}


def sparsemixer(logits, jitter, margins):
    """PhiMoE's sparsemixer in eval mode (k = 2): the best and second best
    logits; pick j's weight is the softmax at the pick of the logits with
    every expert e masked where (m_j - l[e]) / max(|l[e]|, m_j) > 2·jitter
    (m_j the pick's logit), and for the second pick the first masked too."""
    tokens, experts = logits.shape
    _, idx = topk(logits, 2, margins)
    w = np.zeros((tokens, 2))
    for j in range(2):
        m = np.take_along_axis(logits, idx[:, j:j + 1], axis=-1)
        ratio = (m - logits) / np.maximum(np.abs(logits), m)
        masked = ratio > 2 * jitter
        if j == 1:
            masked |= np.arange(experts) == idx[:, :1]
        z = np.where(masked, -np.inf, logits)
        w[:, j] = np.take_along_axis(softmax(z), idx[:, j:j + 1],
                                     axis=-1)[:, 0]
        # An expert near the mask's threshold decides by rounding.
        near = np.abs(ratio - 2 * jitter)[np.isfinite(ratio)]
        if near.size:
            margins.gap(near.min(), "sparsemixer mask")
    return idx, w


def spec_route(spec, logits, bias, margins):
    """Token-choice routing of DESIGN §1: returns (indices, weights)."""
    if spec["scoring"] == "sparsemixer":
        idx, w = sparsemixer(logits, spec["jitter"], margins)
        return idx, finish_weights(spec, w)
    if spec.get("logit_scale") is not None:
        # muse_spark: router_logits * output_multiplier.
        logits = logits * spec["logit_scale"]
    cap = spec.get("softcap")
    if cap:
        logits = cap * np.tanh(logits / cap)
    scoring = spec["scoring"]
    if spec.get("order", "score_first") == "topk_first":
        # gpt-oss, Mixtral-style top-k of the logits; llama4: sigmoid;
        # Kolibri: selection on the logits plus the bias, weights from the
        # unbiased logits.
        sel = logits if bias is None else logits + bias
        _, idx = topk(sel, spec["k"], margins)
        sel_logits = np.take_along_axis(logits, idx, axis=-1)
        return idx, finish_weights(spec, SCORING[scoring](sel_logits))
    s = SCORING[scoring](logits)
    sel = s if bias is None else s + bias
    groups = spec.get("num_groups", 0)
    if groups:
        grouped = sel.reshape(len(sel), groups, -1)
        if spec.get("group_score", "top2sum") == "top2sum":
            gscore = -np.sort(-grouped, axis=-1)[..., :2].sum(axis=-1)
        else:
            gscore = grouped.max(axis=-1)
        _, gidx = topk(gscore, spec["topk_groups"], margins, "group top-k")
        gmask = np.zeros_like(gscore, dtype=bool)
        np.put_along_axis(gmask, gidx, True, axis=-1)
        mask = np.repeat(gmask, sel.shape[1] // groups, axis=-1)
        fill = spec.get("group_fill")
        if fill is not None:
            # axk2: the other groups' experts compete with score `fill`.
            # They tie at exactly `fill`, which both implementations break
            # to the lower index: no rounding hazard, so the margin is
            # taken over the distinct values only.
            sel = np.where(mask, sel, fill)
            _, idx = topk(sel, spec["k"])
            for row, m in zip(sel, mask):
                vals = np.unique(np.append(row[m], fill))
                if len(vals) > 1:
                    margins.gap(np.diff(vals).min(), "top-k (group_fill)")
            w = np.take_along_axis(s, idx, axis=-1)
            return idx, finish_weights(spec, w)
        sel = np.where(mask, sel, -np.inf)
    _, idx = topk(sel, spec["k"], margins)
    return idx, finish_weights(spec, np.take_along_axis(s, idx, axis=-1))


def finish_weights(spec, w):
    """Renormalization (steps 6) and scaling (step 7) of the k weights."""
    if spec.get("normalize", False):
        p = spec.get("norm_p")
        if p:
            # dbrx: torch.norm(w, p).
            n = (np.abs(w) ** p).sum(axis=-1, keepdims=True) ** (1.0 / p)
        else:
            n = w.sum(axis=-1, keepdims=True)
        if spec.get("norm_min") is not None:
            # ernie4_5_moe: clamp(sum, min=moe_norm_min).
            n = np.maximum(n, spec["norm_min"])
        else:
            eps = spec.get("norm_eps")
            if eps is None:
                eps = 0.0 if spec["scoring"] == "softmax" else 1e-20
            n = n + eps
        w = w / n
    return w * spec.get("scaling", 1.0)


def spec_expert_choice(logits, capacity, margins):
    """Expert-choice routing: expert e takes the `capacity` tokens with the
    highest softmax score s[:, e] (ties to the lower token). Returns the
    per-token [T, E] weight matrix (0 where not chosen)."""
    s = softmax(logits)
    tokens, experts = s.shape
    c = min(capacity, tokens)
    _, idx = topk(s.T, c, margins, "expert-choice top-C")
    chosen = np.zeros_like(s)
    for e in range(experts):
        chosen[idx[e], e] = s[idx[e], e]
    return chosen


def spec_layer(spec, W, x):
    """A moe.layer described by `spec` (see moe_case.py) with tensors `W`
    under the names of the spec's module. Returns (out, stats)."""
    x = x.astype(np.float64)
    W = {n: a.astype(np.float64) for n, a in W.items()}
    act_name = spec["activation"]
    act = MOE_ACT[act_name]
    alpha = spec.get("alpha")
    after = bool(spec.get("limit_after_act"))
    caps = (spec.get("gate_softcap"), spec.get("up_softcap"))
    margins = Margins()
    eps = spec.get("rms_norm_eps")

    def norm(v, name, e=None):
        """v through the RMSNorm `name` (row e of it), or v without it."""
        if name not in W:
            return v
        w = W[name] if e is None else W[name][e]
        return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps) * w

    # The router and the routed experts read the tokens through their norms.
    logits = linear(norm(x, "router_norm"), W["router"])
    if "router_bias" in W:
        logits = logits + W["router_bias"]
    # Stacked shared experts: the router's last S rows weight them.
    stacked = spec.get("stacked_shared", 0)
    shared_logits = logits[:, logits.shape[1] - stacked:]
    logits = logits[:, :logits.shape[1] - stacked]
    # The routed experts; the router's last identity_experts rows (before
    # any stacked shared rows) are the identity experts.
    experts = logits.shape[1] - spec.get("identity_experts", 0)
    # The routed experts read x through pre_norm, projected into a latent
    # space when there is one.
    xe = norm(x, "pre_norm")
    if "latent_in" in W:
        xe = linear(xe, W["latent_in"]) + W.get("latent_in_bias", 0.0)

    def bias(name, e):
        return W[name][e] if name in W else 0.0

    def expert(e, rows):
        if e >= experts:
            return rows  # an identity expert
        g = linear(rows, W["w1"][e]) + bias("b1", e)
        if spec["gated"]:
            u = linear(rows, W["w3"][e]) + bias("b3", e)
            h = spec_glu(act_name, g, u, spec.get("limit"), alpha, after,
                         *caps)
        else:
            h = act(g)
        return norm(linear(h, W["w2"][e]) + bias("b2", e), "expert_norm", e)

    stats = {"margins": margins}
    if spec["routing"] == "expert_choice":
        chosen = spec_expert_choice(logits, spec["capacity"], margins)
        idx = np.tile(np.arange(experts), (len(x), 1))
        keep = chosen != 0
        out = combine(xe, idx, chosen, keep, expert)
        stats["assignments"] = int(keep.sum())
        stats["dropped"] = 0
    else:
        idx, w = spec_route(spec, logits, W.get("bias"), margins)
        if stacked:
            # The k selected and the S shared sigmoids, renormalized
            # together (sum plus norm_eps), then scaled.
            sel = sigmoid(np.take_along_axis(logits, idx, axis=-1))
            gammas = sigmoid(shared_logits)
            scale = spec["scaling"]
            if spec["normalize"]:
                norm_eps = spec.get("norm_eps")
                denom = (sel.sum(-1, keepdims=True)
                         + gammas.sum(-1, keepdims=True)
                         + (1e-20 if norm_eps is None else norm_eps))
                scale = scale / denom
            w, gammas = sel * scale, gammas * scale
        if "expert_scale" in W:
            scale = W["expert_scale"]
            w = w * (scale[0] if scale.size == 1 else scale[idx])
            if stacked:
                gammas = gammas * scale[0]
        keep = apply_capacity(idx, w, experts, spec.get("drop_policy"),
                              spec.get("capacity_factor"), margins)
        if spec.get("weights_on_input"):
            # llama4_text: the token is scaled by its weight before the
            # expert, whose output is added unweighted.
            out = np.zeros_like(xe)
            for e in np.unique(idx):
                rows, slots = np.nonzero((idx == e) & keep)
                if rows.size:
                    y = expert(int(e), w[rows, slots][:, None] * xe[rows])
                    np.add.at(out, rows, y)
        else:
            out = combine(xe, idx, w, keep, expert)
        stats["assignments"] = int(keep.size)
        stats["dropped"] = int((~keep).sum())
    if "latent_out" in W:
        out = linear(out, W["latent_out"]) + W.get("latent_out_bias", 0.0)
    if stacked:
        for e in range(stacked):
            g = linear(x, W["shared_w1"][e])
            if "shared_w3" in W:
                h = spec_glu(act_name, g, linear(x, W["shared_w3"][e]),
                             spec.get("shared_limit"), alpha, after, *caps)
            else:
                h = act(g)
            out = out + gammas[:, e:e + 1] * linear(h, W["shared_w2"][e])
    elif spec.get("shared"):
        g = linear(x, W["shared_w1"]) + W.get("shared_b1", 0.0)
        if "shared_w3" in W:
            u = linear(x, W["shared_w3"]) + W.get("shared_b3", 0.0)
            h = spec_glu(act_name, g, u, spec.get("shared_limit"), alpha,
                         after, *caps)
        else:
            h = act(g)
        y = linear(h, W["shared_w2"]) + W.get("shared_b2", 0.0)
        y = norm(y, "shared_norm")
        if "shared_gate" in W:
            y = sigmoid(linear(x, W["shared_gate"])) * y
        out = out + y
    if spec.get("output_scale") is not None:
        out = out * spec["output_scale"]
    if "output_bias" in W:
        out = out + W["output_bias"]
    return norm(out, "post_norm"), stats
