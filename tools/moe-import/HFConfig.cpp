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
#include "Families.h"

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

/// Typed access to the fields of a config.json object. A field is named
/// "key" or "key|alias|...": a config may give any of the names, or several
/// that agree. The first failure is recorded and later reads return
/// placeholders, so that a reader can fetch every field and then test
/// `failed()` once.
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

  /// The value of `key`, a name or a path "a.b.c" through nested objects;
  /// null when absent.
  const json::Value *get(StringRef key) const {
    const json::Object *at = &object;
    while (true) {
      auto [head, rest] = key.split('.');
      const json::Value *v = at->get(head);
      if (!v || rest.empty())
        return v;
      at = v->getAsObject();
      if (!at)
        return nullptr;
      key = rest;
    }
  }

  /// A required integer of at least `minValue`.
  int64_t requireInt(FieldName key, int64_t minValue) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/true, used);
    return v ? toInt(used, *v, minValue) : minValue;
  }

  /// A required integer of at least `minValue`, or a list of them with an
  /// entry per layer (the one of `layer` is read).
  int64_t requireIntOfLayer(FieldName key, int64_t minValue, int64_t layer) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/true, used);
    if (!v)
      return minValue;
    if (const json::Array *array = v->getAsArray()) {
      if (layer >= static_cast<int64_t>(array->size())) {
        fail(llvm::formatv("field '{0}' has no entry for layer {1}: {2}", used,
                           layer, render(*v)));
        return minValue;
      }
      return toInt(used, (*array)[layer], minValue);
    }
    return toInt(used, *v, minValue);
  }

  /// The length of a required list, at least `minSize`.
  int64_t requireListSize(FieldName key, int64_t minSize) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/true, used);
    if (!v)
      return minSize;
    const json::Array *array = v->getAsArray();
    if (!array || static_cast<int64_t>(array->size()) < minSize) {
      fail(llvm::formatv("field '{0}' must be a list of at least {1} "
                         "entries, got {2}",
                         used, minSize, render(*v)));
      return minSize;
    }
    return array->size();
  }

  /// An integer of at least `minValue`; `fallback` when absent.
  int64_t optionalInt(FieldName key, int64_t fallback, int64_t minValue) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    return v ? toInt(used, *v, minValue) : fallback;
  }

  /// A field that is an integer of at least `minValue` or null (nullopt);
  /// required when `required`, else nullopt when absent. `used` is set to
  /// the name found (the first name when none is).
  std::optional<int64_t> intOrNull(FieldName key, int64_t minValue,
                                   bool required, StringRef &used) {
    const json::Value *v = lookup(key, required, used);
    if (!v || v->kind() == json::Value::Null)
      return std::nullopt;
    return toInt(used, *v, minValue);
  }

  /// A boolean; `fallback` when absent, required when there is none.
  bool boolean(FieldName key, std::optional<bool> fallback) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/!fallback, used);
    return v ? toBool(used, *v) : fallback.value_or(false);
  }

  /// A finite positive number; `fallback` when absent, required when
  /// `fallback` is not given.
  double positiveNumber(FieldName key, std::optional<double> fallback) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/!fallback, used);
    if (!v)
      return fallback.value_or(1.0);
    std::optional<double> d = v->getAsNumber();
    if (!d) {
      typeError(used, "a number", *v);
      return 1.0;
    }
    if (!(std::isfinite(*d) && *d > 0))
      fail(llvm::formatv("field '{0}' must be a finite positive number, "
                         "got {1}",
                         used, render(*v)));
    return *d;
  }

  /// A finite number; none when absent or null.
  std::optional<double> optionalNumber(FieldName key) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    if (!v || v->kind() == json::Value::Null)
      return std::nullopt;
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d)) {
      typeError(used, "a finite number", *v);
      return std::nullopt;
    }
    return d;
  }

  /// Entry `index` of a list of finite numbers; none when absent or null.
  std::optional<double> optionalNumberAt(FieldName key, int64_t index) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    if (!v || v->kind() == json::Value::Null)
      return std::nullopt;
    const json::Array *array = v->getAsArray();
    if (!array || index >= static_cast<int64_t>(array->size())) {
      fail(llvm::formatv("field '{0}' must be a list of numbers with an "
                         "entry for layer {1}, got {2}",
                         used, index, render(*v)));
      return std::nullopt;
    }
    std::optional<double> d = (*array)[index].getAsNumber();
    if (!d || !std::isfinite(*d)) {
      typeError(used, "a list of finite numbers", *v);
      return std::nullopt;
    }
    return d;
  }

  std::string optionalString(FieldName key, StringRef fallback) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    if (!v)
      return fallback.str();
    std::optional<StringRef> s = v->getAsString();
    if (!s) {
      typeError(used, "a string", *v);
      return fallback.str();
    }
    return s->str();
  }

  /// An array of integers; empty when absent or null.
  llvm::SmallVector<int64_t> optionalIntList(FieldName key) {
    llvm::SmallVector<int64_t> result;
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    if (!v || v->kind() == json::Value::Null)
      return result;
    const json::Array *array = v->getAsArray();
    if (!array) {
      typeError(used, "an array of integers", *v);
      return result;
    }
    for (const json::Value &item : *array) {
      std::optional<int64_t> i = item.getAsInteger();
      if (!i) {
        typeError(used, "an array of integers", *v);
        return {};
      }
      result.push_back(*i);
    }
    return result;
  }

  /// An array of strings; nullopt when absent or null.
  std::optional<llvm::SmallVector<std::string>>
  optionalStringList(FieldName key) {
    StringRef used;
    const json::Value *v = lookup(key, /*required=*/false, used);
    if (!v || v->kind() == json::Value::Null)
      return std::nullopt;
    llvm::SmallVector<std::string> result;
    const json::Array *array = v->getAsArray();
    for (const json::Value &item : array ? *array : json::Array()) {
      std::optional<StringRef> s = item.getAsString();
      if (!s)
        break;
      result.push_back(s->str());
    }
    if (!array || result.size() != array->size()) {
      typeError(used, "an array of strings", *v);
      return std::nullopt;
    }
    return result;
  }

