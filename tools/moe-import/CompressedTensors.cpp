//===- CompressedTensors.cpp - compressed-tensors quantization_config -----===//
//
// Reads `quantization_config` with `quant_method: "compressed-tensors"`, as
// the compressed-tensors library writes it (llm-compressor, AWQ and GPTQ
// exports): a `format`, one config group whose `weights` give the bits,
// type, symmetry and strategy, the group's `targets` and the `ignore` list.
// moe-import reads the three formats whose stored values a moe.dequantize
// takes as they are:
//
//   pack-quantized  int4, `<name>.weight_packed` I32 [N, K/8]
//                   (value i of a row in bits 4i..4i+3 of the
//                   little-endian words, stored + 8: compressed-tensors'
//                   pack_to_int32), which are `packed int4` bytes [N, K/2];
//   int-quantized   int8, `<name>.weight` I8 [N, K];
//   float-quantized fp8 e4m3, `<name>.weight` F8_E4M3 [N, K] (FP8_DYNAMIC,
//                   FP8_BLOCK), scales per channel or per block;
//
// all with `<name>.weight_scale` in the model's dtype (or the scheme's
// `scale_dtype`), [N, K/G] for the "group" strategy, [N, 1] for "channel"
// and [ceil(N/bn), ceil(K/bk)] for fp8's "block", and when not symmetric with
// `<name>.weight_zero_point` of that shape (I8; for pack-quantized, I32
// words [ceil(N/8), K/G] holding eight rows each). A field that would
// change what the stored tensors mean and is not read is refused with its
// name.
//
//===----------------------------------------------------------------------===//

#include "Quantization.h"

#include "moe/Support/Printable.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

using namespace mlir::moe;
using namespace mlir::moe::import;
using llvm::StringRef;
namespace json = llvm::json;

namespace {

/// Whether `value` is absent or null.
bool isNull(const json::Value *value) {
  return !value || value->kind() == json::Value::Null;
}

/// Reads the list of strings `key` of `object` (absent or null: none).
llvm::Error readStrings(const json::Object &object, StringRef key,
                        StringRef where, std::vector<std::string> &result) {
  const json::Value *value = object.get(key);
  if (isNull(value))
    return llvm::Error::success();
  const json::Array *array = value->getAsArray();
  bool ok = array != nullptr;
  for (size_t i = 0; ok && i < array->size(); ++i) {
    std::optional<StringRef> text = (*array)[i].getAsString();
    if (!text)
      ok = false;
    else
      result.push_back(text->str());
  }
  if (!ok)
    return makeQuantizationError(where + key + ": expected a list of strings");
  return llvm::Error::success();
}

/// The MLIR name of a torch float dtype name ("float32", "bfloat16",
/// "float16"), or nothing.
std::optional<std::string> floatTypeOf(std::optional<StringRef> dtype) {
  if (dtype == StringRef("float32"))
    return std::string("f32");
  if (dtype == StringRef("bfloat16"))
    return std::string("bf16");
  if (dtype == StringRef("float16"))
    return std::string("f16");
  return std::nullopt;
}

/// The scales' element type: the scheme's `scale_dtype` ("torch.float32",
/// ...) when set, else the model's `dtype` (`torch_dtype` before
/// transformers 5), in which compressed-tensors stores them.
llvm::Expected<std::string> readScaleType(const json::Object &config,
                                          const json::Object &weights,
                                          StringRef where) {
  if (const json::Value *own = weights.get("scale_dtype"); !isNull(own)) {
    std::optional<StringRef> dtype = own->getAsString();
    if (dtype)
      dtype->consume_front("torch.");
    if (std::optional<std::string> type = floatTypeOf(dtype))
      return *type;
    return makeQuantizationError(
        where + "weights.scale_dtype: expected \"torch.float32\", "
                "\"torch.bfloat16\" or \"torch.float16\"");
  }
  const json::Value *value = config.get("dtype");
  StringRef key = "dtype";
  if (isNull(value)) {
    value = config.get("torch_dtype");
    key = "torch_dtype";
  }
  if (isNull(value))
    return std::string("f32");
  if (std::optional<std::string> type = floatTypeOf(value->getAsString()))
    return *type;
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("field '{0}': expected \"float32\", \"bfloat16\" or "
                    "\"float16\" (the dtype of a compressed-tensors "
                    "checkpoint's scales)",
                    key)
          .str());
}

