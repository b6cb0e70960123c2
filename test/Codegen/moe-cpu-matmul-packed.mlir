// moe-cpu-matmul-kernels, packed-panel kernel (PackedMatmul.cpp): a matmul
// whose weight rows are whole panels (N a multiple of 2 * vector-width) and
// whose row count reaches packed-min-rows (packed-min-rows-16bit for
// 16-bit weights) runs over panels of 16 weight rows
// packed K chunk by K chunk into a scratch buffer (8 x 8 transposes by
// vector.shuffle, bf16 widened while packing), then 6-row register tiles
// of 6 x 2 vector accumulators (a broadcast of A[m, k] per row, two
// vector.fma per row, the accumulators rows of C), then one tile of the
// 1 to 5 rows left over. A dynamic row count chooses between it and the dot-product kernel
// at run time.
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-k-block=8 packed-min-rows=24 packed-m-block=0" --canonicalize --cse | FileCheck %s
// RUN: moe-opt %s --moe-cpu-matmul-kernels="num-threads=2" --canonicalize --cse | FileCheck %s --check-prefix=THREADS
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-min-rows=0 packed-min-rows-16bit=0" --canonicalize --cse | FileCheck %s --check-prefix=OFF
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-tile-rows=3" --canonicalize --cse | FileCheck %s --check-prefix=ROWS3
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-min-rows=24 packed-m-block=12" --canonicalize --cse | FileCheck %s --check-prefix=MBLOCK
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="packed-k-block=0" 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="vector-width=12" 2>&1 | FileCheck %s --check-prefix=ERR-WIDTH
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="packed-k-block=4096" 2>&1 | FileCheck %s --check-prefix=ERR-KBLOCK

