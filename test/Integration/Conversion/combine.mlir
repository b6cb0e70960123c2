// Executes the moe-to-linalg lowering of moe.combine (token -1 and
// out-of-range tokens, bf16 rows and accumulator) and compares with the numpy
// reference in Inputs/lowering_ref.py.
//
// REQUIRES: numpy
//
// RUN: %python %S/Inputs/lowering_ref.py emit combine > %t.combine.mlir
// RUN: cat %s %t.combine.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.combine.out
// RUN: %python %S/Inputs/lowering_ref.py check combine %t.combine.out | FileCheck %s --check-prefix=COMBINE
// COMBINE: PASS combine
//
// RUN: %python %S/Inputs/lowering_ref.py emit combine_bf16 > %t.combine_bf16.mlir
// RUN: cat %s %t.combine_bf16.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.combine_bf16.out
// RUN: %python %S/Inputs/lowering_ref.py check combine_bf16 %t.combine_bf16.out | FileCheck %s --check-prefix=COMBINE_BF16
// COMBINE_BF16: PASS combine_bf16

func.func @combine(%rows: tensor<?x9xf32>, %tok: tensor<?xi32>, %w: tensor<?xf32>,
                   %acc: tensor<?x9xf32>) -> tensor<?x9xf32> {
  %y = moe.combine %rows tokens(%tok : tensor<?xi32>) weights(%w : tensor<?xf32>) into %acc
         : tensor<?x9xf32> -> tensor<?x9xf32>
  return %y : tensor<?x9xf32>
}

func.func @combine_bf16(%rows: tensor<12x8xbf16>, %tok: tensor<12xi32>, %w: tensor<12xf32>,
                        %acc: tensor<5x8xbf16>) -> tensor<5x8xbf16> {
  %y = moe.combine %rows tokens(%tok : tensor<12xi32>) weights(%w : tensor<12xf32>) into %acc
         : tensor<12x8xbf16> -> tensor<5x8xbf16>
  return %y : tensor<5x8xbf16>
}
