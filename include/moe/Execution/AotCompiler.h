//===- AotCompiler.h - A moe layer compiled ahead of time -------*- C++ -*-===//
//
// moe-compile's work: a layer that the engine loaded, lowered with the same
// moe-cpu-pipeline and LLVM optimizer as the JIT, emitted as an object file
// for the host or a named CPU, and linked with a generated C wrapper into a
// shared library that needs only libc, libm and the OpenMP runtime; or the
// object, assembly or LLVM IR alone. docs/AOT.md describes the library.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_AOTCOMPILER_H
#define MOE_EXECUTION_AOTCOMPILER_H

#include "moe/Execution/CPUCodegen.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir {
namespace moe {
namespace execution {

class Engine;

/// What moe-compile writes.
enum class AotEmit {
  /// A shared library: the layer and its C wrapper, linked.
  Shared,
  /// One relocatable object: the layer and its C wrapper, for static links.
  Object,
  /// The layer's assembly (without the wrapper).
  Assembly,
  /// The layer's optimized LLVM IR (without the wrapper).
  LLVMIR,
};

struct AotOptions {
  std::string output;
  /// The generated C header; none when empty.
  std::string header;
  AotEmit emit = AotEmit::Shared;
  /// moe-cpu-pipeline's num-threads: 0 lets each run choose.
  unsigned threads = 0;
  MoECPUKernels kernels = MoECPUKernels::Fast;
  CPUTarget target;
};

/// Compiles the layer `engine` loaded (consuming its module: the engine
/// cannot run afterwards) as `options` says.
llvm::Error compileAheadOfTime(Engine &engine, const AotOptions &options);

/// The C compiler that compiles the wrapper and links the library:
/// $MOE_CC, else clang-22, cc, gcc or clang on the PATH.
llvm::Expected<std::string> findCCompiler();

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_AOTCOMPILER_H
