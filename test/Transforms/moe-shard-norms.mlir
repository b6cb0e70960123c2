// moe-shard with a per-expert output norm (expert_norm, moe.experts'
// out_norm): under ep each rank takes the norm rows of its experts, under
// tp the layer is refused with one error (the norm needs each expert's
// whole down projection, which tp splits into partial sums). The
// token-level norms stay whole on every rank.
// RUN: moe-opt %s --moe-shard="ep=2 tp=1 ranks=2" | FileCheck %s
// RUN: not moe-opt %s --moe-shard="ep=1 tp=2 ranks=2" 2>&1 | FileCheck %s --check-prefix=TP

// CHECK-LABEL: func.func @ergo
// CHECK-SAME: %{{.*}}: tensor<2x16xf32> {moe.shard = ["ep", ""], moe.weight = "en"}, %[[SN:[a-z0-9]+]]: tensor<16xf32> {moe.weight = "sn"}, %[[POST:[a-z0-9]+]]: tensor<16xf32> {moe.weight = "post"}
// CHECK: moe.experts {{.*}} w1(%{{.*}} : tensor<2x8x16xf32>) w2(%{{.*}} : tensor<2x16x8xf32>) out_norm(%{{.*}} : tensor<2x16xf32>) activation relu2 rms_norm_eps 1.000000e-05
// CHECK: moe.rms_norm %{{.*}} weight(%[[POST]] : tensor<16xf32>)
// TP: error: moe-shard: the per-expert output norm (expert_norm) needs each expert's whole down projection, which tensor parallelism splits over tp = 2 ranks; use expert parallelism (tp = 1)
func.func @ergo(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32> {moe.weight = "wg"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %s1: tensor<8x16xf32> {moe.weight = "s1"}, %s2: tensor<16x8xf32> {moe.weight = "s2"}, %en: tensor<4x16xf32> {moe.weight = "en"}, %sn: tensor<16xf32> {moe.weight = "sn"}, %post: tensor<16xf32> {moe.weight = "post"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) post_norm(%post : tensor<16xf32>) expert_norm(%en : tensor<4x16xf32>) shared_norm(%sn : tensor<16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu2 rms_norm_eps 1.0e-05 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
