// matmul.mlir with the weight read through a moe.weight_view: the checkpoint
// stores proj.weight transposed, [4, 3].
func.func @forward(%x: tensor<?x4xf32>,
                   %w: tensor<3x4xf32> {moe.weight = "proj.weight",
                        moe.weight_view = {shape = array<i64: 4, 3>,
                                           transpose}})
    -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x4xf32>
  %empty = tensor.empty(%t) : tensor<?x3xf32>
  %zero = arith.constant 0.0 : f32
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x3xf32>)
      -> tensor<?x3xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : tensor<?x4xf32>, tensor<3x4xf32>)
      outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
