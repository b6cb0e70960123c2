//===- Passes.h - Per-target code generation passes -------------*- C++ -*-===//
//
// Kernel generation passes of moe-cpu-pipeline's kernel stage (see
// Passes.td and docs/performance.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CODEGEN_PASSES_H
#define MOE_CODEGEN_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace moe {

#define GEN_PASS_DECL
#include "moe/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "moe/Codegen/Passes.h.inc"

/// Whether the OpenMP runtime that multi-threaded kernels call was found
/// when moe was built (and is loaded with it). Without it moe-cpu-pipeline
/// asks its kernel passes for one thread whatever num-threads says (the
/// passes themselves emit omp.parallel whenever asked to).
bool hasOpenMPRuntime();

/// The processors the OpenMP runtime would use by default, or 1 without
/// the runtime.
unsigned getDefaultNumThreads();

/// f32 lanes of the widest vector registers of the host CPU: 16 with
/// AVX-512, 8 otherwise.
unsigned getHostVectorWidth();

/// Whether the host CPU has VPDPBUSD on vectors of `vectorWidth` i32 lanes:
/// AVX512_VNNI for 16, AVX_VNNI (or AVX512_VNNI with AVX512VL) for 8.
bool hostHasVNNI(unsigned vectorWidth);

/// Whether the host CPU has VPMADDUBSW on vectors of `vectorWidth` i16
/// pairs: AVX512BW for 16, AVX2 for 8.
bool hostHasInt8Madd(unsigned vectorWidth);

/// Whether the host CPU has VDPBF16PS on vectors of `vectorWidth` f32
/// lanes: AVX512_BF16 for 16, with AVX512VL for 8.
bool hostHasBf16Dot(unsigned vectorWidth);

} // namespace moe
} // namespace mlir

#endif // MOE_CODEGEN_PASSES_H
