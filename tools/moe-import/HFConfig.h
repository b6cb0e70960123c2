//===- HFConfig.h - config.json to a MoE layer spec ------------*- C++ -*-===//
//
// Reads a Hugging Face `config.json` and describes one sparse MoE layer of the
// model: sizes, routing, experts, shared expert, and the checkpoint names of
// its weights. The mapping per `model_type` is documented in docs/Import.md.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_IMPORT_HFCONFIG_H
#define MOE_TOOLS_MOE_IMPORT_HFCONFIG_H

#include "Quantization.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir {
namespace moe {
namespace import {

/// One sparse MoE layer, as the moe.layer op takes it. Weight names are the
/// checkpoint's; stacked expert weights use `{e}` for the expert index.
struct LayerSpec {
  std::string modelType;
  int64_t layer = 0;
  int64_t hidden = 0;     // D
  int64_t numExperts = 0; // E
  int64_t expertSize = 0; // F
  int64_t topK = 0;       // k

  Scoring scoring = Scoring::softmax;
  bool normalize = false;
  /// Set when the family multiplies the routing weights by a factor.
  std::optional<double> scaling;
  int64_t numGroups = 0;
  int64_t topkGroups = 0;
  GroupScore groupScore = GroupScore::top2sum;
  Activation activation = Activation::silu;

  // Routing beyond the basics (#moe.routing's optional parameters).
  RoutingOrder order = RoutingOrder::score_first;
  std::optional<double> softcap, normEps, normP, groupFill;
  bool weightsOnInput = false;

  // Activation parameters (moe.layer's alpha, limit, shared_limit,
  // limit_after_act).
  std::optional<double> alpha, limit, sharedLimit;
  bool limitAfterAct = false;
  /// swiglu_softcap's soft caps (moe.layer's gate_softcap, up_softcap).
  std::optional<double> gateSoftcap, upSoftcap;

  /// Shared expert of inner size `sharedSize` (0: none), optionally scaled by
  /// sigmoid(x · shared_gateᵀ).
  int64_t sharedSize = 0;
  bool sharedGate = false;

  std::string routerName;
  std::string biasName; // empty: no selection bias
  std::string w1Name, w3Name, w2Name;

  // How the checkpoint stores what the layer takes in nn.Linear layout.
  /// The router is stored `[D, E]`.
  bool routerTransposed = false;
  /// The selection bias is stored `[1, E]`.
  bool biasIsRow = false;
  /// The expert projections are stored `[E, in, out]`: w1/w3 `[E, D, F]`,
  /// w2 `[E, F, D]`.
  bool expertsTransposed = false;
  /// w1, w3 and w2 are [E·F, D] tensors, w2 holding `[F, D]` per expert.
  bool expertsFlat = false;
  /// w1 and w3 are one tensor (`w1Name`) of 2F outputs: gate then up
  /// (`concatenated`), or alternating rows (`interleaved`, gate first).
  enum class GateUp { separate, concatenated, interleaved };
  GateUp gateUp = GateUp::separate;
  /// The same for the shared expert's sharedW1Name ([2S, D]).
  GateUp sharedGateUp = GateUp::separate;
  /// Gated experts (w1 and w3); ungated ones have w1 and w2 only, and so
  /// does the shared expert.
  bool gated = true;

  /// Replaces the leading "model.layers." of every checkpoint name by
  /// `prefix` (the text model of a multimodal wrapper).
  void applyPrefix(llvm::StringRef prefix);
  std::string sharedW1Name, sharedW3Name, sharedW2Name, sharedGateName;
  /// Biases (empty: none): of the router logits [E]; of the gate and up
  /// projections [E, F] (`expertGateUpBiasName`: both in one [E, 2F]
  /// tensor, split as `gateUp` splits the weights); of the down projection
  /// [E, D]; of the layer's result [D].
  std::string routerBiasName, expertGateUpBiasName, downBiasName,
      outputBiasName;
  /// The shared expert's biases (empty: none): [S], [S], [D].
  std::string sharedB1Name, sharedB3Name, sharedB2Name;
  /// A latent space of size `latentSize` (0: none) for the routed experts,
  /// entered through `latentInName` [L, D] and left through `latentOutName`
  /// [D, L].
  int64_t latentSize = 0;
  std::string latentInName, latentOutName;
  /// The latent projections' biases [L], [D] (empty: none).
  std::string latentInBiasName, latentOutBiasName;
  /// Multiplies routed + shared (moe.layer's output_scale).
  std::optional<double> outputScale;

  /// sparsemixer's threshold (#moe.routing jitter).
  std::optional<double> jitter;
  /// Identity experts after the E routed ones: the router, selection bias
  /// and router bias have E + identityExperts rows.
  int64_t identityExperts = 0;
  /// RMSNorm weights (empty: none) of the routed experts' input [D], of the
  /// router's input [D], of the block's output [D], of each routed expert's
  /// output [E, D] and of the shared expert's output [D], all with
  /// `rmsNormEps`; a scale of the routing weights per expert [E].
  std::string preNormName, routerNormName, postNormName, expertNormName,
      sharedNormName, expertScaleName;
  std::optional<double> rmsNormEps;
  /// The router's logits are multiplied by this (#moe.routing logit_scale).
  std::optional<double> logitScale;
  /// The shared expert's projections are stored [in, out]: shared_w1 and
  /// shared_w3 `[D, S]`, shared_w2 `[S, D]`.
  bool sharedTransposed = false;
  /// S stacked shared experts of the routed inner size F (sharedW1Name,
  /// sharedW3Name [S, F, D], sharedW2Name [S, D, F]), weighted by the
  /// router's last S rows, which it then has E + S of (0: none).
  int64_t stackedShared = 0;
  /// The expert scale is one factor [1] of every weight, not one per expert.
  bool expertScaleSingle = false;

  /// How the checkpoint stores the experts' and the shared expert's
  /// matrices (`quantization_config`).
  WeightQuantization quantization;
};

/// Parses the text of a config.json and describes its layer `layer`. Errors
/// are one line naming the offending field (without the file name).
llvm::Expected<LayerSpec> readLayerSpec(llvm::StringRef jsonText,
                                        int64_t layer);

} // namespace import
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_IMPORT_HFCONFIG_H
