//===- MoEOps.cpp - MoE attribute and operation verifiers -----------------===//
//
// Every verifier line that enforces a constraint of docs/Spec.md carries the
// constraint's label (`route_c2`, ...) in its message; test/Dialect/MoE/
// invalid.mlir has a negative test named after each label.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "ShapeChecks.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstdint>
#include <limits>

using namespace mlir;
using namespace mlir::moe;

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

using namespace mlir::moe::shape_checks;

namespace {

constexpr int64_t kAny = ShapedType::kDynamic;

std::string formatDim(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

/// Checks the number of experts `e`: expert indices are i32.
LogicalResult checkNumExperts(Operation *op, StringRef label, int64_t e) {
  return checkI32Extent(op, label, "the number of experts E", e,
                        "expert indices");
}

/// a·b, or dynamic when either is; the product of two static dimensions
/// must fit in i32 (row offsets are i32), which `label` states. `what`
/// names the product ("T·k").
FailureOr<int64_t> mulRowCount(Operation *op, StringRef label, StringRef what,
                               int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return kAny;
  std::optional<int64_t> n = llvm::checkedMul(a, b);
  if (!n || *n > kMaxI32)
    return op->emitOpError()
           << what << " = " << a << "·" << b << " exceeds " << kMaxI32
           << ": row offsets are i32 (" << label << ")";
  return *n;
}

/// Checks a routing attribute against the number of experts `numExperts`
/// and an optional selection bias (route_c2 .. route_c6, route_c9).
LogicalResult verifyTokenChoice(Operation *op, RoutingAttr routing,
                                int64_t numExperts, Value bias) {
  int64_t k = routing.getK();
  // route_c2
  if (k > numExperts)
    return op->emitOpError()
           << "k = " << k << " exceeds the number of experts E = " << numExperts
           << " (route_c2)";
  if (routing.hasGroups()) {
    int64_t groups = routing.getNumGroups();
    // route_c3
    if (numExperts % groups != 0)
      return op->emitOpError()
             << "num_groups = " << groups
             << " does not divide the number of experts E = " << numExperts
             << " (route_c3)";
    int64_t groupSize = numExperts / groups;
    int64_t eligible = routing.getTopkGroups() * groupSize;
    // route_c4
    if (k > eligible)
      return op->emitOpError()
             << "k = " << k << " exceeds the " << eligible
             << " experts eligible in topk_groups = " << routing.getTopkGroups()
             << " groups of " << groupSize << " (route_c4)";
    // route_c5
    if (routing.getGroupScore() == GroupScore::top2sum && groupSize < 2)
      return op->emitOpError()
             << "group_score = top2sum needs at least 2 experts per group, "
                "got "
             << groupSize << " (route_c5)";
  }
  // route_c6
  if (bias && failed(checkShape(op, "route_c6", "bias", bias.getType(), "[E]",
                                {numExperts})))
    return failure();
  // route_c9
  if (bias && routing.getScoring() == Scoring::sparsemixer)
    return op->emitOpError()
           << "scoring = sparsemixer selects by logit and takes no selection "
              "bias (route_c9)";
  return success();
}

/// Checks capacity attributes against a drop policy (dispatch_c4, _c5).
LogicalResult verifyCapacity(Operation *op, DropPolicy policy,
                             FloatAttr factorAttr, IntegerAttr capacityAttr) {
  bool hasFactor = static_cast<bool>(factorAttr);
  bool hasCapacity = static_cast<bool>(capacityAttr);
  // dispatch_c4
  if (policy == DropPolicy::none && (hasFactor || hasCapacity))
    return op->emitOpError()
           << "capacity and capacity_factor need a drop policy (position or "
              "score); drop policy 'none' is dropless (dispatch_c4)";
  if (policy != DropPolicy::none && hasFactor == hasCapacity)
    return op->emitOpError()
           << "drop policy '" << stringifyDropPolicy(policy)
           << "' needs exactly one of capacity and capacity_factor "
              "(dispatch_c4)";
  // dispatch_c5
  if (hasCapacity && capacityAttr.getInt() < 1)
    return op->emitOpError() << "capacity = " << capacityAttr.getInt()
                             << " must be at least 1 (dispatch_c5)";
  if (hasFactor) {
    double factor = factorAttr.getValueAsDouble();
    if (!(std::isfinite(factor) && factor > 0))
      return op->emitOpError() << "capacity_factor = " << factor
                               << " must be finite and positive (dispatch_c5)";
  }
  return success();
}

/// Checks the RMSNorm epsilon `eps` of `op`: present exactly when one of its
/// norm weights (`norms`, for the message) is, finite and at least 0.
LogicalResult checkNormEps(Operation *op, StringRef label, FloatAttr eps,
                           bool hasNorm, StringRef norms) {
  if (hasNorm != static_cast<bool>(eps))
    return op->emitOpError()
           << "'rms_norm_eps' is the epsilon of the RMSNorms " << norms
           << ": it is required with them and only with them (" << label
           << ")";
  if (eps && !(std::isfinite(eps.getValueAsDouble()) &&
               eps.getValueAsDouble() >= 0))
    return op->emitOpError() << "'rms_norm_eps' = " << eps.getValueAsDouble()
                             << " must be finite and at least 0 (" << label
                             << ")";
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

LogicalResult RoutingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t k, Scoring scoring,
                                  BoolAttr normalize, FloatAttr scaling,
                                  int64_t numGroups, int64_t topkGroups,
                                  GroupScore, RoutingOrder order,
                                  FloatAttr softcap, FloatAttr normEps,
                                  FloatAttr normMin, FloatAttr normP, BoolAttr,
                                  FloatAttr groupFill, FloatAttr logitScale,
                                  FloatAttr jitter) {
  // routing_c1
  if (k < 1)
    return emitError() << "k = " << k << " must be at least 1 (routing_c1)";
  // routing_c2
  if (numGroups < 0 || topkGroups < 0 || (numGroups == 0) != (topkGroups == 0))
    return emitError() << "num_groups = " << numGroups
                       << " and topk_groups = " << topkGroups
                       << " must both be positive, or both 0 for no group "
                          "limit (routing_c2)";
  // routing_c3
  if (topkGroups > numGroups)
    return emitError() << "topk_groups = " << topkGroups
                       << " exceeds num_groups = " << numGroups
                       << " (routing_c3)";
  // routing_c4
  if (scaling) {
    double s = scaling.getValueAsDouble();
    if (!(std::isfinite(s) && s > 0))
      return emitError() << "scaling = " << s
                         << " must be finite and positive (routing_c4)";
  }
  // routing_c5
  for (auto [attr, name] : {std::pair<FloatAttr, StringRef>{softcap, "softcap"},
                            {logitScale, "logit_scale"}}) {
    if (!attr)
      continue;
    double c = attr.getValueAsDouble();
    if (!(std::isfinite(c) && c > 0))
      return emitError() << name << " = " << c
                         << " must be finite and positive (routing_c5)";
  }
  // routing_c6
  bool normalized = normalize && normalize.getValue();
  if (!normalized && (normEps || normMin || normP))
    return emitError() << "norm_eps, norm_min and norm_p need normalize = "
                          "true (routing_c6)";
  if (normEps && normMin)
    return emitError() << "norm_eps (added to the denominator) and norm_min "
                          "(a lower bound of it) exclude each other "
                          "(routing_c6)";
  // routing_c7
  if (normEps) {
    double v = normEps.getValueAsDouble();
    if (!(std::isfinite(v) && v >= 0))
      return emitError() << "norm_eps = " << v
                         << " must be finite and at least 0 (routing_c7)";
  }
  for (auto [attr, name] :
       {std::pair<FloatAttr, StringRef>{normMin, "norm_min"},
        {normP, "norm_p"}}) {
    if (!attr)
      continue;
    double v = attr.getValueAsDouble();
    if (!(std::isfinite(v) && v > 0))
      return emitError() << name << " = " << v
                         << " must be finite and positive (routing_c7)";
  }
  // routing_c8
  if (order == RoutingOrder::topk_first) {
    if (numGroups != 0)
      return emitError() << "order = topk_first selects by logit and takes no "
                            "group limit (routing_c8)";
    if (scoring == Scoring::sqrt_softplus)
      return emitError() << "order = topk_first scores the selected logits by "
                            "softmax or sigmoid, not sqrt_softplus "
                            "(routing_c8)";
  }
  // routing_c9
  if (groupFill) {
    double v = groupFill.getValueAsDouble();
    if (numGroups == 0)
      return emitError() << "group_fill needs a group limit (num_groups > 0) "
                            "(routing_c9)";
    if (!std::isfinite(v))
      return emitError() << "group_fill = " << v
                         << " must be finite (routing_c9)";
  }
  // routing_c10
  if (scoring != Scoring::sparsemixer) {
    if (jitter)
      return emitError() << "jitter is the threshold of scoring = sparsemixer "
                            "(routing_c10)";
    return success();
  }
  if (!jitter)
    return emitError() << "scoring = sparsemixer needs jitter (routing_c10)";
  double j = jitter.getValueAsDouble();
  if (!(std::isfinite(j) && j >= 0))
    return emitError() << "jitter = " << j
                       << " must be finite and at least 0 (routing_c10)";
  // routing_c11
  if (k != 2)
    return emitError() << "scoring = sparsemixer selects exactly 2 experts, "
                          "got k = "
                       << k << " (routing_c11)";
  std::pair<bool, StringRef> excluded[] = {
      {normalized, "normalize = true"},
      {numGroups != 0, "a group limit"},
      {order == RoutingOrder::topk_first, "order = topk_first"},
      {static_cast<bool>(softcap), "softcap"},
      {static_cast<bool>(logitScale), "logit_scale"}};
  for (auto [present, what] : excluded)
    if (present)
      return emitError() << "scoring = sparsemixer excludes " << what
                         << ": its two weights are softmaxes of masked "
                            "logits (routing_c11)";
  return success();
}

LogicalResult
ExpertChoiceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t capacity) {
  // expert_choice_c1
  if (capacity < 1)
    return emitError() << "capacity = " << capacity
                       << " must be at least 1 (expert_choice_c1)";
  return success();
}

//===----------------------------------------------------------------------===//
// LayerOp
//===----------------------------------------------------------------------===//

namespace {

/// Stacked shared experts (a rank-3 `shared_w1`) need a static count S
/// (layer_c5).
LogicalResult checkStackedSharedCount(LayerOp layer) {
  Value w1 = layer.getSharedW1();
  auto type = w1 ? dyn_cast<RankedTensorType>(w1.getType()) : nullptr;
  if (!type || type.getRank() != 3)
    return success();
  return checkStatic(layer, "layer_c5", "shared_w1", type, 0,
                     "number of stacked shared experts S");
}

/// The stacked shared experts of `layer` (layer_c5): `shared_w1`,
/// `shared_w3` [S, G, D] and `shared_w2` [S, D, G], weighted by the router's
/// last S rows, which only token-choice routing with sigmoid scores of the
/// raw logits gives (the weights are renormalized and scaled with the k
/// routed ones).
LogicalResult verifyStackedShared(LayerOp layer, int64_t d) {
  Operation *op = layer;
  Value w1 = layer.getSharedW1();
  int64_t s = dimOf(w1, 0), g = dimOf(w1, 1);
  if (failed(checkAndBind(op, "layer_c5", "shared_w1", w1.getType(),
                          "[S, G, D]", {&s, &g, &d})) ||
      (layer.getSharedW3() &&
       failed(checkAndBind(op, "layer_c5", "shared_w3",
                           layer.getSharedW3().getType(), "[S, G, D]",
                           {&s, &g, &d}))) ||
      failed(checkAndBind(op, "layer_c5", "shared_w2",
                          layer.getSharedW2().getType(), "[S, D, G]",
                          {&s, &d, &g})))
    return failure();
  if (layer.getSharedGate() || layer.getRouterBias())
    return layer.emitOpError()
           << "stacked shared experts are weighted by the router: they take "
              "no 'shared_gate' and no 'router_bias' (layer_c5)";
  if (layer.getSharedNorm() || layer.getSharedB1() || layer.getSharedB3() ||
      layer.getSharedB2())
    return layer.emitOpError() << "stacked shared experts take no "
                                  "'shared_norm' and no shared biases "
                                  "(layer_c5)";
  if (layer.getIdentityExperts() > 0)
    return layer.emitOpError() << "stacked shared experts and "
                                  "identity_experts both take the router's "
                                  "last rows: a layer has one or the other "
                                  "(layer_c5)";
  if (Value scale = layer.getExpertScale();
      scale &&
      cast<RankedTensorType>(scale.getType()).getShape() != ArrayRef<int64_t>{1})
    return layer.emitOpError()
           << "with stacked shared experts 'expert_scale' must be [1], one "
              "factor of every routed and shared weight, got "
           << formatShape(cast<RankedTensorType>(scale.getType()).getShape())
           << " (layer_c5)";
  RoutingAttr routing = layer.getTokenChoice();
  if (!routing || routing.getScoring() != Scoring::sigmoid ||
      routing.getSoftcap() || routing.getLogitScale() ||
      routing.getNormMin() || routing.getNormP() ||
      routing.isWeightsOnInput())
    return layer.emitOpError()
           << "stacked shared experts need token-choice routing with "
              "scoring = sigmoid and without softcap, logit_scale, norm_min, "
              "norm_p and weights_on_input (layer_c5)";
  return success();
}

} // namespace

LogicalResult LayerOp::verify() {
  Operation *op = getOperation();
  // layer_c1
  if (failed(checkRank(op, "layer_c1", "x", getX().getType(), "[T, D]", 2)))
    return failure();
  if (getResult().getType() != getX().getType())
    return emitOpError() << "result type " << getResult().getType()
                         << " must equal the type of 'x' " << getX().getType()
                         << " (layer_c1)";
  int64_t t = dimOf(getX(), 0), d = dimOf(getX(), 1);
  // layer_c2
  if (failed(checkRank(op, "layer_c2", "router", getRouter().getType(),
                       "[E, D]", 2)) ||
      failed(checkStatic(op, "layer_c2", "router", getRouter().getType(), 0,
                         "number of experts E")))
    return failure();
  // With S stacked shared experts (layer_c5) the router has E + S rows.
  if (failed(checkStackedSharedCount(*this)))
    return failure();
  int64_t stacked = getNumStackedShared();
  int64_t rows = dimOf(getRouter(), 0), e = rows - stacked;
  if (stacked && e < 1)
    return emitOpError() << "'router' has " << rows << " rows: with S = "
                         << stacked
                         << " stacked shared experts it needs more than S "
                            "(E + S rows) (layer_c5)";
  if (failed(checkAndBind(op, "layer_c2", "router", getRouter().getType(),
                          stacked ? "[E+S, D]" : "[E, D]", {&rows, &d})) ||
      failed(checkNumExperts(op, "layer_c2", e)))
    return failure();
  // layer_c9: e counts the router's rows until the routed experts are
  // bound (layer_c4).
  int64_t identity = static_cast<int64_t>(getIdentityExperts());
  if (identity < 0)
    return emitOpError() << "identity_experts = " << identity
                         << " must be at least 0 (layer_c9)";
  if (identity > 0 && getExpertChoice())
    return emitOpError() << "identity_experts need token-choice routing "
                            "(layer_c9)";
  if (identity > 0 && (getLatentIn() || getPreNorm()))
    return emitOpError() << "identity_experts add the layer's input 'x': "
                            "they exclude 'latent_in' and 'pre_norm', which "
                            "change what the routed experts read (layer_c9)";
  if (identity >= e)
    return emitOpError() << "identity_experts = " << identity
                         << " leaves no routed expert among the router's "
                         << e << " rows (layer_c9)";
  int64_t routerRows = e;
  // layer_c3
  if (RoutingAttr routing = getTokenChoice()) {
    if (failed(verifyTokenChoice(op, routing, e, getBias())) ||
        failed(mulRowCount(op, "layer_c3", "T·k", t, routing.getK())))
      return failure();
  } else {
    int64_t c = getExpertChoice().getCapacity();
    if (getBias())
      return emitOpError()
             << "'bias' is only allowed with token-choice routing (layer_c3)";
    if (!ShapedType::isDynamic(t) && c > t)
      return emitOpError() << "expert-choice capacity = " << c
                           << " exceeds the number of tokens T = " << t
                           << " (layer_c3)";
    if (failed(mulRowCount(op, "layer_c3", "E·C", e, c)))
      return failure();
  }
  // layer_c4: the routed experts work on D, or on L with a latent space.
  e = routerRows - identity;
  if (static_cast<bool>(getLatentIn()) != static_cast<bool>(getLatentOut()) ||
      (!getLatentIn() && (getLatentInBias() || getLatentOutBias())))
    return emitOpError() << "a latent space needs both 'latent_in' and "
                            "'latent_out'; their biases need them (layer_c4)";
  int64_t m = d;
  bool latent = static_cast<bool>(getLatentIn());
  if (latent) {
    if (failed(checkRank(op, "layer_c4", "latent_in", getLatentIn().getType(),
                         "[L, D]", 2)))
      return failure();
    m = dimOf(getLatentIn(), 0);
    if (failed(checkAndBind(op, "layer_c4", "latent_in",
                            getLatentIn().getType(), "[L, D]", {&m, &d})) ||
        failed(checkAndBind(op, "layer_c4", "latent_out",
                            getLatentOut().getType(), "[D, L]", {&d, &m})) ||
        (getLatentInBias() &&
         failed(checkAndBind(op, "layer_c4", "latent_in_bias",
                             getLatentInBias().getType(), "[L]", {&m}))) ||
        (getLatentOutBias() &&
         failed(checkAndBind(op, "layer_c4", "latent_out_bias",
                             getLatentOutBias().getType(), "[D]", {&d}))))
      return failure();
  }
  StringRef w1Shape = latent ? "[E, F, L]" : "[E, F, D]";
  StringRef w2Shape = latent ? "[E, L, F]" : "[E, D, F]";
  if (failed(checkRank(op, "layer_c4", "w1", getW1().getType(), w1Shape, 3)))
    return failure();
  int64_t f = dimOf(getW1(), 1);
  // The experts' dimension 0 is static (moe.experts needs it): E itself.
  if (failed(checkAndBind(op, "layer_c4", "w1", getW1().getType(), w1Shape,
                          {&e, &f, &m}, {0})) ||
      (getW3() && failed(checkAndBind(op, "layer_c4", "w3", getW3().getType(),
                                      w1Shape, {&e, &f, &m}, {0}))) ||
      failed(checkAndBind(op, "layer_c4", "w2", getW2().getType(), w2Shape,
                          {&e, &m, &f}, {0})))
    return failure();
  // layer_c5
  bool hasW1 = static_cast<bool>(getSharedW1());
  if (hasW1 != static_cast<bool>(getSharedW2()) ||
      (!hasW1 && (getSharedW3() || getSharedGate() || getSharedB1() ||
                  getSharedB3() || getSharedB2())))
    return emitOpError() << "a shared expert needs both 'shared_w1' and "
                            "'shared_w2'; 'shared_w3', 'shared_gate' and the "
                            "shared biases need them (layer_c5)";
  if (getSharedB3() && !getSharedW3())
    return emitOpError() << "'shared_b3' is the bias of the shared up "
                            "projection 'shared_w3': it needs 'shared_w3' "
                            "(layer_c5)";
  if (stacked) {
    if (failed(verifyStackedShared(*this, d)))
      return failure();
  } else if (hasW1) {
    if (failed(checkRank(op, "layer_c5", "shared_w1", getSharedW1().getType(),
                         "[S, D]", 2)))
      return failure();
    int64_t s = dimOf(getSharedW1(), 0);
    int64_t one = 1;
    if (failed(checkAndBind(op, "layer_c5", "shared_w1",
                            getSharedW1().getType(), "[S, D]", {&s, &d})) ||
        (getSharedW3() &&
         failed(checkAndBind(op, "layer_c5", "shared_w3",
                             getSharedW3().getType(), "[S, D]", {&s, &d}))) ||
        failed(checkAndBind(op, "layer_c5", "shared_w2",
                            getSharedW2().getType(), "[D, S]", {&d, &s})) ||
        (getSharedGate() &&
         failed(checkAndBind(op, "layer_c5", "shared_gate",
                             getSharedGate().getType(), "[1, D]",
                             {&one, &d}))) ||
        (getSharedB1() &&
         failed(checkAndBind(op, "layer_c5", "shared_b1",
                             getSharedB1().getType(), "[S]", {&s}))) ||
        (getSharedB3() &&
         failed(checkAndBind(op, "layer_c5", "shared_b3",
                             getSharedB3().getType(), "[S]", {&s}))) ||
        (getSharedB2() &&
         failed(checkAndBind(op, "layer_c5", "shared_b2",
                             getSharedB2().getType(), "[D]", {&d}))))
      return failure();
  }
  // layer_c7
  if (getB3() && !getW3())
    return emitOpError() << "'b3' is the bias of the up projection 'w3': it "
                            "needs 'w3' (layer_c7)";
  if ((getRouterBias() &&
       failed(checkAndBind(op, "layer_c7", "router_bias",
                           getRouterBias().getType(),
                           identity ? "[E + identity_experts]" : "[E]",
                           {&routerRows}))) ||
      (getB1() && failed(checkAndBind(op, "layer_c7", "b1", getB1().getType(),
                                      "[E, F]", {&e, &f}))) ||
      (getB3() && failed(checkAndBind(op, "layer_c7", "b3", getB3().getType(),
                                      "[E, F]", {&e, &f}))) ||
      (getB2() && failed(checkAndBind(op, "layer_c7", "b2", getB2().getType(),
                                      latent ? "[E, L]" : "[E, D]",
                                      {&e, &m}))) ||
      (getOutputBias() &&
       failed(checkAndBind(op, "layer_c7", "output_bias",
                           getOutputBias().getType(), "[D]", {&d}))) ||
      failed(checkPositive(op, "layer_c7", "output_scale",
                           getOutputScaleAttr())))
    return failure();
  // layer_c8
  if (failed(checkActivationParams(op, "layer_c8", getActivation(),
                                   getAlphaAttr(), getLimitAttr(),
                                   getLimitAfterAct(), isGated(), "'w3'",
                                   static_cast<bool>(getSharedLimitAttr()))))
    return failure();
  if (failed(checkSoftcapParams(op, "layer_c8", getActivation(),
                                getGateSoftcapAttr(), getUpSoftcapAttr(),
                                getLimitAfterAct(), isGated(), "'w3'")))
    return failure();
  if (hasW1 && !getSharedW3() &&
      (getActivation() == Activation::swiglu_oai ||
       getActivation() == Activation::swiglu_softcap))
    return emitOpError() << "activation "
                         << stringifyActivation(getActivation())
                         << " is a gated (GLU) activation: the shared expert "
                            "needs 'shared_w3' (layer_c8)";
  if (getSharedLimitAttr() && !getSharedW3())
    return emitOpError() << "'shared_limit' clamps the gate and up "
                            "projections of a gated shared expert: it needs "
                            "'shared_w3' (layer_c8)";
  if (failed(
          checkPositive(op, "layer_c8", "shared_limit", getSharedLimitAttr())))
    return failure();
  // layer_c10
  if (Value scale = getExpertScale()) {
    auto type = cast<RankedTensorType>(scale.getType());
    if (!getTokenChoice())
      return emitOpError() << "'expert_scale' scales the weights of a "
                              "token-choice routing: it needs #moe.routing "
                              "(layer_c10)";
    if (!type.getElementType().isF32())
      return emitOpError() << "'expert_scale' must have element type f32 like "
                              "the routing weights, got "
                           << type.getElementType() << " (layer_c10)";
    if (type.getRank() != 1 || type.isDynamicDim(0) ||
        (type.getDimSize(0) != 1 && type.getDimSize(0) != routerRows))
      return emitOpError() << "'expert_scale' must have the static shape [1] "
                           << (identity ? "or [E + identity_experts] = ["
                                        : "or [E] = [")
                           << routerRows << "], got " << type << " (layer_c10)";
  }
  // layer_c11
  for (auto [norm, name] :
       {std::pair<Value, StringRef>{getPreNorm(), "pre_norm"},
        {getRouterNorm(), "router_norm"},
        {getPostNorm(), "post_norm"},
        {getSharedNorm(), "shared_norm"}})
    if (norm && failed(checkAndBind(op, "layer_c11", name, norm.getType(),
                                    "[D]", {&d})))
      return failure();
  if (getExpertNorm() &&
      failed(checkAndBind(op, "layer_c11", "expert_norm",
                          getExpertNorm().getType(),
                          latent ? "[E, L]" : "[E, D]", {&e, &m})))
    return failure();
  if (getSharedNorm() && !hasW1)
    return emitOpError() << "'shared_norm' normalizes the shared expert's "
                            "output: it needs a shared expert (layer_c11)";
  if (failed(checkNormEps(op, "layer_c11", getRmsNormEpsAttr(),
                          getPreNorm() || getRouterNorm() || getPostNorm() ||
                              getExpertNorm() || getSharedNorm(),
                          "pre_norm, router_norm, post_norm, expert_norm "
                          "and shared_norm")))
    return failure();
  // layer_c6
  if (getExpertChoice() && (getDropPolicy() != DropPolicy::none ||
                            getCapacityFactorAttr() || getCapacityAttr()))
    return emitOpError() << "expert-choice routing takes no drop policy, "
                            "capacity or capacity_factor: its capacity is part "
                            "of the routing (layer_c6)";
  return verifyCapacity(op, getDropPolicy(), getCapacityFactorAttr(),
                        getCapacityAttr());
}

//===----------------------------------------------------------------------===//
// RouteOp
//===----------------------------------------------------------------------===//

LogicalResult RouteOp::verify() {
  Operation *op = getOperation();
  // route_c1
  if (failed(checkRank(op, "route_c1", "logits", getLogits().getType(),
                       "[T, E]", 2)) ||
      failed(checkStatic(op, "route_c1", "logits", getLogits().getType(), 1,
                         "number of experts E")))
    return failure();
  int64_t t = dimOf(getLogits(), 0), e = dimOf(getLogits(), 1);
  if (failed(checkNumExperts(op, "route_c1", e)) ||
      failed(verifyTokenChoice(op, getRouting(), e, getBias())))
    return failure();
  // route_c8
  if (getRouting().isWeightsOnInput())
    return emitOpError() << "weights_on_input is a parameter of moe.layer; "
                            "moe.route computes the weights only (route_c8)";
  // route_c7: k is static and exact; T agrees with the logits.
  int64_t k = getRouting().getK();
  return failure(
      failed(checkAndBind(op, "route_c7", "weights", getWeights().getType(),
                          "[T, k]", {&t, &k}, /*fixed=*/{1})) ||
      failed(checkAndBind(op, "route_c7", "indices", getIndices().getType(),
                          "[T, k]", {&t, &k}, /*fixed=*/{1})));
}

//===----------------------------------------------------------------------===//
// RouteExpertChoiceOp
//===----------------------------------------------------------------------===//

LogicalResult RouteExpertChoiceOp::verify() {
  Operation *op = getOperation();
  // route_expert_choice_c1
  if (failed(checkRank(op, "route_expert_choice_c1", "logits",
                       getLogits().getType(), "[T, E]", 2)) ||
      failed(checkStatic(op, "route_expert_choice_c1", "logits",
                         getLogits().getType(), 1, "number of experts E")))
    return failure();
  int64_t t = dimOf(getLogits(), 0), e = dimOf(getLogits(), 1);
  if (failed(checkNumExperts(op, "route_expert_choice_c1", e)))
    return failure();
  int64_t c = getCapacity();
  // route_expert_choice_c2
  if (c < 1)
    return emitOpError() << "capacity = " << c
                         << " must be at least 1 (route_expert_choice_c2)";
  if (!ShapedType::isDynamic(t) && c > t)
    return emitOpError() << "capacity = " << c
                         << " exceeds the number of tokens T = " << t
                         << " (route_expert_choice_c2)";
  // route_expert_choice_c3: both dimensions are static and exact.
  return failure(failed(checkShape(op, "route_expert_choice_c3", "token_ids",
                                   getTokenIds().getType(), "[E, C]", {e, c},
                                   /*fixed=*/{0, 1})) ||
                 failed(checkShape(op, "route_expert_choice_c3", "weights",
                                   getWeights().getType(), "[E, C]", {e, c},
                                   /*fixed=*/{0, 1})));
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

int64_t DispatchOp::capacityFromFactor(double capacityFactor, int64_t tokens,
                                       int64_t k, int64_t numExperts) {
  double assignments = static_cast<double>(tokens) * static_cast<double>(k);
  double c =
      std::ceil(capacityFactor * static_cast<double>(tokens) *
                static_cast<double>(k) / static_cast<double>(numExperts));
  return static_cast<int64_t>(std::min(c, assignments));
}

int64_t DispatchOp::numRowsOf(DispatchLayout layout, int64_t tokens, int64_t k,
                              int64_t numExperts, int64_t capacity,
                              int64_t block) {
  if (layout == DispatchLayout::padded)
    return numExperts * capacity;
  if (ShapedType::isDynamic(tokens))
    return kAny;
  if (layout == DispatchLayout::blocked)
    return tokens * k + numExperts * (block - 1);
  return tokens * k;
}

std::optional<int64_t> DispatchOp::getStaticCapacity() {
  if (getDropPolicy() == DropPolicy::none)
    return std::nullopt;
  if (std::optional<int64_t> c = getCapacity())
    return *c;
  auto indicesType = cast<RankedTensorType>(getIndices().getType());
  int64_t t = indicesType.getDimSize(0);
  if (!getCapacityFactor() || ShapedType::isDynamic(t) ||
      indicesType.isDynamicDim(1))
    return std::nullopt;
  return capacityFromFactor(getCapacityFactor()->convertToDouble(), t,
                            indicesType.getDimSize(1), getNumExperts());
}

LogicalResult DispatchOp::verify() {
  Operation *op = getOperation();
  // dispatch_c1
  if (failed(checkRank(op, "dispatch_c1", "x", getX().getType(), "[T, D]", 2)))
    return failure();
  int64_t t = dimOf(getX(), 0), d = dimOf(getX(), 1);
  // dispatch_c2
  if (failed(checkRank(op, "dispatch_c2", "indices", getIndices().getType(),
                       "[T, k]", 2)))
    return failure();
  int64_t k = dimOf(getIndices(), 1);
  if (failed(checkStatic(op, "dispatch_c2", "indices", getIndices().getType(),
                         1, "k")) ||
      failed(checkAndBind(op, "dispatch_c2", "indices", getIndices().getType(),
                          "[T, k]", {&t, &k})) ||
      failed(checkAndBind(op, "dispatch_c2", "weights", getWeights().getType(),
                          "[T, k]", {&t, &k})))
    return failure();
  // dispatch_c3
  int64_t e = getNumExperts();
  if (e < 1)
    return emitOpError() << "experts = " << e
                         << " must be at least 1 (dispatch_c3)";
  if (failed(checkNumExperts(op, "dispatch_c3", e)) ||
      failed(verifyCapacity(op, getDropPolicy(), getCapacityFactorAttr(),
                            getCapacityAttr())))
    return failure();
  // dispatch_c6: T·k fits in i32 whatever the layout.
  FailureOr<int64_t> assignments = mulRowCount(op, "dispatch_c6", "T·k", t, k);
  if (failed(assignments))
    return failure();

  DispatchLayout layout = getLayout();
  std::optional<int64_t> block = getBlock();
  // dispatch_c9
  if (block.has_value() != (layout == DispatchLayout::blocked))
    return emitOpError() << "'block' is required by layout blocked and "
                            "allowed only with it, got layout "
                         << stringifyDispatchLayout(layout)
                         << (block ? " with" : " without") << " 'block' "
                         << "(dispatch_c9)";
  int64_t n = *assignments;
  std::string nName = "T*k";
  if (block) {
    if (*block < 1)
      return emitOpError() << "block = " << *block
                           << " must be at least 1 (dispatch_c9)";
    // The padding bound E·(block-1) alone, then with T·k when T is static.
    std::optional<int64_t> pad = llvm::checkedMul(e, *block - 1);
    std::optional<int64_t> total =
        pad && !ShapedType::isDynamic(n) ? llvm::checkedAdd(n, *pad) : pad;
    if (!total || *total > kMaxI32)
      return emitOpError() << "T*k + E*(block-1) = " << formatDim(n) << " + "
                           << e << "*(" << *block << "-1) exceeds " << kMaxI32
                           << ": row offsets are i32 (dispatch_c9)";
    n = numRowsOf(layout, t, k, e, 0, *block);
    nName = "T*k+E*(block-1)";
  }
  // dispatch_c8
  SmallVector<unsigned> fixed;
  if (layout == DispatchLayout::padded) {
    if (getDropPolicy() == DropPolicy::none)
      return emitOpError() << "layout padded needs a capacity: drop policy "
                              "'none' is dropless (dispatch_c8)";
    std::optional<int64_t> c = getStaticCapacity();
    if (!c)
      return emitOpError()
             << "layout padded needs a static capacity: 'capacity', or "
                "'capacity_factor' with a static number of tokens T, got T = "
             << formatDim(t) << " (dispatch_c8)";
    std::optional<int64_t> rows = llvm::checkedMul(e, *c);
    if (!rows || *rows > kMaxI32)
      return emitOpError() << "E*C = " << e << "*" << *c << " exceeds "
                           << kMaxI32 << ": row offsets are i32 (dispatch_c8)";
    n = *rows;
    nName = "E*C";
    fixed.push_back(0);
  }
  // dispatch_c6
  std::string rowsLayout = "[" + nName + ", D]";
  std::string vectorLayout = "[" + nName + "]";
  if (failed(checkAndBind(op, "dispatch_c6", "rows", getRows().getType(),
                          rowsLayout, {&n, &d}, fixed)) ||
      failed(checkAndBind(op, "dispatch_c6", "row_tokens",
                          getRowTokens().getType(), vectorLayout, {&n},
                          fixed)) ||
      failed(checkAndBind(op, "dispatch_c6", "row_weights",
                          getRowWeights().getType(), vectorLayout, {&n},
                          fixed)))
    return failure();
  if (getRows().getType().getElementType() != getX().getType().getElementType())
    return emitOpError() << "'rows' element type "
                         << getRows().getType().getElementType()
                         << " must equal that of 'x' "
                         << getX().getType().getElementType()
                         << " (dispatch_c6)";
  // dispatch_c7: E+1 is static and exact.
  return checkShape(op, "dispatch_c7", "offsets", getOffsets().getType(),
                    "[E+1]", {e + 1}, /*fixed=*/{0});
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult GroupedMatmulOp::verify() {
  Operation *op = getOperation();
  // grouped_matmul_c1
  if (failed(checkRank(op, "grouped_matmul_c1", "lhs", getLhs().getType(),
                       "[N, K]", 2)) ||
      failed(checkRank(op, "grouped_matmul_c1", "rhs", getRhs().getType(),
                       "[E, M, K]", 3)) ||
      failed(checkStatic(op, "grouped_matmul_c1", "rhs", getRhs().getType(), 0,
                         "number of groups E")))
    return failure();
  int64_t n = dimOf(getLhs(), 0), k = dimOf(getLhs(), 1);
  int64_t e = dimOf(getRhs(), 0), m = dimOf(getRhs(), 1);
  if (failed(checkI32Extent(op, "grouped_matmul_c1", "the number of groups E",
                            e, "offsets")))
    return failure();
  if (failed(checkShape(op, "grouped_matmul_c1", "rhs", getRhs().getType(),
                        "[E, M, K]", {e, m, k})))
    return failure();
  // grouped_matmul_c2
  if (failed(checkShape(op, "grouped_matmul_c2", "offsets",
                        getOffsets().getType(), "[E+1]", {e + 1})))
    return failure();
  // grouped_matmul_c3
  return checkShape(op, "grouped_matmul_c3", "result", getResult().getType(),
                    "[N, M]", {n, m});
}

//===----------------------------------------------------------------------===//
// ExpertsOp
//===----------------------------------------------------------------------===//

LogicalResult ExpertsOp::verify() {
  Operation *op = getOperation();
  // experts_c1
  if (failed(checkRank(op, "experts_c1", "rows", getRows().getType(), "[N, D]",
                       2)))
    return failure();
  int64_t d = dimOf(getRows(), 1);
  // experts_c2
  if (failed(checkRank(op, "experts_c2", "w1", getW1().getType(), "[E, F, D]",
                       3)) ||
      failed(checkStatic(op, "experts_c2", "w1", getW1().getType(), 0,
                         "number of experts E")))
    return failure();
  int64_t e = dimOf(getW1(), 0), f = dimOf(getW1(), 1);
  if (failed(checkNumExperts(op, "experts_c2", e)) ||
      failed(checkAndBind(op, "experts_c2", "w1", getW1().getType(),
                          "[E, F, D]", {&e, &f, &d})) ||
      (getW3() && failed(checkAndBind(op, "experts_c2", "w3", getW3().getType(),
                                      "[E, F, D]", {&e, &f, &d}))) ||
      failed(checkAndBind(op, "experts_c2", "w2", getW2().getType(),
                          "[E, D, F]", {&e, &d, &f})))
    return failure();
  // experts_c3
  if (failed(checkShape(op, "experts_c3", "offsets", getOffsets().getType(),
                        "[E+1]", {e + 1})))
    return failure();
  // experts_c4
  if (getResult().getType() != getRows().getType())
    return emitOpError() << "result type " << getResult().getType()
                         << " must equal the type of 'rows' "
                         << getRows().getType() << " (experts_c4)";
  // experts_c5
  if (getB3() && !getW3())
    return emitOpError() << "'b3' is the bias of the up projection 'w3': it "
                            "needs 'w3' (experts_c5)";
  if ((getB1() && failed(checkAndBind(op, "experts_c5", "b1", getB1().getType(),
                                      "[E, F]", {&e, &f}))) ||
      (getB3() && failed(checkAndBind(op, "experts_c5", "b3", getB3().getType(),
                                      "[E, F]", {&e, &f}))) ||
      (getB2() && failed(checkAndBind(op, "experts_c5", "b2", getB2().getType(),
                                      "[E, D]", {&e, &d}))))
    return failure();
  // experts_c6
  if (failed(checkActivationParams(op, "experts_c6", getActivation(),
                                   getAlphaAttr(), getLimitAttr(),
                                   getLimitAfterAct(), isGated(), "'w3'")))
    return failure();
  if (failed(checkSoftcapParams(op, "experts_c6", getActivation(),
                                getGateSoftcapAttr(), getUpSoftcapAttr(),
                                getLimitAfterAct(), isGated(), "'w3'")))
    return failure();
  // experts_c7
  if (getOutNorm() &&
      failed(checkAndBind(op, "experts_c7", "out_norm", getOutNorm().getType(),
                          "[E, D]", {&e, &d})))
    return failure();
  return checkNormEps(op, "experts_c7", getRmsNormEpsAttr(),
                      static_cast<bool>(getOutNorm()), "out_norm");
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  Operation *op = getOperation();
  auto qType = cast<RankedTensorType>(getQ().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  int64_t rank = qType.getRank();
  // dequantize_c1
  if (rank < 2)
    return emitOpError() << "'q' must have rank 2 or more ([..., N, K]), got "
                         << formatShape(qType.getShape()) << " (dequantize_c1)";
  // dequantize_c5: two 4-bit values per byte of q.
  std::optional<PackedFormat> packed = getPacked();
  SmallVector<int64_t> shape(qType.getShape());
  if (packed) {
    if (!qType.getElementType().isInteger(8))
      return emitOpError() << "'q' of packed " << stringifyPackedFormat(*packed)
                           << " values must be i8 bytes, got "
                           << qType.getElementType() << " (dequantize_c5)";
    int64_t &k = shape.back();
    if (!ShapedType::isDynamic(k))
      k *= 2;
  }
  if (failed(verifyCompatibleShape(resultType.getShape(), shape)))
    return emitOpError() << "result shape "
                         << formatShape(resultType.getShape())
                         << " must equal the shape of 'q'"
                         << (packed ? " with K = 2 x its last dimension " : " ")
                         << formatShape(shape) << " (dequantize_c1)";
  // K is that of the result (the packed q holds K / 2 bytes).
  shape.assign(resultType.getShape().begin(), resultType.getShape().end());
  // dequantize_c2
  ArrayRef<int64_t> block = getBlock();
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return emitOpError() << "block must be two positive sizes [bn, bk] "
                            "(dequantize_c2)";
  // dequantize_c3: scales [..., ceil(N / bn), ceil(K / bk)].
  SmallVector<int64_t> expected(shape);
  for (int64_t i = 0; i < 2; ++i) {
    int64_t &dim = expected[rank - 2 + i];
    if (!ShapedType::isDynamic(dim))
      dim = llvm::divideCeil(dim, block[i]);
  }
  if (failed(checkShape(op, "dequantize_c3", "scales", getScales().getType(),
                        "[..., ceil(N / bn), ceil(K / bk)]", expected)))
    return failure();
  // dequantize_c4
  if (Value zeros = getZeroPoints()) {
    if (packed == PackedFormat::e2m1)
      return emitOpError() << "'zero_points' need integer values in 'q', got "
                              "packed e2m1 (dequantize_c4)";
    if (!qType.getElementType().isInteger())
      return emitOpError() << "'zero_points' need integer values in 'q', got "
                           << qType.getElementType() << " (dequantize_c4)";
    if (!cast<RankedTensorType>(zeros.getType()).getElementType().isInteger(8))
      return emitOpError() << "'zero_points' must be i8, got "
                           << cast<RankedTensorType>(zeros.getType())
                                  .getElementType()
                           << " (dequantize_c4)";
    if (failed(checkShape(op, "dequantize_c4", "zero_points", zeros.getType(),
                          "[..., ceil(N / bn), ceil(K / bk)]", expected)))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

LogicalResult RmsNormOp::verify() {
  Operation *op = getOperation();
  // rms_norm_c1
  if (failed(checkRank(op, "rms_norm_c1", "x", getX().getType(), "[T, D]", 2)))
    return failure();
  if (getResult().getType() != getX().getType())
    return emitOpError() << "result type " << getResult().getType()
                         << " must equal the type of 'x' " << getX().getType()
                         << " (rms_norm_c1)";
  // rms_norm_c2
  int64_t d = dimOf(getX(), 1);
  if (failed(checkAndBind(op, "rms_norm_c2", "weight", getWeight().getType(),
                          "[D]", {&d})))
    return failure();
  // rms_norm_c3
  double eps = getEps().convertToDouble();
  if (!(std::isfinite(eps) && eps >= 0))
    return emitOpError() << "eps = " << eps
                         << " must be finite and at least 0 (rms_norm_c3)";
  return success();
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  Operation *op = getOperation();
  // combine_c1
  if (failed(checkRank(op, "combine_c1", "rows", getRows().getType(), "[N, D]",
                       2)))
    return failure();
  int64_t n = dimOf(getRows(), 0), d = dimOf(getRows(), 1);
  // combine_c2
  if (failed(checkAndBind(op, "combine_c2", "row_tokens",
                          getRowTokens().getType(), "[N]", {&n})) ||
      failed(checkAndBind(op, "combine_c2", "row_weights",
                          getRowWeights().getType(), "[N]", {&n})))
    return failure();
  // combine_c3
  if (failed(checkRank(op, "combine_c3", "acc", getAcc().getType(), "[T, D]",
                       2)) ||
      failed(checkShape(op, "combine_c3", "acc", getAcc().getType(), "[T, D]",
                        {dimOf(getAcc(), 0), d})))
    return failure();
  // combine_c4 (result type == acc type) is the AllTypesMatch trait.
  return success();
}

//===----------------------------------------------------------------------===//
// AllToAllOp
//===----------------------------------------------------------------------===//

LogicalResult AllToAllOp::verify() {
  Operation *op = getOperation();
  int64_t r = getNumRanks();
  // all_to_all_c1
  if (r < 1)
    return emitOpError() << "ranks = " << r
                         << " must be at least 1 (all_to_all_c1)";
  // all_to_all_c2
  if (failed(checkRank(op, "all_to_all_c2", "rows", getRows().getType(),
                       "[N, D]", 2)) ||
      failed(checkShape(op, "all_to_all_c2", "send_counts",
                        getSendCounts().getType(), "[R]", {r})) ||
      failed(checkShape(op, "all_to_all_c2", "recv_counts",
                        getRecvCounts().getType(), "[R]", {r},
                        /*fixed=*/{0})))
    return failure();
  // all_to_all_c3
  if (failed(checkRank(op, "all_to_all_c3", "result", getResult().getType(),
                       "[M, D]", 2)) ||
      failed(checkShape(op, "all_to_all_c3", "result", getResult().getType(),
                        "[M, D]",
                        {dimOf(getResult(), 0), dimOf(getRows(), 1)})))
    return failure();
  if (getResult().getType().getElementType() !=
      getRows().getType().getElementType())
    return emitOpError() << "'result' element type "
                         << getResult().getType().getElementType()
                         << " must equal that of 'rows' "
                         << getRows().getType().getElementType()
                         << " (all_to_all_c3)";
  return success();
}

#define GET_OP_CLASSES
#include "moe/Dialect/MoE/IR/MoEOps.cpp.inc"
