//===- ToolMessages.h - One-line errors of the tools -----------*- C++ -*-===//
//
// What moe-opt, moe-run and moe-import share to keep every bad input to one
// `error:` line (user text is echoed through Printable.h); command-line
// and pass-option errors, which LLVM's option parser writes to stderr over
// several lines (the useful part on a line without "error:"), captured and
// turned into one message; integers that do not fit told apart from text
// that is not an integer; output files whose write fails reported as an
// error rather than LLVM's fatal "IO failure".
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_TOOLMESSAGES_H
#define MOE_SUPPORT_TOOLMESSAGES_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace moe {

/// Runs `fn` with the process's standard error (file descriptor 2) sent to
/// a temporary file and returns what was written there. Used around option
/// parsing only: LLVM's option parser writes its reasons to stderr.
std::string captureStderr(llvm::function_ref<void()> fn);

/// The one-line form of what LLVM's option parser wrote to stderr: the
/// first non-empty line, without the "<tool>: " prefix and the trailing
/// '!', with "for the --x option: " written as "--x: ". Empty when nothing
/// useful was written.
std::string condenseOptionError(llvm::StringRef captured,
                                llvm::StringRef toolName);

/// Parses the command line with llvm::cl; on failure returns one line that
/// says what was wrong (e.g. "--input: requires a value") and prints
/// nothing; on success returns std::nullopt after passing on what the
/// parser printed (warnings).
std::optional<std::string> parseCommandLine(int argc, const char *const *argv,
                                            llvm::StringRef overview);

/// Why `text` is not an integer from `minValue` to `maxValue`, as
/// "expected an integer from A to B, found '<text>'" (or "an integer >= A"
/// without an upper bound), followed by "(too large)" when `text` is an
/// integer above the range or past 64 bits ("(too small)" below -2^63);
/// nullopt, with the integer in `value`, when it is one.
std::optional<std::string> checkInteger(llvm::StringRef text, int64_t minValue,
                                        int64_t maxValue, int64_t &value);

/// Removes the unrelated option "threads" that libLLVM registers at load
/// time, so that a tool's own --threads takes its place.
void removeLLVMThreadsOption();

/// The message of `err` (consumed) as one line.
std::string oneLineMessage(llvm::Error err);

/// Prints `err` as the tool's one line `error: <message>` after flushing
/// stdout, and returns the exit code 1.
int reportToolError(llvm::Error err);

/// Writes the file at `path` ("-" for stdout) through `print`, keeping it
/// only if every byte was written. A failure to open, write or close it is
/// an error whose message is the system's reason (without the path), rather
/// than LLVM's fatal IO failure.
llvm::Error
writeOutputFile(llvm::StringRef path,
                llvm::function_ref<void(llvm::raw_ostream &)> print);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_TOOLMESSAGES_H
