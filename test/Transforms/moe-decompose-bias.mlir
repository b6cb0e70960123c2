// RUN: moe-opt %s --moe-decompose --split-input-file | FileCheck %s

// The router bias is added to the f32 logits before moe.route; the expert
// biases and the activation parameters go to the routed moe.experts; the
// shared expert takes the layer's activation with `shared_limit` as its
// limit; the output bias is added to the combine's accumulator.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @biases
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}, %[[RB:[a-z0-9]+]]: tensor<4xbf16>, %[[B1:[a-z0-9]+]]: tensor<4x8xf32>, %[[B3:[a-z0-9]+]]: tensor<4x8xf32>, %[[B2:[a-z0-9]+]]: tensor<4x16xf32>, %[[OB:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[L:.*]] = linalg.matmul
// CHECK: %[[LB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[RB]] : tensor<?x4xf32>, tensor<4xbf16>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[LV:.*]]: f32, %[[BV:.*]]: bf16, %{{.*}}: f32):
// CHECK-NEXT: %[[BF:.*]] = arith.extf %[[BV]] : bf16 to f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[LV]], %[[BF]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: moe.route %[[LB]] <k = 2, scoring = softmax>
// CHECK: %[[Y:.*]] = moe.experts %{{.*}} b1(%[[B1]] : tensor<4x8xf32>) b3(%[[B3]] : tensor<4x8xf32>) b2(%[[B2]] : tensor<4x16xf32>) activation silu limit 7.000000e+00 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %[[X]] offsets(%{{.*}} : tensor<2xi32>) w1(%{{.*}} : tensor<1x8x16xf32>) w3(%{{.*}} : tensor<1x8x16xf32>) w2(%{{.*}} : tensor<1x16x8xf32>) activation silu limit 5.000000e+00 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SH]], %[[OB]] : tensor<?x16xf32>, tensor<16xf32>)
// CHECK: moe.combine %[[Y]] tokens(%{{.*}}) weights(%{{.*}}) into %[[ACC]]
func.func @biases(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %rb: tensor<4xbf16>, %b1: tensor<4x8xf32>, %b3: tensor<4x8xf32>, %b2: tensor<4x16xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) router_bias(%rb : tensor<4xbf16>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xf32>) b2(%b2 : tensor<4x16xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu limit 7.0 shared_limit 5.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// swiglu_oai: alpha and limit go to the routed experts; a shared expert
// without `shared_limit` gets alpha but no limit (and no limit_after_act).

// CHECK-LABEL: func.func @swiglu_oai_shared
// CHECK: moe.experts %{{.*}} w2(%{{.*}} : tensor<4x16x8xf32>) activation swiglu_oai alpha 1.500000e+00 limit 7.000000e+00 : tensor<?x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %{{.*}} w2(%{{.*}} : tensor<1x16x8xf32>) activation swiglu_oai alpha 1.500000e+00 : tensor<?x16xf32>
// CHECK-NEXT: moe.combine %{{.*}} into %[[SH]]
func.func @swiglu_oai_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 2, scoring = softmax> activation swiglu_oai alpha 1.5 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
