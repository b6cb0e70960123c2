// Executes the moe-to-linalg lowering of moe.grouped_matmul, moe.experts and
// moe.combine on small inputs whose results follow by hand from the op
// descriptions.
//
// RUN: moe-opt %s --moe-to-linalg %lower_to_llvm | %mlir_runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<?x?xf32>) {
  %u = tensor.cast %t : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Rows 0 | 1 2 3 | 4 (outside every group, so zero). rhs[0] maps [a, b] to
// [a, b, a + b]; rhs[1] to [2a, 2b, a - b].
// CHECK-LABEL: grouped_matmul
// CHECK: data =
// CHECK-NEXT: [1, 2, 3],
// CHECK-NEXT: [6, 8, -1],
// CHECK-NEXT: [10, 12, -1],
// CHECK-NEXT: [14, 16, -1],
// CHECK-NEXT: [0, 0, 0]]
func.func @grouped_matmul() {
  %rows = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 9.0]]>
      : tensor<5x2xf32>
  %rd = tensor.cast %rows : tensor<5x2xf32> to tensor<?x2xf32>
  %off = arith.constant dense<[0, 1, 4]> : tensor<3xi32>
  %w = arith.constant dense<[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                             [[2.0, 0.0], [0.0, 2.0], [1.0, -1.0]]]> : tensor<2x3x2xf32>
  %r = moe.grouped_matmul %rd, %w offsets(%off : tensor<3xi32>)
         : tensor<?x2xf32>, tensor<2x3x2xf32> -> tensor<?x3xf32>
  %p = tensor.cast %r : tensor<?x3xf32> to tensor<?x?xf32>
  call @print(%p) : (tensor<?x?xf32>) -> ()
  return
}

// w1 = I, w3 = 2·I; w2 = I for expert 0 and 3·I for expert 1. Non-gated
// relu experts compute w2·relu(x), gated ones w2·(relu(x) ⊙ 2x). Offsets
// [-3, 1, 9] over 3 rows are clamped to [0, 1, 3]: row 0 is expert 0's,
// rows 1-2 expert 1's.
// CHECK-LABEL: experts
// CHECK: data =
// CHECK-NEXT: [1, 0],
// CHECK-NEXT: [0, 9],
// CHECK-NEXT: [0, 0]]
// CHECK: data =
// CHECK-NEXT: [2, 0],
// CHECK-NEXT: [0, 54],
// CHECK-NEXT: [0, 0]]
func.func @experts() {
  %rows = arith.constant dense<[[1.0, -2.0], [-1.0, 3.0], [-4.0, -5.0]]> : tensor<3x2xf32>
  %off = arith.constant dense<[-3, 1, 9]> : tensor<3xi32>
  %w1 = arith.constant dense<[[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]>
      : tensor<2x2x2xf32>
  %w3 = arith.constant dense<[[[2.0, 0.0], [0.0, 2.0]], [[2.0, 0.0], [0.0, 2.0]]]>
      : tensor<2x2x2xf32>
  %w2 = arith.constant dense<[[[1.0, 0.0], [0.0, 1.0]], [[3.0, 0.0], [0.0, 3.0]]]>
      : tensor<2x2x2xf32>
  %y = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x2x2xf32>)
         w2(%w2 : tensor<2x2x2xf32>) activation relu : tensor<3x2xf32> -> tensor<3x2xf32>
  %g = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x2x2xf32>)
         w3(%w3 : tensor<2x2x2xf32>) w2(%w2 : tensor<2x2x2xf32>) activation relu
         : tensor<3x2xf32> -> tensor<3x2xf32>
  %yp = tensor.cast %y : tensor<3x2xf32> to tensor<?x?xf32>
  %gp = tensor.cast %g : tensor<3x2xf32> to tensor<?x?xf32>
  call @print(%yp) : (tensor<?x?xf32>) -> ()
  call @print(%gp) : (tensor<?x?xf32>) -> ()
  return
}

// result = acc; t0 += 2·rows[2]; t2 += 0.5·rows[0] + 1·rows[3]; rows with
// token -1 or 3 (T = 3) are skipped. The bf16 accumulator holds exact
// values here.
// CHECK-LABEL: combine
// CHECK: data =
// CHECK-NEXT: [11, 13],
// CHECK-NEXT: [2, 2],
// CHECK-NEXT: [10.5, 12]]
func.func @combine() {
  %rows = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 9.0]]>
      : tensor<5x2xf32>
  %tok = arith.constant dense<[2, -1, 0, 2, 3]> : tensor<5xi32>
  %w = arith.constant dense<[0.5, 100.0, 2.0, 1.0, 7.0]> : tensor<5xf32>
  %acc = arith.constant dense<[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]> : tensor<3x2xbf16>
  %rd = tensor.cast %rows : tensor<5x2xf32> to tensor<?x2xf32>
  %td = tensor.cast %tok : tensor<5xi32> to tensor<?xi32>
  %wd = tensor.cast %w : tensor<5xf32> to tensor<?xf32>
  %r = moe.combine %rd tokens(%td : tensor<?xi32>) weights(%wd : tensor<?xf32>) into %acc
         : tensor<?x2xf32> -> tensor<3x2xbf16>
  %e0 = tensor.empty() : tensor<3x2xf32>
  %e = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<3x2xbf16>) outs(%e0 : tensor<3x2xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %v = arith.extf %in : bf16 to f32
    linalg.yield %v : f32
  } -> tensor<3x2xf32>
  %p = tensor.cast %e : tensor<3x2xf32> to tensor<?x?xf32>
  call @print(%p) : (tensor<?x?xf32>) -> ()
  return
}

func.func @main() {
  vector.print str "grouped_matmul\n"
  call @grouped_matmul() : () -> ()
  vector.print str "experts\n"
  call @experts() : () -> ()
  vector.print str "combine\n"
  call @combine() : () -> ()
  return
}
