//===- Quantize.cpp - Block quantization of float weights -----------------===//
//
// All arithmetic is in f32 (IEEE single, as NumPy's float32 computes it) so
// that a test can repeat it exactly: per block, s = absmax / L with L = 127
// (int8), 448 (fp8), 7 (int4) or 6 (e2m1), 1 for an all-zero block, rounded
// to bf16 first for bf16 scales; q = round(w / s), nearest even. With zero
// points (int8, int4): s = (max - min) / (2^bits - 1), z = clamp(round(lo -
// min / s), lo, hi), q = clamp(round(w / s) + z, lo, hi) for the range [lo,
// hi] of the values ([-128, 127], [-8, 7]). Symmetric int8 is clamped to
// [-127, 127], int4 to [-8, 7]; fp8 saturates at +-448, e2m1 at +-6. e2m1
// with e8m0 scales follows the OCP MX rule: s = 2^(floor(log2(absmax)) -
// 2) (2^-127 for an all-zero block), the exponent clamped to [-127, 127].
// Packed values are stored as nibbles, element 2j in the low half of byte j:
// an int4 q as q + 8, an e2m1 value as its code (bit 3 the sign).
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

/// One block's scale and zero point, from its elements' range; for e8m0
/// scales also the scale's exponent code.
struct BlockScale {
  float scale = 1.0f;
  int zeroPoint = 0;
  uint8_t exponentCode = 127;
};

/// The range [lo, hi] of integer values.
std::pair<float, float> integerRange(const QuantizeSpec &spec) {
  if (spec.packed == PackedFormat::int4)
    return {-8.0f, 7.0f};
  return {spec.zeroPoints ? -128.0f : -127.0f, 127.0f};
}

BlockScale computeScale(float lo, float hi, const QuantizeSpec &spec) {
  BlockScale result;
  float absmax = std::max(std::fabs(lo), std::fabs(hi));
  if (spec.scaleKind == ElementKind::F8E8M0FNU) {
    int exponent = -127;
    if (absmax > 0)
      exponent = std::clamp(std::ilogb(absmax) - 2, -127, 127);
    result.exponentCode = static_cast<uint8_t>(exponent + 127);
    result.scale = std::ldexp(1.0f, exponent);
    return result;
  }
  bool int4 = spec.packed == PackedFormat::int4;
  float range = spec.zeroPoints ? hi - lo : absmax;
  float levels = spec.zeroPoints                           ? (int4 ? 15.0f : 255.0f)
                 : spec.packed == PackedFormat::e2m1       ? 6.0f
                 : int4                                    ? 7.0f
                 : spec.valueKind == ElementKind::F8E4M3FN ? 448.0f
                                                           : 127.0f;
  if (range > 0)
    result.scale = range / levels;
  if (spec.scaleKind == ElementKind::BF16)
    result.scale = bf16ToF32(f32ToBF16(result.scale));
  if (spec.zeroPoints) {
    auto [low, high] = integerRange(spec);
    result.zeroPoint = static_cast<int>(
        std::clamp(std::nearbyint(low - lo / result.scale), low, high));
  }
  return result;
}

/// The e2m1 code (bit 3 the sign) of the value nearest to `r`, ties to the
/// even code, saturating at +-6.
uint8_t f32ToE2M1(float r) {
  static const float magnitudes[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  float a = std::fabs(r);
  uint8_t best = 0;
  for (uint8_t c = 1; c < 8; ++c) {
    float d = std::fabs(a - magnitudes[c]), db = std::fabs(a - magnitudes[best]);
    if (d < db || (d == db && c % 2 == 0))
      best = c;
  }
  return std::signbit(r) && best ? best | 8 : best;
}

/// The stored code of one element: a byte, or a nibble when packed.
uint8_t quantizeElement(float w, BlockScale block, const QuantizeSpec &spec) {
  float r = w / block.scale;
  if (spec.packed == PackedFormat::e2m1)
    return f32ToE2M1(r);
  if (spec.valueKind == ElementKind::F8E4M3FN)
    return f32ToF8E4M3FN(r);
  auto [low, high] = integerRange(spec);
  float q = std::clamp(std::nearbyint(r) + static_cast<float>(block.zeroPoint),
                       low, high);
  if (spec.packed == PackedFormat::int4)
    return static_cast<uint8_t>(static_cast<int>(q) + 8);
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
  bool e8m0 = spec.scaleKind == ElementKind::F8E8M0FNU;
  if (!isQuantizedKind(spec.valueKind) ||
      spec.valueKind == ElementKind::F8E8M0FNU ||
      !isFloatKind(weight.getKind()) ||
      (spec.scaleKind != ElementKind::F32 &&
       spec.scaleKind != ElementKind::BF16 && !e8m0) ||
      spec.blockRows < 1 || spec.blockCols < 1)
    return fail("expected i8 or f8E4M3FN values, f32, bf16 or f8E8M0FNU "
                "scales and a positive block");
  if (e8m0 && spec.packed != PackedFormat::e2m1)
    return fail("expected f8E8M0FNU scales with packed e2m1 values only");
  if (spec.zeroPoints &&
      (spec.valueKind != ElementKind::I8 || spec.packed == PackedFormat::e2m1))
    return fail(formatv("expected zero points with integer values only, "
                        "found them with {0}",
                        spec.packed ? "packed e2m1"
                                    : getElementKindName(spec.valueKind)));
  if (spec.packed && (spec.valueKind != ElementKind::I8 || shape.back() % 2))
    return fail(formatv("expected packed 4-bit values in i8 bytes and an even "
                        "last dimension, found {0} values of shape {1}",
                        getElementKindName(spec.valueKind),
                        formatShape(shape)));

  size_t rank = shape.size();
  int64_t n = shape[rank - 2], k = shape[rank - 1];
  SmallVector<int64_t> scalesShape = getScalesShape(shape, spec);
  int64_t nb = scalesShape[rank - 2], kb = scalesShape[rank - 1];
  int64_t outer = 1;
  for (int64_t d : shape.drop_back(2))
    outer *= d;

  SmallVector<int64_t> valuesShape(shape);
  if (spec.packed)
    valuesShape.back() /= 2;
  QuantizedWeight result{HostTensor(spec.valueKind, valuesShape),
                         HostTensor(spec.scaleKind, scalesShape),
                         std::nullopt};
  if (spec.zeroPoints)
    result.zeroPoints = HostTensor(ElementKind::I8, scalesShape);
  auto *values = reinterpret_cast<uint8_t *>(result.values.getData());
  // Packed nibbles are or-ed into bytes that start at zero.
  std::fill(values, values + result.values.getSizeInBytes(), uint8_t(0));
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
        if (e8m0)
          reinterpret_cast<uint8_t *>(result.scales.getData())[at] =
              block.exponentCode;
        else
          result.scales.setFloat(at, block.scale);
        if (spec.zeroPoints)
          reinterpret_cast<int8_t *>(result.zeroPoints->getData())[at] =
              static_cast<int8_t>(block.zeroPoint);
        forEach([&](int64_t i) {
          uint8_t code = quantizeElement(weight.getFloat(i), block, spec);
          if (!spec.packed)
            values[i] = code;
          else
            values[i / 2] |= static_cast<uint8_t>(code << (4 * (i % 2)));
        });
      }
  return result;
}
