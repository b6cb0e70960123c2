//===- HFConfig.cpp - Hugging Face config.json to a MoE layer spec --------===//
//
// One reader per `model_type`. Each transcribes what the family's modeling
// code does in its sparse MoE block (docs/Import.md gives the reasoning):
// which layers are sparse, how the router's scores become the k weights, and
// where the weights live in the checkpoint.
//
// Fields that size the layer are required. Flags take the default of the
// family's configuration class when absent, except where the Hugging Face
// implementations disagree on that default: then the field is required.
//
//===----------------------------------------------------------------------===//

#include "HFConfig.h"

#include "moe/Support/Json.h"
#include "moe/Support/Printable.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::import;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

llvm::Error makeError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// A short rendering of a JSON value for messages.
std::string render(const json::Value &value) {
  std::string text = llvm::formatv("{0}", value).str();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

/// Typed access to the fields of a config.json object. The first failure is
/// recorded and later reads return placeholders, so that a reader can fetch
/// every field and then test `failed()` once.
class Config {
public:
  Config(const json::Object &object, StringRef modelType)
      : object(object), modelType(modelType) {}

  bool failed() const { return static_cast<bool>(error); }
  llvm::Error takeError() { return makeError(*error); }
  void fail(const Twine &message) {
    if (!error)
      error = message.str();
  }

  /// A required integer of at least `minValue`.
  int64_t requireInt(StringRef key, int64_t minValue) {
    const json::Value *v = lookup(key, /*required=*/true);
    return v ? toInt(key, *v, minValue) : minValue;
  }

  /// A required integer of at least `minValue` that a config may name
  /// `key` or `alias`: either one, or both when they agree. `usedKey` is set
  /// to the name found (`key` when both are).
  int64_t requireIntEither(StringRef key, StringRef alias, int64_t minValue,
                           StringRef &usedKey) {
    usedKey = key;
    if (failed())
      return minValue;
    const json::Value *first = object.get(key);
    const json::Value *second = object.get(alias);
    if (!first && !second) {
      fail(llvm::formatv("missing field '{0}' (or '{1}'; required for "
                         "model_type '{2}')",
                         key, alias, modelType));
      return minValue;
    }
    int64_t a = first ? toInt(key, *first, minValue) : minValue;
    int64_t b = second ? toInt(alias, *second, minValue) : minValue;
    if (failed())
      return minValue;
    if (first && second && a != b) {
      fail(llvm::formatv("fields '{0}' = {1} and '{2}' = {3} disagree (both "
                         "give the number of experts)",
                         key, a, alias, b));
      return minValue;
    }
    if (!first)
      usedKey = alias;
    return first ? a : b;
  }

  /// An integer of at least `minValue`; `fallback` when absent.
  int64_t optionalInt(StringRef key, int64_t fallback, int64_t minValue) {
    const json::Value *v = lookup(key, /*required=*/false);
    return v ? toInt(key, *v, minValue) : fallback;
  }

  /// A required field that is an integer of at least `minValue` or null.
  std::optional<int64_t> requireIntOrNull(StringRef key, int64_t minValue) {
    const json::Value *v = lookup(key, /*required=*/true);
    if (!v || v->kind() == json::Value::Null)
      return std::nullopt;
    return toInt(key, *v, minValue);
  }

  bool optionalBool(StringRef key, bool fallback) {
    const json::Value *v = lookup(key, /*required=*/false);
    return v ? toBool(key, *v) : fallback;
  }

  bool requireBool(StringRef key) {
    const json::Value *v = lookup(key, /*required=*/true);
    return v ? toBool(key, *v) : false;
  }

  /// A finite positive number; `fallback` when absent, required when
  /// `fallback` is not given.
  double positiveNumber(StringRef key, std::optional<double> fallback) {
    const json::Value *v = lookup(key, /*required=*/!fallback);
    if (!v)
      return fallback.value_or(1.0);
    std::optional<double> d = v->getAsNumber();
    if (!d) {
      typeError(key, "a number", *v);
      return 1.0;
    }
    if (!(std::isfinite(*d) && *d > 0))
      fail(llvm::formatv("field '{0}' must be a finite positive number, "
                         "got {1}",
                         key, render(*v)));
    return *d;
  }

  std::string optionalString(StringRef key, StringRef fallback) {
    const json::Value *v = lookup(key, /*required=*/false);
    if (!v)
      return fallback.str();
    std::optional<StringRef> s = v->getAsString();
    if (!s) {
      typeError(key, "a string", *v);
      return fallback.str();
    }
    return s->str();
  }

  /// An array of integers; empty when absent or null.
  llvm::SmallVector<int64_t> optionalIntList(StringRef key) {
    llvm::SmallVector<int64_t> result;
    const json::Value *v = lookup(key, /*required=*/false);
    if (!v || v->kind() == json::Value::Null)
      return result;
    const json::Array *array = v->getAsArray();
    if (!array) {
      typeError(key, "an array of integers", *v);
      return result;
    }
    for (const json::Value &item : *array) {
      std::optional<int64_t> i = item.getAsInteger();
      if (!i) {
        typeError(key, "an array of integers", *v);
        return {};
      }
      result.push_back(*i);
    }
    return result;
  }

private:
  const json::Value *lookup(StringRef key, bool required) {
    if (failed())
      return nullptr;
    const json::Value *v = object.get(key);
    if (!v && required)
      fail(llvm::formatv("missing field '{0}' (required for model_type "
                         "'{1}')",
                         key, modelType));
    return v;
  }

  void typeError(StringRef key, StringRef what, const json::Value &v) {
    fail(llvm::formatv("field '{0}' must be {1}, got {2}", key, what,
                       render(v)));
  }

  int64_t toInt(StringRef key, const json::Value &v, int64_t minValue) {
    std::optional<int64_t> i = v.getAsInteger();
    if (!i) {
      if (std::optional<uint64_t> u = v.getAsUINT64())
        fail(llvm::formatv("field '{0}' = {1} is too large (more than 63 "
                           "bits)",
                           key, *u));
      else
        typeError(key, "an integer", v);
      return minValue;
    }
    if (*i < minValue) {
      fail(llvm::formatv("field '{0}' must be at least {1}, got {2}", key,
                         minValue, *i));
      return minValue;
    }
    return *i;
  }

  bool toBool(StringRef key, const json::Value &v) {
    std::optional<bool> b = v.getAsBoolean();
    if (!b) {
      typeError(key, "true or false", v);
      return false;
    }
    return *b;
  }

  const json::Object &object;
  StringRef modelType;
  std::optional<std::string> error;
};

/// Hugging Face `hidden_act` (transformers ACT2FN) to the dialect's
/// activation.
std::optional<Activation> mapActivation(StringRef name) {
  return llvm::StringSwitch<std::optional<Activation>>(name)
      .Cases({"silu", "swish"}, Activation::silu)
      .Cases({"gelu_pytorch_tanh", "gelu_new"}, Activation::gelu_tanh)
      .Case("gelu", Activation::gelu_erf)
      .Case("relu", Activation::relu)
      .Default(std::nullopt);
}

/// Reads what every family has (hidden_size, num_hidden_layers, hidden_act)
/// into `spec` and checks `layer` against num_hidden_layers.
void readCommon(Config &config, LayerSpec &spec) {
  spec.hidden = config.requireInt("hidden_size", 1);
  int64_t layers = config.requireInt("num_hidden_layers", 1);
  std::string act = config.optionalString("hidden_act", "silu");
  if (config.failed())
    return;
  if (spec.layer >= layers) {
    config.fail(llvm::formatv("--layer {0} is out of range: "
                              "'num_hidden_layers' = {1} (layers 0..{2})",
                              spec.layer, layers, layers - 1));
    return;
  }
  std::optional<Activation> activation = mapActivation(act);
  if (!activation) {
    config.fail(llvm::formatv("field 'hidden_act' = \"{0}\" is not supported "
                              "(supported: silu, swish, gelu, gelu_new, "
                              "gelu_pytorch_tanh, relu)",
                              printable(act)));
    return;
  }
  spec.activation = *activation;
}

/// Checks k against E.
void checkTopK(Config &config, const LayerSpec &spec, StringRef expertsKey) {
  if (!config.failed() && spec.topK > spec.numExperts)
    config.fail(llvm::formatv("field 'num_experts_per_tok' = {0} exceeds "
                              "'{1}' = {2}",
                              spec.topK, expertsKey, spec.numExperts));
}

/// Sets the checkpoint names of routed (and shared) experts whose
/// projections are `gate`/`up`/`down` under `prefix` (".experts.{e}." and
/// `sharedPrefix` are appended).
void setExpertNames(LayerSpec &spec, StringRef prefix, StringRef gate,
                    StringRef up, StringRef down, StringRef sharedPrefix) {
  auto expert = [&](StringRef proj) {
    return (prefix + "experts.{e}." + proj + ".weight").str();
  };
  spec.routerName = (prefix + "gate.weight").str();
  spec.w1Name = expert(gate);
  spec.w3Name = expert(up);
  spec.w2Name = expert(down);
  if (spec.sharedSize == 0)
    return;
  auto shared = [&](StringRef proj) {
    return (prefix + sharedPrefix + "." + proj + ".weight").str();
  };
  spec.sharedW1Name = shared(gate);
  spec.sharedW3Name = shared(up);
  spec.sharedW2Name = shared(down);
}

std::string layerPrefix(const LayerSpec &spec, StringRef block) {
  return llvm::formatv("model.layers.{0}.{1}.", spec.layer, block).str();
}

//===----------------------------------------------------------------------===//
// mixtral
//===----------------------------------------------------------------------===//

/// MixtralSparseMoeBlock: softmax over all experts, top-k, the k weights
/// always renormalized. Every layer is sparse.
void readMixtral(Config &config, LayerSpec &spec) {
  spec.numExperts = config.requireInt("num_local_experts", 1);
  spec.topK = config.requireInt("num_experts_per_tok", 1);
  spec.expertSize = config.requireInt("intermediate_size", 1);
  checkTopK(config, spec, "num_local_experts");
  spec.scoring = Scoring::softmax;
  spec.normalize = true;
  setExpertNames(spec, layerPrefix(spec, "block_sparse_moe"), "w1", "w3", "w2",
                 "");
}

//===----------------------------------------------------------------------===//
// qwen2_moe, qwen3_moe, olmoe
//===----------------------------------------------------------------------===//

/// Qwen2MoeSparseMoeBlock / Qwen3MoeSparseMoeBlock: softmax, top-k, the k
/// weights renormalized when norm_topk_prob. Qwen2-MoE adds a shared expert
/// scaled by sigmoid(shared_expert_gate(x)). A layer is sparse when it is
/// not in mlp_only_layers, num_experts > 0 and (layer + 1) %
/// decoder_sparse_step == 0. Qwen3-MoE configs written by transformers 5
/// name the experts `num_local_experts`; the Hub's say `num_experts`.
void readQwenMoe(Config &config, LayerSpec &spec, bool hasSharedExpert) {
  StringRef expertsKey = "num_experts";
  if (spec.modelType == "qwen3_moe")
    spec.numExperts = config.requireIntEither(
        "num_experts", "num_local_experts", 0, expertsKey);
  else
    spec.numExperts = config.requireInt(expertsKey, 0);
  spec.topK = config.requireInt("num_experts_per_tok", 1);
  spec.expertSize = config.requireInt("moe_intermediate_size", 1);
  spec.normalize = config.optionalBool("norm_topk_prob", false);
  int64_t step = config.optionalInt("decoder_sparse_step", 1, 1);
  llvm::SmallVector<int64_t> mlpOnly =
      config.optionalIntList("mlp_only_layers");
  if (hasSharedExpert)
    spec.sharedSize = config.requireInt("shared_expert_intermediate_size", 0);
  if (config.failed())
    return;

  if (llvm::is_contained(mlpOnly, spec.layer))
    return config.fail(llvm::formatv("layer {0} is dense: it is listed in "
                                     "'mlp_only_layers'",
                                     spec.layer));
  if (spec.numExperts == 0)
    return config.fail(
        llvm::formatv("layer {0} is dense: '{1}' = 0", spec.layer, expertsKey));
  if ((spec.layer + 1) % step != 0)
    return config.fail(llvm::formatv(
        "layer {0} is dense: 'decoder_sparse_step' = {1} makes only the "
        "layers with (layer + 1) % {1} == 0 sparse",
        spec.layer, step));
  checkTopK(config, spec, expertsKey);
  spec.scoring = Scoring::softmax;
  // A shared expert of inner size 0 adds nothing.
  spec.sharedGate = spec.sharedSize > 0;
  std::string prefix = layerPrefix(spec, "mlp");
  setExpertNames(spec, prefix, "gate_proj", "up_proj", "down_proj",
                 "shared_expert");
  if (spec.sharedGate)
    spec.sharedGateName = prefix + "shared_expert_gate.weight";
}

/// OlmoeSparseMoeBlock: softmax, top-k, renormalized when norm_topk_prob;
/// every layer is sparse.
void readOlmoe(Config &config, LayerSpec &spec) {
  spec.numExperts = config.requireInt("num_experts", 1);
  spec.topK = config.requireInt("num_experts_per_tok", 1);
  spec.expertSize = config.requireInt("intermediate_size", 1);
  spec.normalize = config.optionalBool("norm_topk_prob", false);
  checkTopK(config, spec, "num_experts");
  spec.scoring = Scoring::softmax;
  setExpertNames(spec, layerPrefix(spec, "mlp"), "gate_proj", "up_proj",
                 "down_proj", "");
}

//===----------------------------------------------------------------------===//
// deepseek_v2, deepseek_v3
//===----------------------------------------------------------------------===//

/// Reads n_group / topk_group and sets a group limit on `spec`, unless every
/// group is eligible (then the limit changes nothing and is left out).
void readGroups(Config &config, LayerSpec &spec, GroupScore score,
                StringRef method) {
  int64_t groups = config.requireInt("n_group", 1);
  int64_t topkGroups = config.requireInt("topk_group", 1);
  if (config.failed())
    return;
  if (spec.numExperts % groups != 0)
    return config.fail(llvm::formatv("field 'n_group' = {0} does not divide "
                                     "'n_routed_experts' = {1}",
                                     groups, spec.numExperts));
  int64_t size = spec.numExperts / groups;
  if (topkGroups > groups)
    return config.fail(llvm::formatv("field 'topk_group' = {0} exceeds "
                                     "'n_group' = {1}",
                                     topkGroups, groups));
  if (spec.topK > topkGroups * size)
    return config.fail(llvm::formatv(
        "field 'num_experts_per_tok' = {0} exceeds the {1} experts in "
        "'topk_group' = {2} groups of {3}",
        spec.topK, topkGroups * size, topkGroups, size));
  if (score == GroupScore::top2sum && size < 2)
    return config.fail(llvm::formatv(
        "field 'n_group' = {0} leaves 1 expert per group; topk_method "
        "'{1}' scores a group by its two best experts",
        groups, method));
  if (topkGroups == groups)
    return;
  spec.numGroups = groups;
  spec.topkGroups = topkGroups;
  spec.groupScore = score;
}

/// DeepseekV2MoE / DeepseekV3MoE (the checkpoints' modeling_deepseek.py).
/// A layer is sparse when n_routed_experts is set, layer >=
/// first_k_dense_replace and layer % moe_layer_freq == 0. Shared experts are
/// one dense MLP of n_shared_experts * moe_intermediate_size, added ungated.
///
/// V2: softmax scores; topk_method greedy, or group_limited_greedy (a group
/// scores its best expert). The weights are renormalized only when top_k > 1
/// and norm_topk_prob, and multiplied by routed_scaling_factor only when they
/// are not renormalized.
///
/// V3: sigmoid scores; noaux_tc: selection on scores +
/// e_score_correction_bias, a group scores the sum of its two best; the
/// weights are the unbiased scores, renormalized when top_k > 1 and
/// norm_topk_prob, then always multiplied by routed_scaling_factor.
void readDeepseek(Config &config, LayerSpec &spec, bool v3) {
  std::optional<int64_t> routed =
      config.requireIntOrNull("n_routed_experts", 1);
  spec.topK = config.requireInt("num_experts_per_tok", 1);
  spec.expertSize = config.requireInt("moe_intermediate_size", 1);
  std::optional<int64_t> shared =
      config.requireIntOrNull("n_shared_experts", 0);
  // The two Hugging Face implementations default these differently for V3.
  int64_t firstDense = v3 ? config.requireInt("first_k_dense_replace", 0)
                          : config.optionalInt("first_k_dense_replace", 0, 0);
  int64_t freq = config.optionalInt("moe_layer_freq", 1, 1);
  bool norm = v3 ? config.requireBool("norm_topk_prob")
                 : config.optionalBool("norm_topk_prob", false);
  double scaling = config.positiveNumber(
      "routed_scaling_factor", v3 ? std::nullopt : std::optional<double>(1.0));
  std::string scoring =
      config.optionalString("scoring_func", v3 ? "sigmoid" : "softmax");
  std::string method =
      config.optionalString("topk_method", v3 ? "noaux_tc" : "greedy");
  if (config.failed())
    return;

  if (!routed)
    return config.fail(llvm::formatv("layer {0} is dense: "
                                     "'n_routed_experts' is null",
                                     spec.layer));
  if (spec.layer < firstDense)
    return config.fail(llvm::formatv("layer {0} is dense: "
                                     "'first_k_dense_replace' = {1} makes "
                                     "layers 0..{2} dense",
                                     spec.layer, firstDense, firstDense - 1));
  if (spec.layer % freq != 0)
    return config.fail(llvm::formatv(
        "layer {0} is dense: 'moe_layer_freq' = {1} makes only the layers "
        "with layer % {1} == 0 sparse",
        spec.layer, freq));
  spec.numExperts = *routed;
  checkTopK(config, spec, "n_routed_experts");
  if (config.failed())
    return;

  StringRef wantScoring = v3 ? "sigmoid" : "softmax";
  if (scoring != wantScoring)
    return config.fail(llvm::formatv("field 'scoring_func' = \"{0}\" is not "
                                     "supported for model_type '{1}' "
                                     "(supported: {2})",
                                     printable(scoring), spec.modelType,
                                     wantScoring));
  std::string prefix = layerPrefix(spec, "mlp");
  if (v3) {
    if (method != "noaux_tc")
      return config.fail(llvm::formatv(
          "field 'topk_method' = \"{0}\" is not supported for model_type "
          "'deepseek_v3' (supported: noaux_tc)",
          printable(method)));
    spec.scoring = Scoring::sigmoid;
    spec.biasName = prefix + "gate.e_score_correction_bias";
    readGroups(config, spec, GroupScore::top2sum, method);
    spec.normalize = spec.topK > 1 && norm;
    spec.scaling = scaling;
  } else {
    if (method == "group_limited_greedy")
      readGroups(config, spec, GroupScore::max, method);
    else if (method != "greedy")
      return config.fail(llvm::formatv(
          "field 'topk_method' = \"{0}\" is not supported for model_type "
          "'deepseek_v2' (supported: greedy, group_limited_greedy)",
          printable(method)));
    spec.scoring = Scoring::softmax;
    spec.normalize = spec.topK > 1 && norm;
    if (!spec.normalize)
      spec.scaling = scaling;
  }
  spec.sharedSize = shared.value_or(0) * spec.expertSize;
  setExpertNames(spec, prefix, "gate_proj", "up_proj", "down_proj",
                 "shared_experts");
}

//===----------------------------------------------------------------------===//
// Dispatch on model_type
//===----------------------------------------------------------------------===//

constexpr StringRef kModelTypes[] = {"mixtral", "qwen2_moe",   "qwen3_moe",
                                     "olmoe",   "deepseek_v2", "deepseek_v3"};

} // namespace

