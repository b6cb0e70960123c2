//===- moe-opt.cpp - mlir-opt with the moe dialect and passes -------------===//
//
// mlir-opt's driver (MlirOptMain) with the moe dialect and passes, without
// the operation dump under an error, and with bad command lines, pass
// options, input and output files reported as one `moe-opt: error:` line and
// exit code 1. LLVM's option parser writes its reasons to stderr apart from
// the error line, so the command line and the pass pipeline are parsed and
// checked here, with stderr captured, before MlirOptMain runs.
//
//===----------------------------------------------------------------------===//

#include "moe/InitAll.h"
#include "moe/Support/NestingDepth.h"
#include "moe/Support/ReadFile.h"
#include "moe/Support/ToolMessages.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace mlir;

namespace {

int error(const llvm::Twine &message) {
  llvm::errs() << "moe-opt: error: " << message << "\n";
  return EXIT_FAILURE;
}

/// Builds the pass pipeline of the command line once, on a scratch
/// context, so that a bad pass name or pass option is one error line
/// before any input is read.
std::optional<std::string> checkPassPipeline(DialectRegistry &registry,
                                             const MlirOptMainConfig &config) {
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && diagnostics.empty())
      diagnostics = diag.str();
    return success();
  });
  PassManager pm(&context, PassManager::getAnyOpAnchorName(),
                 OpPassManager::Nesting::Implicit);
  bool ok = true;
  std::string captured =
      moe::captureStderr([&] { ok = succeeded(config.setupPassPipeline(pm)); });
  if (ok) {
    llvm::errs() << captured;
    return std::nullopt;
  }
  std::string message = moe::condenseOptionError(captured, "moe-opt");
  if (message.empty())
    message = moe::condenseOptionError(diagnostics, "moe-opt");
  if (message.empty())
    message = "the pass pipeline could not be built";
  return "pass pipeline: " + message;
}

/// Prints diagnostics as mlir-opt does, but of the errors only the first.
class FirstErrorHandler : public SourceMgrDiagnosticHandler {
public:
  FirstErrorHandler(llvm::SourceMgr &sourceMgr, MLIRContext *context)
      : SourceMgrDiagnosticHandler(sourceMgr, context, llvm::errs()) {
    setHandler([this](Diagnostic &diag) {
      bool isError = diag.getSeverity() == DiagnosticSeverity::Error;
      if (!isError || !errorSeen)
        emitDiagnostic(diag);
      errorSeen |= isError;
    });
  }

private:
  bool errorSeen = false;
};

/// Parses the input once on a scratch context and, when it does not parse,
/// prints only the first error (with its source line and located notes):
/// the parsers that ODS generates follow a bad attribute parameter with a
/// second, generic error ("failed to parse ... parameter"). Not used with
/// -verify-diagnostics or -split-input-file, which report every error.
LogicalResult checkParses(DialectRegistry &registry,
                          const MlirOptMainConfig &config,
                          std::unique_ptr<llvm::MemoryBuffer> buffer) {
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.allowUnregisteredDialects(config.shouldAllowUnregisteredDialects());
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  FirstErrorHandler handler(sourceMgr, &context);
  Block block;
  return parseSourceFile(sourceMgr, &block, ParserConfig(&context));
}

/// The most bytes read from standard input when it is a device other than
/// a terminal (/dev/zero or /dev/urandom never end; /dev/null is empty).
constexpr size_t kMaxDeviceInputBytes = size_t(64) << 20;