private:
  /// The value of the first name of `names` present, checking that the
  /// others present agree with it.
  const json::Value *lookup(FieldName names, bool required, StringRef &used) {
    llvm::SmallVector<StringRef, 3> keys;
    names.split(keys, '|');
    used = keys.front();
    if (failed())
      return nullptr;
    const json::Value *found = nullptr;
    for (StringRef key : keys) {
      const json::Value *v = get(key);
      if (!v)
        continue;
      if (!found) {
        found = v;
        used = key;
      } else if (*v != *found) {
        fail(llvm::formatv("fields '{0}' = {1} and '{2}' = {3} disagree "
                           "(both give the same setting)",
                           used, render(*found), key, render(*v)));
        return nullptr;
      }
    }
    if (!found && required) {
      if (keys.size() == 1)
        fail(llvm::formatv("missing field '{0}' (required for model_type "
                           "'{1}')",
                           keys.front(), modelType));
      else
        fail(llvm::formatv("missing field '{0}' (or '{1}'; required for "
                           "model_type '{2}')",
                           keys.front(),
                           llvm::join(llvm::drop_begin(keys), "', '"),
                           modelType));
    }
    return found;
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
      .Case("relu2", Activation::relu2)
      .Default(std::nullopt);
}

/// Reads what every family has (hidden_size, num_hidden_layers, hidden_act)
/// into `spec` and checks `layer` against num_hidden_layers.
int64_t readCommon(Config &config, const Family &family, LayerSpec &spec) {
  spec.hidden = config.requireInt(family.hidden, 1);
  // The layer count, or the length of a list with one entry per layer
  // (Nemotron-H's layers_block_type).
  int64_t layers = family.layersFromList
                       ? config.requireListSize(family.layers, 1)
                       : config.requireInt(family.layers, 1);
  std::string act = config.optionalString(family.activation, "silu");
  if (config.failed())
    return layers;
  if (spec.layer >= layers) {
    config.fail(llvm::formatv("--layer {0} is out of range: "
                              "'{1}' = {2} (layers 0..{3})",
                              spec.layer, family.layers.split('|').first,
                              layers, layers - 1));
    return layers;
  }
  std::optional<Activation> activation = mapActivation(act);
  if (!activation) {
    config.fail(llvm::formatv("field '{0}' = \"{1}\" is not supported "
                              "(supported: silu, swish, gelu, gelu_new, "
                              "gelu_pytorch_tanh, relu, relu2)",
                              family.activation.split('|').first,
                              printable(act)));
    return layers;
  }
  spec.activation = *activation;
  return layers;
}

/// `name` with `{L}` replaced by the layer.
std::string layerName(StringRef name, int64_t layer) {
  std::string text = name.str();
  size_t at = text.find("{L}");
  if (at != std::string::npos)
    text.replace(at, 3, std::to_string(layer));
  return text;
}

