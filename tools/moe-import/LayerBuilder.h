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
};

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
