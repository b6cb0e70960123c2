// moe-cpu-pipeline's kernels=fast-bf16 with the target's VDPBF16PS given by
// its bf16-dot option (here 'on'/'off', not the host's): the packed panels
// of the bf16 experts' matmuls multiply bf16 pairs with VDPBF16PS when
// bf16-dot is on, and on f32 when it is off or with kernels=fast. The
// instruction stays a call of the function named after it in the LLVM
// dialect.
//
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-bf16 vector-width=8 bf16-dot=on" | FileCheck %s --check-prefix=DOT
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-bf16 vector-width=16 bf16-dot=on" | FileCheck %s --check-prefix=ZMM
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-bf16 vector-width=8 bf16-dot=off" | FileCheck %s --check-prefix=F32
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast vector-width=8 bf16-dot=on" | FileCheck %s --check-prefix=F32
// RUN: not moe-opt %s --moe-cpu-pipeline="kernels=fast-bf16 bf16-dot=maybe" 2>&1 | FileCheck %s --check-prefix=BAD

// DOT: llvm.func @llvm.x86.avx512bf16.dpbf16ps.256(vector<8xf32>, vector<16xbf16>, vector<16xbf16>) -> vector<8xf32>
// DOT-LABEL: llvm.func @bf16_experts(
// DOT: llvm.call @llvm.x86.avx512bf16.dpbf16ps.256(
// ZMM-LABEL: llvm.func @bf16_experts(
// ZMM: llvm.call @llvm.x86.avx512bf16.dpbf16ps.512(
// F32-NOT: dpbf16ps
// F32-LABEL: llvm.func @bf16_experts(
// F32: llvm.intr.fmuladd
// F32-NOT: dpbf16ps
// BAD: error: pass pipeline: --bf16-dot: Cannot find option named 'maybe'

func.func @bf16_experts(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %w1: tensor<4x128x64xbf16>, %w3: tensor<4x128x64xbf16>, %w2: tensor<4x64x128xbf16>) -> tensor<?x64xf32> {
  %0 = moe.layer %x router(%router : tensor<4x64xf32>) w1(%w1 : tensor<4x128x64xbf16>) w3(%w3 : tensor<4x128x64xbf16>) w2(%w2 : tensor<4x64x128xbf16>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}
