// moe-cpu-matmul-kernels with bf16-activations and bf16-dot (Bf16Matmul.cpp):
// an expert matmul (marked moe.expert_matmul) on bf16 weights that takes the
// packed-panel kernel rounds its f32 rows of A to bf16 (arith.truncf, once,
// into a fresh buffer), packs the weights as pairs along K (2W bf16 values
// of a row as W words, W x W word transposes) and multiplies the pairs with
// VDPBF16PS, called as the LLVM intrinsic's name: per pair of K values,
// two panel vectors, and per row one broadcast word of A and two calls.
// bf16 rows of A are used as they are. A matmul without the mark (a
// router), f32 weights, a K that is not a multiple of 2 x vector-width, or
// either option off keep the f32 panel kernel.
// (test/Integration/CPU/matmul-bf16-dot.test runs them against the
// reference lowering.)
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels="vector-width=16 bf16-activations=1 bf16-dot=1 packed-min-rows-16bit=1" | FileCheck %s
// RUN: moe-opt %s --moe-cpu-matmul-kernels="vector-width=8 bf16-activations=1 bf16-dot=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=W8
// RUN: moe-opt %s --moe-cpu-matmul-kernels="vector-width=16 bf16-activations=0 bf16-dot=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=OFF
// RUN: moe-opt %s --moe-cpu-matmul-kernels="vector-width=16 bf16-activations=1 bf16-dot=0 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=OFF
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="vector-width=4 bf16-dot=1" 2>&1 | FileCheck %s --check-prefix=WIDTH

// CHECK: func.func private @llvm.x86.avx512bf16.dpbf16ps.512(vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// W8: func.func private @llvm.x86.avx512bf16.dpbf16ps.256(vector<8xf32>, vector<16xbf16>, vector<16xbf16>) -> vector<8xf32>
// OFF-NOT: dpbf16ps
// WIDTH: error: moe-cpu-matmul-kernels: bf16-dot needs vector-width 8 or 16 (VDPBF16PS on 256 or 512 bits), found 4

// CHECK-LABEL: func.func @expert_f32_rows
// A rounded once, 16 lanes at a time.
// CHECK: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x320xbf16>
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// The packing: 32 bf16 values of a weight row load as 16 words.
// CHECK: vector.load {{.*}} : memref<64x320xbf16, {{.*}}>, vector<32xbf16>
// CHECK: vector.bitcast {{.*}} : vector<32xbf16> to vector<16xf32>
// CHECK: vector.shuffle
// The register tile: one word of A (a pair), broadcast, then the calls.
// CHECK: vector.load {{.*}} : memref<?x320xbf16>, vector<2xbf16>
// CHECK: vector.bitcast {{.*}} : vector<2xbf16> to vector<1xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK: vector.bitcast {{.*}} : vector<16xf32> to vector<32xbf16>
// CHECK: call @llvm.x86.avx512bf16.dpbf16ps.512
// CHECK-SAME: (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// W8-LABEL: func.func @expert_f32_rows
// W8: arith.truncf {{.*}} : vector<8xf32> to vector<8xbf16>
// W8: call @llvm.x86.avx512bf16.dpbf16ps.256
// OFF-LABEL: func.func @expert_f32_rows
// OFF: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
func.func @expert_f32_rows(%x: tensor<?x320xf32>, %w: tensor<64x320xbf16>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x320xf32>
  %e = tensor.empty(%t) : tensor<?x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>] {moe.expert_matmul}
      ins(%x, %w : tensor<?x320xf32>, tensor<64x320xbf16>)
      outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// bf16 rows of A: no rounding, no copy.
// CHECK-LABEL: func.func @expert_bf16_rows
// CHECK-NOT: arith.truncf
// CHECK-NOT: memref.alloc({{.*}}) {{.*}} : memref<?x320xbf16>
// CHECK: vector.load {{.*}} : memref<?x320xbf16, {{.*}}>, vector<2xbf16>
// CHECK: call @llvm.x86.avx512bf16.dpbf16ps.512
func.func @expert_bf16_rows(%x: tensor<?x320xbf16>, %w: tensor<64x320xbf16>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x320xbf16>
  %e = tensor.empty(%t) : tensor<?x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>] {moe.expert_matmul}
      ins(%x, %w : tensor<?x320xbf16>, tensor<64x320xbf16>)
      outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Not an expert's matmul (a router's scores choose the experts): f32 rows
// stay f32, the weights are widened.
// CHECK-LABEL: func.func @router
// CHECK-NOT: dpbf16ps
// CHECK: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
func.func @router(%x: tensor<?x320xf32>, %w: tensor<64x320xbf16>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x320xf32>
  %e = tensor.empty(%t) : tensor<?x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x320xf32>, tensor<64x320xbf16>)
      outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// K = 336 is not a multiple of 32 (pairs of 16 lanes): the f32 kernel.
// CHECK-LABEL: func.func @odd_k
// CHECK-NOT: dpbf16ps
// CHECK: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
func.func @odd_k(%x: tensor<?x336xf32>, %w: tensor<64x336xbf16>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x336xf32>
  %e = tensor.empty(%t) : tensor<?x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>] {moe.expert_matmul}
      ins(%x, %w : tensor<?x336xf32>, tensor<64x336xbf16>)
      outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
