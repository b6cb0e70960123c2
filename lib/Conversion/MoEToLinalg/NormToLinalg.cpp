//===- NormToLinalg.cpp - moe.rms_norm to linalg --------------------------===//
//
// Lowers moe.rms_norm (docs/Spec.md#moerms_norm) to two linalg.generic ops:
// the sum of squares of every row (a reduction over D, in f32, or in the
// element type of x when wider), then
//
//   y[t, d] = x[t, d] · rsqrt(sum[t] / D + eps) · weight[d]
//
// in the same type, rounded once to the result element type. The per-group
// norm of moe.experts (out_norm) uses the same helper, Utils.cpp
// rmsNormRows.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "Utils.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

struct RmsNormOpLowering : public OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = rmsNormRows(rewriter, loc, adaptor.getX(), adaptor.getWeight(),
                          op.getEps().convertToDouble());
    rewriter.replaceOp(op, finish(rewriter, loc, y, op.getType()));
    return success();
  }
};

} // namespace

void mlir::moe::populateMoENormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RmsNormOpLowering>(patterns.getContext());
}