/// Checks that layer `spec.layer` is sparse. `mlp_layer_types` ("dense" or
/// "sparse" per layer, written by transformers 5 for most families)
/// decides when present; otherwise the family's rule.
void checkSparse(Config &config, const Family &family, LayerSpec &spec,
                 int64_t layers) {
  std::optional<llvm::SmallVector<std::string>> types =
      config.optionalStringList("mlp_layer_types");
  if (config.failed())
    return;
  if (types) {
    if (static_cast<int64_t>(types->size()) != layers)
      return config.fail(llvm::formatv("field 'mlp_layer_types' has {0} "
                                       "entries; 'num_hidden_layers' = {1}",
                                       types->size(), layers));
    StringRef type = (*types)[spec.layer];
    if (type == "sparse")
      return;
    if (type == "dense")
      return config.fail(llvm::formatv("layer {0} is dense: "
                                       "'mlp_layer_types'[{0}] = \"dense\"",
                                       spec.layer));
    return config.fail(llvm::formatv("field 'mlp_layer_types'[{0}] = "
                                     "\"{1}\" is not supported (supported: "
                                     "dense, sparse)",
                                     spec.layer, printable(type)));
  }

  switch (family.sparse) {
  case SparseLayers::all:
    return;
  case SparseLayers::qwenStep: {
    int64_t step = config.optionalInt("decoder_sparse_step", 1, 1);
    llvm::SmallVector<int64_t> mlpOnly =
        config.optionalIntList("mlp_only_layers");
    if (config.failed())
      return;
    if (llvm::is_contained(mlpOnly, spec.layer))
      return config.fail(llvm::formatv("layer {0} is dense: it is listed in "
                                       "'mlp_only_layers'",
                                       spec.layer));
    if ((spec.layer + 1) % step != 0)
      return config.fail(llvm::formatv(
          "layer {0} is dense: 'decoder_sparse_step' = {1} makes only the "
          "layers with (layer + 1) % {1} == 0 sparse",
          spec.layer, step));
    return;
  }
  case SparseLayers::firstDense: {
    int64_t firstDense = family.firstDenseRequired
                             ? config.requireInt(family.firstDenseKey, 0)
                             : config.optionalInt(family.firstDenseKey, 0, 0);
    int64_t freq = config.optionalInt(family.freqKey, 1, 1);
    if (config.failed())
      return;
    if (spec.layer < firstDense)
      return config.fail(llvm::formatv(
          "layer {0} is dense: '{1}' = {2} makes layers 0..{3} dense",
          spec.layer, family.firstDenseKey.split('|').first, firstDense,
          firstDense - 1));
    if (spec.layer % freq != 0)
      return config.fail(llvm::formatv(
          "layer {0} is dense: '{1}' = {2} makes only the layers with "
          "layer % {2} == 0 sparse",
          spec.layer, family.freqKey.split('|').first, freq));
    return;
  }
  case SparseLayers::periodOffset: {
    int64_t period = config.optionalInt("expert_layer_period", 1, 1);
    int64_t offset = config.optionalInt("expert_layer_offset", 0, 0);
    if (config.failed())
      return;
    if (spec.layer % period != offset)
      return config.fail(llvm::formatv(
          "layer {0} is dense: 'expert_layer_period' = {1} and "
          "'expert_layer_offset' = {2} make only the layers with layer % {1} "
          "== {2} sparse",
          spec.layer, period, offset));
    return;
  }
  case SparseLayers::indexList: {
    llvm::SmallVector<int64_t> list =
        config.optionalIntList(family.sparseListKey);
    if (config.failed() || llvm::is_contained(list, spec.layer))
      return;
    return config.fail(llvm::formatv("layer {0} is dense: it is not listed "
                                     "in '{1}'",
                                     spec.layer, family.sparseListKey));
  }
  case SparseLayers::typeList: {
    std::optional<llvm::SmallVector<std::string>> list =
        config.optionalStringList(family.sparseListKey);
    if (config.failed())
      return;
    if (!list || static_cast<int64_t>(list->size()) <= spec.layer)
      return config.fail(llvm::formatv("field '{0}' must list the type of "
                                       "layer {1}",
                                       family.sparseListKey, spec.layer));
    if ((*list)[spec.layer] != family.sparseValue)
      return config.fail(
          llvm::formatv("layer {0} is dense: '{1}'[{0}] = \"{2}\", not \"{3}\"",
                        spec.layer, family.sparseListKey,
                        printable((*list)[spec.layer]), family.sparseValue));
    return;
  }
  case SparseLayers::startEnd: {
    int64_t start = config.optionalInt("moe_layer_start_index", 0, 0);
    int64_t end = config.optionalInt("moe_layer_end_index", layers - 1, 0);
    int64_t interval = config.optionalInt("moe_layer_interval", 1, 1);
    if (config.failed())
      return;
    if (spec.layer < start || spec.layer > end)
      return config.fail(llvm::formatv(
          "layer {0} is dense: 'moe_layer_start_index' = {1} and "
          "'moe_layer_end_index' = {2} make only layers {1}..{2} sparse",
          spec.layer, start, end));
    if ((spec.layer + 1) % interval != 0)
      return config.fail(llvm::formatv(
          "layer {0} is dense: 'moe_layer_interval' = {1} makes only the "
          "layers with (layer + 1) % {1} == 0 sparse",
          spec.layer, interval));
    return;
  }
  }
}

