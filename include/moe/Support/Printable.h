//===- Printable.h - Input text shown in one-line messages ------*- C++ -*-===//
//
// Names and snippets taken from an input file end up in error messages,
// which are one line each. `printable` writes bytes other than printable
// ASCII (newlines included) and the characters \ and " as \xNN, and cuts long
// text, saying how long it was.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_PRINTABLE_H
#define MOE_SUPPORT_PRINTABLE_H

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
namespace moe {

/// `text` with non-printable bytes escaped; at most `maxChars` bytes of it
/// are shown, followed by "... (N bytes)" when cut.
inline std::string printable(llvm::StringRef text, size_t maxChars = 64) {
  std::string result;
  for (char c : text.take_front(maxChars)) {
    if (llvm::isPrint(c) && c != '"' && c != '\\') {
      result += c;
      continue;
    }
    result += "\\x";
    result += llvm::hexdigit((c >> 4) & 0xF, /*LowerCase=*/true);
    result += llvm::hexdigit(c & 0xF, /*LowerCase=*/true);
  }
  if (text.size() > maxChars)
    result += "... (" + std::to_string(text.size()) + " bytes)";
  return result;
}

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_PRINTABLE_H
