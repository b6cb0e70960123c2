// RUN: moe-opt %s --moe-raise=remarks=true -split-input-file -verify-diagnostics \
// RUN:   | FileCheck %s

// Near misses of the dense MoE forms (see moe-raise.mlir): each differs from
// a raisable layer in one detail that changes its semantics, so the pass
// leaves it untouched and, with remarks=true, says why on the candidate.
// Written by test/Integration/Raise/Inputs/dense_moe.py with the options in
// the comment before each function.

// exp(l) / sum exp(l): equal in exact arithmetic, but it overflows.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --mutate no-max-sub
// CHECK-LABEL: func.func @softmax_without_max_subtraction(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @softmax_without_max_subtraction(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<4x4xf32>) outs(%e5 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %e = math.exp %a0 : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e7 = tensor.empty() : tensor<4xf32>
  %c8 = arith.constant 0.0 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<4xf32>) -> tensor<4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g6 : tensor<4x4xf32>) outs(%f9 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e11 = tensor.empty() : tensor<4x4xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g10 : tensor<4x4xf32>, tensor<4xf32>) outs(%e11 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e13 = tensor.empty() : tensor<4xf32>
  %c14 = arith.constant 0xFF800000 : f32
  %f15 = linalg.fill ins(%c14 : f32) outs(%e13 : tensor<4xf32>) -> tensor<4xf32>
  %e16 = tensor.empty() : tensor<4xi64>
  %c17 = arith.constant 0 : i64
  %f18 = linalg.fill ins(%c17 : i64) outs(%e16 : tensor<4xi64>) -> tensor<4xi64>
  %g19:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g12 : tensor<4x4xf32>) outs(%f15, %f18 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e20 = tensor.empty() : tensor<4x4xf32>
  %g21 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g12, %g19#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e20 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e22 = tensor.empty() : tensor<4xf32>
  %c23 = arith.constant 0xFF800000 : f32
  %f24 = linalg.fill ins(%c23 : f32) outs(%e22 : tensor<4xf32>) -> tensor<4xf32>
  %e25 = tensor.empty() : tensor<4xi64>
  %c26 = arith.constant 0 : i64
  %f27 = linalg.fill ins(%c26 : i64) outs(%e25 : tensor<4xi64>) -> tensor<4xi64>
  %g28:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g21 : tensor<4x4xf32>) outs(%f24, %f27 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e29 = tensor.empty() : tensor<4x4xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g19#1 : tensor<4xi64>) outs(%e29 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e31 = tensor.empty() : tensor<4x4xf32>
  %g32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g28#1 : tensor<4xi64>) outs(%e31 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g30, %g32 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g12, %g34 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4x4xf32>
  %xb38 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e37 : tensor<4x4x4xf32>) dimensions = [0]
  %e39 = tensor.empty() : tensor<4x4x4xf32>
  %wt40 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e39 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm44 = linalg.batch_matmul ins(%xb38, %wt40 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f43 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %wt46 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e45 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %c48 = arith.constant 0.0 : f32
  %f49 = linalg.fill ins(%c48 : f32) outs(%e47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm50 = linalg.batch_matmul ins(%xb38, %wt46 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f49 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm44, %bmm50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e51 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %wt54 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e53 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %c56 = arith.constant 0.0 : f32
  %f57 = linalg.fill ins(%c56 : f32) outs(%e55 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm58 = linalg.batch_matmul ins(%g52, %wt54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f57 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e59 = tensor.empty() : tensor<4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{softmax without the max subtraction: exp(l) / sum exp(l) overflows where moe.route's softmax does not}}
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36, %bmm58 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g62 : tensor<4x4xf32>
}

// -----

// The softmax sum reduces over the tokens (wrong reduction dimension).
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --mutate sum-over-tokens
// CHECK-LABEL: func.func @softmax_sum_over_tokens(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @softmax_sum_over_tokens(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %xb42 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e41 : tensor<4x4x4xf32>) dimensions = [0]
  %e43 = tensor.empty() : tensor<4x4x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e43 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{softmax: the normalizing sum is not over the experts dimension}}
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f65 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g66 : tensor<4x4xf32>
}

// -----

// Renormalization with 1e-6 instead of moe.route's 1e-20 (a different constant).
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --scoring sigmoid --normalize 1 --mutate eps
// CHECK-LABEL: func.func @sigmoid_other_epsilon(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @sigmoid_other_epsilon(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<4x4xf32>) outs(%e5 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e7 = tensor.empty() : tensor<4xf32>
  %c8 = arith.constant 0xFF800000 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<4xf32>) -> tensor<4xf32>
  %e10 = tensor.empty() : tensor<4xi64>
  %c11 = arith.constant 0 : i64
  %f12 = linalg.fill ins(%c11 : i64) outs(%e10 : tensor<4xi64>) -> tensor<4xi64>
  %g13:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g6 : tensor<4x4xf32>) outs(%f9, %f12 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e14 = tensor.empty() : tensor<4x4xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g13#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e14 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e16 = tensor.empty() : tensor<4xf32>
  %c17 = arith.constant 0xFF800000 : f32
  %f18 = linalg.fill ins(%c17 : f32) outs(%e16 : tensor<4xf32>) -> tensor<4xf32>
  %e19 = tensor.empty() : tensor<4xi64>
  %c20 = arith.constant 0 : i64
  %f21 = linalg.fill ins(%c20 : i64) outs(%e19 : tensor<4xi64>) -> tensor<4xi64>
  %g22:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g15 : tensor<4x4xf32>) outs(%f18, %f21 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e23 = tensor.empty() : tensor<4x4xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g13#1 : tensor<4xi64>) outs(%e23 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e25 = tensor.empty() : tensor<4x4xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g22#1 : tensor<4xi64>) outs(%e25 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e27 = tensor.empty() : tensor<4x4xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g24, %g26 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e27 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e29 = tensor.empty() : tensor<4x4xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g28 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e29 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e31 = tensor.empty() : tensor<4xf32>
  %c32 = arith.constant 0.0 : f32
  %f33 = linalg.fill ins(%c32 : f32) outs(%e31 : tensor<4xf32>) -> tensor<4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g30 : tensor<4x4xf32>) outs(%f33 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g30, %g34 : tensor<4x4xf32>, tensor<4xf32>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %eps = arith.constant 1.0e-06 : f32
    %den = arith.addf %a1, %eps : f32
    %r = arith.divf %a0, %den : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4x4xf32>
  %xb38 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e37 : tensor<4x4x4xf32>) dimensions = [0]
  %e39 = tensor.empty() : tensor<4x4x4xf32>
  %wt40 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e39 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm44 = linalg.batch_matmul ins(%xb38, %wt40 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f43 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %wt46 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e45 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %c48 = arith.constant 0.0 : f32
  %f49 = linalg.fill ins(%c48 : f32) outs(%e47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm50 = linalg.batch_matmul ins(%xb38, %wt46 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f49 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm44, %bmm50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e51 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %wt54 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e53 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %c56 = arith.constant 0.0 : f32
  %f57 = linalg.fill ins(%c56 : f32) outs(%e55 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm58 = linalg.batch_matmul ins(%g52, %wt54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f57 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e59 = tensor.empty() : tensor<4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the routing weights are renormalized with epsilon 1e-06; moe.route adds 1e-20}}
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36, %bmm58 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g62 : tensor<4x4xf32>
}

// -----

// Softmax weights renormalized with an epsilon (moe.route adds none; 1e-20,
// which cannot change the sum, would be accepted).
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --normalize 1 --mutate eps
// CHECK-LABEL: func.func @softmax_with_epsilon(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @softmax_with_epsilon(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4xf32>) -> tensor<4xf32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g40 : tensor<4x4xf32>) outs(%f43 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e45 = tensor.empty() : tensor<4x4xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g40, %g44 : tensor<4x4xf32>, tensor<4xf32>) outs(%e45 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %eps = arith.constant 1.0e-06 : f32
    %den = arith.addf %a1, %eps : f32
    %r = arith.divf %a0, %den : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %xb48 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e47 : tensor<4x4x4xf32>) dimensions = [0]
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb48, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %wt56 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %c58 = arith.constant 0.0 : f32
  %f59 = linalg.fill ins(%c58 : f32) outs(%e57 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm60 = linalg.batch_matmul ins(%xb48, %wt56 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e61 = tensor.empty() : tensor<4x4x4xf32>
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm54, %bmm60 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e61 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4x4xf32>
  %wt64 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e63 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g62, %wt64 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e69 = tensor.empty() : tensor<4x4xf32>
  %c70 = arith.constant 0.0 : f32
  %f71 = linalg.fill ins(%c70 : f32) outs(%e69 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the routing weights are renormalized with epsilon 1e-06; moe.route adds none}}
  %g72 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g46, %bmm68 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f71 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g72 : tensor<4x4xf32>
}

// -----

// Sigmoid weights renormalized without the epsilon.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --scoring sigmoid --normalize 1 --mutate no-eps
// CHECK-LABEL: func.func @sigmoid_without_epsilon(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @sigmoid_without_epsilon(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<4x4xf32>) outs(%e5 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e7 = tensor.empty() : tensor<4xf32>
  %c8 = arith.constant 0xFF800000 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<4xf32>) -> tensor<4xf32>
  %e10 = tensor.empty() : tensor<4xi64>
  %c11 = arith.constant 0 : i64
  %f12 = linalg.fill ins(%c11 : i64) outs(%e10 : tensor<4xi64>) -> tensor<4xi64>
  %g13:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g6 : tensor<4x4xf32>) outs(%f9, %f12 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e14 = tensor.empty() : tensor<4x4xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g13#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e14 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e16 = tensor.empty() : tensor<4xf32>
  %c17 = arith.constant 0xFF800000 : f32
  %f18 = linalg.fill ins(%c17 : f32) outs(%e16 : tensor<4xf32>) -> tensor<4xf32>
  %e19 = tensor.empty() : tensor<4xi64>
  %c20 = arith.constant 0 : i64
  %f21 = linalg.fill ins(%c20 : i64) outs(%e19 : tensor<4xi64>) -> tensor<4xi64>
  %g22:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g15 : tensor<4x4xf32>) outs(%f18, %f21 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e23 = tensor.empty() : tensor<4x4xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g13#1 : tensor<4xi64>) outs(%e23 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e25 = tensor.empty() : tensor<4x4xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g22#1 : tensor<4xi64>) outs(%e25 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e27 = tensor.empty() : tensor<4x4xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g24, %g26 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e27 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e29 = tensor.empty() : tensor<4x4xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g28 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e29 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e31 = tensor.empty() : tensor<4xf32>
  %c32 = arith.constant 0.0 : f32
  %f33 = linalg.fill ins(%c32 : f32) outs(%e31 : tensor<4xf32>) -> tensor<4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g30 : tensor<4x4xf32>) outs(%f33 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g30, %g34 : tensor<4x4xf32>, tensor<4xf32>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4x4xf32>
  %xb38 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e37 : tensor<4x4x4xf32>) dimensions = [0]
  %e39 = tensor.empty() : tensor<4x4x4xf32>
  %wt40 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e39 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm44 = linalg.batch_matmul ins(%xb38, %wt40 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f43 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %wt46 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e45 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %c48 = arith.constant 0.0 : f32
  %f49 = linalg.fill ins(%c48 : f32) outs(%e47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm50 = linalg.batch_matmul ins(%xb38, %wt46 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f49 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm44, %bmm50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e51 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %wt54 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e53 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %c56 = arith.constant 0.0 : f32
  %f57 = linalg.fill ins(%c56 : f32) outs(%e55 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm58 = linalg.batch_matmul ins(%g52, %wt54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f57 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e59 = tensor.empty() : tensor<4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{sigmoid routing weights renormalized without the 1e-20 epsilon of moe.route}}
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36, %bmm58 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g62 : tensor<4x4xf32>
}

// -----

// The router scores are also returned: an intermediate with another use.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --mutate extra-use
// CHECK-LABEL: func.func @scores_used_outside(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @scores_used_outside(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %xb42 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e41 : tensor<4x4x4xf32>) dimensions = [0]
  %e43 = tensor.empty() : tensor<4x4x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e43 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{an intermediate linalg.generic is also used outside the MoE pattern}}
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f65 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g66, %g16 : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// rank = #{e' : s[e'] > s[e]}: on equal scores more than k experts pass.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --topk rank --mutate rank-no-tiebreak
// CHECK-LABEL: func.func @rank_without_tie_break(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @rank_without_tie_break(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4x4xi32>
  %c18 = arith.constant 0 : i32
  %f19 = linalg.fill ins(%c18 : i32) outs(%e17 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g16, %g16 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f19 : tensor<4x4xi32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: i32):
    %gt = arith.cmpf ogt, %a0, %a1 : f32
    %one = arith.extui %gt : i1 to i32
    %r = arith.addi %o0, %one : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e21 = tensor.empty() : tensor<4x4xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g20 : tensor<4x4xf32>, tensor<4x4xi32>) outs(%e21 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i32, %o0: f32):
    %k = arith.constant 2 : i32
    %in = arith.cmpi slt, %a1, %k : i32
    %z = arith.constant 0.0 : f32
    %r = arith.select %in, %a0, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e23 = tensor.empty() : tensor<4x4x4xf32>
  %xb24 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e23 : tensor<4x4x4xf32>) dimensions = [0]
  %e25 = tensor.empty() : tensor<4x4x4xf32>
  %wt26 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e25 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e27 = tensor.empty() : tensor<4x4x4xf32>
  %c28 = arith.constant 0.0 : f32
  %f29 = linalg.fill ins(%c28 : f32) outs(%e27 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm30 = linalg.batch_matmul ins(%xb24, %wt26 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f29 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e31 = tensor.empty() : tensor<4x4x4xf32>
  %wt32 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e31 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e33 = tensor.empty() : tensor<4x4x4xf32>
  %c34 = arith.constant 0.0 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm36 = linalg.batch_matmul ins(%xb24, %wt32 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f35 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e37 = tensor.empty() : tensor<4x4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm30, %bmm36 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e37 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e39 = tensor.empty() : tensor<4x4x4xf32>
  %wt40 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e39 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm44 = linalg.batch_matmul ins(%g38, %wt40 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f43 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e45 = tensor.empty() : tensor<4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{top-k by counting strictly greater scores has no tie-break by expert index}}
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g22, %bmm44 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g48 : tensor<4x4xf32>
}

// -----

// The second argmax masks the first pick with 0 instead of -inf (as
// gates * (1 - mask) does): an underflowed score of 0 ties with it.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --mutate mask-zero
// CHECK-LABEL: func.func @argmax_masked_with_zero(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @argmax_masked_with_zero(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0.0 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %xb42 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e41 : tensor<4x4x4xf32>) dimensions = [0]
  %e43 = tensor.empty() : tensor<4x4x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e43 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the argmax chain masks earlier picks with 0, which a score can equal}}
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f65 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g66 : tensor<4x4xf32>
}

