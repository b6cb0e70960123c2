//===- Utils.h - Builders shared by the moe-to-linalg patterns --*- C++ -*-===//
//
// Small builders used by more than one op family of the moe-to-linalg
// lowering: filled tensors, f32 conversions, elementwise linalg.generic ops
// and the scalar sigmoid. Everything here works on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_MOETOLINALG_UTILS_H
#define LIB_CONVERSION_MOETOLINALG_UTILS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

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
/// The dynamic sizes of `v`, for tensor.empty of the same shape.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value v);

/// A tensor of `shape` filled with the attribute `value` (whose type is the
/// element type); dynamic dimensions take their sizes from `dynSizes`, in
/// order.
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
             TypedAttr value, ValueRange dynSizes);
/// A zero-filled tensor of `shape` and `elementType`.
Value zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
            Type elementType, ValueRange dynSizes);

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

/// `then`'s values when `cond` holds, `current` otherwise (an scf.if whose
/// results have the types of `current`).
SmallVector<Value>
ifThen(OpBuilder &b, Location loc, Value cond, ValueRange current,
       llvm::function_ref<SmallVector<Value>(OpBuilder &, Location)> then);

/// max(lo, min(v, hi)) on index values.
Value clampIndex(OpBuilder &b, Location loc, Value v, Value lo, Value hi);

} // namespace lowering
} // namespace moe
} // namespace mlir

#endif // LIB_CONVERSION_MOETOLINALG_UTILS_H
