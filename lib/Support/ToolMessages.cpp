//===- ToolMessages.cpp - One-line errors of the command-line tools -------===//

#include "moe/Support/ToolMessages.h"
#include "moe/Support/Printable.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <unistd.h>

using namespace llvm;

std::string mlir::moe::captureStderr(function_ref<void()> fn) {
  errs().flush();
  std::fflush(stderr);
  std::FILE *temp = std::tmpfile();
  int saved = temp ? ::dup(2) : -1;
  if (saved < 0 || ::dup2(::fileno(temp), 2) < 0) {
    // Nowhere to capture to: let the text go to stderr as it is.
    if (saved >= 0)
      ::close(saved);
    if (temp)
      std::fclose(temp);
    fn();
    return "";
  }
  fn();
  errs().flush();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::string captured;
  std::rewind(temp);
  char chunk[4096];
  size_t n;
  // Option errors are a few lines; more is never needed for one message.
  while (captured.size() < (1u << 16) &&
         (n = std::fread(chunk, 1, sizeof(chunk), temp)) > 0)
    captured.append(chunk, n);
  std::fclose(temp);
  return captured;
}

std::string mlir::moe::condenseOptionError(StringRef captured,
                                           StringRef toolName) {
  for (StringRef line : split(captured, '\n')) {
    line = line.trim();
    // Prefixes of LLVM's option parser, MLIR's diagnostics without a file
    // and the pass-option parser; an empty rest (the pass pipeline parser's
    // own "error:" line) is skipped.
    for (bool stripped = true; stripped;) {
      stripped = false;
      for (StringRef prefix :
           {toolName, StringRef("<unknown>:0:"), StringRef("error:"),
            StringRef("<Pass-Options-Parser>:")}) {
        if (!prefix.empty() && line.consume_front(prefix)) {
          line = line.ltrim(": ");
          stripped = true;
        }
      }
    }
    if (line.empty())
      continue;
    std::string text = line.rtrim('!').str();
    // "for the --x option: why" -> "--x: why".
    StringRef rest(text);
    if (rest.consume_front("for the ")) {
      auto [name, why] = rest.split(" option: ");
      if (!why.empty())
        text = (name + ": " + why).str();
    }
    return text;
  }
  return "";
}

std::optional<std::string> mlir::moe::parseCommandLine(int argc,
                                                       const char *const *argv,
                                                       StringRef overview) {
  std::string errors;
  raw_string_ostream errorStream(errors);
  bool ok = true;
  std::string captured = captureStderr([&] {
    ok = cl::ParseCommandLineOptions(argc, argv, overview, &errorStream);
  });
  if (ok) {
    // Warnings (e.g. deprecated options) still reach the user.
    errs() << captured;
    return std::nullopt;
  }
  StringRef tool = sys::path::filename(argv[0]);
  std::string message = condenseOptionError(captured, tool);
  if (message.empty())
    message = condenseOptionError(errors, tool);
  if (message.empty())
    message = "invalid command line";
  return message;
}

std::optional<std::string> mlir::moe::checkInteger(StringRef text,
                                                   int64_t minValue,
                                                   int64_t maxValue,
                                                   int64_t &value) {
  std::string expected =
      maxValue == std::numeric_limits<int64_t>::max()
          ? formatv("an integer >= {0}", minValue).str()
          : formatv("an integer from {0} to {1}", minValue, maxValue).str();
  StringRef trimmed = text.trim();
  auto fail = [&](StringRef why) {
    return formatv("expected {0}, found '{1}'{2}", expected, printable(text),
                   why)
        .str();
  };
  if (!trimmed.getAsInteger(10, value)) {
    if (value < minValue)
      return fail("");
    if (value > maxValue)
      return fail(" (too large)");
    return std::nullopt;
  }
  // All digits (with an optional sign) but no int64_t: past 64 bits.
  StringRef digits = trimmed;
  bool negative = digits.consume_front("-");
  if (!negative)
    digits.consume_front("+");
  if (!digits.empty() && all_of(digits, isDigit))
    return fail(negative ? " (too small)" : " (too large)");
  return fail("");
}

Error mlir::moe::writeOutputFile(StringRef path,
                                 function_ref<void(raw_ostream &)> print) {
  std::error_code ec;
  ToolOutputFile output(path, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec, ec.message());
  print(output.os());
  output.os().flush();
  if (output.os().has_error()) {
    std::error_code writeError = output.os().error();
    // A cleared error keeps raw_fd_ostream's destructor from aborting.
    output.os().clear_error();
    return createStringError(writeError, writeError.message());
  }
  // "-" is llvm::outs(): closing it would fail every later write to stdout
  // (the IR that moe-opt prints after a report=- of a pass).
  if (path != "-")
    output.os().close();
  if (output.os().has_error()) {
    std::error_code closeError = output.os().error();
    output.os().clear_error();
    return createStringError(closeError, closeError.message());
  }
  output.keep();
  return Error::success();
}

void mlir::moe::removeLLVMThreadsOption() {
  auto &registered = cl::getRegisteredOptions();
  if (auto it = registered.find("threads"); it != registered.end())
    it->second->removeArgument();
}

std::string mlir::moe::oneLineMessage(Error err) {
  std::string message;
  handleAllErrors(std::move(err),
                  [&](const ErrorInfoBase &e) { message = e.message(); });
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

int mlir::moe::reportToolError(Error err) {
  std::string message = oneLineMessage(std::move(err));
  outs().flush();
  errs() << "error: " << message << "\n";
  return 1;
}
