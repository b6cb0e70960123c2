//===- Quantization.cpp - a checkpoint's quantization_config --------------===//
//
// Reads `quantization_config` as transformers' quantizers write it. Only the
// fields that change what the stored tensors mean are read; a method or a
// format moe-import does not read is refused with the field's name.
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

llvm::Error makeError(const llvm::Twine &message) {
  return makeQuantizationError(message);
}

/// Whether the module `name` matches the `modules_to_not_convert` entry
/// `pattern` as transformers' should_convert_module matches it: from the
/// start up to a module boundary (literally or as a regular expression), or
/// as a suffix.
bool matchesModule(StringRef name, StringRef pattern) {
  if (name.ends_with(pattern))
    return true;
  if (name.starts_with(pattern) &&
      (name.size() == pattern.size() || name[pattern.size()] == '.' ||
       pattern.ends_with(".")))
    return true;
  llvm::Regex regex(("^(" + pattern + ")(\\.|$)").str());
  std::string invalid;
  return regex.isValid(invalid) && regex.match(name);
}

/// Reads `modules_to_not_convert` (absent or null: none).
llvm::Error readNotConverted(const json::Object &object,
                             WeightQuantization &result) {
  const json::Value *modules = object.get("modules_to_not_convert");
  if (!modules || modules->kind() == json::Value::Null)
    return llvm::Error::success();
  const json::Array *names = modules->getAsArray();
  if (!names)
    return makeError("modules_to_not_convert: expected a list of strings");
  for (const json::Value &name : *names) {
    std::optional<StringRef> text = name.getAsString();
    if (!text)
      return makeError("modules_to_not_convert: expected a list of strings");
    result.notConverted.push_back(text->str());
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error mlir::moe::import::makeQuantizationError(
    const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "quantization_config." + message);
}

bool WeightQuantization::quantizes(StringRef weightName) const {
  if (!enabled() || (method != Method::mxfp4 &&
                     !weightName.ends_with(".weight")))
    return false;
  // The module of the first expert, as the quantizer saw it: the name
  // without ".weight", or without the parameter (mxfp4's experts module).
  std::string module = weightName.rsplit('.').first.str();
  for (size_t at; (at = module.find("{e}")) != std::string::npos;)
    module.replace(at, 3, "0");
  if (isCompressedTensors()) {
    auto matches = [&](const std::string &pattern) {
      return matchesCompressedTensorsName(module, pattern);
    };
    return llvm::any_of(targets,
                        [&](const std::string &target) {
                          return target == "Linear" || matches(target);
                        }) &&
           llvm::none_of(ignore, matches);
  }
  return llvm::none_of(notConverted, [&](const std::string &pattern) {
    return matchesModule(module, pattern);
  });
}

std::string WeightQuantization::valuesName(StringRef weightName) const {
  if (method == Method::mxfp4)
    return (weightName + "_blocks").str();
  if (method == Method::int4Packed)
    return (weightName + "_packed").str();
  return weightName.str();
}

std::string WeightQuantization::scalesName(StringRef weightName) const {
  if (method == Method::mxfp4)
    return (weightName + "_scales").str();
  if (isCompressedTensors())
    return (weightName + "_scale").str();
  return (weightName + "_scale_inv").str();
}

std::string WeightQuantization::zeroPointsName(StringRef weightName) const {
  return (weightName + "_zero_point").str();
}

llvm::Expected<WeightQuantization>
mlir::moe::import::readQuantization(const json::Object &config) {
  WeightQuantization result;
  const json::Value *value = config.get("quantization_config");
  if (!value || value->kind() == json::Value::Null)
    return result;
  const json::Object *object = value->getAsObject();
  if (!object)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "field 'quantization_config' must be an "
                                   "object");
  auto string = [&](StringRef key) -> std::optional<StringRef> {
    const json::Value *v = object->get(key);
    return v ? v->getAsString() : std::nullopt;
  };
  std::optional<StringRef> method = string("quant_method");
  if (!method)
    return makeError("quant_method: missing, or not a string");
  if (*method == "compressed-tensors") {
    if (llvm::Error err = readCompressedTensors(*object, config, result))
      return std::move(err);
    return result;
  }
  if (*method != "fp8" && *method != "mxfp4")
    return makeError(llvm::formatv("quant_method: '{0}' is not supported "
                                   "(supported: fp8, mxfp4, "
                                   "compressed-tensors)",
                                   printable(*method)));
  if (llvm::Error err = readNotConverted(*object, result))
    return std::move(err);
  if (*method == "mxfp4") {
    result.method = WeightQuantization::Method::mxfp4;
    result.blockRows = 1;
    result.blockCols = 32;
    return result;
  }
  result.method = WeightQuantization::Method::fp8Block;
  if (object->get("fmt") && string("fmt") != StringRef("e4m3"))
    return makeError("fmt: expected \"e4m3\"");
  if (const json::Value *scheme = object->get("activation_scheme"))
    if (scheme->getAsString() != StringRef("dynamic"))
      return makeError("activation_scheme: expected \"dynamic\" (static "
                       "activation scales are not supported)");
  if (const json::Value *block = object->get("weight_block_size")) {
    const json::Array *sizes = block->getAsArray();
    std::optional<int64_t> rows, cols;
    if (sizes && sizes->size() == 2) {
      rows = (*sizes)[0].getAsInteger();
      cols = (*sizes)[1].getAsInteger();
    }
    if (!rows || !cols || *rows < 1 || *cols < 1)
      return makeError("weight_block_size: expected two positive integers");
    result.blockRows = *rows;
    result.blockCols = *cols;
  }
  return result;
}
