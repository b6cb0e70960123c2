//===- HFConfigFuzzer.cpp - libFuzzer target for config.json --------------===//
//
// Reads the input as a Hugging Face config.json, for layers 0 to 3.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "HFConfig.h"

using namespace mlir::moe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int64_t layer = 0; layer < 4; ++layer) {
    llvm::Expected<import::LayerSpec> spec =
        import::readLayerSpec(fuzz::asText(data, size), layer);
    if (!spec)
      fuzz::checkOneLine(spec.takeError());
  }
  return 0;
}
