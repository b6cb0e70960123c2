#===- families.py - the fixtures make_fixtures.py builds ------------------===#
#
# One entry per fixture, VARIANTS[name] = {
#   "model_type": the transformers model type,
#   "config":     overrides on top of the tiny sizes of make_fixtures.py (a
#                 dict value of a sub-config field is merged into it),
#   "layer":      the layer whose MoE block is recorded (the first sparse
#                 one when absent),
#   "block":      the block's module name under the layer, where the module
#                 with an `experts` child is not the block,
#   "wrap":       a function (decoder layer, config) -> module, where the
#                 family's MoE computation is not one module (the decoder
#                 layer combines it with other modules),
#   "adjust":     a function (block) changing the drawn values (in place),
#   "scale":      the standard deviation of the block's random matrices
#                 (make_fixtures.py's SCALE, 0.3, when absent),
#   "check":      a function (block, x) -> the smallest margin of the
#                 block's discrete decisions, where it selects without
#                 torch.topk (make_fixtures.py checks every topk call),
#   "refused":    why the block cannot be recorded (no fixture is built),
#   "note":       what the block computes, from the modeling code; the
#                 importer's family table is written from it.
# }
#
# Notation in the notes: x [T, D] the block input, E routed experts, k
# selected per token, F an expert's inner size; "logits" = x @ W_router^T.
# "SwiGLU(g, u)" = act(g) * u with act = hidden_act (silu by default).
# Saved layouts are those of save_pretrained (transformers 5.25 converts
# the fused in-memory parameters back to each family's checkpoint format);
# fixture.json's "tensor_sources" gives, for every saved tensor, the slice
# of the in-memory parameter it holds.
#
#===----------------------------------------------------------------------===#

import torch
from torch import nn

VARIANTS = {}

# Inner sizes of the experts and of the shared experts where a variant sets
# them (make_fixtures.py's TINY has the same): D = 16, E = 8, F = 6, Fs = 10,
# all different, so that no saved shape is ambiguous ([E, 2F, D] against
# [E, D, 2F], [F, D] against [D, F]).
F = 6
FS = 10


def add(name, model_type, note, config=None, **kw):
    assert name not in VARIANTS, name
    v = {"model_type": model_type, "config": dict(config or {}), "note": note}
    v.update(kw)
    VARIANTS[name] = v


# Common layouts of the saved experts.
PER_EXPERT = ("Saved per expert: experts.{e}.gate_proj/up_proj [F, D], "
              "down_proj [D, F] (in memory fused gate_up_proj [E, 2F, D] = "
              "[gate; up] concatenated along 2F, down_proj [E, D, F]).")
FUSED = ("Saved fused as in memory: experts.gate_up_proj [E, 2F, D] = "
         "[gate; up] concatenated along 2F, experts.down_proj [E, D, F] "
         "(nn.Linear orientation: h = x @ gate_up_proj[e]^T).")

# DeepSeek-V3 router (DeepseekV3TopkRouter and its copies).
DSV3_ROUTER = (
    "router: logits in fp32 (gate.weight [E, D]); s = sigmoid(logits); "
    "choice = s + gate.e_score_correction_bias [E]; group limit: choice "
    "viewed [T, n_group, E/n_group], group score = sum of its top-2 choice "
    "values, keep topk_group groups (others -inf); top-k of choice; "
    "weights = s gathered (unbiased); if norm_topk_prob: w /= (sum w + "
    "1e-20); w *= routed_scaling_factor")
DSV3_SHARED = ("Shared experts: one SwiGLU MLP shared_experts.{gate,up,down}"
               "_proj of inner size moe_intermediate_size * n_shared_experts, "
               "added ungated: y = routed + shared(x)")


# ---------------------------------------------------------------- afmoe
AFMOE = (
    "router: router.gate.weight [E, D], logits fp32, s = sigmoid(logits); "
    "top-k of s + expert_bias [E] (block tensor mlp.expert_bias); w = s "
    "gathered, w /= (sum w + 1e-20), w *= route_scale. Experts SwiGLU(silu). "
    "Shared: shared_experts SwiGLU MLP of inner moe_intermediate_size * "
    "num_shared_experts, added ungated. " + PER_EXPERT)
add("afmoe", "afmoe", AFMOE + " This fixture: One shared expert, route_scale "
    "1.0.",
    {"num_shared_experts": 1})
add("afmoe-route_scale", "afmoe", AFMOE + " This fixture: route_scale 2.5, "
    "two shared "
    "experts (shared inner size 2F).", {"route_scale": 2.5,
                                        "num_shared_experts": 2})

# ------------------------------------------------------------------ aria
ARIA = (
    "router: router.weight [E, D]; top-k of the logits, softmax over the k "
    "selected logits (no bias, no scaling). Experts always SwiGLU with silu "
    "(hidden_act only affects the shared MLP), stored transposed: "
    "experts.fc1.weight [E, D, 2F] (x @ fc1[e], [gate | up] concatenated "
    "along 2F), experts.fc2.weight [E, F, D]. Shared: shared_experts "
    "SwiGLU(hidden_act) MLP of inner intermediate_size * "
    "moe_num_shared_experts, added ungated.")
add("aria_text", "aria_text", ARIA, {"intermediate_size": F,
                                     "moe_num_shared_experts": 2})
add("aria_text-k1", "aria_text", ARIA + " This fixture: k = 1 (weight 1).",
    {"intermediate_size": F, "moe_num_shared_experts": 1, "moe_topk": 1})

# ------------------------------------------------------------------ axk1
AXK1 = (DSV3_ROUTER + ". Experts SwiGLU. " + DSV3_SHARED + ". Then the sum "
        "goes through post_mlp_layernorm (RMSNorm, weight [D], eps "
        "rms_norm_eps 1e-6, computed in fp32): y = RMSNorm(routed + shared); "
        "its weight is saved at layer level: layers.{l}.post_mlp_layernorm."
        "weight. " + PER_EXPERT)
add("axk1", "axk1", AXK1)
add("axk1-nogroup", "axk1", AXK1 + " This fixture: n_group = topk_group = 1.",
    {"n_group": 1, "topk_group": 1, "routed_scaling_factor": 1.0})

# ------------------------------------------------------------------ axk2
AXK2 = (
    "router as DeepSeek-V3 (sigmoid, e_score_correction_bias for choice, sum "
    "of top-2 per group) except that the masked-out groups are filled with "
    "0.0 (not -inf) and the group limit is skipped when n_group is None; "
    "weights = unbiased s, norm_topk_prob (+1e-20), * routed_scaling_factor. "
    "Experts SwiGLU. " + DSV3_SHARED + ". " + PER_EXPERT)
add("axk2", "axk2", AXK2)
add("axk2-nogroup", "axk2", AXK2 + " This fixture: n_group = None: no group "
    "limit; "
    "norm_topk_prob false.",
    {"n_group": None, "topk_group": None, "norm_topk_prob": False})

# -------------------------------------------------------- bailing_hybrid
BAILING = (
    DSV3_ROUTER.replace("n_group", "n_group (num_expert_group)").replace(
        "norm_topk_prob", "norm_topk_prob (moe_renormalize)") +
    ". Experts: g, u = chunk(x @ gate_up^T); g = silu(g); if the layer's "
    "limit L = swiglu_limits[layer] (expert_swiglu_limit_list) != 0: g = "
    "min(g, L) AFTER the activation, u = clamp(u, -L, L); h = g * u. "
    "Shared: shared_experts SwiGLU of inner moe_intermediate_size * "
    "num_shared_experts, same clamp with share_expert_swiglu_limit_list, "
    "added ungated. Dense layers first (first_k_dense_replace). The "
    "selection bias is saved as mlp.gate.expert_bias. " + PER_EXPERT)
