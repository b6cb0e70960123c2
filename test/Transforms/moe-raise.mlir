// RUN: moe-opt %s --moe-raise | FileCheck %s
// RUN: moe-opt %s --moe-raise=remarks=true -o /dev/null 2>&1 \
// RUN:   | grep -o "moe-raise: .*" | sort | uniq -c | FileCheck %s --check-prefix=REMARK

// Dense MoE layers in linalg/tensor/arith/math, as
// test/Integration/Raise/Inputs/dense_moe.py writes them (its options are in
// the comment before each function), each raised to one moe.layer with the
// same signature. The CHECK-NEXT lines after each label check that nothing
// of the dense code is left. Near misses are in moe-raise-negative.mlir.

// With remarks=true every raise is reported, and nothing is rejected.
// REMARK-NOT: not raised
// REMARK: 5 moe-raise: raised the batched form
// REMARK-NEXT: 4 moe-raise: raised the one-hot form
// REMARK-NEXT: 5 moe-raise: raised the unrolled form
// REMARK-NOT: not raised

// Batched form: softmax, top-2 by argmax picks, not renormalized, gated SiLU,
// linalg.matmul with transposed maps, static T.
// dense_moe.py --form batched --tokens 8 --dim 8 --inner 4 --experts 4 --k 2
// CHECK-LABEL: func.func @batched_softmax_top2_silu(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w3(%arg3 : tensor<4x4x8xf32>) w2(%arg4 : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @batched_softmax_top2_silu(%x: tensor<8x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w3: tensor<4x4x8xf32> {moe.weight = "w3"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x4xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<8x4xf32>, tensor<8xf32>) outs(%e9 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x4xf32>
  %e11 = tensor.empty() : tensor<8xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<8xf32>) -> tensor<8xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<8x4xf32>) outs(%f13 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e15 = tensor.empty() : tensor<8x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<8x4xf32>, tensor<8xf32>) outs(%e15 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e17 = tensor.empty() : tensor<8xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<8xf32>) -> tensor<8xf32>
  %e20 = tensor.empty() : tensor<8xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<8xi64>) -> tensor<8xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<8x4xf32>) outs(%f19, %f22 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e24 = tensor.empty() : tensor<8x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<8x4xf32>, tensor<8xi64>) outs(%e24 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e26 = tensor.empty() : tensor<8xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<8xf32>) -> tensor<8xf32>
  %e29 = tensor.empty() : tensor<8xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<8xi64>) -> tensor<8xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<8x4xf32>) outs(%f28, %f31 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e33 = tensor.empty() : tensor<8x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e33 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e35 = tensor.empty() : tensor<8x4xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<8xi64>) outs(%e35 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e37 = tensor.empty() : tensor<8x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e37 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<8x4xf32>
  %e39 = tensor.empty() : tensor<8x4xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e39 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e41 = tensor.empty() : tensor<4x8x8xf32>
  %xb42 = linalg.broadcast ins(%x : tensor<8x8xf32>) outs(%e41 : tensor<4x8x8xf32>) dimensions = [0]
  %e43 = tensor.empty() : tensor<4x8x4xf32>
  %wt44 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e43 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e45 = tensor.empty() : tensor<4x8x4xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %bmm48 = linalg.batch_matmul ins(%xb42, %wt44 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f47 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e49 = tensor.empty() : tensor<4x8x4xf32>
  %wt50 = linalg.transpose ins(%w3 : tensor<4x4x8xf32>) outs(%e49 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e51 = tensor.empty() : tensor<4x8x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %bmm54 = linalg.batch_matmul ins(%xb42, %wt50 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f53 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e55 = tensor.empty() : tensor<4x8x4xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm48, %bmm54 : tensor<4x8x4xf32>, tensor<4x8x4xf32>) outs(%e55 : tensor<4x8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x4xf32>
  %e57 = tensor.empty() : tensor<4x4x8xf32>
  %wt58 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e57 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x8x8xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f61 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e63 = tensor.empty() : tensor<8x8xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g40, %bmm62 : tensor<8x4xf32>, tensor<4x8x8xf32>) outs(%f65 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g66 : tensor<8x8xf32>
}

// Sigmoid scores, top-2 as a rank mask, renormalized with 1e-20, tanh-GELU,
// dynamic T.
// dense_moe.py --form batched --tokens 0 --dim 8 --inner 4 --experts 4 --scoring sigmoid --normalize 1 --topk rank --act gelu_tanh
// CHECK-LABEL: func.func @batched_sigmoid_top2_norm_rank_gelu_tanh_dyn(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w3(%arg3 : tensor<4x4x8xf32>) w2(%arg4 : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation gelu_tanh : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @batched_sigmoid_top2_norm_rank_gelu_tanh_dyn(%x: tensor<?x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w3: tensor<4x4x8xf32> {moe.weight = "w3"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %T = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e1 = tensor.empty(%T) : tensor<?x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e5 = tensor.empty(%T) : tensor<?x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<?x4xf32>) outs(%e5 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %e7 = tensor.empty(%T) : tensor<?x4xi32>
  %c8 = arith.constant 0 : i32
  %f9 = linalg.fill ins(%c8 : i32) outs(%e7 : tensor<?x4xi32>) -> tensor<?x4xi32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g6, %g6 : tensor<?x4xf32>, tensor<?x4xf32>) outs(%f9 : tensor<?x4xi32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: i32):
    %gt = arith.cmpf ogt, %a0, %a1 : f32
    %eq = arith.cmpf oeq, %a0, %a1 : f32
    %i = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %lt = arith.cmpi ult, %i2, %i : index
    %tie = arith.andi %eq, %lt : i1
    %gt2 = arith.ori %gt, %tie : i1
    %one = arith.extui %gt2 : i1 to i32
    %r = arith.addi %o0, %one : i32
    linalg.yield %r : i32
  } -> tensor<?x4xi32>
  %e11 = tensor.empty(%T) : tensor<?x4xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g10 : tensor<?x4xf32>, tensor<?x4xi32>) outs(%e11 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: i32, %o0: f32):
    %k = arith.constant 2 : i32
    %in = arith.cmpi slt, %a1, %k : i32
    %z = arith.constant 0.0 : f32
    %r = arith.select %in, %a0, %z : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %e13 = tensor.empty(%T) : tensor<?xf32>
  %c14 = arith.constant 0.0 : f32
  %f15 = linalg.fill ins(%c14 : f32) outs(%e13 : tensor<?xf32>) -> tensor<?xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g12 : tensor<?x4xf32>) outs(%f15 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e17 = tensor.empty(%T) : tensor<?x4xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g12, %g16 : tensor<?x4xf32>, tensor<?xf32>) outs(%e17 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %eps = arith.constant 1.0e-20 : f32
    %den = arith.addf %a1, %eps : f32
    %r = arith.divf %a0, %den : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %e19 = tensor.empty(%T) : tensor<4x?x8xf32>
  %xb20 = linalg.broadcast ins(%x : tensor<?x8xf32>) outs(%e19 : tensor<4x?x8xf32>) dimensions = [0]
  %e21 = tensor.empty() : tensor<4x8x4xf32>
  %wt22 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e21 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e23 = tensor.empty(%T) : tensor<4x?x4xf32>
  %c24 = arith.constant 0.0 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<4x?x4xf32>) -> tensor<4x?x4xf32>
  %bmm26 = linalg.batch_matmul ins(%xb20, %wt22 : tensor<4x?x8xf32>, tensor<4x8x4xf32>) outs(%f25 : tensor<4x?x4xf32>) -> tensor<4x?x4xf32>
  %e27 = tensor.empty() : tensor<4x8x4xf32>
  %wt28 = linalg.transpose ins(%w3 : tensor<4x4x8xf32>) outs(%e27 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e29 = tensor.empty(%T) : tensor<4x?x4xf32>
  %c30 = arith.constant 0.0 : f32
  %f31 = linalg.fill ins(%c30 : f32) outs(%e29 : tensor<4x?x4xf32>) -> tensor<4x?x4xf32>
  %bmm32 = linalg.batch_matmul ins(%xb20, %wt28 : tensor<4x?x8xf32>, tensor<4x8x4xf32>) outs(%f31 : tensor<4x?x4xf32>) -> tensor<4x?x4xf32>
  %e33 = tensor.empty(%T) : tensor<4x?x4xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm26, %bmm32 : tensor<4x?x4xf32>, tensor<4x?x4xf32>) outs(%e33 : tensor<4x?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %gc1 = arith.constant 0.797884583 : f32
    %gc2 = arith.constant 0.044715 : f32
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
  } -> tensor<4x?x4xf32>
  %e35 = tensor.empty() : tensor<4x4x8xf32>
  %wt36 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e35 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e37 = tensor.empty(%T) : tensor<4x?x8xf32>
  %c38 = arith.constant 0.0 : f32
  %f39 = linalg.fill ins(%c38 : f32) outs(%e37 : tensor<4x?x8xf32>) -> tensor<4x?x8xf32>
  %bmm40 = linalg.batch_matmul ins(%g34, %wt36 : tensor<4x?x4xf32>, tensor<4x4x8xf32>) outs(%f39 : tensor<4x?x8xf32>) -> tensor<4x?x8xf32>
  %e41 = tensor.empty(%T) : tensor<?x8xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g18, %bmm40 : tensor<?x4xf32>, tensor<4x?x8xf32>) outs(%f43 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  return %g44 : tensor<?x8xf32>
}

