// RUN: moe-opt %s --moe-decompose --split-input-file | FileCheck %s

// Stacked shared experts (Inkling): the router's last S = 2 of its E + S = 6
// rows weight them. moe.route selects among the first E columns of the
// logits; the sigmoids of the k selected and of the S shared logits are
// renormalized together (sum plus norm_eps) and scaled; the S shared
// experts are a second moe.dispatch (every token to every shared expert,
// dropless) / moe.experts / moe.combine that the routed combine
// accumulates into.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @stacked
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}, %[[SB:[a-z0-9]+]]: tensor<4xf32>, %{{.*}}, %[[S1:[a-z0-9]+]]: tensor<2x8x16xf32>, %[[S3:[a-z0-9]+]]: tensor<2x8x16xf32>, %[[S2:[a-z0-9]+]]: tensor<2x16x8xf32>)
// CHECK: %[[L:.*]] = linalg.matmul {{.*}} -> tensor<?x6xf32>
// CHECK: %[[SL:.*]] = tensor.extract_slice %[[L]][0, 4] [%{{.*}}, 2] [1, 1] : tensor<?x6xf32> to tensor<?x2xf32>
// CHECK: %[[RL:.*]] = tensor.extract_slice %[[L]][0, 0] [%{{.*}}, 4] [1, 1] : tensor<?x6xf32> to tensor<?x4xf32>
// CHECK: %{{.*}}, %[[IDX:.*]] = moe.route %[[RL]] bias(%[[SB]] : tensor<4xf32>) <k = 2, scoring = sigmoid, normalize = true, scaling = 8.000000e+00 : f64, norm_eps = 0.000000e+00 : f64>
// CHECK: %[[SEL:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[IDX]] : tensor<?x2xi32>)
// CHECK: tensor.extract %[[RL]]
// CHECK: %[[SH:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SL]] : tensor<?x2xf32>)
// CHECK: %[[SUM0:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[SEL]] : tensor<?x2xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[SH]] : tensor<?x2xf32>) outs(%[[SUM0]] : tensor<?xf32>)
// CHECK: %[[W:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SEL]], %[[SUM]] : tensor<?x2xf32>, tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[S]], %[[EPS]] : f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[V]], %[[DEN]] : f32
// CHECK-NEXT: %[[F:.*]] = arith.constant 8.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[Q]], %[[F]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SH]], %[[SUM]] : tensor<?x2xf32>, tensor<?xf32>)
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[X]], %[[IDX]], %[[W]] experts 4
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>)
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[SIDX:.*]] = linalg.generic {indexing_maps = [#[[ID]]], iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<?x2xi32>)
// CHECK-NEXT: ^bb0(%{{.*}}: i32):
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[JI:.*]] = arith.index_cast %[[J]] : index to i32
// CHECK-NEXT: linalg.yield %[[JI]] : i32
// CHECK: %[[SROWS:.*]], %[[SOFF:.*]], %[[STOK:.*]], %[[SRW:.*]] = moe.dispatch %[[X]], %[[SIDX]], %[[G]] experts 2 : {{.*}} -> tensor<?x16xf32>, tensor<3xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK: %[[SY:.*]] = moe.experts %[[SROWS]] offsets(%[[SOFF]] : tensor<3xi32>) w1(%[[S1]] : tensor<2x8x16xf32>) w3(%[[S3]] : tensor<2x8x16xf32>) w2(%[[S2]] : tensor<2x16x8xf32>) activation swiglu_softcap gate_softcap 2.000000e+00 up_softcap 3.000000e+00
// CHECK: %[[ACC:.*]] = moe.combine %[[SY]] tokens(%[[STOK]] : tensor<?xi32>) weights(%[[SRW]] : tensor<?xf32>) into %[[ZERO]]
// CHECK: %[[OUT:.*]] = moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[ACC]]
// CHECK: return %[[OUT]]
func.func @stacked(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %sb: tensor<4xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s3: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) bias(%sb : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w3(%s3 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, scaling = 8.0, norm_eps = 0.0> activation swiglu_softcap gate_softcap 2.0 up_softcap 3.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Without renormalization and scaling the weights are the sigmoids
// themselves; an ungated stacked shared expert (no shared_w3) with the
// output bias in the accumulator.

// CHECK-LABEL: func.func @stacked_plain
// CHECK: moe.route
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK: moe.dispatch {{.*}} experts 4
// CHECK: %[[OB:.*]] = linalg.generic
// CHECK: moe.dispatch {{.*}} experts 1
// CHECK: %[[SY:.*]] = moe.experts {{.*}} w1(%{{.*}} : tensor<1x8x16xf32>) w2(%{{.*}} : tensor<1x16x8xf32>) activation relu :
// CHECK: moe.combine %[[SY]] {{.*}} into %[[OB]]
func.func @stacked_plain(%x: tensor<?x16xf32>, %wg: tensor<5x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<1x8x16xf32>, %s2: tensor<1x16x8xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<5x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<1x8x16xf32>) shared_w2(%s2 : tensor<1x16x8xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
