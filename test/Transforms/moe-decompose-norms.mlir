// RUN: moe-opt %s --moe-decompose --split-input-file | FileCheck %s

// expert_scale: the weights of moe.route are multiplied by the scale of
// their expert (read at the selected index) before moe.dispatch.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @expert_scale
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<4xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %{{.*}} <k = 2, scoring = softmax, normalize = true>
// CHECK: %[[SW:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[W]], %[[I]] : tensor<?x2xf32>, tensor<?x2xi32>) outs(%[[W]] : tensor<?x2xf32>)
// CHECK-NEXT: ^bb0(%[[WV:.*]]: f32, %[[IV:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT: %[[AT:.*]] = arith.index_cast %[[IV]] : i32 to index
// CHECK-NEXT: %[[SV:.*]] = tensor.extract %[[S]][%[[AT]]] : tensor<4xf32>
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[WV]], %[[SV]] : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: moe.dispatch %{{.*}}, %[[I]], %[[SW]] experts 4
func.func @expert_scale(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<4xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// One scale for all experts: element 0, whatever the index.

// CHECK-LABEL: func.func @expert_scale_single
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<1xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route
// CHECK: %[[SW:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[I]] : tensor<8x1xf32>, tensor<8x1xi32>)
// CHECK-NEXT: ^bb0(%[[WV:.*]]: f32, %{{.*}}: i32, %{{.*}}: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[SV:.*]] = tensor.extract %[[S]][%[[ZERO]]] : tensor<1xf32>
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[WV]], %[[SV]] : f32
// CHECK: moe.dispatch %{{.*}}, %[[I]], %[[SW]] experts 4
func.func @expert_scale_single(%x: tensor<8x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<1xf32>) -> tensor<8x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<1xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu2 : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
