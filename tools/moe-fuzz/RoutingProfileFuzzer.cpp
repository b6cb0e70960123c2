//===- RoutingProfileFuzzer.cpp - libFuzzer target for routing profiles ---===//
//
// Parses the input as a capacity plan's routing profile.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "moe/Support/RoutingProfile.h"

using namespace mlir::moe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<RoutingProfile> profile =
      parseRoutingProfile(fuzz::asText(data, size));
  if (!profile) {
    fuzz::checkOneLine(profile.takeError());
    return 0;
  }
  for (const auto &histogram : profile->histograms)
    if (static_cast<int64_t>(histogram.size()) != profile->experts)
      __builtin_trap();
  return 0;
}
