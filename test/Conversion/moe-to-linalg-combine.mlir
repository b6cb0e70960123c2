// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// bf16 rows and accumulator: the accumulator is widened to f32; an scf.for
// over the rows in ascending order adds w[r] * rows[r] into row t of the f32
// result when 0 <= t < T (token -1 and tokens past T are skipped); the
// result is rounded back to bf16 once at the end.

// CHECK-LABEL: func.func @combine_bf16
// CHECK-SAME: (%[[ROWS:.*]]: tensor<?x16xbf16>, %[[TOK:.*]]: tensor<?xi32>, %[[W:.*]]: tensor<?xf32>, %[[ACC:.*]]: tensor<?x16xbf16>)
// CHECK: %[[ACCF:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<?x16xbf16>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: arith.extf
// CHECK: %[[T:.*]] = tensor.dim %[[ACCF]]
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[N:.*]] = tensor.dim %[[ROWS]]
// CHECK: %[[SUM:.*]] = scf.for %[[R:.*]] = %[[C0]] to %[[N]] step %{{.*}} iter_args(%[[RES:.*]] = %[[ACCF]]) -> (tensor<?x16xf32>)
// CHECK: %[[T32:.*]] = tensor.extract %[[TOK]][%[[R]]] : tensor<?xi32>
// CHECK: %[[TI:.*]] = arith.index_cast %[[T32]] : i32 to index
// CHECK: %[[GE:.*]] = arith.cmpi sge, %[[TI]], %[[C0]] : index
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[TI]], %[[T]] : index
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK: %[[UPD:.*]] = scf.if %[[OK]] -> (tensor<?x16xf32>)
// CHECK: %[[WR:.*]] = tensor.extract %[[W]][%[[R]]] : tensor<?xf32>
// CHECK: %[[CUR:.*]] = tensor.extract_slice %[[RES]][%[[TI]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<16xf32>
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[ROWS]][%[[R]], 0] [1, 16] [1, 1] : tensor<?x16xbf16> to tensor<16xbf16>
// CHECK: %[[NEW:.*]] = linalg.generic {{.*}} ins(%[[ROW]] : tensor<16xbf16>) outs(%[[CUR]] : tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: bf16, %[[O:.*]]: f32):
// CHECK-NEXT: %[[VF:.*]] = arith.extf %[[V]] : bf16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[WR]], %[[VF]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[O]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[NEW]] into %[[RES]][%[[TI]], 0] [1, 16] [1, 1]
// CHECK: scf.yield %[[INS]]
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[RES]]
// CHECK: scf.yield %[[UPD]]
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x16xf32>) outs(%{{.*}} : tensor<?x16xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: return %[[OUT]] : tensor<?x16xbf16>
func.func @combine_bf16(%rows: tensor<?x16xbf16>, %tok: tensor<?xi32>, %w: tensor<?xf32>,
                        %acc: tensor<?x16xbf16>) -> tensor<?x16xbf16> {
  %y = moe.combine %rows tokens(%tok : tensor<?xi32>) weights(%w : tensor<?xf32>) into %acc
         : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// f32 everywhere: no conversions; the accumulator is the loop's initial value.

// CHECK-LABEL: func.func @combine_f32
// CHECK-SAME: %[[ACC:[^ ]*]]: tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT: arith.extf
// CHECK: %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (tensor<4x8xf32>)
// CHECK-NOT: arith.truncf
// CHECK: return %[[SUM]] : tensor<4x8xf32>
func.func @combine_f32(%rows: tensor<12x8xf32>, %tok: tensor<12xi32>, %w: tensor<12xf32>,
                       %acc: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = moe.combine %rows tokens(%tok : tensor<12xi32>) weights(%w : tensor<12xf32>) into %acc
         : tensor<12x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
