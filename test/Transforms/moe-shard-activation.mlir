// moe-shard keeps the activation parameters on the per-rank moe.experts,
// and the router bias on the replicated logits.
// RUN: moe-opt %s --moe-shard="ep=2 tp=2 ranks=4" | FileCheck %s

// The per-rank moe.experts keep swiglu_oai's alpha and limit.
// CHECK-LABEL: func.func @swiglu_oai
// CHECK: linalg.generic
// CHECK: moe.route
// CHECK: moe.experts {{.*}} activation swiglu_oai alpha 1.702000e+00 limit 7.000000e+00
func.func @swiglu_oai(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32> {moe.weight = "wg"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w3: tensor<4x8x16xf32> {moe.weight = "w3"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %rb: tensor<4xf32> {moe.weight = "rb"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) router_bias(%rb : tensor<4xf32>) routing #moe.routing<k = 2, scoring = softmax> activation swiglu_oai alpha 1.702 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