/// The input file, or standard input for "-". A file must be a regular file;
/// standard input may be a file, a pipe or a terminal as for mlir-opt, and
/// is read up to kMaxDeviceInputBytes when it is another device.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readInput(llvm::StringRef path) {
  if (path != "-") {
    llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file =
        moe::readRegularFile(path);
    if (!file)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          path + ": cannot read: " + llvm::toString(file.takeError()));
    return file;
  }
  struct stat status;
  bool device =
      ::fstat(0, &status) == 0 && S_ISCHR(status.st_mode) && !::isatty(0);
  if (!device) {
    if (llvm::sys::Process::FileDescriptorIsDisplayed(0))
      llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                      "interrupt)\n";
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> in =
        llvm::MemoryBuffer::getSTDIN();
    if (!in)
      return llvm::createStringError(
          in.getError(), "<stdin>: cannot read: " + in.getError().message());
    return std::move(*in);
  }
  std::string data;
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(0, chunk, sizeof(chunk));
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return llvm::createStringError(
          std::error_code(errno, std::generic_category()),
          "<stdin>: cannot read: " +
              std::error_code(errno, std::generic_category()).message());
    }
    data.append(chunk, static_cast<size_t>(n));
    if (data.size() > kMaxDeviceInputBytes)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::Twine("<stdin>: a device that gave more than ") +
              llvm::Twine(kMaxDeviceInputBytes >> 20) +
              " MiB; expected MLIR text from a file or a pipe");
  }
  return llvm::MemoryBuffer::getMemBufferCopy(data, "<stdin>");
}

/// LLVM's fatal errors (an "IO failure on output stream" of a file that a
/// pass or an option writes, for one) as one error line.
void reportFatalError(void *, const char *reason, bool) {
  llvm::StringRef text(reason);
  if (text.consume_front("IO failure on output stream: "))
    error("cannot write the output: " + text);
  else
    error(text);
  std::_Exit(EXIT_FAILURE);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAllPasses();
  mlir::moe::registerAllPasses();

  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::moe::registerAllDialects(registry);

  static llvm::cl::opt<std::string> inputFilename(
      llvm::cl::Positional, llvm::cl::desc("<input file>"),
      llvm::cl::init("-"));
  static llvm::cl::opt<std::string> outputFilename(
      "o", llvm::cl::desc("Output filename"), llvm::cl::value_desc("filename"),
      llvm::cl::init("-"));
  std::string helpHeader = registerCLIOptions(
      "moe-opt: optimizer driver for Mixture-of-Experts layers\n", registry);
  // Unlike mlir-opt, an error on an operation does not print the operation
  // as an attached note (a dump of a whole layer in its generic form):
  // --mlir-print-op-on-diagnostic=true, later on the command line, turns it
  // back on.
  std::vector<const char *> args(argv, argv + argc);
  args.insert(args.begin() + 1, "--mlir-print-op-on-diagnostic=false");
  if (std::optional<std::string> message = moe::parseCommandLine(
          static_cast<int>(args.size()), args.data(), helpHeader))
    return error(*message);

  llvm::install_fatal_error_handler(reportFatalError);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return asMainReturnCode(
        MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  if (std::optional<std::string> message = checkPassPipeline(registry, config))
    return error(*message);

  // The input is read here, whole: a FIFO, a directory or a device such as
  // /dev/zero as the file would block or never end. The parser recurses
  // once per nesting level: a deeper file would overflow the stack.
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> input =
      readInput(inputFilename);
  if (!input)
    return error(llvm::toString(input.takeError()));
  llvm::StringRef text = (*input)->getBuffer();
  if (std::optional<moe::NestingViolation> deep = moe::checkMlirNesting(text))
    return error(llvm::formatv("{0}:{1}:{2}: {3}",
                               (*input)->getBufferIdentifier(), deep->line,
                               deep->column, deep->message));
  if (!config.shouldVerifyDiagnostics() && config.inputSplitMarker().empty())
    if (failed(checkParses(registry, config,
                           llvm::MemoryBuffer::getMemBuffer(
                               text, (*input)->getBufferIdentifier(),
                               /*RequiresNullTerminator=*/false))))
      return EXIT_FAILURE;

  std::string message;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &message);
  if (!output)
    return error(message);
  if (failed(MlirOptMain(output->os(), std::move(*input), registry, config)))
    return EXIT_FAILURE;
  output->os().flush();
  if (output->os().has_error()) {
    std::string reason = output->os().error().message();
    output->os().clear_error();
    return error("cannot write the output: " + reason);
  }
  output->keep();
  return EXIT_SUCCESS;
}
