// moe-gpu-map-parallel-loops: blocks of 256 threads (or block-size), the
// innermost dimension on x with as many threads as it has iterations, the
// next on y with the rest; outer loop on blocks, inner loop on threads,
// constant inner bounds with a guard for partial tiles. Loops with
// reductions stay as they are.
//
// RUN: moe-opt %s --moe-gpu-map-parallel-loops | FileCheck %s
// RUN: moe-opt %s --moe-gpu-map-parallel-loops=block-size=64 \
// RUN:   | FileCheck %s --check-prefix=B64
// RUN: not moe-opt %s --moe-gpu-map-parallel-loops=block-size=100 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// BAD: error: moe-gpu-map-parallel-loops: block-size must be a power of two between 1 and 1024, got 100

// CHECK-LABEL: func.func @rows
// CHECK-SAME: (%[[N:[^:]*]]: index
// A dynamic trip count may be 0: no launch then.
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi slt, %{{.*}}, %[[N]] : index
// CHECK: scf.if %[[NONEMPTY]] {
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: scf.parallel (%[[BI:.*]], %[[BJ:.*]]) = {{.*}} step (%[[S0:.*]], %[[S1:.*]]) {
// CHECK: scf.parallel (%[[TI:.*]], %[[TJ:.*]]) = {{.*}} to (%[[S0]], %[[S1]])
// CHECK: scf.if
// CHECK: memref.store
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_y{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>]}
// B64-LABEL: func.func @rows
// B64: arith.constant 64 : index
// B64-NOT: arith.constant 256 : index
func.func @rows(%n: index, %a: memref<?x2816xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2816 = arith.constant 2816 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c2816) step (%c1, %c1) {
    memref.store %z, %a[%i, %j] : memref<?x2816xf32>
  }
  return
}

// 8 columns: 8 threads on x, 32 rows on y.
// CHECK-LABEL: func.func @narrow
// CHECK-DAG: arith.constant 32 : index
// CHECK-DAG: arith.constant 8 : index
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_y{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
func.func @narrow(%n: index, %a: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c8) step (%c1, %c1) {
    memref.store %z, %a[%i, %j] : memref<?x8xf32>
  }
  return
}

// Static bounds: no guard; 8 iterations, 8 threads, no partial tile.
// CHECK-LABEL: func.func @static
// CHECK-NOT: scf.if
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK-NOT: scf.if
// CHECK: memref.store
// CHECK: return
func.func @static(%b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %z, %b[%i] : memref<8xf32>
  }
  return
}

// Four dimensions: the outermost runs sequentially.
// CHECK-LABEL: func.func @rank4
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_z{{.*}}>, #gpu.loop_dim_map<processor = thread_y{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = block_z{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>]}
func.func @rank4(%n: index, %c: memref<?x?x?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j, %k, %l) = (%c0, %c0, %c0, %c0) to (%n, %n, %n, %n)
      step (%c1, %c1, %c1, %c1) {
    memref.store %z, %c[%i, %j, %k, %l] : memref<?x?x?x?xf32>
  }
  return
}

// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK-NOT: mapping
// CHECK: return
func.func @reduction(%b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  %s = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%z) -> f32 {
    %v = memref.load %b[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %r = arith.addf %x, %y : f32
      scf.reduce.return %r : f32
    }
  }
  memref.store %s, %b[%c0] : memref<8xf32>
  return
}