add("bailing_hybrid", "bailing_hybrid", BAILING)
add("bailing_hybrid-limit", "bailing_hybrid", BAILING + " This fixture: "
    "Limits 0.5 "
    "(experts) and 0.7 (shared) at the recorded layer 2.",
    {"expert_swiglu_limit_list": [0, 0, 0.5, 0.5],
     "share_expert_swiglu_limit_list": [0, 0, 0.7, 0.7]}, layer=2)

# ------------------------------------------------------------------ beam
BEAM = (
    "router: gate.weight [E, D], fp32 logits, s = sigmoid; choice = s + "
    "gate.e_score_correction_bias; DeepSeek-V3 group limit (sum of top-2 "
    "per group, keep topk_group groups, others -inf); top-k; w = s gathered; "
    "if norm_topk_prob: w /= (sum w + 1e-20). No shared experts. Experts "
    "SwiGLU computed in fp32. routed_scaling_factor multiplies the block "
    "OUTPUT (after the weighted sum), not the weights. Sparse layers from "
    "mlp_layer_types (default dense, dense, dense, sparse). " + PER_EXPERT)
add("beam", "beam", BEAM)
add("beam-nonorm", "beam", BEAM + " This fixture: norm_topk_prob false, "
    "scaling 1.0, "
    "n_group 2 / topk_group 1.",
    {"norm_topk_prob": False, "routed_scaling_factor": 1.0, "n_group": 2,
     "topk_group": 1})

# ----------------------------------------------------------- cohere2_moe
COHERE = (
    "router: gate.weight [E, D]; top-k of the raw logits; then weights = "
    "softmax over the k selected logits (expert_selection_fn softmax) or "
    "sigmoid of each (sigmoid; then divided by their sum if norm_topk_prob, "
    "no epsilon). Experts SwiGLU of inner intermediate_size. Shared (when "
    "num_shared_experts > 0): shared_experts SwiGLU MLP of inner "
    "intermediate_size * num_shared_experts, combined by "
    "shared_expert_combination_strategy: 'sum' y = routed + shared, "
    "'average' y = (routed + shared) / 2. " + PER_EXPERT)
add("cohere2_moe", "cohere2_moe", COHERE, {"intermediate_size": F})
add("cohere2_moe-sigmoid", "cohere2_moe", COHERE + " This fixture: Sigmoid "
    "selection, "
    "norm_topk_prob true, one shared expert, 'average'.",
    {"intermediate_size": F, "expert_selection_fn": "sigmoid",
     "num_shared_experts": 1, "shared_expert_combination_strategy": "average"})
add("cohere2_moe-sigmoid_nonorm_sum", "cohere2_moe", COHERE + " This "
    "fixture: Sigmoid, no "
    "normalization, one shared expert, 'sum'.",
    {"intermediate_size": F, "expert_selection_fn": "sigmoid",
     "norm_topk_prob": False, "num_shared_experts": 1,
     "shared_expert_combination_strategy": "sum"})
add("cohere2_moe-dense_prefix", "cohere2_moe", COHERE + " This fixture: "
    "mlp_layer_types dense, sparse, sparse, sparse (a dense prefix layer of "
    "prefix_dense_intermediate_size): layer 1; two shared experts, 'sum'.",
    {"intermediate_size": F, "num_shared_experts": 2,
     "shared_expert_combination_strategy": "sum",
     "mlp_layer_types": ["dense", "sparse", "sparse", "sparse"],
     "prefix_dense_intermediate_size": 16})

# ------------------------------------------------------------------ dbrx
DBRX = (
    "router: router.layer.weight [E, D]; p = softmax(logits); top-k of p; "
    "if moe_normalize_expert_weights (a p-norm order q, default 1) is not "
    "None: w = w / ||w||_q over the k (torch.norm, no epsilon; q = 1 is the "
    "sum of |w|). Experts GLU with act = ffn_act_fn['name'] (silu): "
    "out = (act(x @ w1_e^T) * (x @ v1_e^T)) @ w2_e, where w1, v1, w2 are "
    "each ONE 2-D tensor [E * F, D] (experts.mlp.w1/v1/w2, rows e*F..e*F+F "
    "are expert e; w2 is used untransposed: [F, D] per expert). No shared "
    "experts.")
DBRX_SIZES = {"d_model": 16, "n_heads": 2, "n_layers": 2, "max_seq_len": 64,
              "vocab_size": 64,
              "attn_config": {"kv_n_heads": 1, "rope_theta": 10000.0}}
add("dbrx", "dbrx", DBRX + " This fixture: k = 2.",
    dict(DBRX_SIZES, ffn_config={
    "ffn_hidden_size": 8, "moe_num_experts": 8, "moe_top_k": 2}))
add("dbrx-l2norm", "dbrx", DBRX + " This fixture: k = 3, q = 2 (L2 "
    "normalization).",
    dict(DBRX_SIZES, ffn_config={
        "ffn_hidden_size": 8, "moe_num_experts": 8, "moe_top_k": 3,
        "moe_normalize_expert_weights": 2.0}))
add("dbrx-nonorm", "dbrx", DBRX + " This fixture: k = 2, no normalization "
    "(None).",
    dict(DBRX_SIZES, ffn_config={
        "ffn_hidden_size": 8, "moe_num_experts": 8, "moe_top_k": 2,
        "moe_normalize_expert_weights": None}))

# ----------------------------------------------------------- deepseek_v2
DSV2 = (
    "router: gate.weight [E, D], fp32 logits; s = softmax(logits); "
    "topk_method 'greedy': top-k of s; 'group_limited_greedy': group score "
    "= MAX of s in each of n_group groups, keep topk_group groups (others "
    "s := 0.0), top-k of the masked s. NO renormalization (norm_topk_prob is "
    "ignored by this code), w = s * routed_scaling_factor. No selection "
    "bias. Experts SwiGLU. " + DSV3_SHARED + ". " + PER_EXPERT)
add("deepseek_v2", "deepseek_v2", DSV2 + " This fixture: greedy.")
add("deepseek_v2-group_limited", "deepseek_v2", DSV2 + " This fixture: "
    "group_limited_greedy "
    "with n_group 4, topk_group 1, routed_scaling_factor 2.0.",
    {"topk_method": "group_limited_greedy", "topk_group": 1,
     "routed_scaling_factor": 2.0})
add("deepseek_v2-k1_gelu", "deepseek_v2", DSV2 + " This fixture: greedy, k = "
    "1, "
    "hidden_act gelu (exact erf GELU) in routed and shared experts.",
    {"num_experts_per_tok": 1, "hidden_act": "gelu"})

# ----------------------------------------------------------- deepseek_v3
DSV3 = DSV3_ROUTER + ". Experts SwiGLU. " + DSV3_SHARED + ". " + PER_EXPERT
add("deepseek_v3", "deepseek_v3", DSV3 + " This fixture: "
    "first_k_dense_replace 3: layer 3.")
add("deepseek_v3-nonorm", "deepseek_v3", DSV3 + " This fixture: "
    "norm_topk_prob false, "
    "routed_scaling_factor 1.0, n_group 1 (no group limit), layer 1 "
    "(first_k_dense_replace 1).",
    {"norm_topk_prob": False, "routed_scaling_factor": 1.0, "n_group": 1,
     "topk_group": 1, "first_k_dense_replace": 1})
add("deepseek_v3-k1_group", "deepseek_v3", DSV3 + " This fixture: k = 1, "
    "n_group 4, "
    "topk_group 1, two shared experts (shared inner 2F).",
    {"num_experts_per_tok": 1, "topk_group": 1, "n_shared_experts": 2})
add("deepseek_v32", "deepseek_v32", DSV3 + " Same MoE as "
    "DeepSeek-V3 "
    "(DeepseekV32MoE).")
add("glm_moe_dsa", "glm_moe_dsa", DSV3 + " Same MoE as "
    "DeepSeek-V3 "
    "(GlmMoeDsaMoE).")
