//===- ArgumentBinding.cpp - Values for the entry function's arguments ----===//

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/Checkpoints.h"
#include "moe/Execution/Quantize.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "moe/Support/Npy.h"
#include "moe/Support/Printable.h"
#include "moe/Support/Random.h"
#include "moe/Support/Safetensors.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

constexpr StringLiteral kWeightAttr("moe.weight");
constexpr StringLiteral kWeightViewAttr("moe.weight_view");
constexpr StringLiteral kQuantizeAttr("moe.quantize");

std::string typeToString(Type type) {
  std::string text;
  raw_string_ostream os(text);
  os << type;
  return text;
}

std::string attrToString(Attribute attr) {
  std::string text;
  raw_string_ostream os(text);
  os << attr;
  return text;
}

/// Checks that `type` is something moe-run can pass: a ranked tensor, or a
/// memref with the identity layout, of a supported element type.
std::optional<ElementKind> getPassableKind(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return std::nullopt;
  if (!isa<RankedTensorType, MemRefType>(shaped))
    return std::nullopt;
  if (auto memref = dyn_cast<MemRefType>(shaped))
    if (!memref.getLayout().isIdentity())
      return std::nullopt;
  return getElementKind(shaped.getElementType());
}

//===----------------------------------------------------------------------===//
// Inputs from .npy files
//===----------------------------------------------------------------------===//

Expected<HostTensor> readInput(const ArgumentInfo &arg, StringRef path,
                               const BindingOptions &options) {
  // Float arguments read f32 files; the others their own elements (the raw
  // codes, as uint8, for fp8).
  NpyDType dtype = arg.kind == ElementKind::I32        ? NpyDType::I32
                   : arg.kind == ElementKind::I64      ? NpyDType::I64
                   : arg.kind == ElementKind::I8       ? NpyDType::I8
                   : arg.kind == ElementKind::F8E4M3FN ||
                           arg.kind == ElementKind::F8E8M0FNU
                       ? NpyDType::U8
                       : NpyDType::F32;
  Expected<NpyArray> array = readNpy(path, dtype);
  if (!array)
    return wrapError(array.takeError(), path);
  if (!shapeMatches(arg.type.getShape(), array->shape))
    return makeRunError(path, formatv("expected shape {0} for {1}, found {2}",
                                      formatShape(arg.type.getShape()),
                                      describeArgument(arg, options.entryName),
                                      formatShape(array->shape)));
  HostTensor tensor(arg.kind, array->shape);
  if (!isFloatKind(arg.kind) || arg.kind == ElementKind::F32) {
    std::memcpy(tensor.getData(), array->data.data(), array->data.size());
    return tensor;
  }
  const float *src = reinterpret_cast<const float *>(array->data.data());
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    float value;
    std::memcpy(&value, src + i, sizeof(value));
    tensor.setFloat(i, value);
  }
  return tensor;
}

//===----------------------------------------------------------------------===//
// Random values
//===----------------------------------------------------------------------===//

/// A --tokens count whose input would not fit in this machine's memory is
/// the option's error, not an allocation failure: `shape` is the input's
/// shape with the count in place.
Error checkTokenMemory(const ArgumentInfo &arg, ArrayRef<int64_t> shape,
                       const BindingOptions &options) {
  if (!options.tokens)
    return Error::success();
  std::optional<uint64_t> bytes = getElementSize(arg.kind);
  for (int64_t d : shape)
    if (bytes && d >= 0)
      bytes = checkedMulUnsigned<uint64_t>(*bytes, static_cast<uint64_t>(d));
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return Error::success();
  uint64_t memory = static_cast<uint64_t>(pages) * pageSize;
  if (bytes && *bytes <= memory)
    return Error::success();
  return makeRunError(
      "--tokens",
      formatv("{0} tokens make {1} of shape {2} larger than this machine's "
              "{3} bytes of memory",
              *options.tokens, describeArgument(arg, options.entryName),
              formatShape(shape), memory));
}

/// The shape that --random-inputs gives `arg`: its static sizes, and
/// --tokens (default 16) for a dynamic first dimension of an input.
Expected<SmallVector<int64_t>> getRandomShape(const ArgumentInfo &arg,
                                              const BindingOptions &options) {
  SmallVector<int64_t> shape(arg.type.getShape());
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!ShapedType::isDynamic(d))
      continue;
    if (i == 0 && !arg.isWeight()) {
      d = options.tokens.value_or(16);
      if (Error err = checkTokenMemory(arg, shape, options))
        return std::move(err);
      continue;
    }
    return makeRunError(
        options.modulePath,
        formatv("{0}: --random-inputs needs a static size for dimension {1} "
                "(only the token dimension 0 of an input may be dynamic)",
                describeArgument(arg, options.entryName), i));
  }
  return shape;
}

