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

/// Row `row` of the matrix `m` as a rank-1 [D] tensor slice.
Value rowOf(OpBuilder &b, Location loc, Value m, Value row) {
  auto type = cast<RankedTensorType>(m.getType());
  auto rowType =
      RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, m, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, rowType, m, offsets, sizes,
                                        strides);
}

/// `v` ([D]) written into row `row` of the matrix `dest`.
Value insertRow(OpBuilder &b, Location loc, Value v, Value dest, Value row) {
  SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, dest, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, v, dest, offsets, sizes,
                                       strides);
}

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
    Value numTokens = dimSize(b, loc, acc, 0);
    Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);

    auto loop = scf::ForOp::create(
        b, loc, c0, dimSize(b, loc, rows, 0), c1, ValueRange{acc},
        [&](OpBuilder &nb, Location nl, Value r, ValueRange args) {
          Value token = arith::IndexCastOp::create(
              nb, nl, nb.getIndexType(),
              tensor::ExtractOp::create(nb, nl, rowTokens, r));
          Value inRange = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, token,
                                    c0),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, token,
                                    numTokens));
          SmallVector<Value> updated = ifThen(
              nb, nl, inRange, args,
              [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
                Value w = tensor::ExtractOp::create(tb, tl, rowWeights, r);
                Value current = rowOf(tb, tl, args[0], token);
                auto rowMap = tb.getMultiDimIdentityMap(1);
                Value sum = elementwise(
                    tb, tl, rowOf(tb, tl, rows, r), rowMap, current,
                    [&](OpBuilder &eb, Location el,
                        ValueRange vals) -> SmallVector<Value> {
                      Value v = convertFloat(eb, el, vals[0], eb.getF32Type());
                      Value scaled = arith::MulFOp::create(eb, el, w, v);
                      return {arith::AddFOp::create(eb, el, vals[1], scaled)};
                    });
                return {insertRow(tb, tl, sum, args[0], token)};
              });
          scf::YieldOp::create(nb, nl, updated);
        });

    auto resultType = cast<RankedTensorType>(op.getType());
    Value result =
        convertTensor(b, loc, loop.getResult(0), resultType.getElementType());
    rewriter.replaceOp(op, castTo(b, loc, result, resultType));
    return success();
  }
};

} // namespace

void mlir::moe::populateMoECombineToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CombineOpLowering>(patterns.getContext());
}
