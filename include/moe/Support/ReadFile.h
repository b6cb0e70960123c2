//===- ReadFile.h - Reading input files of bounded size ---------*- C++ -*-===//
//
// Every file the tools read goes through `readRegularFile`: a FIFO, a
// directory or a device such as /dev/zero is refused before anything is read
// (reading one would block, or never end and exhaust memory), and a file
// larger than the caller's limit is refused instead of being loaded.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_READFILE_H
#define MOE_SUPPORT_READFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <limits>
#include <memory>

namespace mlir {
namespace moe {

/// Limit for small text inputs (config.json, routing profiles).
constexpr uint64_t kMaxTextInputBytes = uint64_t(64) << 20;

/// Succeeds when `path` (after following symbolic links) is a regular file
/// of at most `maxBytes` bytes. The error is the reason alone, without the
/// path: the system's message ("No such file or directory"), "not a regular
/// file (a directory)", or the size against the limit.
llvm::Error
checkRegularFile(llvm::StringRef path,
                 uint64_t maxBytes = std::numeric_limits<uint64_t>::max());

/// Reads (or maps) the regular file at `path` after `checkRegularFile`.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readRegularFile(llvm::StringRef path,
                uint64_t maxBytes = std::numeric_limits<uint64_t>::max(),
                bool requiresNullTerminator = true);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_READFILE_H
