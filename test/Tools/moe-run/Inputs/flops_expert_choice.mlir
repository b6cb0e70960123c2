// T = 8, D = 4, E = 4, F = 6, expert choice with C = 3, non-gated experts.
func.func @forward(
    %x: tensor<?x4xf32>,
    %gate: tensor<4x4xf32> {moe.weight = "gate"},
    %w1: tensor<4x6x4xf32> {moe.weight = "w1"},
    %w2: tensor<4x4x6xf32> {moe.weight = "w2"}) -> tensor<?x4xf32> {
  %y = moe.layer %x router(%gate : tensor<4x4xf32>)
         w1(%w1 : tensor<4x6x4xf32>) w2(%w2 : tensor<4x4x6xf32>)
         routing #moe.expert_choice<capacity = 3>
         activation gelu_erf : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
