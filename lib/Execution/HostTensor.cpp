//===- HostTensor.cpp - moe-run's host arrays and errors ------------------===//

#include "moe/Execution/HostTensor.h"

#include "moe/Support/FloatConversion.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

char RunError::ID = 0;

void RunError::log(raw_ostream &os) const { os << where << ": " << what; }

Error execution::makeRunError(const Twine &where, const Twine &what) {
  return make_error<RunError>(where.str(), what.str());
}

Error execution::wrapError(Error err, const Twine &where) {
  std::string whereText = where.str();
  return handleErrors(
      std::move(err),
      [](std::unique_ptr<RunError> e) -> Error { return Error(std::move(e)); },
      [&](const ErrorInfoBase &e) -> Error {
        return makeRunError(whereText, e.message());
      });
}

std::optional<ElementKind> execution::getElementKind(Type type) {
  if (type.isF32())
    return ElementKind::F32;
  if (type.isBF16())
    return ElementKind::BF16;
  if (type.isF16())
    return ElementKind::F16;
  if (type.isSignlessInteger(32))
    return ElementKind::I32;
  if (type.isSignlessInteger(64))
    return ElementKind::I64;
  if (type.isSignlessInteger(8))
    return ElementKind::I8;
  if (isa<Float8E4M3FNType>(type))
    return ElementKind::F8E4M3FN;
  if (isa<Float8E8M0FNUType>(type))
    return ElementKind::F8E8M0FNU;
  return std::nullopt;
}

size_t execution::getElementSize(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
  case ElementKind::I32:
    return 4;
  case ElementKind::BF16:
  case ElementKind::F16:
    return 2;
  case ElementKind::I64:
    return 8;
  case ElementKind::I8:
  case ElementKind::F8E4M3FN:
  case ElementKind::F8E8M0FNU:
    return 1;
  }
  llvm_unreachable("unknown ElementKind");
}

bool execution::isFloatKind(ElementKind kind) {
  return kind == ElementKind::F32 || kind == ElementKind::BF16 ||
         kind == ElementKind::F16;
}

bool execution::isQuantizedKind(ElementKind kind) {
  return kind == ElementKind::I8 || kind == ElementKind::F8E4M3FN ||
         kind == ElementKind::F8E8M0FNU;
}

StringRef execution::getElementKindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::F16:
    return "f16";
  case ElementKind::I32:
    return "i32";
  case ElementKind::I64:
    return "i64";
  case ElementKind::I8:
    return "i8";
  case ElementKind::F8E4M3FN:
    return "f8E4M3FN";
  case ElementKind::F8E8M0FNU:
    return "f8E8M0FNU";
  }
  llvm_unreachable("unknown ElementKind");
}

void HostTensor::FreeDeleter::operator()(char *p) const {
  if (!borrowed)
    std::free(p);
}

std::optional<std::string> HostTensor::init(ElementKind kind,
                                            ArrayRef<int64_t> shape) {
  this->kind = kind;
  this->shape.assign(shape.begin(), shape.end());
  // Sizes come from user files and options: an overflowing or unallocatable
  // size is reported, not a crash.
  std::optional<int64_t> count = 1;
  for (int64_t d : shape)
    if (count)
      count = checkedMul<int64_t>(*count, d);
  std::optional<int64_t> bytes =
      count ? checkedMul<int64_t>(*count, getElementSize(kind)) : std::nullopt;
  if (!bytes || *bytes > INT64_MAX - 64)
    return "expected a tensor size that fits in 64 bits, found shape " +
           formatShape(shape);
  numElements = *count;
  // Aligned to a cache line; at least one line so that the pointer is never
  // null (compiled code may load from it before checking a zero size).
  size_t allocation = alignTo(std::max<uint64_t>(*bytes, 1), 64);
  data.reset(static_cast<char *>(std::aligned_alloc(64, allocation)));
  if (!data)
    return formatv("expected {0} bytes of memory for a tensor of shape {1}, "
                   "found the allocation failing",
                   allocation, formatShape(shape))
        .str();
  std::memset(data.get(), 0, allocation);
  return std::nullopt;
}

