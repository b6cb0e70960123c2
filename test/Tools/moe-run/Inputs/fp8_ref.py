#!/usr/bin/env python3
#===- fp8_ref.py - fp8 e4m3fn references for the moe-run tests ------------===#
#
# Decodes fp8 e4m3fn codes from the definition (1 sign bit, 4 exponent bits
# with bias 7, 3 mantissa bits, subnormals at exponent 0, no infinities,
# S.1111.111 NaN), independently of moe-run:
#
#   fp8_ref.py codes OUT.npy            the 256 codes 0..255 as a '|u1' .npy
#   fp8_ref.py check-decode GOT.npy     GOT (f32) against the decoded codes;
#                                       prints "PASS" or the first mismatch
#===----------------------------------------------------------------------===#

import sys

import numpy as np


def decode(code):
    sign = -1.0 if code & 0x80 else 1.0
    exponent = (code >> 3) & 0xF
    mantissa = code & 0x7
    if exponent == 0xF and mantissa == 0x7:
        return float("nan")
    if exponent == 0:
        return sign * mantissa * 2.0**-9
    return sign * (1.0 + mantissa / 8.0) * 2.0**(exponent - 7)


def main():
    if sys.argv[1] == "codes":
        np.save(sys.argv[2], np.arange(256, dtype=np.uint8))
        return 0
    got = np.load(sys.argv[2])
    assert got.dtype == np.float32 and got.shape == (256,), (got.dtype,
                                                             got.shape)
    for code in range(256):
        want = decode(code)
        value = float(got[code])
        same = (np.isnan(want) and np.isnan(value)) or (
            want == value and np.signbit(want) == np.signbit(value))
        if not same:
            print(f"FAIL code {code:#04x}: got {value!r}, want {want!r}")
            return 0
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
