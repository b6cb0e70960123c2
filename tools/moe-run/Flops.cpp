//===- Flops.cpp - Useful floating-point operations of a module -----------===//
//
// Per moe.layer with T tokens, hidden size D, E experts of inner size F,
// top-k routing, shared expert of inner size S (a multiply-add is 2 FLOPs):
//   router          2·T·E·D
//   routed experts  A · 2·D·F·(3 if gated else 2), where A is the number of
//                   (token, expert) assignments: T·k, at most E·C under a
//                   capacity C (given, or ceil(capacity_factor·T·k/E)), and
//                   E·C under expert-choice routing
//   shared expert   T · 2·D·S·(3 if gated else 2), plus 2·T·D for its gate
// Softmax, top-k, activations and the combine are not counted.
//
// A module without moe.layer (decomposed, planned or fused IR) is counted
// from its steps, so that the same layer counts the same before and after
// moe-optimize: every linalg.matmul (the router, a shared expert's gate)
// 2·M·N·K; moe.experts 2·D·F·(3 | 2) and every grouped GEMM 2·M·K per
// useful row, where the useful rows of a moe.dispatch are its assignments
// (T·k, at most E·C), padding rows are not counted, and other rows (a
// shared expert's tokens, expert choice's E·C) are all useful.
//
//===----------------------------------------------------------------------===//

#include "Flops.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

/// Sizes of values, static from their types or bound at run time.
class SizeResolver {
public:
  SizeResolver(func::FuncOp entry, ArrayRef<HostTensor> args)
      : entry(entry), args(args) {}

  /// Dimension `dim` of `value`, or 0 when unknown.
  double get(Value value, unsigned dim) const {
    auto type = dyn_cast<ShapedType>(value.getType());
    if (!type || !type.hasRank() || dim >= type.getRank())
      return 0;
    if (!type.isDynamicDim(dim))
      return static_cast<double>(type.getDimSize(dim));
    if (auto arg = dyn_cast<BlockArgument>(value))
      if (arg.getOwner()->getParentOp() == entry.getOperation())
        return static_cast<double>(args[arg.getArgNumber()].getShape()[dim]);
    // A token count computed inside the function: the first input with a
    // dynamic leading dimension gives it.
    if (dim == 0)
      for (auto [type, arg] :
           llvm::zip(entry.getFunctionType().getInputs(), args))
        if (auto shaped = dyn_cast<ShapedType>(type))
          if (shaped.hasRank() && shaped.getRank() >= 1 &&
              shaped.isDynamicDim(0))
            return static_cast<double>(arg.getShape()[0]);
    return 0;
  }

private:
  mutable func::FuncOp entry;
  ArrayRef<HostTensor> args;
};

double countLayer(LayerOp layer, const SizeResolver &sizes) {
  double t = sizes.get(layer.getX(), 0);
  double d = sizes.get(layer.getX(), 1);
  double e = sizes.get(layer.getRouter(), 0);
  double f = sizes.get(layer.getW1(), 1);
  double flops = 2 * t * e * d;
  // The identity experts are routed but not dispatched.
  e -= static_cast<double>(layer.getIdentityExperts());

  double assignments;
  if (RoutingAttr routing = layer.getTokenChoice()) {
    assignments = t * static_cast<double>(routing.getK());
    std::optional<double> capacity;
    if (std::optional<uint64_t> c = layer.getCapacity())
      capacity = static_cast<double>(*c);
    else if (std::optional<APFloat> factor = layer.getCapacityFactor())
      capacity =
          e > 0 ? std::ceil(factor->convertToDouble() * assignments / e) : 0;
    if (capacity)
      assignments = std::min(assignments, e * *capacity);
  } else {
    assignments =
        e * static_cast<double>(layer.getExpertChoice().getCapacity());
  }
  flops += assignments * 2 * d * f * (layer.isGated() ? 3 : 2);

  if (int64_t stacked = layer.getNumStackedShared()) {
    // S stacked shared experts [S, G, D], every token through each.
    double g = sizes.get(layer.getSharedW1(), 1);
    flops += t * 2 * d * static_cast<double>(stacked) * g *
             (layer.getSharedW3() ? 3 : 2);
  } else if (layer.hasSharedExpert()) {
    double s = sizes.get(layer.getSharedW1(), 0);
    flops += t * 2 * d * s * (layer.getSharedW3() ? 3 : 2);
    if (layer.getSharedGate())
      flops += 2 * t * d;
  }
  return flops;
}

/// Useful rows of `rows`: the assignments a moe.dispatch keeps, through
/// the row-wise grouped GEMMs and concatenations that carry them.
double usefulRows(Value rows, const SizeResolver &sizes) {
  Operation *def = rows.getDefiningOp();
  if (auto dispatch = dyn_cast_or_null<DispatchOp>(def)) {
    double t = sizes.get(dispatch.getIndices(), 0);
    double k = sizes.get(dispatch.getIndices(), 1);
    double e = static_cast<double>(dispatch.getNumExperts());
    double assignments = t * k;
    if (dispatch.getDropPolicy() == DropPolicy::none)
      return assignments;
    if (std::optional<uint64_t> c = dispatch.getCapacity())
      return std::min(assignments, e * static_cast<double>(*c));
    if (std::optional<APFloat> factor = dispatch.getCapacityFactor())
      return std::min(assignments, e * std::ceil(factor->convertToDouble() *
                                                 assignments / e));
    return assignments;
  }
  if (isa_and_nonnull<GroupedMatmulActOp, GroupedMatmulOp>(def))
    return usefulRows(def->getOperand(0), sizes);
  if (auto concat = dyn_cast_or_null<tensor::ConcatOp>(def);
      concat && concat.getDim() == 0) {
    double sum = 0;
    for (Value input : concat.getInputs())
      sum += usefulRows(input, sizes);
    return sum;
  }
  return sizes.get(rows, 0);
}

double countSteps(Operation *op, const SizeResolver &sizes) {
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
    Value lhs = matmul.getDpsInputs()[0];
    return 2 * sizes.get(lhs, 0) * sizes.get(lhs, 1) *
           sizes.get(matmul.getDpsInits()[0], 1);
  }
  if (auto experts = dyn_cast<ExpertsOp>(op))
    return usefulRows(experts.getRows(), sizes) * 2 *
           sizes.get(experts.getRows(), 1) * sizes.get(experts.getW1(), 1) *
           (experts.isGated() ? 3 : 2);
  if (isa<GroupedMatmulActOp, GroupedMatmulCombineOp, GroupedMatmulOp>(op)) {
    Value rhs = op->getOperand(1);
    return usefulRows(op->getOperand(0), sizes) * 2 * sizes.get(rhs, 1) *
           sizes.get(rhs, 2);
  }
  return 0;
}

} // namespace

double execution::countUsefulFlops(ModuleOp module, func::FuncOp entry,
                             ArrayRef<HostTensor> args) {
  SizeResolver sizes(entry, args);
  double flops = 0;
  bool hasLayer = false;
  entry.walk([&](LayerOp layer) {
    flops += countLayer(layer, sizes);
    hasLayer = true;
  });
  if (hasLayer)
    return flops;
  entry.walk([&](Operation *op) { flops += countSteps(op, sizes); });
  return flops;
}
