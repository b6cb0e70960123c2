//===- HostTensor.h - moe-run's host arrays and errors ----------*- C++ -*-===//
//
// Dense C-order arrays in host memory that moe-run binds to the arguments of
// the entry function and reads its results into, and the error type that
// becomes moe-run's one-line `error: <where>: <what>` report.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUN_HOSTTENSOR_H
#define MOE_TOOLS_MOE_RUN_HOSTTENSOR_H

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mlir {
namespace moe {
namespace run {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// An error about one file (or option): printed as `error: <where>: <what>`.
class RunError : public llvm::ErrorInfo<RunError> {
public:
  static char ID;

  RunError(std::string where, std::string what)
      : where(std::move(where)), what(std::move(what)) {}

  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

  std::string where;
  std::string what;
};

/// A RunError.
llvm::Error makeRunError(const llvm::Twine &where, const llvm::Twine &what);

/// `err` as a RunError about `where` (its message becomes `what`), unless it
/// already is one.
llvm::Error wrapError(llvm::Error err, const llvm::Twine &where);

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// The element types moe-run exchanges with compiled code.
enum class ElementKind { F32, BF16, F16, I32, I64 };

/// The kind of `type`, if moe-run supports it.
std::optional<ElementKind> getElementKind(Type type);

size_t getElementSize(ElementKind kind);
bool isFloatKind(ElementKind kind);
llvm::StringRef getElementKindName(ElementKind kind);

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

/// A dense, C-order, 64-byte-aligned array.
class HostTensor {
public:
  HostTensor() = default;
  HostTensor(ElementKind kind, llvm::ArrayRef<int64_t> shape);

  ElementKind getKind() const { return kind; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getNumElements() const { return numElements; }
  size_t getSizeInBytes() const {
    return static_cast<size_t>(numElements) * getElementSize(kind);
  }
  char *getData() { return data.get(); }
  const char *getData() const { return data.get(); }

  /// Stores `value` (rounded to the element type) at flat index `i`; for
  /// float kinds only.
  void setFloat(int64_t i, float value);
  /// The element at flat index `i` as a float; for float kinds only.
  float getFloat(int64_t i) const;
  /// The element at flat index `i` as a double, for any kind.
  double getAsDouble(int64_t i) const;

private:
  struct FreeDeleter {
    void operator()(char *p) const;
  };

  ElementKind kind = ElementKind::F32;
  llvm::SmallVector<int64_t> shape;
  int64_t numElements = 0;
  std::unique_ptr<char, FreeDeleter> data;
};

/// "[2, 3]", with "?" for dynamic sizes.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Whether `actual` (static) matches `expected` (dynamic sizes match any).
bool shapeMatches(llvm::ArrayRef<int64_t> expected,
                  llvm::ArrayRef<int64_t> actual);

} // namespace run
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_RUN_HOSTTENSOR_H
