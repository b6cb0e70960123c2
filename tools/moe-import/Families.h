//===- Families.h - the Hugging Face MoE families moe-import reads -*- C++
//-*-===//
//
// One `Family` per `model_type`: which config.json fields size the layer
// (with their aliases and defaults), which layers are sparse, how the
// router's scores become the k weights, and where the weights live in the
// checkpoint. `readLayerSpec` (HFConfig.cpp) reads any family from its row;
// adding a family is a row in Families.cpp and a test. docs/Import.md gives
// the table in prose.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_IMPORT_FAMILIES_H
#define MOE_TOOLS_MOE_IMPORT_FAMILIES_H

#include "HFConfig.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
namespace moe {
namespace import {

/// A config.json field: "key" or "key|alias|...". The first name is the
/// one messages use; a config may give any of them, or several that agree.
using FieldName = llvm::StringRef;

/// Which layers of the model have a sparse MoE block.
enum class SparseLayers {
  /// Every layer.
  all,
  /// Not in `mlp_only_layers`, experts > 0 and (layer + 1) %
  /// `decoder_sparse_step` == 0 (Qwen).
  qwenStep,
  /// Layer >= `firstDenseKey` and layer % `freqKey` == 0 (DeepSeek).
  firstDense,
  /// Layer % `expert_layer_period` == `expert_layer_offset` (Jamba).
  periodOffset,
  /// `moe_layer_start_index` <= layer <= `moe_layer_end_index` and
  /// (layer + 1) % `moe_layer_interval` == 0 (ERNIE 4.5).
  startEnd,
  /// The layer is listed in the integer list `sparseListKey` (Llama 4's
  /// moe_layers).
  indexList,
  /// Entry `layer` of the string list `sparseListKey` is `sparseValue`
  /// (Nemotron-H's layers_block_type).
  typeList,
};

/// When the k weights are divided by their sum.
enum class Renormalize {
  never,
  always,
  /// When the boolean field `normalizeKey` is true.
  byField,
  /// By the p-norm of order `normalizeKey` (a number, or null: never);
  /// only p = 1, the sum, is supported.
  pNormField,
};

/// Whether the weights are multiplied by the factor field `scalingKey`.
enum class Scale { never, always };

/// A value of the topk-method field and the group limit it implies.
struct TopkMethod {
  llvm::StringRef name;
  /// No value: no group limit.
  std::optional<GroupScore> groupScore;
};

/// How the shared expert's inner size is given.
enum class SharedSize {
  none,
  /// The field `sharedKey` is the inner size (0: none).
  field,
  /// The field `sharedKey` counts experts of the routed inner size F
  /// (null or 0: none).
  countTimesF,
  /// The field `sharedKey` is the inner size of each of `sharedCountKey`
  /// shared experts.
  fieldTimesCount,
  /// The field `sharedKey` counts S >= 1 stacked shared experts of the
  /// routed inner size F, weighted by the router's last S rows (Inkling).
  stacked,
};

struct Family {
  llvm::StringRef modelType;
  /// Set for a family whose MoE block cannot be stated as a moe.layer: the
  /// reason moe-import gives when asked for it.
  llvm::StringRef refusal;

  // What every family has. A field may be nested: "ffn_config.name".
  FieldName hidden = "hidden_size";
  FieldName layers = "num_hidden_layers";
  /// `layers` is a list with one entry per layer, not a count.
  bool layersFromList = false;
  FieldName activation = "hidden_act";

  // Sizes. `expertsMin` is 0 where 0 experts makes a layer dense.
  FieldName experts, topK, expertSize;
  /// `experts` and `topK` may be lists with an entry per layer.
  bool perLayerLists = false;
  int64_t expertsMin = 1;
  /// The experts field may be null: the layer is then dense.
  bool expertsNullable = false;

