// Returns its arguments, so that a test can read back what moe-run bound:
// an input with a dynamic token dimension, an f32 weight and a bf16 weight.
func.func @forward(%x: tensor<?x3xf32>,
                   %w: tensor<2x5xf32> {moe.weight = "w"},
                   %b: tensor<4x7xbf16> {moe.weight = "b"})
    -> (tensor<?x3xf32>, tensor<2x5xf32>, tensor<4x7xbf16>) {
  return %x, %w, %b : tensor<?x3xf32>, tensor<2x5xf32>, tensor<4x7xbf16>
}