/// i8 or fp8 codes uniform over the valid values: every byte for i8,
/// every code but the two NaNs for fp8.
Expected<HostTensor> makeRandomCodes(const ArgumentInfo &arg,
                                     const BindingOptions &options) {
  Expected<SmallVector<int64_t>> shape = getRandomShape(arg, options);
  if (!shape)
    return shape.takeError();
  HostTensor tensor(arg.kind, *shape);
  auto *codes = reinterpret_cast<uint8_t *>(tensor.getData());
  SplitMix64 generator =
      SplitMix64::forArgument(*options.randomSeed, arg.index);
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    uint64_t bits = generator.next();
    if (arg.kind == ElementKind::I8) {
      codes[i] = static_cast<uint8_t>(bits >> 56);
    } else {
      // 254 codes: 0x00..0x7E and 0x80..0xFE.
      uint64_t r = (bits >> 32) % 254;
      codes[i] = static_cast<uint8_t>(r < 0x7F ? r : r + 1);
    }
  }
  return tensor;
}

Expected<HostTensor> makeRandom(const ArgumentInfo &arg,
                                const BindingOptions &options) {
  if (isQuantizedKind(arg.kind))
    return makeRandomCodes(arg, options);
  if (!isFloatKind(arg.kind))
    return makeRunError(
        options.modulePath,
        formatv("{0}: --random-inputs fills float and quantized (i8, "
                "f8E4M3FN) arguments only; give --input for integer "
                "arguments",
                describeArgument(arg, options.entryName)));
  Expected<SmallVector<int64_t>> shape = getRandomShape(arg, options);
  if (!shape)
    return shape.takeError();
  HostTensor tensor(arg.kind, *shape);
  // Weights are divided by sqrt(fan_in), fan_in being the last dimension
  // (nn.Linear [out, in] layout), so that products stay O(1). The value is
  // computed in double and rounded once to the element type.
  double fanIn = 1.0;
  if (arg.isWeight() && !shape->empty() && shape->back() > 0)
    fanIn = static_cast<double>(shape->back());
  double divisor = std::sqrt(fanIn);
  SplitMix64 generator =
      SplitMix64::forArgument(*options.randomSeed, arg.index);
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i)
    tensor.setFloat(i, static_cast<float>(generator.nextSigned() / divisor));
  return tensor;
}

/// How the operands of `group` quantize a float weight (Quantize.h).
QuantizeSpec getQuantizeSpec(const QuantizedGroup &group) {
  QuantizeSpec spec;
  spec.valueKind = group.valueKind;
  spec.scaleKind = group.scaleKind;
  spec.blockRows = group.blockRows;
  spec.blockCols = group.blockCols;
  spec.zeroPoints = group.zeroPoints.has_value();
  spec.packed = group.packed;
  return spec;
}

/// The values of --random-inputs. The operands of a moe.dequantize that
/// are all drawn are the quantization of the float weight that the `q`
/// argument would get as an f32 argument (Quantize.h); the others are drawn
/// one by one.
class RandomDraw {
public:
  /// `drawn(arg)`: whether the caller draws `arg` (and not a file).
  RandomDraw(ArrayRef<ArgumentInfo> args, const BindingOptions &options,
             llvm::function_ref<bool(const ArgumentInfo &)> drawn)
      : args(args), options(options), drawn(drawn) {}

  Expected<HostTensor> get(const ArgumentInfo &arg) {
    auto it = pending.find(arg.index);
    if (it != pending.end()) {
      HostTensor value = std::move(it->second);
      pending.erase(it);
      return value;
    }
    if (!arg.quantized || !isWholeGroupDrawn(*arg.quantized))
      return makeRandom(arg, options);
    const QuantizedGroup &group = *arg.quantized;
    Expected<QuantizedWeight> weight = drawQuantized(group);
    if (!weight)
      return weight.takeError();
    pending[group.values] = std::move(weight->values);
    pending[group.scales] = std::move(weight->scales);
    if (group.zeroPoints)
      pending[*group.zeroPoints] = std::move(*weight->zeroPoints);
    return get(arg);
  }

private:
  bool isWholeGroupDrawn(const QuantizedGroup &group) const {
    return drawn(args[group.values]) && drawn(args[group.scales]) &&
           (!group.zeroPoints || drawn(args[*group.zeroPoints]));
  }

  Expected<QuantizedWeight> drawQuantized(const QuantizedGroup &group) {
    const ArgumentInfo &q = args[group.values];
    ArgumentInfo asFloat = q;
    asFloat.kind = ElementKind::F32;
    // Packed q holds two values per byte: the weight has twice its K.
    if (group.packed) {
      SmallVector<int64_t> shape(q.type.getShape());
      shape.back() *= 2;
      asFloat.type = RankedTensorType::get(shape, q.type.getElementType());
    }
    Expected<HostTensor> weight = makeRandom(asFloat, options);
    if (!weight)
      return weight.takeError();
    Expected<QuantizedWeight> result =
        quantizeWeight(*weight, getQuantizeSpec(group));
    if (!result)
      return result.takeError();
    for (std::optional<unsigned> index : {std::optional<unsigned>(group.scales),
                                          group.zeroPoints}) {
      if (!index)
        continue;
      const ArgumentInfo &arg = args[*index];
      ArrayRef<int64_t> shape = result->scales.getShape();
      if (!shapeMatches(arg.type.getShape(), shape))
        return makeRunError(
            options.modulePath,
            formatv("{0}: --random-inputs gives {1} scales of shape {2}, "
                    "which it does not take",
                    describeArgument(arg, options.entryName),
                    describeArgument(q, options.entryName),
                    formatShape(shape)));
    }
    return result;
  }