add("exaone_moe", "exaone_moe", DSV3.replace("n_shared_experts",
                                             "num_shared_experts") +
    " Same MoE as DeepSeek-V3 (ExaoneMoeSparseMoEBlock); the "
    "selection "
    "bias is saved as mlp.e_score_correction_bias (not under gate).")
add("glm4_moe", "glm4_moe", DSV3 + " Same MoE as DeepSeek-V3 "
    "(Glm4MoeMoE).")
add("glm4_moe-scaled", "glm4_moe", DSV3 + " This fixture: "
    "routed_scaling_factor 2.5, "
    "n_group 2 / topk_group 1.",
    {"routed_scaling_factor": 2.5, "n_group": 2, "topk_group": 1})
add("glm4_moe-dense2", "glm4_moe", DSV3 + " This fixture: "
    "first_k_dense_replace 2: layer 2; norm_topk_prob false.",
    {"first_k_dense_replace": 2, "norm_topk_prob": False})
add("glm4_moe_lite", "glm4_moe_lite", DSV3 + " Same MoE as "
    "DeepSeek-V3 "
    "(routed_scaling_factor default 1.8).")
add("solar_open", "solar_open", DSV3 + " Same MoE as "
    "DeepSeek-V3.")
add("minicpm5_moe", "minicpm5_moe", DSV3 + " Same MoE as "
    "DeepSeek-V3 (router "
    "in fp32 with autocast off; routed_scaling_factor default 3.66).")
add("dots1", "dots1", DSV3 + " Same MoE as DeepSeek-V3; "
    "n_shared_experts has "
    "no default (None) and must be given.", {"n_shared_experts": 1})
add("dots1-nonorm", "dots1", DSV3 + " This fixture: norm_topk_prob false "
    "(dots1's "
    "default), routed_scaling_factor 1.0, no group limit.",
    {"n_shared_experts": 2, "n_group": 1, "topk_group": 1})
add("dots3_note_text", "dots3_note_text", DSV3.replace(
    "moe_intermediate_size * n_shared_experts",
    "shared_experts_intermediate_size * n_shared_experts") +
    " Same MoE as DeepSeek-V3 except the shared inner size.",
    {"num_key_value_heads": 2, "shared_experts_intermediate_size": FS,
     "n_group": 4, "topk_group": 2, "routed_scaling_factor": 2.0,
     "mlp_layer_types": ["dense", "sparse", "sparse", "sparse"]})
add("mimo_v2_flash", "mimo_v2_flash", DSV3_ROUTER + ". Experts SwiGLU. NO "
    "shared experts. " + PER_EXPERT)
KIMI = (DSV3_ROUTER.replace(
    "n_group", "n_group (num_expert_group)").replace(
    "norm_topk_prob", "norm_topk_prob (moe_renormalize)") +
    ". Experts SwiGLU. " + DSV3_SHARED.replace("n_shared_experts",
                                               "num_shared_experts") +
    ". Saved per expert as block_sparse_moe.experts.{e}.w1 (gate) / w3 (up) "
    "[F, D], w2 (down) [D, F]; block_sparse_moe.gate.weight, "
    "gate.e_score_correction_bias, block_sparse_moe.shared_experts.*.")
add("kimi_linear", "kimi_linear", KIMI)
add("kimi_linear-nonorm", "kimi_linear", KIMI + " This fixture: "
    "moe_renormalize false, no "
    "group limit, routed_scaling_factor 1.0.",
    {"moe_renormalize": False, "num_expert_group": 1, "topk_group": 1,
     "routed_scaling_factor": 1.0})
add("hy_v4", "hy_v4", DSV3_ROUTER + ". Experts: g, u = chunk(x @ gate_up^T); "
    "g = min(g, swiglu_limit) BEFORE silu, u = clamp(u, -limit, limit); h = "
    "silu(g) * u (always silu). " + DSV3_SHARED + " (no clamp in the shared "
    "MLP; its gate_proj is saved as shared_experts.linear_gate.weight). "
    + FUSED, {"swiglu_limit": 0.6})

# ----------------------------------------------------------- deepseek_v4
DSV4 = (
    "router (layers of mlp_layer_types 'moe'): gate.weight [E, D], logits = "
    "x @ W^T; s = score_fn(logits) with score_fn = ACT2FN[scoring_func] "
    "(default 'sqrtsoftplus' = sqrt(softplus(logits)); 'sigmoid' also); "
    "top-k of s + gate.e_score_correction_bias; w = s gathered, w /= (sum w "
    "+ 1e-20) ALWAYS (norm_topk_prob is not read), w *= "
    "routed_scaling_factor (default 1.5). Experts: g, u = chunk(x @ "
    "gate_up^T); "
    "g = min(g, swiglu_limit), u = clamp(u, -limit, limit) BEFORE the "
    "activation; h = silu(g) * u. Shared: shared_experts MLP of inner "
    "moe_intermediate_size (n_shared_experts is not read) with the same "
    "clamp, added ungated. The first 3 layers ('hash_moe') select experts by "
    "a token-id table tid2eid[input_ids] instead (not recorded). Saved "
    "under model.layers.{l}.ffn: experts.{e}.w1 (gate) / w3 (up) [F, D], w2 "
    "(down) [D, F], gate.weight [E, D], gate.bias [E] (= "
    "e_score_correction_bias), shared_experts.w1/w3/w2.")
add("deepseek_v4", "deepseek_v4", DSV4 + " This fixture: layer 3, "
    "swiglu_limit 1.0.", {"swiglu_limit": 1.0},
    layer=3)
add("deepseek_v4-sigmoid", "deepseek_v4", DSV4 + " This fixture: "
    "scoring_func sigmoid, "
    "routed_scaling_factor 1.0.",
    {"scoring_func": "sigmoid", "routed_scaling_factor": 1.0,
     "swiglu_limit": 1.0}, layer=3)
add("deepseek_v4-hash", "deepseek_v4", DSV4, layer=0, refused=(
    "hash_moe layers route by tid2eid[input_ids] (token ids), which the "
    "block's hidden-state input does not carry"))

# ------------------------------------------------------------------ doge
DOGE = (
    "Cross-domain MoE (DogeCDMoE, module mlp; no `experts` child): a dense "
    "SwiGLU MLP (mlp.gate_proj/up_proj/down_proj, inner intermediate_size) "
    "PLUS product-key single-neuron experts. Router: L = x @ "
    "router_gate.weight^T, [T, 2K] with K = floor(sqrt(E)), T = all tokens "
    "of the batch (B*S). The code views L as [2, T, K] (view(2, B*S, -1)), "
    "which is NOT a split of each token's 2K logits: with Lf = L flattened "
    "row-major, token t's x-keys are sx_t = Lf[t*K : (t+1)*K] and its y-keys "
    "sy_t = Lf[T*K + t*K : T*K + (t+1)*K], so a token's routing uses other "
    "tokens' logits (the block is not token-wise; y depends on T and the "
    "token order; fixture T = 7, batch 1). Each of sx_t, sy_t is sorted "
    "(top-K of K); candidates = all K*K sums sx_t[i] + sy_t[j] with expert "
    "index i*K + j; top-k of the sums; w = softmax over the k sums (then w "
    "/= sum w again if norm_topk_prob). Expert e is a rank-1 unit: a_e = "
    "act(down_embed[e] . x) (down_embed.weight [E, D]), out += w_e * a_e * "
    "up_embed[e] (up_embed.weight [E, D]). y = mlp(x) + out. The block "
    "returns (y, router_logits).")
add("doge", "doge", DOGE + " This fixture: E = 9 (K = 3), k = 2.",
    {"is_moe": True, "num_experts": 9, "num_experts_per_tok": 2,
     "intermediate_size": F}, block="mlp")
add("doge-norm", "doge", DOGE + " This fixture: E = 25 (K = 5), k = 4, "
    "norm_topk_prob "
    "true.", {"is_moe": True, "num_experts": 25, "num_experts_per_tok": 4,
     "norm_topk_prob": True, "intermediate_size": F}, block="mlp")

