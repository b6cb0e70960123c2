//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// Format reference: numpy/lib/format.py. A file is the magic "\x93NUMPY",
// a major and minor version byte, a little-endian header length (2 bytes in
// version 1.0, 4 bytes in 2.0 and 3.0), an ASCII (3.0: UTF-8) Python dict
// literal with the keys 'descr', 'fortran_order' and 'shape', padded with
// spaces and a newline, then the raw elements. numpy pads the whole header
// to a multiple of 64 bytes (16 before numpy 1.14's ARRAY_ALIGN) but does not
// require any alignment when reading, and neither does this reader.
//
//===----------------------------------------------------------------------===//

#include "moe/Support/Npy.h"

#include "moe/Support/Printable.h"
#include "moe/Support/ReadFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir::moe;

namespace {

constexpr StringLiteral kMagic("\x93NUMPY");

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// A cursor over the header's Python dict literal.
class DictParser {
public:
  explicit DictParser(StringRef text) : text(text) {}

  void skipSpace() { text = text.ltrim(" \t\r\n"); }

  bool consume(char c) {
    skipSpace();
    if (!text.starts_with(StringRef(&c, 1)))
      return false;
    text = text.drop_front();
    return true;
  }

  Error expect(char c, StringRef what) {
    if (consume(c))
      return Error::success();
    return makeError(formatv("malformed .npy header: expected '{0}' {1}, "
                             "found '{2}'",
                             c, what, found()));
  }

  /// A single- or double-quoted string without escapes.
  Expected<std::string> parseString(StringRef what) {
    skipSpace();
    if (text.empty() || (text.front() != '\'' && text.front() != '"'))
      return makeError(formatv("malformed .npy header: expected a quoted {0}, "
                               "found '{1}'",
                               what, found()));
    char quote = text.front();
    size_t end = text.find(quote, 1);
    if (end == StringRef::npos)
      return makeError(
          formatv("malformed .npy header: unterminated {0}", what));
    std::string result = text.slice(1, end).str();
    text = text.drop_front(end + 1);
    return result;
  }

  Expected<bool> parseBool() {
    skipSpace();
    if (text.consume_front("True"))
      return true;
    if (text.consume_front("False"))
      return false;
    return makeError(formatv("malformed .npy header: expected True or False "
                             "for 'fortran_order', found '{0}'",
                             found()));
  }

  /// A shape tuple: "()", "(3,)", "(3, 4)", "(3, 4,)".
  Expected<SmallVector<int64_t>> parseShape() {
    if (Error err = expect('(', "to open 'shape'"))
      return std::move(err);
    SmallVector<int64_t> shape;
    while (!consume(')')) {
      skipSpace();
      size_t digits = 0;
      while (digits < text.size() && isDigit(text[digits]))
        ++digits;
      uint64_t dim;
      if (digits == 0 || text.take_front(digits).getAsInteger(10, dim) ||
          dim > static_cast<uint64_t>(INT64_MAX))
        return makeError(formatv("malformed .npy header: expected a "
                                 "non-negative integer in 'shape', found "
                                 "'{0}'",
                                 found()));
      text = text.drop_front(digits);
      shape.push_back(static_cast<int64_t>(dim));
      if (consume(','))
        continue;
      if (Error err = expect(')', "to close 'shape'"))
        return std::move(err);
      break;
    }
    return shape;
  }

  /// numpy pads the dict with spaces and ends the header with a newline.
  Error expectPaddingOnly() {
    StringRef rest = text;
    rest.consume_back("\n");
    if (rest.find_first_not_of(' ') == StringRef::npos)
      return Error::success();
    text = text.ltrim(' ');
    return makeError(formatv("malformed .npy header: expected only spaces "
                             "and a final newline after the header dict, "
                             "found '{0}'",
                             found()));
  }

  std::string found() const {
    return text.empty() ? std::string("end of header") : printable(text, 12);
  }

private:
  StringRef text;
};

} // namespace

StringRef mlir::moe::getNpyDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "<f4";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::I64:
    return "<i8";
  case NpyDType::I8:
    return "|i1";
  case NpyDType::U8:
    return "|u1";
  }
  llvm_unreachable("unknown NpyDType");
}

