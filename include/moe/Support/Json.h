//===- Json.h - Strict JSON parsing for the input readers -------*- C++ -*-===//
//
// One entry point for every JSON file moe-opt reads (config.json, the
// .safetensors header, routing profiles). On top of llvm::json::parse it
// bounds the nesting depth (checked by a scan that does not recurse, so a
// deeply nested file cannot overflow the stack), rejects an object that names
// a key twice (llvm::json::parse keeps the last silently), and reports an
// integer literal that does not fit in 64 bits as too large instead of
// rounding it to a double.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_JSON_H
#define MOE_SUPPORT_JSON_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>

namespace mlir {
namespace moe {

/// The deepest nesting of arrays and objects `parseJson` accepts by default
/// (serde_json's limit too).
constexpr unsigned kMaxJsonDepth = 128;

/// Parses `text` as one JSON value. Errors are one line with the line and
/// column of the problem.
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            unsigned maxDepth = kMaxJsonDepth);

/// The value of a JSON number written as an integer (no fraction, no
/// exponent) that is not negative, or nullopt (2.0 and -1 are not).
std::optional<uint64_t> getJsonUnsigned(const llvm::json::Value &value);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_JSON_H
