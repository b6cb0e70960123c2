// y = 2 · x for x: [T, 262144], T from the input.
func.func @forward(%x: tensor<?x262144xf32>) -> tensor<?x262144xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x262144xf32>
  %empty = tensor.empty(%t) : tensor<?x262144xf32>
  %y = linalg.generic
      {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                        affine_map<(d0, d1) -> (d0, d1)>],
       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x262144xf32>) outs(%empty : tensor<?x262144xf32>) {
  ^bb0(%in: f32, %out: f32):
    %two = arith.constant 2.0 : f32
    %r = arith.mulf %in, %two : f32
    linalg.yield %r : f32
  } -> tensor<?x262144xf32>
  return %y : tensor<?x262144xf32>
}
