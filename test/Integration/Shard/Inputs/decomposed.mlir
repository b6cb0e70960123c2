// A decomposed layer (route, dispatch, experts, combine) whose router
// logits and combine accumulator are arguments: one row per token, like x.
func.func @forward(%x: tensor<?x32xf32>, %logits: tensor<?x8xf32>,
                      %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>,
                      %acc: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %w, %i = moe.route %logits <k = 2, scoring = softmax>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
      : tensor<?x32xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x32xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<9xi32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         activation relu : tensor<?x32xf32> -> tensor<?x32xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x32xf32> -> tensor<?x32xf32>
  return %out : tensor<?x32xf32>
}
