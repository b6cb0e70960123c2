//===- Safetensors.cpp - Reading .safetensors checkpoints -----------------===//
//
// Format reference: https://github.com/huggingface/safetensors (README,
// "Format"). Offsets in `data_offsets` are relative to the first byte after
// the header.
//
//===----------------------------------------------------------------------===//

#include "moe/Support/Safetensors.h"

#include "moe/Support/FloatConversion.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cstring>

using namespace llvm;
using namespace mlir::moe;

namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

std::string formatShape(ArrayRef<int64_t> shape) {
  return "[" +
         join(map_range(shape, [](int64_t d) { return std::to_string(d); }),
              ", ") +
         "]";
}

/// Reads a non-negative integer out of a JSON value.
std::optional<uint64_t> getUnsigned(const json::Value &value) {
  if (std::optional<int64_t> i = value.getAsInteger())
    if (*i >= 0)
      return static_cast<uint64_t>(*i);
  if (std::optional<uint64_t> u = value.getAsUINT64())
    return *u;
  return std::nullopt;
}

/// Parses and checks one header entry against a data section of
/// `dataSize` bytes starting at `data`.
Expected<SafetensorsTensor> parseEntry(StringRef name, const json::Value &value,
                                       const char *data, uint64_t dataSize) {
  auto fail = [&](const Twine &what) {
    return makeError("tensor '" + name + "': " + what);
  };
  const json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("expected a JSON object with dtype, shape and data_offsets");
  SafetensorsTensor tensor;
  tensor.name = name.str();

  std::optional<StringRef> dtype = entry->getString("dtype");
  if (!dtype)
    return fail("expected a string 'dtype'");
  tensor.dtype = dtype->str();

  const json::Array *shape = entry->getArray("shape");
  if (!shape)
    return fail("expected an array 'shape'");
  for (const json::Value &dim : *shape) {
    std::optional<uint64_t> d = getUnsigned(dim);
    if (!d || *d > static_cast<uint64_t>(INT64_MAX))
      return fail("expected non-negative integers in 'shape'");
    tensor.shape.push_back(static_cast<int64_t>(*d));
  }

  const json::Array *offsets = entry->getArray("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = getUnsigned((*offsets)[0]);
    end = getUnsigned((*offsets)[1]);
  }
  if (!begin || !end)
    return fail("expected 'data_offsets' as two non-negative integers");
  if (*begin > *end || *end > dataSize)
    return fail(formatv("expected data_offsets within the {0} data bytes "
                        "after the header, found [{1}, {2}]",
                        dataSize, *begin, *end));

  if (size_t elementSize = getSafetensorsElementSize(tensor.dtype)) {
    uint64_t bytes = elementSize;
    for (int64_t d : tensor.shape) {
      std::optional<uint64_t> product =
          checkedMulUnsigned<uint64_t>(bytes, static_cast<uint64_t>(d));
      if (!product)
        return fail("expected a shape whose size fits in 64 bits");
      bytes = *product;
    }
    if (bytes != *end - *begin)
      return fail(formatv("expected {0} bytes for shape {1} of {2}, found "
                          "data_offsets [{3}, {4}] ({5} bytes)",
                          bytes, formatShape(tensor.shape), tensor.dtype,
                          *begin, *end, *end - *begin));
  }
  tensor.bytes = ArrayRef<char>(data + *begin, *end - *begin);
  return tensor;
}

} // namespace

int64_t SafetensorsTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t mlir::moe::getSafetensorsElementSize(StringRef dtype) {
  return StringSwitch<size_t>(dtype)
      .Cases({"F64", "I64", "U64"}, 8)
      .Cases({"F32", "I32", "U32"}, 4)
      .Cases({"F16", "BF16", "I16", "U16"}, 2)
      .Cases({"F8_E4M3", "F8_E5M2", "I8", "U8", "BOOL"}, 1)
      .Default(0);
}

bool mlir::moe::isFloatSafetensorsDType(StringRef dtype) {
  return dtype == "F32" || dtype == "BF16" || dtype == "F16";
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(formatv("cannot open: {0}", buffer.getError().message()));
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path = path.str();
  file->buffer = std::move(*buffer);

  StringRef contents = file->buffer->getBuffer();
  if (contents.size() < 8)
    return makeError(formatv("expected an 8-byte safetensors header length, "
                             "found a {0}-byte file",
                             contents.size()));
  uint64_t headerLength = support::endian::read64le(contents.data());
  uint64_t rest = contents.size() - 8;
  if (headerLength > rest)
    return makeError(formatv("expected a header of {0} bytes (the header "
                             "length field), found only {1} bytes after it",
                             headerLength, rest));

  StringRef headerText = contents.substr(8, headerLength);
  Expected<json::Value> header = json::parse(headerText);
  if (!header)
    return makeError("expected a JSON header, found invalid JSON: " +
                     toString(header.takeError()));
  const json::Object *entries = header->getAsObject();
  if (!entries)
    return makeError("expected a JSON object as the header");

  const char *data = contents.data() + 8 + headerLength;
  uint64_t dataSize = rest - headerLength;
  for (const auto &[key, value] : *entries) {
    if (key == "__metadata__")
      continue;
    Expected<SafetensorsTensor> tensor = parseEntry(key, value, data, dataSize);
    if (!tensor)
      return tensor.takeError();
    file->tensors.try_emplace(key.str(), std::move(*tensor));
  }
  return file;
}

const SafetensorsTensor *SafetensorsFile::lookup(StringRef name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

Error mlir::moe::convertToF32(const SafetensorsTensor &tensor,
                              MutableArrayRef<float> out) {
  if (static_cast<int64_t>(out.size()) != tensor.getNumElements())
    return makeError(formatv("tensor '{0}': expected {1} elements, found {2}",
                             tensor.name, out.size(), tensor.getNumElements()));
  const char *src = tensor.bytes.data();
  size_t n = out.size();
  if (tensor.dtype == "F32") {
    std::memcpy(out.data(), src, n * sizeof(float));
    return Error::success();
  }
  if (tensor.dtype == "BF16" || tensor.dtype == "F16") {
    bool isBF16 = tensor.dtype == "BF16";
    for (size_t i = 0; i < n; ++i) {
      uint16_t bits = support::endian::read16le(src + 2 * i);
      out[i] = isBF16 ? bf16ToF32(bits) : f16ToF32(bits);
    }
    return Error::success();
  }
  return makeError(formatv("tensor '{0}': expected dtype F32, BF16 or F16, "
                           "found {1}",
                           tensor.name, tensor.dtype));
}
