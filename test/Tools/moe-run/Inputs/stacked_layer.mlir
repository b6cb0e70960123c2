// A layer with S = 2 stacked shared experts (flops-steps.test).
func.func @forward(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s3: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w3(%s3 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
