// moe-shard keeps the expert biases: b1 and b3 [E, F] are sliced as the rows
// of w1 and w3 (experts over ep, inner rows over tp), b2 [E, D] over ep only;
// under tp each of a group's tp ranks adds b2 / tp, so the partial sums that
// moe.combine adds carry b2 once (test/Integration/Shard/activation-bias.test
// runs them against the single-process layer).
// RUN: moe-opt %s --split-input-file --moe-shard="ep=2 tp=2 ranks=4" | FileCheck %s --check-prefix=TP
// RUN: moe-opt %s --split-input-file --moe-shard="ep=2 tp=1 ranks=2" | FileCheck %s --check-prefix=EP

// TP-LABEL: func.func @layer_bias(
// TP-SAME: %[[W1:[a-z0-9]+]]: tensor<2x4x16xf32> {moe.shard = ["ep", "tp", ""], moe.weight = "w1"}
// TP-SAME: %[[W2:[a-z0-9]+]]: tensor<2x16x4xf32> {moe.shard = ["ep", "", "tp"], moe.weight = "w2"}
// TP-SAME: %[[B1:[a-z0-9]+]]: tensor<2x4xf32> {moe.shard = ["ep", "tp"], moe.weight = "b1"}
// TP-SAME: %[[B2:[a-z0-9]+]]: tensor<2x16xf32> {moe.shard = ["ep", ""], moe.weight = "b2"}
// TP: %[[HALF:.*]] = linalg.generic {{.*}} ins(%[[B2]] : tensor<2x16xf32>)
// TP-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// TP-NEXT: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// TP-NEXT: %[[Q:.*]] = arith.divf %[[IN]], %[[TWO]] : f32
// TP-NEXT: linalg.yield %[[Q]]
// TP: moe.experts {{.*}} w1(%[[W1]] : tensor<2x4x16xf32>) w2(%[[W2]] : tensor<2x16x4xf32>) b1(%[[B1]] : tensor<2x4xf32>) b2(%[[HALF]] : tensor<2x16xf32>) activation relu2

// EP-LABEL: func.func @layer_bias(
// EP-SAME: %[[W1:[a-z0-9]+]]: tensor<2x8x16xf32> {moe.shard = ["ep", "tp", ""], moe.weight = "w1"}
// EP-SAME: %[[B1:[a-z0-9]+]]: tensor<2x8xf32> {moe.shard = ["ep", "tp"], moe.weight = "b1"}
// EP-SAME: %[[B2:[a-z0-9]+]]: tensor<2x16xf32> {moe.shard = ["ep", ""], moe.weight = "b2"}
// EP-NOT: arith.divf
// EP: moe.experts {{.*}} b1(%[[B1]] : tensor<2x8xf32>) b2(%[[B2]] : tensor<2x16xf32>) activation relu2
func.func @layer_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32> {moe.weight = "wg"}, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %b1: tensor<4x8xf32> {moe.weight = "b1"}, %b2: tensor<4x16xf32> {moe.weight = "b2"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b2(%b2 : tensor<4x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The biases of a decomposed layer's moe.experts are sliced the same way.
// TP-LABEL: func.func @experts_bias(
// TP-SAME: %{{[a-z0-9]+}}: tensor<2x4x16xf32> {moe.shard = ["ep", "tp", ""], moe.weight = "w1"}
// TP-SAME: %[[B1:[a-z0-9]+]]: tensor<2x4xf32> {moe.shard = ["ep", "tp"], moe.weight = "b1"}
// TP-SAME: %[[B3:[a-z0-9]+]]: tensor<2x4xf32> {moe.shard = ["ep", "tp"], moe.weight = "b3"}
// TP: moe.experts {{.*}} b1(%[[B1]] : tensor<2x4xf32>) b3(%[[B3]] : tensor<2x4xf32>) activation silu
// EP-LABEL: func.func @experts_bias(
// EP-SAME: %{{[a-z0-9]+}}: tensor<2x8xf32> {moe.shard = ["ep", "tp"], moe.weight = "b1"}
func.func @experts_bias(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %acc: tensor<?x16xf32>, %w1: tensor<4x8x16xf32> {moe.weight = "w1"}, %w3: tensor<4x8x16xf32> {moe.weight = "w3"}, %w2: tensor<4x16x8xf32> {moe.weight = "w2"}, %b1: tensor<4x8xf32> {moe.weight = "b1"}, %b3: tensor<4x8xf32> {moe.weight = "b3"}) -> tensor<?x16xf32> {
  %rows, %o, %tok, %rw = moe.dispatch %x, %i, %w experts 4 : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xf32>) activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}
