// RUN: moe-opt %s --split-input-file --moe-decompose --moe-expert-fusion | FileCheck %s
// RUN: moe-opt %s --split-input-file --moe-decompose --moe-expert-fusion=fold-shared-expert=false | FileCheck %s --check-prefix=NOFOLD
// RUN: moe-opt %s --split-input-file --moe-decompose --moe-expert-fusion=fuse-combine=false | FileCheck %s --check-prefix=NOCOMBINE
// RUN: moe-opt %s --split-input-file --moe-decompose --moe-expert-fusion=pack-argument-weights=false | FileCheck %s --check-prefix=NOPACK
// RUN: moe-opt %s --split-input-file --moe-decompose --moe-expert-fusion='pack-argument-weights=false remarks=true' -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
//
// moe-decompose runs first so that the shared expert has the form it gives
// it; on step ops it changes nothing.

// Gated experts over moe.dispatch rows, combined: w1‖w3 is one [E, 2F, D]
// operand (concatenated per call: the weights are arguments), the up
// projection applies silu and the gating product, and the down projection is
// fused with the combine into the caller's accumulator.

// CHECK-LABEL: func.func @gated
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}: tensor<?x2xi32>, %{{.*}}: tensor<?x2xf32>, %[[W1:[a-z0-9]+]]: tensor<4x32x16xf32>, %[[W3:[a-z0-9]+]]: tensor<4x32x16xf32>, %[[W2:[a-z0-9]+]]: tensor<4x16x32xf32>, %[[ACC:[a-z0-9]+]]: tensor<?x16xf32>)
// CHECK:      %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[X]]
// CHECK:      %[[W13:.*]] = tensor.concat dim(1) %[[W1]], %[[W3]] : (tensor<4x32x16xf32>, tensor<4x32x16xf32>) -> tensor<4x64x16xf32>
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act %[[ROWS]], %[[W13]] offsets(%[[OFF]] : tensor<5xi32>) activation silu gated : tensor<?x16xf32>, tensor<4x64x16xf32> -> tensor<?x32xf32>
// CHECK:      %[[OUT:.*]] = moe.grouped_matmul_combine %[[H]], %[[W2]] offsets(%[[OFF]] : tensor<5xi32>) tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[ACC]] : tensor<?x32xf32>, tensor<4x16x32xf32> -> tensor<?x16xf32>
// CHECK:      return %[[OUT]]
// CHECK-NOT:  moe.experts
// CHECK-NOT:  moe.combine

// Without combine fusion the [N, D] rows are kept and combined as before.
// NOCOMBINE-LABEL: func.func @gated
// NOCOMBINE:      %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch
// NOCOMBINE:      %[[W13:.*]] = tensor.concat dim(1)
// NOCOMBINE:      %[[H:.*]] = moe.grouped_matmul_act %[[ROWS]], %[[W13]] offsets(%[[OFF]] : tensor<5xi32>) activation silu gated
// NOCOMBINE:      %[[Y:.*]] = moe.grouped_matmul %[[H]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) : tensor<?x32xf32>, tensor<4x16x32xf32> -> tensor<?x16xf32>
// NOCOMBINE:      moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>)

// Gated argument weights would be copied on every call: left alone.
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: w1 and w3 are not constants, and packing them (pack-argument-weights=true) would concatenate them on every call
// REMARK: remark: moe-expert-fusion: fused the experts and the combine into moe.grouped_matmul_act and moe.grouped_matmul_combine
// REMARK-NOT: shared expert folded
// REMARK: remark: moe-expert-fusion: fused the up projection into moe.grouped_matmul_act
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: w1 and w3 have different element types
// NOPACK-LABEL: func.func @gated
// NOPACK-NOT:   tensor.concat
// NOPACK:       moe.experts
// NOPACK:       moe.combine
func.func @gated(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                 %w1: tensor<4x32x16xf32>, %w3: tensor<4x32x16xf32>,
                 %w2: tensor<4x16x32xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x32x16xf32>)
         w3(%w3 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>) activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}

// -----

// Non-gated experts, dropped assignments: w1 is used as it is, so nothing is
// packed (also with pack-argument-weights=false).

