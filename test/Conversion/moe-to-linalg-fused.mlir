// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// moe.grouped_matmul_act, gated: one scf.for over the groups; per group one
// f32 matmul of the group's rows by rhs[e] ([2F, D], transposed maps), the
// epilogue silu(u[:, 0:F]) * u[:, F:2F] on the two column halves, written
// into zeros; the f32 result needs no rounding.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @act_gated
// CHECK-SAME: (%[[ROWS:.*]]: tensor<?x16xf32>, %[[W:.*]]: tensor<4x48x16xf32>, %[[OFF:.*]]: tensor<5xi32>)
// CHECK:      %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<?x24xf32>
// CHECK:      %[[C4:.*]] = arith.constant 4 : index
// CHECK:      %[[LOOP:.*]] = scf.for %[[E:.*]] = %{{.*}} to %[[C4]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZEROS]]) -> (tensor<?x24xf32>)
// CHECK:        %[[LO:.*]] = arith.maxsi
// CHECK:        %[[X:.*]] = tensor.extract_slice %[[ROWS]][%[[LO]], 0] [%{{.*}}, 16] [1, 1]
// CHECK:        %[[WE:.*]] = tensor.extract_slice %[[W]][%[[E]], 0, 0] [1, 48, 16] [1, 1, 1] : tensor<4x48x16xf32> to tensor<48x16xf32>
// CHECK:        %[[U:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] {moe.expert_matmul} ins(%[[X]], %[[WE]] : tensor<?x16xf32>, tensor<48x16xf32>) outs(%{{.*}} : tensor<?x48xf32>)
// CHECK:        %[[GATE:.*]] = tensor.extract_slice %[[U]][0, 0] [%{{.*}}, 24] [1, 1] : tensor<?x48xf32> to tensor<?x24xf32>
// CHECK:        %[[UP:.*]] = tensor.extract_slice %[[U]][0, 24] [%{{.*}}, 24] [1, 1] : tensor<?x48xf32> to tensor<?x24xf32>
// CHECK:        %[[H:.*]] = linalg.generic {{.*}} ins(%[[GATE]], %[[UP]] : tensor<?x24xf32>, tensor<?x24xf32>)
// CHECK:          ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK:          %[[NEG:.*]] = arith.negf %[[A]]
// CHECK:          %[[EXP:.*]] = math.exp %[[NEG]]
// CHECK:          %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]]
// CHECK:          %[[SIG:.*]] = arith.divf %{{.*}}, %[[DEN]]
// CHECK:          %[[SILU:.*]] = arith.mulf %[[A]], %[[SIG]]
// CHECK:          %[[PROD:.*]] = arith.mulf %[[SILU]], %[[B]]
// CHECK:          linalg.yield %[[PROD]]
// CHECK:        %[[INS:.*]] = tensor.insert_slice %[[H]] into %[[ACC]][%[[LO]], 0]
// CHECK:        scf.yield %[[INS]]
// CHECK:      return %[[LOOP]]
func.func @act_gated(%rows: tensor<?x16xf32>, %w: tensor<4x48x16xf32>, %o: tensor<5xi32>) -> tensor<?x24xf32> {
  %h = moe.grouped_matmul_act %rows, %w offsets(%o : tensor<5xi32>) activation silu gated
         : tensor<?x16xf32>, tensor<4x48x16xf32> -> tensor<?x24xf32>
  return %h : tensor<?x24xf32>
}

// -----

// Non-gated, bf16 result: relu of the whole product, no column halves; the
// f32 result is rounded once to bf16.

// CHECK-LABEL: func.func @act_plain_bf16
// CHECK:      %[[LOOP:.*]] = scf.for
// CHECK:        %[[U:.*]] = linalg.matmul {{.*}} -> tensor<?x24xf32>
// CHECK-NOT:    tensor.extract_slice %[[U]]
// CHECK:        linalg.generic {{.*}} ins(%[[U]] : tensor<?x24xf32>)
// CHECK:          arith.maximumf
// CHECK:      linalg.generic {{.*}} ins(%[[LOOP]] : tensor<?x24xf32>) outs(%{{.*}} : tensor<?x24xbf16>)
// CHECK:        arith.truncf %{{.*}} : f32 to bf16
func.func @act_plain_bf16(%rows: tensor<?x16xbf16>, %w: tensor<4x24x16xbf16>, %o: tensor<5xi32>) -> tensor<?x24xbf16> {
  %h = moe.grouped_matmul_act %rows, %w offsets(%o : tensor<5xi32>) activation relu
         : tensor<?x16xbf16>, tensor<4x24x16xbf16> -> tensor<?x24xbf16>
  return %h : tensor<?x24xbf16>
}

// -----

// A dynamic 2F: F = dim(rhs, 1) / 2 at run time.