  ArrayRef<ArgumentInfo> args;
  const BindingOptions &options;
  llvm::function_ref<bool(const ArgumentInfo &)> drawn;
  llvm::DenseMap<unsigned, HostTensor> pending;
};

/// The quantized groups of `entry`: every moe.dequantize whose operands are
/// all arguments of `entry` and not already in a group marks them.
void findQuantizedGroups(func::FuncOp entry,
                         MutableArrayRef<ArgumentInfo> args) {
  Block *body = entry.isExternal() ? nullptr : &entry.getBody().front();
  auto argumentOf = [&](Value value) -> std::optional<unsigned> {
    auto arg = dyn_cast_or_null<BlockArgument>(value);
    if (!arg || arg.getOwner() != body || arg.getArgNumber() >= args.size())
      return std::nullopt;
    return arg.getArgNumber();
  };
  entry.walk([&](DequantizeOp op) {
    std::optional<unsigned> q = argumentOf(op.getQ());
    std::optional<unsigned> scales = argumentOf(op.getScales());
    std::optional<unsigned> zeroPoints = argumentOf(op.getZeroPoints());
    ArrayRef<int64_t> block = op.getBlock();
    if (!q || !scales || (op.getZeroPoints() && !zeroPoints) ||
        block.size() != 2)
      return;
    SmallVector<unsigned, 3> members = {*q, *scales};
    if (zeroPoints)
      members.push_back(*zeroPoints);
    if (llvm::any_of(members,
                     [&](unsigned i) { return args[i].quantized != nullptr; }))
      return;
    auto group = std::make_shared<QuantizedGroup>(QuantizedGroup{
        *q, *scales, zeroPoints, block[0], block[1], op.getPacked(),
        args[*q].kind, args[*scales].kind, nullptr});
    if (entry.getArgAttr(*q, kQuantizeAttr) && args[*q].isWeight()) {
      auto weight = std::make_shared<ArgumentInfo>(args[*q]);
      weight->kind = ElementKind::F32;
      // Packed values hold two per byte: the weight has twice their K.
      if (group->packed) {
        SmallVector<int64_t> shape(weight->type.getShape());
        shape.back() *= 2;
        weight->type =
            RankedTensorType::get(shape, weight->type.getElementType());
      }
      group->floatWeight = std::move(weight);
    }
    for (unsigned i : members)
      args[i].quantized = group;
  });
}

/// Checks the `moe.quantize` attributes of `entry`: each names the operand
/// of a moe.dequantize its argument is ("values", "scales" or
/// "zero_points"), and every operand of that moe.dequantize has one and
/// the same `moe.weight`, the float tensor they quantize.
Error checkQuantizeAtLoad(func::FuncOp entry, ArrayRef<ArgumentInfo> args,
                          StringRef modulePath) {
  for (const ArgumentInfo &arg : args) {
    Attribute attr = entry.getArgAttr(arg.index, kQuantizeAttr);
    if (!attr)
      continue;
    auto fail = [&](const Twine &why) {
      return makeRunError(modulePath, formatv("argument #{0} of @{1}: {2}",
                                              arg.index, entry.getSymName(),
                                              why));
    };
    const QuantizedGroup *group = arg.quantized.get();
    if (!group)
      return fail(formatv("{0}: not an operand of a moe.dequantize whose "
                          "operands all are arguments",
                          kQuantizeAttr));
    StringRef role = group->values == arg.index   ? "values"
                     : group->scales == arg.index ? "scales"
                                                  : "zero_points";
    auto text = dyn_cast<StringAttr>(attr);
    if (!text || text.getValue() != role)
      return fail(formatv("expected {0} = \"{1}\" (the operand of its "
                          "moe.dequantize it is), found {2}",
                          kQuantizeAttr, role, attrToString(attr)));
    if (!group->floatWeight)
      return fail(formatv("{0}: the values operand of its moe.dequantize "
                          "needs {0} and {1} as well",
                          kQuantizeAttr, kWeightAttr));
    if (arg.weightName != group->floatWeight->weightName)
      return fail(formatv("{0}: expected {1} = \"{2}\", the weight its "
                          "moe.dequantize quantizes at load",
                          kQuantizeAttr, kWeightAttr,
                          *group->floatWeight->weightName));
  }
  for (const ArgumentInfo &arg : args)
    if (arg.quantized && arg.quantized->floatWeight &&
        !entry.getArgAttr(arg.index, kQuantizeAttr))
      return makeRunError(
          modulePath,
          formatv("argument #{0} of @{1}: expected {2}: the other operands "
                  "of its moe.dequantize are quantized at load",
                  arg.index, entry.getSymName(), kQuantizeAttr));
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Weights from checkpoints
//===----------------------------------------------------------------------===//

/// Replaces `{layer}` in a `moe.weight` template; `{e}` is kept. Rejects
/// any other placeholder.
Expected<std::string> expandLayer(const ArgumentInfo &arg,
                                  const BindingOptions &options) {
  StringRef text = *arg.weightName;
  std::string result;
  while (!text.empty()) {
    size_t open = text.find('{');
    result += text.take_front(open).str();
    if (open == StringRef::npos)
      break;
    text = text.drop_front(open);
    size_t close = text.find('}');
    StringRef placeholder =
        text.take_front(close == StringRef::npos ? text.size() : close + 1);
    if (placeholder == "{e}") {
      result += "{e}";
    } else if (placeholder == "{layer}") {
      if (!options.layer)
        return makeRunError(
            options.modulePath,
            formatv("{0}: weight name '{1}' needs {2} to replace {{layer}",
                    describeArgument(arg, options.entryName), *arg.weightName,
                    options.layerOption));
      result += std::to_string(*options.layer);
    } else {
      return makeRunError(
          options.modulePath,
          formatv("{0}: expected the placeholders {{layer} and {{e} in weight "
                  "name '{1}', found '{2}'",
                  describeArgument(arg, options.entryName), *arg.weightName,
                  placeholder));
    }
    text = text.drop_front(placeholder.size());
  }
  return result;
}

/// The safetensors dtype that holds `kind`'s elements as they are.
StringRef getSafetensorsDType(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "F32";
  case ElementKind::BF16:
    return "BF16";
  case ElementKind::F16:
    return "F16";
  case ElementKind::I32:
    return "I32";
  case ElementKind::I64:
    return "I64";
  case ElementKind::I8:
    return "I8";
  case ElementKind::F8E4M3FN:
    return "F8_E4M3";
  case ElementKind::F8E8M0FNU:
    return "F8_E8M0";
  }
  llvm_unreachable("unknown ElementKind");
}

