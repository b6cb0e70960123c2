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
//     with g = w1[e] · x + b1[e] and u = w3[e] · x + b3[e] (a missing
//     bias adds nothing),
//     gated (w3 present): y = w2[e] · glu(g, u) + b2[e],
//     non-gated:          y = w2[e] · act(g) + b2[e],
//     with the intermediate [rows, F] activations kept in f32, and
//       silu(x)      = x · sigmoid(x) = x · 1 / (1 + exp(-x))
//       gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//       gelu_erf(x)  = 0.5 x (1 + erf(x / sqrt(2)))
//       relu(x)      = max(x, 0)
//       relu2(x)     = max(x, 0)^2
//     glu(g, u) = act(g) · u, with the clamps of `limit` and the form of
//     swiglu_oai as Utils.cpp gatedActivation builds them.
//     With out_norm, each y row is then RMS-normalized with out_norm[e]
//     (Utils.cpp rmsNormRows) before it is written back. The biases are
//     rows [F] or [D] read with a (d0, d1) -> (d1) indexing map.
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

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

struct GroupedMatmulOpLowering : public OpConversionPattern<GroupedMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    Value init = zeroAccumulator(b, loc, lhs, rhs, /*colDim=*/1);
    Value out = forEachGroupProduct(
        b, loc, adaptor.getOffsets(), lhs, rhs, init,
        [&](OpBuilder &nb, Location nl, Value y, Value lo, Value acc) {
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
    Value b1 = adaptor.getB1(), b3 = adaptor.getB3(), b2 = adaptor.getB2();
    ActivationParams params = ActivationParams::of(op);
    int64_t numGroups = cast<RankedTensorType>(w1.getType()).getDimSize(0);
    // A bias row [F] or [D] is read at the column of the output element.
    AffineMap rowMap = AffineMap::get(
        2, 0, {getAffineDimExpr(1, rewriter.getContext())},
        rewriter.getContext());
    Value init = zeroAccumulator(b, loc, rows, w2, /*colDim=*/1);
    Value out = forEachGroup(
        b, loc, adaptor.getOffsets(), numGroups, dimSize(b, loc, rows, 0), init,
        [&](OpBuilder &nb, Location nl, Value group, Value lo, Value size,
            Value acc) {
          Value x = sliceRows(nb, nl, rows, lo, size);
          Value up =
              expertMatmulTransposeB(nb, nl, x, groupMatrix(nb, nl, w1, group));
          SmallVector<Value> inputs = {up};
          SmallVector<AffineMap> maps = {nb.getMultiDimIdentityMap(2)};
          if (w3) {
            inputs.push_back(expertMatmulTransposeB(
                nb, nl, x, groupMatrix(nb, nl, w3, group)));
            maps.push_back(nb.getMultiDimIdentityMap(2));
          }
          // Operand positions of the biases in the body, or 0 for none.
          unsigned b1Arg = 0, b3Arg = 0;
          for (auto [bias, arg] : {std::pair<Value, unsigned *>{b1, &b1Arg},
                                   {b3, &b3Arg}}) {
            if (!bias)
              continue;
            *arg = inputs.size();
            inputs.push_back(groupRow(nb, nl, bias, group));
            maps.push_back(rowMap);
          }
          auto upType = cast<RankedTensorType>(up.getType());
          Value hiddenInit = tensor::EmptyOp::create(nb, nl, upType.getShape(),
                                                     nb.getF32Type(),
                                                     dynamicSizes(nb, nl, up));
          Value hidden = elementwise(
              nb, nl, inputs, maps, hiddenInit,
              [&](OpBuilder &eb, Location el,
                  ValueRange args) -> SmallVector<Value> {
                auto biased = [&](Value v, unsigned arg) -> Value {
                  if (!arg)
                    return v;
                  Value bias = convertFloat(eb, el, args[arg], eb.getF32Type());
                  return arith::AddFOp::create(eb, el, v, bias);
                };
                Value g = biased(args[0], b1Arg);
                if (!w3)
                  return {activation(eb, el, params.act, g)};
                Value u = biased(args[1], b3Arg);
                return {gatedActivation(eb, el, params, g, u)};
              });
          Value y = expertMatmulTransposeB(nb, nl, hidden,
                                           groupMatrix(nb, nl, w2, group));
          if (b2) {
            auto yType = cast<RankedTensorType>(y.getType());
            Value biasedInit = tensor::EmptyOp::create(
                nb, nl, yType.getShape(), nb.getF32Type(),
                dynamicSizes(nb, nl, y));
            Value row = groupRow(nb, nl, b2, group);
            SmallVector<AffineMap> addMaps = {nb.getMultiDimIdentityMap(2),
                                              rowMap};
            y = elementwise(
                nb, nl, ValueRange{y, row}, addMaps, biasedInit,
                [&](OpBuilder &eb, Location el,
                    ValueRange args) -> SmallVector<Value> {
                  Value bias =
                      convertFloat(eb, el, args[1], eb.getF32Type());
                  return {arith::AddFOp::create(eb, el, args[0], bias)};
                });
          }
          if (Value norm = adaptor.getOutNorm())
            y = rmsNormRows(nb, nl, y, groupRow(nb, nl, norm, group),
                            op.getRmsNormEpsAttr().getValueAsDouble());
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
