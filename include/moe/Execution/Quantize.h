//===- Quantize.h - Block quantization of float weights ---------*- C++ -*-===//
//
// The rule by which `moe-run --random-inputs` turns the float weight it
// draws for a moe.dequantize into the op's `q`, `scales` and `zero_points`
// (docs/Tools.md): one scale per block of the last two dimensions, int8
// symmetric (absmax / 127) or asymmetric (with zero points, over [min,
// max]), fp8 e4m3fn (absmax / 448), int4 packed two per byte (absmax / 7,
// or over [min, max] with zero points), or fp4 e2m1 packed two per byte
// (absmax / 6, or with e8m0 scales the OCP MX rule 2^(floor(log2(absmax))
// - 2)), rounding to nearest even.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_QUANTIZE_H
#define MOE_EXECUTION_QUANTIZE_H

#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Execution/HostTensor.h"

#include <optional>

namespace mlir {
namespace moe {
namespace execution {

/// The operands of a moe.dequantize that give back (nearly) a float weight.
struct QuantizedWeight {
  HostTensor values;
  HostTensor scales;
  std::optional<HostTensor> zeroPoints;
};

/// How to quantize: the element kinds of `q` (I8 or F8E4M3FN; I8 for
/// packed 4-bit values) and of the scales (F32 or BF16; F8E8M0FNU for
/// packed e2m1 only), the block [rows, columns] of the last two dimensions
/// that one scale covers, whether to use zero points (integer values only)
/// and whether q packs two 4-bit values per byte (`q` is then [..., N,
/// K / 2] for a weight [..., N, K]).
struct QuantizeSpec {
  ElementKind valueKind = ElementKind::I8;
  ElementKind scaleKind = ElementKind::F32;
  int64_t blockRows = 1;
  int64_t blockCols = 1;
  bool zeroPoints = false;
  std::optional<PackedFormat> packed;
};

/// The shape of the scales for a weight of `shape` ([..., N, K], rank 2 or
/// more): [..., ceil(N / blockRows), ceil(K / blockCols)].
llvm::SmallVector<int64_t> getScalesShape(llvm::ArrayRef<int64_t> shape,
                                          const QuantizeSpec &spec);

/// `weight`, a float tensor of rank 2 or more, quantized by `spec`; an error
/// when the spec is not one of the supported combinations.
llvm::Expected<QuantizedWeight> quantizeWeight(const HostTensor &weight,
                                               const QuantizeSpec &spec);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_QUANTIZE_H
