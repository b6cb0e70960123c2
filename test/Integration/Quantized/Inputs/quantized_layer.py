#!/usr/bin/env python3
#===- quantized_layer.py - a quantized layer and its f32 twin --------------===#
#
# Writes two moe IR files of the same small gated layer whose weights are
# constants: QUANT.mlir with the routed (and shared) experts' weights as
# moe.dequantize of quantized values and block scales, and F32.mlir with
# those weights dequantized here in numpy (f32, or rounded to bf16 where
# the dequantize result is bf16). Both compute the same function, so their
# outputs on the same input must agree to f32 rounding.
#
# Usage: quantized_layer.py FORMAT QUANT.mlir F32.mlir
#   FORMAT: int8 (per output channel), int8-groups (groups of 32 along K,
#   zero points, bf16 scales), int8-odd (groups of 8: narrower than a
#   vector), fp8 (e4m3, 128 x 128 blocks), fp8-bf16 (e4m3 per channel,
#   dequantized to bf16)
#
#===----------------------------------------------------------------------===#

import sys

import numpy as np

E, F, D, S, K = 4, 96, 64, 48, 2


def fp8_codes():
    """The 256 e4m3fn values by code (NaN at 0x7F, 0xFF)."""
    v = np.zeros(256, np.float64)
    for c in range(256):
        s, e, m = c >> 7, (c >> 3) & 15, c & 7
        x = m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
        v[c] = np.nan if (c & 0x7F) == 0x7F else (-x if s else x)
    return v


def bf16(a):
    """f32 rounded to bf16 (nearest even), as f32."""
    u = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16
    return u.astype(np.uint32).view(np.float32)


def dense(a, elem):
    a = np.asarray(a)
    shape = "x".join(map(str, a.shape))
    if elem == "f8E4M3FN" or elem == "i8":
        raw = a.astype(np.uint8 if elem == "f8E4M3FN" else np.int8)
        return 'dense<"0x%s"> : tensor<%sx%s>' % (raw.tobytes().hex().upper(),
                                                  shape, elem)
    if elem == "bf16":
        raw = (np.asarray(a, np.float32).view(np.uint32) >> 16).astype("<u2")
        return 'dense<"0x%s"> : tensor<%sx%s>' % (raw.tobytes().hex().upper(),
                                                  shape, elem)
    raw = np.asarray(a, "<f4")
    return 'dense<"0x%s"> : tensor<%sx%s>' % (raw.tobytes().hex().upper(),
                                              shape, elem)


class Quantizer:
    def __init__(self, fmt, rng):
        self.fmt, self.rng, self.codes = fmt, rng, fp8_codes()

    def __call__(self, shape):
        """(ops text, value name, f32 dequantized weights, type)."""
        n, k = shape[-2], shape[-1]
        fmt = self.fmt
        lead = shape[:-2]
        zero = None
        result = "f32"
        if fmt.startswith("int8"):
            group = {"int8": k, "int8-groups": 32, "int8-odd": 8}[fmt]
            block = [1, group]
            sshape = lead + [n, -(-k // group)]
            q = self.rng.integers(-127, 128, shape).astype(np.int8)
            scales = self.rng.uniform(0.5, 1.5, sshape).astype(np.float32) / 64
            selem = "f32"
            if fmt == "int8-groups":
                scales = bf16(scales)
                selem = "bf16"
                zero = self.rng.integers(-8, 9, sshape).astype(np.int8)
            qelem = "i8"
            values = q.astype(np.float64)
        else:
            block = [128, 128] if fmt == "fp8" else [1, k]
            sshape = lead + [-(-n // block[0]), -(-k // block[1])]
            codes = self.rng.integers(0, 256, shape)
            codes[(codes & 0x7F) == 0x7F] = 0x3F  # no NaN weights
            q = codes.astype(np.uint8)
            scales = self.rng.uniform(0.5, 1.5, sshape).astype(np.float32) / 256
            selem = "f32"
            qelem = "f8E4M3FN"
            values = self.codes[codes]
            if fmt == "fp8-bf16":
                result = "bf16"
        # Broadcast the block scales (and zero points) over their blocks.
        rep = lambda a: np.repeat(np.repeat(a, block[0], axis=-2)[..., :n, :],
                                  block[1], axis=-1)[..., :k]
        if zero is not None:
            values = values - rep(zero).astype(np.float64)
        w = (values.astype(np.float32) * rep(scales).astype(np.float32))
        w = w.astype(np.float32)
        if result == "bf16":
            w = bf16(w)
        qtype = "tensor<%sx%s>" % ("x".join(map(str, shape)), qelem)
        stype = "tensor<%sx%s>" % ("x".join(map(str, sshape)), selem)
        rtype = "tensor<%sx%s>" % ("x".join(map(str, shape)), result)
        Quantizer.count = getattr(Quantizer, "count", 0) + 1
        i = Quantizer.count
        text = "  %%q%d = arith.constant %s\n" % (i, dense(q, qelem))
        text += "  %%s%d = arith.constant %s\n" % (i, dense(scales, selem))
        zp = ""
        if zero is not None:
            text += "  %%z%d = arith.constant %s\n" % (i, dense(zero, "i8"))
            zp = " zero_points(%%z%d : %s)" % (i, stype.replace(selem, "i8"))
        text += ("  %%w%d = moe.dequantize %%q%d scales(%%s%d : %s)%s block "
                 "[%d, %d] : %s -> %s\n" % (i, i, i, stype, zp, block[0],
                                            block[1], qtype, rtype))
        f32text = "  %%w%d = arith.constant %s\n" % (i, dense(w, result))
        return text, f32text, "%%w%d" % i, rtype


def main():
    fmt, quant_path, f32_path = sys.argv[1:4]
    rng = np.random.default_rng(7)
    quantize = Quantizer(fmt, rng)
    router = rng.standard_normal((E, D)).astype(np.float32) / 8
    head = ("func.func @forward(%%x: tensor<?x%dxf32>) -> tensor<?x%dxf32> "
            "{\n  %%wg = arith.constant %s\n" % (D, D, dense(router, "f32")))
    quant, f32, names, types = head, head, [], []
    for shape in ([E, F, D], [E, F, D], [E, D, F], [S, D], [S, D], [D, S]):
        qtext, ftext, name, rtype = quantize(shape)
        quant += qtext
        f32 += ftext
        names.append(name)
        types.append(rtype)
    layer = ("  %%y = moe.layer %%x router(%%wg : tensor<%dx%dxf32>) "
             "w1(%s : %s) w3(%s : %s) w2(%s : %s) shared_w1(%s : %s) "
             "shared_w3(%s : %s) shared_w2(%s : %s) routing #moe.routing<k = "
             "%d, scoring = softmax, normalize = true> activation silu : "
             "tensor<?x%dxf32> -> tensor<?x%dxf32>\n  return %%y : "
             "tensor<?x%dxf32>\n}\n" % (
                 E, D, *[v for pair in zip(names, types) for v in pair], K, D,
                 D, D))
    with open(quant_path, "w") as f:
        f.write(quant + layer)
    with open(f32_path, "w") as f:
        f.write(f32 + layer)


if __name__ == "__main__":
    main()
