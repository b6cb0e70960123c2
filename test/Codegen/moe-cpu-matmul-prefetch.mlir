// moe-cpu-matmul-kernels: every register tile of the dot-product kernel (the
// 4 x 3 tiles and the tile of the row remainder alike, on 16-bit and f32
// weights) prefetches the weight rows two tiles ahead (2 * tile-cols rows)
// into L2 (locality 1: prefetcht2 on x86) at the K offset of each unmasked
// step; masked K steps have no prefetch.
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @bf16_weights(
// CHECK: %[[B:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<9x36xbf16>
// The 4 x 3 tiles: three prefetches of rows n + 6, n + 7, n + 8.
// CHECK: scf.for %[[N:.*]] = %c0 to %c9 step %c3 {
// CHECK: %[[N6:.*]] = arith.addi %[[N]], %c6 : index
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c8 iter_args(
// CHECK-COUNT-4: vector.load %{{.*}} : memref<?x36xf32
// CHECK-COUNT-3: vector.load %[[B]]
// CHECK-NEXT: arith.extf
// CHECK-NEXT: memref.prefetch %[[B]][%[[N6]], %[[K]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K]]], read, locality<1>, data
// CHECK-COUNT-12: vector.fma
// The masked K step: no prefetch.
// CHECK-NOT: memref.prefetch
// CHECK: vector.maskedload
// CHECK-NOT: memref.prefetch
// CHECK: vector.reduction
// The tiles of the row remainder (here 3 rows): the same prefetches.
// CHECK: scf.if
// CHECK: scf.for %[[N2:.*]] = %c0 to %c9 step %c3 {
// CHECK: %[[N26:.*]] = arith.addi %[[N2]], %c6 : index
// CHECK: scf.for %[[K2:.*]] = %c0 to %c32 step %c8 iter_args(
// CHECK-COUNT-3: vector.load %{{.*}} : memref<?x36xf32
// CHECK-COUNT-3: vector.load %[[B]]
// CHECK-NEXT: arith.extf
// CHECK-NEXT: memref.prefetch %[[B]][%[[N26]], %[[K2]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K2]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K2]]], read, locality<1>, data
// CHECK-COUNT-9: vector.fma
// CHECK-NOT: memref.prefetch
// CHECK: vector.maskedload
// CHECK-NOT: memref.prefetch
// CHECK: vector.reduction
// CHECK: return
func.func @bf16_weights(%x: tensor<?x36xf32>, %w: tensor<9x36xbf16>) -> tensor<?x9xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x36xf32>
  %e = tensor.empty(%t) : tensor<?x9xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x9xf32>) -> tensor<?x9xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x36xf32>, tensor<9x36xbf16>)
      outs(%acc : tensor<?x9xf32>) -> tensor<?x9xf32>
  return %y : tensor<?x9xf32>
}

// The same prefetches on f32 weights.
// CHECK-LABEL: func.func @f32_weights(
// CHECK: %[[B:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<9x36xf32>
// CHECK: scf.for %[[N:.*]] = %c0 to %c9 step %c3 {
// CHECK: %[[N6:.*]] = arith.addi %[[N]], %c6 : index
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c8 iter_args(
// CHECK-COUNT-4: vector.load %{{.*}} : memref<?x36xf32
// CHECK-COUNT-3: vector.load %[[B]]
// CHECK-NEXT: memref.prefetch %[[B]][%[[N6]], %[[K]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K]]], read, locality<1>, data
// CHECK-NEXT: memref.prefetch %[[B]][%{{.*}}, %[[K]]], read, locality<1>, data
// CHECK-COUNT-12: vector.fma
// CHECK-NOT: memref.prefetch
// CHECK: vector.maskedload
// CHECK-NOT: memref.prefetch
// CHECK: vector.reduction
// CHECK: return
func.func @f32_weights(%x: tensor<?x36xf32>, %w: tensor<9x36xf32>) -> tensor<?x9xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x36xf32>
  %e = tensor.empty(%t) : tensor<?x9xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x9xf32>) -> tensor<?x9xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x36xf32>, tensor<9x36xf32>)
      outs(%acc : tensor<?x9xf32>) -> tensor<?x9xf32>
  return %y : tensor<?x9xf32>
}
