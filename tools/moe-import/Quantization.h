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
    /// `quant_method: "compressed-tensors"`, `format: "pack-quantized"`
    /// (W4A16: AWQ, GPTQ, llm-compressor): `<name>.weight_packed` holds
    /// int4 values [N, K], eight per little-endian int32 (I32 [N, K/8],
    /// value i in bits 4i..4i+3, stored + 8), which are the packed int4
    /// bytes [N, K/2] of a `packed int4` moe.dequantize; `<name>.
    /// weight_scale` the factors [N, K/G] (or [N, 1]) in the model's dtype.
    int4Packed,
    /// `quant_method: "compressed-tensors"`, `format: "int-quantized"`
    /// (W8A8 int8): `<name>.weight` I8 [N, K] and `<name>.weight_scale`
    /// [N, K/G] (or [N, 1]) in the model's dtype.
    int8,
    /// `quant_method: "compressed-tensors"`, `format: "float-quantized"`
    /// (FP8 W8A8: llm-compressor's FP8_DYNAMIC and FP8_BLOCK):
    /// `<name>.weight` F8_E4M3 [N, K] and `<name>.weight_scale` [N, 1]
    /// ("channel") or [ceil(N/bn), ceil(K/bk)] ("block") in the model's
    /// dtype (or the scheme's `scale_dtype`).
    fp8Float,
  };
  Method method = Method::none;
  /// The block [bn, bk] of the weight's [N, K] that one scale covers; a
  /// blockCols of 0 is a whole row (compressed-tensors' "channel": one
  /// scale per output).
  int64_t blockRows = 128, blockCols = 128;
  /// compressed-tensors `symmetric: false`: the weight is (v - z) · scale
  /// with zero points `<name>.weight_zero_point` of the scales' shape, I8
  /// for int8, and for pack-quantized int4 I32 words [ceil(N/8), K/G] of
  /// eight rows each (pack_to_int32 along dimension 0).
  bool zeroPoints = false;
  /// The element type of the scales as stored: "f32", or for
  /// compressed-tensors the scheme's `scale_dtype`, else the model's dtype
  /// ("bf16", "f16").
  std::string scaleType = "f32";
  /// Modules left in floats (`modules_to_not_convert`).
  std::vector<std::string> notConverted;
  /// compressed-tensors: the config group's `targets` and the `ignore`
  /// list, names or `re:` regular expressions matched from the start
  /// (compressed-tensors' match_name); a target may also be the class
  /// `Linear`, which every expert matrix is.
  std::vector<std::string> targets, ignore;

  bool enabled() const { return method != Method::none; }
  bool isCompressedTensors() const {
    return method == Method::int4Packed || method == Method::int8 ||
           method == Method::fp8Float;
  }
  /// Whether the checkpoint stores the matrix `weightName` (possibly
  /// holding `{e}`) quantized.
  bool quantizes(llvm::StringRef weightName) const;
  /// The checkpoint names of the values and of the scales of the quantized
  /// `weightName`.
  std::string valuesName(llvm::StringRef weightName) const;
  std::string scalesName(llvm::StringRef weightName) const;
  std::string zeroPointsName(llvm::StringRef weightName) const;
};

/// The error `quantization_config.<message>`.
llvm::Error makeQuantizationError(const llvm::Twine &message);

/// Reads `quantization_config` of the top-level config object (none when
/// absent or null). Errors are one line naming the offending field.
llvm::Expected<WeightQuantization>
readQuantization(const llvm::json::Object &config);

/// Reads a `quant_method: "compressed-tensors"` object (CompressedTensors.
/// cpp) into `result`; `config` is the top-level object, whose `dtype`
/// (`torch_dtype`) gives the scales' type.
llvm::Error readCompressedTensors(const llvm::json::Object &object,
                                  const llvm::json::Object &config,
                                  WeightQuantization &result);

/// Whether the module `name` matches a compressed-tensors target or ignore
/// entry `pattern`: `re:` and a regular expression matching from the start
/// of the name, or the name itself.
bool matchesCompressedTensorsName(llvm::StringRef name,
                                  llvm::StringRef pattern);

} // namespace import
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_IMPORT_QUANTIZATION_H
