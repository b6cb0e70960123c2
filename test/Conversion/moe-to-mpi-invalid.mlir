// The MPI runtime moves f32 rows; other element types give one error line.
// RUN: not moe-opt %s --moe-to-mpi 2>&1 | FileCheck %s

// CHECK: error: moe-to-mpi: expected f32 rows, found 'bf16'
func.func @bf16(%rows: tensor<4x8xbf16>, %sc: tensor<2xi32>) -> tensor<?x8xbf16> {
  %r, %c = moe.all_to_all %rows, %sc ranks 2
      : tensor<4x8xbf16>, tensor<2xi32> -> tensor<?x8xbf16>, tensor<2xi32>
  return %r : tensor<?x8xbf16>
}