/// Copies `tensor`'s elements, converted to `dst`'s element type (float
/// kinds; quantized ones are copied as stored), into `dst` starting at flat
/// element `offset`.
Error copyInto(const SafetensorsTensor &tensor, HostTensor &dst,
               int64_t offset) {
  int64_t n = tensor.getNumElements();
  size_t elementSize = getElementSize(dst.getKind());
  char *out = dst.getData() + offset * elementSize;
  if (dst.getKind() == ElementKind::F32)
    return convertToF32(tensor,
                        MutableArrayRef<float>(reinterpret_cast<float *>(out),
                                               static_cast<size_t>(n)));
  // Raw bytes (U8), or the little-endian bytes of int32 words (I32), are
  // copied as they are into the quantized kinds that loadWeight lets take
  // them (packed values, e8m0 scales).
  if (tensor.dtype == getSafetensorsDType(dst.getKind()) ||
      ((tensor.dtype == "U8" || tensor.dtype == "I32") &&
       isQuantizedKind(dst.getKind()) && elementSize == 1)) {
    std::memcpy(out, tensor.bytes.data(), tensor.bytes.size());
    return Error::success();
  }
  std::vector<float> values(n);
  if (Error err = convertToF32(tensor, values))
    return err;
  for (int64_t i = 0; i < n; ++i)
    dst.setFloat(offset + i, values[i]);
  return Error::success();
}

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Checks an `int4_rows` view (WeightView::int4Rows): an i8 argument of
/// `shape`, from int32 words `stored` of eight rows each.
template <typename Fail>
Expected<WeightView> checkInt4Rows(WeightView &view, const ArgumentInfo &arg,
                                   ArrayRef<int64_t> argShape, Fail fail) {
  if (arg.kind != ElementKind::I8)
    return fail("int4_rows gives i8 values, not the argument's " +
                typeToString(arg.type));
  if (view.transpose || view.rows)
    return fail("int4_rows takes no transpose or rows");
  size_t rank = view.shape.size();
  SmallVector<int64_t> words(view.shape);
  if (rank >= 2)
    words[rank - 2] = llvm::divideCeil(view.shape[rank - 2], 8);
  if (rank < 2 || view.stored != ArrayRef<int64_t>(words))
    return fail(formatv("int4_rows needs a shape [..., N, C] of rank 2 or "
                        "more and stored = [..., ceil(N/8), C], the int32 "
                        "words ({0} for this shape)",
                        formatShape(words)));
  if (view.shape != argShape)
    return fail(formatv("it makes {0}, not the argument's {1}",
                        formatShape(view.shape), formatShape(argShape)));
  return view;
}

