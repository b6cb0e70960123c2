//===- ExpertsToLinalg.cpp - moe expert ops to linalg ---------------------===//
//
// Lowers moe.grouped_matmul and moe.experts to linalg/tensor/scf/arith/math
// on tensors. Exact semantics implemented here (docs/Spec.md#moegrouped_matmul,
// #moeexperts):
//
// Both ops see rows [N, *] split into E groups by offsets [E+1] (i32): group
// e owns rows offsets[e] .. offsets[e+1]. Both lower to one scf.for over the
// groups; each iteration takes the group's rows with a dynamically sized
// tensor.extract_slice, multiplies them by the group's weight matrix
// (nn.Linear layout [out, in], a linalg.matmul with transposed-B indexing
// maps, accumulating in f32: linalg.matmul converts both operands to its f32
// output, so bf16 weights and f32 rows mix freely), and writes the result
// rows back with tensor.insert_slice into an f32 tensor that starts as
// zeros. Rows outside every group therefore stay zero. The f32 result is
// rounded once to the result element type at the end.
//
//   moe.grouped_matmul: out[r] = rhs[e] · lhs[r] for offsets[e] <= r <
//     offsets[e+1], rhs: [E, M, K].
//   moe.experts: for the rows x of group e,
//     gated (w3 present): y = w2[e] · (act(w1[e] · x) ⊙ (w3[e] · x)),
//     non-gated:          y = w2[e] · act(w1[e] · x),
//     with the intermediate [rows, F] activations kept in f32, and
//       silu(x)      = x · sigmoid(x) = x · 1 / (1 + exp(-x))
//       gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//       gelu_erf(x)  = 0.5 x (1 + erf(x / sqrt(2)))
//       relu(x)      = max(x, 0)
//
// Offsets are data, so they are clamped before use: with n = N,
//   lo = clamp(offsets[e], 0, n), hi = clamp(offsets[e+1], lo, n),
// and group e covers rows [lo, hi). A malformed offsets tensor (negative,
// decreasing or past N) therefore never reads or writes out of bounds; for
// well-formed offsets (0 <= offsets[0] <= ... <= offsets[E] <= N) the clamp
// changes nothing. Overlapping ranges from malformed offsets are written by
// each group in turn, the higher group last.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "Utils.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

/// Builds one group's contribution: given the group index, the first row
/// `lo` and the row count `size` (index values) and the accumulator, returns
/// the new accumulator.
using GroupBody =
    function_ref<Value(OpBuilder &, Location, Value, Value, Value, Value)>;

/// scf.for over the `numGroups` groups of `offsets`, threading `init` through
/// `body` with each group's clamped row range (see the file comment).
Value forEachGroup(OpBuilder &b, Location loc, Value offsets, int64_t numGroups,
                   Value numRows, Value init, GroupBody body) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, c0, indexConst(b, loc, numGroups), c1, ValueRange{init},
      [&](OpBuilder &nb, Location nl, Value group, ValueRange args) {
        auto offsetAt = [&](Value i) -> Value {
          Value v = tensor::ExtractOp::create(nb, nl, offsets, i);
          return arith::IndexCastOp::create(nb, nl, nb.getIndexType(), v);
        };
        Value next = arith::AddIOp::create(nb, nl, group, c1);
        Value lo = clampIndex(nb, nl, offsetAt(group), c0, numRows);
        Value hi = clampIndex(nb, nl, offsetAt(next), lo, numRows);
        Value size = arith::SubIOp::create(nb, nl, hi, lo);
        scf::YieldOp::create(nb, nl, body(nb, nl, group, lo, size, args[0]));
      });
  return loop.getResult(0);
}

/// Rows [lo, lo + size) of the matrix `src`, as a [?, K] tensor.
Value sliceRows(OpBuilder &b, Location loc, Value src, Value lo, Value size) {
  SmallVector<OpFoldResult> offsets = {lo, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {size,
                                     tensor::getMixedSize(b, loc, src, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, src, offsets, sizes, strides);
}

/// `rows` written into `dest` from row `lo` on.
Value insertRows(OpBuilder &b, Location loc, Value rows, Value dest, Value lo) {
  SmallVector<OpFoldResult> offsets = {lo, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, rows);
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, rows, dest, offsets, sizes,
                                       strides);
}

/// The matrix `weights[group]` of `weights: [E, M, K]`, as [M, K].
Value groupMatrix(OpBuilder &b, Location loc, Value weights, Value group) {
  auto type = cast<RankedTensorType>(weights.getType());
  auto matrixType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  SmallVector<OpFoldResult> offsets = {group, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, weights, 1),
                                     tensor::getMixedSize(b, loc, weights, 2)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, matrixType, weights, offsets,
                                        sizes, strides);
}

/// `lhs · wᵀ` for lhs: [R, K] and w: [M, K] (nn.Linear layout), as a fresh
/// f32 [R, M] tensor: a linalg.matmul with transposed-B indexing maps.
Value matmulTransposeB(OpBuilder &b, Location loc, Value lhs, Value w) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  SmallVector<Value> dyn;
  if (lhsType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, lhs, 0));
  if (wType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, w, 0));
  Value init = zeros(b, loc, {lhsType.getDimSize(0), wType.getDimSize(0)},
                     b.getF32Type(), dyn);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d0, d2}, ctx),
                                 AffineMap::get(3, 0, {d1, d2}, ctx),
                                 AffineMap::get(3, 0, {d0, d1}, ctx)};
  auto matmul = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{lhs, w}, ValueRange{init});
  matmul.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
  return matmul.getResult(0);
}

