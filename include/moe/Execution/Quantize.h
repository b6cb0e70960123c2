//===- Quantize.h - Block quantization of float weights ---------*- C++ -*-===//
//
// The rule by which `moe-run --random-inputs` turns the float weight it
// draws for a moe.dequantize into the op's `q`, `scales` and `zero_points`
// (docs/Tools.md): one scale per block of the last two dimensions, int8
// symmetric (absmax / 127) or asymmetric (with zero points, over [min,
// max]), or fp8 e4m3fn (absmax / 448), rounding to nearest even.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_QUANTIZE_H
#define MOE_EXECUTION_QUANTIZE_H

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

/// How to quantize: the element kinds of `q` (I8 or F8E4M3FN) and of the
/// scales (F32 or BF16), the block [rows, columns] of the last two
/// dimensions that one scale covers, and whether to use zero points (I8
/// only).
struct QuantizeSpec {
  ElementKind valueKind = ElementKind::I8;
  ElementKind scaleKind = ElementKind::F32;
  int64_t blockRows = 1;
  int64_t blockCols = 1;
  bool zeroPoints = false;
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