/// Reads a `moe.weight_view` dictionary and checks that it gives `arg`'s
/// shape.
Expected<WeightView> parseWeightView(Attribute attr, const ArgumentInfo &arg) {
  auto fail = [&](const Twine &why) -> Expected<WeightView> {
    return createStringError(inconvertibleErrorCode(),
                             formatv("invalid {0} {1}: {2}", kWeightViewAttr,
                                     attrToString(attr), why));
  };
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict || !arg.weightName)
    return fail("expected a dictionary on an argument with moe.weight");
  WeightView view;
  for (NamedAttribute entry : dict) {
    StringRef key = entry.getName().getValue();
    auto ints = dyn_cast<DenseI64ArrayAttr>(entry.getValue());
    if (key == "shape" && ints)
      view.shape.assign(ints.asArrayRef().begin(), ints.asArrayRef().end());
    else if (key == "stored" && ints)
      view.stored.assign(ints.asArrayRef().begin(), ints.asArrayRef().end());
    else if (key == "transpose" && isa<UnitAttr>(entry.getValue()))
      view.transpose = true;
    else if (key == "rows" && ints && ints.size() == 2)
      view.rows = std::make_pair(ints[0], ints[1]);
    else if (key == "int4_rows" && isa<UnitAttr>(entry.getValue()))
      view.int4Rows = true;
    else
      return fail(formatv("unexpected entry '{0}' (expected shape = "
                          "array<i64: ...>, stored = array<i64: ...>, "
                          "transpose, rows = array<i64: offset, stride>, "
                          "int4_rows)",
                          key));
  }
  if (view.shape.empty())
    return fail("expected a shape");
  if (view.stored.empty() && !view.int4Rows)
    view.stored = view.shape;
  // The argument's shape without the stacked expert dimension.
  bool stacked = StringRef(*arg.weightName).contains("{e}");
  ArrayRef<int64_t> argShape = arg.type.getShape();
  if (stacked && !argShape.empty())
    argShape = argShape.drop_front();
  if (llvm::any_of(view.shape, [](int64_t d) { return d < 0; }) ||
      llvm::any_of(argShape, ShapedType::isDynamic))
    return fail("expected static, nonnegative sizes");
  if (view.int4Rows)
    return checkInt4Rows(view, arg, argShape, fail);
  SmallVector<int64_t> shape(view.shape);
  if ((view.transpose || view.rows) && shape.size() < 2)
    return fail("transpose and rows need a shape of rank 2 or more");
  if (view.transpose)
    std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
  if (view.rows) {
    auto [offset, stride] = *view.rows;
    // As many rows as make the argument's elements.
    int64_t total = shape[shape.size() - 2];
    int64_t perRow = total ? numElements(shape) / total : 0;
    int64_t count = perRow ? numElements(argShape) / perRow : 0;
    if (count * perRow != numElements(argShape))
      return fail(formatv("the argument's {0} elements are not whole rows "
                          "of {1}",
                          numElements(argShape), formatShape(shape)));
    if (offset < 0 || stride < 1 || count < 1 ||
        offset + (count - 1) * stride >= total)
      return fail(formatv("rows {0}, {0} + {1}, ... ({2} of them) are not "
                          "all among the {3} stored",
                          offset, stride, count, total));
    shape[shape.size() - 2] = count;
  }
  if (llvm::any_of(view.stored, [](int64_t d) { return d < 0; }) ||
      numElements(view.stored) != numElements(view.shape))
    return fail(formatv("stored {0} and shape {1} differ in size",
                        formatShape(view.stored), formatShape(view.shape)));
  // After the transpose and rows, a reshape to the argument (the same
  // elements in the same order): [E, F, 1] as [E, F].
  if (numElements(shape) != numElements(argShape))
    return fail(formatv("it makes {0} of the stored {1}, not the "
                        "argument's {2}",
                        formatShape(shape), formatShape(view.shape),
                        formatShape(argShape)));
  return view;
}

} // namespace

/// `stored` (stacked experts first, for `{e}` names) rearranged by `view`
/// into a tensor of `argShape`.
Expected<HostTensor> execution::applyView(const HostTensor &stored,
                                          const WeightView &view,
                                          ArrayRef<int64_t> argShape) {
  Expected<HostTensor> allocated =
      HostTensor::allocate(stored.getKind(), argShape);
  if (!allocated)
    return allocated.takeError();
  HostTensor &result = *allocated;
  size_t size = getElementSize(stored.getKind());
  if (view.int4Rows) {
    // The words' bytes [outer, R, 4C]: row n, column c is nibble n % 8 of
    // word (n / 8, c), byte 4c + (n % 8) / 2, low nibble first.
    int64_t rank = view.shape.size();
    int64_t n = view.shape[rank - 2], c = view.shape[rank - 1];
    int64_t words = llvm::divideCeil(n, 8);
    int64_t outer = n * c != 0 ? result.getNumElements() / (n * c) : 0;
    const auto *in = reinterpret_cast<const uint8_t *>(stored.getData());
    auto *out = reinterpret_cast<int8_t *>(result.getData());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < c; ++j) {
          uint8_t byte = in[(o * words + r / 8) * 4 * c + 4 * j + r % 8 / 2];
          int nibble = r % 2 ? byte >> 4 : byte & 15;
          out[(o * n + r) * c + j] = static_cast<int8_t>(nibble - 8);
        }
    return allocated;
  }
  if (!view.transpose && !view.rows) {
    std::memcpy(result.getData(), stored.getData(), stored.getSizeInBytes());
    return allocated;
  }
  // [outer, rows, cols] of the stored part after the optional transpose.
  int64_t rank = view.shape.size();
  int64_t a = view.shape[rank - 2], b = view.shape[rank - 1];
  int64_t outer = stored.getNumElements() / (a * b);
  int64_t cols = view.transpose ? a : b;
  auto [offset, stride] =
      view.rows.value_or(std::make_pair(int64_t(0), int64_t(1)));
  int64_t kept = result.getNumElements() / (outer * cols);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t r = 0; r < kept; ++r) {
      int64_t from = offset + r * stride;
      for (int64_t c = 0; c < cols; ++c) {
        // Element (from, c) of the transposed view is (c, from) stored.
        int64_t src = view.transpose ? o * a * b + c * b + from
                                     : o * a * b + from * b + c;
        int64_t dst = (o * kept + r) * cols + c;
        std::memcpy(result.getData() + dst * size,
                    stored.getData() + src * size, size);
      }
    }
  return allocated;
}