// CHECK-LABEL: func.func @non_gated
// CHECK:      %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch {{.*}} drop position capacity 3
// CHECK-NOT:  tensor.concat
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act %[[ROWS]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) activation gelu_tanh : tensor<12x16xf32>, tensor<4x24x16xf32> -> tensor<12x24xf32>
// CHECK:      moe.grouped_matmul_combine %[[H]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) tokens(%[[TOK]] : tensor<12xi32>) weights(%[[RW]] : tensor<12xf32>) into %{{.*}} : tensor<12x24xf32>, tensor<4x16x24xf32> -> tensor<6x16xf32>

// NOPACK-LABEL: func.func @non_gated
// NOPACK:       moe.grouped_matmul_act
// NOPACK:       moe.grouped_matmul_combine
func.func @non_gated(%x: tensor<6x16xf32>, %i: tensor<6x2xi32>, %w: tensor<6x2xf32>,
                     %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>,
                     %acc: tensor<6x16xf32>) -> tensor<6x16xf32> {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop position capacity 3
      : tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>
      -> tensor<12x16xf32>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>) activation gelu_tanh
         : tensor<12x16xf32> -> tensor<12x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<12xi32>) weights(%rw : tensor<12xf32>)
           into %acc : tensor<12x16xf32> -> tensor<6x16xf32>
  return %out : tensor<6x16xf32>
}

// -----

// The expert rows are also returned: the [N, D] rows stay (a grouped matmul
// after the fused up projection) and the combine reads them.

// CHECK-LABEL: func.func @rows_used_elsewhere
// CHECK:      %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act %[[ROWS]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) activation relu :
// CHECK:      %[[Y:.*]] = moe.grouped_matmul %[[H]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) : tensor<?x24xf32>, tensor<4x16x24xf32> -> tensor<?x16xf32>
// CHECK:      %[[OUT:.*]] = moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>)
// CHECK:      return %[[OUT]], %[[Y]]
// CHECK-NOT:  moe.grouped_matmul_combine
func.func @rows_used_elsewhere(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                               %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>,
                               %acc: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>) activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out, %y : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// Offsets that are an argument may make groups overlap, where the fused
// combine would add a row twice: only the up projection is fused.

// CHECK-LABEL: func.func @offsets_argument
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act
// CHECK:      %[[Y:.*]] = moe.grouped_matmul %[[H]]
// CHECK:      moe.combine %[[Y]]
// CHECK-NOT:  moe.grouped_matmul_combine
func.func @offsets_argument(%rows: tensor<?x16xf32>, %off: tensor<5xi32>, %tok: tensor<?xi32>,
                            %rw: tensor<?xf32>, %w1: tensor<4x24x16xf32>,
                            %w2: tensor<4x16x24xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>) activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}

// -----

// Offsets from moe.dispatch, but tokens from elsewhere: the rows past the
// groups (zero expert output in the unfused IR) might carry a token.

// CHECK-LABEL: func.func @tokens_not_from_dispatch
// CHECK:      moe.grouped_matmul_act
// CHECK:      moe.combine
// CHECK-NOT:  moe.grouped_matmul_combine
func.func @tokens_not_from_dispatch(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                                    %tok: tensor<?xi32>, %w1: tensor<4x24x16xf32>,
                                    %w2: tensor<4x16x24xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %rows, %off, %t, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>) activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}

// -----

// Constant offsets that decrease (groups overlap): not fused with the
// combine. Constant offsets that cover every row in order are.

