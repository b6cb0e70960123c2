//===- Quantization.h - a checkpoint's quantization_config ------*- C++ -*-===//
//
// What config.json's `quantization_config` says about the stored matrix
// weights: which are quantized, in which format and with which scale blocks,
// and under which checkpoint names their scales are saved. moe-import then
// takes such a weight as two arguments (the quantized values and their
// scales) and a `moe.dequantize` (docs/Import.md, "Quantized checkpoints").
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_IMPORT_QUANTIZATION_H
#define MOE_TOOLS_MOE_IMPORT_QUANTIZATION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace mlir {
namespace moe {
namespace import {

struct WeightQuantization {
  enum class Method {
    /// Float weights.
    none,
    /// `quant_method: "fp8"` (transformers' FineGrainedFP8Config, the
    /// DeepSeek-V3 layout): `<name>.weight` holds e4m3fn values [N, K] and
    /// `<name>.weight_scale_inv` f32 factors [ceil(N/bn), ceil(K/bk)]; the
    /// weight is their product.
    fp8Block,
    /// `quant_method: "mxfp4"` (GPT-OSS): the experts' `<name>` is stored as
    /// `<name>_blocks`, bytes [..., N, K/32, 16] of two e2m1 values each
    /// (element 2j in the low nibble), and `<name>_scales`, e8m0 exponents
    /// [..., N, K/32] (2^(e - 127)), in the nn.Linear layout.
    mxfp4,
  };
  Method method = Method::none;
  /// The block [bn, bk] of the weight's [N, K] that one scale covers.
  int64_t blockRows = 128, blockCols = 128;
  /// Modules left in floats (`modules_to_not_convert`).
  std::vector<std::string> notConverted;

  bool enabled() const { return method != Method::none; }
  /// Whether the checkpoint stores the matrix `weightName` (possibly
  /// holding `{e}`) quantized.
  bool quantizes(llvm::StringRef weightName) const;
  /// The checkpoint names of the values and of the scales of the quantized
  /// `weightName`.
  std::string valuesName(llvm::StringRef weightName) const;
  std::string scalesName(llvm::StringRef weightName) const;
};

/// Reads `quantization_config` of the top-level config object (none when
/// absent or null). Errors are one line naming the offending field.
llvm::Expected<WeightQuantization>
readQuantization(const llvm::json::Object &config);

} // namespace import
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_IMPORT_QUANTIZATION_H