/// The activation `act` of an f32 scalar.
Value activation(OpBuilder &b, Location loc, Activation act, Value x) {
  switch (act) {
  case Activation::silu:
    return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
  case Activation::gelu_tanh: {
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, f32Const(b, loc, 0.044715), x3));
    Value t = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, f32Const(b, loc, std::sqrt(2.0 / llvm::numbers::pi)),
            inner));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), t);
    Value half = arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case Activation::gelu_erf: {
    Value e = math::ErfOp::create(
        b, loc,
        arith::DivFOp::create(b, loc, x, f32Const(b, loc, std::sqrt(2.0))));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), e);
    Value half = arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case Activation::relu:
    return arith::MaximumFOp::create(b, loc, x, f32Const(b, loc, 0.0));
  }
  llvm_unreachable("unknown activation");
}

/// The zero-filled f32 accumulator [N, M]: N from `rows` dim 0, M from
/// `cols` dim `colDim`.
Value zeroAccumulator(OpBuilder &b, Location loc, Value rows, Value cols,
                      int64_t colDim) {
  auto rowsType = cast<RankedTensorType>(rows.getType());
  auto colsType = cast<RankedTensorType>(cols.getType());
  SmallVector<Value> dyn;
  if (rowsType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, rows, 0));
  if (colsType.isDynamicDim(colDim))
    dyn.push_back(tensor::DimOp::create(b, loc, cols, colDim));
  return zeros(b, loc, {rowsType.getDimSize(0), colsType.getDimSize(colDim)},
               b.getF32Type(), dyn);
}

/// Rounds the f32 accumulator to the element type of `resultType` and casts
/// it to that type.
Value finish(OpBuilder &b, Location loc, Value acc, Type resultType) {
  auto type = cast<RankedTensorType>(resultType);
  return castTo(b, loc, convertTensor(b, loc, acc, type.getElementType()),
                resultType);
}

struct GroupedMatmulOpLowering : public OpConversionPattern<GroupedMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    int64_t numGroups = cast<RankedTensorType>(rhs.getType()).getDimSize(0);
    Value init = zeroAccumulator(b, loc, lhs, rhs, /*colDim=*/1);
    Value out = forEachGroup(
        b, loc, adaptor.getOffsets(), numGroups, dimSize(b, loc, lhs, 0), init,
        [&](OpBuilder &nb, Location nl, Value group, Value lo, Value size,
            Value acc) {
          Value y = matmulTransposeB(nb, nl, sliceRows(nb, nl, lhs, lo, size),
                                     groupMatrix(nb, nl, rhs, group));
          return insertRows(nb, nl, y, acc, lo);
        });
    rewriter.replaceOp(op, finish(b, loc, out, op.getType()));
    return success();
  }
};

struct ExpertsOpLowering : public OpConversionPattern<ExpertsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpertsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value rows = adaptor.getRows();
    Value w1 = adaptor.getW1(), w3 = adaptor.getW3(), w2 = adaptor.getW2();
    Activation act = op.getActivation();
    int64_t numGroups = cast<RankedTensorType>(w1.getType()).getDimSize(0);
    Value init = zeroAccumulator(b, loc, rows, w2, /*colDim=*/1);
    Value out = forEachGroup(
        b, loc, adaptor.getOffsets(), numGroups, dimSize(b, loc, rows, 0), init,
        [&](OpBuilder &nb, Location nl, Value group, Value lo, Value size,
            Value acc) {
          Value x = sliceRows(nb, nl, rows, lo, size);
          Value up =
              matmulTransposeB(nb, nl, x, groupMatrix(nb, nl, w1, group));
          SmallVector<Value> inputs = {up};
          if (w3)
            inputs.push_back(
                matmulTransposeB(nb, nl, x, groupMatrix(nb, nl, w3, group)));
          SmallVector<AffineMap> maps(inputs.size(),
                                      nb.getMultiDimIdentityMap(2));
          auto upType = cast<RankedTensorType>(up.getType());
          Value hiddenInit = tensor::EmptyOp::create(nb, nl, upType.getShape(),
                                                     nb.getF32Type(),
                                                     dynamicSizes(nb, nl, up));
          Value hidden =
              elementwise(nb, nl, inputs, maps, hiddenInit,
                          [&](OpBuilder &eb, Location el,
                              ValueRange args) -> SmallVector<Value> {
                            Value h = activation(eb, el, act, args[0]);
                            if (w3)
                              h = arith::MulFOp::create(eb, el, h, args[1]);
                            return {h};
                          });
          Value y =
              matmulTransposeB(nb, nl, hidden, groupMatrix(nb, nl, w2, group));
          return insertRows(nb, nl, y, acc, lo);
        });
    rewriter.replaceOp(op, finish(b, loc, out, op.getType()));
    return success();
  }
};

} // namespace

void mlir::moe::populateMoEExpertsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GroupedMatmulOpLowering, ExpertsOpLowering>(
      patterns.getContext());
}
