// moe-gpu-managed-buffers: the host's allocations become managed memory
// (gpu.alloc host_shared), its deallocations a waited-for asynchronous
// gpu.dealloc, a global a managed copy; kernel bodies are left alone.
//
// RUN: moe-opt %s --moe-gpu-managed-buffers | FileCheck %s \
// RUN:   --implicit-check-not=memref.alloc --implicit-check-not=memref.dealloc

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK-LABEL: func.func @f(
// CHECK-SAME: %[[N:.*]]: index
// CHECK: %[[A:.*]] = gpu.alloc host_shared (%[[N]]) : memref<?xf32>
// CHECK: %[[B:.*]] = gpu.alloc host_shared () : memref<8xi32>
// CHECK: %[[T:.*]] = gpu.alloc host_shared () : memref<4xf32>
// CHECK: %[[G:.*]] = memref.get_global @table
// CHECK: memref.copy %[[G]], %[[T]]
// CHECK: gpu.launch
// CHECK: memref.alloca() : memref<2xf32>
// CHECK: memref.load %[[T]]
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: %[[S:.*]] = gpu.wait async
// CHECK: %[[F:.*]] = gpu.dealloc async [%[[S]]] %[[B]]
// CHECK: gpu.wait [%[[F]]]
// CHECK: return %[[A]]
func.func @f(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
  %b = memref.alloc() : memref<8xi32>
  %g = memref.get_global @table : memref<4xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %t = memref.alloca() : memref<2xf32>
    %c0 = arith.constant 0 : index
    %e = memref.load %g[%c0] : memref<4xf32>
    memref.store %e, %a[%c0] : memref<?xf32>
    gpu.terminator
  }
  memref.dealloc %b : memref<8xi32>
  return %a : memref<?xf32>
}
