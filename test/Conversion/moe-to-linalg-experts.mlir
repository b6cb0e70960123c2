// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// Gated SwiGLU experts with bf16 weights and f32 rows: one scf.for over the
// experts; each takes its rows [lo, hi) with lo = clamp(offsets[e], 0, N)
// and hi = clamp(offsets[e+1], lo, N), multiplies them by w1[e] and w3[e]
// with transposed-B linalg.matmul into f32 (marked moe.expert_matmul: only
// expert matmuls may round their activations), applies silu(h1) * h3, multiplies
// by w2[e], and inserts the rows back into the zero-filled f32 result.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @experts_swiglu
// CHECK-SAME: (%[[ROWS:.*]]: tensor<?x16xf32>, %[[OFF:.*]]: tensor<5xi32>, %[[W1:.*]]: tensor<4x32x16xbf16>, %[[W3:.*]]: tensor<4x32x16xbf16>, %[[W2:.*]]: tensor<4x16x32xbf16>)
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[ROWS]]
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[Y:.*]] = scf.for %[[E:.*]] = %[[C0]] to %[[C4]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (tensor<?x16xf32>)
// CHECK: %[[E1:.*]] = arith.addi %[[E]]
// CHECK: %[[O0:.*]] = tensor.extract %[[OFF]][%[[E]]] : tensor<5xi32>
// CHECK: %[[O0I:.*]] = arith.index_cast %[[O0]] : i32 to index
// CHECK: %[[O0M:.*]] = arith.minsi %[[O0I]], %[[N]] : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[C0]], %[[O0M]] : index
// CHECK: %[[O1:.*]] = tensor.extract %[[OFF]][%[[E1]]] : tensor<5xi32>
// CHECK: %[[O1I:.*]] = arith.index_cast %[[O1]] : i32 to index
// CHECK: %[[O1M:.*]] = arith.minsi %[[O1I]], %[[N]] : index
// CHECK: %[[HI:.*]] = arith.maxsi %[[LO]], %[[O1M]] : index
// CHECK: %[[SIZE:.*]] = arith.subi %[[HI]], %[[LO]] : index
// CHECK: %[[X:.*]] = tensor.extract_slice %[[ROWS]][%[[LO]], 0] [%[[SIZE]], 16] [1, 1] : tensor<?x16xf32> to tensor<?x16xf32>
// CHECK: %[[W1E:.*]] = tensor.extract_slice %[[W1]][%[[E]], 0, 0] [1, 32, 16] [1, 1, 1] : tensor<4x32x16xbf16> to tensor<32x16xbf16>
// CHECK: %[[H1:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] {moe.expert_matmul} ins(%[[X]], %[[W1E]] : tensor<?x16xf32>, tensor<32x16xbf16>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: %[[W3E:.*]] = tensor.extract_slice %[[W3]][%[[E]], 0, 0]
// CHECK: %[[H3:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] {moe.expert_matmul} ins(%[[X]], %[[W3E]] :
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[H1]], %[[H3]] : tensor<?x32xf32>, tensor<?x32xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.negf %[[A]]
// CHECK: %[[EXP:.*]] = math.exp %[[NEG]]
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]]
// CHECK: %[[SIG:.*]] = arith.divf %{{.*}}, %[[DEN]]
// CHECK: %[[SILU:.*]] = arith.mulf %[[A]], %[[SIG]]
// CHECK: %[[GATED:.*]] = arith.mulf %[[SILU]], %[[B]]
// CHECK: linalg.yield %[[GATED]]
// CHECK: %[[W2E:.*]] = tensor.extract_slice %[[W2]][%[[E]], 0, 0] [1, 16, 32] [1, 1, 1] : tensor<4x16x32xbf16> to tensor<16x32xbf16>
// CHECK: %[[OUTE:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] {moe.expert_matmul} ins(%[[H]], %[[W2E]] : tensor<?x32xf32>, tensor<16x32xbf16>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[OUTE]] into %[[ACC]][%[[LO]], 0] [%{{.*}}, 16] [1, 1]
// CHECK: scf.yield %[[INS]]
// CHECK: return %[[Y]] : tensor<?x16xf32>
func.func @experts_swiglu(%rows: tensor<?x16xf32>, %off: tensor<5xi32>, %w1: tensor<4x32x16xbf16>,
                          %w3: tensor<4x32x16xbf16>, %w2: tensor<4x16x32xbf16>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x32x16xbf16>)
         w3(%w3 : tensor<4x32x16xbf16>) w2(%w2 : tensor<4x16x32xbf16>) activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Non-gated gelu_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), no
// w3 matmul.

