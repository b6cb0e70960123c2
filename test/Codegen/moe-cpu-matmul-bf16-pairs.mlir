// moe-cpu-matmul-kernels, dot-product kernel on bf16 weights whose K is
// whole blocks of 2 * vector-width (16): the rows of A are reordered once
// per matmul (each block of 16 columns: its 8 even columns, then its 8 odd
// ones), and each K step loads 16 weights of a row as one vector<16xbf16>,
// views them as 8 x i32 and widens them with one shift (the even weights)
// and one mask (the odd ones), two FMAs per accumulator. Tiles of up to 4
// rows prefetch the weight rows two tiles ahead. A K off the blocks keeps
// the per-8 widening (moe-cpu-matmul-prefetch.mlir), f32 weights need none.
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @bf16_pairs(
// CHECK-SAME: %[[X:.*]]: tensor<?x32xf32>
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<-65536> : vector<8xi32>
// CHECK-DAG: %[[SHIFT:.*]] = arith.constant dense<16> : vector<8xi32>
// CHECK: %[[EXP:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 2, 8, 2] : tensor<?x32xf32> into tensor<?x2x8x2xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[EXP]] : tensor<?x2x8x2xf32>) outs(%{{.*}} : tensor<?x2x2x8xf32>) permutation = [0, 1, 3, 2]
// CHECK: %[[PAIRS:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1, 2, 3]] : tensor<?x2x2x8xf32> into tensor<?x32xf32>
// CHECK: %[[A:.*]] = bufferization.to_buffer %[[PAIRS]] read_only
// CHECK: %[[B:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<9x32xbf16>
// The 4 x 3 tiles: K in steps of 16, the even and odd columns of each row.
// CHECK: scf.for %[[M:.*]] = %c0 to %{{.*}} step %c4 {
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c16 iter_args(
// CHECK: %[[KODD:.*]] = arith.addi %[[K]], %c8 : index
// CHECK: %[[AE:.*]] = vector.load %[[A]][%[[M]], %[[K]]] : memref<?x32xf32, strided<[?, 1], offset: ?>>, vector<8xf32>
// CHECK: %[[AO:.*]] = vector.load %[[A]][%[[M]], %[[KODD]]] : memref<?x32xf32, strided<[?, 1], offset: ?>>, vector<8xf32>
// CHECK: %[[RAW:.*]] = vector.load %[[B]][%{{.*}}, %[[K]]] : memref<9x32xbf16, strided<[?, 1], offset: ?>>, vector<16xbf16>
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[RAW]] : vector<16xbf16> to vector<8xi32>
// CHECK: %[[SHL:.*]] = arith.shli %[[WORDS]], %[[SHIFT]] : vector<8xi32>
// CHECK: %[[WE:.*]] = vector.bitcast %[[SHL]] : vector<8xi32> to vector<8xf32>
// CHECK: %[[AND:.*]] = arith.andi %[[WORDS]], %[[MASK]] : vector<8xi32>
// CHECK: %[[WO:.*]] = vector.bitcast %[[AND]] : vector<8xi32> to vector<8xf32>
// CHECK-COUNT-3: memref.prefetch %[[B]]
// CHECK: %[[P:.*]] = vector.fma %[[AE]], %[[WE]], %{{.*}} : vector<8xf32>
// CHECK-NEXT: vector.fma %[[AO]], %[[WO]], %[[P]] : vector<8xf32>
// CHECK-COUNT-22: vector.fma
// CHECK: scf.yield
// No K tail: K = 32 is two blocks.
// CHECK-NOT: vector.maskedload
// CHECK: return
func.func @bf16_pairs(%x: tensor<?x32xf32>, %w: tensor<9x32xbf16>) -> tensor<?x9xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x32xf32>
  %e = tensor.empty(%t) : tensor<?x9xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x9xf32>) -> tensor<?x9xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x32xf32>, tensor<9x32xbf16>)
      outs(%acc : tensor<?x9xf32>) -> tensor<?x9xf32>
  return %y : tensor<?x9xf32>
}

// Not in pairs: K = 40 is not whole blocks of 16, and 48 static rows on
// weights that are whole panels take the packed-panel kernel (which reads A
// as it is) at compile time.
// CHECK-LABEL: func.func @not_pairs(
// CHECK-NOT: linalg.transpose
// CHECK-NOT: vector.bitcast
// CHECK: return
func.func @not_pairs(%x: tensor<?x40xf32>, %w: tensor<9x40xbf16>,
                     %x48: tensor<48x32xf32>, %w32: tensor<32x32xbf16>)
    -> (tensor<?x9xf32>, tensor<48x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x40xf32>
  %e = tensor.empty(%t) : tensor<?x9xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x9xf32>) -> tensor<?x9xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x40xf32>, tensor<9x40xbf16>)
      outs(%acc : tensor<?x9xf32>) -> tensor<?x9xf32>
  %e48 = tensor.empty() : tensor<48x32xf32>
  %a48 = linalg.fill ins(%zero : f32) outs(%e48 : tensor<48x32xf32>) -> tensor<48x32xf32>
  %y48 = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x48, %w32 : tensor<48x32xf32>, tensor<32x32xbf16>)
      outs(%a48 : tensor<48x32xf32>) -> tensor<48x32xf32>
  return %y, %y48 : tensor<?x9xf32>, tensor<48x32xf32>
}
