//===- FuzzCommon.h - What every reader's fuzz target checks ----*- C++ -*-===//
//
// Beyond what the sanitizers catch, a reader must turn every bad input into
// one error line: a non-empty message without a newline, of bounded length.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_FUZZ_FUZZCOMMON_H
#define MOE_TOOLS_MOE_FUZZ_FUZZCOMMON_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

namespace mlir {
namespace moe {
namespace fuzz {

/// Consumes `err` (if any) and aborts unless its message is one line.
inline void checkOneLine(llvm::Error err) {
  if (!err)
    return;
  std::string message = llvm::toString(std::move(err));
  if (!message.empty() && message.find('\n') == std::string::npos &&
      message.size() <= 2048)
    return;
  llvm::errs() << "error message is not one line of at most 2048 bytes ("
               << message.size() << " bytes):\n"
               << message << "\n";
  std::abort();
}

/// The input as text.
inline llvm::StringRef asText(const uint8_t *data, size_t size) {
  return llvm::StringRef(reinterpret_cast<const char *>(data), size);
}

} // namespace fuzz
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_FUZZ_FUZZCOMMON_H