/// Reads n_group / topk_group and sets a group limit on `spec`, unless every
/// group is eligible (then the limit changes nothing and is left out).
void readGroups(Config &config, const Family &family, LayerSpec &spec,
                StringRef expertsKey, GroupScore score, StringRef method) {
  StringRef groupsKey = family.groupsKey.split('|').first;
  StringRef topkGroupKey = family.topkGroupKey.split('|').first;
  StringRef used;
  std::optional<int64_t> groupsOrNull = config.intOrNull(
      family.groupsKey, 1, /*required=*/!family.groupsNullable, used);
  std::optional<int64_t> topkGroupsOrNull = config.intOrNull(
      family.topkGroupKey, 1, /*required=*/!family.groupsNullable, used);
  if (config.failed())
    return;
  if (!groupsOrNull || !topkGroupsOrNull) {
    if (family.groupsNullable)
      return;
    return config.fail(llvm::formatv("field '{0}' must be an integer, got "
                                     "null",
                                     groupsOrNull ? topkGroupKey : groupsKey));
  }
  int64_t groups = *groupsOrNull, topkGroups = *topkGroupsOrNull;
  if (spec.numExperts % groups != 0)
    return config.fail(llvm::formatv("field '{0}' = {1} does not divide "
                                     "'{2}' = {3}",
                                     groupsKey, groups, expertsKey,
                                     spec.numExperts));
  int64_t size = spec.numExperts / groups;
  if (topkGroups > groups)
    return config.fail(llvm::formatv("field '{0}' = {1} exceeds '{2}' = {3}",
                                     topkGroupKey, topkGroups, groupsKey,
                                     groups));
  if (spec.topK > topkGroups * size)
    return config.fail(llvm::formatv(
        "field '{0}' = {1} exceeds the {2} experts in '{3}' = {4} groups of "
        "{5}",
        family.topK.split('|').first, spec.topK, topkGroups * size,
        topkGroupKey, topkGroups, size));
  if (score == GroupScore::top2sum && size < 2)
    return config.fail(llvm::formatv(
        "field '{0}' = {1} leaves 1 expert per group; topk_method '{2}' "
        "scores a group by its two best experts",
        groupsKey, groups, method));
  if (topkGroups == groups)
    return;
  spec.numGroups = groups;
  spec.topkGroups = topkGroups;
  spec.groupScore = score;
}

/// Reads the routing of `family` into `spec`: scoring, group limit,
/// renormalization and scaling.
void readRouting(Config &config, const Family &family, LayerSpec &spec,
                 StringRef expertsKey) {
  spec.scoring = family.scoring;
  if (!family.scoringKey.empty()) {
    llvm::SmallVector<Scoring, 2> choices(family.scoringChoices);
    if (choices.empty())
      choices.push_back(family.scoring);
    std::string scoring = config.optionalString(
        family.scoringKey, stringifyScoring(family.scoring));
    if (config.failed())
      return;
    // transformers' ACT2FN spells sqrt_softplus "sqrtsoftplus".
    if (scoring == "sqrtsoftplus")
      scoring = stringifyScoring(Scoring::sqrt_softplus);
    const Scoring *found = llvm::find_if(
        choices, [&](Scoring c) { return stringifyScoring(c) == scoring; });
    if (found == choices.end())
      return config.fail(llvm::formatv(
          "field '{0}' = \"{1}\" is not supported for model_type '{2}' "
          "(supported: {3})",
          family.scoringKey, printable(scoring), spec.modelType,
          llvm::join(
              llvm::map_range(choices,
                              [](Scoring c) { return stringifyScoring(c); }),
              ", ")));
    spec.scoring = *found;
  }

  if (!family.methods.empty()) {
    std::string method =
        family.methodKey.empty()
            ? family.methodDefault.str()
            : config.optionalString(family.methodKey, family.methodDefault);
    if (config.failed())
      return;
    const TopkMethod *found = llvm::find_if(
        family.methods, [&](const TopkMethod &m) { return m.name == method; });
    if (found == family.methods.end())
      return config.fail(llvm::formatv(
          "field '{0}' = \"{1}\" is not supported for model_type '{2}' "
          "(supported: {3})",
          family.methodKey, printable(method), spec.modelType,
          llvm::join(
              llvm::map_range(family.methods,
                              [](const TopkMethod &m) { return m.name; }),
              ", ")));
    if (found->groupScore)
      readGroups(config, family, spec, expertsKey, *found->groupScore, method);
  }

  switch (family.renormalize) {
  case Renormalize::never:
    break;
  case Renormalize::always:
    spec.normalize = true;
    break;
  case Renormalize::byField:
    spec.normalize =
        config.boolean(family.normalizeKey, family.normalizeDefault);
    break;
  case Renormalize::pNormField: {
    // A number, or null: never.
    std::optional<double> p = config.optionalNumber(family.normalizeKey);
    if (!p)
      break;
    if (*p <= 0)
      return config.fail(llvm::formatv("field '{0}' must be positive or "
                                       "null, got {1}",
                                       family.normalizeKey, *p));
    spec.normalize = true;
    if (*p != 1.0)
      spec.normP = *p;
    break;
  }
  }

  if (family.scale != Scale::never) {
    double scaling =
        config.positiveNumber(family.scalingKey, family.scalingDefault);
    spec.scaling = scaling;
  }

  spec.order = family.order;
  spec.weightsOnInput = family.weightsOnInput;
  if (spec.normalize)
    spec.normEps = family.normEps;
  if (spec.numGroups)
    spec.groupFill = family.groupFill;
  if (!family.softcapKey.empty()) {
    std::optional<double> cap = config.optionalNumber(family.softcapKey);
    if (cap && *cap < 0)
      return config.fail(llvm::formatv("field '{0}' must be at least 0, got "
                                       "{1}",
                                       family.softcapKey, *cap));
    if (cap && *cap > 0)
      spec.softcap = cap;
  }
  if (spec.scoring == Scoring::sparsemixer) {
    if (spec.topK != 2)
      return config.fail(llvm::formatv(
          "field '{0}' = {1} is not supported for model_type '{2}': its "
          "sparsemixer routing selects exactly 2 experts",
          family.topK.split('|').first, spec.topK, spec.modelType));
    std::optional<double> jitter = config.optionalNumber(family.jitterKey);
    if (config.failed())
      return;
    spec.jitter = jitter.value_or(family.jitterDefault);
    if (!(*spec.jitter >= 0))
      return config.fail(llvm::formatv("field '{0}' must be at least 0, got "
                                       "{1}",
                                       family.jitterKey, *spec.jitter));
  }
}

