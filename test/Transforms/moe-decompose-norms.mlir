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

// -----

// The norms: the router reads router_norm(x), the routed experts
// pre_norm(x) and the shared expert x; expert_norm and shared_norm (with a
// leading unit dimension) are the out_norm of the two moe.experts; the
// combined result goes through post_norm. Every norm has the layer's
// rms_norm_eps.

// CHECK-LABEL: func.func @norms
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %[[WG:[a-z0-9]+]]: tensor<4x16xf32>, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[PRE:[a-z0-9]+]]: tensor<16xf32>, %[[RN:[a-z0-9]+]]: tensor<16xf32>, %[[POST:[a-z0-9]+]]: tensor<16xf32>, %[[EN:[a-z0-9]+]]: tensor<4x16xf32>, %[[SN:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[XR:.*]] = moe.rms_norm %[[X]] weight(%[[RN]] : tensor<16xf32>) eps 9.9999999999999995E-7 : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[L:.*]] = linalg.matmul {{.*}} ins(%[[XR]], %[[WG]] :
// CHECK: %[[XE:.*]] = moe.rms_norm %[[X]] weight(%[[PRE]] : tensor<16xf32>) eps 9.9999999999999995E-7
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %[[L]]
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[XE]], %[[I]], %[[W]] experts 4
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) out_norm(%[[EN]] : tensor<4x16xf32>) activation relu2 rms_norm_eps 9.9999999999999995E-7 : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[SNE:.*]] = tensor.expand_shape %[[SN]] {{\[\[}}0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %[[X]] offsets(%{{.*}} : tensor<2xi32>) w1(%{{.*}} : tensor<1x8x16xf32>) w2(%{{.*}} : tensor<1x16x8xf32>) out_norm(%[[SNE]] : tensor<1x16xf32>) activation relu2 rms_norm_eps 9.9999999999999995E-7
// CHECK: %[[C:.*]] = moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[SH]]
// CHECK: %[[OUT:.*]] = moe.rms_norm %[[C]] weight(%[[POST]] : tensor<16xf32>) eps 9.9999999999999995E-7
// CHECK: return %[[OUT]]
func.func @norms(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %pre: tensor<16xf32>, %rn: tensor<16xf32>, %post: tensor<16xf32>, %en: tensor<4x16xf32>, %sn: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) pre_norm(%pre : tensor<16xf32>) router_norm(%rn : tensor<16xf32>) post_norm(%post : tensor<16xf32>) expert_norm(%en : tensor<4x16xf32>) shared_norm(%sn : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Expert choice: the routed experts read pre_norm(x) too.

// CHECK-LABEL: func.func @pre_norm_expert_choice
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<8x16xf32>, %{{.*}}, %{{.*}}, %{{.*}}, %[[PRE:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[XE:.*]] = moe.rms_norm %[[X]] weight(%[[PRE]] : tensor<16xf32>) eps 1.000000e-05
// CHECK: moe.route_expert_choice
// CHECK: tensor.extract %[[XE]]
func.func @pre_norm_expert_choice(%x: tensor<8x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %pre: tensor<16xf32>) -> tensor<8x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) pre_norm(%pre : tensor<16xf32>) routing #moe.expert_choice<capacity = 2> activation relu rms_norm_eps 1.0e-05 : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
