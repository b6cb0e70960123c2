//===- LayerBuilder.h - build a moe.layer module from a spec ----*- C++ -*-===//

#ifndef MOE_TOOLS_MOE_IMPORT_LAYERBUILDER_H
#define MOE_TOOLS_MOE_IMPORT_LAYERBUILDER_H

#include "HFConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>

namespace mlir {
namespace moe {
namespace import {

/// What the command line adds to the layer.
struct BuildOptions {
  /// A static token count; dynamic when unset.
  std::optional<int64_t> tokens;
  DropPolicy dropPolicy = DropPolicy::none;
  std::optional<double> capacityFactor;
  /// Element type of the matrix weights (router, experts, shared expert and
  /// its gate): "f32", "bf16" or "f16". The tokens, the result and the
  /// selection bias stay f32.
  std::string weightDType = "f32";
  /// Quantize the routed and shared experts' matrices at load: "int8" or
  /// "fp8" (empty: keep them float). Each becomes values and scales
  /// arguments carrying `moe.quantize` and the float tensor's name, and a
  /// moe.dequantize: int8 per output channel, fp8 in 128x128 blocks, or
  /// either in blocks [1, groupSize] when set.
  std::string quantizeAtLoad;
  std::optional<int64_t> groupSize;
};

/// An error message when `groupSize` does not divide the input size K of
/// every weight `--dtype int8|fp8` quantizes.
std::optional<std::string> checkGroupSize(const LayerSpec &spec,
                                          int64_t groupSize);

/// Builds `module { func.func @forward(%x, weights...) { moe.layer } }` for
/// `spec`. Every weight argument carries `moe.weight = "<checkpoint name>"`.
/// Returns null (after reporting through the context's diagnostics) when
/// the result does not verify.
OwningOpRef<ModuleOp> buildLayerModule(MLIRContext &context,
                                       const LayerSpec &spec,
                                       const BuildOptions &options,
                                       Location loc);

} // namespace import
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_IMPORT_LAYERBUILDER_H