llvm::ArrayRef<StringRef> mlir::moe::import::supportedModelTypes() {
  return kModelTypes;
}

llvm::Expected<LayerSpec> mlir::moe::import::readLayerSpec(StringRef jsonText,
                                                           int64_t layer) {
  llvm::Expected<json::Value> parsed = parseJson(jsonText);
  if (!parsed)
    return makeError("malformed JSON: " + llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return makeError("malformed config: the top level must be a JSON object");

  const json::Value *typeValue = object->get("model_type");
  if (!typeValue)
    return makeError("missing field 'model_type'");
  std::optional<StringRef> modelType = typeValue->getAsString();
  if (!modelType)
    return makeError("field 'model_type' must be a string, got " +
                     render(*typeValue));
  if (!llvm::is_contained(kModelTypes, *modelType))
    return makeError(llvm::formatv(
        "unknown model_type '{0}' (supported: "
        "{1})",
        printable(*modelType),
        llvm::join(llvm::ArrayRef<StringRef>(kModelTypes), ", ")));

  LayerSpec spec;
  spec.modelType = modelType->str();
  spec.layer = layer;
  Config config(*object, *modelType);
  readCommon(config, spec);
  if (!config.failed()) {
    if (*modelType == "mixtral")
      readMixtral(config, spec);
    else if (*modelType == "qwen2_moe")
      readQwenMoe(config, spec, /*hasSharedExpert=*/true);
    else if (*modelType == "qwen3_moe")
      readQwenMoe(config, spec, /*hasSharedExpert=*/false);
    else if (*modelType == "olmoe")
      readOlmoe(config, spec);
    else
      readDeepseek(config, spec, /*v3=*/*modelType == "deepseek_v3");
  }
  if (config.failed())
    return config.takeError();
  return spec;
}
