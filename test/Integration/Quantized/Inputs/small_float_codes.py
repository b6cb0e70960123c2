#!/usr/bin/env python3
#===- small_float_codes.py - every small-float code through moe.dequantize -===#
#
# Usage: small_float_codes.py gen FORMAT OUT.mlir
#        small_float_codes.py check FORMAT OUT.npy
#
# FORMAT:
#   fp8   the 256 e4m3fn codes as a [16, 16] f8E4M3FN constant, times the
#         scale 2^-3;
#   fp8-matmul  the same weights W times the 16 x 16 identity, I * W^T, so
#         that they are decoded by the fast kernels' matmul (which
#         dequantize while loading): C[m, n] = W[n, m], except that a row
#         of W with a NaN code gives NaN everywhere (0 * NaN) and -0
#         becomes +0 (-0 + 0);
#   fp8-matmul-wide  the same through the dot-product kernel's steps of 32
#         codes (stepVectors): W [8, 64] holds the 254 codes that are not
#         NaN in rows 0-3 (and two zeros), and rows 4-7 one NaN code each
#         at k = 0, 20, 45, 63 (both halves of a step's registers, both
#         steps); A is the 64 x 64 identity and one more row, the unit row
#         45 (a one-row tile): C[m, n] = W[n, m] (C[64, n] = W[n, 45]),
#         NaN in the columns of rows 4-7;
#   e2m1  the 256 bytes as [16, 16] packed e2m1 values (512 of them: the
#         low nibble of byte j is element 2j), times the e8m0 scale 2^0;
#   e8m0  the 256 e8m0 scale codes, one per row of 32 fp4 values 1.0.
# gen writes @codes; check compares moe-run's output bit for bit with the
# values computed here from the formats' definitions (e4m3fn: 1 sign, 4
# exponent bits of bias 7, 3 mantissa bits, subnormals, NaN at 0x7F/0xFF;
# e2m1: 1 sign, 2 exponent bits of bias 1, 1 mantissa bit; e8m0:
# 2^(e - 127), NaN at 0xFF), NaN with NaN.
#
#===----------------------------------------------------------------------===#

import sys

import numpy as np


def fp8(c):
    s, e, m = c >> 7, (c >> 3) & 15, c & 7
    if (c & 0x7F) == 0x7F:
        return np.nan
    x = m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
    return -x if s else x


def fp4(u):
    s, e, m = u >> 3, (u >> 1) & 3, u & 1
    x = m / 2 if e == 0 else (1 + m / 2) * 2.0 ** (e - 1)
    return -x if s else x


def e8m0(e):
    return np.nan if e == 255 else 2.0 ** (e - 127)


def hexbytes(values):
    return "".join("%02X" % v for v in values)


WIDE_K, WIDE_NAN = 64, ((4, 0, 0x7F), (5, 20, 0xFF), (6, 45, 0x7F),
                        (7, 63, 0xFF))


def wide_codes():
    """The codes W [8, WIDE_K] of fp8-matmul-wide."""
    codes = [c for c in range(256) if c & 0x7F != 0x7F] + [0, 0]
    codes += [(3 * k) & 0x7E for k in range(4 * WIDE_K)]
    for row, k, code in WIDE_NAN:
        codes[row * WIDE_K + k] = code
    return codes


def wide_rows():
    """The rows of A of fp8-matmul-wide: the identity, then unit row 45."""
    return [[1.0 if j == i else 0.0 for j in range(WIDE_K)]
            for i in list(range(WIDE_K)) + [45]]


