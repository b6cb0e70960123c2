//===- NpyFuzzer.cpp - libFuzzer target for .npy files --------------------===//
//
// Parses the input as a whole .npy file of each element type moe-run reads.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "moe/Support/Npy.h"

using namespace mlir::moe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (NpyDType dtype : {NpyDType::F32, NpyDType::I32, NpyDType::I64}) {
    llvm::Expected<NpyArray> array = parseNpy(fuzz::asText(data, size), dtype);
    if (!array) {
      fuzz::checkOneLine(array.takeError());
      continue;
    }
    size_t bytes = array->getNumElements() * getNpyElementSize(dtype);
    if (bytes != array->data.size())
      __builtin_trap();
  }
  return 0;
}