/// The operand `arg` of a moe.dequantize quantized at load: its float
/// weight read as an f32 argument, quantized by the rule of Quantize.h.
static Expected<HostTensor> loadQuantizedAtLoad(const ArgumentInfo &arg,
                                                Checkpoints &checkpoints,
                                                const BindingOptions &options) {
  const QuantizedGroup &group = *arg.quantized;
  Expected<HostTensor> weight =
      loadWeight(*group.floatWeight, checkpoints, options);
  if (!weight)
    return weight.takeError();
  Expected<QuantizedWeight> result =
      quantizeWeight(*weight, getQuantizeSpec(group));
  if (!result)
    return wrapError(result.takeError(), options.modulePath);
  HostTensor &part = arg.index == group.values   ? result->values
                     : arg.index == group.scales ? result->scales
                                                 : *result->zeroPoints;
  if (!shapeMatches(arg.type.getShape(), part.getShape()))
    return makeRunError(
        options.modulePath,
        formatv("{0}: quantizing '{1}' at load gives shape {2}, which it "
                "does not take",
                describeArgument(arg, options.entryName),
                *group.floatWeight->weightName, formatShape(part.getShape())));
  return std::move(part);
}

Expected<HostTensor> execution::loadWeight(const ArgumentInfo &arg,
                                           Checkpoints &checkpoints,
                                           const BindingOptions &options) {
  if (!isFloatKind(arg.kind) && !isQuantizedKind(arg.kind))
    return makeRunError(
        options.modulePath,
        formatv("{0}: expected a float (f32, bf16, f16) or quantized (i8, "
                "f8E4M3FN) element type for a moe.weight argument",
                describeArgument(arg, options.entryName)));
  if (arg.quantized && arg.quantized->floatWeight)
    return loadQuantizedAtLoad(arg, checkpoints, options);
  Expected<std::string> name = expandLayer(arg, options);
  if (!name)
    return name.takeError();

  // Stacked weights: the argument is [E, ...], one checkpoint tensor per
  // expert with {e} = 0..E-1.
  bool stacked = StringRef(*name).contains("{e}");
  ArrayRef<int64_t> argShape = arg.type.getShape();
  if (stacked && (argShape.empty() || ShapedType::isDynamic(argShape[0])))
    return makeRunError(
        options.modulePath,
        formatv("{0}: weight name '{1}' stacks experts with {{e}, which needs "
                "a static first dimension (the number of experts)",
                describeArgument(arg, options.entryName), *arg.weightName));
  int64_t count = stacked ? argShape[0] : 1;
  SmallVector<int64_t> partShape(stacked ? argShape.drop_front() : argShape);
  if (arg.view)
    partShape = arg.view->stored;
  // int4_rows: the stored int32 words as bytes, four along the last
  // dimension.
  if (arg.view && arg.view->int4Rows)
    partShape.back() *= 4;

  SmallVector<const SafetensorsTensor *> parts;
  for (int64_t e = 0; e < count; ++e) {
    std::string partName = *name;
    if (stacked) {
      size_t pos;
      while ((pos = partName.find("{e}")) != std::string::npos)
        partName.replace(pos, 3, std::to_string(e));
    }
    Expected<Checkpoints::Found> found = checkpoints.lookup(partName);
    if (!found)
      return found.takeError();
    auto [tensor, file] = *found;
    std::string which =
        stacked ? formatv(", expert {0} of {1}", e, count).str() : "";
    if (!tensor)
      return makeRunError(
          checkpoints.describe(),
          formatv("weight '{0}' ({1}{2}) not found in any of the {3} "
                  "{4} file(s)",
                  partName, describeArgument(arg, options.entryName), which,
                  checkpoints.size(), options.weightsOption));
    // Quantized weights are bound as stored: the dtype must be theirs, or
    // raw bytes (U8) for e8m0 scales and for packed 4-bit values (the q of
    // a `packed` moe.dequantize), as mxfp4 checkpoints store them; packed
    // values may also be int32 words (I32, compressed-tensors'
    // `weight_packed`), read as their little-endian bytes. The scales of a
    // moe.dequantize are read as stored too.
    bool packedQ = arg.kind == ElementKind::I8 && arg.quantized &&
                   arg.quantized->packed &&
                   arg.quantized->values == arg.index;
    bool bytesAllowed = packedQ || arg.kind == ElementKind::F8E8M0FNU;
    bool int4Rows = arg.view && arg.view->int4Rows;
    bool words = (packedQ || int4Rows) && tensor->dtype == "I32";
    bool asStored = isQuantizedKind(arg.kind) ||
                    (arg.quantized && arg.quantized->scales == arg.index);
    if (int4Rows && !words)
      return makeRunError(
          file->getPath(),
          formatv("tensor '{0}': expected dtype I32 for {1}{2} (int32 words "
                  "of its moe.weight_view's int4_rows), found {3}",
                  partName, describeArgument(arg, options.entryName), which,
                  printable(tensor->dtype)));
    if (asStored && tensor->dtype != getSafetensorsDType(arg.kind) &&
        !(bytesAllowed && tensor->dtype == "U8") && !words)
      return makeRunError(
          file->getPath(),
          formatv("tensor '{0}': expected dtype {1}{2} for {3}{4}, found {5} "
                  "(quantized weights are read as stored, not converted)",
                  partName, getSafetensorsDType(arg.kind),
                  packedQ ? ", U8 or I32" : bytesAllowed ? " or U8" : "",
                  describeArgument(arg, options.entryName), which,
                  printable(tensor->dtype)));
    if (isFloatKind(arg.kind) && !isFloatSafetensorsDType(tensor->dtype))
      return makeRunError(
          file->getPath(),
          formatv("tensor '{0}': expected dtype F32, BF16 or F16 for {1}, "
                  "found {2}",
                  partName, describeArgument(arg, options.entryName),
                  tensor->dtype));
    // Int32 words hold four bytes each along the last dimension.
    SmallVector<int64_t> storedShape(tensor->shape);
    if (words && !storedShape.empty())
      storedShape.back() *= 4;
    if (!shapeMatches(partShape, storedShape))
      return makeRunError(
          file->getPath(),
          formatv("tensor '{0}': expected shape {1}{2} for {3}{4}, found {5}",
                  partName, formatShape(partShape),
                  words ? " (in bytes; I32 words hold four)" : "",
                  describeArgument(arg, options.entryName), which,
                  formatShape(tensor->shape)));
    // Dynamic sizes are taken from the first tensor; the others must agree.
    partShape.assign(storedShape.begin(), storedShape.end());
    parts.push_back(tensor);
  }

  SmallVector<int64_t> shape;
  if (stacked)
    shape.push_back(count);
  shape.append(partShape.begin(), partShape.end());
  Expected<HostTensor> result = HostTensor::allocate(arg.kind, shape);
  if (!result)
    return wrapError(result.takeError(), checkpoints.describe());
  int64_t offset = 0;
  for (const SafetensorsTensor *part : parts) {
    if (Error err = copyInto(*part, *result, offset))
      return wrapError(std::move(err), checkpoints.describe());
    // Int32 words fill four one-byte elements each.
    offset += part->dtype == "I32" && arg.kind == ElementKind::I8
                  ? static_cast<int64_t>(part->bytes.size())
                  : part->getNumElements();
  }
  if (arg.view)
    return applyView(*result, *arg.view, argShape);
  return result;
}


