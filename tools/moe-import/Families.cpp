//===- Families.cpp - the table of Hugging Face MoE families --------------===//
//
// One row per `model_type`, transcribed from the forward of the family's
// sparse MoE block in transformers 5 (models/<family>/modeling_<family>.py).
// Rows that compute what another row computes start from it and change the
// names. docs/Import.md explains each row; tools/hf-fixtures records the
// real blocks' outputs that test/Integration/Import/families.test compares
// against.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <vector>

using namespace mlir::moe;
using namespace mlir::moe::import;

namespace {

/// Names the shared expert's projections `prefix`.gate_proj / up_proj /
/// down_proj.weight.
void sharedMlp(Family &f, llvm::StringRef prefix) {
  // The table outlives every row: the names are kept in a string pool.
  static llvm::StringSet<> pool;
  auto name = [&](llvm::StringRef proj) {
    return pool.insert((prefix + "." + proj + ".weight").str()).first->getKey();
  };
  f.sharedW1 = name("gate_proj");
  f.sharedW3 = name("up_proj");
  f.sharedW2 = name("down_proj");
}

/// MixtralSparseMoeBlock: softmax over all experts, top-k, the k weights
/// always renormalized; every layer sparse.
Family mixtral() {
  Family f;
  f.modelType = "mixtral";
  f.experts = "num_local_experts";
  f.topK = "num_experts_per_tok";
  f.expertSize = "intermediate_size";
  f.renormalize = Renormalize::always;
  f.block = "model.layers.{L}.block_sparse_moe.";
  f.gate = "experts.{e}.w1.weight";
  f.up = "experts.{e}.w3.weight";
  f.down = "experts.{e}.w2.weight";
  return f;
}

/// OlmoeSparseMoeBlock: softmax, top-k, renormalized when norm_topk_prob;
/// every layer sparse.
Family olmoe() {
  Family f;
  f.modelType = "olmoe";
  f.experts = "num_experts";
  f.topK = "num_experts_per_tok";
  f.expertSize = "intermediate_size";
  f.renormalize = Renormalize::byField;
  f.normalizeKey = "norm_topk_prob";
  return f;
}

/// Qwen3MoeSparseMoeBlock: as OLMoE with F = moe_intermediate_size, sparse
/// layers chosen by decoder_sparse_step and mlp_only_layers. transformers 5
/// writes the experts as `num_local_experts`; the Hub's configs say
/// `num_experts`.
Family qwen3Moe() {
  Family f = olmoe();
  f.modelType = "qwen3_moe";
  f.experts = "num_experts|num_local_experts";
  f.expertsMin = 0;
  f.expertSize = "moe_intermediate_size";
  f.sparse = SparseLayers::qwenStep;
  return f;
}

/// Qwen2MoeSparseMoeBlock: Qwen3-MoE plus a shared expert scaled by
/// sigmoid(shared_expert_gate(x)).
Family qwen2Moe() {
  Family f = qwen3Moe();
  f.modelType = "qwen2_moe";
  f.experts = "num_experts";
  f.shared = SharedSize::field;
  f.sharedKey = "shared_expert_intermediate_size";
  f.sharedGate = "shared_expert_gate.weight";
  sharedMlp(f, "shared_expert");
  return f;
}

/// DeepseekV2Moe (transformers): softmax; topk_method greedy or
/// group_limited_greedy (a group scores its best expert); never
/// renormalized, always multiplied by routed_scaling_factor. A shared MLP
/// of n_shared_experts · moe_intermediate_size is added ungated. Sparse
/// layers: n_routed_experts not null, layer >= first_k_dense_replace,
/// layer % moe_layer_freq == 0.
Family deepseekV2() {
  Family f;
  f.modelType = "deepseek_v2";
  f.experts = "n_routed_experts";
  f.expertsNullable = true;
  f.topK = "num_experts_per_tok";
  f.expertSize = "moe_intermediate_size";
  f.sparse = SparseLayers::firstDense;
  f.scoringKey = "scoring_func";
  f.scale = Scale::always;
  f.scalingKey = "routed_scaling_factor";
  f.methodKey = "topk_method";
  f.methodDefault = "greedy";
  f.methods = {{"greedy", std::nullopt},
               {"group_limited_greedy", GroupScore::max}};
  f.shared = SharedSize::countTimesF;
  f.sharedKey = "n_shared_experts";
  sharedMlp(f, "shared_experts");
  return f;
}

/// DeepseekV3MoE (transformers): sigmoid; noaux_tc: selection on scores +
/// gate.e_score_correction_bias, a group scores the sum of its two best;
/// the weights are the unbiased scores, renormalized (+1e-20) when
/// norm_topk_prob, then multiplied by routed_scaling_factor.
Family deepseekV3() {
  Family f = deepseekV2();
  f.modelType = "deepseek_v3";
  f.firstDenseRequired = true;
  f.scoring = Scoring::sigmoid;
  f.renormalize = Renormalize::byField;
  f.normalizeKey = "norm_topk_prob";
  f.normalizeDefault = std::nullopt;
  f.scalingDefault = std::nullopt;
  f.methodDefault = "noaux_tc";
  f.methods = {{"noaux_tc", GroupScore::top2sum}};
  f.bias = "gate.e_score_correction_bias";
  return f;
}

/// `base` under another model_type.
Family like(Family base, llvm::StringRef modelType) {
  base.modelType = modelType;
  return base;
}

std::vector<Family> buildTable() {
  std::vector<Family> rows = {mixtral(), qwen2Moe(),   qwen3Moe(),
                              olmoe(),   deepseekV2(), deepseekV3()};

  // The same computation as an existing row, under another name.
  rows.push_back(like(mixtral(), "minimax"));
  rows.push_back(like(olmoe(), "flex_olmo"));
  // Qwen3-Next, Qwen4-Exp: Qwen2-MoE's block, norm_topk_prob defaulting to
  // true; Qwen3.5-MoE always renormalizes. The last two make every layer
  // sparse.
  {
    Family f = like(qwen2Moe(), "qwen3_next");
    f.normalizeDefault = true;
    rows.push_back(f);
    f.modelType = "qwen4_exp_text";
    f.sparse = SparseLayers::all;
    rows.push_back(f);
    f.modelType = "qwen3_5_moe_text";
    f.renormalize = Renormalize::always;
    rows.push_back(f);
  }
  {
    Family f = like(qwen3Moe(), "mellum");
    f.experts = "num_local_experts";
    f.normalizeDefault = true;
    rows.push_back(f);
  }
  for (llvm::StringRef name :
       {"dots1", "glm4_moe", "glm4_moe_lite", "glm_moe_dsa", "deepseek_v32",
        "solar_open", "minicpm5_moe"}) {
    Family f = like(deepseekV3(), name);
    // These configuration classes default every routing field.
    f.firstDenseRequired = false;
    f.normalizeDefault = false;
    f.scalingDefault = 1.0;
    rows.push_back(f);
  }

  // Sigmoid scores with a selection bias, renormalized, scaled (DeepSeek-V3's
  // computation without its topk_method and group fields).
  Family v3 = deepseekV3();
  v3.methodKey = "";
  v3.firstDenseRequired = false;
  v3.normalizeDefault = false;
  v3.scalingDefault = 1.0;
  {
    // ExaoneMoeSparseMoEBlock: the bias belongs to the block.
    Family f = like(v3, "exaone_moe");
    f.experts = "num_experts";
    f.sharedKey = "num_shared_experts";
    f.bias = "e_score_correction_bias";
    rows.push_back(f);
  }
  {
    // MiMoV2FlashMoE: DeepSeek-V3's router, no shared expert.
    Family f = like(v3, "mimo_v2_flash");
    f.shared = SharedSize::none;
    rows.push_back(f);
  }
  {
    // KimiLinearMoE: DeepSeek-V3's router under Mixtral's names.
    Family f = like(v3, "kimi_linear");
    f.experts = "num_experts";
    f.topK = "num_experts_per_token";
    f.normalizeKey = "moe_renormalize";
    f.groupsKey = "num_expert_group";
    f.sharedKey = "num_shared_experts";
    f.block = "model.layers.{L}.block_sparse_moe.";
    f.gate = "experts.{e}.w1.weight";
    f.up = "experts.{e}.w3.weight";
    f.down = "experts.{e}.w2.weight";
    rows.push_back(f);
  }
  {
    // AXK2MoE: groups only when n_group is set.
    Family f = like(v3, "axk2");
    f.groupsNullable = true;
    f.groupFill = 0.0;
    rows.push_back(f);
  }
  {
    // AfmoeSparseMoeBlock: no groups, always renormalized (+1e-20), scaled
    // by route_scale; the first num_dense_layers layers are dense.
    Family f = like(v3, "afmoe");
    f.experts = "num_experts";
    f.firstDenseKey = "num_dense_layers";
    f.methods.clear();
    f.renormalize = Renormalize::always;
    f.scalingKey = "route_scale";
    f.sharedKey = "num_shared_experts";
    f.router = "router.gate.weight";
    f.bias = "expert_bias";
    rows.push_back(f);
  }
  {
    // HYV3MoE: as AfMoE, scaled by router_scaling_factor; the saved bias
    // is the block's expert_bias, the shared MLP is shared_mlp.
    Family f = like(v3, "hy_v3");
    f.experts = "num_experts|num_local_experts";
    f.methods.clear();
    f.renormalize = Renormalize::always;
    f.scalingKey = "router_scaling_factor";
    f.sharedKey = "num_shared_experts";
    f.router = "router.gate.weight";
    f.bias = "expert_bias";
    sharedMlp(f, "shared_mlp");
    rows.push_back(f);
  }
  {
    // FlintSparseMoeBlock: sigmoid, no bias, renormalized when
    // norm_topk_prob, an ungated shared expert; Qwen's sparse layers.
    Family f = like(qwen3Moe(), "flint");
    f.experts = "num_experts";
    f.scoring = Scoring::sigmoid;
    f.shared = SharedSize::field;
    f.sharedKey = "shared_expert_intermediate_size";
    sharedMlp(f, "shared_expert");
    rows.push_back(f);
  }
  {
    // LagunaSparseMoeBlock: sigmoid with a selection bias, always
    // renormalized, the routed sum scaled by moe_routed_scaling_factor, an
    // ungated shared expert.
    Family f = like(v3, "laguna");
    f.experts = "num_experts";
    f.methods.clear();
    f.renormalize = Renormalize::always;
    f.scalingKey = "moe_routed_scaling_factor";
    f.shared = SharedSize::field;
    f.sharedKey = "shared_expert_intermediate_size";
    f.bias = "experts.e_score_correction_bias";
    sharedMlp(f, "shared_expert");
    f.softcapKey = "moe_router_logit_softcapping";
    f.unsupportedUnlessZero = {"moe_apply_router_weight_on_input"};
    rows.push_back(f);
  }
  {
    // HunYuanMoEV1Moe: Mixtral's routing, the router under gate.wg, a
    // shared MLP of intermediate_size always added.
    Family f = like(qwen3Moe(), "hunyuan_v1_moe");
    f.experts = "num_experts";
    f.topK = "moe_topk";
    f.perLayerLists = true;
    f.expertSize = "intermediate_size";
    f.sparse = SparseLayers::all;
    f.renormalize = Renormalize::always;
    f.router = "gate.wg.weight";
    f.shared = SharedSize::field;
    f.sharedKey = "intermediate_size";
    sharedMlp(f, "shared_mlp");
    rows.push_back(f);
  }
  {
    // JambaSparseMoeBlock: softmax, top-k, never renormalized.
    Family f = like(olmoe(), "jamba");
    f.sparse = SparseLayers::periodOffset;
    f.renormalize = Renormalize::never;
    f.block = "model.layers.{L}.feed_forward.";
    f.router = "router.weight";
    rows.push_back(f);
  }
  {
    // MiniMaxM2SparseMoeBlock: sigmoid with the block's selection bias,
    // always renormalized (no epsilon: the sum of k sigmoids is far above
    // the 1e-20 moe.route adds), Mixtral's names.
    Family f = like(mixtral(), "minimax_m2");
    f.scoring = Scoring::sigmoid;
    f.bias = "e_score_correction_bias";
    rows.push_back(f);
  }
  {
    // LaraMiniSparseMoeBlock: Qwen's routing, gate and up fused in one
    // [E, 2F, D] tensor (gate first), an ungated shared expert.
    Family f = like(qwen3Moe(), "lara_mini");
    f.experts = "num_experts";
    f.sparse = SparseLayers::all;
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.gateUp = LayerSpec::GateUp::concatenated;
    f.shared = SharedSize::field;
    f.sharedKey = "shared_expert_intermediate_size";
    sharedMlp(f, "shared_expert");
    rows.push_back(f);
  }
  {
    // Ernie4_5_MoeSparseMoeBlock: softmax; selection on the scores plus
    // moe_statics.e_score_correction_bias (stored [1, E]); the k scores
    // divided by max(sum, moe_norm_min), which is their sum (k softmax
    // probabilities sum to far more than 1e-12); shared experts of
    // moe_num_shared_experts · F.
    Family f;
    f.modelType = "ernie4_5_moe";
    f.experts = "moe_num_experts";
    f.topK = "moe_k";
    f.expertSize = "moe_intermediate_size";
    f.sparse = SparseLayers::startEnd;
    f.renormalize = Renormalize::always;
    f.bias = "moe_statics.e_score_correction_bias";
    f.biasIsRow = true;
    f.shared = SharedSize::countTimesF;
    f.sharedKey = "moe_num_shared_experts";
    sharedMlp(f, "shared_experts");
    // use_bias gives the shared experts' projections biases.
    f.sharedBiasKey = "use_bias";
    rows.push_back(f);
  }
  {
    // Dots3NoteText: DeepSeek-V3's block, shared experts of
    // shared_experts_intermediate_size each.
    Family f = like(v3, "dots3_note_text");
    f.shared = SharedSize::fieldTimesCount;
    f.sharedKey = "shared_experts_intermediate_size";
    f.sharedCountKey = "n_shared_experts";
    rows.push_back(f);
  }
  {
    // BeamMoE: DeepSeek-V3's router, no shared expert; the scaling factor
    // multiplies the block's output, which is the weighted sum.
    Family f = like(v3, "beam");
    f.experts = "num_experts";
    f.shared = SharedSize::none;
    rows.push_back(f);
  }
  {
    // Lfm2MoeSparseMoeBlock: sigmoid, the block's expert_bias when
    // use_expert_bias, renormalized (+1e-6) when norm_topk_prob, scaled;
    // the first num_dense_layers layers are dense.
    Family f = like(v3, "lfm2_moe");
    f.experts = "num_experts";
    f.firstDenseKey = "num_dense_layers";
    f.methods.clear();
    f.shared = SharedSize::none;
    f.block = "model.layers.{L}.feed_forward.";
    f.bias = "expert_bias";
    f.biasFlagKey = "use_expert_bias";
    f.gate = "experts.{e}.w1.weight";
    f.up = "experts.{e}.w3.weight";
    f.down = "experts.{e}.w2.weight";
    rows.push_back(f);
  }
  {
    // DbrxFFN: softmax, top-k, weights divided by their p-norm
    // (moe_normalize_expert_weights); every projection is one [E·F, D]
    // tensor.
    Family f;
    f.modelType = "dbrx";
    f.hidden = "d_model";
    f.layers = "n_layers";
    f.activation = "ffn_config.ffn_act_fn.name";
    f.experts = "ffn_config.moe_num_experts";
    f.topK = "ffn_config.moe_top_k";
    f.expertSize = "ffn_config.ffn_hidden_size";
    f.renormalize = Renormalize::pNormField;
    f.normalizeKey = "ffn_config.moe_normalize_expert_weights";
    f.block = "transformer.blocks.{L}.ffn.";
    f.router = "router.layer.weight";
    f.gate = "experts.mlp.w1";
    f.up = "experts.mlp.v1";
    f.down = "experts.mlp.w2";
    f.expertsFlat = true;
    rows.push_back(f);
  }

  // Blocks that need more than the hidden states.
  for (auto [name, why] :
       {std::pair<llvm::StringRef, llvm::StringRef>{
            "deepseek_v4", "its first layers route by a table indexed by "
                           "the token ids (hash routing), which a layer of "
                           "hidden states does not see"},
        {"zaya", "its router carries state from the previous layer (EDA), "
                 "which a single layer does not see"},
        {"doge", "its experts are product-key single neurons routed over "
                 "all tokens of the batch at once, not per token"}}) {
    Family f;
    f.modelType = name;
    f.refusal = why;
    rows.push_back(f);
  }
  // Top-k of the logits, then softmax over the k: the Granite families,
  // with experts fused as input_linear [E, 2F, D] (gate then up) and
  // output_linear [E, D, F]. The decoder layer's sibling shared_mlp (fused
  // the same way, [2S, D]) is added ungated.
  Family granite;
  granite.modelType = "granitemoe";
  granite.experts = "num_local_experts";
  granite.topK = "num_experts_per_tok";
  granite.expertSize = "intermediate_size";
  granite.order = RoutingOrder::topk_first;
  granite.block = "model.layers.{L}.block_sparse_moe.";
  granite.router = "router.layer.weight";
  granite.gate = "input_linear.weight";
  granite.down = "output_linear.weight";
  granite.gateUp = LayerSpec::GateUp::concatenated;
  rows.push_back(granite);
  {
    Family f = like(granite, "granitemoeshared");
    f.shared = SharedSize::field;
    f.sharedKey = "shared_intermediate_size";
    f.sharedW1 = "model.layers.{L}.shared_mlp.input_linear.weight";
    f.sharedW2 = "model.layers.{L}.shared_mlp.output_linear.weight";
    f.sharedGateUp = LayerSpec::GateUp::concatenated;
    rows.push_back(f);
    f.modelType = "granitemoehybrid";
    rows.push_back(f);
    // GraniteMoeSWA saves the routed experts as the other families do.
    f.modelType = "granitemoe_swa";
    f.router = "router.weight";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    rows.push_back(f);
  }
  {
    // JetMoeMoE: Granite's routing and experts under mlp, plus the block's
    // bias added to every token's result.
    Family f = like(granite, "jetmoe");
    f.activation = "activation_function";
    f.block = "model.layers.{L}.mlp.";
    f.outputBias = "bias";
    rows.push_back(f);
  }
  {
    // AriaTextMoELayer: top-k of the logits then softmax over the k; the
    // experts always SwiGLU, stored transposed (fc1 [E, D, 2F], fc2
    // [E, F, D]); shared experts of intermediate_size ·
    // moe_num_shared_experts, added ungated.
    Family f = like(granite, "aria_text");
    f.experts = "moe_num_experts";
    f.topK = "moe_topk";
    f.block = "model.layers.{L}.mlp.";
    f.router = "router.weight";
    f.gate = "experts.fc1.weight";
    f.down = "experts.fc2.weight";
    f.expertsTransposed = true;
    f.forceActivation = Activation::silu;
    f.shared = SharedSize::fieldTimesCount;
    f.sharedKey = "intermediate_size";
    f.sharedCountKey = "moe_num_shared_experts";
    sharedMlp(f, "shared_experts");
    rows.push_back(f);
  }
  {
    // Cohere2MoeSparseMoeBlock: top-k of the logits, then softmax over the
    // k or sigmoid of each (expert_selection_fn), renormalized when
    // norm_topk_prob; shared experts of num_shared_experts · F added
    // (shared_expert_combination_strategy 'sum', or 'average', which halves
    // both).
    Family f = like(qwen3Moe(), "cohere2_moe");
    f.experts = "num_experts";
    f.expertSize = "intermediate_size";
    f.sparse = SparseLayers::all;
    f.order = RoutingOrder::topk_first;
    f.scoringKey = "expert_selection_fn";
    f.scoringChoices = {Scoring::softmax, Scoring::sigmoid};
    f.shared = SharedSize::countTimesF;
    f.sharedKey = "num_shared_experts";
    f.sharedCombineKey = "shared_expert_combination_strategy";
    sharedMlp(f, "shared_experts");
    rows.push_back(f);
  }
  {
    // Llama4TextMoe: top-k of the logits, sigmoid of each; the weights
    // scale the expert input; experts stored transposed ([E, D, 2F] gate
    // then up, [E, F, D]); a shared SwiGLU of intermediate_size added.
    Family f = like(granite, "llama4_text");
    f.sparse = SparseLayers::indexList;
    f.sparseListKey = "moe_layers";
    f.scoring = Scoring::sigmoid;
    f.weightsOnInput = true;
    f.block = "model.layers.{L}.feed_forward.";
    f.router = "router.weight";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.expertsTransposed = true;
    f.shared = SharedSize::field;
    f.sharedKey = "intermediate_size";
    sharedMlp(f, "shared_expert");
    rows.push_back(f);
  }
  {
    // Kolibri1SparseMoeBlock: top-k of the logits plus the selection bias
    // (saved outside the block as moe.router.expert_bias), sigmoid of the
    // k chosen logits, renormalized when norm_topk_prob; an ungated shared
    // expert.
    Family f = like(qwen3Moe(), "kolibri1");
    f.experts = "num_local_experts";
    f.sparse = SparseLayers::all;
    f.scoring = Scoring::sigmoid;
    f.order = RoutingOrder::topk_first;
    f.normEps = 0.0;
    f.bias = "model.layers.{L}.moe.router.expert_bias";
    f.shared = SharedSize::field;
    f.sharedKey = "shared_expert_intermediate_size";
    sharedMlp(f, "shared_experts");
    rows.push_back(f);
    // Kolibri1_1DecoderLayer: the same block, but the layers listed in
    // mlp_only_layers have a dense MLP instead.
    Family f11 = like(f, "kolibri1_1");
    f11.sparse = SparseLayers::qwenStep;
    rows.push_back(f11);
  }
  {
    // GptOssMLP: a router with a bias, top-k of the logits then softmax
    // over the k; experts with biases, stored transposed with gate and up
    // interleaved ([E, D, 2F], gate the even columns); the clamped GLU.
    Family f = like(granite, "gpt_oss");
    f.block = "model.layers.{L}.mlp.";
    f.router = "router.weight";
    f.routerBias = "router.bias";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.expertsTransposed = true;
    f.gateUp = LayerSpec::GateUp::interleaved;
    f.expertGateUpBias = "experts.gate_up_proj_bias";
    f.downBias = "experts.down_proj_bias";
    f.forceActivation = Activation::swiglu_oai;
    f.alphaKey = "swiglu_alpha";
    f.limitKey = "swiglu_limit";
    rows.push_back(f);
  }
  {
    // MiniMaxM3VLSparseMoeBlock: MiniMax-M2's routing, scaled; experts and
    // shared experts with gate and up fused, both under the clamped GLU.
    Family f = like(mixtral(), "minimax_m3_vl_text");
    f.block = "model.layers.{L}.mlp.";
    f.scoring = Scoring::sigmoid;
    f.bias = "gate.e_score_correction_bias";
    f.scale = Scale::always;
    f.scalingKey = "routed_scaling_factor";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.gateUp = LayerSpec::GateUp::concatenated;
    f.forceActivation = Activation::swiglu_oai;
    f.forceActivationShared = true;
    f.alphaKey = "swiglu_alpha";
    f.limitKey = "swiglu_limit";
    f.sharedLimitKey = "swiglu_limit";
    f.shared = SharedSize::field;
    f.sharedKey = "shared_intermediate_size";
    f.sharedW1 = "shared_experts.gate_up_proj.weight";
    f.sharedW2 = "shared_experts.down_proj.weight";
    f.sharedGateUp = LayerSpec::GateUp::concatenated;
    rows.push_back(f);
  }
  {
    // HYV4MoE: DeepSeek-V3's router; experts fused [E, 2F, D] with the gate
    // clamped before silu and up clipped (swiglu_limit); the shared MLP
    // unclamped, its gate saved as linear_gate.
    Family f = like(v3, "hy_v4");
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.gateUp = LayerSpec::GateUp::concatenated;
    f.forceActivation = Activation::silu;
    f.limitKey = "swiglu_limit";
    f.sharedW1 = "shared_experts.linear_gate.weight";
    rows.push_back(f);
  }
  {
    // BailingHybrid: DeepSeek-V3's router under other names, the bias
    // saved as gate.expert_bias; per-layer clamps applied after the
    // activation (expert_swiglu_limit_list, share_expert_swiglu_limit_list;
    // 0: none).
    Family f = like(v3, "bailing_hybrid");
    f.experts = "num_experts";
    f.topK = "num_experts_per_token";
    f.normalizeKey = "moe_renormalize";
    f.groupsKey = "num_expert_group";
    f.sharedKey = "num_shared_experts";
    f.bias = "gate.expert_bias";
    f.limitKey = "expert_swiglu_limit_list";
    f.sharedLimitKey = "share_expert_swiglu_limit_list";
    f.limitPerLayer = true;
    f.limitAfterAct = true;
    rows.push_back(f);
  }
  {
    // NemotronHMoE: DeepSeek-V3's router; ungated experts (up, down) under
    // mlp_hidden_act (relu2), an ungated shared MLP of
    // moe_shared_expert_intermediate_size; layers of type "moe" are sparse.
    // A latent space around the routed experts (moe_latent_size): they
    // read fc1_latent_proj(x) and their sum goes through fc2_latent_proj.
    // mlp_bias gives the shared MLP and the latent projections biases.
    Family f = like(v3, "nemotron_h");
    f.layers = "layers_block_type";
    f.layersFromList = true;
    f.activation = "mlp_hidden_act";
    f.sparse = SparseLayers::typeList;
    f.sparseListKey = "layers_block_type";
    f.sparseValue = "moe";
    f.block = "backbone.layers.{L}.mixer.";
    f.gated = false;
    f.shared = SharedSize::field;
    f.sharedKey = "moe_shared_expert_intermediate_size";
    f.latentKey = "moe_latent_size";
    f.latentIn = "fc1_latent_proj.weight";
    f.latentOut = "fc2_latent_proj.weight";
    f.sharedBiasKey = "mlp_bias";
    f.sharedBiasKeyBiasesLatent = true;
    rows.push_back(f);
  }
  {
    // PhimoeSparseMoeBlock (eval mode): sparsemixer's two picks, each
    // weighted by a softmax of the logits masked around it with threshold
    // 2 · router_jitter_noise; never renormalized; Mixtral's names.
    // input_jitter_noise only perturbs training.
    Family f = like(mixtral(), "phimoe");
    f.renormalize = Renormalize::never;
    f.scoring = Scoring::sparsemixer;
    f.jitterKey = "router_jitter_noise";
    f.jitterDefault = 0.01;
    rows.push_back(f);
  }
  {
    // LongcatFlashMoE: softmax over the n_routed_experts + zero_expert_num
    // rows of router.classifier (its bias, created by router_bias, is never
    // applied), top-k of the scores plus router.e_score_correction_bias,
    // the unbiased scores never renormalized, times routed_scaling_factor;
    // the zero_expert_num last experts are identity experts. Every layer is
    // sparse; num_hidden_layers is twice num_layers (two sublayers each).
    Family f;
    f.modelType = "longcat_flash";
    f.layers = "num_layers";
    f.experts = "n_routed_experts";
    f.topK = "moe_topk";
    f.expertSize = "expert_ffn_hidden_size";
    f.scale = Scale::always;
    f.scalingKey = "routed_scaling_factor";
    f.scalingDefault = 6.0;
    f.router = "router.classifier.weight";
    f.bias = "router.e_score_correction_bias";
    f.identityKey = "zero_expert_num";
    rows.push_back(f);
  }
  {
    // AXK1MoE: DeepSeek-V3's block whose output (routed + shared) goes
    // through an RMSNorm, post_mlp_layernorm, saved at the layer level.
    Family f = like(deepseekV3(), "axk1");
    f.normalizeDefault = true;
    f.scalingDefault = 2.5;
    f.postNorm = "model.layers.{L}.post_mlp_layernorm.weight";
    rows.push_back(f);
  }
  {
    // The MoE branch of Gemma4TextDecoderLayer (enable_moe_block): the
    // router reads RMSNorm(x) · router.scale · D^-1/2, softmax, top-k
    // renormalized, times router.per_expert_scale of each expert; the
    // experts (gate and up fused, [E, 2F, D]) read
    // pre_feedforward_layernorm_2(x); their sum goes through
    // post_feedforward_layernorm_2.
    Family f;
    f.modelType = "gemma4_text";
    f.activation = "hidden_activation";
    f.experts = "num_experts";
    f.expertsNullable = true;
    f.topK = "top_k_experts";
    f.expertSize = "moe_intermediate_size";
    f.moeFlagKey = "enable_moe_block";
    f.renormalize = Renormalize::always;
    f.block = "model.layers.{L}.";
    f.router = "router.proj.weight";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.gateUp = LayerSpec::GateUp::concatenated;
    f.routerNorm = "router.scale";
    f.routerInvSqrtHidden = true;
    f.expertScale = "router.per_expert_scale";
    f.preNorm = "pre_feedforward_layernorm_2.weight";
    f.postNorm = "post_feedforward_layernorm_2.weight";
    rows.push_back(f);
  }
  {
    // ErgoMoE: sigmoid scores, selection on scores + a bias, renormalized
    // (+1e-20) and scaled; ungated relu2 experts whose outputs each go
    // through their expert's RMSNorm before the weight; a relu2 shared
    // expert followed by an RMSNorm. Saved transposed and renamed
    // (gate_kernel [D, E], up_proj [E, D, F], shared_up_proj [D, S]).
    Family f;
    f.modelType = "ergo";
    f.experts = "num_experts";
    f.topK = "num_experts_per_tok";
    f.expertSize = "moe_intermediate_size";
    f.sparse = SparseLayers::firstDense;
    f.firstDenseKey = "num_dense_blocks";
    f.firstDenseRequired = true;
    f.scoring = Scoring::sigmoid;
    f.renormalize = Renormalize::always;
    f.scale = Scale::always;
    f.scalingKey = "moe_routed_scaling_factor";
    f.scalingDefault = 2.0 * std::sqrt(2.0);
    f.shared = SharedSize::field;
    f.sharedKey = "shared_intermediate_size";
    f.block = "layers.{L}.feed_forward.";
    f.router = "gate_kernel";
    f.routerTransposed = true;
    f.bias = "router_bias";
    f.gated = false;
    f.up = "up_proj";
    f.down = "down_proj";
    f.expertsTransposed = true;
    f.sharedW3 = "shared_up_proj";
    f.sharedW2 = "shared_down_proj";
    f.sharedTransposed = true;
    f.forceActivation = Activation::relu2;
    f.forceActivationShared = true;
    f.expertNorm = "expert_output_norm.scale";
    f.sharedNorm = "shared_expert_output_norm.scale";
    f.normEpsDefault = 1e-12;
    rows.push_back(f);
  }
  {
    // Inkling2SparseMoeBlock: sigmoid (or sqrt-softplus, scoring_func)
    // scores with the gate's selection bias, always renormalized (+1e-20),
    // scaled by route_scale; no shared expert; every layer sparse. The
    // experts' gate and up rows are saved interleaved ([E, 2F, D], gate
    // the even rows) under model.llm; the soft-capped SwiGLU.
    Family f = like(v3, "inkling2_text");
    f.experts = "n_routed_experts|num_local_experts";
    f.sparse = SparseLayers::all;
    f.methods.clear();
    f.scoringChoices = {Scoring::sigmoid, Scoring::sqrt_softplus};
    f.renormalize = Renormalize::always;
    f.scalingKey = "route_scale|routed_scaling_factor";
    f.scalingDefault = 8.0;
    f.shared = SharedSize::none;
    f.block = "model.llm.layers.{L}.mlp.";
    f.bias = "gate.bias";
    f.gate = "experts.w13_weight";
    f.down = "experts.w2_weight";
    f.gateUp = LayerSpec::GateUp::interleaved;
    f.forceActivation = Activation::swiglu_softcap;
    f.gateSoftcapKey = "mlp_gate_softcap";
    f.upSoftcapKey = "mlp_up_softcap";
    rows.push_back(f);
    // Inkling2LoopSparseMoeBlock: the same block in the looped model.
    rows.push_back(like(f, "inkling2_loop_text"));
  }
  {
    // InklingMoE: sigmoid with the gate's selection bias over the first E of
    // the router's E + S rows; the k selected and the S shared experts'
    // sigmoids renormalized together (no epsilon), scaled by route_scale;
    // the S stacked shared experts (n_shared_experts) weighted by theirs;
    // every weight times gate.global_scale [1] (expert_scale).
    // Sparse layers: mlp_layer_types[N] == "sparse".
    Family f = like(v3, "inkling_text");
    f.sparse = SparseLayers::typeList;
    f.sparseListKey = "mlp_layer_types";
    f.sparseValue = "sparse";
    f.methods.clear();
    f.scoringKey = "";
    f.renormalize = Renormalize::always;
    f.normEps = 0.0;
    f.scalingKey = "route_scale";
    f.scalingDefault = 8.0;
    f.shared = SharedSize::stacked;
    f.sharedKey = "n_shared_experts";
    f.gate = "experts.gate_up_proj";
    f.down = "experts.down_proj";
    f.gateUp = LayerSpec::GateUp::concatenated;
    f.sharedW1 = "shared_experts.gate_proj";
    f.sharedW3 = "shared_experts.up_proj";
    f.sharedW2 = "shared_experts.down_proj";
    f.expertScale = "gate.global_scale";
    f.expertScaleSingle = true;
    rows.push_back(f);
  }
  return rows;
}

} // namespace

llvm::ArrayRef<Family> mlir::moe::import::families() {
  static const std::vector<Family> table = buildTable();
  return table;
}

const Family *mlir::moe::import::lookupFamily(llvm::StringRef modelType) {
  llvm::ArrayRef<Family> all = families();
  const Family *it = llvm::find_if(
      all, [&](const Family &f) { return f.modelType == modelType; });
  return it == all.end() ? nullptr : it;
}

llvm::ArrayRef<Wrapper> mlir::moe::import::wrappers() {
  // What save_pretrained writes for the ...ForConditionalGeneration models.
  static const Wrapper table[] = {
      {"qwen3_5_moe", "qwen3_5_moe_text", "model.language_model.layers."},
      {"qwen4_exp", "qwen4_exp_text", "model.language_model.layers."},
      {"llama4", "llama4_text", "language_model.model.layers."},
  };
  return table;
}

const Wrapper *mlir::moe::import::lookupWrapper(llvm::StringRef modelType) {
  llvm::ArrayRef<Wrapper> all = wrappers();
  const Wrapper *it = llvm::find_if(
      all, [&](const Wrapper &w) { return w.modelType == modelType; });
  return it == all.end() ? nullptr : it;
}