# ------------------------------------------------------------------ ergo
ERGO = (
    "router: gate.linear.weight [E, D] in fp32, s = sigmoid(logits); top-k "
    "of s + gate.e_score_correction_bias; w = s gathered, w = w / (sum w + "
    "1e-20) * moe_routed_scaling_factor (default 2*sqrt(2)). Experts are "
    "ungated: h = relu2(x @ up_proj[e]) @ down_proj[e] (relu2 = relu(.)^2, "
    "always), then a PER-EXPERT RMSNorm of each route's output (weight "
    "post_expert_norm.weight [E, D], eps rms_norm_eps, default 1e-12, fp32) "
    "BEFORE the routing weight: routed = sum_k w_k * RMSNorm_e(h_e). Shared: "
    "relu2 MLP (shared_experts.up_proj/down_proj, inner "
    "shared_intermediate_size) followed by an RMSNorm (weight [D]), added "
    "ungated. Saved transposed and renamed: feed_forward.up_proj [E, D, F], "
    "down_proj [E, F, D], gate_kernel [D, E] (= router weight transposed), "
    "router_bias [E], expert_output_norm.scale [E, D], shared_up_proj [D, "
    "Fs], shared_down_proj [Fs, D], shared_expert_output_norm.scale [D].")
ERGO_SIZES = {"hidden_size": 16, "num_attention_heads": 2,
              "num_key_value_heads": 1, "head_dim": 8,
              "first_dense_intermediate_size": 16,
              "shared_intermediate_size": FS, "rms_norm_eps": 1e-6}
add("ergo", "ergo", ERGO + " This fixture: rms_norm_eps 1e-6.", ERGO_SIZES)
add("ergo-scale1", "ergo", ERGO + " This fixture: moe_routed_scaling_factor "
    "1.0, k = 3.",
    dict(ERGO_SIZES, moe_routed_scaling_factor=1.0, num_experts_per_tok=3))

# ---------------------------------------------------------- ernie4_5_moe
ERNIE = (
    "router: gate.weight [E, D], fp32 (autocast off); p = softmax(logits); "
    "top-k of p + gate.moe_statics.e_score_correction_bias ([1, E], "
    "squeezed); w = p gathered (unbiased), w /= max(sum w, moe_norm_min "
    "1e-12). Experts SwiGLU. Shared (moe_num_shared_experts > 0): "
    "shared_experts SwiGLU MLP of inner moe_intermediate_size * "
    "moe_num_shared_experts (biases if use_bias), added ungated. Sparse "
    "layers: moe_layer_start_index..moe_layer_end_index every "
    "moe_layer_interval. The bias is saved as mlp.moe_statics."
    "e_score_correction_bias [1, E]. " + PER_EXPERT)
add("ernie4_5_moe", "ernie4_5_moe", ERNIE + " This fixture: Two shared "
    "experts.")
add("ernie4_5_moe-noshared", "ernie4_5_moe", ERNIE + " This fixture: No "
    "shared experts, "
    "k = 3.", {"moe_num_shared_experts": 0, "moe_k": 3})
add("ernie4_5_moe-bias", "ernie4_5_moe", ERNIE + " This fixture: One shared "
    "expert with "
    "biases (use_bias true: shared_experts.{gate,up,down}_proj.bias; the "
    "routed experts have none).", {"use_bias": True,
                                   "moe_num_shared_experts": 1})
add("ernie4_5_moe-start2", "ernie4_5_moe", ERNIE + " This fixture: "
    "moe_layer_start_index 2: layer 2.", {"moe_layer_start_index": 2})

# ------------------------------------------------------------- flex_olmo
OLMOE = (
    "router: gate.weight [E, D]; p = softmax(logits) (fp32); top-k of p; if "
    "norm_topk_prob: w /= sum w (no epsilon). No bias, no scaling, no "
    "shared experts. Experts SwiGLU of inner intermediate_size. " + PER_EXPERT)
add("flex_olmo", "flex_olmo", OLMOE + " This fixture: norm_topk_prob false.",
    {"intermediate_size": F})
add("olmoe", "olmoe", OLMOE + " This fixture: norm_topk_prob false.",
    {"intermediate_size": F})
add("olmoe-norm", "olmoe", OLMOE + " This fixture: norm_topk_prob true.",
    {"intermediate_size": F, "norm_topk_prob": True})

# ----------------------------------------------------------------- flint
FLINT = (
    "router: gate.weight [E, D], fp32 logits; top-k of sigmoid(logits) (no "
    "bias); if norm_topk_prob: w /= sum w (no epsilon). Experts SwiGLU. "
    "Shared: shared_expert SwiGLU MLP of inner shared_expert_intermediate_"
    "size, added ungated. Layers in mlp_only_layers (default 0, 1) are "
    "dense. " + PER_EXPERT)
add("flint", "flint", FLINT + " This fixture: norm_topk_prob true, layer 2.")
add("flint-nonorm", "flint", FLINT + " This fixture: norm_topk_prob false, "
    "layer 1 "
    "(mlp_only_layers [0]).",
    {"norm_topk_prob": False, "mlp_only_layers": [0]})


# ---------------------------------------------------------------- gemma4
class Gemma4MoeBranch(nn.Module):
    """The MoE branch of Gemma4TextDecoderLayer.forward (enable_moe_block):
    on the residual stream x (the layer's input to its feed-forward part),
    post_feedforward_layernorm_2(experts(pre_feedforward_layernorm_2(x),
    router(x)))."""

    def __init__(self, layer):
        super().__init__()
        self.router = layer.router
        self.experts = layer.experts
        self.pre_feedforward_layernorm_2 = layer.pre_feedforward_layernorm_2
        self.post_feedforward_layernorm_2 = layer.post_feedforward_layernorm_2
        self.description = ("MoE branch of Gemma4TextDecoderLayer (router, "
                            "experts, pre/post_feedforward_layernorm_2)")

    def forward(self, hidden_states):
        flat = hidden_states.reshape(-1, hidden_states.shape[-1])
        _, top_k_weights, top_k_index = self.router(flat)
        h = self.pre_feedforward_layernorm_2(flat)
        h = self.experts(h, top_k_index, top_k_weights)
        h = h.reshape(hidden_states.shape)
        return self.post_feedforward_layernorm_2(h)


def gemma4_branch(layer, config):
    return Gemma4MoeBranch(layer) if getattr(layer, "enable_moe_block",
                                             False) else None


GEMMA4 = (
    "No MoE module: Gemma4TextDecoderLayer with enable_moe_block runs its "
    "dense MLP and an MoE branch on the same residual r and adds "
    "post_feedforward_layernorm_1(mlp(...)) + (branch). The fixture records "
    "the branch alone: y = post_feedforward_layernorm_2(experts("
    "pre_feedforward_layernorm_2(x), route(x))). Router on x: RMSNorm "
    "without weight (eps rms_norm_eps, default 1e-6, x * (mean(x^2) + "
    "eps)^-0.5 in fp32), * router.scale [D] * D^-0.5, logits = . @ "
    "router.proj.weight^T; "
    "p = softmax (fp32); top-k (top_k_experts) of p; w /= sum w (no eps); w "
    "*= router.per_expert_scale[idx] ([E]). Experts SwiGLU with "
    "hidden_activation (gelu_pytorch_tanh). Gemma4 RMSNorms multiply by "
    "weight (not 1 + weight). Saved under layers.{l}: router.proj.weight "
    "[E, D], router.scale [D], router.per_expert_scale [E], "
    "pre/post_feedforward_layernorm_2.weight [D]. Experts: " +
    FUSED[0].lower() + FUSED[1:])
