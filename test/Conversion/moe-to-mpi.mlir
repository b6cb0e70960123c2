// RUN: moe-opt %s --split-input-file --moe-to-mpi | FileCheck %s

// A dynamic result: the count exchange returns the rows to allocate.
// CHECK-LABEL: func.func private @moe_mpi_alltoallv_f32
// CHECK-SAME: (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func private @moe_mpi_exchange_counts
// CHECK-SAME: (memref<?xi32, strided<[?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, i64, i64) -> i64
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[ROWS:.*]]: tensor<32x64xf32>, %[[SC:.*]]: tensor<4xi32>)
// CHECK: %[[R:.*]] = arith.constant 4 : i64
// CHECK: %[[RB:.*]] = bufferization.to_buffer %[[ROWS]] read_only
// CHECK: %[[SB:.*]] = bufferization.to_buffer %[[SC]] read_only
// CHECK: %[[RC:.*]] = memref.alloc() : memref<4xi32>
// CHECK: %[[TOTAL:.*]] = call @moe_mpi_exchange_counts(%{{.*}}, %{{.*}}, %{{.*}}, %[[R]])
// CHECK: %[[M:.*]] = arith.index_cast %[[TOTAL]] : i64 to index
// CHECK: %[[BUF:.*]] = memref.alloc(%[[M]]) : memref<?x64xf32>
// CHECK: call @moe_mpi_alltoallv_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[R]])
// CHECK: %[[OUT:.*]] = bufferization.to_tensor %[[BUF]] restrict writable
// CHECK: %[[CNT:.*]] = bufferization.to_tensor %[[RC]] restrict writable
// CHECK: return %[[OUT]], %[[CNT]]
// CHECK-NOT: moe.all_to_all
func.func @dynamic(%rows: tensor<32x64xf32>, %sc: tensor<4xi32>)
    -> (tensor<?x64xf32>, tensor<4xi32>) {
  %r, %c = moe.all_to_all %rows, %sc ranks 4
      : tensor<32x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
  return %r, %c : tensor<?x64xf32>, tensor<4xi32>
}

// -----

// A static result keeps its size (rows past what arrives are zero).
// CHECK-LABEL: func.func @static
// CHECK: call @moe_mpi_exchange_counts
// CHECK: memref.alloc() : memref<16x8xf32>
// CHECK: call @moe_mpi_alltoallv_f32
func.func @static(%rows: tensor<?x8xf32>, %sc: tensor<2xi32>) -> tensor<16x8xf32> {
  %r, %c = moe.all_to_all %rows, %sc ranks 2
      : tensor<?x8xf32>, tensor<2xi32> -> tensor<16x8xf32>, tensor<2xi32>
  return %r : tensor<16x8xf32>
}

