//===- ShapeChecks.h - Shape checks shared by the moe verifiers -*- C++ -*-===//
//
// The diagnostics every moe verifier emits for a shape constraint: a ranked
// tensor's rank, a static dimension, agreement with an expected shape, and
// i32-addressable counts. Each message ends with the constraint label of
// docs/Spec.md that the check enforces, passed in as `label`.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_MOE_IR_SHAPECHECKS_H
#define LIB_DIALECT_MOE_IR_SHAPECHECKS_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace mlir {
namespace moe {
namespace shape_checks {

/// Expert indices, offsets and token ids are i32: counts they address must
/// not exceed this.
constexpr int64_t kMaxI32 = 2147483647;

/// "[4, ?, 16]".
std::string formatShape(ArrayRef<int64_t> shape);

/// Dimension `i` of the ranked tensor `v`.
int64_t dimOf(Value v, int64_t i);

/// Checks that `type` (of `name`) is a ranked tensor whose shape agrees with
/// `expected` (equal sizes, or at least one dynamic), documented as `layout`
/// (e.g. "[E, F, D]"). The dimensions listed in `fixed` are set by an
/// attribute: they must be static and equal to `expected`.
LogicalResult checkShape(Operation *op, StringRef label, StringRef name,
                         Type type, StringRef layout,
                         ArrayRef<int64_t> expected,
                         ArrayRef<unsigned> fixed = {});

/// checkShape against the sizes of the symbols `syms` (one per dimension);
/// then binds every dynamic symbol to the static size `type` has there, so
/// that the operands checked after this one must agree with that size.
LogicalResult checkAndBind(Operation *op, StringRef label, StringRef name,
                           Type type, StringRef layout,
                           ArrayRef<int64_t *> syms,
                           ArrayRef<unsigned> fixed = {});

/// Checks that the ranked tensor type `type` has rank `rank`; `layout`
/// names its dimensions.
LogicalResult checkRank(Operation *op, StringRef label, StringRef name,
                        Type type, StringRef layout, int64_t rank);

/// Checks that dimension `dim` of `type` is static; `what` says which.
LogicalResult checkStatic(Operation *op, StringRef label, StringRef name,
                          Type type, int64_t dim, StringRef what);

/// Checks that the count `value` (static, or dynamic and then unchecked),
/// described by `what`, is at most kMaxI32; `why` names the i32 values that
/// address it.
LogicalResult checkI32Extent(Operation *op, StringRef label, StringRef what,
                             int64_t value, StringRef why);

} // namespace shape_checks
} // namespace moe
} // namespace mlir

#endif // LIB_DIALECT_MOE_IR_SHAPECHECKS_H
