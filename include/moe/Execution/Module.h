//===- Module.h - Reading the module to run ---------------------*- C++ -*-===//
//
// What every user of the execution engine does before compiling: a context
// with the dialects the pipelines need, the native target initialized, the
// module read from a file or a string (checked for nesting depth first, with
// the parser's first error as one message), and the entry function found.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_MODULE_H
#define MOE_EXECUTION_MODULE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace llvm {
class MemoryBuffer;
class SourceMgr;
} // namespace llvm

namespace mlir {
class AsmParserState;
class DialectRegistry;
namespace moe {
namespace execution {

/// Adds every dialect, extension and LLVM IR translation that parsing,
/// lowering and JIT-compiling a moe module needs.
void registerExecutionDialects(DialectRegistry &registry);

/// Initializes the native target, its assembly printer and parser (once per
/// process; safe to call from any thread).
void initializeNativeTarget();

/// Parses `buffer` (named `path` in messages) as a module. `sourceMgr`
/// keeps the buffer and must outlive the module when `state` is given;
/// `state`, when given, records where each value is defined (the text is
/// then parsed as MLIR assembly, not bytecode). Errors are RunErrors
/// "<path>[:line:col]: expected a valid MLIR module: <why>".
llvm::Expected<OwningOpRef<ModuleOp>>
parseModule(MLIRContext &context, llvm::SourceMgr &sourceMgr,
            std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path,
            AsmParserState *state = nullptr);

/// Reads the regular file at `path` ("<path>: cannot open: <why>") and
/// parses it with parseModule.
llvm::Expected<OwningOpRef<ModuleOp>>
readModuleFile(MLIRContext &context, llvm::SourceMgr &sourceMgr,
               llvm::StringRef path, AsmParserState *state = nullptr);

/// The public function `entryName` with a body; otherwise an error about
/// `modulePath` listing the functions there are. `hint` follows the
/// function's name in messages (moe-run: " (--entry)").
llvm::Expected<func::FuncOp> findEntry(ModuleOp module,
                                       llvm::StringRef entryName,
                                       llvm::StringRef modulePath,
                                       llvm::StringRef hint = "");

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_MODULE_H