HostTensor::HostTensor(ElementKind kind, ArrayRef<int64_t> shape) {
  if (std::optional<std::string> why = init(kind, shape)) {
    errs() << "error: moe-run: " << *why << "\n";
    std::exit(1);
  }
}

Expected<HostTensor> HostTensor::allocate(ElementKind kind,
                                          ArrayRef<int64_t> shape) {
  HostTensor tensor;
  if (std::optional<std::string> why = tensor.init(kind, shape))
    return makeRunError("tensor " + formatShape(shape), *why);
  return tensor;
}

HostTensor HostTensor::borrow(ElementKind kind, ArrayRef<int64_t> shape,
                              void *data) {
  HostTensor tensor;
  tensor.kind = kind;
  tensor.shape.assign(shape.begin(), shape.end());
  tensor.numElements = 1;
  for (int64_t d : shape)
    tensor.numElements *= d;
  tensor.data = std::unique_ptr<char, FreeDeleter>(static_cast<char *>(data),
                                                   FreeDeleter{true});
  return tensor;
}

void HostTensor::setFloat(int64_t i, float value) {
  char *p = data.get();
  switch (kind) {
  case ElementKind::F32:
    reinterpret_cast<float *>(p)[i] = value;
    return;
  case ElementKind::BF16:
    reinterpret_cast<uint16_t *>(p)[i] = f32ToBF16(value);
    return;
  case ElementKind::F16:
    reinterpret_cast<uint16_t *>(p)[i] = f32ToF16(value);
    return;
  case ElementKind::I32:
  case ElementKind::I64:
  case ElementKind::I8:
  case ElementKind::F8E4M3FN:
  case ElementKind::F8E8M0FNU:
    break;
  }
  llvm_unreachable("setFloat on an integer or quantized HostTensor");
}

float HostTensor::getFloat(int64_t i) const {
  const char *p = data.get();
  switch (kind) {
  case ElementKind::F32:
    return reinterpret_cast<const float *>(p)[i];
  case ElementKind::BF16:
    return bf16ToF32(reinterpret_cast<const uint16_t *>(p)[i]);
  case ElementKind::F16:
    return f16ToF32(reinterpret_cast<const uint16_t *>(p)[i]);
  case ElementKind::I32:
  case ElementKind::I64:
  case ElementKind::I8:
  case ElementKind::F8E4M3FN:
  case ElementKind::F8E8M0FNU:
    break;
  }
  llvm_unreachable("getFloat on an integer or quantized HostTensor");
}

double HostTensor::getAsDouble(int64_t i) const {
  const char *p = data.get();
  switch (kind) {
  case ElementKind::I32:
    return reinterpret_cast<const int32_t *>(p)[i];
  case ElementKind::I64:
    return static_cast<double>(reinterpret_cast<const int64_t *>(p)[i]);
  case ElementKind::I8:
    return reinterpret_cast<const int8_t *>(p)[i];
  case ElementKind::F8E4M3FN:
    return f8E4M3FNToF32(reinterpret_cast<const uint8_t *>(p)[i]);
  case ElementKind::F8E8M0FNU:
    return f8E8M0FNUToF32(reinterpret_cast<const uint8_t *>(p)[i]);
  case ElementKind::F32:
  case ElementKind::BF16:
  case ElementKind::F16:
    break;
  }
  return getFloat(i);
}

std::string execution::formatShape(ArrayRef<int64_t> shape) {
  return "[" +
         join(map_range(shape,
                        [](int64_t d) {
                          return ShapedType::isDynamic(d) ? std::string("?")
                                                          : std::to_string(d);
                        }),
              ", ") +
         "]";
}

bool execution::shapeMatches(ArrayRef<int64_t> expected, ArrayRef<int64_t> actual) {
  if (expected.size() != actual.size())
    return false;
  for (auto [e, a] : llvm::zip_equal(expected, actual))
    if (!ShapedType::isDynamic(e) && e != a)
      return false;
  return true;
}
