//===- moe-opt.cpp - mlir-opt with the moe dialect and passes -------------===//
//
// mlir-opt's driver (MlirOptMain) with the moe dialect and passes, without
// the operation dump under an error, and with bad command lines and pass
// options reported as one `moe-opt: error:` line and exit code 1: LLVM's option
// parser writes its reasons to stderr apart from the error line, so the command
// line and the pass pipeline are parsed and checked here, with stderr captured,
// before MlirOptMain runs.
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
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
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

/// Write errors of the output file surface as LLVM's fatal "IO failure on
/// output stream" when MlirOptMain closes it: one error line instead.
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

  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (!config.shouldShowDialects() && !config.shouldListPasses())
    if (std::optional<std::string> message =
            checkPassPipeline(registry, config))
      return error(*message);

  // The input is read whole: a FIFO, a directory or a device such as
  // /dev/zero would block or never end. "-" is stdin. The parser recurses
  // once per nesting level: a deeper file would overflow the stack.
  if (inputFilename != "-") {
    llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file =
        moe::readRegularFile(inputFilename);
    if (!file)
      return error(inputFilename +
                   ": cannot read: " + llvm::toString(file.takeError()));
    if (std::optional<std::string> deep =
            moe::checkMlirNesting((*file)->getBuffer()))
      return error(inputFilename + ":" + *deep);
    if (!config.shouldVerifyDiagnostics() && config.inputSplitMarker().empty())
      if (failed(checkParses(registry, config, std::move(*file))))
        return EXIT_FAILURE;
  }

  llvm::install_fatal_error_handler(reportFatalError);
  return asMainReturnCode(
      MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
