//===- LayerBuilder.cpp - build a moe.layer module from a spec ------------===//
//
// The module is built with the dialect's C++ API and verified, so what
// moe-import prints always parses and verifies. Weight arguments come in the
// order x, router, bias?, w1, w3, w2, shared_w1?, shared_w3?, shared_w2?,
// shared_gate?, in the nn.Linear layout moe.layer takes. Where the
// checkpoint stores a weight otherwise (transposed, gate and up fused into
// one tensor, a bias as a row), its `moe.weight_view` says how the argument
// is taken from the stored tensor (docs/Tools.md), so that a runner converts
// it once, at load.
//
// A matrix the checkpoint stores quantized (LayerSpec::quantization: fp8
// blocks, mxfp4, compressed-tensors int4, int8 or fp8), or that --dtype
// int8|fp8 quantizes at load, is two arguments instead: its values, at the
// float weight's position, and its scales (in the type the checkpoint
// stores them), after every other argument (and its zero points after its
// scales, for asymmetric compressed-tensors); a moe.dequantize in @forward
// gives the layer the weight. At load, both name the float tensor and carry
// `moe.quantize` (docs/Import.md).
//
//===----------------------------------------------------------------------===//

#include "LayerBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::import;

namespace {

/// One argument of @forward: its SSA name, type, checkpoint name (empty for
/// the activations) and view of the stored tensor (null: stored as is).
struct Argument {
  std::string name;
  RankedTensorType type;
  std::string weight;
  DictionaryAttr view = {};
  /// `moe.quantize`: which operand of the weight's quantization at load it
  /// is (empty: none).
  std::string quantize = {};
};

/// An f64 attribute of `value`, or null.
FloatAttr f64(MLIRContext *ctx, std::optional<double> value) {
  return value ? FloatAttr::get(Float64Type::get(ctx), *value) : FloatAttr();
}

Attribute buildRouting(MLIRContext *ctx, const LayerSpec &spec) {
  std::optional<double> scaling = spec.scaling;
  if (scaling == 1.0)
    scaling.reset();
  return RoutingAttr::get(
      ctx, spec.topK, spec.scoring, BoolAttr::get(ctx, spec.normalize),
      f64(ctx, scaling), spec.numGroups, spec.topkGroups, spec.groupScore,
      spec.order, f64(ctx, spec.softcap), f64(ctx, spec.normEps),
      /*norm_min=*/FloatAttr(), f64(ctx, spec.normP),
      spec.weightsOnInput ? BoolAttr::get(ctx, true) : BoolAttr(),
      f64(ctx, spec.groupFill), f64(ctx, spec.logitScale),
      f64(ctx, spec.jitter));
}

/// The roles whose weights a quantized checkpoint may store quantized: the
/// routed and the shared experts' projections.
constexpr StringRef kQuantizableRoles[] = {"w1",        "w3",        "w2",
                                           "shared_w1", "shared_w3",
                                           "shared_w2"};

/// A quantized weight: its role, the indices of its value, scale (and zero
/// point) arguments, and the block one scale covers.
struct QuantizedArgument {
  std::string role;
  size_t values, scales;
  int64_t blockRows, blockCols;
  std::optional<size_t> zeroPoints = std::nullopt;
};

/// The view of compressed-tensors' packed int4 zero points `grid` ([...,
/// N, G]; one expert's for `{e}` names): int32 words [ceil(N/8), G] of
/// eight rows each (docs/Tools.md, `int4_rows`).
DictionaryAttr int4RowsView(ArrayRef<int64_t> grid, bool stacked,
                            OpBuilder &b) {
  SmallVector<int64_t> shape(stacked ? grid.drop_front() : grid);
  SmallVector<int64_t> words(shape);
  words[words.size() - 2] = llvm::divideCeil(words[words.size() - 2], 8);
  return b.getDictionaryAttr(
      {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape)),
       b.getNamedAttr("stored", b.getDenseI64ArrayAttr(words)),
       b.getNamedAttr("int4_rows", b.getUnitAttr())});
}

/// A `moe.weight_view` of a tensor stored with `stored` (when not empty)
/// and read as `shape`, of which the argument takes rows `offset`, `offset
/// + stride`, ... (when given).
using MakeView = llvm::function_ref<DictionaryAttr(
    ArrayRef<int64_t> shape, std::optional<std::pair<int64_t, int64_t>> rows,
    ArrayRef<int64_t> stored)>;

