// moe-shard splits the routed experts of a layer with stacked shared
// experts and leaves the shared ones whole on every rank: they run, for the
// rank's own tokens, into the accumulator that the exchanged routed rows
// are combined into.
// RUN: moe-opt %s --moe-shard="ep=2 tp=2 ranks=4" | FileCheck %s

// CHECK-LABEL: func.func @stacked
// CHECK-SAME: %{{.*}}: tensor<2x4x16xf32> {moe.shard = ["ep", "tp", ""], moe.weight = "w1"}
// CHECK-SAME: %{{.*}}: tensor<2x8x16xf32> {moe.weight = "s1"}, %{{.*}}: tensor<2x8x16xf32> {moe.weight = "s3"}, %{{.*}}: tensor<2x16x8xf32> {moe.weight = "s2"})
// CHECK: moe.dispatch {{.*}} experts 2
// CHECK: %[[SY:.*]] = moe.experts {{.*}} w1(%{{.*}} : tensor<2x8x16xf32>) w3(%{{.*}} : tensor<2x8x16xf32>) w2(%{{.*}} : tensor<2x16x8xf32>)
// CHECK: %[[ACC:.*]] = moe.combine %[[SY]] {{.*}} into
// CHECK: moe.all_to_all
// CHECK: moe.experts {{.*}} w1(%{{.*}} : tensor<2x4x16xf32>)
// CHECK: moe.all_to_all
// CHECK: moe.combine {{.*}} into %[[ACC]]
func.func @stacked(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32> {moe.weight = "wg"}, %sb: tensor<4xf32> {moe.weight = "sb"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w3: tensor<4x8x16xf32> {moe.weight = "w3"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %s1: tensor<2x8x16xf32> {moe.weight = "s1"}, %s3: tensor<2x8x16xf32> {moe.weight = "s3"}, %s2: tensor<2x16x8xf32> {moe.weight = "s2"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) bias(%sb : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w3(%s3 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