std::string execution::describeArgument(const ArgumentInfo &arg,
                                  StringRef entryName) {
  return formatv("argument #{0} of @{1} ({2})", arg.index, entryName,
                 typeToString(arg.type))
      .str();
}

Error execution::describeSignature(func::FuncOp entry, StringRef modulePath,
                             SmallVectorImpl<ArgumentInfo> &args,
                             SmallVectorImpl<ResultInfo> &results,
                             bool readViews) {
  FunctionType type = entry.getFunctionType();
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    std::optional<ElementKind> kind = getPassableKind(argType);
    if (!kind)
      return makeRunError(
          modulePath,
          formatv("argument #{0} of @{1}: expected a ranked tensor of f32, "
                  "bf16, f16, i32, i64, i8 or f8E4M3FN, found {2}",
                  i, entry.getSymName(), typeToString(argType)));
    ArgumentInfo info;
    info.index = i;
    info.type = cast<ShapedType>(argType);
    info.kind = *kind;
    if (Attribute attr = entry.getArgAttr(i, kWeightAttr)) {
      auto name = dyn_cast<StringAttr>(attr);
      if (!name)
        return makeRunError(
            modulePath,
            formatv("argument #{0} of @{1}: expected a string {2}, found {3}",
                    i, entry.getSymName(), kWeightAttr, attrToString(attr)));
      info.weightName = name.getValue().str();
    }
    Attribute viewAttr =
        readViews ? entry.getArgAttr(i, kWeightViewAttr) : Attribute();
    if (Attribute attr = viewAttr) {
      Expected<WeightView> view = parseWeightView(attr, info);
      if (!view)
        return makeRunError(modulePath, formatv("argument #{0} of @{1}: {2}", i,
                                                entry.getSymName(),
                                                toString(view.takeError())));
      info.view = std::move(*view);
    }
    args.push_back(info);
  }
  findQuantizedGroups(entry, args);
  if (Error err = checkQuantizeAtLoad(entry, args, modulePath))
    return err;
  if (type.getNumResults() == 0)
    return makeRunError(modulePath,
                        formatv("expected @{0} to return at least one tensor, "
                                "found no results",
                                entry.getSymName()));
  for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
    std::optional<ElementKind> kind = getPassableKind(resultType);
    if (!kind)
      return makeRunError(
          modulePath,
          formatv("result #{0} of @{1}: expected a ranked tensor of f32, "
                  "bf16, f16, i32, i64, i8 or f8E4M3FN, found {2}",
                  i, entry.getSymName(), typeToString(resultType)));
    results.push_back(
        {static_cast<unsigned>(i), cast<ShapedType>(resultType), *kind});
  }
  return Error::success();
}