// CHECK-LABEL: func.func @prefill(
// One thread: the scratch sits at the function's entry, outside any loop.
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[BP:.*]] = memref.alloca() {alignment = 64 : i64} : memref<8x16xf32>
// CHECK: %[[B:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<32x20xbf16>
// CHECK: %[[M:.*]] = tensor.dim
// CHECK: %[[C:.*]] = memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x32xf32>
// bf16 weights: packed from packed-min-rows-16bit = 32 rows on.
// CHECK: %[[MANY:.*]] = arith.cmpi uge, %[[M]], %c32 : index
// CHECK: scf.if %[[MANY]] {
// Two panels of 16 weight rows; K = 20 in packed chunks of 8, 8 and 4.
// CHECK: scf.for %[[P:.*]] = %c0 to %c2 step %c1 {
// CHECK: %[[N0:.*]] = arith.muli %[[P]], %c16 : index
// CHECK: scf.for %[[K0:.*]] = %c0 to %c20 step %c8 {
// Packing: 8 weight rows along K, widened, transposed, stored along N.
// CHECK: scf.for %[[KK:.*]] = %c0 to %{{.*}} step %c8 {
// CHECK: vector.load %[[B]][%[[N0]], %{{.*}}] : memref<32x20xbf16, strided<[?, 1], offset: ?>>, vector<8xbf16>
// CHECK: arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK-COUNT-24: vector.shuffle
// CHECK: vector.store %{{.*}}, %[[BP]][%[[KK]], %c0] : memref<8x16xf32>, vector<8xf32>
// CHECK-COUNT-24: vector.shuffle
// CHECK: vector.store %{{.*}}, %[[BP]][%[[KK]], %c8] : memref<8x16xf32>, vector<8xf32>
// The K tail of a chunk: masked loads, zero padded.
// CHECK: scf.if
// CHECK: vector.maskedload %[[B]]
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K0]], %c0 : index
// 6-row tiles: the first chunk starts from zero, the others from C.
// CHECK: scf.for %[[M0:.*]] = %c0 to %{{.*}} step %c6 {
// CHECK: scf.if %[[FIRST]] -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-NEXT: scf.yield %[[ZERO]], %[[ZERO]],
// CHECK: } else {
// CHECK-NEXT: vector.load %[[C]][%[[M0]], %[[N0]]] : memref<?x32xf32>, vector<8xf32>
// CHECK: scf.for %[[K:.*]] = %c0 to %{{.*}} step %c1 iter_args(
// CHECK: %[[LO:.*]] = vector.load %[[BP]][%[[K]], %c0] : memref<8x16xf32>, vector<8xf32>
// CHECK: %[[HI:.*]] = vector.load %[[BP]][%[[K]], %c8] : memref<8x16xf32>, vector<8xf32>
// CHECK: %[[A0:.*]] = tensor.extract %{{.*}}[%[[M0]], %{{.*}}] : tensor<?x20xf32>
// CHECK: %[[S0:.*]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[S0]], %[[LO]], %{{.*}} : vector<8xf32>
// CHECK: vector.fma %[[S0]], %[[HI]], %{{.*}} : vector<8xf32>
// CHECK-COUNT-5: vector.broadcast
// CHECK: scf.yield
// CHECK: vector.store %{{.*}}, %[[C]][%[[M0]], %[[N0]]] : memref<?x32xf32>, vector<8xf32>
// The rows left over: one tile of exactly M % 6 rows (5 down to 1), each
// starting at the first row after the full tiles.
// CHECK: %[[REM:.*]] = arith.subi %[[M]], %[[FULL:.*]] : index
// CHECK-NEXT: %[[IS5:.*]] = arith.cmpi eq, %[[REM]], %c5 : index
// CHECK-NEXT: scf.if %[[IS5]] {
// CHECK: vector.load %[[C]][%[[FULL]], %[[N0]]]
// CHECK: -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-5: vector.broadcast
// CHECK: arith.cmpi eq, %[[REM]], %c4 : index
// CHECK: -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: arith.cmpi eq, %[[REM]], %c3 : index
// CHECK: -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: arith.cmpi eq, %[[REM]], %c2 : index
// CHECK: arith.cmpi eq, %[[REM]], %c1 : index
// Fewer rows: the dot-product kernel (lane reductions).
// CHECK: } else {
// CHECK: vector.reduction <add>
// CHECK: bufferization.to_tensor %[[C]] restrict writable
func.func @prefill(%x: tensor<?x20xf32>, %w: tensor<32x20xbf16>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x20xf32>, tensor<32x20xbf16>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Two threads: the panels are split between them and each packs into its
// own scratch, allocated at the start of the omp.parallel body.
// THREADS-LABEL: func.func @prefill(
// THREADS: scf.if
// THREADS: omp.parallel num_threads(%{{.*}} : i32) {
// THREADS: %[[T:.*]] = func.call @omp_get_thread_num()
// THREADS: %[[TI:.*]] = arith.index_cast %[[T]]
// THREADS: arith.muli %[[TI]], %c2 : index
// THREADS-NEXT: %[[BEGIN:.*]] = arith.divui
// THREADS: %[[END:.*]] = arith.divui
// THREADS-NEXT: memref.alloca() {alignment = 64 : i64} : memref<256x16xf32>
// Blocks of at most packed-m-block = 384 rows (by default) of A, each over
// the thread's panels.
// THREADS: arith.ceildivui %{{.*}}, %c384 : index
// THREADS: scf.for %{{.*}} = %c0 to %{{.*}} step %{{.*}} {
// THREADS: scf.for %{{.*}} = %[[BEGIN]] to %[[END]] step %c1 {
// THREADS: vector.shuffle
// THREADS: omp.terminator
// THREADS: } else {
// THREADS: omp.parallel
// THREADS: vector.reduction <add>

// OFF-LABEL: func.func @prefill(
// OFF-NOT: vector.shuffle
// OFF-NOT: memref.alloca
// OFF: vector.reduction <add>

// packed-m-block=12: the rows of A in ceil(M / 12) blocks of equal size in
// whole 6-row tiles (the last one shorter), each running over all panels
// (packed again per block) with its row tiles offset by the block's first
// row.
// MBLOCK-LABEL: func.func @prefill(
// MBLOCK: %[[M:.*]] = tensor.dim
// MBLOCK: %[[NB0:.*]] = arith.ceildivui %[[M]], %c12 : index
// MBLOCK-NEXT: %[[NB:.*]] = arith.maxui %[[NB0]], %c1 : index
// MBLOCK-NEXT: %[[PER:.*]] = arith.ceildivui %[[M]], %[[NB]] : index
// MBLOCK-NEXT: %[[TILES:.*]] = arith.ceildivui %[[PER]], %c6 : index
// MBLOCK-NEXT: %[[ROUNDED:.*]] = arith.muli %[[TILES]], %c6 : index
// MBLOCK-NEXT: %[[STEP:.*]] = arith.maxui %[[ROUNDED]], %c6 : index
// MBLOCK-NEXT: scf.for %[[MB:.*]] = %c0 to %[[M]] step %[[STEP]] {
// MBLOCK-NEXT: %[[NEXT:.*]] = arith.addi %[[MB]], %[[STEP]] : index
// MBLOCK-NEXT: %[[MEND:.*]] = arith.minui %[[NEXT]], %[[M]] : index
// MBLOCK-NEXT: %[[ROWS:.*]] = arith.subi %[[MEND]], %[[MB]] : index
// MBLOCK-NEXT: scf.for %{{.*}} = %c0 to %c2 step %c1 {
// MBLOCK: vector.shuffle
// MBLOCK: %[[REM:.*]] = arith.remui %[[ROWS]], %c6 : index
// MBLOCK: %[[FULL:.*]] = arith.subi %[[ROWS]], %[[REM]] : index
// MBLOCK: scf.for %[[M0:.*]] = %c0 to %[[FULL]] step %c6 {
// MBLOCK-NEXT: %[[ROW:.*]] = arith.addi %[[MB]], %[[M0]] : index
// MBLOCK: vector.store %{{.*}}, %{{.*}}[%[[ROW]], %{{.*}}] : memref<?x32xf32>, vector<8xf32>
// The block's rows left over start after its full tiles.
// MBLOCK: %[[TAIL:.*]] = arith.addi %[[MB]], %[[FULL]] : index
// MBLOCK: vector.store %{{.*}}, %{{.*}}[%[[TAIL]], %{{.*}}] : memref<?x32xf32>, vector<8xf32>

// ROWS3-LABEL: func.func @prefill(
// ROWS3: scf.for %{{.*}} step %c3 {
// ROWS3: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// ROWS3-COUNT-3: vector.broadcast

// Static row counts decide at compile time: 8 rows stay on the dot-product
// kernel, 32 rows (f32 weights, packed-min-rows=24) take only the packed
// one. N = 24 is not whole panels.
// CHECK-LABEL: func.func @static_rows(
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8x16xf32>
// CHECK-NOT: vector.shuffle
// CHECK: vector.reduction <add>
// CHECK-NOT: vector.shuffle
// CHECK: bufferization.to_tensor
// CHECK-NOT: vector.reduction
// CHECK: vector.shuffle
// CHECK-NOT: vector.reduction
// CHECK: bufferization.to_tensor
// CHECK-NOT: vector.shuffle
// CHECK: vector.reduction <add>
// CHECK: return
func.func @static_rows(%x8: tensor<8x20xf32>, %x32: tensor<32x20xf32>,
                       %w: tensor<32x20xf32>, %w24: tensor<24x20xf32>)
    -> (tensor<8x32xf32>, tensor<32x32xf32>, tensor<32x24xf32>) {
  %zero = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<8x32xf32>
  %a8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y8 = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x8, %w : tensor<8x20xf32>, tensor<32x20xf32>)
      outs(%a8 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %e32 = tensor.empty() : tensor<32x32xf32>
  %a32 = linalg.fill ins(%zero : f32) outs(%e32 : tensor<32x32xf32>) -> tensor<32x32xf32>
  %y32 = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x32, %w : tensor<32x20xf32>, tensor<32x20xf32>)
      outs(%a32 : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e24 = tensor.empty() : tensor<32x24xf32>
  %a24 = linalg.fill ins(%zero : f32) outs(%e24 : tensor<32x24xf32>) -> tensor<32x24xf32>
  %y24 = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x32, %w24 : tensor<32x20xf32>, tensor<24x20xf32>)
      outs(%a24 : tensor<32x24xf32>) -> tensor<32x24xf32>
  return %y8, %y32, %y24 : tensor<8x32xf32>, tensor<32x32xf32>, tensor<32x24xf32>
}

// A dynamic K (it could be 0, and the packed kernel would then write no C)
// stays on the dot-product kernel whatever the rows.
// CHECK-LABEL: func.func @dynamic_k(
// CHECK-NOT: vector.shuffle
// CHECK: vector.reduction <add>
// CHECK-NOT: vector.shuffle
// CHECK: return
func.func @dynamic_k(%x: tensor<256x?xf32>, %w: tensor<32x?xbf16>) -> tensor<256x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<256x32xf32>) -> tensor<256x32xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<256x?xf32>, tensor<32x?xbf16>)
      outs(%acc : tensor<256x32xf32>) -> tensor<256x32xf32>
  return %y : tensor<256x32xf32>
}

// ERR: error: moe-cpu-matmul-kernels: packed-k-block = 0 must be from 1 to 2048 (the packing scratch lives on the stack)
// ERR-WIDTH: error: moe-cpu-matmul-kernels: vector-width = 12 must be a power of two
// ERR-KBLOCK: error: moe-cpu-matmul-kernels: packed-k-block = 4096 must be from 1 to 2048 (the packing scratch lives on the stack)