GEMMA4_CFG = {"enable_moe_block": True, "num_experts": 8, "top_k_experts": 2,
              "moe_intermediate_size": F, "hidden_size_per_layer_input": 0,
              "vocab_size_per_layer_input": 64, "intermediate_size": 16}
add("gemma4_text", "gemma4_text", GEMMA4, GEMMA4_CFG, wrap=gemma4_branch)
add("gemma4_text-k3", "gemma4_text", GEMMA4 + " This fixture: k = 3.",
    dict(GEMMA4_CFG, top_k_experts=3), wrap=gemma4_branch)

# --------------------------------------------------------------- gpt_oss
GPTOSS = (
    "router: router.weight [E, D] + router.bias [E]; top-k of the logits; "
    "softmax over the k selected logits. Experts with biases, stored "
    "transposed and INTERLEAVED: gate_up = x @ gate_up_proj[e] ([E, D, 2F]) "
    "+ gate_up_proj_bias[e] ([E, 2F]); gate = gate_up[..., 0::2], up = "
    "gate_up[..., 1::2]; gate = min(gate, limit); up = clamp(up, -limit, "
    "limit); glu = gate * sigmoid(alpha * gate); h = (up + 1) * glu; out = h "
    "@ down_proj[e] ([E, F, D]) + down_proj_bias[e] ([E, D]). alpha = "
    "swiglu_alpha (default 1.702), limit = swiglu_limit (default 7.0). No "
    "shared experts. The "
    "block returns (y, router_scores). Saved as in memory.")
add("gpt_oss", "gpt_oss", GPTOSS, {"intermediate_size": F})
add("gpt_oss-limit", "gpt_oss", GPTOSS + " This fixture: swiglu_limit 0.5 "
    "(clamps "
    "active), k = 3.", {"intermediate_size": F, "swiglu_limit": 0.5,
                        "num_experts_per_tok": 3})

# ------------------------------------------------------------ granitemoe
GRANITE = (
    "router: router.weight [E, D] (saved as router.layer.weight); top-k of "
    "the logits (fp32), softmax over the k. Experts SwiGLU, saved as "
    "input_linear.weight [E, 2F, D] ([gate; up] concatenated) and "
    "output_linear.weight [E, D, F].")
add("granitemoe", "granitemoe", GRANITE + " This fixture: No shared MLP.",
    {"intermediate_size": F})
add("granitemoe-k1", "granitemoe", GRANITE + " This fixture: k = 1.",
    {"intermediate_size": F, "num_experts_per_tok": 1})


class SumOf(nn.Module):
    """x -> sum of the named children of a decoder layer applied to x."""

    def __init__(self, layer, names):
        super().__init__()
        for n in names:
            self.add_module(n, getattr(layer, n))
        self.names = names
        self.description = "sum of " + " and ".join(names)

    def forward(self, hidden_states):
        outs = [getattr(self, n)(hidden_states) for n in self.names]
        outs = [o[0] if isinstance(o, tuple) else o for o in outs]
        return sum(outs)


def granite_with_shared(layer, config):
    if getattr(layer, "block_sparse_moe", None) is None or \
            getattr(layer, "shared_mlp", None) is None:
        return None
    return SumOf(layer, ["block_sparse_moe", "shared_mlp"])


GRANITE_SHARED = (
    GRANITE + " Shared MLP (shared_intermediate_size > 0) is a sibling of "
    "block_sparse_moe in the decoder layer, recorded here with it: y = "
    "block_sparse_moe(x) + shared_mlp(x), shared_mlp = SwiGLU with "
    "input_linear.weight [2Fs, D] ([gate; up]) and output_linear.weight "
    "[D, Fs], ungated.")
add("granitemoeshared", "granitemoeshared", GRANITE_SHARED,
    {"intermediate_size": F, "shared_intermediate_size": FS},
    wrap=granite_with_shared)
add("granitemoeshared-noshared", "granitemoeshared", GRANITE + " This "
    "fixture: "
    "shared_intermediate_size 0: no shared MLP.", {"intermediate_size": F})
add("granitemoe_swa", "granitemoe_swa", GRANITE_SHARED.replace(
    "saved as input_linear.weight [E, 2F, D] ([gate; up] concatenated) and "
    "output_linear.weight [E, D, F]",
    "saved fused as block_sparse_moe.experts.gate_up_proj [E, 2F, D] ([gate; "
    "up] concatenated) and experts.down_proj [E, D, F]").replace(
    "(saved as router.layer.weight)", "(saved as router.weight)"),
    {"intermediate_size": F, "shared_intermediate_size": FS},
    wrap=granite_with_shared)
add("granitemoehybrid", "granitemoehybrid", GRANITE_SHARED + " This fixture: "
    "(hybrid: the "
    "shared MLP always exists.)",
    {"intermediate_size": F, "shared_intermediate_size": FS,
     "mamba_n_heads": 4, "mamba_d_head": 8, "mamba_n_groups": 1,
     "mamba_d_state": 8, "mamba_chunk_size": 8},
    wrap=granite_with_shared)

# -------------------------------------------------------- hunyuan_v1_moe
HUNYUAN = (
    "router: gate.wg.weight [E, D] (fp32 Linear, input cast to fp32); p = "
    "softmax(logits); top-k of p; w /= sum w (always, no eps). Experts "
    "SwiGLU of inner intermediate_size. Shared: shared_mlp SwiGLU of inner "
    "intermediate_size, added ungated. num_experts / moe_topk may be "
    "per-layer lists. " + PER_EXPERT)
add("hunyuan_v1_moe", "hunyuan_v1_moe", HUNYUAN,
    {"intermediate_size": F})
add("hunyuan_v1_moe-topk_list", "hunyuan_v1_moe", HUNYUAN + " This fixture: "
    "moe_topk is the per-layer list [3, 1, 1, 1]: k = 3 at layer 0.",
    {"intermediate_size": F, "moe_topk": [3, 1, 1, 1]})

# ----------------------------------------------------------------- hy_v3
HYV3 = (
    "router: gate.weight [E, D], fp32 logits, s = sigmoid; top-k of s + "
    "e_score_correction_bias (a buffer of the BLOCK: mlp.e_score_correction_"
    "bias, passed to the router); w = s gathered, w /= (sum w + 1e-20) "
    "always, w *= router_scaling_factor (default 2.826). Experts SwiGLU. "
    "Shared: "
    "shared_experts SwiGLU of inner moe_intermediate_size * "
    "num_shared_experts, added ungated (in fp32 when "
    "enable_moe_fp32_combine). Saved names differ from the modules: "
    "mlp.expert_bias (the block's e_score_correction_bias), "
    "mlp.router.gate.weight (gate.weight), mlp.shared_mlp.{gate,up,down}_"
    "proj.weight (shared_experts). " + PER_EXPERT)
add("hy_v3", "hy_v3", HYV3)
add("hy_v3-scale1", "hy_v3", HYV3 + " This fixture: router_scaling_factor "
    "1.0, k = 3.",
    {"router_scaling_factor": 1.0, "num_experts_per_tok": 3})

# --------------------------------------------------------------- inkling
INKLING = (
    "router: gate.weight [E + S, D] (S = n_shared_experts rows at the END), "
    "fp32; s = sigmoid(logits); top-k over the first E of s + "
    "gate.e_score_correction_bias [E]; the k selected logits and the S "
    "shared logits are concatenated; weights = softmax of logsigmoid over "
    "those k+S (= sigmoid(l_i) / sum_j sigmoid(l_j)), * route_scale (default "
    "8.0) * "
    "gate.global_scale [1]; the first k weight the routed experts, the last "
    "S (gammas) weight the shared experts. Experts SwiGLU. Shared experts: "
    "stacked shared_experts.gate_proj/up_proj [S, F, D], down_proj [S, D, "
    "F]; out = sum_s gamma_s * down_s(act(gate_s x) * up_s x). y = routed + "
    "shared. Routed experts: " + FUSED[0].lower() + FUSED[1:] +
    " gate.global_scale [1].")
