// moe-cpu-matmul-kernels: a transposed-B matmul (nn.Linear weights) becomes
// a buffer island with R x S register tiles of vector<8xf32> accumulators
// (here 3 x 4: 12 vector.fma per K step), a masked K tail (K = 20 = 2 * 8 +
// 4), 3 x 1 tiles for the column tail (N = 6 = 4 + 2), one 2 x 4 or 1 x 4
// tile for the row tail (M % 3 rows), one lane reduction per output, K
// chunks when K is
// longer than k-block, and omp.parallel over the weight rows when more than
// one thread is asked for.
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels="tile-rows=3 tile-cols=4" --canonicalize --cse | FileCheck %s
// RUN: moe-opt %s --moe-cpu-matmul-kernels --canonicalize --cse | FileCheck %s --check-prefix=DEFAULT
// RUN: moe-opt %s --moe-cpu-matmul-kernels="k-block=8" --canonicalize --cse | FileCheck %s --check-prefix=CHUNKS
// RUN: moe-opt %s --moe-cpu-matmul-kernels="num-threads=2" | FileCheck %s --check-prefix=THREADS
// RUN: moe-opt %s --moe-cpu-matmul-kernels="num-threads=0" | FileCheck %s --check-prefix=ALLCORES
// RUN: moe-opt %s --moe-cpu-matmul-kernels="vector-width=16 tile-rows=4 tile-cols=6" --canonicalize --cse | FileCheck %s --check-prefix=WIDE
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="tile-rows=0" 2>&1 | FileCheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @expert(
// CHECK-SAME: %[[X:.*]]: tensor<?x20xf32>, %[[W:.*]]: tensor<6x20xf32>
// CHECK-NOT: linalg.matmul
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<[true, true, true, true, false, false, false, false]> : vector<8xi1>
// CHECK-DAG: %[[A:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x20xf32> to memref<?x20xf32, strided<[?, 1], offset: ?>>
// CHECK-DAG: %[[B:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<6x20xf32> to memref<6x20xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[C:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x6xf32>
// Full 3 x 4 tiles over the rows that are a multiple of 3.
// CHECK: scf.for %[[M:.*]] = %{{.*}} to %{{.*}} step %c3 {
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-3: vector.load %[[A]]
// CHECK-COUNT-4: vector.load %[[B]]
// CHECK-COUNT-12: vector.fma {{.*}} : vector<8xf32>
// CHECK: scf.yield
// The K tail: masked loads from column 16.
// CHECK: vector.maskedload %[[A]][%[[M]], %c16], %[[MASK]]
// CHECK-COUNT-12: vector.fma
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<8xf32> into f32
// CHECK-NEXT: memref.store %{{.*}}, %[[C]][%[[M]], %c0] : memref<?x6xf32>
// The column tail (weight rows 4 and 5): 3 x 1 tiles.
// CHECK: scf.for %{{.*}} = %c4 to %c6 step %c1 {
// CHECK: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-3: vector.fma
// The row tail: one tile of the M % 3 remaining rows, 2 x 4 or 1 x 4, on
// the same weights.
// CHECK: %[[REM:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK: %[[IS2:.*]] = arith.cmpi eq, %[[REM]], %c2 : index
// CHECK: scf.if %[[IS2]] {
// CHECK: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[REM]], %c1 : index
// CHECK: scf.if %[[IS1]] {
// CHECK-NOT: arith.addi %{{.*}}, %c2 : index
// CHECK: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK: %[[RESULT:.*]] = bufferization.to_tensor %[[C]] restrict writable : memref<?x6xf32> to tensor<?x6xf32>
// CHECK: return %[[RESULT]]

// THREADS-LABEL: func.func @expert(
// THREADS: %[[TWO:.*]] = arith.constant 2 : i32
// THREADS: omp.parallel num_threads(%[[TWO]] : i32) {
// THREADS: %[[T:.*]] = func.call @omp_get_thread_num() : () -> i32
// THREADS: %[[N:.*]] = func.call @omp_get_num_threads() : () -> i32
// THREADS: arith.divui
// THREADS: vector.fma
// THREADS: omp.terminator
// THREADS: bufferization.to_tensor

// The default 4 x 3 tile: 12 accumulators from 4 activation rows and 3
// weight rows per step; N = 6 needs no column tail.
// DEFAULT-LABEL: func.func @expert(
// DEFAULT: scf.for %{{.*}} step %c4 {
// DEFAULT: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// DEFAULT-COUNT-4: vector.load
// DEFAULT-COUNT-3: vector.load
// DEFAULT-COUNT-12: vector.fma
// Three rows left over: one 3 x 3 tile (9 accumulators), not 2 + 1 rows.
// DEFAULT: %[[REM:.*]] = arith.subi
// DEFAULT: %[[IS3:.*]] = arith.cmpi eq, %[[REM]], %c3 : index
// DEFAULT: scf.if %[[IS3]] {
// DEFAULT: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// DEFAULT-COUNT-3: vector.load
// DEFAULT-COUNT-3: vector.load
// DEFAULT-COUNT-9: vector.fma
// DEFAULT: arith.cmpi eq, %[[REM]], %c2 : index
// DEFAULT: arith.cmpi eq, %[[REM]], %c1 : index

// K = 20 in chunks of 8 (8, 8, 4): the first chunk stores its sums, the
// others add to what C holds; the last chunk is all tail.
// CHUNKS-LABEL: func.func @expert(
// CHUNKS: %[[C:.*]] = memref.alloc
// CHUNKS: scf.for %[[K0:.*]] = %c0 to %c20 step %c8 {
// CHUNKS: %[[FIRST:.*]] = arith.cmpi eq, %[[K0]], %c0 : index
// CHUNKS: scf.for %{{.*}} = %[[K0]] to %{{.*}} step %c8 iter_args(
// CHUNKS: scf.if %{{.*}} -> (vector<8xf32>
// CHUNKS: vector.maskedload
// CHUNKS: scf.if %[[FIRST]] -> (f32) {
// CHUNKS-NEXT: scf.yield %cst{{.*}} : f32
// CHUNKS-NEXT: } else {
// CHUNKS-NEXT: memref.load %[[C]]
// CHUNKS: vector.reduction <add>

// ALLCORES-LABEL: func.func @expert(
// ALLCORES: omp.parallel {

// WIDE-LABEL: func.func @expert(
// WIDE: scf.for %{{.*}} step %c4 {
// WIDE: iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// WIDE-COUNT-24: vector.fma {{.*}} : vector<16xf32>

// ERR: error: moe-cpu-matmul-kernels: tile-rows = 0 must be from 1 to 64
func.func @expert(%x: tensor<?x20xf32>, %w: tensor<6x20xf32>) -> tensor<?x6xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%t) : tensor<?x6xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x6xf32>) -> tensor<?x6xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x20xf32>, tensor<6x20xf32>)
      outs(%acc : tensor<?x6xf32>) -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// A dynamic K: the tail step is guarded by scf.if; bf16 weights are widened
