//===- NestingDepth.h - Bounding the bracket depth of MLIR text -*- C++ -*-===//
//
// MLIR's parser recurses once per nested region, attribute list or
// parenthesis: a file nested a hundred thousand levels deep overflows the
// stack. The tools check the depth of the text with a scan that does not
// recurse before they hand it to the parser.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_NESTINGDEPTH_H
#define MOE_SUPPORT_NESTINGDEPTH_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
namespace moe {

/// The deepest nesting of (), [] and {} that the tools accept in MLIR text;
/// real modules nest a few dozen levels.
constexpr unsigned kMaxMlirNesting = 1000;

/// The first bracket of MLIR text that nests too deep.
struct NestingViolation {
  unsigned line, column;
  /// "brackets nest deeper than N levels".
  std::string message;
};

/// Where `text`, read as MLIR, first nests (), [] and {} deeper than
/// `maxDepth`; nullopt when it does not. String literals and // comments are
/// skipped; brackets need not balance (the parser reports that).
std::optional<NestingViolation>
checkMlirNesting(llvm::StringRef text, unsigned maxDepth = kMaxMlirNesting);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_NESTINGDEPTH_H