/// Makes the mxfp4 `values` (`[..., N, K]` of the layer) the packed e2m1
/// bytes `[..., N, K/2]` of its `_blocks` and appends the e8m0 scales
/// `[..., N, K/32]` of its `_scales`. Gate and up are interleaved rows of
/// one tensor of 2F rows (w1 the even ones, w3 the odd ones); the down
/// projection is stored alone.
void splitMxfp4(StringRef role, Argument &values, SmallVector<Argument> &args,
                const WeightQuantization &quantization, MakeView view,
                OpBuilder &b) {
  SmallVector<int64_t> shape(values.type.getShape());
  int64_t k = shape.back();
  std::optional<std::pair<int64_t, int64_t>> rows;
  SmallVector<int64_t> storedRows(shape);
  if (role != "w2") {
    rows = std::make_pair(int64_t(role == "w3"), int64_t(2));
    storedRows[storedRows.size() - 2] *= 2;
  }
  auto withLast = [](ArrayRef<int64_t> dims, ArrayRef<int64_t> last) {
    SmallVector<int64_t> result(dims.drop_back());
    result.append(last.begin(), last.end());
    return result;
  };
  SmallVector<int64_t> packed = withLast(shape, {k / 2});
  SmallVector<int64_t> grid = withLast(shape, {k / 32});
  std::string name = values.weight;
  values.weight = quantization.valuesName(name);
  values.type = RankedTensorType::get(packed, b.getI8Type());
  values.view = view(withLast(storedRows, {k / 2}), rows,
                     withLast(storedRows, {k / 32, 16}));
  args.push_back({(role + "_scales").str(),
                  RankedTensorType::get(grid, b.getType<Float8E8M0FNUType>()),
                  quantization.scalesName(name),
                  rows ? view(withLast(storedRows, {k / 32}), rows, {})
                       : DictionaryAttr()});
}

/// Replaces each argument of `args` that the checkpoint stores quantized,
/// or that `options` quantizes at load, by its values (`<role>_q`) and
/// appends its scales (`<role>_scales`).
SmallVector<QuantizedArgument>
splitQuantized(SmallVector<Argument> &args,
               const WeightQuantization &quantization,
               const BuildOptions &options, MakeView view, OpBuilder &b) {
  SmallVector<QuantizedArgument> quantized;
  StringRef atLoad = options.quantizeAtLoad;
  if (!quantization.enabled() && atLoad.empty())
    return quantized;
  size_t count = args.size();
  for (size_t i = 0; i < count; ++i) {
    Argument &values = args[i];
    if (!llvm::is_contained(kQuantizableRoles, values.name) ||
        (atLoad.empty() && !quantization.quantizes(values.weight)))
      continue;
    ArrayRef<int64_t> shape = values.type.getShape();
    int64_t rank = shape.size();
    // A checkpoint's blocks; at load: fp8 in 128x128 blocks, int8 per
    // output channel, or groups along K.
    int64_t rows = quantization.blockRows, cols = quantization.blockCols;
    if (cols == 0) // one scale per output
      cols = shape[rank - 1];
    Type valueType = b.getType<Float8E4M3FNType>();
    if (quantization.method == WeightQuantization::Method::int4Packed ||
        quantization.method == WeightQuantization::Method::int8)
      valueType = b.getI8Type();
    Type scaleType = b.getF32Type();
    if (quantization.scaleType == "bf16")
      scaleType = b.getBF16Type();
    else if (quantization.scaleType == "f16")
      scaleType = b.getF16Type();
    std::string scalesName = quantization.scalesName(values.weight);
    std::string zeroPointsName = quantization.zeroPointsName(values.weight);
    bool stacked = StringRef(values.weight).contains("{e}");
    if (!atLoad.empty()) {
      bool fp8 = atLoad == "fp8";
      rows = fp8 && !options.groupSize ? 128 : 1;
      cols = options.groupSize ? *options.groupSize
                               : (fp8 ? 128 : shape[rank - 1]);
      if (!fp8)
        valueType = b.getI8Type();
      scalesName = values.weight;
      values.quantize = "values";
    }
    // At load the values keep the float weight's view; a checkpoint's
    // quantized weights have none (readLayerSpec refuses those layouts).
    SmallVector<int64_t> grid(shape);
    grid[rank - 2] = llvm::divideCeil(shape[rank - 2], rows);
    grid[rank - 1] = llvm::divideCeil(shape[rank - 1], cols);
    std::string role = values.name;
    values.name = role + "_q";
    if (quantization.method == WeightQuantization::Method::mxfp4) {
      splitMxfp4(role, values, args, quantization, view, b);
      quantized.push_back({role, i, args.size() - 1, rows, cols});
      continue;
    }
    // Packed int4: two values per byte along K, read from the int32 words
    // as their little-endian bytes.
    SmallVector<int64_t> stored(shape);
    if (quantization.method == WeightQuantization::Method::int4Packed) {
      stored.back() /= 2;
      values.weight = quantization.valuesName(values.weight);
    }
    values.type = RankedTensorType::get(stored, valueType);
    args.push_back({role + "_scales", RankedTensorType::get(grid, scaleType),
                    scalesName, DictionaryAttr(),
                    atLoad.empty() ? "" : "scales"});
    quantized.push_back({role, i, args.size() - 1, rows, cols});
    if (quantization.zeroPoints && atLoad.empty()) {
      args.push_back(
          {role + "_zero_points", RankedTensorType::get(grid, b.getI8Type()),
           zeroPointsName,
           quantization.method == WeightQuantization::Method::int4Packed
               ? int4RowsView(grid, stacked, b)
               : DictionaryAttr()});
      quantized.back().zeroPoints = args.size() - 1;
    }
  }
  return quantized;
}

} // namespace