add("inkling_text", "inkling_text", INKLING + " This fixture: S = 2.")
add("inkling_text-1shared", "inkling_text", INKLING + " This fixture: S = 1, "
    "route_scale "
    "1.0.", {"n_shared_experts": 1, "route_scale": 1.0})

INKLING2 = (
    "router: gate.weight [E, D] (fp32 input); s = ACT2FN[scoring_func]"
    "(logits) (sigmoid by default); top-k of s + gate.e_score_correction_"
    "bias; w = s gathered, w /= (sum w + 1e-20), w *= route_scale "
    "(alias routed_scaling_factor, default 8.0). Experts: g, u = chunk(x @ "
    "gate_up^T) in "
    "fp32; h = softcap(g, c_g) * sigmoid(g) * softcap(u, c_u) with "
    "softcap(v, c) = c * tanh(v / c), c_g = mlp_gate_softcap (default 4.0), "
    "c_u = "
    "mlp_up_softcap (default 25.0) (the sigmoid sees the raw gate). No "
    "shared "
    "experts. Saved (under model.llm.layers.{l}.mlp) as experts.w13_weight "
    "[E, 2F, D] with gate and up rows INTERLEAVED (row 2i = gate row i, row "
    "2i+1 = up row i), experts.w2_weight [E, D, F], gate.weight [E, D], "
    "gate.bias [E] (= e_score_correction_bias).")
INKLING2_CFG = {"unpadded_vocab_size": 64, "route_scale": 1.0}
add("inkling2_text", "inkling2_text", INKLING2 + " This fixture: route_scale "
    "1.0.",
    INKLING2_CFG)
add("inkling2_text-scaled", "inkling2_text", INKLING2 + " This fixture: "
    "route_scale 8.0 "
    "(default), softcaps 1.0 / 2.0 (active).",
    {"unpadded_vocab_size": 64, "mlp_gate_softcap": 1.0,
     "mlp_up_softcap": 2.0})
add("inkling2_text-sqrtsoftplus", "inkling2_text", INKLING2 + " This fixture: "
    "scoring_func sqrtsoftplus (s = sqrt(softplus(logits))), route_scale 1.0.",
    dict(INKLING2_CFG, scoring_func="sqrtsoftplus"))
add("inkling2_loop_text", "inkling2_loop_text", INKLING2 + " This fixture: "
    "Same MoE as "
    "inkling2_text. route_scale 1.0.", INKLING2_CFG)

# ----------------------------------------------------------------- jamba
JAMBA = (
    "router: router.weight [E, D]; p = softmax(logits) fp32; top-k of p; "
    "NO renormalization. Experts SwiGLU of inner intermediate_size. No "
    "shared experts. MoE every expert_layer_period layers from "
    "expert_layer_offset. Saved per expert (experts.{e}.gate_proj/up_proj/"
    "down_proj), router as router.weight.")
add("jamba", "jamba", JAMBA + " This fixture: layer 1.",
    {"intermediate_size": F})
add("jamba-layer3_k1", "jamba", JAMBA + " This fixture: k = 1, layer 3.",
    {"intermediate_size": F, "num_experts_per_tok": 1}, layer=3)

# ---------------------------------------------------------------- jetmoe
JETMOE = (
    "JetMoeMoE (module mlp; the attention is a mixture too, not recorded): "
    "router: router.layer.weight [E, D]; top-k of the logits (fp32), "
    "softmax over the k. Experts: input_linear.weight [E, 2F, D] -> chunk "
    "-> act(first half) * second half (activation_function silu), "
    "output_linear.weight [E, D, F]. Then a block bias: y = sum + "
    "mlp.bias [D] (added once per token, not weighted). No shared experts.")
add("jetmoe", "jetmoe", JETMOE, {"intermediate_size": F}, block="mlp")
add("jetmoe-k1", "jetmoe", JETMOE + " This fixture: k = 1.",
    {"intermediate_size": F, "num_experts_per_tok": 1}, block="mlp")

# --------------------------------------------------------------- kolibri
KOLIBRI = (
    "router: gate.weight [E, D], fp32 logits; top-k of logits + "
    "gate.e_score_correction_bias (bias added to the RAW logits); w = "
    "sigmoid(logits gathered) (top-k then sigmoid); if norm_topk_prob: w /= "
    "sum w (no eps). Experts SwiGLU. Shared: shared_experts SwiGLU of inner "
    "shared_expert_intermediate_size, added ungated. The selection bias is "
    "saved OUTSIDE the mlp: layers.{l}.moe.router.expert_bias [E]. " +
    PER_EXPERT)
add("kolibri1", "kolibri1", KOLIBRI + " This fixture: norm_topk_prob false.")
add("kolibri1-norm", "kolibri1", KOLIBRI + " This fixture: norm_topk_prob "
    "true.",
    {"norm_topk_prob": True})
add("kolibri1_1", "kolibri1_1", KOLIBRI + " Same MoE as "
    "kolibri1.",
    {"head_dim": 16, "index_num_heads": 2, "mlp_only_intermediate_size": 16,
     "index_topk": 8, "index_pool_size": 16, "index_compression": 4})

# ---------------------------------------------------------------- laguna
LAGUNA = (
    "router: gate.weight [E, D]; logits fp32; if moe_router_logit_softcapping "
    "c > 0: logits = c * tanh(logits / c); s = sigmoid(logits); top-k of s + "
    "gate.e_score_correction_bias; w = s gathered, w /= sum w (always, no "
    "eps). routed = experts(x) * moe_routed_scaling_factor (on the OUTPUT); "
    "y = routed + shared_experts(x) (SwiGLU of inner "
    "shared_expert_intermediate_size, ungated). Saved: the bias as "
    "mlp.experts.e_score_correction_bias, the shared MLP as "
    "mlp.shared_expert.*. " + PER_EXPERT)
add("laguna", "laguna", LAGUNA + " This fixture: No softcap, scaling 1.0.")
add("laguna-softcap", "laguna", LAGUNA + " This fixture: softcap 1.5, "
    "scaling 2.0.",
    {"moe_router_logit_softcapping": 1.5, "moe_routed_scaling_factor": 2.0})

# ------------------------------------------------------------- lara_mini
LARA = (
    "router: gate.weight [E, D], fp32 logits; p = softmax; top-k of p; if "
    "norm_topk_prob: w /= sum w (no eps). Experts SwiGLU. Shared: "
    "shared_expert SwiGLU of inner shared_expert_intermediate_size, added "
    "in full (no gate). " + FUSED)
add("lara_mini", "lara_mini", LARA + " This fixture: norm_topk_prob true.")
add("lara_mini-nonorm", "lara_mini", LARA + " This fixture: norm_topk_prob "
    "false.",
    {"norm_topk_prob": False})

# -------------------------------------------------------------- lfm2_moe
LFM2 = (
    "router: gate.weight [E, D]; s = sigmoid(logits); if use_expert_bias: "
    "top-k of s + expert_bias (a buffer of the BLOCK, feed_forward."
    "expert_bias [E]) and w = s gathered, else top-k of s; if "
    "norm_topk_prob: w /= (sum w + 1e-6); w *= routed_scaling_factor. "
    "Experts SwiGLU with silu (always). No shared experts. The first "
    "num_dense_layers layers are dense. Saved per expert as "
    "experts.{e}.w1 (gate) [F, D], w3 (up) [F, D], w2 (down) [D, F].")
LFM2_CFG = {"layer_types": ["full_attention"] * 4, "num_dense_layers": 1,
            "intermediate_size": 16}
add("lfm2_moe", "lfm2_moe", LFM2 + " This fixture: Expert bias, "
    "normalization, layer 1.",
    LFM2_CFG)
add("lfm2_moe-nobias", "lfm2_moe", LFM2 + " This fixture: use_expert_bias "
    "false, "
    "norm_topk_prob false, routed_scaling_factor 2.0.",
    dict(LFM2_CFG, use_expert_bias=False, norm_topk_prob=False,
         routed_scaling_factor=2.0))