// -----

// The argmax reduces over the tokens (wrong reduction dimension).
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --k 1 --mutate argmax-tokens
// CHECK-LABEL: func.func @argmax_over_tokens(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @argmax_over_tokens(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %e23 = tensor.empty() : tensor<4xf32>
  %c24 = arith.constant 0xFF800000 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<4xf32>) -> tensor<4xf32>
  %e26 = tensor.empty() : tensor<4xi64>
  %c27 = arith.constant 0 : i64
  %f28 = linalg.fill ins(%c27 : i64) outs(%e26 : tensor<4xi64>) -> tensor<4xi64>
  %g29:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f25, %f28 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e30 = tensor.empty() : tensor<4x4xf32>
  %g31 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g29#1 : tensor<4xi64>) outs(%e30 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e32 = tensor.empty() : tensor<4x4xf32>
  %g33 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g31 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e32 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e34 = tensor.empty() : tensor<4x4x4xf32>
  %xb35 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e34 : tensor<4x4x4xf32>) dimensions = [0]
  %e36 = tensor.empty() : tensor<4x4x4xf32>
  %wt37 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e36 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e38 = tensor.empty() : tensor<4x4x4xf32>
  %c39 = arith.constant 0.0 : f32
  %f40 = linalg.fill ins(%c39 : f32) outs(%e38 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm41 = linalg.batch_matmul ins(%xb35, %wt37 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f40 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e42 = tensor.empty() : tensor<4x4x4xf32>
  %wt43 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e42 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e44 = tensor.empty() : tensor<4x4x4xf32>
  %c45 = arith.constant 0.0 : f32
  %f46 = linalg.fill ins(%c45 : f32) outs(%e44 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm47 = linalg.batch_matmul ins(%xb35, %wt43 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f46 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e48 = tensor.empty() : tensor<4x4x4xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm41, %bmm47 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e48 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e50 = tensor.empty() : tensor<4x4x4xf32>
  %wt51 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e50 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e52 = tensor.empty() : tensor<4x4x4xf32>
  %c53 = arith.constant 0.0 : f32
  %f54 = linalg.fill ins(%c53 : f32) outs(%e52 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm55 = linalg.batch_matmul ins(%g49, %wt51 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f54 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e56 = tensor.empty() : tensor<4x4xf32>
  %c57 = arith.constant 0.0 : f32
  %f58 = linalg.fill ins(%c57 : f32) outs(%e56 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{a one-hot predicate compares the expert index with a value that is not a per-token argmax}}
  %g59 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g33, %bmm55 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f58 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g59 : tensor<4x4xf32>
}

// -----

// tanh-GELU with 0.04 instead of 0.044715.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --act gelu_tanh --mutate gelu-const
// CHECK-LABEL: func.func @gelu_tanh_other_constant(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @gelu_tanh_other_constant(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %xb42 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e41 : tensor<4x4x4xf32>) dimensions = [0]
  %e43 = tensor.empty() : tensor<4x4x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e43 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %gc1 = arith.constant 0.797884583 : f32
    %gc2 = arith.constant 0.04 : f32
    %x2 = arith.mulf %a0, %a0 : f32
    %x3 = arith.mulf %x2, %a0 : f32
    %t3 = arith.mulf %gc2, %x3 : f32
    %in = arith.addf %a0, %t3 : f32
    %arg = arith.mulf %gc1, %in : f32
    %th = math.tanh %arg : f32
    %p1 = arith.addf %one, %th : f32
    %hx = arith.mulf %half, %a0 : f32
    %act = arith.mulf %hx, %p1 : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the expert activation is not silu, gelu_tanh, gelu_erf or relu (with these exact constants)}}
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f65 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g66 : tensor<4x4xf32>
}

// -----

// The top-k weights are divided by the sum of all scores, not of the k
// selected ones (the renormalization is missing).
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --normalize 1 --mutate norm-all
// CHECK-LABEL: func.func @normalized_by_all_scores(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @normalized_by_all_scores(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4xf32>) -> tensor<4xf32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f43 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e45 = tensor.empty() : tensor<4x4xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g40, %g44 : tensor<4x4xf32>, tensor<4xf32>) outs(%e45 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %xb48 = linalg.broadcast ins(%x : tensor<4x4xf32>) outs(%e47 : tensor<4x4x4xf32>) dimensions = [0]
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb48, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %wt56 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %c58 = arith.constant 0.0 : f32
  %f59 = linalg.fill ins(%c58 : f32) outs(%e57 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm60 = linalg.batch_matmul ins(%xb48, %wt56 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e61 = tensor.empty() : tensor<4x4x4xf32>
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm54, %bmm60 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e61 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4x4xf32>
  %wt64 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e63 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g62, %wt64 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e69 = tensor.empty() : tensor<4x4xf32>
  %c70 = arith.constant 0.0 : f32
  %f71 = linalg.fill ins(%c70 : f32) outs(%e69 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the routing weights are divided by a sum that is not the sum of the selected weights}}
  %g72 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g46, %bmm68 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f71 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g72 : tensor<4x4xf32>
}

// -----

// The experts read -x instead of x.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --mutate transposed-x
// CHECK-LABEL: func.func @experts_read_other_rows(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @experts_read_other_rows(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4x4xf32>
  %xb42 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e41 : tensor<4x4x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %ng = arith.negf %in : f32
    linalg.yield %ng : f32
  } -> tensor<4x4x4xf32>
  %e43 = tensor.empty() : tensor<4x4x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e43 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e49 = tensor.empty() : tensor<4x4x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e49 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e55 = tensor.empty() : tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{an expert up projection does not read the token rows}}
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%f65 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g66 : tensor<4x4xf32>
}