/// Reads the group's `weights` arguments for `format` into `result`.
llvm::Error readWeights(const json::Object &weights, StringRef format,
                        StringRef where, WeightQuantization &result) {
  auto string = [&](StringRef key) -> std::optional<StringRef> {
    const json::Value *v = weights.get(key);
    return v ? v->getAsString() : std::nullopt;
  };
  auto flag = [&](StringRef key) -> std::optional<bool> {
    const json::Value *v = weights.get(key);
    return v ? v->getAsBoolean() : std::nullopt;
  };
  std::string at = (where + "weights.").str();
  bool isFloat = format == "float-quantized";
  if (string("type") != StringRef(isFloat ? "float" : "int"))
    return makeQuantizationError(
        llvm::formatv("{0}type: expected \"{1}\" with format '{2}'", at,
                      isFloat ? "float" : "int", format));
  std::optional<int64_t> bits;
  if (const json::Value *v = weights.get("num_bits"))
    bits = v->getAsInteger();
  int64_t expected = format == "pack-quantized" ? 4 : 8;
  if (bits != expected)
    return makeQuantizationError(
        llvm::formatv("{0}num_bits: expected {1} with format "
                      "'{2}'",
                      at, expected, format));
  // compressed-tensors' QuantizationArgs default: symmetric.
  std::optional<bool> symmetric = true;
  if (!isNull(weights.get("symmetric")))
    symmetric = flag("symmetric");
  if (!symmetric)
    return makeQuantizationError(at + "symmetric: expected true or false");
  result.zeroPoints = !*symmetric;
  if (isFloat && result.zeroPoints)
    return makeQuantizationError(at + "symmetric: expected true (fp8 "
                                      "weights have no zero points)");
  if (flag("dynamic").value_or(false))
    return makeQuantizationError(at + "dynamic: expected false");
  if (const json::Value *order = weights.get("actorder"))
    if (!isNull(order) && order->getAsString() == StringRef("group"))
      return makeQuantizationError(
          at + "actorder: \"group\" is not supported (its "
               "groups follow weight_g_idx, not the columns)");
  std::optional<StringRef> strategy = string("strategy");
  result.blockRows = 1;
  if (strategy == StringRef("channel")) {
    result.blockCols = 0;
    return llvm::Error::success();
  }
  // fp8 in blocks of [rows, cols] (FP8_BLOCK: [128, 128]).
  if (isFloat && strategy == StringRef("block")) {
    const json::Value *v = weights.get("block_structure");
    const json::Array *block = v ? v->getAsArray() : nullptr;
    std::optional<int64_t> rows, cols;
    if (block && block->size() == 2) {
      rows = (*block)[0].getAsInteger();
      cols = (*block)[1].getAsInteger();
    }
    if (!rows || !cols || *rows < 1 || *cols < 1)
      return makeQuantizationError(
          at + "block_structure: expected two positive integers");
    result.blockRows = *rows;
    result.blockCols = *cols;
    return llvm::Error::success();
  }
  if (isFloat || strategy != StringRef("group"))
    return makeQuantizationError(
        at + (isFloat ? "strategy: expected \"channel\" or \"block\""
                      : "strategy: expected \"group\" or \"channel\""));
  std::optional<int64_t> size;
  if (const json::Value *v = weights.get("group_size"))
    size = v->getAsInteger();
  if (!size || *size < 1)
    return makeQuantizationError(at +
                                 "group_size: expected a positive integer");
  result.blockCols = *size;
  return llvm::Error::success();
}

} // namespace