// CHECK-LABEL: func.func @experts_gelu_tanh
// CHECK: scf.for
// CHECK: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[X2:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: %[[X3:.*]] = arith.mulf %[[X]], %[[X2]]
// CHECK: %[[CUBIC:.*]] = arith.constant 4.471500e-02 : f32
// CHECK: %[[T1:.*]] = arith.mulf %[[CUBIC]], %[[X3]]
// CHECK: %[[INNER:.*]] = arith.addf %[[X]], %[[T1]]
// CHECK: %[[K:.*]] = arith.constant 0.797884583 : f32
// CHECK: %[[ARG:.*]] = arith.mulf %[[K]], %[[INNER]]
// CHECK: %[[TANH:.*]] = math.tanh %[[ARG]]
// CHECK: %[[ONE:.*]] = arith.addf %{{.*}}, %[[TANH]]
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[HX:.*]] = arith.mulf %[[HALF]], %[[X]]
// CHECK: %[[G:.*]] = arith.mulf %[[HX]], %[[ONE]]
// CHECK-NEXT: linalg.yield %[[G]]
// CHECK: linalg.matmul
// CHECK: tensor.insert_slice
func.func @experts_gelu_tanh(%rows: tensor<8x16xf32>, %off: tensor<3xi32>, %w1: tensor<2x32x16xf32>,
                             %w2: tensor<2x16x32xf32>) -> tensor<8x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x32x16xf32>)
         w2(%w2 : tensor<2x16x32xf32>) activation gelu_tanh : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// gelu_erf: 0.5 x (1 + erf(x / sqrt(2))).

// CHECK-LABEL: func.func @experts_gelu_erf
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[SQRT2:.*]] = arith.constant 1.41421354 : f32
// CHECK: %[[SCALED:.*]] = arith.divf %[[X]], %[[SQRT2]]
// CHECK: %[[ERF:.*]] = math.erf %[[SCALED]]
// CHECK: %[[ONE:.*]] = arith.addf %{{.*}}, %[[ERF]]
// CHECK: %[[HX:.*]] = arith.mulf %{{.*}}, %[[X]]
// CHECK: %[[G:.*]] = arith.mulf %[[HX]], %[[ONE]]
// CHECK: arith.mulf %[[G]]
func.func @experts_gelu_erf(%rows: tensor<8x16xf32>, %off: tensor<3xi32>, %w1: tensor<2x32x16xf32>,
                            %w3: tensor<2x32x16xf32>, %w2: tensor<2x16x32xf32>) -> tensor<8x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x32x16xf32>)
         w3(%w3 : tensor<2x32x16xf32>) w2(%w2 : tensor<2x16x32xf32>) activation gelu_erf
         : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// relu: max(x, 0); bf16 rows give a bf16 result, rounded once from the f32
// accumulator after the loop.

// CHECK-LABEL: func.func @experts_relu_bf16
// CHECK: %[[Y:.*]] = scf.for {{.*}} -> (tensor<8x16xf32>)
// CHECK: linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x16xbf16>, tensor<32x16xbf16>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]] = arith.maximumf %[[X]], %[[ZERO]]
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<8x16xf32>) outs(%{{.*}} : tensor<8x16xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: return %[[B]] : tensor<8x16xbf16>
func.func @experts_relu_bf16(%rows: tensor<8x16xbf16>, %off: tensor<3xi32>, %w1: tensor<2x32x16xbf16>,
                             %w2: tensor<2x16x32xbf16>) -> tensor<8x16xbf16> {
  %y = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x32x16xbf16>)
         w2(%w2 : tensor<2x16x32xbf16>) activation relu : tensor<8x16xbf16> -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}

// -----

// grouped_matmul: the same group loop with one matmul per group; the rows of
// no group stay zero; the f32 accumulator is rounded to the bf16 result.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @grouped_matmul
// CHECK-SAME: (%[[LHS_:.*]]: tensor<?x12xf32>, %[[RHS_:.*]]: tensor<3x7x12xbf16>, %[[OFF:.*]]: tensor<4xi32>)
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<?x7xf32>
// CHECK: %[[Y:.*]] = scf.for %[[E:[^ ]*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (tensor<?x7xf32>)
// CHECK: arith.minsi
// CHECK: %[[LO:.*]] = arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.maxsi %[[LO]]
// CHECK: %[[X:.*]] = tensor.extract_slice %[[LHS_]][%[[LO]], 0]
// CHECK: %[[WE:.*]] = tensor.extract_slice %[[RHS_]][%[[E]], 0, 0] [1, 7, 12] [1, 1, 1] : tensor<3x7x12xbf16> to tensor<7x12xbf16>
// CHECK: %[[P:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] {moe.expert_matmul} ins(%[[X]], %[[WE]] : tensor<?x12xf32>, tensor<7x12xbf16>) outs(%{{.*}} : tensor<?x7xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: tensor.insert_slice %[[P]] into %[[ACC]][%[[LO]], 0]
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<?x7xf32>) outs(%{{.*}} : tensor<?x7xbf16>)
// CHECK: arith.truncf
// CHECK: return %[[B]]
func.func @grouped_matmul(%lhs: tensor<?x12xf32>, %rhs: tensor<3x7x12xbf16>, %off: tensor<4xi32>)
    -> tensor<?x7xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs offsets(%off : tensor<4xi32>)
         : tensor<?x12xf32>, tensor<3x7x12xbf16> -> tensor<?x7xbf16>
  return %y : tensor<?x7xbf16>
}
