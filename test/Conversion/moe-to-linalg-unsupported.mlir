// RUN: not moe-opt %s --moe-to-linalg --split-input-file 2>&1 | FileCheck %s

// moe.layer has no lowering of its own: the pass fails and says to run
// moe-decompose first, rather than leaving the op for a later stage to trip
// over.

// CHECK: error: 'moe.layer' op must be decomposed before moe-to-linalg: run --moe-decompose first
func.func @layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                 %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// moe.all_to_all is a collective, lowered with the distributed runtime: it
// is left in place, and the ops around it are lowered.

// CHECK-LABEL: func.func @all_to_all
// CHECK: moe.all_to_all %{{.*}}, %{{.*}} ranks 2
// CHECK-NOT: moe.grouped_matmul
// CHECK: linalg.matmul
func.func @all_to_all(%rows: tensor<?x16xf32>, %counts: tensor<2xi32>, %w: tensor<2x8x16xf32>,
                      %off: tensor<3xi32>) -> tensor<?x8xf32> {
  %recv, %rc = moe.all_to_all %rows, %counts ranks 2
      : tensor<?x16xf32>, tensor<2xi32> -> tensor<?x16xf32>, tensor<2xi32>
  %y = moe.grouped_matmul %recv, %w offsets(%off : tensor<3xi32>)
         : tensor<?x16xf32>, tensor<2x8x16xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