bool mlir::moe::import::matchesCompressedTensorsName(StringRef name,
                                                     StringRef pattern) {
  if (!pattern.consume_front("re:"))
    return name == pattern;
  llvm::Regex regex(("^(" + pattern + ")").str());
  std::string invalid;
  return regex.isValid(invalid) && regex.match(name);
}

llvm::Error
mlir::moe::import::readCompressedTensors(const json::Object &object,
                                         const json::Object &config,
                                         WeightQuantization &result) {
  auto string = [&](const json::Object &obj,
                    StringRef key) -> std::optional<StringRef> {
    const json::Value *v = obj.get(key);
    return v ? v->getAsString() : std::nullopt;
  };
  if (const json::Value *status = object.get("quantization_status"))
    if (status->getAsString() != StringRef("compressed"))
      return makeQuantizationError(
          "quantization_status: expected \"compressed\" (the "
          "weights stored quantized)");
  const json::Value *sparsity = object.get("sparsity_config");
  if (!isNull(sparsity) &&
      !(sparsity->getAsObject() && sparsity->getAsObject()->empty()))
    return makeQuantizationError(
        "sparsity_config: sparse checkpoints are not supported");
  if (!isNull(object.get("transform_config")))
    return makeQuantizationError(
        "transform_config: transformed (rotated) weights are "
        "not supported");
  const json::Value *groupsValue = object.get("config_groups");
  const json::Object *groups =
      groupsValue ? groupsValue->getAsObject() : nullptr;
  if (!groups || groups->size() != 1)
    return makeQuantizationError(
        "config_groups: expected an object of one group "
        "(several schemes in one checkpoint are not supported)");
  const auto &[groupName, groupValue] = *groups->begin();
  const json::Object *group = groupValue.getAsObject();
  std::string where = "config_groups." + groupName.str() + ".";
  if (!group)
    return makeQuantizationError(where.substr(0, where.size() - 1) +
                                 ": expected an object");
  // A group's own format overrides the checkpoint's.
  std::optional<StringRef> format = string(*group, "format");
  if (!format)
    format = string(object, "format");
  if (format == StringRef("pack-quantized"))
    result.method = WeightQuantization::Method::int4Packed;
  else if (format == StringRef("int-quantized") ||
           format == StringRef("naive-quantized"))
    result.method = WeightQuantization::Method::int8;
  else if (format == StringRef("float-quantized"))
    result.method = WeightQuantization::Method::fp8Float;
  else
    return makeQuantizationError(llvm::formatv(
        "format: '{0}' is not supported (supported: pack-quantized, "
        "int-quantized, float-quantized)",
        format ? printable(*format) : std::string("<missing>")));
  const json::Value *weightsValue = group->get("weights");
  const json::Object *weights =
      weightsValue ? weightsValue->getAsObject() : nullptr;
  if (!weights)
    return makeQuantizationError(where + "weights: expected an object");
  if (llvm::Error err = readWeights(*weights, *format, where, result))
    return err;
  // Activations: dynamic ones are computed in floats (the layer does not
  // quantize its inputs); static scales would change the result.
  const json::Value *inputs = group->get("input_activations");
  if (!isNull(inputs)) {
    const json::Object *args = inputs->getAsObject();
    const json::Value *dynamic = args ? args->get("dynamic") : nullptr;
    if (!dynamic || dynamic->getAsBoolean() != true)
      return makeQuantizationError(where +
                                   "input_activations: expected dynamic "
                                   "activations (static activation scales are "
                                   "not supported)");
  }
  if (!isNull(group->get("output_activations")))
    return makeQuantizationError(
        where + "output_activations: quantized outputs are not "
                "supported");
  if (llvm::Error err = readStrings(*group, "targets", where, result.targets))
    return err;
  if (llvm::Error err = readStrings(object, "ignore", "", result.ignore))
    return err;
  llvm::Expected<std::string> scaleType =
      readScaleType(config, *weights, where);
  if (!scaleType)
    return scaleType.takeError();
  result.scaleType = std::move(*scaleType);
  return llvm::Error::success();
}