/// --tokens sizes a dynamic token dimension; a static one must agree.
static Error checkTokens(ArrayRef<ArgumentInfo> args,
                         const BindingOptions &options) {
  if (!options.tokens)
    return Error::success();
  const ArgumentInfo *first = nullptr;
  for (const ArgumentInfo &arg : args)
    if (!arg.isWeight() && !first)
      first = &arg;
  if (first && first->type.getRank() >= 1 && !first->type.isDynamicDim(0) &&
      first->type.getDimSize(0) != *options.tokens)
    return makeRunError("--tokens",
                        formatv("expected {0} tokens for {1}, found --tokens "
                                "{2}",
                                first->type.getDimSize(0),
                                describeArgument(*first, options.entryName),
                                *options.tokens));
  return Error::success();
}

Error execution::redrawInputs(ArrayRef<ArgumentInfo> args,
                        const BindingOptions &options,
                        std::vector<HostTensor> &values) {
  if (Error err = checkTokens(args, options))
    return err;
  // The scales and zero points of a weight's quantization (a moe.dequantize
  // group whose q is a weight) were drawn with it: they stay.
  auto isInput = [&](const ArgumentInfo &arg) {
    return !arg.isWeight() &&
           !(arg.quantized && args[arg.quantized->values].isWeight());
  };
  RandomDraw draw(args, options, isInput);
  for (const ArgumentInfo &arg : args) {
    if (!isInput(arg))
      continue;
    Expected<HostTensor> value = draw.get(arg);
    if (!value)
      return value.takeError();
    values[arg.index] = std::move(*value);
  }
  return Error::success();
}

Expected<std::vector<HostTensor>>
execution::bindArguments(ArrayRef<ArgumentInfo> args, const BindingOptions &options) {
  size_t numInputs = llvm::count_if(
      args, [](const ArgumentInfo &arg) { return !arg.isWeight(); });
  if (!options.inputFiles.empty() && options.inputFiles.size() != numInputs)
    return makeRunError(
        "--input",
        formatv("expected {0} .npy file(s), one per non-weight argument of "
                "@{1}, found {2}",
                numInputs, options.entryName, options.inputFiles.size()));
  if (Error err = checkTokens(args, options))
    return err;

  std::optional<Checkpoints> checkpoints;
  if (!options.weightFiles.empty()) {
    Expected<Checkpoints> opened = Checkpoints::open(options.weightFiles);
    if (!opened)
      return opened.takeError();
    checkpoints = std::move(*opened);
  }

  std::vector<HostTensor> values;
  size_t inputIndex = 0;
  bool fromFiles = !options.inputFiles.empty();
  auto isDrawn = [&](const ArgumentInfo &arg) {
    return options.randomSeed.has_value() &&
           (arg.isWeight() ? !checkpoints : !fromFiles);
  };
  RandomDraw draw(args, options, isDrawn);
  for (const ArgumentInfo &arg : args) {
    Expected<HostTensor> value = HostTensor();
    if (arg.isWeight() && checkpoints) {
      value = loadWeight(arg, *checkpoints, options);
    } else if (!arg.isWeight() && fromFiles) {
      value = readInput(arg, options.inputFiles[inputIndex++], options);
    } else if (options.randomSeed) {
      value = draw.get(arg);
    } else if (arg.isWeight()) {
      value = makeRunError(
          options.modulePath,
          formatv("{0} is the weight '{1}': expected --weights "
                  "FILE.safetensors or --random-inputs SEED",
                  describeArgument(arg, options.entryName), *arg.weightName));
    } else {
      value =
          makeRunError(options.modulePath,
                       formatv("{0} is an input: expected --input FILE.npy or "
                               "--random-inputs SEED",
                               describeArgument(arg, options.entryName)));
    }
    if (!value)
      return value.takeError();
    values.push_back(std::move(*value));
  }
  return values;
}