// CHECK-LABEL: func.func @constant_offsets
// CHECK:      %[[BAD:.*]] = arith.constant dense<[0, 5, 3, 8, 8]> : tensor<5xi32>
// CHECK:      %[[GOOD:.*]] = arith.constant dense<[0, 2, 4, 6, 8]> : tensor<5xi32>
// CHECK:      %[[H1:.*]] = moe.grouped_matmul_act %{{.*}} offsets(%[[GOOD]] : tensor<5xi32>)
// CHECK:      %[[OUT1:.*]] = moe.grouped_matmul_combine %[[H1]], %{{.*}} offsets(%[[GOOD]] : tensor<5xi32>)
// CHECK:      %[[H2:.*]] = moe.grouped_matmul_act %{{.*}} offsets(%[[BAD]] : tensor<5xi32>)
// CHECK:      %[[Y2:.*]] = moe.grouped_matmul %[[H2]], %{{.*}} offsets(%[[BAD]] : tensor<5xi32>)
// CHECK:      %[[OUT2:.*]] = moe.combine %[[Y2]] {{.*}} into %[[OUT1]]
// CHECK:      return %[[OUT2]]
func.func @constant_offsets(%rows: tensor<8x16xf32>, %tok: tensor<8xi32>, %rw: tensor<8xf32>,
                            %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>,
                            %acc: tensor<6x16xf32>) -> tensor<6x16xf32> {
  %bad = arith.constant dense<[0, 5, 3, 8, 8]> : tensor<5xi32>
  %good = arith.constant dense<[0, 2, 4, 6, 8]> : tensor<5xi32>
  %y1 = moe.experts %rows offsets(%good : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
          w2(%w2 : tensor<4x16x24xf32>) activation relu : tensor<8x16xf32> -> tensor<8x16xf32>
  %o1 = moe.combine %y1 tokens(%tok : tensor<8xi32>) weights(%rw : tensor<8xf32>)
          into %acc : tensor<8x16xf32> -> tensor<6x16xf32>
  %y2 = moe.experts %rows offsets(%bad : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
          w2(%w2 : tensor<4x16x24xf32>) activation relu : tensor<8x16xf32> -> tensor<8x16xf32>
  %o2 = moe.combine %y2 tokens(%tok : tensor<8xi32>) weights(%rw : tensor<8xf32>)
          into %o1 : tensor<8x16xf32> -> tensor<6x16xf32>
  return %o2 : tensor<6x16xf32>
}

// -----

// w1 and w3 of different element types cannot be one operand: untouched.

// CHECK-LABEL: func.func @mixed_gate_up_types
// CHECK:      moe.experts
// CHECK:      moe.combine
// CHECK-NOT:  moe.grouped_matmul
func.func @mixed_gate_up_types(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>,
                               %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xbf16>,
                               %w2: tensor<4x16x24xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w3(%w3 : tensor<4x24x16xbf16>) w2(%w2 : tensor<4x16x24xf32>) activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}

// -----

// Expert choice: the rows of expert e are e·C .. e·C + C - 1 (constant
// offsets covering every row), so the combine is fused.

// CHECK-LABEL: func.func @expert_choice
// CHECK:      %[[OFF:.*]] = arith.constant dense<[0, 3, 6, 9, 12]> : tensor<5xi32>
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) activation gelu_erf gated : tensor<12x16xf32>, tensor<4x48x16xf32> -> tensor<12x24xf32>
// CHECK:      moe.grouped_matmul_combine %[[H]], %{{.*}} offsets(%[[OFF]] : tensor<5xi32>) tokens(%{{.*}} : tensor<12xi32>) weights(%{{.*}} : tensor<12xf32>) into %{{.*}} : tensor<12x24xf32>, tensor<4x16x24xf32> -> tensor<?x16xf32>
// CHECK-NOT:  moe.experts
// CHECK-NOT:  moe.combine
func.func @expert_choice(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x24x16xf32>,
                         %w3: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         routing #moe.expert_choice<capacity = 3> activation gelu_erf
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A gated shared expert of the routed width (S = F = 24) with a sigmoid gate
// becomes expert 0 of 5: its rows are x (tokens 0 .. T-1, weights
// sigmoid(x · gateᵀ)) before the dispatched rows, the offsets are shifted by
// T, its weights are placed before the routed ones (one copy:
// insert_slice into one tensor), and the accumulator is zeros.

// CHECK-LABEL: func.func @shared_gated_with_gate
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}: tensor<4x16xf32>, %[[W1:[a-z0-9]+]]: tensor<4x24x16xf32>, %[[W3:[a-z0-9]+]]: tensor<4x24x16xf32>, %[[W2:[a-z0-9]+]]: tensor<4x16x24xf32>, %[[S1:[a-z0-9]+]]: tensor<24x16xf32>, %[[S3:[a-z0-9]+]]: tensor<24x16xf32>, %[[S2:[a-z0-9]+]]: tensor<16x24xf32>, %[[SG:[a-z0-9]+]]: tensor<1x16xf32>)
// CHECK:      %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[X]]
// CHECK-DAG:  %[[ES1:.*]] = tensor.expand_shape %[[S1]] {{.*}} into tensor<1x24x16xf32>
// CHECK-DAG:  %[[ES3:.*]] = tensor.expand_shape %[[S3]] {{.*}} into tensor<1x24x16xf32>
// CHECK-DAG:  %[[ES2:.*]] = tensor.expand_shape %[[S2]] {{.*}} into tensor<1x16x24xf32>
// CHECK:      %[[G:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[SG]] : tensor<?x16xf32>, tensor<1x16xf32>) {{.*}} -> tensor<?x1xf32>
// CHECK:      %[[IOTA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?xi32>)
// CHECK:        linalg.index 0
// CHECK:      %[[GATE:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<?x1xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK:        arith.negf
// CHECK:        math.exp
// CHECK:        arith.addf
// CHECK:        arith.divf
// CHECK:      %[[T:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK:      %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK:      %[[END:.*]] = arith.addi %[[ZERO]], %[[T]] : i32
// CHECK:      %[[PREFIX:.*]] = tensor.from_elements %[[ZERO]] : tensor<1xi32>
// CHECK:      %[[SHIFTED:.*]] = linalg.generic {{.*}} ins(%[[OFF]] : tensor<5xi32>)
// CHECK:        arith.addi %{{.*}}, %[[END]] : i32
// CHECK:      %[[R:.*]] = tensor.concat dim(0) %[[X]], %[[ROWS]] : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
// CHECK:      %[[TK:.*]] = tensor.concat dim(0) %[[IOTA]], %[[TOK]]
// CHECK:      %[[WT:.*]] = tensor.concat dim(0) %[[GATE]], %[[RW]]
// CHECK:      %[[O:.*]] = tensor.concat dim(0) %[[PREFIX]], %[[SHIFTED]] : (tensor<1xi32>, tensor<5xi32>) -> tensor<6xi32>
// CHECK:      %[[E:.*]] = tensor.empty() : tensor<5x48x16xf32>
// CHECK:      %[[P0:.*]] = tensor.insert_slice %[[ES1]] into %[[E]][0, 0, 0] [1, 24, 16] [1, 1, 1]
// CHECK:      %[[P1:.*]] = tensor.insert_slice %[[W1]] into %[[P0]][1, 0, 0] [4, 24, 16] [1, 1, 1]
// CHECK:      %[[P2:.*]] = tensor.insert_slice %[[ES3]] into %[[P1]][0, 24, 0] [1, 24, 16] [1, 1, 1]
// CHECK:      %[[W13:.*]] = tensor.insert_slice %[[W3]] into %[[P2]][1, 24, 0] [4, 24, 16] [1, 1, 1]
// CHECK:      %[[W2P:.*]] = tensor.concat dim(0) %[[ES2]], %[[W2]] : (tensor<1x16x24xf32>, tensor<4x16x24xf32>) -> tensor<5x16x24xf32>
// CHECK:      %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK:      %[[H:.*]] = moe.grouped_matmul_act %[[R]], %[[W13]] offsets(%[[O]] : tensor<6xi32>) activation silu gated : tensor<?x16xf32>, tensor<5x48x16xf32> -> tensor<?x24xf32>
// CHECK:      %[[OUT:.*]] = moe.grouped_matmul_combine %[[H]], %[[W2P]] offsets(%[[O]] : tensor<6xi32>) tokens(%[[TK]] : tensor<?xi32>) weights(%[[WT]] : tensor<?xf32>) into %[[ACC]]
// CHECK:      return %[[OUT]]
// CHECK-NOT:  moe.experts

