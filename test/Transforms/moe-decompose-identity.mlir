// RUN: moe-opt %s --moe-decompose | FileCheck %s

// Identity experts (LongCat-Flash's zero-computation experts): moe.route
// selects among all 6 router rows, moe.dispatch takes the 4 routed experts
// only (it drops the indices 4 and 5), and the accumulator of moe.combine
// is x times the summed weights of the identity experts each token
// selected, formed in f32 and rounded to bf16.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @identity_experts
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xbf16>, %[[WG:[a-z0-9]+]]: tensor<6x16xbf16>, %[[B:[a-z0-9]+]]: tensor<6xf32>
// CHECK: %[[L:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[WG]] : tensor<?x16xbf16>, tensor<6x16xbf16>) outs(%{{.*}} : tensor<?x6xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %[[L]] bias(%[[B]] : tensor<6xf32>) <k = 3, scoring = softmax, scaling = 2.000000e+00 : f64> : tensor<?x6xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[X]], %[[I]], %[[W]] experts 4 : {{.*}} -> tensor<?x16xbf16>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>)
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : bf16) outs(%{{.*}} : tensor<?x16xbf16>)
// CHECK: %[[U:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[W]], %[[I]] : tensor<?x3xf32>, tensor<?x3xi32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[WV:.*]]: f32, %[[IV:.*]]: i32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[E:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[IS:.*]] = arith.cmpi sge, %[[IV]], %[[E]] : i32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[SEL:.*]] = arith.select %[[IS]], %[[WV]], %[[Z]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[SEL]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[U]] : tensor<?x16xbf16>, tensor<?xf32>) outs(%[[ZERO]] : tensor<?x16xbf16>)
// CHECK-NEXT: ^bb0(%[[XV:.*]]: bf16, %[[UV:.*]]: f32, %[[OV:.*]]: bf16):
// CHECK-NEXT: %[[XF:.*]] = arith.extf %[[XV]] : bf16 to f32
// CHECK-NEXT: %[[OF:.*]] = arith.extf %[[OV]] : bf16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[XF]], %[[UV]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.addf %[[OF]], %[[P]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.truncf %[[T]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[R]] : bf16
// CHECK: moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[A]]
func.func @identity_experts(%x: tensor<?x16xbf16>, %wg: tensor<6x16xbf16>, %b: tensor<6xf32>, %w1: tensor<4x8x16xbf16>, %w3: tensor<4x8x16xbf16>, %w2: tensor<4x16x8xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%wg : tensor<6x16xbf16>) bias(%b : tensor<6xf32>) w1(%w1 : tensor<4x8x16xbf16>) w3(%w3 : tensor<4x8x16xbf16>) w2(%w2 : tensor<4x16x8xbf16>) routing #moe.routing<k = 3, scoring = softmax, scaling = 2.0> activation silu identity_experts 2 : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}
