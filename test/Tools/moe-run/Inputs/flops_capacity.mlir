// T = 8, D = 4, E = 4, F = 6, top-2, gated, capacity_factor 0.5, and a gated
// shared expert with S = 5 and a sigmoid gate.
func.func @forward(
    %x: tensor<8x4xf32>,
    %gate: tensor<4x4xf32> {moe.weight = "gate"},
    %w1: tensor<4x6x4xf32> {moe.weight = "w1"},
    %w3: tensor<4x6x4xf32> {moe.weight = "w3"},
    %w2: tensor<4x4x6xf32> {moe.weight = "w2"},
    %sw1: tensor<5x4xf32> {moe.weight = "sw1"},
    %sw3: tensor<5x4xf32> {moe.weight = "sw3"},
    %sw2: tensor<4x5xf32> {moe.weight = "sw2"},
    %sg: tensor<1x4xf32> {moe.weight = "sg"}) -> tensor<8x4xf32> {
  %y = moe.layer %x router(%gate : tensor<4x4xf32>)
         w1(%w1 : tensor<4x6x4xf32>) w3(%w3 : tensor<4x6x4xf32>)
         w2(%w2 : tensor<4x4x6xf32>)
         shared_w1(%sw1 : tensor<5x4xf32>) shared_w3(%sw3 : tensor<5x4xf32>)
         shared_w2(%sw2 : tensor<4x5xf32>) shared_gate(%sg : tensor<1x4xf32>)
         routing #moe.routing<k = 2, scoring = softmax>
         activation silu drop position capacity_factor 0.5
         : tensor<8x4xf32> -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}
