#!/usr/bin/env python3
#===- quantize_ref.py - The quantizer of --random-inputs, in NumPy --------===#
#
# Rebuilds from docs/Tools.md what `moe-run --random-inputs SEED` binds to
# the operands of a moe.dequantize, independently of moe-run: the float
# weight the `q` argument would get as an f32 argument (moe_run_ref.py),
# quantized per block in float32 arithmetic; fp8 e4m3fn by the nearest of
# its values (ties to the even code) from a decoded table.
#
#   quantize_ref.py check SEED DIR
#       checks DIR/<name>.npy, the --output of Inputs/quantized_random.mlir,
#       and prints "<name> PASS" or "<name> FAIL ..." for each result
#===----------------------------------------------------------------------===#

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fp8_ref import decode  # noqa: E402
from moe_run_ref import GAMMA, MASK, mix, random_tensor, to_bf16  # noqa: E402

F32 = np.float32


def fp8_table():
    """The 127 non-negative finite e4m3fn values, by code."""
    return np.array([decode(code) for code in range(127)])


def fp8_encode(r):
    """Codes of float32 values r: nearest value, ties to the even code,
    saturating at 448."""
    table = fp8_table()
    mag = np.abs(r.astype(np.float64)).ravel()
    codes = np.empty(mag.size, np.uint8)
    for i, v in enumerate(mag):
        hi = int(np.searchsorted(table, v))
        if hi >= len(table):
            c = 126
        elif table[hi] == v or hi == 0:
            c = hi
        else:
            lo = hi - 1
            dl, dh = v - table[lo], table[hi] - v
            c = lo if dl < dh else hi if dh < dl else (lo if lo % 2 == 0
                                                         else hi)
        codes[i] = c
    sign = np.signbit(r.ravel())
    codes = codes | np.where(sign, 0x80, 0).astype(np.uint8)
    return codes.reshape(r.shape)


def fp8_decode(codes):
    table = fp8_table()
    mag = table[codes & 0x7F]
    return np.where(codes & 0x80, -mag, mag)


def quantize(w, block, kind, bf16_scales=False, zero_points=False):
    """(q, scales, zero points) of float32 weight w [..., N, K]."""
    n, k = w.shape[-2:]
    bn, bk = block
    nb, kb = -(-n // bn), -(-k // bk)
    lead = w.shape[:-2]
    q = np.zeros(w.shape, np.int8 if kind == "i8" else np.uint8)
    s = np.zeros(lead + (nb, kb), F32)
    z = np.zeros(lead + (nb, kb), np.int8)
    for o in np.ndindex(*lead):
        for i in range(nb):
            for j in range(kb):
                at = o + (slice(i * bn, (i + 1) * bn),
                          slice(j * bk, (j + 1) * bk))
                blk = w[at]
                lo, hi = blk.min(), blk.max()
                if zero_points:
                    scale = (hi - lo) / F32(255) if hi > lo else F32(1)
                else:
                    absmax = max(abs(lo), abs(hi))
                    levels = F32(448) if kind == "f8" else F32(127)
                    scale = absmax / levels if absmax > 0 else F32(1)
                scale = F32(scale)
                if bf16_scales:
                    scale = to_bf16(np.array([scale]))[0]
                r = (blk / scale).astype(F32)
                if kind == "f8":
                    q[at] = fp8_encode(r)
                elif zero_points:
                    zp = np.clip(np.rint(F32(-128) - lo / scale), -128, 127)
                    z[o + (i, j)] = zp
                    q[at] = np.clip(np.rint(r) + zp, -128, 127)
                else:
                    q[at] = np.clip(np.rint(r), -127, 127)
                s[o + (i, j)] = scale
    return q, s, z


def expand(a, block, shape):
    """Block values broadcast over their blocks, cut to `shape`."""
    a = np.repeat(np.repeat(a, block[0], axis=-2), block[1], axis=-1)
    return a[..., :shape[-2], :shape[-1]]


def weight(seed, index, shape):
    return random_tensor(seed, index, shape, fan_in=shape[-1]).astype(F32)


def raw_stream(seed, index, n):
    state = mix((seed + (index + 1) * GAMMA) & MASK)
    out = []
    for _ in range(n):
        state = (state + GAMMA) & MASK
        out.append(mix(state))
    return out


def check(seed, directory):
    got = lambda name: np.load(os.path.join(directory, name + ".npy"))
    want = {}
    q, s, _ = quantize(weight(seed, 1, (2, 4, 6)), (2, 3), "i8")
    want["q"], want["s"] = q, s
    want["dq"] = (q.astype(F32) * expand(s, (2, 3), q.shape)).astype(F32)
    f, fs, _ = quantize(weight(seed, 3, (17, 40)), (2, 16), "f8",
                        bf16_scales=True)
    want["f"], want["fs"] = fp8_decode(f).astype(F32), fs
    want["df"] = (fp8_decode(f).astype(F32) *
                  expand(fs, (2, 16), f.shape)).astype(F32)
    a, a_s, az = quantize(weight(seed, 5, (3, 7)), (1, 4), "i8",
                          zero_points=True)
    want["a"], want["as"], want["az"] = a, a_s, az
    want["da"] = ((a.astype(F32) - expand(az, (1, 4), a.shape).astype(F32)) *
                  expand(a_s, (1, 4), a.shape)).astype(F32)
    want["c"] = np.array([b >> 56 for b in raw_stream(seed, 8, 64)],
                         np.uint8).view(np.int8)
    for name in ["q", "s", "f", "fs", "a", "as", "az", "c", "dq", "df", "da"]:
        g, w = got(name), want[name]
        if g.shape != w.shape or g.dtype != w.dtype:
            print(name, "FAIL", g.dtype, g.shape, "want", w.dtype, w.shape)
        elif not np.array_equal(g, w):
            bad = np.argwhere(g != w)[0]
            print(name, "FAIL at", list(bad), g[tuple(bad)], "want",
                  w[tuple(bad)])
        else:
            print(name, "PASS")


if __name__ == "__main__":
    check(int(sys.argv[2]), sys.argv[3])