  // Sparse layers.
  SparseLayers sparse = SparseLayers::all;
  /// The number of leading dense layers, and the period of sparse layers
  /// after them (`firstDense`).
  FieldName firstDenseKey = "first_k_dense_replace";
  FieldName freqKey = "moe_layer_freq";
  FieldName sparseListKey;
  llvm::StringRef sparseValue;
  /// Whether `firstDenseKey` is required (DeepSeek-V3, where the two
  /// Hugging Face implementations default it differently).
  bool firstDenseRequired = false;

  // Routing.
  Scoring scoring = Scoring::softmax;
  /// A field naming the scoring function, which must then name `scoring`,
  /// or any of `scoringChoices` when given.
  FieldName scoringKey;
  llvm::SmallVector<Scoring, 2> scoringChoices;
  Renormalize renormalize = Renormalize::never;
  FieldName normalizeKey;
  /// The default of `normalizeKey`; none: required.
  std::optional<bool> normalizeDefault = false;
  Scale scale = Scale::never;
  FieldName scalingKey;
  /// The default of `scalingKey`; none: required.
  std::optional<double> scalingDefault = 1.0;
  /// Top-k of the logits, then scored over the k (#moe.routing order).
  RoutingOrder order = RoutingOrder::score_first;
  /// A field holding a logit soft cap (0 or absent: none).
  FieldName softcapKey;
  /// A fixed renormalization epsilon (#moe.routing norm_eps).
  std::optional<double> normEps;
  /// Weights multiply the expert input (#moe.routing weights_on_input).
  bool weightsOnInput = false;
  /// The selection score of the experts outside the selected groups
  /// (#moe.routing group_fill); none: excluded.
  std::optional<double> groupFill;
  /// The topk-method field, its default, and the methods it may name.
  /// Without `methodKey` the family always uses `methodDefault`; without
  /// methods there is no group limit.
  FieldName methodKey;
  llvm::StringRef methodDefault;
  llvm::SmallVector<TopkMethod, 2> methods;
  /// The group count and eligible groups of a group-limited method.
  FieldName groupsKey = "n_group";
  FieldName topkGroupKey = "topk_group";
  /// Both group fields may be null: no group limit.
  bool groupsNullable = false;

  /// Fields that change the computation in a way moe-import does not
  /// express yet: each must be absent, null, false or 0.
  llvm::SmallVector<FieldName, 2> unsupportedUnlessZero;

  // Shared expert.
  SharedSize shared = SharedSize::none;
  FieldName sharedKey;
  FieldName sharedCountKey;
  /// A field saying how the shared expert's output is combined: "sum" (the
  /// default) or "average", (routed + shared) / 2 (moe.layer's
  /// output_scale 0.5).
  FieldName sharedCombineKey;
  /// A boolean field giving the shared expert's projections biases, saved
  /// next to their weights with `.bias` for `.weight` (ERNIE's use_bias).
  FieldName sharedBiasKey;
  /// `sharedBiasKey` also gives the latent projections biases
  /// (Nemotron-H's mlp_bias).
  bool sharedBiasKeyBiasesLatent = false;
  /// Checkpoint name of the shared expert's sigmoid gate (empty: ungated).
  llvm::StringRef sharedGate;

  // Checkpoint names, relative to `block` (`{L}` is the layer, `{e}` the
  // expert).
  llvm::StringRef block = "model.layers.{L}.mlp.";
  llvm::StringRef router = "gate.weight";
  /// The selection bias (empty: none), present only when the boolean field
  /// `biasFlagKey` is true, if one is named.
  llvm::StringRef bias;
  FieldName biasFlagKey;
  llvm::StringRef gate = "experts.{e}.gate_proj.weight";
  llvm::StringRef up = "experts.{e}.up_proj.weight";
  llvm::StringRef down = "experts.{e}.down_proj.weight";
  /// The shared expert's projections.
  llvm::StringRef sharedW1, sharedW3, sharedW2;

