//===- Module.cpp - Reading the module to run -----------------------------===//

#include "moe/Execution/Module.h"

#include "moe/Execution/Executor.h"
#include "moe/Execution/HostTensor.h"
#include "moe/InitAll.h"
#include "moe/Support/NestingDepth.h"
#include "moe/Support/ReadFile.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <mutex>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

void execution::registerExecutionDialects(DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  moe::registerAllDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void execution::initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    InitializeNativeTargetAsmParser();
  });
}

Expected<OwningOpRef<ModuleOp>>
execution::parseModule(MLIRContext &context, SourceMgr &sourceMgr,
                       std::unique_ptr<MemoryBuffer> buffer, StringRef path,
                       AsmParserState *state) {
  // The parser recurses once per nesting level.
  if (std::optional<NestingViolation> deep =
          checkMlirNesting(buffer->getBuffer()))
    return makeRunError(formatv("{0}:{1}:{2}", path, deep->line, deep->column),
                        "expected a valid MLIR module: " + deep->message);
  sourceMgr.AddNewSourceBuffer(std::move(buffer), SMLoc());
  DiagnosticCapture capture(&context, path.str());
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module;
  if (!state) {
    module = parseSourceFile<ModuleOp>(sourceMgr, config);
  } else {
    Block block;
    if (succeeded(parseAsmSourceFile(sourceMgr, &block, config, state)))
      module = mlir::detail::constructContainerOpForParserIfNecessary<ModuleOp>(
          &block, &context, FileLineColLoc::get(&context, path, 0, 0));
  }
  if (!module)
    return capture.takeError("expected a valid MLIR module");
  return module;
}

Expected<OwningOpRef<ModuleOp>>
execution::readModuleFile(MLIRContext &context, SourceMgr &sourceMgr,
                          StringRef path, AsmParserState *state) {
  Expected<std::unique_ptr<MemoryBuffer>> file = readRegularFile(path);
  if (!file)
    return makeRunError(path, "cannot open: " + toString(file.takeError()));
  return parseModule(context, sourceMgr, std::move(*file), path, state);
}

Expected<func::FuncOp> execution::findEntry(ModuleOp module,
                                            StringRef entryName,
                                            StringRef modulePath,
                                            StringRef hint) {
  auto entry = module.lookupSymbol<func::FuncOp>(entryName);
  if (entry && !entry.isExternal() && entry.isPublic())
    return entry;
  if (entry)
    return makeRunError(
        modulePath,
        formatv("expected @{0}{1} to be a public function with a body, found "
                "{2}",
                entryName, hint,
                entry.isExternal() ? "a declaration" : "a private function"));
  SmallVector<std::string> names;
  for (auto func : module.getOps<func::FuncOp>())
    names.push_back("@" + func.getSymName().str());
  return makeRunError(
      modulePath,
      formatv("expected a function @{0}{1}, found {2}", entryName, hint,
              names.empty() ? std::string("no functions") : join(names, ", ")));
}
