//===- DequantizeToLinalg.cpp - moe.dequantize to linalg ------------------===//
//
// Lowers moe.dequantize (docs/Spec.md#moedequantize) to one elementwise
// linalg.generic over q (moe/Dialect/MoE/Utils/Dequantize.h has the body
// and the fp8 conversion). The expert ops slice it per expert
// (Utils.cpp groupMatrix): each expert's matrix is dequantized from its own
// slice of q and the scales, and the CPU matmul kernels fuse that generic
// into their weight loads.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Dialect/MoE/Utils/Dequantize.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

struct DequantizeOpLowering : public OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildDequantize(
        rewriter, op.getLoc(), adaptor.getQ(), adaptor.getScales(),
        adaptor.getZeroPoints(), op.getBlock(),
        op.getType().getElementType());
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::moe::populateMoEDequantizeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DequantizeOpLowering>(patterns.getContext());
}
