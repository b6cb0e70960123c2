// moe-cpu-pipeline's kernels=fast-int8 with the target's int8 dot products
// given by its vnni and madd options (here 'on'/'off', not the host's): a
// matmul on packed int4 weights multiplies with VPDPBUSD when vnni is on
// (whatever madd says), with VPMADDUBSW + VPMADDWD when only madd is, and
// on f32 when neither is or with kernels=fast. The intrinsics stay calls of
// the functions named after them in the LLVM dialect.
//
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-int8 vector-width=8 vnni=on madd=on" | FileCheck %s --check-prefix=VNNI
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-int8 vector-width=8 vnni=on madd=off" | FileCheck %s --check-prefix=VNNI
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-int8 vector-width=8 vnni=off madd=on" | FileCheck %s --check-prefix=MADD
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast-int8 vector-width=8 vnni=off madd=off" | FileCheck %s --check-prefix=F32
// RUN: moe-opt %s --moe-cpu-pipeline="kernels=fast vector-width=8 vnni=on madd=on" | FileCheck %s --check-prefix=F32
// RUN: not moe-opt %s --moe-cpu-pipeline="kernels=fast-int8 madd=maybe" 2>&1 | FileCheck %s --check-prefix=BAD

// VNNI: llvm.func @llvm.x86.avx512.vpdpbusd.256(vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// VNNI-NOT: pmadd
// VNNI-LABEL: llvm.func @int4(
// VNNI: llvm.call @llvm.x86.avx512.vpdpbusd.256(
// MADD-DAG: llvm.func @llvm.x86.avx2.pmadd.ub.sw(vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// MADD-DAG: llvm.func @llvm.x86.avx2.pmadd.wd(vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// MADD-NOT: vpdpbusd
// MADD-LABEL: llvm.func @int4(
// MADD: llvm.call @llvm.x86.avx2.pmadd.ub.sw(
// MADD: llvm.call @llvm.x86.avx2.pmadd.wd(
// F32-NOT: llvm.x86
// F32-LABEL: llvm.func @int4(
// F32: llvm.intr.fmuladd
// F32-NOT: llvm.x86
// BAD: error: pass pipeline: --madd: Cannot find option named 'maybe'

func.func @int4(%x: tensor<?x64xf32>, %q: tensor<32x32xi8>, %s: tensor<32x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w = moe.dequantize %q packed int4 scales(%s : tensor<32x1xf32>) block [1, 64] : tensor<32x32xi8> -> tensor<32x64xf32>
  %e = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
