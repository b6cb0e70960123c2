// moe.all_to_all has no single-process lowering: moe-cpu-pipeline rejects it.
func.func @forward(%rows: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %counts = arith.constant dense<[4, 4]> : tensor<2xi32>
  %recv, %recv_counts = moe.all_to_all %rows, %counts ranks 2
      : tensor<8x4xf32>, tensor<2xi32> -> tensor<8x4xf32>, tensor<2xi32>
  return %recv : tensor<8x4xf32>
}
