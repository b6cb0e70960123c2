//===- Safetensors.h - Reading .safetensors checkpoints ---------*- C++ -*-===//
//
// A .safetensors file is an 8-byte little-endian header length N, a JSON
// object of N bytes mapping tensor names to {dtype, shape, data_offsets},
// and the data. The file is memory-mapped; tensors are views into it.
// Opening validates the whole header (lengths, dtypes, offsets, sizes, and
// that the tensors' bytes tile the data section); reading a tensor converts
// F32, BF16 or F16 elements.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_SAFETENSORS_H
#define MOE_SUPPORT_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mlir {
namespace moe {

/// One tensor of a checkpoint: a view of its bytes in the mapped file.
struct SafetensorsTensor {
  std::string name;
  /// The dtype string as written in the header ("F32", "BF16", "I64", ...).
  std::string dtype;
  llvm::SmallVector<int64_t> shape;
  llvm::ArrayRef<char> bytes;

  int64_t getNumElements() const;
};

/// A memory-mapped .safetensors file with a validated header.
class SafetensorsFile {
public:
  /// Maps and validates the file. Errors do not repeat the path.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);

  /// Validates the bytes of a whole file held in `buffer`; the buffer's
  /// identifier is the path.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer);

  llvm::StringRef getPath() const { return path; }

  /// The tensor called `name`, or null.
  const SafetensorsTensor *lookup(llvm::StringRef name) const;

  size_t size() const { return tensors.size(); }

  /// Every tensor, by name.
  const llvm::StringMap<SafetensorsTensor> &getTensors() const {
    return tensors;
  }

private:
  SafetensorsFile() = default;

  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  llvm::StringMap<SafetensorsTensor> tensors;
};

/// Size in bits of one element of a safetensors dtype (F4 and F6 are
/// smaller than a byte), or 0 when unknown.
size_t getSafetensorsElementBits(llvm::StringRef dtype);

/// Size in bytes of one element of a safetensors dtype, or 0 when unknown
/// or smaller than a byte.
size_t getSafetensorsElementSize(llvm::StringRef dtype);

/// Whether `dtype` is one that `convertToF32` reads (F32, BF16, F16).
bool isFloatSafetensorsDType(llvm::StringRef dtype);

/// Converts `tensor`'s elements to f32 into `out`, which must have exactly
/// tensor.getNumElements() elements.
llvm::Error convertToF32(const SafetensorsTensor &tensor,
                         llvm::MutableArrayRef<float> out);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_SAFETENSORS_H
