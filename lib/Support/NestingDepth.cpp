//===- NestingDepth.cpp - Bounding the bracket depth of MLIR text ---------===//

#include "moe/Support/NestingDepth.h"

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

std::optional<mlir::moe::NestingViolation>
mlir::moe::checkMlirNesting(StringRef text, unsigned maxDepth) {
  unsigned depth = 0, line = 1;
  size_t lineStart = 0;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    switch (c) {
    case '\n':
      ++line;
      lineStart = i + 1;
      break;
    case '"':
      // A string literal: to its closing quote, over escaped characters.
      for (++i; i < e && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
      if (i < e && text[i] == '\n')
        --i;
      break;
    case '/':
      if (i + 1 < e && text[i + 1] == '/')
        while (i + 1 < e && text[i + 1] != '\n')
          ++i;
      break;
    case '(':
    case '[':
    case '{':
      if (++depth > maxDepth)
        return NestingViolation{
            line, static_cast<unsigned>(i - lineStart + 1),
            formatv("brackets nest deeper than {0} levels", maxDepth).str()};
      break;
    case ')':
    case ']':
    case '}':
      if (depth)
        --depth;
      break;
    default:
      break;
    }
  }
  return std::nullopt;
}
