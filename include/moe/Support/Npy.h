//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The subset of the .npy format (format versions 1.0, 2.0 and 3.0) that
// moe-run exchanges: C-order arrays of little-endian f32, i32 or i64, and
// of int8 or uint8 bytes (quantized weights).
// Errors name what was expected and what was found; they do not repeat the
// file name, which callers prefix.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_NPY_H
#define MOE_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
namespace moe {

/// Element types of the arrays moe-run reads and writes. I8 holds int8
/// values; U8 raw bytes (the codes of fp8 e4m3fn weights).
enum class NpyDType { F32, I32, I64, I8, U8 };

/// The .npy `descr` string of `dtype` ('<f4', '<i4', '<i8', '|i1', '|u1').
llvm::StringRef getNpyDescr(NpyDType dtype);

/// Size in bytes of one element of `dtype`.
size_t getNpyElementSize(NpyDType dtype);

/// A dense C-order array: the shape and the raw little-endian elements.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  llvm::SmallVector<int64_t> shape;
  std::vector<char> data;

  int64_t getNumElements() const;
};

/// The header of a .npy file.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  llvm::SmallVector<int64_t> shape;
  /// Offset of the first data byte in the file.
  size_t dataOffset = 0;
};

/// Parses the magic, version and header dictionary of `contents`.
llvm::Expected<NpyHeader> parseNpyHeader(llvm::StringRef contents);

/// Parses the bytes of a whole .npy file, which must hold a C-order array of
/// `expected` elements. Only the element type is checked here; callers check
/// the shape.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef contents, NpyDType expected);

/// Reads the .npy file at `path` and parses it with `parseNpy`.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path, NpyDType expected);

/// Writes `array` to `path` as a version 1.0 .npy file.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_NPY_H
