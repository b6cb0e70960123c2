// Packed 4-bit moe.dequantize whose operands are arguments, returned with
// their results, so that a test can check what --random-inputs draws for
// them: int4 symmetric in [1, 8] blocks, int4 with zero points and bf16
// scales in [1, 5] blocks (a partial block at the end of each row), and
// mxfp4 (e2m1 values, e8m0 scales) in [1, 16] blocks.
func.func @forward(%x: tensor<?x3xf32>,
                   %p: tensor<3x8xi8> {moe.weight = "p"},
                   %ps: tensor<3x2xf32> {moe.weight = "ps"},
                   %a: tensor<2x10xi8> {moe.weight = "a"},
                   %as: tensor<2x4xbf16> {moe.weight = "as"},
                   %az: tensor<2x4xi8> {moe.weight = "az"},
                   %m: tensor<4x16xi8> {moe.weight = "m"},
                   %ms: tensor<4x2xf8E8M0FNU> {moe.weight = "ms"})
    -> (tensor<3x8xi8>, tensor<3x2xf32>, tensor<2x10xi8>, tensor<2x4xbf16>,
        tensor<2x4xi8>, tensor<4x16xi8>, tensor<4x2xf8E8M0FNU>,
        tensor<3x16xf32>, tensor<2x20xf32>, tensor<4x32xf32>) {
  %dp = moe.dequantize %p packed int4 scales(%ps : tensor<3x2xf32>)
          block [1, 8] : tensor<3x8xi8> -> tensor<3x16xf32>
  %da = moe.dequantize %a packed int4 scales(%as : tensor<2x4xbf16>)
          zero_points(%az : tensor<2x4xi8>) block [1, 5]
          : tensor<2x10xi8> -> tensor<2x20xf32>
  %dm = moe.dequantize %m packed e2m1 scales(%ms : tensor<4x2xf8E8M0FNU>)
          block [1, 16] : tensor<4x16xi8> -> tensor<4x32xf32>
  return %p, %ps, %a, %as, %az, %m, %ms, %dp, %da, %dm
      : tensor<3x8xi8>, tensor<3x2xf32>, tensor<2x10xi8>, tensor<2x4xbf16>,
        tensor<2x4xi8>, tensor<4x16xi8>, tensor<4x2xf8E8M0FNU>,
        tensor<3x16xf32>, tensor<2x20xf32>, tensor<4x32xf32>
}
