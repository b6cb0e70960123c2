//===- SafetensorsFuzzer.cpp - libFuzzer target for .safetensors ----------===//
//
// Parses the input as a whole .safetensors file; when it is accepted, reads
// every byte of every tensor view (AddressSanitizer checks that the views
// stay inside the input) and converts the float tensors.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "moe/Support/Safetensors.h"

#include <vector>

using namespace mlir::moe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<std::unique_ptr<SafetensorsFile>> file =
      SafetensorsFile::parse(llvm::MemoryBuffer::getMemBuffer(
          fuzz::asText(data, size), "fuzz.safetensors",
          /*RequiresNullTerminator=*/false));
  if (!file) {
    fuzz::checkOneLine(file.takeError());
    return 0;
  }
  unsigned checksum = 0;
  for (const auto &entry : (*file)->getTensors()) {
    const SafetensorsTensor &tensor = entry.second;
    for (char c : tensor.bytes)
      checksum += static_cast<unsigned char>(c);
    if (!isFloatSafetensorsDType(tensor.dtype))
      continue;
    std::vector<float> values(tensor.getNumElements());
    fuzz::checkOneLine(convertToF32(tensor, values));
  }
  return checksum == 0xFFFFFFFF; // Keeps the reads.
}
