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
#   quantize_ref.py check-packed SEED DIR
#       the same for Inputs/quantized_random_packed.mlir (int4 packed two
#       per byte, symmetric and with zero points; mxfp4: e2m1 values by the
#       nearest value, ties to the even code, and e8m0 scales
#       2^(floor(log2(absmax)) - 2))
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


E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6], np.float64)


def e2m1_encode(r):
    """Codes (bit 3 the sign) of float32 values r: nearest value, ties to
    the even code, saturating at 6."""
    mag = np.abs(r.astype(np.float64)).ravel()
    codes = np.empty(mag.size, np.uint8)
    for i, v in enumerate(mag):
        d = np.abs(E2M1 - v)
        best = [c for c in range(8) if d[c] == d.min()]
        even = [c for c in best if c % 2 == 0]
        codes[i] = even[0] if even else best[0]
    sign = np.signbit(r.ravel()) & (codes != 0)
    return (codes | np.where(sign, 8, 0).astype(np.uint8)).reshape(r.shape)


def e2m1_decode(codes):
    mag = E2M1[codes & 7]
    return np.where(codes & 8, -mag, mag)


def quantize_packed(w, bk, fmt, bf16_scales=False, zero_points=False):
    """(nibbles [N, K], scales, zero points, e8m0 codes) of float32 weight w
    [N, K] in [1, bk] blocks: int4 or mxfp4."""
    n, k = w.shape
    kb = -(-k // bk)
    u = np.zeros((n, k), np.uint8)
    s = np.zeros((n, kb), F32)
    z = np.zeros((n, kb), np.int8)
    e = np.zeros((n, kb), np.uint8)
    for i in range(n):
        for j in range(kb):
            at = (i, slice(j * bk, (j + 1) * bk))
            blk = w[at]
            lo, hi = blk.min(), blk.max()
            absmax = max(abs(lo), abs(hi))
            if fmt == "mxfp4":
                exp = -127 if absmax == 0 else \
                    int(np.clip(np.frexp(np.float64(absmax))[1] - 1 - 2,
                                -127, 127))
                e[i, j] = exp + 127
                scale = F32(np.ldexp(1.0, exp))
                u[at] = e2m1_encode((blk / scale).astype(F32))
            else:
                if zero_points:
                    scale = (hi - lo) / F32(15) if hi > lo else F32(1)
                else:
                    scale = absmax / F32(7) if absmax > 0 else F32(1)
                scale = F32(scale)
                if bf16_scales:
                    scale = to_bf16(np.array([scale]))[0]
                r = (blk / scale).astype(F32)
                zp = 0
                if zero_points:
                    zp = np.clip(np.rint(F32(-8) - lo / scale), -8, 7)
                    z[i, j] = zp
                u[at] = (np.clip(np.rint(r) + zp, -8, 7) + 8).astype(np.uint8)
            s[i, j] = scale
    return u, s, z, e


def pack(u):
    """Nibbles [N, K] as bytes [N, K/2], element 2j in the low half."""
    return (u[:, 0::2] | (u[:, 1::2] << 4)).astype(np.uint8).view(np.int8)


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


def report(got, want, names):
    """Prints "<name> PASS", or FAIL and the first difference, per name."""
    for name in names:
        g, w = got(name), want[name]
        if g.shape != w.shape or g.dtype != w.dtype:
            print(name, "FAIL", g.dtype, g.shape, "want", w.dtype, w.shape)
        elif not np.array_equal(g, w):
            bad = np.argwhere(g != w)[0]
            print(name, "FAIL at", list(bad), g[tuple(bad)], "want",
                  w[tuple(bad)])
        else:
            print(name, "PASS")


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
    report(got, want,
           ["q", "s", "f", "fs", "a", "as", "az", "c", "dq", "df", "da"])


def check_packed(seed, directory):
    got = lambda name: np.load(os.path.join(directory, name + ".npy"))
    want = {}
    u, s, _, _ = quantize_packed(weight(seed, 1, (3, 16)), 8, "int4")
    want["p"], want["ps"] = pack(u), s
    want["dp"] = ((u.astype(F32) - 8) * expand(s, (1, 8), u.shape)).astype(F32)
    u, s, z, _ = quantize_packed(weight(seed, 3, (2, 20)), 5, "int4",
                                 bf16_scales=True, zero_points=True)
    want["a"], want["as"], want["az"] = pack(u), s, z
    want["da"] = ((u.astype(F32) - 8 - expand(z, (1, 5), u.shape)) *
                  expand(s, (1, 5), u.shape)).astype(F32)
    u, s, _, _ = quantize_packed(weight(seed, 6, (4, 32)), 16, "mxfp4")
    want["m"], want["ms"] = pack(u), s
    want["dm"] = (e2m1_decode(u).astype(F32) *
                  expand(s, (1, 16), u.shape)).astype(F32)
    report(got, want, ["p", "ps", "a", "as", "az", "m", "ms", "dp", "da", "dm"])


if __name__ == "__main__":
    if sys.argv[1] == "check-packed":
        check_packed(int(sys.argv[2]), sys.argv[3])
    else:
        check(int(sys.argv[2]), sys.argv[3])
