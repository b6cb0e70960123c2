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

#include "moe/Dialect/MoE/IR/MoEOps.h"

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

/// Checks the parameters of an activation (docs/Spec.md#activation-
/// parameters) under `label`: `swiglu_oai` only for gated experts; `alpha`
/// only with `swiglu_oai`, finite and positive; `limit` only for gated
/// experts, finite and positive; `limit_after_act` only with a limit and not
/// with `swiglu_oai`. `gated` says whether the experts are gated and
/// `gatedBy` names what makes them so ("'w3'"). `hasOtherLimit` is a second
/// limit that `limit_after_act` may refer to (moe.layer's `shared_limit`).
LogicalResult checkActivationParams(Operation *op, StringRef label,
                                    Activation act, FloatAttr alpha,
                                    FloatAttr limit, bool limitAfterAct,
                                    bool gated, StringRef gatedBy,
                                    bool hasOtherLimit = false);

/// Checks that the optional attribute `value` (named `name`) is finite and
/// positive.
LogicalResult checkPositive(Operation *op, StringRef label, StringRef name,
                            FloatAttr value);

/// Checks the soft caps of activation `swiglu_softcap` (docs/Spec.md#
/// activation-parameters) under `label`: `swiglu_softcap` only for gated
/// experts (`gatedBy` names what makes them so) and without
/// `limit_after_act`; `gate_softcap` and `up_softcap` only with
/// `swiglu_softcap`, finite and positive.
LogicalResult checkSoftcapParams(Operation *op, StringRef label,
                                 Activation act, FloatAttr gateSoftcap,
                                 FloatAttr upSoftcap, bool limitAfterAct,
                                 bool gated, StringRef gatedBy);

} // namespace shape_checks
} // namespace moe
} // namespace mlir

#endif // LIB_DIALECT_MOE_IR_SHAPECHECKS_H