def generate(fmt):
    if fmt == "fp8-matmul-wide":
        m, k = len(wide_rows()), WIDE_K
        return ("func.func @codes(%%x: tensor<?x4xf32>) -> tensor<%dx8xf32> {\n"
                "  %%q = arith.constant dense<\"0x%s\"> : tensor<8x%dxf8E4M3FN>\n"
                "  %%s = arith.constant dense<0.125> : tensor<1x1xf32>\n"
                "  %%w = moe.dequantize %%q scales(%%s : tensor<1x1xf32>) "
                "block [8, %d] : tensor<8x%dxf8E4M3FN> -> tensor<8x%dxf32>\n"
                "  %%i = arith.constant dense<%s> : tensor<%dx%dxf32>\n"
                "  %%z = arith.constant 0.0 : f32\n"
                "  %%e = tensor.empty() : tensor<%dx8xf32>\n"
                "  %%c = linalg.fill ins(%%z : f32) outs(%%e : tensor<%dx8xf32>) "
                "-> tensor<%dx8xf32>\n"
                "  %%y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> "
                "(m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) "
                "-> (m, n)>] ins(%%i, %%w : tensor<%dx%dxf32>, "
                "tensor<8x%dxf32>) outs(%%c : tensor<%dx8xf32>) -> "
                "tensor<%dx8xf32>\n"
                "  return %%y : tensor<%dx8xf32>\n}\n" % (
                    m, hexbytes(wide_codes()), k, k, k, k,
                    "[" + ", ".join("[" + ", ".join(map(str, r)) + "]"
                                    for r in wide_rows()) + "]",
                    m, k, m, m, m, m, k, k, m, m, m))
    if fmt == "fp8-matmul":
        return ("func.func @codes(%%x: tensor<?x4xf32>) -> tensor<16x16xf32> {\n"
                "  %%q = arith.constant dense<\"0x%s\"> : tensor<16x16xf8E4M3FN>\n"
                "  %%s = arith.constant dense<0.125> : tensor<1x1xf32>\n"
                "  %%w = moe.dequantize %%q scales(%%s : tensor<1x1xf32>) "
                "block [16, 16] : tensor<16x16xf8E4M3FN> -> tensor<16x16xf32>\n"
                "  %%i = arith.constant dense<%s> : tensor<16x16xf32>\n"
                "  %%z = arith.constant 0.0 : f32\n"
                "  %%e = tensor.empty() : tensor<16x16xf32>\n"
                "  %%c = linalg.fill ins(%%z : f32) outs(%%e : tensor<16x16xf32>) "
                "-> tensor<16x16xf32>\n"
                "  %%y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> "
                "(m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) "
                "-> (m, n)>] ins(%%i, %%w : tensor<16x16xf32>, "
                "tensor<16x16xf32>) outs(%%c : tensor<16x16xf32>) -> "
                "tensor<16x16xf32>\n"
                "  return %%y : tensor<16x16xf32>\n}\n" % (
                    hexbytes(range(256)),
                    "[" + ", ".join("[" + ", ".join(
                        "1.0" if i == j else "0.0" for j in range(16)) + "]"
                        for i in range(16)) + "]"))
    if fmt == "fp8":
        return ("func.func @codes(%%x: tensor<?x4xf32>) -> tensor<16x16xf32> {\n"
                "  %%q = arith.constant dense<\"0x%s\"> : tensor<16x16xf8E4M3FN>\n"
                "  %%s = arith.constant dense<0.125> : tensor<1x1xf32>\n"
                "  %%w = moe.dequantize %%q scales(%%s : tensor<1x1xf32>) "
                "block [16, 16] : tensor<16x16xf8E4M3FN> -> tensor<16x16xf32>\n"
                "  return %%w : tensor<16x16xf32>\n}\n" % hexbytes(range(256)))
    if fmt == "e2m1":
        q, s, block, scales = hexbytes(range(256)), "7F" * 16, "[1, 32]", 16
        qshape, rshape = "16x16", "16x32"
    else:
        q, s, block, scales = "22" * (256 * 16), hexbytes(range(256)), \
            "[1, 32]", 256
        qshape, rshape = "256x16", "256x32"
    return ("func.func @codes(%%x: tensor<?x4xf32>) -> tensor<%sxf32> {\n"
            "  %%q = arith.constant dense<\"0x%s\"> : tensor<%sxi8>\n"
            "  %%s = arith.constant dense<\"0x%s\"> : tensor<%dx1xf8E8M0FNU>\n"
            "  %%w = moe.dequantize %%q packed e2m1 scales(%%s : "
            "tensor<%dx1xf8E8M0FNU>) block %s : tensor<%sxi8> -> "
            "tensor<%sxf32>\n"
            "  return %%w : tensor<%sxf32>\n}\n" % (
                rshape, q, qshape, s, scales, scales, block, qshape, rshape,
                rshape))


def expected(fmt):
    if fmt == "fp8":
        return [fp8(c) * 0.125 for c in range(256)]
    if fmt == "fp8-matmul":
        w = np.array([fp8(c) * 0.125 for c in range(256)]).reshape(16, 16)
        w[np.isnan(w).any(axis=1)] = np.nan
        return list(w.T.ravel() + 0.0)
    if fmt == "fp8-matmul-wide":
        w = np.array([fp8(c) * 0.125 for c in wide_codes()]).reshape(8, WIDE_K)
        w[np.isnan(w).any(axis=1)] = np.nan
        return list((np.array(wide_rows()) @ np.nan_to_num(w.T) +
                     0.0 * w.T[:1]).ravel())
    if fmt == "e2m1":
        return [fp4((b >> (4 * half)) & 15) for b in range(256)
                for half in (0, 1)]
    return [e8m0(e) for e in range(256) for _ in range(32)]


def main(argv):
    mode, fmt = argv[1], argv[2]
    if mode == "gen":
        with open(argv[3], "w") as f:
            f.write(generate(fmt))
        return 0
    got = np.load(argv[3]).astype(np.float32).ravel()
    want = np.array(expected(fmt), np.float32)
    bad = [i for i in range(want.size)
           if not (np.isnan(want[i]) and np.isnan(got[i]))
           and got[i].view(np.uint32) != want[i].view(np.uint32)]
    print("%s values=%d nan=%d mismatches=%d" % (
        fmt, got.size, int(np.isnan(got).sum()), len(bad)))
    for i in bad[:8]:
        print("  element %d: got %r, want %r" % (i, got[i], want[i]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
