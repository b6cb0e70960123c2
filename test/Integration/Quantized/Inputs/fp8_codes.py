#!/usr/bin/env python3
#===- fp8_codes.py - every fp8 e4m3fn code through moe.dequantize ----------===#
#
# Usage: fp8_codes.py gen OUT.mlir
#        fp8_codes.py check OUT.npy SCALE
#
# gen writes @codes: the 256 codes as a [16, 16] f8E4M3FN constant,
# dequantized with the scale SCALE (an f32 argument of shape [1, 1] that
# moe-run is not asked for: it is a constant 2^-3 here, exact). check
# compares moe-run's output bit for bit with the value of every code
# computed here from the format's definition (1 sign, 4 exponent bits of
# bias 7, 3 mantissa bits, subnormals, NaN at 0x7F and 0xFF), NaN with NaN.
#
#===----------------------------------------------------------------------===#

import sys

import numpy as np

SCALE = 0.125


def value(c):
    s, e, m = c >> 7, (c >> 3) & 15, c & 7
    if (c & 0x7F) == 0x7F:
        return np.nan
    x = m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
    return -x if s else x


def main(argv):
    if argv[1] == "gen":
        codes = "".join("%02X" % c for c in range(256))
        with open(argv[2], "w") as f:
            f.write(
                "func.func @codes(%%x: tensor<?x4xf32>) -> tensor<16x16xf32> {\n"
                "  %%q = arith.constant dense<\"0x%s\"> : "
                "tensor<16x16xf8E4M3FN>\n"
                "  %%s = arith.constant dense<%r> : tensor<1x1xf32>\n"
                "  %%w = moe.dequantize %%q scales(%%s : tensor<1x1xf32>) "
                "block [16, 16] : tensor<16x16xf8E4M3FN> -> "
                "tensor<16x16xf32>\n"
                "  return %%w : tensor<16x16xf32>\n}\n" % (codes, SCALE))
        return 0
    got = np.load(argv[2]).astype(np.float32).ravel()
    want = np.array([value(c) * SCALE for c in range(256)], np.float32)
    bad = [c for c in range(256)
           if not (np.isnan(want[c]) and np.isnan(got[c]))
           and got[c].view(np.uint32) != want[c].view(np.uint32)]
    print("codes=%d nan=%d subnormal=%d mismatches=%d" % (
        got.size, int(np.isnan(got).sum()),
        sum(1 for c in range(256) if (c >> 3) & 15 == 0 and c & 7), len(bad)))
    for c in bad[:8]:
        print("  code 0x%02X: got %r, want %r" % (c, got[c], want[c]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
