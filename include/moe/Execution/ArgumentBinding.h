//===- ArgumentBinding.h - Values for the entry arguments -------*- C++ -*-===//
//
// The engine binds every argument of the entry function to a HostTensor:
// arguments with a string attribute `moe.weight` from checkpoint tensors
// (or the random generator), the others from .npy files (or the random
// generator). docs/Tools.md states the rules.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_ARGUMENTBINDING_H
#define MOE_EXECUTION_ARGUMENTBINDING_H

#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Execution/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
namespace moe {
namespace execution {

/// How a weight argument is taken from a checkpoint tensor stored in
/// another layout (`moe.weight_view`, docs/Tools.md): the stored tensor has
/// shape `stored` (`shape` when not given; for stacked `{e}` weights, each
/// expert's tensor) and is read as `shape` (row-major, the same number of
/// elements); its last two
/// dimensions are swapped first when `transpose`; then, with `rows =
/// [offset, stride]`, the argument takes rows offset, offset + stride, ...
/// of the second-to-last dimension. Otherwise the argument is the stored
/// tensor reshaped (same element count).
///
/// With `int4Rows` (an i8 argument, no transpose or rows) the stored tensor
/// is int32 words `stored = [..., ceil(N/8), C]`, each holding the signed
/// 4-bit values of eight consecutive rows of one column, row `8r + i` in
/// bits `4i..4i+3` stored + 8 (compressed-tensors' pack_to_int32 along
/// dimension 0, as its asymmetric zero points are saved); the argument is
/// `shape = [..., N, C]` of those values as i8.
struct WeightView {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<int64_t> stored;
  bool transpose = false;
  bool int4Rows = false;
  std::optional<std::pair<int64_t, int64_t>> rows;
};

/// The arguments that are the operands of one moe.dequantize: `--random-
/// inputs` draws them together, as the quantization of a float weight
/// (docs/Tools.md).
struct ArgumentInfo;
struct QuantizedGroup {
  unsigned values = 0;
  unsigned scales = 0;
  std::optional<unsigned> zeroPoints;
  int64_t blockRows = 1;
  int64_t blockCols = 1;
  std::optional<PackedFormat> packed; // q packs two 4-bit values per byte
  /// The element kinds of the values and the scales.
  ElementKind valueKind = ElementKind::I8;
  ElementKind scaleKind = ElementKind::F32;
  /// Set when the operands carry `moe.quantize` (docs/Import.md): the float
  /// checkpoint weight they are quantized from at load, as an f32 argument
  /// with the values' shape, name and view.
  std::shared_ptr<const ArgumentInfo> floatWeight;
};

/// One argument of the entry function, as seen before lowering.
struct ArgumentInfo {
  unsigned index = 0;
  ShapedType type;
  ElementKind kind = ElementKind::F32;
  /// The `moe.weight` name template, for weights.
  std::optional<std::string> weightName;
  /// The `moe.weight_view`, for weights stored in another layout.
  std::optional<WeightView> view;
  /// The moe.dequantize whose operand it is, with the other operands, when
  /// they all are arguments (shared by them).
  std::shared_ptr<const QuantizedGroup> quantized;

  bool isWeight() const { return weightName.has_value(); }
};

/// One result of the entry function, as seen before lowering.
struct ResultInfo {
  unsigned index = 0;
  ShapedType type;
  ElementKind kind = ElementKind::F32;
};

/// Where argument values come from (moe-run: its command line).
struct BindingOptions {
  /// The module file and entry function, for messages.
  std::string modulePath;
  std::string entryName;
  std::vector<std::string> inputFiles;
  std::optional<uint64_t> randomSeed;
  std::optional<int64_t> tokens;
  std::vector<std::string> weightFiles;
  std::optional<int64_t> layer;
  /// What messages call the weight files and the layer index.
  std::string weightsOption = "--weights";
  std::string layerOption = "--layer N";
};

/// The arguments and results of `entry`, checked to be ranked tensors (or
/// identity-layout memrefs) of supported element types. `moe.weight_view`s
/// are read unless `readViews` is false (a sharded entry, whose weight
/// arguments are a rank's slice of what the view gives).
llvm::Error describeSignature(func::FuncOp entry, llvm::StringRef modulePath,
                              llvm::SmallVectorImpl<ArgumentInfo> &args,
                              llvm::SmallVectorImpl<ResultInfo> &results,
                              bool readViews = true);

/// A value for every argument, in order.
llvm::Expected<std::vector<HostTensor>>
bindArguments(llvm::ArrayRef<ArgumentInfo> args, const BindingOptions &options);

/// Draws the inputs (the arguments without `moe.weight`) of `values` again
/// from the generator of --random-inputs, at the token count of `options`;
/// the weights stay. For moe-run with several --tokens.
llvm::Error redrawInputs(llvm::ArrayRef<ArgumentInfo> args,
                         const BindingOptions &options,
                         std::vector<HostTensor> &values);

class Checkpoints;

/// The value of the weight argument `arg` read from `checkpoints`: its
/// `moe.weight` name with {layer} replaced from `options`, the experts of
/// {e} stacked, converted to `arg`'s element type and rearranged by its
/// `moe.weight_view`.
llvm::Expected<HostTensor> loadWeight(const ArgumentInfo &arg,
                                      Checkpoints &checkpoints,
                                      const BindingOptions &options);

/// `stored` (the tensor `view.stored`, with the experts stacked first for
/// `{e}` names) rearranged by `view` into a tensor of `argShape`, the
/// argument's shape.
llvm::Expected<HostTensor> applyView(const HostTensor &stored,
                                     const WeightView &view,
                                     llvm::ArrayRef<int64_t> argShape);

/// "argument #2 of @forward (tensor<8x64xf32>)".
std::string describeArgument(const ArgumentInfo &arg,
                             llvm::StringRef entryName);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_ARGUMENTBINDING_H
