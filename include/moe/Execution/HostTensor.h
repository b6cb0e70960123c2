//===- HostTensor.h - moe-run's host arrays and errors ----------*- C++ -*-===//
//
// Dense C-order arrays in host memory that the engine binds to the arguments
// of the entry function and reads its results into, and the error type that
// becomes moe-run's one-line `error: <where>: <what>` report (and the C
// API's message).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_HOSTTENSOR_H
#define MOE_EXECUTION_HOSTTENSOR_H

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
namespace execution {

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

/// The element types moe-run exchanges with compiled code. I8 and F8E4M3FN
/// (fp8 e4m3fn) are the 1-byte storage of quantized weights (the `q` and
/// `zero_points` of moe.dequantize; I8 also holds packed 4-bit values),
/// F8E8M0FNU (e8m0, 2^(e - 127)) the scales of mxfp4.
enum class ElementKind { F32, BF16, F16, I32, I64, I8, F8E4M3FN, F8E8M0FNU };

/// The kind of `type`, if moe-run supports it.
std::optional<ElementKind> getElementKind(Type type);

size_t getElementSize(ElementKind kind);
/// f32, bf16 and f16: the kinds that activations and float weights take,
/// converted into one another by `setFloat` and `getFloat`.
bool isFloatKind(ElementKind kind);
/// i8 and f8E4M3FN: quantized storage, bound as bytes, never converted.
bool isQuantizedKind(ElementKind kind);
/// The MLIR spelling: "f32", "bf16", "f16", "i32", "i64", "i8", "f8E4M3FN".
llvm::StringRef getElementKindName(ElementKind kind);

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

/// A dense, C-order array: 64-byte-aligned memory of its own, or a
/// caller's memory that it borrows (see `borrow`).
class HostTensor {
public:
  HostTensor() = default;
  /// Zero-filled memory of its own. Sizes past 64 bits or memory that
  /// cannot be allocated end the process with one `error:` line (moe-run's
  /// sizes are checked before); `allocate` reports them instead.
  HostTensor(ElementKind kind, llvm::ArrayRef<int64_t> shape);

  /// Zero-filled memory of its own, or an error when the size does not fit
  /// in 64 bits or the memory cannot be allocated.
  static llvm::Expected<HostTensor> allocate(ElementKind kind,
                                             llvm::ArrayRef<int64_t> shape);

  /// A tensor over `data`, which the caller owns and keeps alive (and
  /// unchanged while compiled code reads it) as long as the tensor is used.
  static HostTensor borrow(ElementKind kind, llvm::ArrayRef<int64_t> shape,
                           void *data);

  /// Whether the memory is a caller's (`borrow`).
  bool isBorrowed() const { return data.get_deleter().borrowed; }

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
  /// The element at flat index `i` as a double, for any kind (fp8 decoded
  /// exactly; its NaN codes give NaN).
  double getAsDouble(int64_t i) const;

private:
  /// Frees the memory unless it is borrowed.
  struct FreeDeleter {
    FreeDeleter() : borrowed(false) {}
    explicit FreeDeleter(bool borrowed) : borrowed(borrowed) {}
    void operator()(char *p) const;
    bool borrowed;
  };

  /// The checks and allocation of the constructor; an error message on
  /// failure.
  std::optional<std::string> init(ElementKind kind,
                                  llvm::ArrayRef<int64_t> shape);

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

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_HOSTTENSOR_H
