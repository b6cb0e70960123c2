//===- Json.cpp - Strict JSON parsing for the input readers ---------------===//
//
// The scan before llvm::json::parse walks the text once without recursing.
// It agrees with the parser on where strings start and end, so the depth it
// counts bounds the parser's recursion up to the first syntax error, where
// the parser stops.
//
//===----------------------------------------------------------------------===//

#include "moe/Support/Json.h"

#include "moe/Support/Printable.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <string>

using namespace llvm;
using namespace mlir::moe;

namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// "line L, column C" of byte `offset` of `text`, both counted from 1.
std::string describePosition(StringRef text, size_t offset) {
  StringRef before = text.take_front(offset);
  size_t line = before.count('\n') + 1;
  size_t lineStart = before.rfind('\n');
  size_t column =
      lineStart == StringRef::npos ? offset + 1 : offset - lineStart;
  return formatv("line {0}, column {1}", line, column).str();
}


/// The value of the JSON string token `token` (quotes included).
std::string decodeString(StringRef token) {
  if (!token.contains('\\'))
    return token.drop_front().drop_back().str();
  Expected<json::Value> value = json::parse(token);
  if (!value) {
    consumeError(value.takeError());
    return token.str();
  }
  return value->getAsString()->str();
}

/// Whether `literal` is `-?[0-9]+`.
bool isIntegerLiteral(StringRef literal) {
  literal.consume_front("-");
  return !literal.empty() && all_of(literal, isDigit);
}

/// One open array or object.
struct Level {
  bool isObject = false;
  /// The keys seen so far in an object.
  StringSet<> keys;
  /// The last key seen in an object, for messages.
  std::string key;
};

/// Checks the nesting depth of `text` (an error at once), and finds the
/// first duplicate key or integer past 64 bits (left in `deferred`, reported
/// only when the text is otherwise valid JSON).
Error scan(StringRef text, unsigned maxDepth,
           std::optional<std::string> &deferred) {
  SmallVector<Level> stack;
  auto defer = [&](size_t offset, const Twine &what) {
    if (!deferred)
      deferred = (what + " at " + describePosition(text, offset)).str();
  };
  auto innermostKey = [&]() -> std::string {
    for (const Level &level : llvm::reverse(stack))
      if (!level.key.empty())
        return " in '" + level.key + "'";
    return "";
  };
  size_t i = 0, n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '"') {
      size_t start = i++;
      while (i < n && text[i] != '"')
        i += text[i] == '\\' ? 2 : 1;
      if (i >= n)
        return Error::success(); // Unterminated: the parser says so.
      ++i;
      size_t next = i;
      while (next < n && isSpace(text[next]))
        ++next;
      if (stack.empty() || !stack.back().isObject || next >= n ||
          text[next] != ':')
        continue;
      std::string key = decodeString(text.slice(start, i));
      if (!stack.back().keys.insert(key).second)
        defer(start, "duplicate key '" + printable(key) + "' in an object");
      stack.back().key = printable(key);
      continue;
    }
    if (c == '[' || c == '{') {
      if (stack.size() >= maxDepth)
        return makeError(formatv("nesting deeper than {0} levels at {1}",
                                 maxDepth, describePosition(text, i)));
      stack.emplace_back();
      stack.back().isObject = c == '{';
      ++i;
      continue;
    }
    if (c == ']' || c == '}') {
      if (!stack.empty())
        stack.pop_back();
      ++i;
      continue;
    }
    if (c == '-' || isDigit(c)) {
      size_t start = i;
      while (i < n &&
             (isDigit(text[i]) || StringRef("+-.eE").contains(text[i])))
        ++i;
      StringRef literal = text.slice(start, i);
      int64_t asSigned;
      uint64_t asUnsigned;
      bool fits = literal.starts_with("-")
                      ? !literal.getAsInteger(10, asSigned)
                      : !literal.getAsInteger(10, asUnsigned);
      if (isIntegerLiteral(literal) && !fits)
        defer(start, "integer " + printable(literal) + innermostKey() +
                         " is too large (more than 64 bits)");
      continue;
    }
    ++i;
  }
  return Error::success();
}

} // namespace

Expected<json::Value> mlir::moe::parseJson(StringRef text, unsigned maxDepth) {
  std::optional<std::string> deferred;
  if (Error err = scan(text, maxDepth, deferred))
    return std::move(err);
  Expected<json::Value> value = json::parse(text);
  if (!value)
    return value.takeError();
  if (deferred)
    return makeError(*deferred);
  return value;
}

std::optional<uint64_t> mlir::moe::getJsonUnsigned(const json::Value &value) {
  // getAsUINT64 takes only numbers that were written as integers.
  return value.getAsUINT64();
}