/// Reads the expert variants of `family`: a forced activation, its alpha
/// and clamp limits.
void readExpertVariants(Config &config, const Family &family, LayerSpec &spec) {
  if (family.forceActivation) {
    if (spec.sharedSize > 0 && !family.forceActivationShared &&
        spec.activation != *family.forceActivation)
      return config.fail(llvm::formatv(
          "model_type '{0}' with shared experts needs '{1}' to name {2}: "
          "its routed experts always use {2}, and moe.layer gives the "
          "shared expert the same activation (found {3})",
          spec.modelType, family.activation.split('|').first,
          stringifyActivation(*family.forceActivation),
          stringifyActivation(spec.activation)));
    spec.activation = *family.forceActivation;
  }
  auto limitOf = [&](FieldName key) -> std::optional<double> {
    if (key.empty())
      return std::nullopt;
    std::optional<double> l = family.limitPerLayer
                                  ? config.optionalNumberAt(key, spec.layer)
                                  : config.optionalNumber(key);
    if (l && *l < 0) {
      config.fail(
          llvm::formatv("field '{0}' must be at least 0, got {1}", key, *l));
      return std::nullopt;
    }
    // 0 turns the clamp off.
    return l && *l > 0 ? l : std::nullopt;
  };
  spec.limit = limitOf(family.limitKey);
  spec.sharedLimit = limitOf(family.sharedLimitKey);
  spec.limitAfterAct = family.limitAfterAct && spec.limit;
  if (!family.alphaKey.empty() && spec.activation == Activation::swiglu_oai) {
    std::optional<double> alpha = config.optionalNumber(family.alphaKey);
    if (alpha && *alpha != 1.702)
      spec.alpha = alpha;
  }
  if (spec.activation == Activation::swiglu_softcap) {
    spec.gateSoftcap = config.positiveNumber(family.gateSoftcapKey,
                                             family.gateSoftcapDefault);
    spec.upSoftcap =
        config.positiveNumber(family.upSoftcapKey, family.upSoftcapDefault);
  }
}

/// Fails when a field of `family.unsupportedUnlessZero` is set.
void checkUnsupported(Config &config, const Family &family,
                      const json::Object &object) {
  for (FieldName key : family.unsupportedUnlessZero) {
    const json::Value *v = config.get(key);
    if (!v || v->kind() == json::Value::Null ||
        v->getAsBoolean() == std::optional<bool>(false) ||
        v->getAsNumber() == std::optional<double>(0.0))
      continue;
    return config.fail(llvm::formatv("field '{0}' = {1} is not supported for "
                                     "model_type '{2}' (only 0, false or "
                                     "null)",
                                     key, render(*v), family.modelType));
  }
}

