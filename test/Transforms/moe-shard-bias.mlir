// moe-shard refuses the expert biases b1, b3 and b2 with one error (a tp
// split would add b2 once per rank), for a moe.layer and for decomposed
// moe.experts; the activation parameters and the router and output biases
// are kept (moe-shard-activation.mlir; test/Integration/Shard/
// activation-bias.test runs them).
// RUN: not moe-opt %s --split-input-file --moe-shard="ep=2 tp=1 ranks=2" 2>&1 | FileCheck %s --check-prefix=ERR

// ERR: error: moe-shard: the expert biases b1, b3 and b2 are not supported (tensor parallelism would add b2 once per tp rank)
func.func @layer_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32> {moe.weight = "wg"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %b2: tensor<4x16xf32> {moe.weight = "b2"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b2(%b2 : tensor<4x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// ERR: error: moe-shard: the expert biases b1, b3 and b2 are not supported (tensor parallelism would add b2 once per tp rank)
func.func @experts_bias(%rows: tensor<?x16xf32>, %o: tensor<5xi32>, %tok: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x16xf32>, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %b1: tensor<4x8xf32> {moe.weight = "b1"}) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}