  // Layouts other than nn.Linear's (see LayerSpec).
  bool routerTransposed = false;
  bool biasIsRow = false;
  bool expertsTransposed = false;
  /// Each projection is one [E·F, D] tensor, w2 holding each expert's
  /// down projection transposed ([F, D]).
  bool expertsFlat = false;
  /// Fused gate and up projections live in `gate`; `up` is unused.
  LayerSpec::GateUp gateUp = LayerSpec::GateUp::separate;
  /// The same for the shared expert (`sharedW1`; `sharedW3` unused).
  LayerSpec::GateUp sharedGateUp = LayerSpec::GateUp::separate;
  /// Ungated experts: `up` is the only input projection, `gate` unused
  /// (the shared expert likewise: `sharedW3` only).
  bool gated = true;

  // Expert variants.
  /// The routed experts' activation whatever `activation` says (GPT-OSS's
  /// clamped GLU, Aria's SwiGLU); a shared expert, which takes the same
  /// activation in moe.layer, then needs `activation` to agree.
  std::optional<Activation> forceActivation;
  /// The shared expert uses `forceActivation` too.
  bool forceActivationShared = false;
  /// Fields of swiglu_oai's alpha and of the clamp limit (0: none), and of
  /// the shared expert's limit; `limitPerLayer`: the limit fields are lists
  /// indexed by the layer.
  FieldName alphaKey, limitKey, sharedLimitKey;
  bool limitPerLayer = false;
  bool limitAfterAct = false;
  /// Checkpoint names of the biases (empty: none); see LayerSpec.
  llvm::StringRef routerBias, expertGateUpBias, downBias, outputBias;
  /// A field holding the size L of a latent space of the routed experts
  /// (null or absent: none), and the checkpoint names of the projections
  /// into it ([L, D]) and out of it ([D, L]).
  FieldName latentKey;
  llvm::StringRef latentIn, latentOut;

  // Routing variants.
  /// The field of sparsemixer's threshold (#moe.routing jitter) under
  /// scoring = sparsemixer, and its default.
  FieldName jitterKey;
  double jitterDefault = 0.0;
  /// The field counting the identity experts after the routed ones
  /// (moe.layer identity_experts; null or absent: none).
  FieldName identityKey;

  // Norms and scales (checkpoint names, empty: none; see LayerSpec).
  /// RMSNorm weights of the routed experts' input, of the router's input,
  /// of the block's output, of each routed expert's output ([E, D]) and of
  /// the shared expert's output; a per-expert scale of the routing weights.
  llvm::StringRef preNorm, routerNorm, postNorm, expertNorm, sharedNorm,
      expertScale;
  /// The norms' epsilon field and its default.
  FieldName normEpsKey = "rms_norm_eps";
  double normEpsDefault = 1e-6;
  /// The router's input is also scaled by D^-1/2 (#moe.routing
  /// logit_scale).
  bool routerInvSqrtHidden = false;
  /// The shared expert's projections are stored [in, out].
  bool sharedTransposed = false;
  /// A boolean field that must be true for the model to have MoE layers
  /// (Gemma 4's enable_moe_block).
  FieldName moeFlagKey;
  /// Fields of swiglu_softcap's gate and up soft caps, and their defaults.
  FieldName gateSoftcapKey, upSoftcapKey;
  double gateSoftcapDefault = 4.0, upSoftcapDefault = 25.0;
  /// `expertScale` is one factor [1] of every weight.
  bool expertScaleSingle = false;
};

/// A multimodal model whose `text_config` is a family's: its layers are
/// saved under `layersPrefix` instead of "model.layers.".
struct Wrapper {
  llvm::StringRef modelType;
  llvm::StringRef textModelType;
  llvm::StringRef layersPrefix;
};

/// Every family, in the order `moe-import` lists them.
llvm::ArrayRef<Family> families();

/// Every wrapper, and the one of `modelType` (or null).
llvm::ArrayRef<Wrapper> wrappers();
const Wrapper *lookupWrapper(llvm::StringRef modelType);

/// The family of `modelType`, or null.
const Family *lookupFamily(llvm::StringRef modelType);

} // namespace import
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_IMPORT_FAMILIES_H
