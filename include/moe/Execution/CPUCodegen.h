//===- CPUCodegen.h - A moe module to machine code for a CPU ----*- C++ -*-===//
//
// What the JIT (Executor) and ahead-of-time compilation (moe-compile) share:
// lowering the module with moe-cpu-pipeline, the TargetMachine of the host
// or of a named x86-64 CPU, and the -O3 LLVM IR optimizer both run on the
// translated module.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_CPUCODEGEN_H
#define MOE_EXECUTION_CPUCODEGEN_H

#include "moe/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
namespace moe {
namespace execution {

/// The most threads the fast kernels take (moe-run, moe-compile, the C
/// API): past the thread limits of common systems, the OpenMP runtime
/// aborts the process when it cannot start them.
constexpr int64_t kMaxCPUThreads = 1024;

/// The kernels named by `text` ("fast", "fast-int8" or "reference");
/// otherwise an error
/// about the option `option`.
llvm::Expected<MoECPUKernels> parseCPUKernels(llvm::StringRef text,
                                              llvm::StringRef option);

/// The CPU to compile for: the host's when `cpu` is empty, else the named
/// one (an LLVM CPU name: x86-64-v3, skylake-avx512, znver4, ...) with its
/// own features; `features` ("+avx2,-avx512f") are added to either.
struct CPUTarget {
  std::string cpu;
  std::string features;
};

/// Marks `entry` for the C interface, lowers `module` with moe-cpu-pipeline
/// (`numThreads`, `kernels`, `vectorWidth`, 0 for the host's, `vnni`,
/// `madd` and `bf16Dot` passed to it). With `passManagerOptions`, the pass
/// manager takes the MLIR command-line options a tool registered
/// (--mlir-print-ir-after-all, ...).
llvm::Error lowerForCPU(ModuleOp module, func::FuncOp entry,
                        unsigned numThreads, MoECPUKernels kernels,
                        unsigned vectorWidth, MoECPUFeature vnni,
                        MoECPUFeature madd, MoECPUFeature bf16Dot,
                        llvm::StringRef modulePath,
                        bool passManagerOptions);

/// A TargetMachine for `target` at -O3: for the JIT (`forJIT`), or for an
/// object file of a shared library (position-independent code). Errors
/// name the option (--target-cpu, --target-features) of a bad value.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createCPUTargetMachine(const CPUTarget &target, bool forJIT);

/// The f32 lanes of the widest vectors of `machine`'s CPU the kernels use:
/// 16 with AVX-512, else 8.
unsigned getVectorWidth(const llvm::TargetMachine &machine);

/// Whether `machine`'s CPU has VPDPBUSD on vectors of getVectorWidth lanes.
bool hasVNNI(const llvm::TargetMachine &machine);

/// Whether `machine`'s CPU has VPMADDUBSW on vectors of getVectorWidth
/// lanes (AVX512BW for 16, AVX2 for 8).
bool hasInt8Madd(const llvm::TargetMachine &machine);

/// Whether `machine`'s CPU has VDPBF16PS on its vector width (AVX512_BF16;
/// with AVX512VL for 256 bits).
bool hasBf16Dot(const llvm::TargetMachine &machine);

/// Runs the -O3 LLVM IR pipeline for `machine` on `module`.
llvm::Error optimizeForCPU(llvm::Module &module, llvm::TargetMachine &machine);

/// The lowered `module` translated to LLVM IR in `context`, with `machine`'s
/// triple and data layout, and optimized (optimizeForCPU).
llvm::Expected<std::unique_ptr<llvm::Module>>
translateForCPU(ModuleOp module, llvm::LLVMContext &context,
                llvm::TargetMachine &machine, llvm::StringRef modulePath);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_CPUCODEGEN_H
