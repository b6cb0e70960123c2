//===- Utils.h - Builders shared by the moe-to-linalg patterns --*- C++ -*-===//
//
// Small builders used by more than one op family of the moe-to-linalg
// lowering: filled tensors, f32 conversions, elementwise linalg.generic ops,
// the scalar sigmoid and activations, the loop over row groups with its
// per-group matmul, and the scatter-add of rows to tokens. Everything here
// works on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_MOETOLINALG_UTILS_H
#define LIB_CONVERSION_MOETOLINALG_UTILS_H

#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace mlir {
namespace moe {
namespace lowering {

/// Builds the body of an elementwise or reduction linalg.generic: receives
/// the block arguments (inputs, then outputs) and returns the yielded values.
using GenericBody =
    llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

/// An index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t v);
/// An i32 constant.
Value i32Const(OpBuilder &b, Location loc, int32_t v);
/// An f32 constant.
Value f32Const(OpBuilder &b, Location loc, double v);

/// Size `dim` of the tensor `v` as an index value (a constant when static).
Value dimSize(OpBuilder &b, Location loc, Value v, int64_t dim);
// Shared with the moe passes (moe/Dialect/MoE/Utils/TensorBuilders.h).
using moe::dynamicSizes;
using moe::filled;
using moe::matmulTransposeB;
using moe::zeros;

/// Converts the float scalar `v` to `type` (extf/truncf; identity when equal).
Value convertFloat(OpBuilder &b, Location loc, Value v, Type type);

/// A linalg.generic over `inputs` and `inits` with `maps` (inputs first,
/// then inits) and `iterators`; `body` yields one value per init.
SmallVector<Value> generic(OpBuilder &b, Location loc, ValueRange inputs,
                           ValueRange inits, ArrayRef<AffineMap> maps,
                           ArrayRef<utils::IteratorType> iterators,
                           GenericBody body);

/// A linalg.generic whose iteration space is the shape of `init` (all loops
/// parallel), reading each of `inputs` through `inputMaps` and `init` through
/// the identity map; `body` yields the new element.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  ArrayRef<AffineMap> inputMaps, Value init, GenericBody body);

/// Converts every element of the float tensor `v` to `elementType`; returns
/// `v` itself when it already has that element type.
Value convertTensor(OpBuilder &b, Location loc, Value v, Type elementType);

/// `v` cast (tensor.cast) to `type` when the static shape information
/// differs; `v` itself when the types are equal.
Value castTo(OpBuilder &b, Location loc, Value v, Type type);

/// 1 / (1 + exp(-x)) for an f32 scalar.
Value sigmoid(OpBuilder &b, Location loc, Value x);

/// cap · tanh(x / cap) for an f32 scalar.
Value softcap(OpBuilder &b, Location loc, Value x, double cap);

/// `then`'s values when `cond` holds, `current` otherwise (an scf.if whose
/// results have the types of `current`).
SmallVector<Value>
ifThen(OpBuilder &b, Location loc, Value cond, ValueRange current,
       llvm::function_ref<SmallVector<Value>(OpBuilder &, Location)> then);

/// max(lo, min(v, hi)) on index values.
Value clampIndex(OpBuilder &b, Location loc, Value v, Value lo, Value hi);

//===----------------------------------------------------------------------===//
// Row groups (the expert ops) and row scatter (the combine ops)
//===----------------------------------------------------------------------===//

/// Builds one group's contribution: given the group index, the first row
/// `lo` and the row count `size` (index values) and the accumulator, returns
/// the new accumulator.
using GroupBody = llvm::function_ref<Value(OpBuilder &, Location, Value, Value,
                                           Value, Value)>;

/// scf.for over the `numGroups` groups of `offsets` ([E+1], i32), threading
/// `init` through `body` with each group's clamped row range:
/// lo = clamp(offsets[e], 0, numRows), hi = clamp(offsets[e+1], lo, numRows),
/// size = hi - lo. Malformed offsets therefore never address a row outside
/// [0, numRows).
Value forEachGroup(OpBuilder &b, Location loc, Value offsets, int64_t numGroups,
                   Value numRows, Value init, GroupBody body);

/// forEachGroup over the row groups of `lhs: [N, K]` by `offsets`, with
/// the groups of `rhs: [E, M, K]`: `body` gets each group's product
/// `lhs[lo .. lo+size] · rhs[e]ᵀ` ([size, M], f32), plus `bias[e]` when a
/// `bias: [E, M]` is given, and its first row `lo`.
Value forEachGroupProduct(
    OpBuilder &b, Location loc, Value offsets, Value lhs, Value rhs, Value init,
    function_ref<Value(OpBuilder &, Location, Value product, Value lo,
                       Value acc)>
        body,
    Value bias = Value());

/// `m + row` for the f32 matrix `m: [R, C]` and a float `row: [C]` added to
/// every row (converted to f32), as a new f32 tensor.
Value addRow(OpBuilder &b, Location loc, Value m, Value row);

/// Rows [lo, lo + size) of the matrix `src`, as a [?, K] tensor.
Value sliceRows(OpBuilder &b, Location loc, Value src, Value lo, Value size);

/// `rows` written into `dest` from row `lo` on.
Value insertRows(OpBuilder &b, Location loc, Value rows, Value dest, Value lo);

/// The matrix `weights[group]` of `weights: [E, M, K]`, as [M, K]; of a
/// dequantized `weights`, only that matrix is dequantized (sliceLeading).
Value groupMatrix(OpBuilder &b, Location loc, Value weights, Value group);

/// The expert activation `act` of an f32 scalar, for ungated experts
/// (docs/Spec.md#enums); not swiglu_oai or swiglu_softcap, which are gated
/// only.
Value activation(OpBuilder &b, Location loc, Activation act, Value x);

/// An activation with its parameters (docs/Spec.md#activation-parameters).
struct ActivationParams {
  Activation act = Activation::silu;
  /// swiglu_oai's alpha.
  double alpha = 1.702;
  /// The clamp limit of gated experts, when there is one.
  std::optional<double> limit;
  /// Clamp the activated gate (min(act(g), limit)) instead of its input.
  bool limitAfterAct = false;
  /// swiglu_softcap's soft caps of the gate and of the up projection.
  double gateSoftcap = 4.0;
  double upSoftcap = 25.0;

