//===- RoutingProfile.cpp - Routing profiles for the capacity plan -------===//

#include "moe/Support/RoutingProfile.h"

#include "moe/Support/Json.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <string>

using namespace llvm;
using namespace mlir::moe;

namespace {

/// Reads the histogram `value` (what `where` names) of `experts` counts.
LogicalResult readHistogram(const json::Value &value, int64_t experts,
                            const Twine &where, SmallVector<double> &counts,
                            std::string &error) {
  const json::Array *array = value.getAsArray();
  if (!array) {
    error = (where + " must be a list of counts").str();
    return failure();
  }
  if (static_cast<int64_t>(array->size()) != experts) {
    error = (where + " has " + Twine(array->size()) +
             " counts, but \"experts\" is " + Twine(experts))
                .str();
    return failure();
  }
  double total = 0;
  for (auto [e, item] : enumerate(*array)) {
    std::optional<double> n = item.getAsNumber();
    if (!n || !std::isfinite(*n) || *n < 0 || *n != std::floor(*n) ||
        *n > 9007199254740992.0) {
      std::string shown;
      raw_string_ostream os(shown);
      os << item;
      error = (where + "[" + Twine(e) + "] = " + shown +
               " must be a non-negative whole number of assignments")
                  .str();
      return failure();
    }
    counts.push_back(*n);
    total += *n;
  }
  if (total <= 0) {
    error = (where + " counts no assignment").str();
    return failure();
  }
  return success();
}

/// Parses a routing profile: `{"experts": E, "histogram": [n_0, ..]}`, or
/// `"histogram": [[n_0, ..], ..]` for several.
LogicalResult parseProfile(StringRef text, RoutingProfile &profile,
                           std::string &error) {
  Expected<json::Value> root = parseJson(text);
  if (!root) {
    error = "is not valid JSON: " + toString(root.takeError());
    return failure();
  }
  const json::Object *object = root->getAsObject();
  if (!object) {
    error = "must be a JSON object {\"experts\": E, \"histogram\": [...]}";
    return failure();
  }
  const json::Value *expertsValue = object->get("experts");
  std::optional<uint64_t> experts =
      expertsValue ? getJsonUnsigned(*expertsValue) : std::nullopt;
  if (!experts || *experts < 1 || *experts > uint64_t(INT64_MAX)) {
    error = "needs \"experts\": a positive integer";
    return failure();
  }
  profile.experts = static_cast<int64_t>(*experts);
  const json::Array *histogram = object->getArray("histogram");
  if (!histogram || histogram->empty()) {
    error = "needs \"histogram\": a list of counts per expert, or a "
            "non-empty list of such lists";
    return failure();
  }
  bool nested = (*histogram)[0].getAsArray() != nullptr;
  if (!nested) {
    SmallVector<double> counts;
    if (failed(readHistogram(*object->get("histogram"), profile.experts,
                             "\"histogram\"", counts, error)))
      return failure();
    profile.histograms.push_back(std::move(counts));
    return success();
  }
  for (auto [i, item] : enumerate(*histogram)) {
    SmallVector<double> counts;
    if (failed(readHistogram(item, profile.experts,
                             "\"histogram\"[" + Twine(i) + "]", counts, error)))
      return failure();
    profile.histograms.push_back(std::move(counts));
  }
  return success();
}

} // namespace

Expected<RoutingProfile> mlir::moe::parseRoutingProfile(StringRef text) {
  RoutingProfile profile;
  std::string error;
  if (failed(parseProfile(text, profile, error)))
    return createStringError(inconvertibleErrorCode(), error);
  return profile;
}
