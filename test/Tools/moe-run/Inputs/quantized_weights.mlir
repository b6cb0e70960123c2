// Returns its quantized weights: int8 experts stacked from one checkpoint
// tensor per expert ({e}), and an fp8 e4m3fn tensor (written back decoded,
// as f32).
func.func @forward(%x: tensor<?x2xf32>,
                   %q: tensor<2x2x3xi8> {moe.weight = "experts.{e}.q"},
                   %p: tensor<4xf8E4M3FN> {moe.weight = "p"})
    -> (tensor<2x2x3xi8>, tensor<4xf8E4M3FN>) {
  return %q, %p : tensor<2x2x3xi8>, tensor<4xf8E4M3FN>
}