// CHECK-LABEL: func.func @act_dynamic_inner
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<2x?x16xf32>
// CHECK:      %[[G:.*]] = tensor.dim %[[W]], %{{.*}} : tensor<2x?x16xf32>
// CHECK:      %[[F:.*]] = arith.divui %[[G]], %{{.*}} : index
// CHECK:      tensor.empty(%{{.*}}, %[[F]]) : tensor<?x?xf32>
// CHECK:      scf.for
// CHECK:        tensor.extract_slice %{{.*}}[0, 0] [%{{.*}}, %[[F]]] [1, 1]
// CHECK:        tensor.extract_slice %{{.*}}[0, %[[F]]] [%{{.*}}, %[[F]]] [1, 1]
func.func @act_dynamic_inner(%rows: tensor<?x16xf32>, %w: tensor<2x?x16xf32>, %o: tensor<3xi32>) -> tensor<?x?xf32> {
  %h = moe.grouped_matmul_act %rows, %w offsets(%o : tensor<3xi32>) activation gelu_erf gated
         : tensor<?x16xf32>, tensor<2x?x16xf32> -> tensor<?x?xf32>
  return %h : tensor<?x?xf32>
}

// -----

// moe.grouped_matmul_combine: the accumulator in f32; per group one matmul
// [rows, D] by w2[e] (bf16 here, read as f32 by the matmul), then the
// group's rows r = lo + i in ascending order: tokens in [0, T) get
// row_weights[r] · y[i] added in f32. The result is rounded once to bf16.

// CHECK-LABEL: func.func @combine
// CHECK-SAME: (%[[H:.*]]: tensor<?x24xf32>, %[[W2:.*]]: tensor<4x16x24xbf16>, %[[OFF:.*]]: tensor<5xi32>, %[[TOK:.*]]: tensor<?xi32>, %[[RW:.*]]: tensor<?xf32>, %[[ACC:.*]]: tensor<6x16xbf16>)
// CHECK:      %[[ACC32:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<6x16xbf16>) outs(%{{.*}} : tensor<6x16xf32>)
// CHECK:      %[[LOOP:.*]] = scf.for %[[E:.*]] = {{.*}} iter_args(%[[SUM:.*]] = %[[ACC32]]) -> (tensor<6x16xf32>)
// CHECK:        %[[LO:.*]] = arith.maxsi
// CHECK:        %[[HE:.*]] = tensor.extract_slice %[[H]][%[[LO]], 0]
// CHECK:        %[[WE:.*]] = tensor.extract_slice %[[W2]][%[[E]], 0, 0] [1, 16, 24] [1, 1, 1] : tensor<4x16x24xbf16> to tensor<16x24xbf16>
// CHECK:        %[[Y:.*]] = linalg.matmul {{.*}} ins(%[[HE]], %[[WE]] : tensor<?x24xf32>, tensor<16x24xbf16>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK:        %[[T:.*]] = arith.constant 6 : index
// CHECK:        %[[ROWS:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %[[SUM]]) -> (tensor<6x16xf32>)
// CHECK:          %[[R:.*]] = arith.addi %[[LO]], %[[I]] : index
// CHECK:          %[[TOKEN:.*]] = tensor.extract %[[TOK]][%[[R]]]
// CHECK:          %[[TI:.*]] = arith.index_cast %[[TOKEN]] : i32 to index
// CHECK:          arith.cmpi sge, %[[TI]]
// CHECK:          arith.cmpi slt, %[[TI]], %[[T]]
// CHECK:          scf.if
// CHECK:            %[[WT:.*]] = tensor.extract %[[RW]][%[[R]]]
// CHECK:            %[[CUR:.*]] = tensor.extract_slice %[[S]][%[[TI]], 0] [1, 16] [1, 1]
// CHECK:            %[[YR:.*]] = tensor.extract_slice %[[Y]][%[[I]], 0] [1, 16] [1, 1]
// CHECK:            linalg.generic {{.*}} ins(%[[YR]] : tensor<16xf32>) outs(%[[CUR]] : tensor<16xf32>)
// CHECK:              %[[P:.*]] = arith.mulf %[[WT]], %{{.*}} : f32
// CHECK:              arith.addf %{{.*}}, %[[P]] : f32
// CHECK:            tensor.insert_slice {{.*}} into %[[S]][%[[TI]], 0] [1, 16] [1, 1]
// CHECK:        scf.yield %[[ROWS]]
// CHECK:      linalg.generic {{.*}} ins(%[[LOOP]] : tensor<6x16xf32>) outs(%{{.*}} : tensor<6x16xbf16>)
// CHECK:        arith.truncf
func.func @combine(%h: tensor<?x24xf32>, %w2: tensor<4x16x24xbf16>, %o: tensor<5xi32>,
                   %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<6x16xbf16>) -> tensor<6x16xbf16> {
  %y = moe.grouped_matmul_combine %h, %w2 offsets(%o : tensor<5xi32>) tokens(%t : tensor<?xi32>)
         weights(%rw : tensor<?xf32>) into %acc : tensor<?x24xf32>, tensor<4x16x24xbf16> -> tensor<6x16xbf16>
  return %y : tensor<6x16xbf16>
}
