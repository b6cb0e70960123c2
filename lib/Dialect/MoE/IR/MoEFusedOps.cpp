//===- MoEFusedOps.cpp - Verifiers of the fused expert ops ----------------===//
//
// moe.grouped_matmul_act and moe.grouped_matmul_combine (MoEFusedOps.td).
// Every verifier line that enforces a constraint of docs/Spec.md carries the
// constraint's label in its message; test/Dialect/MoE/invalid-fused.mlir has
// a negative test named after each label.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "ShapeChecks.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::shape_checks;

namespace {

/// Checks that `rhs` is a `[E, *, *]` stack of E <= kMaxI32 matrices with a
/// static E (the first constraint on the weights of a grouped op, `label`);
/// `layout` names its dimensions.
LogicalResult checkGroupedWeights(Operation *op, StringRef label, Value rhs,
                                  StringRef layout) {
  if (failed(checkRank(op, label, "rhs", rhs.getType(), layout, 3)) ||
      failed(checkStatic(op, label, "rhs", rhs.getType(), 0,
                         "number of groups E")))
    return failure();
  return checkI32Extent(op, label, "the number of groups E", dimOf(rhs, 0),
                        "offsets");
}

} // namespace

//===----------------------------------------------------------------------===//
// GroupedMatmulActOp
//===----------------------------------------------------------------------===//

LogicalResult GroupedMatmulActOp::verify() {
  Operation *op = getOperation();
  // grouped_matmul_act_c1
  if (failed(checkRank(op, "grouped_matmul_act_c1", "lhs", getLhs().getType(),
                       "[N, D]", 2)))
    return failure();
  int64_t n = dimOf(getLhs(), 0), d = dimOf(getLhs(), 1);
  // grouped_matmul_act_c2
  StringRef layout = getGated() ? "[E, 2F, D]" : "[E, F, D]";
  if (failed(
          checkGroupedWeights(op, "grouped_matmul_act_c2", getRhs(), layout)))
    return failure();
  int64_t e = dimOf(getRhs(), 0), g = dimOf(getRhs(), 1);
  if (failed(checkAndBind(op, "grouped_matmul_act_c2", "rhs",
                          getRhs().getType(), layout, {&e, &g, &d})))
    return failure();
  // grouped_matmul_act_c3
  int64_t f = g;
  if (getGated() && !ShapedType::isDynamic(g)) {
    if (g % 2 != 0)
      return emitOpError() << "'rhs' of a gated op stacks w1 and w3, so its "
                              "dimension 1 (2F) must be even, got "
                           << g << " (grouped_matmul_act_c3)";
    f = g / 2;
  }
  // grouped_matmul_act_c4
  if (failed(checkShape(op, "grouped_matmul_act_c4", "offsets",
                        getOffsets().getType(), "[E+1]", {e + 1})))
    return failure();
  // grouped_matmul_act_c5
  if (failed(checkShape(op, "grouped_matmul_act_c5", "result",
                        getResult().getType(), "[N, F]", {n, f})))
    return failure();
  // grouped_matmul_act_c6
  if (failed(checkActivationParams(op, "grouped_matmul_act_c6",
                                   getActivation(), getAlphaAttr(),
                                   getLimitAttr(), getLimitAfterAct(),
                                   getGated(), "'gated'")) ||
      failed(checkSoftcapParams(op, "grouped_matmul_act_c6", getActivation(),
                                getGateSoftcapAttr(), getUpSoftcapAttr(),
                                getLimitAfterAct(), getGated(), "'gated'")))
    return failure();
  // grouped_matmul_act_c7
  if (getBias())
    return checkShape(op, "grouped_matmul_act_c7", "bias",
                      getBias().getType(), "[E, G]", {e, g});
  return success();
}

//===----------------------------------------------------------------------===//
// GroupedMatmulCombineOp
//===----------------------------------------------------------------------===//

LogicalResult GroupedMatmulCombineOp::verify() {
  Operation *op = getOperation();
  // grouped_matmul_combine_c1
  if (failed(checkRank(op, "grouped_matmul_combine_c1", "lhs",
                       getLhs().getType(), "[N, F]", 2)))
    return failure();
  int64_t n = dimOf(getLhs(), 0), f = dimOf(getLhs(), 1);
  // grouped_matmul_combine_c2
  if (failed(checkGroupedWeights(op, "grouped_matmul_combine_c2", getRhs(),
                                 "[E, D, F]")))
    return failure();
  int64_t e = dimOf(getRhs(), 0), d = dimOf(getRhs(), 1);
  if (failed(checkAndBind(op, "grouped_matmul_combine_c2", "rhs",
                          getRhs().getType(), "[E, D, F]", {&e, &d, &f})))
    return failure();
  // grouped_matmul_combine_c3
  if (failed(checkShape(op, "grouped_matmul_combine_c3", "offsets",
                        getOffsets().getType(), "[E+1]", {e + 1})))
    return failure();
  // grouped_matmul_combine_c4
  if (failed(checkAndBind(op, "grouped_matmul_combine_c4", "row_tokens",
                          getRowTokens().getType(), "[N]", {&n})) ||
      failed(checkAndBind(op, "grouped_matmul_combine_c4", "row_weights",
                          getRowWeights().getType(), "[N]", {&n})))
    return failure();
  // grouped_matmul_combine_c5
  if (failed(checkRank(op, "grouped_matmul_combine_c5", "acc",
                       getAcc().getType(), "[T, D]", 2)) ||
      failed(checkShape(op, "grouped_matmul_combine_c5", "acc",
                        getAcc().getType(), "[T, D]", {dimOf(getAcc(), 0), d})))
    return failure();
  // grouped_matmul_combine_c6 (result type == acc type) is the
  // AllTypesMatch trait.
  // grouped_matmul_combine_c7
  if (getBias())
    return checkShape(op, "grouped_matmul_combine_c7", "bias",
                      getBias().getType(), "[E, D]", {e, d});
  return success();
}
