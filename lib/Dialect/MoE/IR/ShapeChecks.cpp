//===- ShapeChecks.cpp - Shape checks shared by the moe verifiers ---------===//

#include "ShapeChecks.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::shape_checks;

namespace {

std::string formatDim(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

/// Two dimensions agree unless both are static and differ.
bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

} // namespace

std::string shape_checks::formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::interleave(
      shape, [&](int64_t d) { s += formatDim(d); }, [&] { s += ", "; });
  return s + "]";
}

int64_t shape_checks::dimOf(Value v, int64_t i) {
  return cast<RankedTensorType>(v.getType()).getDimSize(i);
}

LogicalResult shape_checks::checkShape(Operation *op, StringRef label,
                                       StringRef name, Type type,
                                       StringRef layout,
                                       ArrayRef<int64_t> expected,
                                       ArrayRef<unsigned> fixed) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return op->emitOpError()
           << "'" << name << "' must be a ranked tensor (" << label << ")";
  bool ok = tensor.getRank() == static_cast<int64_t>(expected.size());
  for (auto [got, want] : llvm::zip(tensor.getShape(), expected))
    ok = ok && dimsAgree(got, want);
  for (unsigned i : fixed)
    ok = ok && i < expected.size() && tensor.getDimSize(i) == expected[i];
  if (ok)
    return success();
  return op->emitOpError() << "'" << name << "' must be " << layout << " = "
                           << formatShape(expected) << ", got "
                           << formatShape(tensor.getShape()) << " (" << label
                           << ")";
}

LogicalResult shape_checks::checkAndBind(Operation *op, StringRef label,
                                         StringRef name, Type type,
                                         StringRef layout,
                                         ArrayRef<int64_t *> syms,
                                         ArrayRef<unsigned> fixed) {
  SmallVector<int64_t> expected;
  for (int64_t *sym : syms)
    expected.push_back(*sym);
  if (failed(checkShape(op, label, name, type, layout, expected, fixed)))
    return failure();
  for (auto [sym, size] :
       llvm::zip(syms, cast<RankedTensorType>(type).getShape()))
    if (ShapedType::isDynamic(*sym))
      *sym = size;
  return success();
}

LogicalResult shape_checks::checkRank(Operation *op, StringRef label,
                                      StringRef name, Type type,
                                      StringRef layout, int64_t rank) {
  auto tensor = cast<RankedTensorType>(type);
  if (tensor.getRank() == rank)
    return success();
  return op->emitOpError() << "'" << name << "' must be " << layout << " (rank "
                           << rank << "), got "
                           << formatShape(tensor.getShape()) << " (" << label
                           << ")";
}

LogicalResult shape_checks::checkStatic(Operation *op, StringRef label,
                                        StringRef name, Type type, int64_t dim,
                                        StringRef what) {
  auto tensor = cast<RankedTensorType>(type);
  if (!tensor.isDynamicDim(dim))
    return success();
  return op->emitOpError() << "'" << name << "' must have a static " << what
                           << " (dimension " << dim << "), got "
                           << formatShape(tensor.getShape()) << " (" << label
                           << ")";
}

LogicalResult shape_checks::checkI32Extent(Operation *op, StringRef label,
                                           StringRef what, int64_t value,
                                           StringRef why) {
  if (ShapedType::isDynamic(value) || value <= kMaxI32)
    return success();
  return op->emitOpError() << what << " = " << value << " exceeds " << kMaxI32
                           << ": " << why << " are i32 (" << label << ")";
}

LogicalResult shape_checks::checkPositive(Operation *op, StringRef label,
                                          StringRef name, FloatAttr value) {
  if (!value)
    return success();
  double v = value.getValueAsDouble();
  if (std::isfinite(v) && v > 0)
    return success();
  return op->emitOpError() << "'" << name << "' = " << v
                           << " must be finite and positive (" << label << ")";
}

LogicalResult shape_checks::checkActivationParams(
    Operation *op, StringRef label, Activation act, FloatAttr alpha,
    FloatAttr limit, bool limitAfterAct, bool gated, StringRef gatedBy,
    bool hasOtherLimit) {
  bool oai = act == Activation::swiglu_oai;
  if (oai && !gated)
    return op->emitOpError()
           << "activation swiglu_oai is a gated (GLU) activation: it needs "
           << gatedBy << " (" << label << ")";
  if (alpha && !oai)
    return op->emitOpError() << "'alpha' is a parameter of activation "
                                "swiglu_oai, not of "
                             << stringifyActivation(act) << " (" << label
                             << ")";
  if (limit && !gated)
    return op->emitOpError()
           << "'limit' clamps the gate and up projections of gated experts: "
              "it needs "
           << gatedBy << " (" << label << ")";
  if (failed(checkPositive(op, label, "alpha", alpha)) ||
      failed(checkPositive(op, label, "limit", limit)))
    return failure();
  if (limitAfterAct && !limit && !hasOtherLimit)
    return op->emitOpError()
           << "'limit_after_act' needs a 'limit' (" << label << ")";
  if (limitAfterAct && oai)
    return op->emitOpError()
           << "'limit_after_act' does not apply to activation swiglu_oai, "
              "which clamps the gate before it ("
           << label << ")";
  return success();
}

LogicalResult shape_checks::checkSoftcapParams(
    Operation *op, StringRef label, Activation act, FloatAttr gateSoftcap,
    FloatAttr upSoftcap, bool limitAfterAct, bool gated, StringRef gatedBy) {
  bool softcap = act == Activation::swiglu_softcap;
  if (softcap && !gated)
    return op->emitOpError()
           << "activation swiglu_softcap is a gated (GLU) activation: it "
              "needs "
           << gatedBy << " (" << label << ")";
  for (auto [name, value] : {std::pair<StringRef, FloatAttr>{"gate_softcap",
                                                             gateSoftcap},
                             {"up_softcap", upSoftcap}}) {
    if (value && !softcap)
      return op->emitOpError()
             << "'" << name
             << "' is a parameter of activation swiglu_softcap, not of "
             << stringifyActivation(act) << " (" << label << ")";
    if (failed(checkPositive(op, label, name, value)))
      return failure();
  }
  if (limitAfterAct && softcap)
    return op->emitOpError()
           << "'limit_after_act' does not apply to activation swiglu_softcap, "
              "whose gate is clamped before it ("
           << label << ")";
  return success();
}