OwningOpRef<ModuleOp>
mlir::moe::import::buildLayerModule(MLIRContext &context, const LayerSpec &spec,
                                    const BuildOptions &options, Location loc) {
  MLIRContext *ctx = &context;
  OpBuilder b(ctx);
  Type f32 = b.getF32Type();
  int64_t t = options.tokens.value_or(ShapedType::kDynamic);
  int64_t d = spec.hidden, e = spec.numExperts, f = spec.expertSize,
          s = spec.sharedSize;
  // The routed experts' model dimension: D, or the latent size L.
  int64_t m = spec.latentSize > 0 ? spec.latentSize : d;
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
  // The view of a tensor stored with `shape`, transposed or not, of which
  // the argument takes rows `offset`, `offset + stride`, ....
  auto view = [&](ArrayRef<int64_t> shape, bool transpose,
                  std::optional<std::pair<int64_t, int64_t>> rows =
                      std::nullopt,
                  ArrayRef<int64_t> stored = {}) {
    SmallVector<NamedAttribute> entries = {
        b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))};
    if (!stored.empty())
      entries.push_back(
          b.getNamedAttr("stored", b.getDenseI64ArrayAttr(stored)));
    if (transpose)
      entries.push_back(b.getNamedAttr("transpose", b.getUnitAttr()));
    if (rows)
      entries.push_back(b.getNamedAttr(
          "rows", b.getDenseI64ArrayAttr({rows->first, rows->second})));
    return b.getDictionaryAttr(entries);
  };
  // An expert tensor [E, outputs, inputs] (w1 and w3: [E, F, M]; w2, the
  // `down` projection: [E, M, F]), stored as is or as [E, inputs, outputs].
  auto expertView = [&](bool down) {
    int64_t outputs = down ? m : f, inputs = down ? f : m;
    if (spec.expertsFlat) // [E·F, M], read as [E, F, M]
      return view({e, f, m}, /*transpose=*/down, std::nullopt, {e * f, m});
    return spec.expertsTransposed
               ? view({e, inputs, outputs}, /*transpose=*/true)
               : DictionaryAttr();
  };

  // The experts routing selects among: the routed experts, then the
  // identity experts; the router has a row for each, then one per stacked
  // shared expert.
  int64_t r = e + spec.identityExperts;
  int64_t routerRows = r + spec.stackedShared;
  SmallVector<Argument> args = {
      {"x", tensor({t, d}), ""},
      {"router", matrix({routerRows, d}), spec.routerName,
       spec.routerTransposed ? view({d, routerRows}, true)
                             : DictionaryAttr()}};
  if (!spec.biasName.empty())
    args.push_back({"bias", tensor({r}), spec.biasName,
                    spec.biasIsRow ? view({1, r}, false) : DictionaryAttr()});
  using GateUp = LayerSpec::GateUp;
  // Gate and up of `inner` outputs each, fused in one tensor stored as
  // `stored`: halves, or alternate rows.
  auto fusedView = [&](GateUp gateUp, int64_t part, int64_t inner,
                       ArrayRef<int64_t> stored, bool transpose) {
    return view(stored, transpose,
                gateUp == GateUp::interleaved
                    ? std::make_pair(part, int64_t(2))
                    : std::make_pair(part * inner, int64_t(1)));
  };
  if (!spec.gated) {
    args.push_back({"w1", matrix({e, f, m}), spec.w1Name, expertView(false)});
  } else if (spec.gateUp == GateUp::separate) {
    args.push_back({"w1", matrix({e, f, m}), spec.w1Name, expertView(false)});
    args.push_back({"w3", matrix({e, f, m}), spec.w3Name, expertView(false)});
  } else {
    SmallVector<int64_t> stored = spec.expertsTransposed
                                      ? SmallVector<int64_t>{e, m, 2 * f}
                                      : SmallVector<int64_t>{e, 2 * f, m};
    for (int64_t part : {0, 1})
      args.push_back(
          {part == 0 ? "w1" : "w3", matrix({e, f, m}), spec.w1Name,
           fusedView(spec.gateUp, part, f, stored, spec.expertsTransposed)});
  }
  args.push_back({"w2", matrix({e, m, f}), spec.w2Name, expertView(true)});
  if (int64_t stacked = spec.stackedShared) {
    args.push_back({"shared_w1", matrix({stacked, f, d}), spec.sharedW1Name});
    if (spec.gated)
      args.push_back(
          {"shared_w3", matrix({stacked, f, d}), spec.sharedW3Name});
    args.push_back({"shared_w2", matrix({stacked, d, f}), spec.sharedW2Name});
  } else if (s > 0) {
    // A shared projection [outputs, inputs], stored as is or transposed.
    auto sharedView = [&](int64_t outputs, int64_t inputs) {
      return spec.sharedTransposed ? view({inputs, outputs}, true)
                                   : DictionaryAttr();
    };
    if (spec.sharedGateUp == GateUp::separate || !spec.gated) {
      args.push_back(
          {"shared_w1", matrix({s, d}), spec.sharedW1Name, sharedView(s, d)});
      if (spec.gated)
        args.push_back({"shared_w3", matrix({s, d}), spec.sharedW3Name,
                        sharedView(s, d)});
    } else {
      for (int64_t part : {0, 1})
        args.push_back({part == 0 ? "shared_w1" : "shared_w3", matrix({s, d}),
                        spec.sharedW1Name,
                        fusedView(spec.sharedGateUp, part, s, {2 * s, d},
                                  /*transpose=*/false)});
    }
    args.push_back(
        {"shared_w2", matrix({d, s}), spec.sharedW2Name, sharedView(d, s)});
    if (spec.sharedGate)
      args.push_back({"shared_gate", matrix({1, d}), spec.sharedGateName});
  }
  if (!spec.routerBiasName.empty())
    args.push_back({"router_bias", tensor({r}), spec.routerBiasName});
  if (!spec.expertGateUpBiasName.empty()) {
    // [E, 2F] read as [E, 2F, 1]: the rows of the weights' split.
    for (int64_t part : {0, 1})
      args.push_back({part == 0 ? "b1" : "b3", tensor({e, f}),
                      spec.expertGateUpBiasName,
                      view({e, 2 * f, 1}, false,
                           spec.gateUp == GateUp::interleaved
                               ? std::make_pair(part, int64_t(2))
                               : std::make_pair(part * f, int64_t(1)),
                           {e, 2 * f})});
  }
  if (!spec.downBiasName.empty())
    args.push_back({"b2", tensor({e, m}), spec.downBiasName});
  if (!spec.outputBiasName.empty())
    args.push_back({"output_bias", tensor({d}), spec.outputBiasName});
  for (auto [name, weight, size] :
       {std::tuple<StringRef, StringRef, int64_t>{"shared_b1",
                                                  spec.sharedB1Name, s},
        {"shared_b3", spec.sharedB3Name, s},
        {"shared_b2", spec.sharedB2Name, d}})
    if (!weight.empty())
      args.push_back({name.str(), tensor({size}), weight.str()});
  if (spec.latentSize > 0) {
    args.push_back({"latent_in", matrix({m, d}), spec.latentInName});
    args.push_back({"latent_out", matrix({d, m}), spec.latentOutName});
    if (!spec.latentInBiasName.empty()) {
      args.push_back({"latent_in_bias", tensor({m}), spec.latentInBiasName});
      args.push_back({"latent_out_bias", tensor({d}), spec.latentOutBiasName});
    }
  }
  // The scale and the norms, in f32 whatever the weights' type.
  for (auto [role, name, shape] :
       {std::make_tuple("expert_scale", &spec.expertScaleName,
                        SmallVector<int64_t>{spec.expertScaleSingle ? 1 : r}),
        std::make_tuple("pre_norm", &spec.preNormName, SmallVector<int64_t>{d}),
        std::make_tuple("router_norm", &spec.routerNormName,
                        SmallVector<int64_t>{d}),
        std::make_tuple("post_norm", &spec.postNormName,
                        SmallVector<int64_t>{d}),
        std::make_tuple("expert_norm", &spec.expertNormName,
                        SmallVector<int64_t>{e, m}),
        std::make_tuple("shared_norm", &spec.sharedNormName,
                        SmallVector<int64_t>{d})})
    if (!name->empty())
      args.push_back({role, tensor(shape), *name});

  SmallVector<QuantizedArgument> quantized =
      splitQuantized(
          args, spec.quantization, options,
          [&](ArrayRef<int64_t> shape,
              std::optional<std::pair<int64_t, int64_t>> rows,
              ArrayRef<int64_t> stored) {
            return view(shape, /*transpose=*/false, rows, stored);
          },
          b);

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
    if (arg.view)
      func.setArgAttr(i, "moe.weight_view", arg.view);
    if (!arg.quantize.empty())
      func.setArgAttr(i, "moe.quantize", b.getStringAttr(arg.quantize));
  }

  b.setInsertionPointToStart(entry);
  for (const QuantizedArgument &q : quantized) {
    Value stored = entry->getArgument(q.values);
    auto type = cast<RankedTensorType>(stored.getType());
    // Packed values: two per byte along K.
    SmallVector<int64_t> shape(type.getShape());
    PackedFormatAttr packed;
    using Method = WeightQuantization::Method;
    if (spec.quantization.method == Method::mxfp4 ||
        spec.quantization.method == Method::int4Packed) {
      shape.back() *= 2;
      packed = PackedFormatAttr::get(ctx, spec.quantization.method ==
                                                  Method::mxfp4
                                              ? PackedFormat::e2m1
                                              : PackedFormat::int4);
    }
    auto op = DequantizeOp::create(
        b, NameLoc::get(b.getStringAttr(q.role), loc),
        RankedTensorType::get(shape, weightType), stored,
        entry->getArgument(q.scales),
        q.zeroPoints ? Value(entry->getArgument(*q.zeroPoints)) : Value(),
        packed,
        ArrayRef<int64_t>{q.blockRows, q.blockCols});
    values[q.role] = op.getResult();
  }
  FloatAttr factor;
  if (options.capacityFactor)
    factor = b.getF64FloatAttr(*options.capacityFactor);
  Value layer = LayerOp::create(
      b, loc, xType, values["x"], values["router"], values.lookup("bias"),
      values["w1"], values["w3"], values["w2"], values.lookup("shared_w1"),
      values.lookup("shared_w3"), values.lookup("shared_w2"),
      values.lookup("shared_gate"), values.lookup("router_bias"),
      values.lookup("b1"), values.lookup("b3"), values.lookup("b2"),
      values.lookup("output_bias"), values.lookup("shared_b1"),
      values.lookup("shared_b3"), values.lookup("shared_b2"),
      values.lookup("latent_in"), values.lookup("latent_out"),
      values.lookup("expert_scale"), values.lookup("pre_norm"),
      values.lookup("router_norm"), values.lookup("post_norm"),
      values.lookup("expert_norm"), values.lookup("shared_norm"),
      values.lookup("latent_in_bias"), values.lookup("latent_out_bias"),
      buildRouting(ctx, spec), ActivationAttr::get(ctx, spec.activation),
      DropPolicyAttr::get(ctx, options.dropPolicy), factor, IntegerAttr(),
      f64(ctx, spec.alpha), f64(ctx, spec.limit), f64(ctx, spec.sharedLimit),
      spec.limitAfterAct ? b.getUnitAttr() : UnitAttr(),
      f64(ctx, spec.outputScale), b.getI64IntegerAttr(spec.identityExperts),
      f64(ctx, spec.rmsNormEps), f64(ctx, spec.gateSoftcap),
      f64(ctx, spec.upSoftcap));
  func::ReturnOp::create(b, loc, layer);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

std::optional<std::string>
mlir::moe::import::checkGroupSize(const LayerSpec &spec, int64_t groupSize) {
  int64_t m = spec.latentSize > 0 ? spec.latentSize : spec.hidden;
  SmallVector<std::pair<int64_t, StringRef>> inputs = {
      {m, "w1 and w3 (the experts' model dimension)"},
      {spec.expertSize, "w2 (the experts' inner size)"}};
  if (spec.stackedShared > 0)
    inputs.push_back({spec.hidden, "shared_w1 and shared_w3"});
  else if (spec.sharedSize > 0)
    inputs.append({{spec.hidden, "shared_w1 and shared_w3"},
                   {spec.sharedSize, "shared_w2 (the shared inner size)"}});
  for (auto [k, what] : inputs)
    if (k % groupSize != 0)
      return llvm::formatv("--group-size {0} does not divide the input size "
                           "{1} of {2}",
                           groupSize, k, what)
          .str();
  return std::nullopt;
}