# ---------------------------------------------------------------- llama4
LLAMA4 = (
    "router: router.weight [E, D]; top-k of the logits; scores = sigmoid of "
    "the k selected logits (others 0; no normalization). The scores multiply "
    "the expert INPUT: expert e gets x * score_e (every expert runs on "
    "every token, unselected ones on 0). Experts stored transposed: "
    "gate_up = (x * s) @ gate_up_proj[e] ([E, D, 2F], [gate | up] "
    "concatenated), out = (up * silu(gate)) @ down_proj[e] ([E, F, D]). "
    "Shared: shared_expert SwiGLU of inner intermediate_size_mlp, added "
    "ungated. The block returns (y, router_logits). Saved as in memory.")
add("llama4_text", "llama4_text", LLAMA4 + " This fixture: k = 1 (the "
    "model's setting).",
    {"intermediate_size": F, "intermediate_size_mlp": 16,
     "num_experts_per_tok": 1})
add("llama4_text-k2", "llama4_text", LLAMA4 + " This fixture: k = 2.",
    {"intermediate_size": F, "intermediate_size_mlp": 16})
add("llama4_text-step2", "llama4_text", LLAMA4 + " This fixture: k = 1, "
    "interleave_moe_layer_step 2: MoE layers 1 and 3, layer 1 recorded.",
    {"intermediate_size": F, "intermediate_size_mlp": 16,
     "num_experts_per_tok": 1, "interleave_moe_layer_step": 2})

# --------------------------------------------------------- longcat_flash
LONGCAT = (
    "router: router.classifier.weight [E + Z, D] (Z = zero_expert_num "
    "identity experts after the E real ones), fp32 logits = x @ W^T (a "
    "classifier.bias, created when router_bias, is not applied); p = "
    "softmax over all E + Z; top-k of p + router.e_score_correction_bias "
    "[E + Z]; w = p gathered (NO "
    "renormalization) * routed_scaling_factor. Selected indices >= E are "
    "identity experts: y += x * (sum of their weights). Experts SwiGLU of "
    "inner expert_ffn_hidden_size. No shared experts in the block (the "
    "layer's dense mlps are separate). " + PER_EXPERT)
LONGCAT_CFG = {"expert_ffn_hidden_size": F, "ffn_hidden_size": 16,
               "moe_topk": 2, "num_layers": 1, "q_lora_rank": 8,
               "kv_lora_rank": 8, "qk_nope_head_dim": 8,
               "qk_rope_head_dim": 8, "v_head_dim": 8,
               "routed_scaling_factor": 1.0}
add("longcat_flash", "longcat_flash", LONGCAT + " This fixture: Z = 4, k = "
    "3, scaling 1.0.",
    dict(LONGCAT_CFG, zero_expert_num=4, moe_topk=3))
add("longcat_flash-nozero", "longcat_flash", LONGCAT + " This fixture: Z = "
    "0, k = 2, "
    "routed_scaling_factor 6.0 (default).",
    dict(LONGCAT_CFG, zero_expert_num=0, routed_scaling_factor=6.0))
add("longcat_flash-router_bias", "longcat_flash", LONGCAT + " This fixture: "
    "Z = 2, k = 2, "
    "router_bias true: router.classifier.bias [E + Z] exists and is saved, "
    "but the forward IGNORES it (F.linear with classifier.weight only).",
    dict(LONGCAT_CFG, zero_expert_num=2, router_bias=True))

# ---------------------------------------------------------------- mellum
add("mellum", "mellum", OLMOE.replace("inner intermediate_size",
                                      "inner moe_intermediate_size") +
    " This fixture: norm_topk_prob true (MellumSparseMoeBlock).")

# --------------------------------------------------------------- minimax
MINIMAX = (
    "router: gate.weight [E, D]; p = softmax(logits) fp32; top-k of p; w /= "
    "sum w (always, no eps). Experts SwiGLU of inner intermediate_size. No "
    "shared experts. Saved per expert as block_sparse_moe.experts.{e}.w1 "
    "(gate) [F, D], w3 (up) [F, D], w2 (down) [D, F], "
    "block_sparse_moe.gate.weight.")
add("minimax", "minimax", MINIMAX, {"intermediate_size": F})
add("mixtral", "mixtral", MINIMAX.replace("MiniMax", "Mixtral") +
    " This fixture: (Mixtral: same computation.)", {"intermediate_size": F})
add("mixtral-k1_gelu", "mixtral", MINIMAX + " This fixture: k = 1 (weight "
    "1), hidden_act "
    "gelu_pytorch_tanh.", {"intermediate_size": F, "num_experts_per_tok": 1,
                           "hidden_act": "gelu_pytorch_tanh"})
add("minimax_m2", "minimax_m2", (
    "router: gate.weight [E, D]; s = sigmoid(logits) fp32; top-k of s + "
    "e_score_correction_bias (a buffer of the BLOCK, "
    "block_sparse_moe.e_score_correction_bias); w = s gathered, w /= sum w "
    "(always, no eps). Experts SwiGLU. No shared experts. Saved per expert "
    "as block_sparse_moe.experts.{e}.w1 (gate) / w3 (up) [F, D], w2 (down) "
    "[D, F]."), {"intermediate_size": F})
MINIMAX_M3 = (
    "router: gate.weight [E, D]; s = sigmoid(logits) fp32; top-k of s + "
    "gate.e_score_correction_bias; w = s gathered, w /= sum w (no eps). "
    "Experts: g, u = chunk(x @ gate_up^T) (concatenated halves); g = min(g, "
    "limit), u = clamp(u, -limit, limit); h = (u + 1) * g * sigmoid(alpha * "
    "g) (alpha = swiglu_alpha, default 1.702; limit = swiglu_limit, default "
    "7.0). routed = "
    "experts(x) * routed_scaling_factor (on the output). Shared: "
    "shared_experts with the same clamped GLU, fused gate_up_proj.weight "
    "[2Fs, D] ([gate; up]), down_proj.weight [D, Fs], added ungated. Saved "
    "fused: experts.gate_up_proj [E, 2F, D], experts.down_proj [E, D, F].")
add("minimax_m3_vl_text", "minimax_m3_vl_text", MINIMAX_M3 + " This fixture: "
    "scaling 2.0, "
    "limit 7.0.", {"intermediate_size": F, "shared_intermediate_size": FS,
                   "dense_intermediate_size": 16})
add("minimax_m3_vl_text-limit", "minimax_m3_vl_text", MINIMAX_M3 + " This "
    "fixture: scaling "
    "1.0, limit 0.5 (clamps active).",
    {"intermediate_size": F, "shared_intermediate_size": FS,
     "dense_intermediate_size": 16, "routed_scaling_factor": 1.0,
     "swiglu_limit": 0.5})

# ------------------------------------------------------------ nemotron_h
NEMOTRON = (
    DSV3_ROUTER + ". Experts are UNGATED: h = relu2(x @ up_proj[e]^T) (relu2 "
    "= relu(.)^2, mlp_hidden_act) @ down_proj[e]^T; saved per expert "
    "experts.{e}.up_proj [F, D], down_proj [D, F]. If moe_latent_size L is "
    "set, the routed experts work in a latent space: x_l = "
    "fc1_latent_proj(x) [L], routed = fc2_latent_proj(sum_k w_k "
    "expert_e(x_l)) (routing still on x). Shared: shared_experts ungated "
    "relu2 MLP (up_proj/down_proj, inner moe_shared_expert_intermediate_"
    "size), added ungated. Saved under backbone.layers.{l}.mixer.")
NEMOTRON_CFG = {"moe_shared_expert_intermediate_size": FS,
                "hybrid_override_pattern": "ME", "num_hidden_layers": 2,
                "mamba_num_heads": 4, "mamba_head_dim": 8, "ssm_state_size": 8,
                "n_groups": 1, "chunk_size": 8}
