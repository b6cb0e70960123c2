//===- LayerBuilder.cpp - build a moe.layer module from a spec ------------===//
//
// The module is built with the dialect's C++ API and verified, so what
// moe-import prints always parses and verifies. @forward takes the tokens and
// then one argument per checkpoint tensor, in the checkpoint's layout, in the
// order router, bias?, w1, w3, w2, shared_w1?, shared_w3?, shared_w2?,
// shared_gate?. Where a checkpoint stores a weight otherwise than as the
// nn.Linear layout moe.layer takes (transposed, gate and up fused into one
// tensor, a bias as a row), @forward states the conversion with tensor and
// linalg ops before the moe.layer.
//
//===----------------------------------------------------------------------===//

#include "LayerBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::import;

namespace {

/// One argument of @forward: its SSA name, type, and checkpoint name (empty
/// for the activations).
struct Argument {
  std::string name;
  RankedTensorType type;
  std::string weight;
};

Attribute buildRouting(MLIRContext *ctx, const LayerSpec &spec) {
  FloatAttr scaling;
  if (spec.scaling && *spec.scaling != 1.0)
    scaling = FloatAttr::get(Float64Type::get(ctx), *spec.scaling);
  return RoutingAttr::get(ctx, spec.topK, spec.scoring,
                          BoolAttr::get(ctx, spec.normalize), scaling,
                          spec.numGroups, spec.topkGroups, spec.groupScore);
}

/// `shape` with its last two dimensions swapped.
SmallVector<int64_t> swapLast(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> result(shape);
  std::swap(result[result.size() - 1], result[result.size() - 2]);
  return result;
}

/// Builds the operands of moe.layer from @forward's arguments.
class OperandBuilder {
public:
  OperandBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// `value` [..., a, b] as [..., b, a].
  Value transpose(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape = swapLast(type.getShape());
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
    auto op = linalg::TransposeOp::create(b, loc, value, init, perm);
    return op->getResult(0);
  }

  /// Rows `part`, `part + stride`, ... (`count` of them) of dimension
  /// `dim` of `value`, or `count` rows from `part · count` when `stride`
  /// is 1.
  Value rows(Value value, int64_t dim, int64_t part, int64_t count,
             int64_t stride) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    offsets[dim] = b.getIndexAttr(stride == 1 ? part * count : part);
    sizes[dim] = b.getIndexAttr(count);
    strides[dim] = b.getIndexAttr(stride);
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = count;
    auto resultType = RankedTensorType::get(shape, type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, resultType, value, offsets,
                                          sizes, strides);
  }

  /// A [1, E] row as [E].
  Value flatten(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    auto resultType =
        RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    return tensor::CollapseShapeOp::create(b, loc, resultType, value, groups);
  }

private:
  OpBuilder &b;
  Location loc;
};

} // namespace

OwningOpRef<ModuleOp>
mlir::moe::import::buildLayerModule(MLIRContext &context, const LayerSpec &spec,
                                    const BuildOptions &options, Location loc) {
  MLIRContext *ctx = &context;
  context.loadDialect<linalg::LinalgDialect, tensor::TensorDialect>();
  OpBuilder b(ctx);
  Type f32 = b.getF32Type();
  int64_t t = options.tokens.value_or(ShapedType::kDynamic);
  int64_t d = spec.hidden, e = spec.numExperts, f = spec.expertSize,
          s = spec.sharedSize;
  Type weightType = f32;
  if (options.weightDType == "bf16")
    weightType = b.getBF16Type();
  else if (options.weightDType == "f16")
    weightType = b.getF16Type();
  auto tensor = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  };
  auto matrix = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, weightType);
  };
  // A stored expert tensor of `outputs` x `inputs` per expert.
  auto experts = [&](int64_t outputs, int64_t inputs) {
    return spec.expertsTransposed ? matrix({e, inputs, outputs})
                                  : matrix({e, outputs, inputs});
  };
  using GateUp = LayerSpec::GateUp;
  bool fused = spec.gateUp != GateUp::separate;

  SmallVector<Argument> args = {
      {"x", tensor({t, d}), ""},
      {"router", spec.routerTransposed ? matrix({d, e}) : matrix({e, d}),
       spec.routerName}};
  if (!spec.biasName.empty())
    args.push_back({"bias", spec.biasIsRow ? tensor({1, e}) : tensor({e}),
                    spec.biasName});
  if (fused) {
    args.push_back({"gate_up", experts(2 * f, d), spec.w1Name});
  } else {
    args.push_back({"w1", experts(f, d), spec.w1Name});
    args.push_back({"w3", experts(f, d), spec.w3Name});
  }
  args.push_back({"w2", experts(d, f), spec.w2Name});
  if (s > 0) {
    args.push_back({"shared_w1", matrix({s, d}), spec.sharedW1Name});
    args.push_back({"shared_w3", matrix({s, d}), spec.sharedW3Name});
    args.push_back({"shared_w2", matrix({d, s}), spec.sharedW2Name});
    if (spec.sharedGate)
      args.push_back({"shared_gate", matrix({1, d}), spec.sharedGateName});
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> argTypes = llvm::map_to_vector(
      args, [](const Argument &a) -> Type { return a.type; });
  RankedTensorType xType = args.front().type;
  auto func = func::FuncOp::create(b, loc, "forward",
                                   b.getFunctionType(argTypes, {xType}));
  Block *entry = func.addEntryBlock();
  llvm::StringMap<Value> values;
  for (auto [i, arg] : llvm::enumerate(args)) {
    BlockArgument value = entry->getArgument(i);
    // Printed as %x, %router, ... with printNameLocAsPrefix.
    value.setLoc(NameLoc::get(b.getStringAttr(arg.name), loc));
    values[arg.name] = value;
    if (!arg.weight.empty())
      func.setArgAttr(i, "moe.weight", b.getStringAttr(arg.weight));
  }

  b.setInsertionPointToStart(entry);
  OperandBuilder operands(b, loc);
  if (spec.routerTransposed)
    values["router"] = operands.transpose(values["router"]);
  if (spec.biasIsRow && values.count("bias"))
    values["bias"] = operands.flatten(values["bias"]);
  if (spec.expertsTransposed) {
    values["w2"] = operands.transpose(values["w2"]);
    if (fused)
      values["gate_up"] = operands.transpose(values["gate_up"]);
    else
      for (StringRef name : {"w1", "w3"})
        values[name] = operands.transpose(values[name]);
  }
  if (fused) {
    int64_t stride = spec.gateUp == GateUp::interleaved ? 2 : 1;
    values["w1"] = operands.rows(values["gate_up"], 1, 0, f, stride);
    values["w3"] = operands.rows(values["gate_up"], 1, 1, f, stride);
  }

  FloatAttr factor;
  if (options.capacityFactor)
    factor = b.getF64FloatAttr(*options.capacityFactor);
  Value layer = LayerOp::create(
      b, loc, xType, values["x"], values["router"], values.lookup("bias"),
      values["w1"], values["w3"], values["w2"], values.lookup("shared_w1"),
      values.lookup("shared_w3"), values.lookup("shared_w2"),
      values.lookup("shared_gate"), buildRouting(ctx, spec),
      ActivationAttr::get(ctx, spec.activation),
      DropPolicyAttr::get(ctx, options.dropPolicy), factor, IntegerAttr());
  func::ReturnOp::create(b, loc, layer);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}
