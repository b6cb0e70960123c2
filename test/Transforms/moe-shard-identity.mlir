// moe-shard of a layer with identity experts: the router keeps its 6 rows
// (whole on every rank), the 4 routed experts are split over ep = 2, the
// dispatch takes the 4 routed experts, and the identity share computed from
// the rank's own tokens is the accumulator of the final moe.combine.
// test/Integration/Import/families-shard.test runs LongCat-Flash sharded.
// RUN: moe-opt %s --moe-shard="ep=2 tp=1 ranks=2" | FileCheck %s

// CHECK-LABEL: func.func @identity(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16xf32> {moe.shard = ["ranks", ""]}, %{{.*}}: tensor<6x16xf32> {moe.weight = "wg"}, %[[W1:[a-z0-9]+]]: tensor<2x8x16xf32> {moe.shard = ["ep", "tp", ""], moe.weight = "w1"}
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %{{.*}} <k = 2, scoring = softmax> : tensor<?x6xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
// CHECK: moe.dispatch %[[X]], %[[I]], %[[W]] experts 4
// CHECK: %[[U:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[I]] : tensor<?x2xf32>, tensor<?x2xi32>)
// CHECK: arith.cmpi sge, %{{.*}}, %c4_i32 : i32
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[U]] : tensor<?x16xf32>, tensor<?xf32>)
// CHECK: moe.experts %{{.*}} w1(%[[W1]] : tensor<2x8x16xf32>)
// CHECK: moe.combine %{{.*}} into %[[ACC]] : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @identity(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32> {moe.weight = "wg"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w3: tensor<4x8x16xf32> {moe.weight = "w3"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
