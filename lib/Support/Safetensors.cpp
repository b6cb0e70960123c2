//===- Safetensors.cpp - Reading .safetensors checkpoints -----------------===//
//
// Format reference: https://github.com/huggingface/safetensors (README,
// "Format"; `SafeTensors::read_metadata` and `Metadata::validate` in
// safetensors/src/tensor.rs). Offsets in `data_offsets` are relative to the
// first byte after the header, and the tensors' byte ranges tile the data
// section exactly: no overlap, no hole, nothing after the last one.
//
//===----------------------------------------------------------------------===//

#include "moe/Support/Safetensors.h"

#include "moe/Support/FloatConversion.h"
#include "moe/Support/Json.h"
#include "moe/Support/Printable.h"
#include "moe/Support/ReadFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

#include <cstring>

using namespace llvm;
using namespace mlir::moe;

namespace {

/// The largest header the reference implementation reads.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

std::string formatShape(ArrayRef<int64_t> shape) {
  return "[" +
         join(map_range(shape, [](int64_t d) { return std::to_string(d); }),
              ", ") +
         "]";
}

/// Parses and checks one header entry against a data section of
/// `dataSize` bytes starting at `data`.
Expected<SafetensorsTensor> parseEntry(StringRef name, const json::Value &value,
                                       const char *data, uint64_t dataSize) {
  auto fail = [&](const Twine &what) {
    return makeError("tensor '" + printable(name) + "': " + what);
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
  size_t elementBits = getSafetensorsElementBits(tensor.dtype);
  if (!elementBits)
    return fail("unknown dtype '" + printable(tensor.dtype) + "'");

  const json::Array *shape = entry->getArray("shape");
  if (!shape)
    return fail("expected an array 'shape'");
  for (const json::Value &dim : *shape) {
    std::optional<uint64_t> d = getJsonUnsigned(dim);
    if (!d || *d > static_cast<uint64_t>(INT64_MAX))
      return fail("expected non-negative integers in 'shape'");
    tensor.shape.push_back(static_cast<int64_t>(*d));
  }

  const json::Array *offsets = entry->getArray("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = getJsonUnsigned((*offsets)[0]);
    end = getJsonUnsigned((*offsets)[1]);
  }
  if (!begin || !end)
    return fail("expected 'data_offsets' as two non-negative integers");
  if (*begin > *end || *end > dataSize)
    return fail(formatv("expected data_offsets within the {0} data bytes "
                        "after the header, found [{1}, {2}]",
                        dataSize, *begin, *end));

  uint64_t bits = elementBits;
  for (int64_t d : tensor.shape) {
    std::optional<uint64_t> product =
        checkedMulUnsigned<uint64_t>(bits, static_cast<uint64_t>(d));
    if (!product)
      return fail("expected a shape whose size fits in 64 bits");
    bits = *product;
  }
  if (bits % 8 != 0)
    return fail(formatv("shape {0} of {1} is not a whole number of bytes",
                        formatShape(tensor.shape), tensor.dtype));
  if (bits / 8 != *end - *begin)
    return fail(formatv("expected {0} bytes for shape {1} of {2}, found "
                        "data_offsets [{3}, {4}] ({5} bytes)",
                        bits / 8, formatShape(tensor.shape), tensor.dtype,
                        *begin, *end, *end - *begin));
  tensor.bytes = ArrayRef<char>(data + *begin, *end - *begin);
  return tensor;
}

/// Checks that `__metadata__` maps strings to strings (or is null).
Error checkMetadata(const json::Value &value) {
  if (value.kind() == json::Value::Null)
    return Error::success();
  const json::Object *object = value.getAsObject();
  if (!object)
    return makeError("expected '__metadata__' to be an object of strings");
  for (const auto &[key, item] : *object)
    if (!item.getAsString())
      return makeError("expected '__metadata__' to map strings to strings, "
                       "found a value that is not a string for key '" +
                       printable(key) + "'");
  return Error::success();
}

/// Checks that the byte ranges of `tensors` tile the `dataSize` bytes of
/// the data section starting at `data`: sorted by offset, each starts where
/// the previous one ends, and the last ends at the end of the data.
Error checkTiling(ArrayRef<const SafetensorsTensor *> tensors, const char *data,
                  uint64_t dataSize) {
  SmallVector<const SafetensorsTensor *> sorted(tensors);
  auto range = [&](const SafetensorsTensor *t) {
    uint64_t begin = t->bytes.data() - data;
    return std::make_pair(begin, begin + t->bytes.size());
  };
  llvm::sort(sorted,
             [&](const SafetensorsTensor *a, const SafetensorsTensor *b) {
               return std::make_tuple(range(a), StringRef(a->name)) <
                      std::make_tuple(range(b), StringRef(b->name));
             });
  uint64_t next = 0;
  const SafetensorsTensor *previous = nullptr;
  for (const SafetensorsTensor *t : sorted) {
    auto [begin, end] = range(t);
    std::string after = previous
                            ? "after tensor '" + printable(previous->name) + "'"
                            : std::string("at the start");
    if (begin < next)
      return makeError(formatv("tensor '{0}': data_offsets [{1}, {2}] "
                               "overlap tensor '{3}' (bytes {4} to {5})",
                               printable(t->name), begin, end,
                               printable(previous->name), range(previous).first,
                               next));
    if (begin > next)
      return makeError(formatv("tensor '{0}': data_offsets [{1}, {2}] leave "
                               "bytes {3} to {1} of the data section unused "
                               "({4})",
                               printable(t->name), begin, end, next, after));
    next = end;
    previous = t;
  }
  if (next != dataSize)
    return makeError(formatv("expected the tensors to end at the end of the "
                             "file, found {0} bytes after {1}",
                             dataSize - next,
                             previous ? "the last tensor ('" +
                                            printable(previous->name) + "')"
                                      : std::string("a header that lists no "
                                                    "tensor")));
  return Error::success();
}

} // namespace

int64_t SafetensorsTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t mlir::moe::getSafetensorsElementBits(StringRef dtype) {
  return StringSwitch<size_t>(dtype)
      .Cases({"F64", "I64", "U64", "C64"}, 64)
      .Cases({"F32", "I32", "U32"}, 32)
      .Cases({"F16", "BF16", "I16", "U16"}, 16)
      .Cases({"F8_E4M3", "F8_E5M2", "F8_E8M0", "I8", "U8", "BOOL"}, 8)
      .Cases({"F6_E2M3", "F6_E3M2"}, 6)
      .Case("F4", 4)
      .Default(0);
}

size_t mlir::moe::getSafetensorsElementSize(StringRef dtype) {
  size_t bits = getSafetensorsElementBits(dtype);
  return bits % 8 == 0 ? bits / 8 : 0;
}

bool mlir::moe::isFloatSafetensorsDType(StringRef dtype) {
  return dtype == "F32" || dtype == "BF16" || dtype == "F16";
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer =
      readRegularFile(path, std::numeric_limits<uint64_t>::max(),
                      /*requiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot open: " + toString(buffer.takeError()));
  return parse(std::move(*buffer));
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::parse(std::unique_ptr<MemoryBuffer> buffer) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path = buffer->getBufferIdentifier().str();
  file->buffer = std::move(buffer);

  StringRef contents = file->buffer->getBuffer();
  if (contents.size() < 8)
    return makeError(formatv("expected an 8-byte safetensors header length, "
                             "found a {0}-byte file",
                             contents.size()));
  uint64_t headerLength = support::endian::read64le(contents.data());
  uint64_t rest = contents.size() - 8;
  if (headerLength > kMaxHeaderBytes)
    return makeError(formatv("expected a header of at most {0} bytes, found "
                             "a header length of {1}",
                             kMaxHeaderBytes, headerLength));
  if (headerLength > rest)
    return makeError(formatv("expected a header of {0} bytes (the header "
                             "length field), found only {1} bytes after it",
                             headerLength, rest));

  StringRef headerText = contents.substr(8, headerLength);
  if (!headerText.starts_with("{"))
    return makeError("expected a JSON header starting with '{'");
  Expected<json::Value> header = parseJson(headerText);
  if (!header)
    return makeError("expected a JSON header, found invalid JSON: " +
                     toString(header.takeError()));
  const json::Object *entries = header->getAsObject();
  if (!entries)
    return makeError("expected a JSON object as the header");

  const char *data = contents.data() + 8 + headerLength;
  uint64_t dataSize = rest - headerLength;
  for (const auto &[key, value] : *entries) {
    if (key == "__metadata__") {
      if (Error err = checkMetadata(value))
        return std::move(err);
      continue;
    }
    Expected<SafetensorsTensor> tensor = parseEntry(key, value, data, dataSize);
    if (!tensor)
      return tensor.takeError();
    file->tensors.try_emplace(key.str(), std::move(*tensor));
  }
  SmallVector<const SafetensorsTensor *> all;
  for (const auto &entry : file->tensors)
    all.push_back(&entry.second);
  if (Error err = checkTiling(all, data, dataSize))
    return std::move(err);
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
                             printable(tensor.name), out.size(),
                             tensor.getNumElements()));
  const char *src = tensor.bytes.data();
  size_t n = out.size();
  if (n == 0) // An empty view's data() may be null: no memcpy of it.
    return Error::success();
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
                           printable(tensor.name), printable(tensor.dtype)));
}