  /// The parameters an op (moe.layer, moe.experts,
  /// moe.grouped_matmul_act) carries.
  template <typename OpT>
  static ActivationParams of(OpT op) {
    ActivationParams p;
    p.act = op.getActivation();
    if (op.getAlphaAttr())
      p.alpha = op.getAlphaAttr().getValueAsDouble();
    if (op.getLimitAttr())
      p.limit = op.getLimitAttr().getValueAsDouble();
    p.limitAfterAct = op.getLimitAfterAct();
    if (op.getGateSoftcapAttr())
      p.gateSoftcap = op.getGateSoftcapAttr().getValueAsDouble();
    if (op.getUpSoftcapAttr())
      p.upSoftcap = op.getUpSoftcapAttr().getValueAsDouble();
    return p;
  }
};

/// The gated unit of an f32 gate `g` and up `u`: act(g) · u, with the
/// clamps of `params.limit`, swiglu_oai's (u + 1) · g · sigmoid(α g) and
/// swiglu_softcap's c_g tanh(g / c_g) · sigmoid(g) · c_u tanh(u / c_u).
Value gatedActivation(OpBuilder &b, Location loc,
                      const ActivationParams &params, Value g, Value u);

/// Row `group` of the [E, X] bias `bias` as a [X] tensor.
Value groupRow(OpBuilder &b, Location loc, Value bias, Value group);

/// The zero-filled f32 accumulator [N, M]: N from `rows` dim 0, M from
/// `cols` dim `colDim`.
Value zeroAccumulator(OpBuilder &b, Location loc, Value rows, Value cols,
                      int64_t colDim);

/// Rounds the f32 accumulator to the element type of `resultType` and casts
/// it to that type.
Value finish(OpBuilder &b, Location loc, Value acc, Type resultType);

/// Scatter-adds the rows of `rows: [R, D]` into the f32 accumulator
/// `acc: [T, D]`: for i = 0, 1, .., R-1 (ascending), with r = first + i
/// (r = i when `first` is null) and t = rowTokens[r], if 0 <= t < T:
/// acc[t, :] += rowWeights[r] · rows[i, :] in f32 (rows of any float type
/// are converted). Returns the new `acc`.
Value scatterAddRows(OpBuilder &b, Location loc, Value rows, Value rowTokens,
                     Value rowWeights, Value first, Value acc);

/// The rows of `x: [R, D]` RMS-normalized and multiplied by `weight: [D]`:
/// `x[r, d] · (mean_d'(x[r, d']²) + eps)^-1/2 · weight[d]`, computed in f32
/// (in `x`'s type when wider, docs/Spec.md#moerms_norm). The result has the
/// compute type; the caller rounds it.
Value rmsNormRows(OpBuilder &b, Location loc, Value x, Value weight,
                  double eps);

} // namespace lowering
} // namespace moe
} // namespace mlir

#endif // LIB_CONVERSION_MOETOLINALG_UTILS_H