/// Reads the layer `spec.layer` of `family`.
void readFamily(Config &config, const Family &family, LayerSpec &spec,
                int64_t layers, const json::Object &object) {
  checkUnsupported(config, family, object);
  if (!family.moeFlagKey.empty() && !config.failed() &&
      !config.boolean(family.moeFlagKey, false))
    return config.fail(llvm::formatv("layer {0} is dense: '{1}' is not true",
                                     spec.layer, family.moeFlagKey));
  StringRef expertsKey;
  std::optional<int64_t> experts =
      family.perLayerLists ? std::optional<int64_t>(config.requireIntOfLayer(
                                 family.experts, family.expertsMin, spec.layer))
                           : config.intOrNull(family.experts, family.expertsMin,
                                              /*required=*/true, expertsKey);
  if (expertsKey.empty())
    expertsKey = family.experts.split('|').first;
  spec.topK = family.perLayerLists
                  ? config.requireIntOfLayer(family.topK, 1, spec.layer)
                  : config.requireInt(family.topK, 1);
  spec.expertSize = config.requireInt(family.expertSize, 1);
  std::optional<int64_t> shared, sharedCount;
  StringRef sharedKey;
  if (family.shared != SharedSize::none)
    shared = config.intOrNull(family.sharedKey,
                              family.shared == SharedSize::stacked ? 1 : 0,
                              /*required=*/true, sharedKey);
  if (family.shared == SharedSize::fieldTimesCount)
    sharedCount = config.intOrNull(family.sharedCountKey, 0,
                                   /*required=*/true, sharedKey);
  bool hasBias = !family.bias.empty();
  if (hasBias && !family.biasFlagKey.empty())
    hasBias = config.boolean(family.biasFlagKey, false);
  if (config.failed())
    return;
  if (!experts) {
    if (!family.expertsNullable)
      return config.fail(llvm::formatv("field '{0}' must be an integer, got "
                                       "null",
                                       expertsKey));
    return config.fail(llvm::formatv("layer {0} is dense: '{1}' is null",
                                     spec.layer, expertsKey));
  }
  if (*experts == 0)
    return config.fail(
        llvm::formatv("layer {0} is dense: '{1}' = 0", spec.layer, expertsKey));
  checkSparse(config, family, spec, layers);
  if (config.failed())
    return;
  spec.numExperts = *experts;
  if (!family.identityKey.empty()) {
    StringRef used;
    spec.identityExperts =
        config.intOrNull(family.identityKey, 0, /*required=*/true, used)
            .value_or(0);
    if (config.failed())
      return;
  }
  // The identity experts are candidates too.
  if (spec.topK > spec.numExperts + spec.identityExperts)
    return config.fail(llvm::formatv(
        "field '{0}' = {1} exceeds '{2}'{3} = {4}",
        family.topK.split('|').first, spec.topK, expertsKey,
        spec.identityExperts ? " + '" + family.identityKey.str() + "'" : "",
        spec.numExperts + spec.identityExperts));

  readRouting(config, family, spec, expertsKey);
  if (config.failed())
    return;

  if (family.shared == SharedSize::field)
    spec.sharedSize = shared.value_or(0);
  else if (family.shared == SharedSize::countTimesF)
    spec.sharedSize = shared.value_or(0) * spec.expertSize;
  else if (family.shared == SharedSize::fieldTimesCount)
    spec.sharedSize = shared.value_or(0) * sharedCount.value_or(0);
  else if (family.shared == SharedSize::stacked)
    spec.stackedShared = shared.value_or(0);
  readExpertVariants(config, family, spec);
  if (spec.sharedSize > 0 && !family.sharedCombineKey.empty()) {
    std::string combine = config.optionalString(family.sharedCombineKey, "sum");
    if (combine == "average")
      spec.outputScale = 0.5;
    else if (!config.failed() && combine != "sum")
      return config.fail(llvm::formatv(
          "field '{0}' = \"{1}\" is not supported for model_type '{2}' with "
          "shared experts (supported: sum, average)",
          family.sharedCombineKey, printable(combine), spec.modelType));
  }
  bool biasFlag = !family.sharedBiasKey.empty() &&
                  config.boolean(family.sharedBiasKey, false);
  bool sharedBias = spec.sharedSize > 0 && biasFlag;
  if (!family.latentKey.empty()) {
    StringRef used;
    spec.latentSize =
        config.intOrNull(family.latentKey, 1, /*required=*/false, used)
            .value_or(0);
  }
  bool latentBias =
      biasFlag && spec.latentSize > 0 && family.sharedBiasKeyBiasesLatent;
  if (config.failed())
    return;

  std::string prefix = layerName(family.block, spec.layer);
  // A name with {L} is the full name (a tensor outside the block).
  auto name = [&](StringRef relative) {
    return relative.contains("{L}") ? layerName(relative, spec.layer)
                                    : prefix + relative.str();
  };
  spec.routerName = name(family.router);
  if (hasBias)
    spec.biasName = name(family.bias);
  auto optionalName = [&](StringRef relative) {
    return relative.empty() ? std::string() : name(relative);
  };
  spec.routerBiasName = optionalName(family.routerBias);
  spec.expertGateUpBiasName = optionalName(family.expertGateUpBias);
  spec.downBiasName = optionalName(family.downBias);
  spec.outputBiasName = optionalName(family.outputBias);
  spec.preNormName = optionalName(family.preNorm);
  spec.routerNormName = optionalName(family.routerNorm);
  spec.postNormName = optionalName(family.postNorm);
  spec.expertNormName = optionalName(family.expertNorm);
  spec.expertScaleName = optionalName(family.expertScale);
  spec.expertScaleSingle = family.expertScaleSingle;
  if (spec.sharedSize > 0)
    spec.sharedNormName = optionalName(family.sharedNorm);
  if (!spec.preNormName.empty() || !spec.routerNormName.empty() ||
      !spec.postNormName.empty() || !spec.expertNormName.empty() ||
      !spec.sharedNormName.empty())
    spec.rmsNormEps =
        config.positiveNumber(family.normEpsKey, family.normEpsDefault);
  if (family.routerInvSqrtHidden)
    spec.logitScale = 1.0 / std::sqrt(static_cast<double>(spec.hidden));
  spec.sharedTransposed = family.sharedTransposed;
  spec.gated = family.gated;
  spec.gateUp = family.gateUp;
  spec.sharedGateUp = family.sharedGateUp;
  // Ungated experts apply the activation to their one input projection,
  // which is w1 in moe.layer.
  spec.w1Name = name(family.gated ? family.gate : family.up);
  if (family.gated)
    spec.w3Name = spec.gateUp == LayerSpec::GateUp::separate ? name(family.up)
                                                             : spec.w1Name;
  spec.w2Name = name(family.down);
  spec.routerTransposed = family.routerTransposed;
  spec.biasIsRow = family.biasIsRow;
  spec.expertsTransposed = family.expertsTransposed;
  spec.expertsFlat = family.expertsFlat;
  if (spec.sharedSize > 0 || spec.stackedShared > 0) {
    spec.sharedW1Name = name(family.gated ? family.sharedW1 : family.sharedW3);
    if (family.gated)
      spec.sharedW3Name = spec.sharedGateUp == LayerSpec::GateUp::separate
                              ? name(family.sharedW3)
                              : spec.sharedW1Name;
    spec.sharedW2Name = name(family.sharedW2);
    // A shared expert of inner size 0 adds nothing, gated or not.
    spec.sharedGate = !family.sharedGate.empty();
    if (spec.sharedGate)
      spec.sharedGateName = name(family.sharedGate);
  }
  // A bias is saved next to its weight: "...proj.weight" -> "...proj.bias".
  auto biasOf = [](const std::string &weight) {
    StringRef w(weight);
    return w.consume_back(".weight") ? (w + ".bias").str() : std::string();
  };
  if (sharedBias) {
    spec.sharedB1Name = biasOf(spec.sharedW1Name);
    if (family.gated)
      spec.sharedB3Name = biasOf(spec.sharedW3Name);
    spec.sharedB2Name = biasOf(spec.sharedW2Name);
  }
  if (spec.latentSize > 0) {
    spec.latentInName = name(family.latentIn);
    spec.latentOutName = name(family.latentOut);
    if (latentBias) {
      spec.latentInBiasName = biasOf(spec.latentInName);
      spec.latentOutBiasName = biasOf(spec.latentOutName);
    }
  }
}