// Top-1, non-gated ReLU experts, router matmul as a linalg.generic.
// dense_moe.py --form batched --tokens 8 --dim 8 --inner 4 --experts 4 --k 1 --gated 0 --act relu --matmul generic
// CHECK-LABEL: func.func @batched_softmax_top1_relu_plain_generic(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w2(%arg3 : tensor<4x8x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @batched_softmax_top1_relu_plain_generic(%x: tensor<8x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %g5 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %wg : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %o0, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x4xf32>
  %e6 = tensor.empty() : tensor<8xf32>
  %c7 = arith.constant 0xFF800000 : f32
  %f8 = linalg.fill ins(%c7 : f32) outs(%e6 : tensor<8xf32>) -> tensor<8xf32>
  %g9 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g5 : tensor<8x4xf32>) outs(%f8 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e10 = tensor.empty() : tensor<8x4xf32>
  %g11 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g5, %g9 : tensor<8x4xf32>, tensor<8xf32>) outs(%e10 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x4xf32>
  %e12 = tensor.empty() : tensor<8xf32>
  %c13 = arith.constant 0.0 : f32
  %f14 = linalg.fill ins(%c13 : f32) outs(%e12 : tensor<8xf32>) -> tensor<8xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g11 : tensor<8x4xf32>) outs(%f14 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e16 = tensor.empty() : tensor<8x4xf32>
  %g17 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g11, %g15 : tensor<8x4xf32>, tensor<8xf32>) outs(%e16 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e18 = tensor.empty() : tensor<8xf32>
  %c19 = arith.constant 0xFF800000 : f32
  %f20 = linalg.fill ins(%c19 : f32) outs(%e18 : tensor<8xf32>) -> tensor<8xf32>
  %e21 = tensor.empty() : tensor<8xi64>
  %c22 = arith.constant 0 : i64
  %f23 = linalg.fill ins(%c22 : i64) outs(%e21 : tensor<8xi64>) -> tensor<8xi64>
  %g24:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g17 : tensor<8x4xf32>) outs(%f20, %f23 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e25 = tensor.empty() : tensor<8x4xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g24#1 : tensor<8xi64>) outs(%e25 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e27 = tensor.empty() : tensor<8x4xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g17, %g26 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e27 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e29 = tensor.empty() : tensor<4x8x8xf32>
  %xb30 = linalg.broadcast ins(%x : tensor<8x8xf32>) outs(%e29 : tensor<4x8x8xf32>) dimensions = [0]
  %e31 = tensor.empty() : tensor<4x8x4xf32>
  %wt32 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e31 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e33 = tensor.empty() : tensor<4x8x4xf32>
  %c34 = arith.constant 0.0 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %bmm36 = linalg.batch_matmul ins(%xb30, %wt32 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f35 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e37 = tensor.empty() : tensor<4x8x4xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm36 : tensor<4x8x4xf32>) outs(%e37 : tensor<4x8x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %zero = arith.constant 0.0 : f32
    %act = arith.maximumf %a0, %zero : f32
    linalg.yield %act : f32
  } -> tensor<4x8x4xf32>
  %e39 = tensor.empty() : tensor<4x4x8xf32>
  %wt40 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e39 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e41 = tensor.empty() : tensor<4x8x8xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %bmm44 = linalg.batch_matmul ins(%g38, %wt40 : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f43 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e45 = tensor.empty() : tensor<8x8xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g28, %bmm44 : tensor<8x4xf32>, tensor<4x8x8xf32>) outs(%f47 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g48 : tensor<8x8xf32>
}

// Fused writing: exp inside the softmax sum, the activation inside the down
// projection, the top-k mask inside the combine; the router stored [D, E]
// and the expert weights [E, K, N], so the layer gets transposed copies.
// dense_moe.py --form batched --tokens 8 --dim 8 --inner 4 --experts 4 --k 2 --fused 1 --router de --wlayout kn
// CHECK-LABEL: func.func @batched_fused_transposed_weights(
// CHECK-NEXT:    tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[WG:.*]] = linalg.transpose ins(%arg1 : tensor<8x4xf32>) {{.*}} permutation = [1, 0]
// CHECK-NEXT:    tensor.empty() : tensor<4x4x8xf32>
// CHECK-NEXT:    %[[W1:.*]] = linalg.transpose ins(%arg2 : tensor<4x8x4xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK-NEXT:    tensor.empty() : tensor<4x4x8xf32>
// CHECK-NEXT:    %[[W3:.*]] = linalg.transpose ins(%arg3 : tensor<4x8x4xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK-NEXT:    tensor.empty() : tensor<4x8x4xf32>
// CHECK-NEXT:    %[[W2:.*]] = linalg.transpose ins(%arg4 : tensor<4x4x8xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%[[WG]] : tensor<4x8xf32>) w1(%[[W1]] : tensor<4x4x8xf32>) w3(%[[W3]] : tensor<4x4x8xf32>) w2(%[[W2]] : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @batched_fused_transposed_weights(%x: tensor<8x8xf32>, %wg: tensor<8x4xf32> {moe.weight = "gate"}, %w1: tensor<4x8x4xf32> {moe.weight = "w1"}, %w3: tensor<4x8x4xf32> {moe.weight = "w3"}, %w2: tensor<4x4x8xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm4 = linalg.matmul ins(%x, %wg : tensor<8x8xf32>, tensor<8x4xf32>) outs(%f3 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x4xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8xf32>
  %c10 = arith.constant 0.0 : f32
  %f11 = linalg.fill ins(%c10 : f32) outs(%e9 : tensor<8xf32>) -> tensor<8xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4, %g8 : tensor<8x4xf32>, tensor<8xf32>) outs(%f11 : tensor<8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    %r = arith.addf %e, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e13 = tensor.empty() : tensor<8x4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8, %g12 : tensor<8x4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e13 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %a2 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e15 = tensor.empty() : tensor<8xf32>
  %c16 = arith.constant 0xFF800000 : f32
  %f17 = linalg.fill ins(%c16 : f32) outs(%e15 : tensor<8xf32>) -> tensor<8xf32>
  %e18 = tensor.empty() : tensor<8xi64>
  %c19 = arith.constant 0 : i64
  %f20 = linalg.fill ins(%c19 : i64) outs(%e18 : tensor<8xi64>) -> tensor<8xi64>
  %g21:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g14 : tensor<8x4xf32>) outs(%f17, %f20 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e22 = tensor.empty() : tensor<8x4xf32>
  %g23 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g14, %g21#1 : tensor<8x4xf32>, tensor<8xi64>) outs(%e22 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e24 = tensor.empty() : tensor<8xf32>
  %c25 = arith.constant 0xFF800000 : f32
  %f26 = linalg.fill ins(%c25 : f32) outs(%e24 : tensor<8xf32>) -> tensor<8xf32>
  %e27 = tensor.empty() : tensor<8xi64>
  %c28 = arith.constant 0 : i64
  %f29 = linalg.fill ins(%c28 : i64) outs(%e27 : tensor<8xi64>) -> tensor<8xi64>
  %g30:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g23 : tensor<8x4xf32>) outs(%f26, %f29 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e31 = tensor.empty() : tensor<4x8x8xf32>
  %xb32 = linalg.broadcast ins(%x : tensor<8x8xf32>) outs(%e31 : tensor<4x8x8xf32>) dimensions = [0]
  %e33 = tensor.empty() : tensor<4x8x4xf32>
  %c34 = arith.constant 0.0 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %bmm36 = linalg.batch_matmul ins(%xb32, %w1 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f35 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e37 = tensor.empty() : tensor<4x8x4xf32>
  %c38 = arith.constant 0.0 : f32
  %f39 = linalg.fill ins(%c38 : f32) outs(%e37 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %bmm40 = linalg.batch_matmul ins(%xb32, %w3 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f39 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e41 = tensor.empty() : tensor<4x8x8xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%bmm36, %bmm40, %w2 : tensor<4x8x4xf32>, tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f43 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %g = arith.mulf %act, %a1 : f32
    %p = arith.mulf %g, %a2 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e45 = tensor.empty() : tensor<8x8xf32>
  %c46 = arith.constant 0.0 : f32
  %f47 = linalg.fill ins(%c46 : f32) outs(%e45 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g14, %g44, %g21#1, %g30#1 : tensor<8x4xf32>, tensor<4x8x8xf32>, tensor<8xi64>, tensor<8xi64>) outs(%f47 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: i64, %a3: i64, %o0: f32):
    %e = linalg.index 2 : index
    %ei = arith.index_cast %e : index to i64
    %eq0 = arith.cmpi eq, %ei, %a2 : i64
    %m0 = arith.uitofp %eq0 : i1 to f32
    %eq1 = arith.cmpi eq, %ei, %a3 : i64
    %m1 = arith.uitofp %eq1 : i1 to f32
    %ms0 = arith.addf %m0, %m1 : f32
    %w = arith.mulf %a0, %ms0 : f32
    %p = arith.mulf %w, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g48 : tensor<8x8xf32>
}

// linalg.softmax, top-3 of 6, renormalized and scaled by 2.5.
// dense_moe.py --form batched --tokens 8 --dim 8 --inner 4 --experts 6 --k 3 --scoring softmax-op --normalize 1 --scaling 2.5
// CHECK-LABEL: func.func @batched_softmax_op_top3_norm_scaled(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<6x8xf32>) w1(%arg2 : tensor<6x4x8xf32>) w3(%arg3 : tensor<6x4x8xf32>) w2(%arg4 : tensor<6x8x4xf32>) routing #moe.routing<k = 3, scoring = softmax, normalize = true, scaling = 2.500000e+00 : f64> activation silu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @batched_softmax_op_top3_norm_scaled(%x: tensor<8x8xf32>, %wg: tensor<6x8xf32> {moe.weight = "gate"}, %w1: tensor<6x4x8xf32> {moe.weight = "w1"}, %w3: tensor<6x4x8xf32> {moe.weight = "w3"}, %w2: tensor<6x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x6xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x6xf32>) -> tensor<8x6xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<6x8xf32>) outs(%f3 : tensor<8x6xf32>) -> tensor<8x6xf32>
  %e5 = tensor.empty() : tensor<8x6xf32>
  %sm6 = linalg.softmax dimension(1) ins(%mm4 : tensor<8x6xf32>) outs(%e5 : tensor<8x6xf32>) -> tensor<8x6xf32>
  %e7 = tensor.empty() : tensor<8xf32>
  %c8 = arith.constant 0xFF800000 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<8xf32>) -> tensor<8xf32>
  %e10 = tensor.empty() : tensor<8xi64>
  %c11 = arith.constant 0 : i64
  %f12 = linalg.fill ins(%c11 : i64) outs(%e10 : tensor<8xi64>) -> tensor<8xi64>
  %g13:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%sm6 : tensor<8x6xf32>) outs(%f9, %f12 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e14 = tensor.empty() : tensor<8x6xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%sm6, %g13#1 : tensor<8x6xf32>, tensor<8xi64>) outs(%e14 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x6xf32>
  %e16 = tensor.empty() : tensor<8xf32>
  %c17 = arith.constant 0xFF800000 : f32
  %f18 = linalg.fill ins(%c17 : f32) outs(%e16 : tensor<8xf32>) -> tensor<8xf32>
  %e19 = tensor.empty() : tensor<8xi64>
  %c20 = arith.constant 0 : i64
  %f21 = linalg.fill ins(%c20 : i64) outs(%e19 : tensor<8xi64>) -> tensor<8xi64>
  %g22:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g15 : tensor<8x6xf32>) outs(%f18, %f21 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e23 = tensor.empty() : tensor<8x6xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g15, %g22#1 : tensor<8x6xf32>, tensor<8xi64>) outs(%e23 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x6xf32>
  %e25 = tensor.empty() : tensor<8xf32>
  %c26 = arith.constant 0xFF800000 : f32
  %f27 = linalg.fill ins(%c26 : f32) outs(%e25 : tensor<8xf32>) -> tensor<8xf32>
  %e28 = tensor.empty() : tensor<8xi64>
  %c29 = arith.constant 0 : i64
  %f30 = linalg.fill ins(%c29 : i64) outs(%e28 : tensor<8xi64>) -> tensor<8xi64>
  %g31:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g24 : tensor<8x6xf32>) outs(%f27, %f30 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e32 = tensor.empty() : tensor<8x6xf32>
  %g33 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g13#1 : tensor<8xi64>) outs(%e32 : tensor<8x6xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x6xf32>
  %e34 = tensor.empty() : tensor<8x6xf32>
  %g35 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g22#1 : tensor<8xi64>) outs(%e34 : tensor<8x6xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x6xf32>
  %e36 = tensor.empty() : tensor<8x6xf32>
  %g37 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g31#1 : tensor<8xi64>) outs(%e36 : tensor<8x6xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x6xf32>
  %e38 = tensor.empty() : tensor<8x6xf32>
  %g39 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g33, %g35, %g37 : tensor<8x6xf32>, tensor<8x6xf32>, tensor<8x6xf32>) outs(%e38 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    %r2 = arith.addf %r1, %a2 : f32
    linalg.yield %r2 : f32
  } -> tensor<8x6xf32>
  %e40 = tensor.empty() : tensor<8x6xf32>
  %g41 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%sm6, %g39 : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e40 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x6xf32>
  %e42 = tensor.empty() : tensor<8xf32>
  %c43 = arith.constant 0.0 : f32
  %f44 = linalg.fill ins(%c43 : f32) outs(%e42 : tensor<8xf32>) -> tensor<8xf32>
  %g45 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g41 : tensor<8x6xf32>) outs(%f44 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e46 = tensor.empty() : tensor<8x6xf32>
  %g47 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g41, %g45 : tensor<8x6xf32>, tensor<8xf32>) outs(%e46 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x6xf32>
  %e48 = tensor.empty() : tensor<8x6xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g47 : tensor<8x6xf32>) outs(%e48 : tensor<8x6xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %c = arith.constant 2.5 : f32
    %r = arith.mulf %a0, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x6xf32>
  %e50 = tensor.empty() : tensor<6x8x8xf32>
  %xb51 = linalg.broadcast ins(%x : tensor<8x8xf32>) outs(%e50 : tensor<6x8x8xf32>) dimensions = [0]
  %e52 = tensor.empty() : tensor<6x8x4xf32>
  %wt53 = linalg.transpose ins(%w1 : tensor<6x4x8xf32>) outs(%e52 : tensor<6x8x4xf32>) permutation = [0, 2, 1]
  %e54 = tensor.empty() : tensor<6x8x4xf32>
  %c55 = arith.constant 0.0 : f32
  %f56 = linalg.fill ins(%c55 : f32) outs(%e54 : tensor<6x8x4xf32>) -> tensor<6x8x4xf32>
  %bmm57 = linalg.batch_matmul ins(%xb51, %wt53 : tensor<6x8x8xf32>, tensor<6x8x4xf32>) outs(%f56 : tensor<6x8x4xf32>) -> tensor<6x8x4xf32>
  %e58 = tensor.empty() : tensor<6x8x4xf32>
  %wt59 = linalg.transpose ins(%w3 : tensor<6x4x8xf32>) outs(%e58 : tensor<6x8x4xf32>) permutation = [0, 2, 1]
  %e60 = tensor.empty() : tensor<6x8x4xf32>
  %c61 = arith.constant 0.0 : f32
  %f62 = linalg.fill ins(%c61 : f32) outs(%e60 : tensor<6x8x4xf32>) -> tensor<6x8x4xf32>
  %bmm63 = linalg.batch_matmul ins(%xb51, %wt59 : tensor<6x8x8xf32>, tensor<6x8x4xf32>) outs(%f62 : tensor<6x8x4xf32>) -> tensor<6x8x4xf32>
  %e64 = tensor.empty() : tensor<6x8x4xf32>
  %g65 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm57, %bmm63 : tensor<6x8x4xf32>, tensor<6x8x4xf32>) outs(%e64 : tensor<6x8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<6x8x4xf32>
  %e66 = tensor.empty() : tensor<6x4x8xf32>
  %wt67 = linalg.transpose ins(%w2 : tensor<6x8x4xf32>) outs(%e66 : tensor<6x4x8xf32>) permutation = [0, 2, 1]
  %e68 = tensor.empty() : tensor<6x8x8xf32>
  %c69 = arith.constant 0.0 : f32
  %f70 = linalg.fill ins(%c69 : f32) outs(%e68 : tensor<6x8x8xf32>) -> tensor<6x8x8xf32>
  %bmm71 = linalg.batch_matmul ins(%g65, %wt67 : tensor<6x8x4xf32>, tensor<6x4x8xf32>) outs(%f70 : tensor<6x8x8xf32>) -> tensor<6x8x8xf32>
  %e72 = tensor.empty() : tensor<8x8xf32>
  %c73 = arith.constant 0.0 : f32
  %f74 = linalg.fill ins(%c73 : f32) outs(%e72 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g75 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g49, %bmm71 : tensor<8x6xf32>, tensor<6x8x8xf32>) outs(%f74 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g75 : tensor<8x8xf32>
}

// Unrolled (Hugging Face) form: one chain per expert on slices of stacked
// weights, each scaled by its column of the weights; dynamic T.
// dense_moe.py --form unrolled --tokens 0 --dim 8 --inner 4 --experts 3 --k 2 --normalize 1
// CHECK-LABEL: func.func @unrolled_softmax_top2_norm_silu_dyn(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<3x8xf32>) w1(%arg2 : tensor<3x4x8xf32>) w3(%arg3 : tensor<3x4x8xf32>) w2(%arg4 : tensor<3x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @unrolled_softmax_top2_norm_silu_dyn(%x: tensor<?x8xf32>, %wg: tensor<3x8xf32> {moe.weight = "gate"}, %w1: tensor<3x4x8xf32> {moe.weight = "w1"}, %w3: tensor<3x4x8xf32> {moe.weight = "w3"}, %w2: tensor<3x8x4xf32> {moe.weight = "w2"}) -> (tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %T = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e1 = tensor.empty(%T) : tensor<?x3xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<?x8xf32>, tensor<3x8xf32>) outs(%f3 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e5 = tensor.empty(%T) : tensor<?xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<?xf32>) -> tensor<?xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<?x3xf32>) outs(%f7 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e9 = tensor.empty(%T) : tensor<?x3xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<?x3xf32>, tensor<?xf32>) outs(%e9 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<?x3xf32>
  %e11 = tensor.empty(%T) : tensor<?xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<?xf32>) -> tensor<?xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<?x3xf32>) outs(%f13 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e15 = tensor.empty(%T) : tensor<?x3xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<?x3xf32>, tensor<?xf32>) outs(%e15 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x3xf32>
  %e17 = tensor.empty(%T) : tensor<?xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<?xf32>) -> tensor<?xf32>
  %e20 = tensor.empty(%T) : tensor<?xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<?xi64>) -> tensor<?xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<?x3xf32>) outs(%f19, %f22 : tensor<?xf32>, tensor<?xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<?xf32>, tensor<?xi64>)
  %e24 = tensor.empty(%T) : tensor<?x3xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<?x3xf32>, tensor<?xi64>) outs(%e24 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<?x3xf32>
  %e26 = tensor.empty(%T) : tensor<?xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<?xf32>) -> tensor<?xf32>
  %e29 = tensor.empty(%T) : tensor<?xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<?xi64>) -> tensor<?xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<?x3xf32>) outs(%f28, %f31 : tensor<?xf32>, tensor<?xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<?xf32>, tensor<?xi64>)
  %e33 = tensor.empty(%T) : tensor<?x3xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<?xi64>) outs(%e33 : tensor<?x3xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<?x3xf32>
  %e35 = tensor.empty(%T) : tensor<?x3xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<?xi64>) outs(%e35 : tensor<?x3xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<?x3xf32>
  %e37 = tensor.empty(%T) : tensor<?x3xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g36 : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e37 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<?x3xf32>
  %e39 = tensor.empty(%T) : tensor<?x3xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g38 : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e39 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x3xf32>
  %e41 = tensor.empty(%T) : tensor<?xf32>
  %c42 = arith.constant 0.0 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<?xf32>) -> tensor<?xf32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g40 : tensor<?x3xf32>) outs(%f43 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e45 = tensor.empty(%T) : tensor<?x3xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g40, %g44 : tensor<?x3xf32>, tensor<?xf32>) outs(%e45 : tensor<?x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x3xf32>
  %e47 = tensor.empty(%T) : tensor<?x8xf32>
  %c48 = arith.constant 0.0 : f32
  %f49 = linalg.fill ins(%c48 : f32) outs(%e47 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %sl50 = tensor.extract_slice %w1[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e51 = tensor.empty(%T) : tensor<?x4xf32>
  %c52 = arith.constant 0.0 : f32
  %f53 = linalg.fill ins(%c52 : f32) outs(%e51 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm54 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl50 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f53 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %sl55 = tensor.extract_slice %w3[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e56 = tensor.empty(%T) : tensor<?x4xf32>
  %c57 = arith.constant 0.0 : f32
  %f58 = linalg.fill ins(%c57 : f32) outs(%e56 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm59 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl55 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f58 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e60 = tensor.empty(%T) : tensor<?x4xf32>
  %g61 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm54, %mm59 : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e60 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %sl62 = tensor.extract_slice %w2[0, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e63 = tensor.empty(%T) : tensor<?x8xf32>
  %c64 = arith.constant 0.0 : f32
  %f65 = linalg.fill ins(%c64 : f32) outs(%e63 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %mm66 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g61, %sl62 : tensor<?x4xf32>, tensor<8x4xf32>) outs(%f65 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %col67 = tensor.extract_slice %g46[0, 0] [%T, 1] [1, 1] : tensor<?x3xf32> to tensor<?x1xf32>
  %e68 = tensor.empty(%T) : tensor<?x8xf32>
  %g69 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col67, %mm66 : tensor<?x1xf32>, tensor<?x8xf32>) outs(%e68 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %e70 = tensor.empty(%T) : tensor<?x8xf32>
  %g71 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f49, %g69 : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e70 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %sl72 = tensor.extract_slice %w1[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e73 = tensor.empty(%T) : tensor<?x4xf32>
  %c74 = arith.constant 0.0 : f32
  %f75 = linalg.fill ins(%c74 : f32) outs(%e73 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm76 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl72 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f75 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %sl77 = tensor.extract_slice %w3[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e78 = tensor.empty(%T) : tensor<?x4xf32>
  %c79 = arith.constant 0.0 : f32
  %f80 = linalg.fill ins(%c79 : f32) outs(%e78 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm81 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl77 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f80 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e82 = tensor.empty(%T) : tensor<?x4xf32>
  %g83 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm76, %mm81 : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e82 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %sl84 = tensor.extract_slice %w2[1, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e85 = tensor.empty(%T) : tensor<?x8xf32>
  %c86 = arith.constant 0.0 : f32
  %f87 = linalg.fill ins(%c86 : f32) outs(%e85 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %mm88 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g83, %sl84 : tensor<?x4xf32>, tensor<8x4xf32>) outs(%f87 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %col89 = tensor.extract_slice %g46[0, 1] [%T, 1] [1, 1] : tensor<?x3xf32> to tensor<?x1xf32>
  %e90 = tensor.empty(%T) : tensor<?x8xf32>
  %g91 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col89, %mm88 : tensor<?x1xf32>, tensor<?x8xf32>) outs(%e90 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %e92 = tensor.empty(%T) : tensor<?x8xf32>
  %g93 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g71, %g91 : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e92 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %sl94 = tensor.extract_slice %w1[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e95 = tensor.empty(%T) : tensor<?x4xf32>
  %c96 = arith.constant 0.0 : f32
  %f97 = linalg.fill ins(%c96 : f32) outs(%e95 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm98 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl94 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f97 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %sl99 = tensor.extract_slice %w3[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e100 = tensor.empty(%T) : tensor<?x4xf32>
  %c101 = arith.constant 0.0 : f32
  %f102 = linalg.fill ins(%c101 : f32) outs(%e100 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm103 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl99 : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f102 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e104 = tensor.empty(%T) : tensor<?x4xf32>
  %g105 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm98, %mm103 : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e104 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %sl106 = tensor.extract_slice %w2[2, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e107 = tensor.empty(%T) : tensor<?x8xf32>
  %c108 = arith.constant 0.0 : f32
  %f109 = linalg.fill ins(%c108 : f32) outs(%e107 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %mm110 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g105, %sl106 : tensor<?x4xf32>, tensor<8x4xf32>) outs(%f109 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %col111 = tensor.extract_slice %g46[0, 2] [%T, 1] [1, 1] : tensor<?x3xf32> to tensor<?x1xf32>
  %e112 = tensor.empty(%T) : tensor<?x8xf32>
  %g113 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col111, %mm110 : tensor<?x1xf32>, tensor<?x8xf32>) outs(%e112 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %e114 = tensor.empty(%T) : tensor<?x8xf32>
  %g115 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g93, %g113 : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e114 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  return %g115 : tensor<?x8xf32>
}

// torch-mlir's keepdim=True: the per-token max and sums expanded to [T, 1]
// (tensor.expand_shape) and read through (d0, 0).
// dense_moe.py --form unrolled --tokens 8 --dim 8 --inner 4 --experts 3 --k 2 --normalize 1 --keepdim 1
// CHECK-LABEL: func.func @unrolled_softmax_top2_norm_keepdim(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<3x8xf32>) w1(%arg2 : tensor<3x4x8xf32>) w3(%arg3 : tensor<3x4x8xf32>) w2(%arg4 : tensor<3x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @unrolled_softmax_top2_norm_keepdim(%x: tensor<8x8xf32>, %wg: tensor<3x8xf32> {moe.weight = "gate"}, %w1: tensor<3x4x8xf32> {moe.weight = "w1"}, %w3: tensor<3x4x8xf32> {moe.weight = "w3"}, %w2: tensor<3x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x3xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x3xf32>) -> tensor<8x3xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<3x8xf32>) outs(%f3 : tensor<8x3xf32>) -> tensor<8x3xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x3xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %kd9 = tensor.expand_shape %g8 [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %e10 = tensor.empty() : tensor<8x3xf32>
  %g11 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %kd9 : tensor<8x3xf32>, tensor<8x1xf32>) outs(%e10 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x3xf32>
  %e12 = tensor.empty() : tensor<8xf32>
  %c13 = arith.constant 0.0 : f32
  %f14 = linalg.fill ins(%c13 : f32) outs(%e12 : tensor<8xf32>) -> tensor<8xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g11 : tensor<8x3xf32>) outs(%f14 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %kd16 = tensor.expand_shape %g15 [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %e17 = tensor.empty() : tensor<8x3xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g11, %kd16 : tensor<8x3xf32>, tensor<8x1xf32>) outs(%e17 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e19 = tensor.empty() : tensor<8xf32>
  %c20 = arith.constant 0xFF800000 : f32
  %f21 = linalg.fill ins(%c20 : f32) outs(%e19 : tensor<8xf32>) -> tensor<8xf32>
  %e22 = tensor.empty() : tensor<8xi64>
  %c23 = arith.constant 0 : i64
  %f24 = linalg.fill ins(%c23 : i64) outs(%e22 : tensor<8xi64>) -> tensor<8xi64>
  %g25:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g18 : tensor<8x3xf32>) outs(%f21, %f24 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e26 = tensor.empty() : tensor<8x3xf32>
  %g27 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g18, %g25#1 : tensor<8x3xf32>, tensor<8xi64>) outs(%e26 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e28 = tensor.empty() : tensor<8xf32>
  %c29 = arith.constant 0xFF800000 : f32
  %f30 = linalg.fill ins(%c29 : f32) outs(%e28 : tensor<8xf32>) -> tensor<8xf32>
  %e31 = tensor.empty() : tensor<8xi64>
  %c32 = arith.constant 0 : i64
  %f33 = linalg.fill ins(%c32 : i64) outs(%e31 : tensor<8xi64>) -> tensor<8xi64>
  %g34:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g27 : tensor<8x3xf32>) outs(%f30, %f33 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e35 = tensor.empty() : tensor<8x3xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g25#1 : tensor<8xi64>) outs(%e35 : tensor<8x3xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x3xf32>
  %e37 = tensor.empty() : tensor<8x3xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34#1 : tensor<8xi64>) outs(%e37 : tensor<8x3xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x3xf32>
  %e39 = tensor.empty() : tensor<8x3xf32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g36, %g38 : tensor<8x3xf32>, tensor<8x3xf32>) outs(%e39 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<8x3xf32>
  %e41 = tensor.empty() : tensor<8x3xf32>
  %g42 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g18, %g40 : tensor<8x3xf32>, tensor<8x3xf32>) outs(%e41 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e43 = tensor.empty() : tensor<8xf32>
  %c44 = arith.constant 0.0 : f32
  %f45 = linalg.fill ins(%c44 : f32) outs(%e43 : tensor<8xf32>) -> tensor<8xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g42 : tensor<8x3xf32>) outs(%f45 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %kd47 = tensor.expand_shape %g46 [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %e48 = tensor.empty() : tensor<8x3xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g42, %kd47 : tensor<8x3xf32>, tensor<8x1xf32>) outs(%e48 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e50 = tensor.empty() : tensor<8x8xf32>
  %c51 = arith.constant 0.0 : f32
  %f52 = linalg.fill ins(%c51 : f32) outs(%e50 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %sl53 = tensor.extract_slice %w1[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e54 = tensor.empty() : tensor<8x4xf32>
  %c55 = arith.constant 0.0 : f32
  %f56 = linalg.fill ins(%c55 : f32) outs(%e54 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm57 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl53 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f56 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl58 = tensor.extract_slice %w3[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e59 = tensor.empty() : tensor<8x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm62 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl58 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f61 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e63 = tensor.empty() : tensor<8x4xf32>
  %g64 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm57, %mm62 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e63 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl65 = tensor.extract_slice %w2[0, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e66 = tensor.empty() : tensor<8x8xf32>
  %c67 = arith.constant 0.0 : f32
  %f68 = linalg.fill ins(%c67 : f32) outs(%e66 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm69 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g64, %sl65 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f68 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col70 = tensor.extract_slice %g49[0, 0] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e71 = tensor.empty() : tensor<8x8xf32>
  %g72 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col70, %mm69 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e71 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e73 = tensor.empty() : tensor<8x8xf32>
  %g74 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f52, %g72 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e73 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %sl75 = tensor.extract_slice %w1[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e76 = tensor.empty() : tensor<8x4xf32>
  %c77 = arith.constant 0.0 : f32
  %f78 = linalg.fill ins(%c77 : f32) outs(%e76 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm79 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl75 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f78 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl80 = tensor.extract_slice %w3[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e81 = tensor.empty() : tensor<8x4xf32>
  %c82 = arith.constant 0.0 : f32
  %f83 = linalg.fill ins(%c82 : f32) outs(%e81 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm84 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl80 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f83 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e85 = tensor.empty() : tensor<8x4xf32>
  %g86 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm79, %mm84 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e85 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl87 = tensor.extract_slice %w2[1, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e88 = tensor.empty() : tensor<8x8xf32>
  %c89 = arith.constant 0.0 : f32
  %f90 = linalg.fill ins(%c89 : f32) outs(%e88 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm91 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g86, %sl87 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f90 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col92 = tensor.extract_slice %g49[0, 1] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e93 = tensor.empty() : tensor<8x8xf32>
  %g94 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col92, %mm91 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e93 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e95 = tensor.empty() : tensor<8x8xf32>
  %g96 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g74, %g94 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e95 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %sl97 = tensor.extract_slice %w1[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e98 = tensor.empty() : tensor<8x4xf32>
  %c99 = arith.constant 0.0 : f32
  %f100 = linalg.fill ins(%c99 : f32) outs(%e98 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm101 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl97 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f100 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl102 = tensor.extract_slice %w3[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e103 = tensor.empty() : tensor<8x4xf32>
  %c104 = arith.constant 0.0 : f32
  %f105 = linalg.fill ins(%c104 : f32) outs(%e103 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm106 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl102 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f105 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e107 = tensor.empty() : tensor<8x4xf32>
  %g108 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm101, %mm106 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e107 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl109 = tensor.extract_slice %w2[2, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e110 = tensor.empty() : tensor<8x8xf32>
  %c111 = arith.constant 0.0 : f32
  %f112 = linalg.fill ins(%c111 : f32) outs(%e110 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm113 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g108, %sl109 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f112 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col114 = tensor.extract_slice %g49[0, 2] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e115 = tensor.empty() : tensor<8x8xf32>
  %g116 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col114, %mm113 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e115 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e117 = tensor.empty() : tensor<8x8xf32>
  %g118 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g96, %g116 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e117 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g118 : tensor<8x8xf32>
}

// x + layer(x): the residual add (which also reads x) is not part of the
// layer and stays.
// dense_moe.py --form unrolled --tokens 8 --dim 8 --inner 4 --experts 2 --k 1 --residual 1
// CHECK-LABEL: func.func @unrolled_residual_add_kept(
// CHECK-NEXT:    %[[L:.*]] = moe.layer %arg0 router(%arg1 : tensor<2x8xf32>) w1(%arg2 : tensor<2x4x8xf32>) w3(%arg3 : tensor<2x4x8xf32>) w2(%arg4 : tensor<2x8x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    tensor.empty() : tensor<8x8xf32>
// CHECK-NEXT:    %[[Y:.*]] = linalg.generic {{.*}} ins(%arg0, %[[L]] : tensor<8x8xf32>, tensor<8x8xf32>)
// CHECK-NEXT:    ^bb0(
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    linalg.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[Y]]
func.func @unrolled_residual_add_kept(%x: tensor<8x8xf32>, %wg: tensor<2x8xf32> {moe.weight = "gate"}, %w1: tensor<2x4x8xf32> {moe.weight = "w1"}, %w3: tensor<2x4x8xf32> {moe.weight = "w3"}, %w2: tensor<2x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x2xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<2x8xf32>) outs(%f3 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x2xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8x2xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<8x2xf32>, tensor<8xf32>) outs(%e9 : tensor<8x2xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x2xf32>
  %e11 = tensor.empty() : tensor<8xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<8xf32>) -> tensor<8xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<8x2xf32>) outs(%f13 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e15 = tensor.empty() : tensor<8x2xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<8x2xf32>, tensor<8xf32>) outs(%e15 : tensor<8x2xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %e17 = tensor.empty() : tensor<8xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<8xf32>) -> tensor<8xf32>
  %e20 = tensor.empty() : tensor<8xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<8xi64>) -> tensor<8xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<8x2xf32>) outs(%f19, %f22 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e24 = tensor.empty() : tensor<8x2xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e24 : tensor<8x2xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x2xf32>
  %e26 = tensor.empty() : tensor<8x2xf32>
  %g27 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g25 : tensor<8x2xf32>, tensor<8x2xf32>) outs(%e26 : tensor<8x2xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %e28 = tensor.empty() : tensor<8x8xf32>
  %c29 = arith.constant 0.0 : f32
  %f30 = linalg.fill ins(%c29 : f32) outs(%e28 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %sl31 = tensor.extract_slice %w1[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<2x4x8xf32> to tensor<4x8xf32>
  %e32 = tensor.empty() : tensor<8x4xf32>
  %c33 = arith.constant 0.0 : f32
  %f34 = linalg.fill ins(%c33 : f32) outs(%e32 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm35 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl31 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f34 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl36 = tensor.extract_slice %w3[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<2x4x8xf32> to tensor<4x8xf32>
  %e37 = tensor.empty() : tensor<8x4xf32>
  %c38 = arith.constant 0.0 : f32
  %f39 = linalg.fill ins(%c38 : f32) outs(%e37 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm40 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl36 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f39 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e41 = tensor.empty() : tensor<8x4xf32>
  %g42 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm35, %mm40 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e41 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl43 = tensor.extract_slice %w2[0, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<2x8x4xf32> to tensor<8x4xf32>
  %e44 = tensor.empty() : tensor<8x8xf32>
  %c45 = arith.constant 0.0 : f32
  %f46 = linalg.fill ins(%c45 : f32) outs(%e44 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm47 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g42, %sl43 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f46 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col48 = tensor.extract_slice %g27[0, 0] [8, 1] [1, 1] : tensor<8x2xf32> to tensor<8x1xf32>
  %e49 = tensor.empty() : tensor<8x8xf32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col48, %mm47 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e49 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e51 = tensor.empty() : tensor<8x8xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f30, %g50 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e51 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %sl53 = tensor.extract_slice %w1[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<2x4x8xf32> to tensor<4x8xf32>
  %e54 = tensor.empty() : tensor<8x4xf32>
  %c55 = arith.constant 0.0 : f32
  %f56 = linalg.fill ins(%c55 : f32) outs(%e54 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm57 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl53 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f56 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl58 = tensor.extract_slice %w3[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<2x4x8xf32> to tensor<4x8xf32>
  %e59 = tensor.empty() : tensor<8x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm62 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl58 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f61 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e63 = tensor.empty() : tensor<8x4xf32>
  %g64 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm57, %mm62 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e63 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl65 = tensor.extract_slice %w2[1, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<2x8x4xf32> to tensor<8x4xf32>
  %e66 = tensor.empty() : tensor<8x8xf32>
  %c67 = arith.constant 0.0 : f32
  %f68 = linalg.fill ins(%c67 : f32) outs(%e66 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm69 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g64, %sl65 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f68 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col70 = tensor.extract_slice %g27[0, 1] [8, 1] [1, 1] : tensor<8x2xf32> to tensor<8x1xf32>
  %e71 = tensor.empty() : tensor<8x8xf32>
  %g72 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col70, %mm69 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e71 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e73 = tensor.empty() : tensor<8x8xf32>
  %g74 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g52, %g72 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e73 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e75 = tensor.empty() : tensor<8x8xf32>
  %g76 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %g74 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e75 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g76 : tensor<8x8xf32>
}

// One weight argument per expert (stacked for the layer), matmuls of
// transposed weights, sigmoid top-1, non-gated erf-GELU.
// dense_moe.py --form unrolled --tokens 8 --dim 8 --inner 4 --experts 2 --k 1 --scoring sigmoid --gated 0 --act gelu_erf --weights separate --matmul transpose
// CHECK-LABEL: func.func @unrolled_sigmoid_top1_gelu_erf_plain_separate(
// CHECK-NEXT:    %[[E1:.*]] = tensor.empty() : tensor<2x4x8xf32>
// CHECK-NEXT:    %[[A:.*]] = tensor.insert_slice %arg2 into %[[E1]][0, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK-NEXT:    %[[W1:.*]] = tensor.insert_slice %arg3 into %[[A]][1, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK-NEXT:    %[[E2:.*]] = tensor.empty() : tensor<2x8x4xf32>
// CHECK-NEXT:    %[[B:.*]] = tensor.insert_slice %arg4 into %[[E2]][0, 0, 0] [1, 8, 4] [1, 1, 1]
// CHECK-NEXT:    %[[W2:.*]] = tensor.insert_slice %arg5 into %[[B]][1, 0, 0] [1, 8, 4] [1, 1, 1]
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<2x8xf32>) w1(%[[W1]] : tensor<2x4x8xf32>) w2(%[[W2]] : tensor<2x8x4xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation gelu_erf : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @unrolled_sigmoid_top1_gelu_erf_plain_separate(%x: tensor<8x8xf32>, %wg: tensor<2x8xf32> {moe.weight = "gate"}, %w1_0: tensor<4x8xf32> {moe.weight = "w1.0"}, %w1_1: tensor<4x8xf32> {moe.weight = "w1.1"}, %w2_0: tensor<8x4xf32> {moe.weight = "w2.0"}, %w2_1: tensor<8x4xf32> {moe.weight = "w2.1"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x2xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %e5 = tensor.empty() : tensor<8x2xf32>
  %wt6 = linalg.transpose ins(%wg : tensor<2x8xf32>) outs(%e5 : tensor<8x2xf32>) permutation = [1, 0]
  %mm4 = linalg.matmul ins(%x, %wt6 : tensor<8x8xf32>, tensor<8x2xf32>) outs(%f3 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %e7 = tensor.empty() : tensor<8x2xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<8x2xf32>) outs(%e7 : tensor<8x2xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %e9 = tensor.empty() : tensor<8xf32>
  %c10 = arith.constant 0xFF800000 : f32
  %f11 = linalg.fill ins(%c10 : f32) outs(%e9 : tensor<8xf32>) -> tensor<8xf32>
  %e12 = tensor.empty() : tensor<8xi64>
  %c13 = arith.constant 0 : i64
  %f14 = linalg.fill ins(%c13 : i64) outs(%e12 : tensor<8xi64>) -> tensor<8xi64>
  %g15:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g8 : tensor<8x2xf32>) outs(%f11, %f14 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e16 = tensor.empty() : tensor<8x2xf32>
  %g17 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g15#1 : tensor<8xi64>) outs(%e16 : tensor<8x2xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x2xf32>
  %e18 = tensor.empty() : tensor<8x2xf32>
  %g19 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g8, %g17 : tensor<8x2xf32>, tensor<8x2xf32>) outs(%e18 : tensor<8x2xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %e20 = tensor.empty() : tensor<8x8xf32>
  %c21 = arith.constant 0.0 : f32
  %f22 = linalg.fill ins(%c21 : f32) outs(%e20 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e23 = tensor.empty() : tensor<8x4xf32>
  %c24 = arith.constant 0.0 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e27 = tensor.empty() : tensor<8x4xf32>
  %wt28 = linalg.transpose ins(%w1_0 : tensor<4x8xf32>) outs(%e27 : tensor<8x4xf32>) permutation = [1, 0]
  %mm26 = linalg.matmul ins(%x, %wt28 : tensor<8x8xf32>, tensor<8x4xf32>) outs(%f25 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e29 = tensor.empty() : tensor<8x4xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm26 : tensor<8x4xf32>) outs(%e29 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rs = arith.constant 0.707106769 : f32
    %sc = arith.mulf %a0, %rs : f32
    %erf = math.erf %sc : f32
    %p1 = arith.addf %one, %erf : f32
    %hx = arith.mulf %half, %a0 : f32
    %act = arith.mulf %hx, %p1 : f32
    linalg.yield %act : f32
  } -> tensor<8x4xf32>
  %e31 = tensor.empty() : tensor<8x8xf32>
  %c32 = arith.constant 0.0 : f32
  %f33 = linalg.fill ins(%c32 : f32) outs(%e31 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e35 = tensor.empty() : tensor<4x8xf32>
  %wt36 = linalg.transpose ins(%w2_0 : tensor<8x4xf32>) outs(%e35 : tensor<4x8xf32>) permutation = [1, 0]
  %mm34 = linalg.matmul ins(%g30, %wt36 : tensor<8x4xf32>, tensor<4x8xf32>) outs(%f33 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col37 = tensor.extract_slice %g19[0, 0] [8, 1] [1, 1] : tensor<8x2xf32> to tensor<8x1xf32>
  %e38 = tensor.empty() : tensor<8x8xf32>
  %g39 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col37, %mm34 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e38 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e40 = tensor.empty() : tensor<8x8xf32>
  %g41 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f22, %g39 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e40 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e42 = tensor.empty() : tensor<8x4xf32>
  %c43 = arith.constant 0.0 : f32
  %f44 = linalg.fill ins(%c43 : f32) outs(%e42 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e46 = tensor.empty() : tensor<8x4xf32>
  %wt47 = linalg.transpose ins(%w1_1 : tensor<4x8xf32>) outs(%e46 : tensor<8x4xf32>) permutation = [1, 0]
  %mm45 = linalg.matmul ins(%x, %wt47 : tensor<8x8xf32>, tensor<8x4xf32>) outs(%f44 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e48 = tensor.empty() : tensor<8x4xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm45 : tensor<8x4xf32>) outs(%e48 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rs = arith.constant 0.707106769 : f32
    %sc = arith.mulf %a0, %rs : f32
    %erf = math.erf %sc : f32
    %p1 = arith.addf %one, %erf : f32
    %hx = arith.mulf %half, %a0 : f32
    %act = arith.mulf %hx, %p1 : f32
    linalg.yield %act : f32
  } -> tensor<8x4xf32>
  %e50 = tensor.empty() : tensor<8x8xf32>
  %c51 = arith.constant 0.0 : f32
  %f52 = linalg.fill ins(%c51 : f32) outs(%e50 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e54 = tensor.empty() : tensor<4x8xf32>
  %wt55 = linalg.transpose ins(%w2_1 : tensor<8x4xf32>) outs(%e54 : tensor<4x8xf32>) permutation = [1, 0]
  %mm53 = linalg.matmul ins(%g49, %wt55 : tensor<8x4xf32>, tensor<4x8xf32>) outs(%f52 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col56 = tensor.extract_slice %g19[0, 1] [8, 1] [1, 1] : tensor<8x2xf32> to tensor<8x1xf32>
  %e57 = tensor.empty() : tensor<8x8xf32>
  %g58 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col56, %mm53 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e57 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e59 = tensor.empty() : tensor<8x8xf32>
  %g60 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g41, %g58 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e59 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g60 : tensor<8x8xf32>
}

// Rank top-k mask, gated ReLU.
// dense_moe.py --form unrolled --tokens 8 --dim 8 --inner 4 --experts 3 --k 2 --topk rank --act relu
// CHECK-LABEL: func.func @unrolled_softmax_top2_relu_rank(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<3x8xf32>) w1(%arg2 : tensor<3x4x8xf32>) w3(%arg3 : tensor<3x4x8xf32>) w2(%arg4 : tensor<3x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax> activation relu : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @unrolled_softmax_top2_relu_rank(%x: tensor<8x8xf32>, %wg: tensor<3x8xf32> {moe.weight = "gate"}, %w1: tensor<3x4x8xf32> {moe.weight = "w1"}, %w3: tensor<3x4x8xf32> {moe.weight = "w3"}, %w2: tensor<3x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x3xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x3xf32>) -> tensor<8x3xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<3x8xf32>) outs(%f3 : tensor<8x3xf32>) -> tensor<8x3xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x3xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8x3xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<8x3xf32>, tensor<8xf32>) outs(%e9 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x3xf32>
  %e11 = tensor.empty() : tensor<8xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<8xf32>) -> tensor<8xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<8x3xf32>) outs(%f13 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e15 = tensor.empty() : tensor<8x3xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<8x3xf32>, tensor<8xf32>) outs(%e15 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e17 = tensor.empty() : tensor<8x3xi32>
  %c18 = arith.constant 0 : i32
  %f19 = linalg.fill ins(%c18 : i32) outs(%e17 : tensor<8x3xi32>) -> tensor<8x3xi32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g16, %g16 : tensor<8x3xf32>, tensor<8x3xf32>) outs(%f19 : tensor<8x3xi32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: i32):
    %gt = arith.cmpf ogt, %a0, %a1 : f32
    %eq = arith.cmpf oeq, %a0, %a1 : f32
    %i = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %lt = arith.cmpi ult, %i2, %i : index
    %tie = arith.andi %eq, %lt : i1
    %gt2 = arith.ori %gt, %tie : i1
    %one = arith.extui %gt2 : i1 to i32
    %r = arith.addi %o0, %one : i32
    linalg.yield %r : i32
  } -> tensor<8x3xi32>
  %e21 = tensor.empty() : tensor<8x3xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g20 : tensor<8x3xf32>, tensor<8x3xi32>) outs(%e21 : tensor<8x3xf32>) {
  ^bb0(%a0: f32, %a1: i32, %o0: f32):
    %k = arith.constant 2 : i32
    %in = arith.cmpi slt, %a1, %k : i32
    %z = arith.constant 0.0 : f32
    %r = arith.select %in, %a0, %z : f32
    linalg.yield %r : f32
  } -> tensor<8x3xf32>
  %e23 = tensor.empty() : tensor<8x8xf32>
  %c24 = arith.constant 0.0 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %sl26 = tensor.extract_slice %w1[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e27 = tensor.empty() : tensor<8x4xf32>
  %c28 = arith.constant 0.0 : f32
  %f29 = linalg.fill ins(%c28 : f32) outs(%e27 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm30 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl26 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f29 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl31 = tensor.extract_slice %w3[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e32 = tensor.empty() : tensor<8x4xf32>
  %c33 = arith.constant 0.0 : f32
  %f34 = linalg.fill ins(%c33 : f32) outs(%e32 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm35 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl31 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f34 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e36 = tensor.empty() : tensor<8x4xf32>
  %g37 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm30, %mm35 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e36 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %zero = arith.constant 0.0 : f32
    %act = arith.maximumf %a0, %zero : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl38 = tensor.extract_slice %w2[0, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e39 = tensor.empty() : tensor<8x8xf32>
  %c40 = arith.constant 0.0 : f32
  %f41 = linalg.fill ins(%c40 : f32) outs(%e39 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm42 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g37, %sl38 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f41 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col43 = tensor.extract_slice %g22[0, 0] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e44 = tensor.empty() : tensor<8x8xf32>
  %g45 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col43, %mm42 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e44 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e46 = tensor.empty() : tensor<8x8xf32>
  %g47 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f25, %g45 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e46 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %sl48 = tensor.extract_slice %w1[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e49 = tensor.empty() : tensor<8x4xf32>
  %c50 = arith.constant 0.0 : f32
  %f51 = linalg.fill ins(%c50 : f32) outs(%e49 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm52 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl48 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f51 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl53 = tensor.extract_slice %w3[1, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e54 = tensor.empty() : tensor<8x4xf32>
  %c55 = arith.constant 0.0 : f32
  %f56 = linalg.fill ins(%c55 : f32) outs(%e54 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm57 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl53 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f56 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e58 = tensor.empty() : tensor<8x4xf32>
  %g59 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm52, %mm57 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e58 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %zero = arith.constant 0.0 : f32
    %act = arith.maximumf %a0, %zero : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl60 = tensor.extract_slice %w2[1, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e61 = tensor.empty() : tensor<8x8xf32>
  %c62 = arith.constant 0.0 : f32
  %f63 = linalg.fill ins(%c62 : f32) outs(%e61 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm64 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g59, %sl60 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f63 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col65 = tensor.extract_slice %g22[0, 1] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e66 = tensor.empty() : tensor<8x8xf32>
  %g67 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col65, %mm64 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e66 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e68 = tensor.empty() : tensor<8x8xf32>
  %g69 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g47, %g67 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e68 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %sl70 = tensor.extract_slice %w1[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e71 = tensor.empty() : tensor<8x4xf32>
  %c72 = arith.constant 0.0 : f32
  %f73 = linalg.fill ins(%c72 : f32) outs(%e71 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm74 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl70 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f73 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %sl75 = tensor.extract_slice %w3[2, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
  %e76 = tensor.empty() : tensor<8x4xf32>
  %c77 = arith.constant 0.0 : f32
  %f78 = linalg.fill ins(%c77 : f32) outs(%e76 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm79 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %sl75 : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f78 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e80 = tensor.empty() : tensor<8x4xf32>
  %g81 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm74, %mm79 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e80 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %zero = arith.constant 0.0 : f32
    %act = arith.maximumf %a0, %zero : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %sl82 = tensor.extract_slice %w2[2, 0, 0] [1, 8, 4] [1, 1, 1] : tensor<3x8x4xf32> to tensor<8x4xf32>
  %e83 = tensor.empty() : tensor<8x8xf32>
  %c84 = arith.constant 0.0 : f32
  %f85 = linalg.fill ins(%c84 : f32) outs(%e83 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm86 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%g81, %sl82 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%f85 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %col87 = tensor.extract_slice %g22[0, 2] [8, 1] [1, 1] : tensor<8x3xf32> to tensor<8x1xf32>
  %e88 = tensor.empty() : tensor<8x8xf32>
  %g89 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%col87, %mm86 : tensor<8x1xf32>, tensor<8x8xf32>) outs(%e88 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e90 = tensor.empty() : tensor<8x8xf32>
  %g91 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g69, %g89 : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e90 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g91 : tensor<8x8xf32>
}

// Switch: one-hot top-1 dispatch under capacity 3, dynamic T.
// dense_moe.py --form onehot --tokens 0 --dim 8 --inner 4 --experts 4 --k 1 --capacity 3
// CHECK-LABEL: func.func @onehot_switch_top1_dyn(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w3(%arg3 : tensor<4x4x8xf32>) w2(%arg4 : tensor<4x8x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu drop position capacity 3 : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @onehot_switch_top1_dyn(%x: tensor<?x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w3: tensor<4x4x8xf32> {moe.weight = "w3"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %T = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e1 = tensor.empty(%T) : tensor<?x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<?x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e5 = tensor.empty(%T) : tensor<?xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<?xf32>) -> tensor<?xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<?x4xf32>) outs(%f7 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e9 = tensor.empty(%T) : tensor<?x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<?x4xf32>, tensor<?xf32>) outs(%e9 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<?x4xf32>
  %e11 = tensor.empty(%T) : tensor<?xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<?xf32>) -> tensor<?xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<?x4xf32>) outs(%f13 : tensor<?xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e15 = tensor.empty(%T) : tensor<?x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<?x4xf32>, tensor<?xf32>) outs(%e15 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %e17 = tensor.empty(%T) : tensor<?xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<?xf32>) -> tensor<?xf32>
  %e20 = tensor.empty(%T) : tensor<?xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<?xi64>) -> tensor<?xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<?x4xf32>) outs(%f19, %f22 : tensor<?xf32>, tensor<?xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<?xf32>, tensor<?xi64>)
  %e24 = tensor.empty(%T) : tensor<?x4xi32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<?xi64>) outs(%e24 : tensor<?x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<?x4xi32>
  %e26 = tensor.empty(%T) : tensor<?x4xi32>
  %c27 = arith.constant 0 : i32
  %f28 = linalg.fill ins(%c27 : i32) outs(%e26 : tensor<?x4xi32>) -> tensor<?x4xi32>
  %g29 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g25 : tensor<?x4xi32>) outs(%f28 : tensor<?x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<?x4xi32>
  %e30 = tensor.empty(%T) : tensor<?x4x3xf32>
  %g31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g25, %g29 : tensor<?x4xi32>, tensor<?x4xi32>) outs(%e30 : tensor<?x4x3xf32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: f32):
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
    linalg.yield %fl0 : f32
  } -> tensor<?x4x3xf32>
  %e32 = tensor.empty() : tensor<4x3x8xf32>
  %c33 = arith.constant 0.0 : f32
  %f34 = linalg.fill ins(%c33 : f32) outs(%e32 : tensor<4x3x8xf32>) -> tensor<4x3x8xf32>
  %g35 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g31, %x : tensor<?x4x3xf32>, tensor<?x8xf32>) outs(%f34 : tensor<4x3x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x3x8xf32>
  %e36 = tensor.empty() : tensor<4x8x4xf32>
  %wt37 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e36 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e38 = tensor.empty() : tensor<4x3x4xf32>
  %c39 = arith.constant 0.0 : f32
  %f40 = linalg.fill ins(%c39 : f32) outs(%e38 : tensor<4x3x4xf32>) -> tensor<4x3x4xf32>
  %bmm41 = linalg.batch_matmul ins(%g35, %wt37 : tensor<4x3x8xf32>, tensor<4x8x4xf32>) outs(%f40 : tensor<4x3x4xf32>) -> tensor<4x3x4xf32>
  %e42 = tensor.empty() : tensor<4x8x4xf32>
  %wt43 = linalg.transpose ins(%w3 : tensor<4x4x8xf32>) outs(%e42 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e44 = tensor.empty() : tensor<4x3x4xf32>
  %c45 = arith.constant 0.0 : f32
  %f46 = linalg.fill ins(%c45 : f32) outs(%e44 : tensor<4x3x4xf32>) -> tensor<4x3x4xf32>
  %bmm47 = linalg.batch_matmul ins(%g35, %wt43 : tensor<4x3x8xf32>, tensor<4x8x4xf32>) outs(%f46 : tensor<4x3x4xf32>) -> tensor<4x3x4xf32>
  %e48 = tensor.empty() : tensor<4x3x4xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bmm41, %bmm47 : tensor<4x3x4xf32>, tensor<4x3x4xf32>) outs(%e48 : tensor<4x3x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %act = arith.mulf %a0, %sig : f32
    %r = arith.mulf %act, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<4x3x4xf32>
  %e50 = tensor.empty() : tensor<4x4x8xf32>
  %wt51 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e50 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e52 = tensor.empty() : tensor<4x3x8xf32>
  %c53 = arith.constant 0.0 : f32
  %f54 = linalg.fill ins(%c53 : f32) outs(%e52 : tensor<4x3x8xf32>) -> tensor<4x3x8xf32>
  %bmm55 = linalg.batch_matmul ins(%g49, %wt51 : tensor<4x3x4xf32>, tensor<4x4x8xf32>) outs(%f54 : tensor<4x3x8xf32>) -> tensor<4x3x8xf32>
  %e56 = tensor.empty(%T) : tensor<?x4xf32>
  %g57 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<?xi64>) outs(%e56 : tensor<?x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<?x4xf32>
  %e58 = tensor.empty(%T) : tensor<?x4xf32>
  %g59 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g57 : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e58 : tensor<?x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %e60 = tensor.empty(%T) : tensor<?x4x3xf32>
  %g61 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g59, %g31 : tensor<?x4xf32>, tensor<?x4x3xf32>) outs(%e60 : tensor<?x4x3xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<?x4x3xf32>
  %e62 = tensor.empty(%T) : tensor<?x8xf32>
  %c63 = arith.constant 0.0 : f32
  %f64 = linalg.fill ins(%c63 : f32) outs(%e62 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %g65 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g61, %bmm55 : tensor<?x4x3xf32>, tensor<4x3x8xf32>) outs(%f64 : tensor<?x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  return %g65 : tensor<?x8xf32>
}

// GShard top-2: second choices queue after all first choices; weights
// renormalized before any drop.
// dense_moe.py --form onehot --tokens 8 --dim 8 --inner 4 --experts 4 --k 2 --normalize 1 --capacity 4
// CHECK-LABEL: func.func @onehot_gshard_top2_norm(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w3(%arg3 : tensor<4x4x8xf32>) w2(%arg4 : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu drop position capacity 4 : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @onehot_gshard_top2_norm(%x: tensor<8x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w3: tensor<4x4x8xf32> {moe.weight = "w3"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x4xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<8x4xf32>, tensor<8xf32>) outs(%e9 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x4xf32>
  %e11 = tensor.empty() : tensor<8xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<8xf32>) -> tensor<8xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<8x4xf32>) outs(%f13 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e15 = tensor.empty() : tensor<8x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<8x4xf32>, tensor<8xf32>) outs(%e15 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e17 = tensor.empty() : tensor<8xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<8xf32>) -> tensor<8xf32>
  %e20 = tensor.empty() : tensor<8xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<8xi64>) -> tensor<8xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<8x4xf32>) outs(%f19, %f22 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e24 = tensor.empty() : tensor<8x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<8x4xf32>, tensor<8xi64>) outs(%e24 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e26 = tensor.empty() : tensor<8xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<8xf32>) -> tensor<8xf32>
  %e29 = tensor.empty() : tensor<8xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<8xi64>) -> tensor<8xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<8x4xf32>) outs(%f28, %f31 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e33 = tensor.empty() : tensor<8x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e33 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e35 = tensor.empty() : tensor<8x4xi32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<8xi64>) outs(%e35 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e37 = tensor.empty() : tensor<8x4xi32>
  %c38 = arith.constant 0 : i32
  %f39 = linalg.fill ins(%c38 : i32) outs(%e37 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g34 : tensor<8x4xi32>) outs(%f39 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e41 = tensor.empty() : tensor<8x4xi32>
  %c42 = arith.constant 0 : i32
  %f43 = linalg.fill ins(%c42 : i32) outs(%e41 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36 : tensor<8x4xi32>) outs(%f43 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e45 = tensor.empty() : tensor<4xi32>
  %c46 = arith.constant 0 : i32
  %f47 = linalg.fill ins(%c46 : i32) outs(%e45 : tensor<4xi32>) -> tensor<4xi32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g34 : tensor<8x4xi32>) outs(%f47 : tensor<4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %r = arith.addi %o0, %a0 : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %e49 = tensor.empty() : tensor<8x4xi32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g44, %g48 : tensor<8x4xi32>, tensor<4xi32>) outs(%e49 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: i32):
    %r = arith.addi %a0, %a1 : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e51 = tensor.empty() : tensor<8x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g34, %g40, %g36, %g50 : tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>) outs(%e51 : tensor<8x4x4xf32>) {
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
  } -> tensor<8x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x8xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g52, %x : tensor<8x4x4xf32>, tensor<8x8xf32>) outs(%f55 : tensor<4x4x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4x8xf32>
  %e57 = tensor.empty() : tensor<4x8x4xf32>
  %wt58 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e57 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x8x4xf32>
  %wt64 = linalg.transpose ins(%w3 : tensor<4x4x8xf32>) outs(%e63 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g56, %wt64 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
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
  %e71 = tensor.empty() : tensor<4x4x8xf32>
  %wt72 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e71 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e73 = tensor.empty() : tensor<4x4x8xf32>
  %c74 = arith.constant 0.0 : f32
  %f75 = linalg.fill ins(%c74 : f32) outs(%e73 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %bmm76 = linalg.batch_matmul ins(%g70, %wt72 : tensor<4x4x4xf32>, tensor<4x4x8xf32>) outs(%f75 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %e77 = tensor.empty() : tensor<8x4xf32>
  %g78 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e77 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e79 = tensor.empty() : tensor<8x4xf32>
  %g80 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<8xi64>) outs(%e79 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e81 = tensor.empty() : tensor<8x4xf32>
  %g82 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g78, %g80 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e81 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<8x4xf32>
  %e83 = tensor.empty() : tensor<8x4xf32>
  %g84 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g82 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e83 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e85 = tensor.empty() : tensor<8xf32>
  %c86 = arith.constant 0.0 : f32
  %f87 = linalg.fill ins(%c86 : f32) outs(%e85 : tensor<8xf32>) -> tensor<8xf32>
  %g88 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g84 : tensor<8x4xf32>) outs(%f87 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e89 = tensor.empty() : tensor<8x4xf32>
  %g90 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g84, %g88 : tensor<8x4xf32>, tensor<8xf32>) outs(%e89 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e91 = tensor.empty() : tensor<8x4x4xf32>
  %g92 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g90, %g52 : tensor<8x4xf32>, tensor<8x4x4xf32>) outs(%e91 : tensor<8x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4x4xf32>
  %e93 = tensor.empty() : tensor<8x8xf32>
  %c94 = arith.constant 0.0 : f32
  %f95 = linalg.fill ins(%c94 : f32) outs(%e93 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g96 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g92, %bmm76 : tensor<8x4x4xf32>, tensor<4x4x8xf32>) outs(%f95 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g96 : tensor<8x8xf32>
}

// Sigmoid top-2, non-gated ReLU fused into the down projection, capacity 2.
// dense_moe.py --form onehot --tokens 8 --dim 8 --inner 4 --experts 4 --k 2 --scoring sigmoid --gated 0 --act relu --capacity 2 --fused 1
// CHECK-LABEL: func.func @onehot_sigmoid_top2_relu_plain_fused(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w2(%arg3 : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu drop position capacity 2 : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @onehot_sigmoid_top2_relu_plain_fused(%x: tensor<8x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e5 = tensor.empty() : tensor<8x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4 : tensor<8x4xf32>) outs(%e5 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a0 : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e7 = tensor.empty() : tensor<8xf32>
  %c8 = arith.constant 0xFF800000 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<8xf32>) -> tensor<8xf32>
  %e10 = tensor.empty() : tensor<8xi64>
  %c11 = arith.constant 0 : i64
  %f12 = linalg.fill ins(%c11 : i64) outs(%e10 : tensor<8xi64>) -> tensor<8xi64>
  %g13:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g6 : tensor<8x4xf32>) outs(%f9, %f12 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e14 = tensor.empty() : tensor<8x4xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g13#1 : tensor<8x4xf32>, tensor<8xi64>) outs(%e14 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e16 = tensor.empty() : tensor<8xf32>
  %c17 = arith.constant 0xFF800000 : f32
  %f18 = linalg.fill ins(%c17 : f32) outs(%e16 : tensor<8xf32>) -> tensor<8xf32>
  %e19 = tensor.empty() : tensor<8xi64>
  %c20 = arith.constant 0 : i64
  %f21 = linalg.fill ins(%c20 : i64) outs(%e19 : tensor<8xi64>) -> tensor<8xi64>
  %g22:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g15 : tensor<8x4xf32>) outs(%f18, %f21 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e23 = tensor.empty() : tensor<8x4xi32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g13#1 : tensor<8xi64>) outs(%e23 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e25 = tensor.empty() : tensor<8x4xi32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g22#1 : tensor<8xi64>) outs(%e25 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e27 = tensor.empty() : tensor<8x4xi32>
  %c28 = arith.constant 0 : i32
  %f29 = linalg.fill ins(%c28 : i32) outs(%e27 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g24 : tensor<8x4xi32>) outs(%f29 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e31 = tensor.empty() : tensor<8x4xi32>
  %c32 = arith.constant 0 : i32
  %f33 = linalg.fill ins(%c32 : i32) outs(%e31 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g26 : tensor<8x4xi32>) outs(%f33 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e35 = tensor.empty() : tensor<4xi32>
  %c36 = arith.constant 0 : i32
  %f37 = linalg.fill ins(%c36 : i32) outs(%e35 : tensor<4xi32>) -> tensor<4xi32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g24 : tensor<8x4xi32>) outs(%f37 : tensor<4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %r = arith.addi %o0, %a0 : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %e39 = tensor.empty() : tensor<8x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g34, %g38 : tensor<8x4xi32>, tensor<4xi32>) outs(%e39 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: i32):
    %r = arith.addi %a0, %a1 : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e41 = tensor.empty() : tensor<8x4x2xf32>
  %g42 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g24, %g30, %g26, %g40 : tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>) outs(%e41 : tensor<8x4x2xf32>) {
  ^bb0(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %o0: f32):
    %c = linalg.index 2 : index
    %ci = arith.index_cast %c : index to i32
    %zi = arith.constant 0 : i32
    %cap0 = arith.constant 2 : i32
    %on0 = arith.cmpi ne, %a0, %zi : i32
    %at0 = arith.cmpi eq, %a1, %ci : i32
    %in0 = arith.cmpi slt, %a1, %cap0 : i32
    %k0 = arith.andi %on0, %in0 : i1
    %p0 = arith.andi %k0, %at0 : i1
    %fl0 = arith.uitofp %p0 : i1 to f32
    %cap1 = arith.constant 2 : i32
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %at1 = arith.cmpi eq, %a3, %ci : i32
    %in1 = arith.cmpi slt, %a3, %cap1 : i32
    %k1 = arith.andi %on1, %in1 : i1
    %p1 = arith.andi %k1, %at1 : i1
    %fl1 = arith.uitofp %p1 : i1 to f32
    %d = arith.addf %fl0, %fl1 : f32
    linalg.yield %d : f32
  } -> tensor<8x4x2xf32>
  %e43 = tensor.empty() : tensor<4x2x8xf32>
  %c44 = arith.constant 0.0 : f32
  %f45 = linalg.fill ins(%c44 : f32) outs(%e43 : tensor<4x2x8xf32>) -> tensor<4x2x8xf32>
  %g46 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g42, %x : tensor<8x4x2xf32>, tensor<8x8xf32>) outs(%f45 : tensor<4x2x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x2x8xf32>
  %e47 = tensor.empty() : tensor<4x8x4xf32>
  %wt48 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e47 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e49 = tensor.empty() : tensor<4x2x4xf32>
  %c50 = arith.constant 0.0 : f32
  %f51 = linalg.fill ins(%c50 : f32) outs(%e49 : tensor<4x2x4xf32>) -> tensor<4x2x4xf32>
  %bmm52 = linalg.batch_matmul ins(%g46, %wt48 : tensor<4x2x8xf32>, tensor<4x8x4xf32>) outs(%f51 : tensor<4x2x4xf32>) -> tensor<4x2x4xf32>
  %e53 = tensor.empty() : tensor<4x2x8xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x2x8xf32>) -> tensor<4x2x8xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%bmm52, %w2 : tensor<4x2x4xf32>, tensor<4x8x4xf32>) outs(%f55 : tensor<4x2x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %zero = arith.constant 0.0 : f32
    %act = arith.maximumf %a0, %zero : f32
    %p = arith.mulf %act, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x2x8xf32>
  %e57 = tensor.empty() : tensor<8x4xf32>
  %g58 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g13#1 : tensor<8xi64>) outs(%e57 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e59 = tensor.empty() : tensor<8x4xf32>
  %g60 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g22#1 : tensor<8xi64>) outs(%e59 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e61 = tensor.empty() : tensor<8x4xf32>
  %g62 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g58, %g60 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e61 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<8x4xf32>
  %e63 = tensor.empty() : tensor<8x4xf32>
  %g64 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g6, %g62 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e63 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e65 = tensor.empty() : tensor<8x4x2xf32>
  %g66 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g64, %g42 : tensor<8x4xf32>, tensor<8x4x2xf32>) outs(%e65 : tensor<8x4x2xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4x2xf32>
  %e67 = tensor.empty() : tensor<8x8xf32>
  %c68 = arith.constant 0.0 : f32
  %f69 = linalg.fill ins(%c68 : f32) outs(%e67 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g70 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g66, %g56 : tensor<8x4x2xf32>, tensor<4x2x8xf32>) outs(%f69 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g70 : tensor<8x8xf32>
}

// The mask also tests position <= 4, which the 4 slots already imply: the
// same layer.
// dense_moe.py --form onehot --tokens 8 --dim 8 --inner 4 --experts 4 --k 2 --capacity 4 --mutate capacity-le
// CHECK-LABEL: func.func @onehot_redundant_capacity_test(
// CHECK-NEXT:    %[[Y:.*]] = moe.layer %arg0 router(%arg1 : tensor<4x8xf32>) w1(%arg2 : tensor<4x4x8xf32>) w3(%arg3 : tensor<4x4x8xf32>) w2(%arg4 : tensor<4x8x4xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu drop position capacity 4 : tensor<8x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @onehot_redundant_capacity_test(%x: tensor<8x8xf32>, %wg: tensor<4x8xf32> {moe.weight = "gate"}, %w1: tensor<4x4x8xf32> {moe.weight = "w1"}, %w3: tensor<4x4x8xf32> {moe.weight = "w3"}, %w2: tensor<4x8x4xf32> {moe.weight = "w2"}) -> (tensor<8x8xf32>) {
  %e1 = tensor.empty() : tensor<8x4xf32>
  %c2 = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %wg : tensor<8x8xf32>, tensor<4x8xf32>) outs(%f3 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e5 = tensor.empty() : tensor<8xf32>
  %c6 = arith.constant 0xFF800000 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8xf32>) -> tensor<8xf32>
  %g8 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%mm4 : tensor<8x4xf32>) outs(%f7 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.maximumf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e9 = tensor.empty() : tensor<8x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm4, %g8 : tensor<8x4xf32>, tensor<8xf32>) outs(%e9 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %d = arith.subf %a0, %a1 : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x4xf32>
  %e11 = tensor.empty() : tensor<8xf32>
  %c12 = arith.constant 0.0 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<8xf32>) -> tensor<8xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g10 : tensor<8x4xf32>) outs(%f13 : tensor<8xf32>) {
  ^bb0(%a0: f32, %o0: f32):
    %r = arith.addf %a0, %o0 : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e15 = tensor.empty() : tensor<8x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g10, %g14 : tensor<8x4xf32>, tensor<8xf32>) outs(%e15 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e17 = tensor.empty() : tensor<8xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<8xf32>) -> tensor<8xf32>
  %e20 = tensor.empty() : tensor<8xi64>
  %c21 = arith.constant 0 : i64
  %f22 = linalg.fill ins(%c21 : i64) outs(%e20 : tensor<8xi64>) -> tensor<8xi64>
  %g23:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g16 : tensor<8x4xf32>) outs(%f19, %f22 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e24 = tensor.empty() : tensor<8x4xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g23#1 : tensor<8x4xf32>, tensor<8xi64>) outs(%e24 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a1 : i64
    %m = arith.constant 0xFF800000 : f32
    %r = arith.select %eq, %m, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e26 = tensor.empty() : tensor<8xf32>
  %c27 = arith.constant 0xFF800000 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<8xf32>) -> tensor<8xf32>
  %e29 = tensor.empty() : tensor<8xi64>
  %c30 = arith.constant 0 : i64
  %f31 = linalg.fill ins(%c30 : i64) outs(%e29 : tensor<8xi64>) -> tensor<8xi64>
  %g32:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g25 : tensor<8x4xf32>) outs(%f28, %f31 : tensor<8xf32>, tensor<8xi64>) {
  ^bb0(%a0: f32, %o0: f32, %o1: i64):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %gt = arith.cmpf ogt, %a0, %o0 : f32
    %nv = arith.select %gt, %a0, %o0 : f32
    %ni = arith.select %gt, %ei, %o1 : i64
    linalg.yield %nv, %ni : f32, i64
  } -> (tensor<8xf32>, tensor<8xi64>)
  %e33 = tensor.empty() : tensor<8x4xi32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e33 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e35 = tensor.empty() : tensor<8x4xi32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<8xi64>) outs(%e35 : tensor<8x4xi32>) {
  ^bb0(%a0: i64, %o0: i32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %r = arith.extui %eq : i1 to i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e37 = tensor.empty() : tensor<8x4xi32>
  %c38 = arith.constant 0 : i32
  %f39 = linalg.fill ins(%c38 : i32) outs(%e37 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g40 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g34 : tensor<8x4xi32>) outs(%f39 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e41 = tensor.empty() : tensor<8x4xi32>
  %c42 = arith.constant 0 : i32
  %f43 = linalg.fill ins(%c42 : i32) outs(%e41 : tensor<8x4xi32>) -> tensor<8x4xi32>
  %g44 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g36 : tensor<8x4xi32>) outs(%f43 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %t = linalg.index 0 : index
    %tp = linalg.index 2 : index
    %lt = arith.cmpi ult, %tp, %t : index
    %zi = arith.constant 0 : i32
    %v = arith.select %lt, %a0, %zi : i32
    %r = arith.addi %o0, %v : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e45 = tensor.empty() : tensor<4xi32>
  %c46 = arith.constant 0 : i32
  %f47 = linalg.fill ins(%c46 : i32) outs(%e45 : tensor<4xi32>) -> tensor<4xi32>
  %g48 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%g34 : tensor<8x4xi32>) outs(%f47 : tensor<4xi32>) {
  ^bb0(%a0: i32, %o0: i32):
    %r = arith.addi %o0, %a0 : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %e49 = tensor.empty() : tensor<8x4xi32>
  %g50 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g44, %g48 : tensor<8x4xi32>, tensor<4xi32>) outs(%e49 : tensor<8x4xi32>) {
  ^bb0(%a0: i32, %a1: i32, %o0: i32):
    %r = arith.addi %a0, %a1 : i32
    linalg.yield %r : i32
  } -> tensor<8x4xi32>
  %e51 = tensor.empty() : tensor<8x4x4xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g34, %g40, %g36, %g50 : tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>, tensor<8x4xi32>) outs(%e51 : tensor<8x4x4xf32>) {
  ^bb0(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %o0: f32):
    %c = linalg.index 2 : index
    %ci = arith.index_cast %c : index to i32
    %zi = arith.constant 0 : i32
    %cap0 = arith.constant 4 : i32
    %on0 = arith.cmpi ne, %a0, %zi : i32
    %at0 = arith.cmpi eq, %a1, %ci : i32
    %in0 = arith.cmpi sle, %a1, %cap0 : i32
    %k0 = arith.andi %on0, %in0 : i1
    %p0 = arith.andi %k0, %at0 : i1
    %fl0 = arith.uitofp %p0 : i1 to f32
    %cap1 = arith.constant 4 : i32
    %on1 = arith.cmpi ne, %a2, %zi : i32
    %at1 = arith.cmpi eq, %a3, %ci : i32
    %in1 = arith.cmpi sle, %a3, %cap1 : i32
    %k1 = arith.andi %on1, %in1 : i1
    %p1 = arith.andi %k1, %at1 : i1
    %fl1 = arith.uitofp %p1 : i1 to f32
    %d = arith.addf %fl0, %fl1 : f32
    linalg.yield %d : f32
  } -> tensor<8x4x4xf32>
  %e53 = tensor.empty() : tensor<4x4x8xf32>
  %c54 = arith.constant 0.0 : f32
  %f55 = linalg.fill ins(%c54 : f32) outs(%e53 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %g56 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g52, %x : tensor<8x4x4xf32>, tensor<8x8xf32>) outs(%f55 : tensor<4x4x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x4x8xf32>
  %e57 = tensor.empty() : tensor<4x8x4xf32>
  %wt58 = linalg.transpose ins(%w1 : tensor<4x4x8xf32>) outs(%e57 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e59 = tensor.empty() : tensor<4x4x4xf32>
  %c60 = arith.constant 0.0 : f32
  %f61 = linalg.fill ins(%c60 : f32) outs(%e59 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm62 = linalg.batch_matmul ins(%g56, %wt58 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%f61 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %e63 = tensor.empty() : tensor<4x8x4xf32>
  %wt64 = linalg.transpose ins(%w3 : tensor<4x4x8xf32>) outs(%e63 : tensor<4x8x4xf32>) permutation = [0, 2, 1]
  %e65 = tensor.empty() : tensor<4x4x4xf32>
  %c66 = arith.constant 0.0 : f32
  %f67 = linalg.fill ins(%c66 : f32) outs(%e65 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %bmm68 = linalg.batch_matmul ins(%g56, %wt64 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%f67 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
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
  %e71 = tensor.empty() : tensor<4x4x8xf32>
  %wt72 = linalg.transpose ins(%w2 : tensor<4x8x4xf32>) outs(%e71 : tensor<4x4x8xf32>) permutation = [0, 2, 1]
  %e73 = tensor.empty() : tensor<4x4x8xf32>
  %c74 = arith.constant 0.0 : f32
  %f75 = linalg.fill ins(%c74 : f32) outs(%e73 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %bmm76 = linalg.batch_matmul ins(%g70, %wt72 : tensor<4x4x4xf32>, tensor<4x4x8xf32>) outs(%f75 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %e77 = tensor.empty() : tensor<8x4xf32>
  %g78 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g23#1 : tensor<8xi64>) outs(%e77 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e79 = tensor.empty() : tensor<8x4xf32>
  %g80 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g32#1 : tensor<8xi64>) outs(%e79 : tensor<8x4xf32>) {
  ^bb0(%a0: i64, %o0: f32):
    %e = linalg.index 1 : index
    %ei = arith.index_cast %e : index to i64
    %eq = arith.cmpi eq, %ei, %a0 : i64
    %f = arith.uitofp %eq : i1 to f32
    linalg.yield %f : f32
  } -> tensor<8x4xf32>
  %e81 = tensor.empty() : tensor<8x4xf32>
  %g82 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g78, %g80 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e81 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r1 = arith.addf %a0, %a1 : f32
    linalg.yield %r1 : f32
  } -> tensor<8x4xf32>
  %e83 = tensor.empty() : tensor<8x4xf32>
  %g84 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g16, %g82 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e83 : tensor<8x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e85 = tensor.empty() : tensor<8x4x4xf32>
  %g86 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g84, %g52 : tensor<8x4xf32>, tensor<8x4x4xf32>) outs(%e85 : tensor<8x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<8x4x4xf32>
  %e87 = tensor.empty() : tensor<8x8xf32>
  %c88 = arith.constant 0.0 : f32
  %f89 = linalg.fill ins(%c88 : f32) outs(%e87 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %g90 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%g86, %bmm76 : tensor<8x4x4xf32>, tensor<4x4x8xf32>) outs(%f89 : tensor<8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %o0: f32):
    %p = arith.mulf %a0, %a1 : f32
    %r = arith.addf %o0, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %g90 : tensor<8x8xf32>
}
