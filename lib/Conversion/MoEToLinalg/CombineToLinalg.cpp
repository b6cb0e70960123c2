//===- CombineToLinalg.cpp - moe combine ops to linalg --------------------===//
//
// Lowers moe.combine to an scf.for over rows on tensors. Exact semantics
// implemented here (docs/Spec.md#moecombine), for rows: [N, D],
// row_tokens: [N] (i32), row_weights: [N] (f32), acc: [T, D]:
//
//   result = acc (converted to f32);
//   for r = 0, 1, .., N-1 (ascending):
//     t = row_tokens[r];
//     if 0 <= t < T: result[t, :] += row_weights[r] · rows[r, :]   (in f32)
//   result is rounded once to acc's element type.
//
// Rows whose token is outside [0, T) (the -1 padding of moe.dispatch and
// expert-choice routing) contribute nothing. Each update is a linalg.generic
// on the [D] row slices, written back with tensor.insert_slice, so the
// summation order for a token is exactly ascending r.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "Utils.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

struct CombineOpLowering : public OpConversionPattern<CombineOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CombineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value rows = adaptor.getRows();
    Value rowTokens = adaptor.getRowTokens();
    Value rowWeights = adaptor.getRowWeights();
    Value acc = convertTensor(b, loc, adaptor.getAcc(), b.getF32Type());
    Value sum = scatterAddRows(b, loc, rows, rowTokens, rowWeights,
                               /*first=*/Value(), acc);

    auto resultType = cast<RankedTensorType>(op.getType());
    Value result = convertTensor(b, loc, sum, resultType.getElementType());
    rewriter.replaceOp(op, castTo(b, loc, result, resultType));
    return success();
  }
};

} // namespace

void mlir::moe::populateMoECombineToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CombineOpLowering>(patterns.getContext());
}
