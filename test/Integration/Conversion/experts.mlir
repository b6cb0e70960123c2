// Executes the moe-to-linalg lowering of moe.experts (every activation, gated
// and not, bf16 weights, malformed offsets) and moe.grouped_matmul, and
// compares with the numpy reference in Inputs/lowering_ref.py.
//
// REQUIRES: numpy
//
// RUN: %python %S/Inputs/lowering_ref.py emit experts_silu > %t.experts_silu.mlir
// RUN: cat %s %t.experts_silu.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.experts_silu.out
// RUN: %python %S/Inputs/lowering_ref.py check experts_silu %t.experts_silu.out | FileCheck %s --check-prefix=EXPERTS_SILU
// EXPERTS_SILU: PASS experts_silu
//
// RUN: %python %S/Inputs/lowering_ref.py emit experts_gelu_tanh > %t.experts_gelu_tanh.mlir
// RUN: cat %s %t.experts_gelu_tanh.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.experts_gelu_tanh.out
// RUN: %python %S/Inputs/lowering_ref.py check experts_gelu_tanh %t.experts_gelu_tanh.out | FileCheck %s --check-prefix=EXPERTS_GELU_TANH
// EXPERTS_GELU_TANH: PASS experts_gelu_tanh
//
// RUN: %python %S/Inputs/lowering_ref.py emit experts_gelu_erf > %t.experts_gelu_erf.mlir
// RUN: cat %s %t.experts_gelu_erf.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.experts_gelu_erf.out
// RUN: %python %S/Inputs/lowering_ref.py check experts_gelu_erf %t.experts_gelu_erf.out | FileCheck %s --check-prefix=EXPERTS_GELU_ERF
// EXPERTS_GELU_ERF: PASS experts_gelu_erf
//
// RUN: %python %S/Inputs/lowering_ref.py emit experts_relu_bf16 > %t.experts_relu_bf16.mlir
// RUN: cat %s %t.experts_relu_bf16.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.experts_relu_bf16.out
// RUN: %python %S/Inputs/lowering_ref.py check experts_relu_bf16 %t.experts_relu_bf16.out | FileCheck %s --check-prefix=EXPERTS_RELU_BF16
// EXPERTS_RELU_BF16: PASS experts_relu_bf16
//
// RUN: %python %S/Inputs/lowering_ref.py emit experts_bad_offsets > %t.experts_bad_offsets.mlir
// RUN: cat %s %t.experts_bad_offsets.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.experts_bad_offsets.out
// RUN: %python %S/Inputs/lowering_ref.py check experts_bad_offsets %t.experts_bad_offsets.out | FileCheck %s --check-prefix=EXPERTS_BAD_OFFSETS
// EXPERTS_BAD_OFFSETS: PASS experts_bad_offsets
//
// RUN: %python %S/Inputs/lowering_ref.py emit grouped_matmul_bf16 > %t.grouped_matmul_bf16.mlir
// RUN: cat %s %t.grouped_matmul_bf16.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.grouped_matmul_bf16.out
// RUN: %python %S/Inputs/lowering_ref.py check grouped_matmul_bf16 %t.grouped_matmul_bf16.out | FileCheck %s --check-prefix=GROUPED_MATMUL_BF16
// GROUPED_MATMUL_BF16: PASS grouped_matmul_bf16

// Offsets [0, 6, 6, 13, 17] over 20 rows: an empty group, 3 rows past the end.
func.func @experts_silu(%rows: tensor<?x16xf32>, %off: tensor<5xi32>, %w1: tensor<4x24x16xf32>,
                        %w3: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>) activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

func.func @experts_gelu_tanh(%rows: tensor<?x16xf32>, %off: tensor<4xi32>, %w1: tensor<3x24x16xf32>,
                             %w2: tensor<3x16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<4xi32>) w1(%w1 : tensor<3x24x16xf32>)
         w2(%w2 : tensor<3x16x24xf32>) activation gelu_tanh
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Offsets [2, 9, 20]: the first 2 rows belong to no group.
func.func @experts_gelu_erf(%rows: tensor<?x16xf32>, %off: tensor<3xi32>, %w1: tensor<2x24x16xf32>,
                            %w3: tensor<2x24x16xf32>, %w2: tensor<2x16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<3xi32>) w1(%w1 : tensor<2x24x16xf32>)
         w3(%w3 : tensor<2x24x16xf32>) w2(%w2 : tensor<2x16x24xf32>) activation gelu_erf
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// bf16 weights, f32 rows.
func.func @experts_relu_bf16(%rows: tensor<?x16xf32>, %off: tensor<4xi32>, %w1: tensor<3x24x16xbf16>,
                             %w2: tensor<3x16x24xbf16>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<4xi32>) w1(%w1 : tensor<3x24x16xbf16>)
         w2(%w2 : tensor<3x16x24xbf16>) activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Offsets [-5, 4, 2, 9, 40] over 20 rows are clamped to [0, 4, 4, 9, 20].
func.func @experts_bad_offsets(%rows: tensor<?x16xf32>, %off: tensor<5xi32>, %w1: tensor<4x24x16xf32>,
                               %w3: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x24x16xf32>)
         w3(%w3 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>) activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// f32 rows, bf16 weights and result.
func.func @grouped_matmul_bf16(%lhs: tensor<?x12xf32>, %rhs: tensor<3x7x12xbf16>,
                               %off: tensor<4xi32>) -> tensor<?x7xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs offsets(%off : tensor<4xi32>)
         : tensor<?x12xf32>, tensor<3x7x12xbf16> -> tensor<?x7xbf16>
  return %y : tensor<?x7xbf16>
}