// after the load; a dynamic K is split into k-block chunks; a non-zero
// accumulator is read by the first chunk and added (canonicalize folds the
// scalar load of the read-only buffer into a tensor.extract).
// CHECK-LABEL: func.func @dynamic_k(
// CHECK-SAME: %{{.*}}: tensor<?x?xf32>, %{{.*}}: tensor<?x?xbf16>, %[[ACC:.*]]: tensor<?x?xf32>
// CHECK: vector.load %{{.*}} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<8xbf16>
// CHECK: arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK: scf.if %{{.*}} -> (vector<8xf32>
// CHECK: vector.maskedload
// CHECK: %[[START:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: tensor.extract %[[ACC]]
// CHECK: vector.reduction <add>, %{{.*}}, %[[START]] fastmath<reassoc>
func.func @dynamic_k(%x: tensor<?x?xf32>, %w: tensor<?x?xbf16>,
                     %acc: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x?xf32>, tensor<?x?xbf16>)
      outs(%acc : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// Not rewritten: a plain (non-transposed) matmul, and an f16 result.
// CHECK-LABEL: func.func @untouched(
// CHECK: linalg.matmul ins
// CHECK: linalg.matmul indexing_maps
// CHECK-NOT: vector.fma
func.func @untouched(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>,
                     %c: tensor<4x5xf32>, %w: tensor<5x8xf16>,
                     %h: tensor<4x5xf16>) -> (tensor<4x5xf32>, tensor<4x5xf16>) {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x5xf32>)
                     outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  %1 = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<4x8xf32>, tensor<5x8xf16>)
      outs(%h : tensor<4x5xf16>) -> tensor<4x5xf16>
  return %0, %1 : tensor<4x5xf32>, tensor<4x5xf16>
}