/// The model types of every family, for messages.
std::string familyList() {
  llvm::SmallVector<StringRef> names = llvm::map_to_vector(
      families(), [](const Family &f) { return f.modelType; });
  for (const Wrapper &w : wrappers())
    names.push_back(w.modelType);
  llvm::sort(names);
  return llvm::join(names, ", ");
}

} // namespace

void LayerSpec::applyPrefix(StringRef prefix) {
  for (std::string *name :
       {&routerName, &biasName, &w1Name, &w3Name, &w2Name, &sharedW1Name,
        &sharedW3Name, &sharedW2Name, &sharedGateName, &routerBiasName,
        &expertGateUpBiasName, &downBiasName, &outputBiasName, &sharedB1Name,
        &sharedB3Name, &sharedB2Name, &latentInName, &latentOutName,
        &latentInBiasName, &latentOutBiasName,
        &preNormName, &routerNormName, &postNormName, &expertNormName,
        &sharedNormName, &expertScaleName})
    if (StringRef(*name).starts_with("model.layers."))
      *name = (prefix + StringRef(*name).drop_front(13)).str();
}

llvm::Expected<LayerSpec> mlir::moe::import::readLayerSpec(StringRef jsonText,
                                                           int64_t layer) {
  llvm::Expected<json::Value> parsed = parseJson(jsonText);
  if (!parsed)
    return makeError("malformed JSON: " + llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return makeError("malformed config: the top level must be a JSON object");
  // A multimodal model's quantization_config is its own, not its text
  // model's.
  llvm::Expected<WeightQuantization> quantization = readQuantization(*object);
  if (!quantization)
    return quantization.takeError();

  auto readType = [&](const json::Object &obj,
                      StringRef where) -> llvm::Expected<StringRef> {
    const json::Value *typeValue = obj.get("model_type");
    if (!typeValue)
      return makeError("missing field '" + where + "model_type'");
    std::optional<StringRef> type = typeValue->getAsString();
    if (!type)
      return makeError("field '" + where + "model_type' must be a string, " +
                       "got " + render(*typeValue));
    return *type;
  };
  llvm::Expected<StringRef> modelType = readType(*object, "");
  if (!modelType)
    return modelType.takeError();
  // A multimodal wrapper: the MoE layers are its text model's.
  const Wrapper *wrapper = lookupWrapper(*modelType);
  if (wrapper) {
    const json::Value *text = object->get("text_config");
    object = text ? text->getAsObject() : nullptr;
    if (!object)
      return makeError(llvm::formatv("model_type '{0}' needs a 'text_config' "
                                     "object",
                                     wrapper->modelType));
    modelType = readType(*object, "text_config.");
    if (!modelType)
      return modelType.takeError();
    if (*modelType != wrapper->textModelType)
      return makeError(llvm::formatv(
          "field 'text_config.model_type' = '{0}' is not supported for "
          "model_type '{1}' (supported: {2})",
          printable(*modelType), wrapper->modelType, wrapper->textModelType));
  }
  const Family *family = lookupFamily(*modelType);
  if (!family)
    return makeError(llvm::formatv("unknown model_type '{0}' (supported: "
                                   "{1})",
                                   printable(*modelType), familyList()));

  LayerSpec spec;
  spec.modelType = modelType->str();
  spec.layer = layer;
  Config config(*object, *modelType);
  if (!family->refusal.empty())
    return makeError(llvm::formatv("model_type '{0}' is not supported: {1}",
                                   family->modelType, family->refusal));
  int64_t layers = readCommon(config, *family, spec);
  if (!config.failed())
    readFamily(config, *family, spec, layers, *object);
  if (config.failed())
    return config.takeError();
  if (wrapper)
    spec.applyPrefix(wrapper->layersPrefix);
  spec.quantization = std::move(*quantization);
  using Method = WeightQuantization::Method;
  if (spec.quantization.method == Method::mxfp4) {
    // GPT-OSS's layout: blocks in the nn.Linear layout, gate and up
    // interleaved; 32 values per scale along the inputs.
    int64_t m = spec.latentSize > 0 ? spec.latentSize : spec.hidden;
    if (spec.gateUp != LayerSpec::GateUp::interleaved ||
        !spec.expertsTransposed || spec.sharedSize > 0 ||
        spec.stackedShared > 0 || spec.latentSize > 0)
      return makeError(llvm::formatv(
          "quantization_config: mxfp4 checkpoints of model_type '{0}' are "
          "not supported (only GPT-OSS's experts: gate and up interleaved, "
          "no shared expert)",
          spec.modelType));
    if (m % 32 != 0 || spec.expertSize % 32 != 0)
      return makeError(llvm::formatv(
          "quantization_config: mxfp4 needs the hidden size ({0}) and the "
          "experts' inner size ({1}) to be multiples of 32",
          m, spec.expertSize));
    return spec;
  }
  if (spec.quantization.method == Method::int4Packed) {
    // Eight int4 values per int32 word along each matrix's inputs.
    int64_t m = spec.latentSize > 0 ? spec.latentSize : spec.hidden;
    bool shared = spec.sharedSize > 0 || spec.stackedShared > 0;
    for (int64_t k : {m, spec.expertSize, shared ? spec.hidden : m,
                      spec.sharedSize > 0 ? spec.sharedSize : m})
      if (k % 8 != 0)
        return makeError(llvm::formatv(
            "quantization_config: pack-quantized int4 needs the input size "
            "of every quantized matrix to be a multiple of 8 (eight values "
            "per int32 word), found {0}",
            k));
  }
  if (spec.quantization.enabled() &&
      (spec.expertsTransposed || spec.expertsFlat ||
       spec.gateUp != LayerSpec::GateUp::separate || spec.sharedTransposed ||
       spec.sharedGateUp != LayerSpec::GateUp::separate))
    return makeError(llvm::formatv(
        "quantization_config: quantized weights of model_type '{0}' are not "
        "supported: its experts are stored transposed, flat or with gate "
        "and up fused, and their scale grids would need the same view",
        spec.modelType));
  return spec;
}
