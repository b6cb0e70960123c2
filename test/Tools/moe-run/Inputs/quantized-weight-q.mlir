// A tiny int8 layer whose q arguments are weights (moe.weight) and whose
// scales are not: --random-inputs draws the scales with their q, once.
func.func @forward(
    %x: tensor<?x64xf32>,
    %gate: tensor<4x64xf32> {moe.weight = "gate.weight"},
    %w1_q: tensor<4x96x64xi8> {moe.weight = "experts.{e}.w1.weight"},
    %w3_q: tensor<4x96x64xi8> {moe.weight = "experts.{e}.w3.weight"},
    %w2_q: tensor<4x64x96xi8> {moe.weight = "experts.{e}.w2.weight"},
    %w1_scales: tensor<4x96x1xf32>,
    %w3_scales: tensor<4x96x1xf32>,
    %w2_scales: tensor<4x64x1xf32>)
    -> tensor<?x64xf32> {
  %w1 = moe.dequantize %w1_q scales(%w1_scales : tensor<4x96x1xf32>) block [1, 64] : tensor<4x96x64xi8> -> tensor<4x96x64xf32>
  %w3 = moe.dequantize %w3_q scales(%w3_scales : tensor<4x96x1xf32>) block [1, 64] : tensor<4x96x64xi8> -> tensor<4x96x64xf32>
  %w2 = moe.dequantize %w2_q scales(%w2_scales : tensor<4x64x1xf32>) block [1, 96] : tensor<4x64x96xi8> -> tensor<4x64x96xf32>

  %y = moe.layer %x router(%gate : tensor<4x64xf32>)
         w1(%w1 : tensor<4x96x64xf32>) w3(%w3 : tensor<4x96x64xf32>)
         w2(%w2 : tensor<4x64x96xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
