//===- Quantize.cpp - Block quantization of float weights -----------------===//
//
// All arithmetic is in f32 (IEEE single, as NumPy's float32 computes it) so
// that a test can repeat it exactly: per block, s = absmax / 127 (int8) or
// absmax / 448 (fp8), 1 for an all-zero block, rounded to bf16 first for bf16
// scales; q = round(w / s), nearest even. With zero points (int8): s = (max -
// min) / 255, z = clamp(round(-128 - min / s), -128, 127), q = clamp(round(w
// / s) + z, -128, 127). Symmetric int8 is clamped to [-127, 127]; fp8
// saturates at +-448.
//
//===----------------------------------------------------------------------===//

#include "moe/Execution/Quantize.h"

#include "moe/Support/FloatConversion.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

SmallVector<int64_t> execution::getScalesShape(ArrayRef<int64_t> shape,
                                               const QuantizeSpec &spec) {
  SmallVector<int64_t> result(shape);
  size_t rank = result.size();
  result[rank - 2] = divideCeil(result[rank - 2], spec.blockRows);
  result[rank - 1] = divideCeil(result[rank - 1], spec.blockCols);
  return result;
}

namespace {

/// One block's scale and zero point, from its elements' range.
struct BlockScale {
  float scale = 1.0f;
  int zeroPoint = 0;
};

BlockScale computeScale(float lo, float hi, const QuantizeSpec &spec) {
  BlockScale result;
  float range = spec.zeroPoints ? hi - lo : std::max(std::fabs(lo), hi);
  float levels = spec.zeroPoints                           ? 255.0f
                 : spec.valueKind == ElementKind::F8E4M3FN ? 448.0f
                                                           : 127.0f;
  if (range > 0)
    result.scale = range / levels;
  if (spec.scaleKind == ElementKind::BF16)
    result.scale = bf16ToF32(f32ToBF16(result.scale));
  if (spec.zeroPoints)
    result.zeroPoint = static_cast<int>(
        std::clamp(std::nearbyint(-128.0f - lo / result.scale), -128.0f,
                   127.0f));
  return result;
}

uint8_t quantizeElement(float w, BlockScale block, const QuantizeSpec &spec) {
  float r = w / block.scale;
  if (spec.valueKind == ElementKind::F8E4M3FN)
    return f32ToF8E4M3FN(r);
  float low = spec.zeroPoints ? -128.0f : -127.0f;
  float q = std::clamp(std::nearbyint(r) + static_cast<float>(block.zeroPoint),
                       low, 127.0f);
  return static_cast<uint8_t>(static_cast<int8_t>(q));
}

} // namespace

Expected<QuantizedWeight> execution::quantizeWeight(const HostTensor &weight,
                                                    const QuantizeSpec &spec) {
  ArrayRef<int64_t> shape = weight.getShape();
  auto fail = [&](const Twine &why) {
    return makeRunError("--random-inputs", why);
  };
  if (shape.size() < 2)
    return fail(formatv("expected a weight of rank 2 or more to quantize, "
                        "found shape {0}",
                        formatShape(shape)));
  if (!isQuantizedKind(spec.valueKind) || !isFloatKind(weight.getKind()) ||
      (spec.scaleKind != ElementKind::F32 &&
       spec.scaleKind != ElementKind::BF16) ||
      spec.blockRows < 1 || spec.blockCols < 1)
    return fail("expected i8 or f8E4M3FN values, f32 or bf16 scales and a "
                "positive block");
  if (spec.zeroPoints && spec.valueKind != ElementKind::I8)
    return fail(formatv("expected zero points with i8 values only, found "
                        "them with {0}",
                        getElementKindName(spec.valueKind)));

  size_t rank = shape.size();
  int64_t n = shape[rank - 2], k = shape[rank - 1];
  SmallVector<int64_t> scalesShape = getScalesShape(shape, spec);
  int64_t nb = scalesShape[rank - 2], kb = scalesShape[rank - 1];
  int64_t outer = 1;
  for (int64_t d : shape.drop_back(2))
    outer *= d;

  QuantizedWeight result{HostTensor(spec.valueKind, shape),
                         HostTensor(spec.scaleKind, scalesShape),
                         std::nullopt};
  if (spec.zeroPoints)
    result.zeroPoints = HostTensor(ElementKind::I8, scalesShape);
  auto *values = reinterpret_cast<uint8_t *>(result.values.getData());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t bi = 0; bi < nb; ++bi)
      for (int64_t bj = 0; bj < kb; ++bj) {
        int64_t rowEnd = std::min(n, (bi + 1) * spec.blockRows);
        int64_t colEnd = std::min(k, (bj + 1) * spec.blockCols);
        auto forEach = [&](auto f) {
          for (int64_t r = bi * spec.blockRows; r < rowEnd; ++r)
            for (int64_t c = bj * spec.blockCols; c < colEnd; ++c)
              f((o * n + r) * k + c);
        };
        float lo = 0, hi = 0;
        bool first = true;
        forEach([&](int64_t i) {
          float w = weight.getFloat(i);
          lo = first ? w : std::min(lo, w);
          hi = first ? w : std::max(hi, w);
          first = false;
        });
        BlockScale block = computeScale(lo, hi, spec);
        int64_t at = (o * nb + bi) * kb + bj;
        result.scales.setFloat(at, block.scale);
        if (spec.zeroPoints)
          reinterpret_cast<int8_t *>(result.zeroPoints->getData())[at] =
              static_cast<int8_t>(block.zeroPoint);
        forEach([&](int64_t i) {
          values[i] = quantizeElement(weight.getFloat(i), block, spec);
        });
      }
  return result;
}
