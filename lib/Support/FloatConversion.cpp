//===- FloatConversion.cpp - f32 <-> bf16 / f16 / fp8 bit conversions -----===//

#include "moe/Support/FloatConversion.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace {
uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}
} // namespace

float mlir::moe::bf16ToF32(uint16_t bits) {
  return floatOf(static_cast<uint32_t>(bits) << 16);
}

uint16_t mlir::moe::f32ToBF16(float value) {
  uint32_t bits = bitsOf(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x0040);
  uint32_t roundingBias = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

float mlir::moe::f16ToF32(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in f32.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1F)
    return floatOf(sign | 0x7F800000 | (mantissa << 13));
  return floatOf(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t mlir::moe::f32ToF16(float value) {
  uint32_t bits = bitsOf(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000)
    return sign | 0x7E00 | static_cast<uint16_t>((magnitude >> 13) & 0x3FF);
  // 65520 and above round to infinity (65504 is the largest half).
  if (magnitude >= 0x477FF000)
    return sign | 0x7C00;
  if (magnitude < 0x38800000) {
    // Below 2^-14: a half subnormal, magnitude * 2^24 rounded to an integer
    // (the scaling is exact; nearbyint rounds to nearest even).
    float scaled = std::ldexp(floatOf(magnitude), 24);
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  // Normal: rebias the exponent (127 -> 15), round the mantissa from 23 to
  // 10 bits to nearest even; a carry correctly bumps the exponent.
  uint32_t rebased = magnitude - (112u << 23);
  rebased += 0xFFF + ((rebased >> 13) & 1);
  return sign | static_cast<uint16_t>(rebased >> 13);
}

float mlir::moe::f8E4M3FNToF32(uint8_t bits) {
  bool negative = bits & 0x80;
  uint32_t exponent = (bits >> 3) & 0xF;
  uint32_t mantissa = bits & 0x7;
  float magnitude;
  if (exponent == 0xF && mantissa == 0x7)
    magnitude = std::numeric_limits<float>::quiet_NaN();
  else if (exponent == 0)
    // Zero or subnormal: mantissa * 2^-9.
    magnitude = std::ldexp(static_cast<float>(mantissa), -9);
  else
    magnitude = floatOf(((exponent + 120) << 23) | (mantissa << 20));
  return negative ? -magnitude : magnitude;
}

uint8_t mlir::moe::f32ToF8E4M3FN(float value) {
  uint32_t bits = bitsOf(value);
  uint8_t sign = static_cast<uint8_t>((bits >> 24) & 0x80);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000)
    return sign | 0x7F;
  if (magnitude < 0x3C800000) {
    // Below 2^-6: a subnormal, magnitude * 2^9 rounded to an integer (the
    // scaling is exact; nearbyint rounds to nearest even). 8 is 2^-6, the
    // code of the smallest normal.
    float scaled = std::ldexp(floatOf(magnitude), 9);
    return sign | static_cast<uint8_t>(std::nearbyint(scaled));
  }
  // Round the 23 mantissa bits to 3, nearest even; a carry moves into the
  // exponent. From 448 up (the next code, 480, is NaN), and infinity,
  // saturate to 448.
  if (magnitude >= 0x43E00000)
    return sign | 0x7E;
  uint32_t rounded = magnitude + 0x7FFFF + ((magnitude >> 20) & 1);
  uint32_t exponent = (rounded >> 23) - 120;
  return sign | static_cast<uint8_t>((exponent << 3) | ((rounded >> 20) & 7));
}

float mlir::moe::f8E8M0FNUToF32(uint8_t bits) {
  if (bits == 0xFF)
    return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.0f, int(bits) - 127);
}
