//===- ReadFile.cpp - Reading input files of bounded size -----------------===//

#include "moe/Support/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;
using namespace mlir::moe;

namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

StringRef describeType(sys::fs::file_type type) {
  switch (type) {
  case sys::fs::file_type::directory_file:
    return "a directory";
  case sys::fs::file_type::block_file:
    return "a block device";
  case sys::fs::file_type::character_file:
    return "a character device";
  case sys::fs::file_type::fifo_file:
    return "a FIFO";
  case sys::fs::file_type::socket_file:
    return "a socket";
  default:
    return "not a file";
  }
}

/// Checks a status: a regular file within the limit; its size.
Expected<uint64_t> checkStatus(const sys::fs::file_status &status,
                               uint64_t maxBytes) {
  if (status.type() != sys::fs::file_type::regular_file)
    return makeError(
        formatv("not a regular file ({0})", describeType(status.type())));
  if (status.getSize() > maxBytes)
    return makeError(formatv("the file has {0} bytes, more than the {1} "
                             "this input may have",
                             status.getSize(), maxBytes));
  return status.getSize();
}

} // namespace

Error mlir::moe::checkRegularFile(StringRef path, uint64_t maxBytes) {
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status, /*Follow=*/true))
    return makeError(ec.message());
  Expected<uint64_t> size = checkStatus(status, maxBytes);
  return size ? Error::success() : size.takeError();
}

Expected<std::unique_ptr<MemoryBuffer>>
mlir::moe::readRegularFile(StringRef path, uint64_t maxBytes,
                           bool requiresNullTerminator) {
  // Checked before opening: opening a FIFO for reading blocks.
  if (Error err = checkRegularFile(path, maxBytes))
    return std::move(err);
  Expected<sys::fs::file_t> fd = sys::fs::openNativeFileForRead(path);
  if (!fd)
    return makeError(toString(fd.takeError()));
  // Checked again on what was opened, in case the path changed in between.
  sys::fs::file_status status;
  std::error_code ec = sys::fs::status(*fd, status);
  Expected<uint64_t> size = ec ? Expected<uint64_t>(makeError(ec.message()))
                               : checkStatus(status, maxBytes);
  if (!size) {
    sys::fs::closeFile(*fd);
    return size.takeError();
  }
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getOpenFile(*fd, path, *size, requiresNullTerminator);
  sys::fs::closeFile(*fd);
  if (!buffer)
    return makeError(buffer.getError().message());
  return std::move(*buffer);
}