// -----

// Unrolled form with expert 3's term left out.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --form unrolled --mutate missing-expert
// CHECK-LABEL: func.func @unrolled_missing_expert(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @unrolled_missing_expert(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e35 = tensor.empty() : tensor<4x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e37 = tensor.empty() : tensor<4x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e37 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e39 = tensor.empty() : tensor<4x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e39 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e41 = tensor.empty() : tensor<4x4xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %sl44 = tensor.extract_slice %w1[0, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e45 = tensor.empty() : tensor<4x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm48 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl44 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f47 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %sl49 = tensor.extract_slice %w3[0, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e50 = tensor.empty() : tensor<4x4xf32>
  %c51 = arith.constant 0.0 : f32
  %f52 = linalg.fill ins(%c51 : f32) outs(%e50 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm53 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl49 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f52 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e54 = tensor.empty() : tensor<4x4xf32>
  %g55 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm48, %mm53 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e54 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %sl56 = tensor.extract_slice %w2[0, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e57 = tensor.empty() : tensor<4x4xf32>
  %c58 = arith.constant 0.0 : f32
  %f59 = linalg.fill ins(%c58 : f32) outs(%e57 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm60 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g55, %sl56 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f59 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %col61 = tensor.extract_slice %g40[0, 0] [4, 1] [1, 1] : tensor<4x4xf32> to tensor<4x1xf32>
  %e62 = tensor.empty() : tensor<4x4xf32>
  %g63 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col61, %mm60 : tensor<4x1xf32>, tensor<4x4xf32>) outs(%e62 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e64 = tensor.empty() : tensor<4x4xf32>
  %g65 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f43, %g63 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e64 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %sl66 = tensor.extract_slice %w1[1, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e67 = tensor.empty() : tensor<4x4xf32>
  %c68 = arith.constant 0.0 : f32
  %f69 = linalg.fill ins(%c68 : f32) outs(%e67 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm70 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl66 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f69 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %sl71 = tensor.extract_slice %w3[1, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e72 = tensor.empty() : tensor<4x4xf32>
  %c73 = arith.constant 0.0 : f32
  %f74 = linalg.fill ins(%c73 : f32) outs(%e72 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm75 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl71 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f74 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e76 = tensor.empty() : tensor<4x4xf32>
  %g77 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm70, %mm75 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e76 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %sl78 = tensor.extract_slice %w2[1, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e79 = tensor.empty() : tensor<4x4xf32>
  %c80 = arith.constant 0.0 : f32
  %f81 = linalg.fill ins(%c80 : f32) outs(%e79 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm82 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g77, %sl78 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f81 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %col83 = tensor.extract_slice %g40[0, 1] [4, 1] [1, 1] : tensor<4x4xf32> to tensor<4x1xf32>
  %e84 = tensor.empty() : tensor<4x4xf32>
  %g85 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col83, %mm82 : tensor<4x1xf32>, tensor<4x4xf32>) outs(%e84 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e86 = tensor.empty() : tensor<4x4xf32>
  %g87 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g65, %g85 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e86 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %sl88 = tensor.extract_slice %w1[2, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e89 = tensor.empty() : tensor<4x4xf32>
  %c90 = arith.constant 0.0 : f32
  %f91 = linalg.fill ins(%c90 : f32) outs(%e89 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm92 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl88 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f91 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %sl93 = tensor.extract_slice %w3[2, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e94 = tensor.empty() : tensor<4x4xf32>
  %c95 = arith.constant 0.0 : f32
  %f96 = linalg.fill ins(%c95 : f32) outs(%e94 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm97 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl93 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f96 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e98 = tensor.empty() : tensor<4x4xf32>
  %g99 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm92, %mm97 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e98 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %sl100 = tensor.extract_slice %w2[2, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> to tensor<4x4xf32>
  %e101 = tensor.empty() : tensor<4x4xf32>
  %c102 = arith.constant 0.0 : f32
  %f103 = linalg.fill ins(%c102 : f32) outs(%e101 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm104 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g99, %sl100 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f103 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %col105 = tensor.extract_slice %g40[0, 2] [4, 1] [1, 1] : tensor<4x4xf32> to tensor<4x1xf32>
  %e106 = tensor.empty() : tensor<4x4xf32>
  %g107 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col105, %mm104 : tensor<4x1xf32>, tensor<4x4xf32>) outs(%e106 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e108 = tensor.empty() : tensor<4x4xf32>
  // expected-remark @below {{expert 3 of 4 has no term in the sum}}
  %g109 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g87, %g107 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e108 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g109 : tensor<4x4xf32>
}

// -----

// GShard's own top-2 rule: the kept choices' weights are renormalized after
// the capacity drop, so a token whose second choice is dropped gets weight 1.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --form onehot --k 2 --normalize 1 --mutate norm-after-drop
// CHECK-LABEL: func.func @gshard_renormalized_after_drop(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @gshard_renormalized_after_drop(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e35 = tensor.empty() : tensor<4x4xi32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e37 = tensor.empty() : tensor<4x4xi32>
  %c38 = arith.constant 0 : i32
  %f39 = linalg.fill ins(%c38 : i32) outs(%e37 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g34 : tensor<4x4xi32>) outs(%f39 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e41 = tensor.empty() : tensor<4x4xi32>
  %c42 = arith.constant 0 : i32
  %f43 = linalg.fill ins(%c42 : i32) outs(%e41 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36 : tensor<4x4xi32>) outs(%f43 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e45 = tensor.empty() : tensor<4xi32>
  %c46 = arith.constant 0 : i32
  %f47 = linalg.fill ins(%c46 : i32) outs(%e45 : tensor<4xi32>) -> tensor<4xi32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g34 : tensor<4x4xi32>) outs(%f47 : tensor<4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %r = arith.addi %o0, %a0 : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %e49 = tensor.empty() : tensor<4x4xi32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g44, %g48 : tensor<4x4xi32>, tensor<4xi32>) outs(%e49 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: i32):
    %r = arith.addi %a0, %a1 : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g34, %g40, %g36, %g50 : tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>) outs(%e51 : tensor<4x4x4xf32>) {
  ^bb0(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %o0: f32):
    %c = linalg.index 2 : index
    %ci = arith.index_cast %c : index to i32
    %zi = arith.constant 0 : i32
    %cap0 = arith.constant 4 : i32
    %on0 = arith.cmpi ne, %a0, %zi : i32
    %at0 = arith.cmpi eq, %a1, %ci : i32
    %in0 = arith.cmpi slt, %a1, %cap0 : i32
    %k0 = arith.andi %on0, %in0 : i1
    %p0 = arith.andi %k0, %at0 : i1
    %fl0 = arith.uitofp %p0 : i1 to f32
    %cap1 = arith.constant 4 : i32
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %at1 = arith.cmpi eq, %a3, %ci : i32
    %in1 = arith.cmpi slt, %a3, %cap1 : i32
    %k1 = arith.andi %on1, %in1 : i1
    %p1 = arith.andi %k1, %at1 : i1
    %fl1 = arith.uitofp %p1 : i1 to f32
    %d = arith.addf %fl0, %fl1 : f32
    linalg.yield %d : f32
  } -> tensor<4x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g52, %x : tensor<4x4x4xf32>, tensor<4x4xf32>) outs(%f55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4x4xf32>
  %wt64 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e63 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g56, %wt64 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e69 = tensor.empty() : tensor<4x4x4xf32>
  %g70 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm62, %bmm68 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e69 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e71 = tensor.empty() : tensor<4x4x4xf32>
  %wt72 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e71 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e73 = tensor.empty() : tensor<4x4x4xf32>
  %c74 = arith.constant 0.0 : f32
  %f75 = linalg.fill ins(%c74 : f32) outs(%e73 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm76 = linalg.batch_matmul ins(%g70, %wt72 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f75 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e77 = tensor.empty() : tensor<4x4xf32>
  %g78 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g34, %g36, %g40, %g50 : tensor<4x4xf32>, tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>) outs(%e77 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i32, %a2: i32, %a3: i32, %a4: i32, %o0: f32):
    %zi = arith.constant 0 : i32
    %cap = arith.constant 4 : i32
    %on0 = arith.cmpi ne, %a1, %zi : i32
    %in0 = arith.cmpi slt, %a3, %cap : i32
    %k0 = arith.andi %on0, %in0 : i1
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %in1 = arith.cmpi slt, %a4, %cap : i32
    %k1 = arith.andi %on1, %in1 : i1
    %k = arith.ori %k0, %k1 : i1
    %z = arith.constant 0.0 : f32
    %r = arith.select %k, %a0, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e79 = tensor.empty() : tensor<4xf32>
  %c80 = arith.constant 0.0 : f32
  %f81 = linalg.fill ins(%c80 : f32) outs(%e79 : tensor<4xf32>) -> tensor<4xf32>
  %g82 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g78 : tensor<4x4xf32>) outs(%f81 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e83 = tensor.empty() : tensor<4x4xf32>
  %g84 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g78, %g82 : tensor<4x4xf32>, tensor<4xf32>) outs(%e83 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e85 = tensor.empty() : tensor<4x4x4xf32>
  %g86 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g84, %g52 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%e85 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e87 = tensor.empty() : tensor<4x4xf32>
  %c88 = arith.constant 0.0 : f32
  %f89 = linalg.fill ins(%c88 : f32) outs(%e87 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the combine weights are renormalized over the choices kept under capacity (GShard's rule); moe.layer renormalizes before dropping}}
  %g90 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g86, %bmm76 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f89 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g90 : tensor<4x4xf32>
}

// -----

// Second-choice positions count only second choices.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --form onehot --k 2 --mutate no-first-offset
// CHECK-LABEL: func.func @second_choice_not_after_first(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @second_choice_not_after_first(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e35 = tensor.empty() : tensor<4x4xi32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e37 = tensor.empty() : tensor<4x4xi32>
  %c38 = arith.constant 0 : i32
  %f39 = linalg.fill ins(%c38 : i32) outs(%e37 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g34 : tensor<4x4xi32>) outs(%f39 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e41 = tensor.empty() : tensor<4x4xi32>
  %c42 = arith.constant 0 : i32
  %f43 = linalg.fill ins(%c42 : i32) outs(%e41 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36 : tensor<4x4xi32>) outs(%f43 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e45 = tensor.empty() : tensor<4x4x4xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g34, %g40, %g36, %g44 : tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>) outs(%e45 : tensor<4x4x4xf32>) {
  ^bb0(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %o0: f32):
    %c = linalg.index 2 : index
    %ci = arith.index_cast %c : index to i32
    %zi = arith.constant 0 : i32
    %cap0 = arith.constant 4 : i32
    %on0 = arith.cmpi ne, %a0, %zi : i32
    %at0 = arith.cmpi eq, %a1, %ci : i32
    %in0 = arith.cmpi slt, %a1, %cap0 : i32
    %k0 = arith.andi %on0, %in0 : i1
    %p0 = arith.andi %k0, %at0 : i1
    %fl0 = arith.uitofp %p0 : i1 to f32
    %cap1 = arith.constant 4 : i32
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %at1 = arith.cmpi eq, %a3, %ci : i32
    %in1 = arith.cmpi slt, %a3, %cap1 : i32
    %k1 = arith.andi %on1, %in1 : i1
    %p1 = arith.andi %k1, %at1 : i1
    %fl1 = arith.uitofp %p1 : i1 to f32
    %d = arith.addf %fl0, %fl1 : f32
    linalg.yield %d : f32
  } -> tensor<4x4x4xf32>
  %e47 = tensor.empty() : tensor<4x4x4xf32>
  %c48 = arith.constant 0.0 : f32
  %f49 = linalg.fill ins(%c48 : f32) outs(%e47 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g46, %x : tensor<4x4x4xf32>, tensor<4x4xf32>) outs(%f49 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %wt52 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e51 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm56 = linalg.batch_matmul ins(%g50, %wt52 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f55 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g50, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4x4xf32>
  %g64 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm56, %bmm62 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e63 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %wt66 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e65 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e67 = tensor.empty() : tensor<4x4x4xf32>
  %c68 = arith.constant 0.0 : f32
  %f69 = linalg.fill ins(%c68 : f32) outs(%e67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm70 = linalg.batch_matmul ins(%g64, %wt66 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f69 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e71 = tensor.empty() : tensor<4x4xf32>
  %g72 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e71 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e73 = tensor.empty() : tensor<4x4xf32>
  %g74 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e73 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e75 = tensor.empty() : tensor<4x4xf32>
  %g76 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g72, %g74 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e75 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e77 = tensor.empty() : tensor<4x4xf32>
  %g78 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g76 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e77 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e79 = tensor.empty() : tensor<4x4x4xf32>
  %g80 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g78, %g46 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%e79 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e81 = tensor.empty() : tensor<4x4xf32>
  %c82 = arith.constant 0.0 : f32
  %f83 = linalg.fill ins(%c82 : f32) outs(%e81 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{second-choice positions do not start after all first choices (moe.dispatch's position order)}}
  %g84 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g80, %bmm70 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f83 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g84 : tensor<4x4xf32>
}

// -----

// Positions tested against C - 1 while the dispatch has C slots.
// dense_moe.py --dim 4 --inner 4 --experts 4 --tokens 4 --form onehot --k 2 --mutate capacity-tight
// CHECK-LABEL: func.func @capacity_below_slots(
// CHECK-NOT:     moe.layer
// CHECK:         return
func.func @capacity_below_slots(%x: tensor<4x4xf32>, %wg: tensor<4x4xf32> {moe.weight = "gate"}, %w1: tensor<4x4x4xf32> {moe.weight = "w1"}, %w3: tensor<4x4x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x4xf32> {moe.weight = "w2"}) -> (tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f3 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e5 = tensor.empty() : tensor<4xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<4xf32>) -> tensor<4xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<4x4xf32>) outs(%f7 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e9 = tensor.empty() : tensor<4x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<4x4xf32>, tensor<4xf32>) outs(%e9 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x4xf32>
  %e11 = tensor.empty() : tensor<4xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<4xf32>) -> tensor<4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<4x4xf32>) outs(%f13 : tensor<4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e15 = tensor.empty() : tensor<4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<4x4xf32>, tensor<4xf32>) outs(%e15 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e17 = tensor.empty() : tensor<4xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<4xf32>) -> tensor<4xf32>
  %e20 = tensor.empty() : tensor<4xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<4xi64>) -> tensor<4xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<4x4xf32>) outs(%f19, %f22 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e24 = tensor.empty() : tensor<4x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<4x4xf32>, tensor<4xi64>) outs(%e24 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e26 = tensor.empty() : tensor<4xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<4xf32>) -> tensor<4xf32>
  %e29 = tensor.empty() : tensor<4xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<4xi64>) -> tensor<4xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<4x4xf32>) outs(%f28, %f31 : tensor<4xf32>, tensor<4xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<4xf32>, tensor<4xi64>)
  %e33 = tensor.empty() : tensor<4x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e33 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e35 = tensor.empty() : tensor<4x4xi32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e35 : tensor<4x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e37 = tensor.empty() : tensor<4x4xi32>
  %c38 = arith.constant 0 : i32
  %f39 = linalg.fill ins(%c38 : i32) outs(%e37 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g34 : tensor<4x4xi32>) outs(%f39 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e41 = tensor.empty() : tensor<4x4xi32>
  %c42 = arith.constant 0 : i32
  %f43 = linalg.fill ins(%c42 : i32) outs(%e41 : tensor<4x4xi32>) -> tensor<4x4xi32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36 : tensor<4x4xi32>) outs(%f43 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e45 = tensor.empty() : tensor<4xi32>
  %c46 = arith.constant 0 : i32
  %f47 = linalg.fill ins(%c46 : i32) outs(%e45 : tensor<4xi32>) -> tensor<4xi32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g34 : tensor<4x4xi32>) outs(%f47 : tensor<4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %r = arith.addi %o0, %a0 : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %e49 = tensor.empty() : tensor<4x4xi32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g44, %g48 : tensor<4x4xi32>, tensor<4xi32>) outs(%e49 : tensor<4x4xi32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: i32):
    %r = arith.addi %a0, %a1 : i32
    linalg.yield %r : i32
  } -> tensor<4x4xi32>
  %e51 = tensor.empty() : tensor<4x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g34, %g40, %g36, %g50 : tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>, tensor<4x4xi32>) outs(%e51 : tensor<4x4x4xf32>) {
  ^bb0(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %o0: f32):
    %c = linalg.index 2 : index
    %ci = arith.index_cast %c : index to i32
    %zi = arith.constant 0 : i32
    %cap0 = arith.constant 3 : i32
    %on0 = arith.cmpi ne, %a0, %zi : i32
    %at0 = arith.cmpi eq, %a1, %ci : i32
    %in0 = arith.cmpi slt, %a1, %cap0 : i32
    %k0 = arith.andi %on0, %in0 : i1
    %p0 = arith.andi %k0, %at0 : i1
    %fl0 = arith.uitofp %p0 : i1 to f32
    %cap1 = arith.constant 3 : i32
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %at1 = arith.cmpi eq, %a3, %ci : i32
    %in1 = arith.cmpi slt, %a3, %cap1 : i32
    %k1 = arith.andi %on1, %in1 : i1
    %p1 = arith.andi %k1, %at1 : i1
    %fl1 = arith.uitofp %p1 : i1 to f32
    %d = arith.addf %fl0, %fl1 : f32
    linalg.yield %d : f32
  } -> tensor<4x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x4xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g52, %x : tensor<4x4x4xf32>, tensor<4x4xf32>) outs(%f55 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e57 = tensor.empty() : tensor<4x4x4xf32>
  %wt58 = linalg.transpose ins(%w1 : tensor<4x4x4xf32>) outs(%e57 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x4x4xf32>
  %wt64 = linalg.transpose ins(%w3 : tensor<4x4x4xf32>) outs(%e63 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g56, %wt64 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e69 = tensor.empty() : tensor<4x4x4xf32>
  %g70 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm62, %bmm68 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%e69 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e71 = tensor.empty() : tensor<4x4x4xf32>
  %wt72 = linalg.transpose ins(%w2 : tensor<4x4x4xf32>) outs(%e71 : tensor<4x4x4xf32>) permutation = [0, 2, 1]
  %e73 = tensor.empty() : tensor<4x4x4xf32>
  %c74 = arith.constant 0.0 : f32
  %f75 = linalg.fill ins(%c74 : f32) outs(%e73 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm76 = linalg.batch_matmul ins(%g70, %wt72 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f75 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e77 = tensor.empty() : tensor<4x4xf32>
  %g78 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<4xi64>) outs(%e77 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e79 = tensor.empty() : tensor<4x4xf32>
  %g80 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<4xi64>) outs(%e79 : tensor<4x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  %e81 = tensor.empty() : tensor<4x4xf32>
  %g82 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g78, %g80 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e81 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<4x4xf32>
  %e83 = tensor.empty() : tensor<4x4xf32>
  %g84 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g82 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e83 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %e85 = tensor.empty() : tensor<4x4x4xf32>
  %g86 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g84, %g52 : tensor<4x4xf32>, tensor<4x4x4xf32>) outs(%e85 : tensor<4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x4x4xf32>
  %e87 = tensor.empty() : tensor<4x4xf32>
  %c88 = arith.constant 0.0 : f32
  %f89 = linalg.fill ins(%c88 : f32) outs(%e87 : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @below {{the capacity test keeps positions below 3, fewer than the 4 slots per expert}}
  %g90 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g86, %bmm76 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%f89 : tensor<4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %g90 : tensor<4x4xf32>
}