add("nemotron_h", "nemotron_h", NEMOTRON, NEMOTRON_CFG)
add("nemotron_h-latent", "nemotron_h", NEMOTRON + " This fixture: "
    "moe_latent_size 8, "
    "norm_topk_prob false, routed_scaling_factor 2.0.",
    dict(NEMOTRON_CFG, moe_latent_size=8, norm_topk_prob=False,
         routed_scaling_factor=2.0))
add("nemotron_h-mlp_bias", "nemotron_h", NEMOTRON + " This fixture: "
    "mlp_bias true: the shared MLP's up_proj and down_proj have biases "
    "(shared_experts.up_proj.bias [Fs], down_proj.bias [D]); the routed "
    "experts have none.",
    dict(NEMOTRON_CFG, mlp_bias=True))
add("nemotron_h-latent_bias", "nemotron_h", NEMOTRON + " This fixture: "
    "moe_latent_size 8 and mlp_bias true: fc1_latent_proj and "
    "fc2_latent_proj have biases ([L], [D]), and so do the shared MLP's "
    "up_proj and down_proj.",
    dict(NEMOTRON_CFG, moe_latent_size=8, mlp_bias=True))

# ---------------------------------------------------------------- phimoe
def phimoe_margin(block, x):
    """The smallest margin of sparsemixer's discrete decisions (eval mode):
    the gaps top-1 - top-2 and top-2 - top-3 of the logits, and for every
    expert the distance of (m - l) / max(|l|, m) from the mask threshold
    2 * router_jitter_noise, for m = top-1 and m = top-2."""
    router = block.router
    logits = torch.nn.functional.linear(x.double(), router.weight.double())
    eps2 = 2 * router.router_jitter_noise
    s = torch.sort(logits, dim=-1, descending=True).values
    margin = float(torch.min(torch.minimum(s[:, 0] - s[:, 1],
                                           s[:, 1] - s[:, 2])))
    for m in (s[:, 0:1], s[:, 1:2]):
        ratio = (m - logits) / logits.abs().clamp(min=m)
        margin = min(margin, float((ratio - eps2).abs().min()))
    return margin


add("phimoe", "phimoe", (
    "router: router.weight [E, D] (saved as gate.weight); sparsemixer, k = 2 "
    "only, in eval mode: top-1 = argmax(logits) m1; mask experts with "
    "(m1 - l) / max(|l|, m1) > 2 * router_jitter_noise (0.01) to -inf; w1 = "
    "softmax(masked)[top-1]. Then logits with top-1 set to -inf: top-2 = "
    "its argmax m2; mask (m2 - l) / max(|l|, m2) > 2 * jitter (computed "
    "from the ORIGINAL logits l, top-1 stays -inf); w2 = softmax(masked)"
    "[top-2]. No renormalization. Experts SwiGLU of inner intermediate_size. "
    "No shared experts. Saved per expert as experts.{e}.w1 (gate) / w3 (up) "
    "[F, D], w2 (down) [D, F] under block_sparse_moe. (Selection by max, "
    "not topk: checked by phimoe_margin.)"),
    {"intermediate_size": F}, check=phimoe_margin)

# ------------------------------------------------------------- qwen2_moe
QWEN2 = (
    "router: gate.weight [E, D]; p = softmax(logits) fp32; top-k of p; if "
    "norm_topk_prob: w /= sum w (no eps). Experts SwiGLU of inner "
    "moe_intermediate_size. Shared: shared_expert SwiGLU of inner "
    "shared_expert_intermediate_size, GATED: y = routed + "
    "sigmoid(x @ shared_expert_gate.weight^T) * shared(x) (gate weight "
    "[1, D]). Sparse layers: not in mlp_only_layers and (l + 1) % "
    "decoder_sparse_step == 0. " + PER_EXPERT)
add("qwen2_moe", "qwen2_moe", QWEN2 + " This fixture: norm_topk_prob false.")
add("qwen2_moe-norm", "qwen2_moe", QWEN2 + " This fixture: norm_topk_prob "
    "true.",
    {"norm_topk_prob": True})
add("qwen2_moe-step2", "qwen2_moe", QWEN2 + " This fixture: "
    "decoder_sparse_step 2: layer 1; "
    "k = 4.", {"decoder_sparse_step": 2, "num_experts_per_tok": 4})
add("qwen3_next", "qwen3_next", QWEN2 + " This fixture: norm_topk_prob true "
    "(Qwen3NextSparseMoeBlock).")
add("qwen3_5_moe_text", "qwen3_5_moe_text", QWEN2.replace(
    "if norm_topk_prob: w /= sum w", "w /= sum w ALWAYS") +
    " Qwen3_5MoeSparseMoeBlock has no norm_topk_prob.")
QWEN4_CFG = {"indexer_n_heads": 2, "indexer_kv_heads": 1,
             "indexer_head_dim": 8, "indexer_budget": 4,
             "indexer_compress_ratio": 2, "hc_lowrank": 8,
             "ple_embed_dim": 16, "ngram_vocab_size_base": 64,
             "split_ngram_parts": 2, "linear_key_head_dim": 8,
             "linear_value_head_dim": 8, "linear_num_key_heads": 2,
             "linear_num_value_heads": 2}
add("qwen4_exp_text", "qwen4_exp_text", QWEN2 + " This fixture: "
    "norm_topk_prob true "
    "(Qwen4ExpTextSparseMoeBlock).", QWEN4_CFG)

# ------------------------------------------------------------- qwen3_moe
QWEN3 = (
    "router: gate.weight [E, D]; p = softmax(logits) fp32; top-k of p; if "
    "norm_topk_prob: w /= sum w (no eps). Experts SwiGLU of inner "
    "moe_intermediate_size. No shared experts. " + PER_EXPERT)
add("qwen3_moe", "qwen3_moe", QWEN3 + " This fixture: norm_topk_prob false.")
add("qwen3_moe-norm", "qwen3_moe", QWEN3 + " This fixture: norm_topk_prob "
    "true.",
    {"norm_topk_prob": True})
add("qwen3_moe-gelu_k3", "qwen3_moe", QWEN3 + " This fixture: hidden_act "
    "gelu_pytorch_tanh, k = 3, norm_topk_prob true.",
    {"hidden_act": "gelu_pytorch_tanh", "num_experts_per_tok": 3,
     "norm_topk_prob": True})

# ------------------------------------------------------------------ zaya
ZAYA = (
    "router (layer 0, no EDA state): r = gate.down_proj(x) (Linear D -> "
    "router_hidden_size R, with bias); router MLP: RMSNorm(R) (weight, eps "
    "rms_norm_eps) -> fc1 (R -> R, bias) -> GELU (exact) -> fc2 (R -> R, "
    "bias) -> GELU -> out_proj (R -> E + 1, no bias); p = softmax over E + 1 "
    "classes; selection = top-k (k = 1 only) of p + gate.balancing_biases "
    "[E + 1] (the last class means 'skip'); w = p gathered (no "
    "renormalization); a token choosing class E gets weight 0 (output 0). "
    "Experts SwiGLU. No shared experts. Later layers add the previous "
    "layer's router state (EDA): not recorded. The block returns "
    "(y, router state). " + FUSED)
add("zaya", "zaya", ZAYA, {"num_experts_per_tok": 1, "router_hidden_size": 14},
    layer=0, scale=0.5)


def zaya_skip_bias(block):
    block.gate.balancing_biases[-1] += 0.5


add("zaya-skip", "zaya", ZAYA + " This fixture: The skip class's balancing "
    "bias is raised "
    "by 0.5 so that some tokens skip (output 0).",
    {"num_experts_per_tok": 1, "router_hidden_size": 14}, layer=0,
    adjust=zaya_skip_bias, scale=0.5)
