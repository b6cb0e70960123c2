// moe-shard refuses a layer whose routed experts output has another user: the
// sharded program replaces those rows by the exchanged ones.
// RUN: not moe-opt %s --moe-shard="ep=2 tp=1 ranks=2" 2>&1 | FileCheck %s
// CHECK: error: moe-shard: the routed experts' output in @rows_used_elsewhere has users other than moe.combine; only the combined output can be sharded
// CHECK-NOT: error
func.func @rows_used_elsewhere(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                               %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>,
                               %acc: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>) activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out, %y : tensor<?x16xf32>, tensor<?x16xf32>
}