// Without folding, the shared expert is fused on its own (a one-group
// grouped GEMM pair) and stays the accumulator.
// NOFOLD-LABEL: func.func @shared_gated_with_gate
// NOFOLD:       %[[SH:.*]] = moe.grouped_matmul_act %{{.*}} offsets(%{{.*}} : tensor<2xi32>) activation silu gated : tensor<?x16xf32>, tensor<1x48x16xf32> -> tensor<?x24xf32>
// NOFOLD:       %[[SY:.*]] = moe.grouped_matmul %[[SH]], %{{.*}} : tensor<?x24xf32>, tensor<1x16x24xf32> -> tensor<?x16xf32>
// NOFOLD:       %[[GATED:.*]] = linalg.generic {{.*}} ins(%[[SY]], %{{.*}} : tensor<?x16xf32>, tensor<?x1xf32>)
// NOFOLD:       %[[H:.*]] = moe.grouped_matmul_act %{{.*}} offsets(%{{.*}} : tensor<5xi32>)
// NOFOLD:       moe.grouped_matmul_combine %[[H]], {{.*}} into %[[GATED]]
func.func @shared_gated_with_gate(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
                                  %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xf32>,
                                  %w2: tensor<4x16x24xf32>, %s1: tensor<24x16xf32>,
                                  %s3: tensor<24x16xf32>, %s2: tensor<16x24xf32>,
                                  %sg: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%s1 : tensor<24x16xf32>) shared_w3(%s3 : tensor<24x16xf32>)
         shared_w2(%s2 : tensor<16x24xf32>) shared_gate(%sg : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A non-gated shared expert twice the routed width (S = 2F), without gate:
// two always-selected experts of weight 1. Its w1 [S, D] splits into
// [2, F, D] by rows; its w2 [D, S] into [2, D, F] by columns (a transpose).

// CHECK-LABEL: func.func @shared_twice_as_wide
// CHECK:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:      %[[W:.*]] = linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK:      tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi32>
// CHECK:      tensor.concat dim(0) %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
// CHECK:      tensor.concat dim(0) %[[W]], %[[W]], %{{.*}} : (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK:      tensor.concat dim(0) {{.*}} : (tensor<2xi32>, tensor<5xi32>) -> tensor<7xi32>
// CHECK:      tensor.expand_shape {{.*}} output_shape [2, 24, 16] : tensor<48x16xf32> into tensor<2x24x16xf32>
// CHECK:      tensor.concat dim(0) {{.*}} : (tensor<2x24x16xf32>, tensor<4x24x16xf32>) -> tensor<6x24x16xf32>
// CHECK:      %[[SPLIT:.*]] = tensor.expand_shape {{.*}} output_shape [16, 2, 24] : tensor<16x48xf32> into tensor<16x2x24xf32>
// CHECK:      linalg.transpose ins(%[[SPLIT]] : tensor<16x2x24xf32>) outs(%{{.*}} : tensor<2x16x24xf32>) permutation = [1, 0, 2]
// CHECK:      moe.grouped_matmul_act {{.*}} activation relu : tensor<?x16xf32>, tensor<6x24x16xf32> -> tensor<?x24xf32>
// CHECK:      moe.grouped_matmul_combine {{.*}} : tensor<?x24xf32>, tensor<6x16x24xf32> -> tensor<?x16xf32>
// CHECK-NOT:  moe.experts
func.func @shared_twice_as_wide(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
                                %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>,
                                %s1: tensor<48x16xf32>, %s2: tensor<16x48xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%s1 : tensor<48x16xf32>) shared_w2(%s2 : tensor<16x48xf32>)
         routing #moe.routing<k = 1, scoring = sigmoid> activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Shared inner size 40 is not a multiple of 24, and a non-gated shared
// expert does not join gated experts: neither is folded. Each is fused on its
// own and the routed combine accumulates into the shared output.

// CHECK-LABEL: func.func @shared_not_foldable
// CHECK:      %[[SH:.*]] = moe.grouped_matmul_act %{{.*}} activation silu gated : tensor<?x16xf32>, tensor<1x80x16xf32> -> tensor<?x40xf32>
// CHECK:      %[[SY:.*]] = moe.grouped_matmul %[[SH]], {{.*}} -> tensor<?x16xf32>
// CHECK:      moe.grouped_matmul_combine {{.*}} into %[[SY]]
// CHECK-LABEL: func.func @shared_not_gated_like_routed
// CHECK:      %[[SH:.*]] = moe.grouped_matmul_act %{{.*}} activation silu : tensor<?x16xf32>, tensor<1x24x16xf32> -> tensor<?x24xf32>
// CHECK:      %[[SY:.*]] = moe.grouped_matmul %[[SH]], {{.*}} -> tensor<?x16xf32>
// CHECK:      moe.grouped_matmul_combine {{.*}} into %[[SY]]
func.func @shared_not_foldable(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
                               %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xf32>,
                               %w2: tensor<4x16x24xf32>, %s1: tensor<40x16xf32>,
                               %s3: tensor<40x16xf32>, %s2: tensor<16x40xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%s1 : tensor<40x16xf32>) shared_w3(%s3 : tensor<40x16xf32>)
         shared_w2(%s2 : tensor<16x40xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
func.func @shared_not_gated_like_routed(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
                                        %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xf32>,
                                        %w2: tensor<4x16x24xf32>, %s1: tensor<24x16xf32>,
                                        %s2: tensor<16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%s1 : tensor<24x16xf32>) shared_w2(%s2 : tensor<16x24xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Constant weights are packed at compile time. Expert e's w1‖w3 holds w1[e]
// in rows 0..F-1 and w3[e] in rows F..2F-1; the shared expert (S = 2F = 4)
// becomes experts 0 and 1: rows 0-1 and 2-3 of its w1 and w3, columns 0-1
// and 2-3 of its w2. Every value below is spelled out from the inputs.

// CHECK-LABEL: func.func @constant_weights
// CHECK-NOT:  tensor.concat dim(1)
// CHECK-NOT:  tensor.insert_slice
// CHECK-NOT:  linalg.transpose
// CHECK-DAG:  %[[W13:.*]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [1.100000e+01, 1.200000e+01], [1.300000e+01, 1.400000e+01]], {{\[}}[5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00], [1.500000e+01, 1.600000e+01], [1.700000e+01, 1.800000e+01]], {{\[}}[1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00], [1.000000e+01, 2.000000e+01], [3.000000e+01, 4.000000e+01]], {{\[}}[5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00], [5.000000e+01, 6.000000e+01], [7.000000e+01, 8.000000e+01]]]> : tensor<4x4x2xf32>
// CHECK-DAG:  %[[W2:.*]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00]], {{\[}}[3.000000e+00, 4.000000e+00], [7.000000e+00, 8.000000e+00]], {{\[}}[-1.000000e+00, -2.000000e+00], [-3.000000e+00, -4.000000e+00]], {{\[}}[-5.000000e+00, -6.000000e+00], [-7.000000e+00, -8.000000e+00]]]> : tensor<4x2x2xf32>
// CHECK:      moe.grouped_matmul_act %{{.*}}, %[[W13]] offsets({{.*}}) activation silu gated : tensor<?x2xf32>, tensor<4x4x2xf32> -> tensor<?x2xf32>
// CHECK:      moe.grouped_matmul_combine %{{.*}}, %[[W2]] offsets({{.*}} : tensor<5xi32>)
// CHECK-NOT:  moe.experts
func.func @constant_weights(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %wg = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %w1 = arith.constant dense<[[[1.0, 0.0], [0.0, 1.0]], [[5.0, 6.0], [7.0, 8.0]]]> : tensor<2x2x2xf32>
  %w3 = arith.constant dense<[[[10.0, 20.0], [30.0, 40.0]], [[50.0, 60.0], [70.0, 80.0]]]> : tensor<2x2x2xf32>
  %w2 = arith.constant dense<[[[-1.0, -2.0], [-3.0, -4.0]], [[-5.0, -6.0], [-7.0, -8.0]]]> : tensor<2x2x2xf32>
  %s1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %s3 = arith.constant dense<[[11.0, 12.0], [13.0, 14.0], [15.0, 16.0], [17.0, 18.0]]> : tensor<4x2xf32>
  %s2 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %y = moe.layer %x router(%wg : tensor<2x2xf32>)
         w1(%w1 : tensor<2x2x2xf32>) w3(%w3 : tensor<2x2x2xf32>) w2(%w2 : tensor<2x2x2xf32>)
         shared_w1(%s1 : tensor<4x2xf32>) shared_w3(%s3 : tensor<4x2xf32>)
         shared_w2(%s2 : tensor<2x4xf32>)
         routing #moe.routing<k = 1, scoring = softmax> activation silu
         : tensor<?x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
