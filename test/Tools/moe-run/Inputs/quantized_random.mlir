// Three moe.dequantize whose operands are arguments, returned with their
// results, so that a test can check what --random-inputs draws for them:
// int8 symmetric in [2, 3] blocks, fp8 e4m3fn with bf16 scales in [2, 16]
// blocks (partial blocks at the edges), and int8 with zero points in [1, 4]
// blocks; %c is an i8 input of no moe.dequantize.
func.func @forward(%x: tensor<?x3xf32>,
                   %q: tensor<2x4x6xi8> {moe.weight = "q"},
                   %s: tensor<2x2x2xf32> {moe.weight = "s"},
                   %f: tensor<17x40xf8E4M3FN> {moe.weight = "f"},
                   %fs: tensor<9x3xbf16> {moe.weight = "fs"},
                   %a: tensor<3x7xi8> {moe.weight = "a"},
                   %as: tensor<3x2xf32> {moe.weight = "as"},
                   %az: tensor<3x2xi8> {moe.weight = "az"},
                   %c: tensor<64xi8>)
    -> (tensor<2x4x6xi8>, tensor<2x2x2xf32>, tensor<17x40xf8E4M3FN>,
        tensor<9x3xbf16>, tensor<3x7xi8>, tensor<3x2xf32>, tensor<3x2xi8>,
        tensor<64xi8>, tensor<2x4x6xf32>, tensor<17x40xf32>, tensor<3x7xf32>) {
  %dq = moe.dequantize %q scales(%s : tensor<2x2x2xf32>) block [2, 3]
          : tensor<2x4x6xi8> -> tensor<2x4x6xf32>
  %df = moe.dequantize %f scales(%fs : tensor<9x3xbf16>) block [2, 16]
          : tensor<17x40xf8E4M3FN> -> tensor<17x40xf32>
  %da = moe.dequantize %a scales(%as : tensor<3x2xf32>)
          zero_points(%az : tensor<3x2xi8>) block [1, 4]
          : tensor<3x7xi8> -> tensor<3x7xf32>
  return %q, %s, %f, %fs, %a, %as, %az, %c, %dq, %df, %da
      : tensor<2x4x6xi8>, tensor<2x2x2xf32>, tensor<17x40xf8E4M3FN>,
        tensor<9x3xbf16>, tensor<3x7xi8>, tensor<3x2xf32>, tensor<3x2xi8>,
        tensor<64xi8>, tensor<2x4x6xf32>, tensor<17x40xf32>, tensor<3x7xf32>
}
