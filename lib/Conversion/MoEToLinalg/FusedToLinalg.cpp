//===- FusedToLinalg.cpp - moe fused expert ops to linalg -----------------===//
//
// Lowers moe.grouped_matmul_act and moe.grouped_matmul_combine to
// linalg/tensor/scf/arith/math on tensors. Exact semantics implemented here
// (docs/Spec.md#moegrouped_matmul_act, #moegrouped_matmul_combine):
//
// Both ops loop over the E row groups of `offsets` exactly like the
// moe.experts lowering (Utils.h forEachGroup: clamped ranges, one scf.for
// iteration per group) and multiply each group's rows by its matrix with one
// linalg.matmul accumulating in f32. The epilogue is applied to that
// per-group f32 product, so no [N, *] pre-epilogue tensor exists:
//
//   moe.grouped_matmul_act: u = rows · rhs[e]ᵀ ([rows, G] in f32, G = 2F
//     gated, F otherwise), plus the row bias[e] when there is a bias (a
//     linalg.generic reading it with (d0, d1) -> (d1)); the group's result
//     rows are act(u[:, 0:F]) ⊙
//     u[:, F:2F] (gated) or act(u) (one linalg.generic over the two column
//     halves of u), written into an f32 [N, F] tensor of zeros; the result
//     is rounded once to its element type. The activation is the one of
//     moe.experts (Utils.h activation), so the fused and unfused expert
//     computations give the same f32 values.
//   moe.grouped_matmul_combine: y = lhs_rows · rhs[e]ᵀ ([rows, D] in f32),
//     plus bias[e] when there is a bias;
//     then, for the group's rows r = lo, lo+1, .. (ascending) whose token
//     t = row_tokens[r] is in [0, T): result[t] += row_weights[r] · y[r - lo]
//     (Utils.h scatterAddRows, the loop of the moe.combine lowering),
//     starting from acc converted to f32; rounded once to acc's element type.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "Utils.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

/// Columns [first, first + size) of the matrix `m` (index values).
Value sliceColumns(OpBuilder &b, Location loc, Value m, OpFoldResult first,
                   OpFoldResult size) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), first};
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, m, 0), size};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, m, offsets, sizes, strides);
}

struct GroupedMatmulActOpLowering
    : public OpConversionPattern<GroupedMatmulActOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupedMatmulActOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    ActivationParams params = ActivationParams::of(op);
    bool gated = op.getGated();
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    auto resultType = cast<RankedTensorType>(op.getType());

    // F, the columns of the result: rhs's rows, halved when gated.
    int64_t g = rhsType.getDimSize(1);
    int64_t staticF = ShapedType::isDynamic(g) || !gated ? g : g / 2;
    OpFoldResult f = b.getIndexAttr(staticF);
    if (ShapedType::isDynamic(staticF)) {
      Value rows = dimSize(b, loc, rhs, 1);
      f = gated ? arith::DivUIOp::create(b, loc, rows, indexConst(b, loc, 2))
                      .getResult()
                : rows;
    }
    SmallVector<Value> dyn;
    if (ShapedType::isDynamic(resultType.getDimSize(0)))
      dyn.push_back(dimSize(b, loc, lhs, 0));
    if (ShapedType::isDynamic(staticF))
      dyn.push_back(cast<Value>(f));
    Value init =
        zeros(b, loc, {resultType.getDimSize(0), staticF}, b.getF32Type(), dyn);

    Value out = forEachGroupProduct(
        b, loc, adaptor.getOffsets(), lhs, rhs, init,
        [&](OpBuilder &nb, Location nl, Value u, Value lo, Value acc) {
          SmallVector<Value> inputs = {u};
          if (gated)
            inputs = {sliceColumns(nb, nl, u, nb.getIndexAttr(0), f),
                      sliceColumns(nb, nl, u, f, f)};
          SmallVector<AffineMap> maps(inputs.size(),
                                      nb.getMultiDimIdentityMap(2));
          auto inType = cast<RankedTensorType>(inputs[0].getType());
          Value hiddenInit = tensor::EmptyOp::create(
              nb, nl, inType.getShape(), nb.getF32Type(),
              dynamicSizes(nb, nl, inputs[0]));
          Value hidden =
              elementwise(nb, nl, inputs, maps, hiddenInit,
                          [&](OpBuilder &eb, Location el,
                              ValueRange args) -> SmallVector<Value> {
                            if (gated)
                              return {gatedActivation(eb, el, params, args[0],
                                                      args[1])};
                            return {activation(eb, el, params.act, args[0])};
                          });
          return insertRows(nb, nl, hidden, acc, lo);
        },
        adaptor.getBias());
    rewriter.replaceOp(op, finish(b, loc, out, op.getType()));
    return success();
  }
};

struct GroupedMatmulCombineOpLowering
    : public OpConversionPattern<GroupedMatmulCombineOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupedMatmulCombineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    Value rowTokens = adaptor.getRowTokens();
    Value rowWeights = adaptor.getRowWeights();
    Value acc = convertTensor(b, loc, adaptor.getAcc(), b.getF32Type());
    Value out = forEachGroupProduct(
        b, loc, adaptor.getOffsets(), lhs, rhs, acc,
        [&](OpBuilder &nb, Location nl, Value y, Value lo, Value sum) {
          return scatterAddRows(nb, nl, y, rowTokens, rowWeights, lo, sum);
        },
        adaptor.getBias());
    rewriter.replaceOp(op, finish(b, loc, out, op.getType()));
    return success();
  }
};

} // namespace

void mlir::moe::populateMoEFusedToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GroupedMatmulActOpLowering, GroupedMatmulCombineOpLowering>(
      patterns.getContext());
}
