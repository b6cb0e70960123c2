// One moe.dispatch returned whole, for checking a layout's rows, offsets,
// row tokens and row weights: x [32, 16] and router logits [32, 4] are both
// inputs, top-2 softmax routing (not renormalized). The results are
// declared with a dynamic row count so that any layout fits the signature.
func.func @forward(%x: tensor<32x16xf32>, %logits: tensor<32x4xf32>)
    -> (tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>) {
  %w, %i = moe.route %logits <k = 2, scoring = softmax>
             : tensor<32x4xf32> -> tensor<32x2xf32>, tensor<32x2xi32>
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<32x16xf32>, tensor<32x2xi32>, tensor<32x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %offsets, %tok, %rw
      : tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
}