size_t mlir::moe::getNpyElementSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
  case NpyDType::I32:
    return 4;
  case NpyDType::I64:
    return 8;
  case NpyDType::I8:
  case NpyDType::U8:
    return 1;
  }
  llvm_unreachable("unknown NpyDType");
}

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Expected<NpyHeader> mlir::moe::parseNpyHeader(StringRef contents) {
  if (!contents.starts_with(kMagic))
    return makeError(formatv("expected the .npy magic \"\\x93NUMPY\", found "
                             "\"{0}\"",
                             printable(contents.take_front(kMagic.size()))));
  if (contents.size() < 10)
    return makeError(formatv("expected a .npy header after the magic, found "
                             "end of file after {0} bytes",
                             contents.size()));
  uint8_t major = contents[6], minor = contents[7];
  size_t lengthBytes;
  if (major == 1 && minor == 0)
    lengthBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthBytes = 4;
  else
    return makeError(formatv("expected .npy format version 1.0, 2.0 or 3.0, "
                             "found {0}.{1}",
                             major, minor));
  if (contents.size() < 8 + lengthBytes)
    return makeError("expected the .npy header length, found end of file");
  uint64_t headerLength = lengthBytes == 2
                              ? support::endian::read16le(contents.data() + 8)
                              : support::endian::read32le(contents.data() + 8);
  size_t headerStart = 8 + lengthBytes;
  if (headerLength > contents.size() - headerStart)
    return makeError(formatv("expected a {0}-byte .npy header, found only {1} "
                             "bytes after the length field",
                             headerLength, contents.size() - headerStart));

  NpyHeader header;
  header.dataOffset = headerStart + headerLength;
  DictParser parser(contents.substr(headerStart, headerLength));
  if (Error err = parser.expect('{', "to open the header dict"))
    return std::move(err);
  bool sawDescr = false, sawOrder = false, sawShape = false;
  while (!parser.consume('}')) {
    Expected<std::string> key = parser.parseString("key");
    if (!key)
      return key.takeError();
    if (Error err = parser.expect(':', "after a key"))
      return std::move(err);
    if ((*key == "descr" && sawDescr) ||
        (*key == "fortran_order" && sawOrder) || (*key == "shape" && sawShape))
      return makeError(formatv("malformed .npy header: key '{0}' appears "
                               "twice",
                               printable(*key)));
    if (*key == "descr") {
      Expected<std::string> descr = parser.parseString("'descr'");
      if (!descr)
        return descr.takeError();
      header.descr = *descr;
      sawDescr = true;
    } else if (*key == "fortran_order") {
      Expected<bool> order = parser.parseBool();
      if (!order)
        return order.takeError();
      header.fortranOrder = *order;
      sawOrder = true;
    } else if (*key == "shape") {
      Expected<SmallVector<int64_t>> shape = parser.parseShape();
      if (!shape)
        return shape.takeError();
      header.shape = std::move(*shape);
      sawShape = true;
    } else {
      return makeError(formatv("malformed .npy header: expected the keys "
                               "'descr', 'fortran_order', 'shape', found "
                               "'{0}'",
                               printable(*key)));
    }
    if (parser.consume(','))
      continue;
    if (Error err = parser.expect('}', "to close the header dict"))
      return std::move(err);
    break;
  }
  if (Error err = parser.expectPaddingOnly())
    return std::move(err);
  if (!sawDescr || !sawOrder || !sawShape)
    return makeError(formatv("malformed .npy header: expected the keys "
                             "'descr', 'fortran_order' and 'shape', found no "
                             "'{0}'",
                             !sawDescr   ? "descr"
                             : !sawOrder ? "fortran_order"
                                         : "shape"));
  return header;
}

Expected<NpyArray> mlir::moe::readNpy(StringRef path, NpyDType expected) {
  Expected<std::unique_ptr<MemoryBuffer>> file =
      readRegularFile(path, std::numeric_limits<uint64_t>::max(),
                      /*requiresNullTerminator=*/false);
  if (!file)
    return makeError("cannot open: " + toString(file.takeError()));
  return parseNpy((*file)->getBuffer(), expected);
}

Expected<NpyArray> mlir::moe::parseNpy(StringRef contents, NpyDType expected) {
  Expected<NpyHeader> header = parseNpyHeader(contents);
  if (!header)
    return header.takeError();

  StringRef expectedDescr = getNpyDescr(expected);
  if (header->descr != expectedDescr) {
    const char *name = expected == NpyDType::F32   ? "little-endian float32"
                       : expected == NpyDType::I32 ? "little-endian int32"
                       : expected == NpyDType::I64 ? "little-endian int64"
                       : expected == NpyDType::I8  ? "int8"
                                                   : "uint8 bytes";
    return makeError(formatv("expected dtype '{0}' ({1}), found '{2}'",
                             expectedDescr, name, printable(header->descr)));
  }
  if (header->fortranOrder && header->shape.size() > 1)
    return makeError("expected a C-order array (fortran_order: False), "
                     "found fortran_order: True");

  NpyArray array;
  array.dtype = expected;
  array.shape = header->shape;
  uint64_t bytes = getNpyElementSize(expected);
  for (int64_t d : array.shape) {
    std::optional<uint64_t> product =
        checkedMulUnsigned<uint64_t>(bytes, static_cast<uint64_t>(d));
    if (!product)
      return makeError("expected a shape whose size fits in 64 bits");
    bytes = *product;
  }
  uint64_t available = contents.size() - header->dataOffset;
  if (available != bytes)
    return makeError(
        formatv("expected {0} data bytes for shape ({1}) of "
                "'{2}', found {3}",
                bytes,
                join(map_range(array.shape,
                               [](int64_t d) { return std::to_string(d); }),
                     ", "),
                header->descr, available));
  array.data.assign(contents.begin() + header->dataOffset, contents.end());
  return array;
}

Error mlir::moe::writeNpy(StringRef path, const NpyArray &array) {
  std::string shape = "(";
  for (int64_t d : array.shape)
    shape += std::to_string(d) + (array.shape.size() == 1 ? "," : ", ");
  if (array.shape.size() > 1)
    shape.resize(shape.size() - 2);
  shape += ")";
  std::string dict = formatv("{{'descr': '{0}', 'fortran_order': False, "
                             "'shape': {1}, }",
                             getNpyDescr(array.dtype), shape)
                         .str();
  // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a
  // multiple of 64.
  size_t total = alignTo(10 + dict.size() + 1, 64);
  dict.append(total - 10 - dict.size() - 1, ' ');
  dict += '\n';
  if (dict.size() > 0xFFFF)
    return makeError("expected a .npy header under 64 KiB for version 1.0");

  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return makeError(formatv("cannot write: {0}", ec.message()));
  os << kMagic;
  os << '\x01' << '\x00';
  char length[2];
  support::endian::write16le(length, static_cast<uint16_t>(dict.size()));
  os.write(length, 2);
  os << dict;
  os.write(array.data.data(), array.data.size());
  os.close();
  if (os.has_error()) {
    std::string message = os.error().message();
    os.clear_error();
    return makeError(formatv("cannot write: {0}", message));
  }
  return Error::success();
}
