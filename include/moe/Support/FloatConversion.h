//===- FloatConversion.h - f32 <-> bf16 / f16 bit conversions ---*- C++ -*-===//
//
// Scalar conversions between IEEE binary32 and the 16- and 8-bit float
// formats that checkpoints use, on raw bit patterns. Narrowing rounds to
// nearest, ties to even, and keeps NaN a NaN.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_FLOATCONVERSION_H
#define MOE_SUPPORT_FLOATCONVERSION_H

#include <cstdint>

namespace mlir {
namespace moe {

/// bfloat16 bits to the f32 value they denote (exact).
float bf16ToF32(uint16_t bits);

/// f32 to bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN.
uint16_t f32ToBF16(float value);

/// IEEE binary16 bits to the f32 value they denote (exact, subnormals too).
float f16ToF32(uint16_t bits);

/// f32 to IEEE binary16 bits, round to nearest even; overflow gives
/// infinity, NaN stays a (quiet) NaN.
uint16_t f32ToF16(float value);

/// fp8 e4m3fn bits (1 sign, 4 exponent bits with bias 7, 3 mantissa bits;
/// no infinities, 0x7F and 0xFF are NaN) to the f32 value they denote
/// (exact, subnormals too).
float f8E4M3FNToF32(uint8_t bits);
/// f32 to fp8 e4m3fn bits, round to nearest even; finite values beyond the
/// largest (448) and infinities saturate to +-448; NaN gives NaN (0x7F with
/// the sign).
uint8_t f32ToF8E4M3FN(float value);

/// An e8m0 scale (f8E8M0FNU) to f32, exact: 2^(bits - 127); 0xFF is NaN.
float f8E8M0FNUToF32(uint8_t bits);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_FLOATCONVERSION_H
