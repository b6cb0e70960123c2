#!/usr/bin/env python3
#===- random_layers.py - a layer with quantized weight arguments ----------===#
#
# Writes the same small gated layer twice, its weights function arguments:
# F32.mlir with f32 expert weights, and QUANT.mlir with each expert weight
# the moe.dequantize of a quantized argument at the same position (so that
# `moe-run --random-inputs SEED` draws the same float weights for both),
# its scales (and zero points) appended after the f32 layer's arguments.
#
#   random_layers.py layers FORMAT QUANT.mlir F32.mlir
#     FORMAT: int8 (per output channel, block [1, K]), int8-zp (groups of
#     16 along K, zero points, bf16 scales), fp8 (e4m3fn, [32, 32] blocks)
#   random_layers.py relerr GOT.npy WANT.npy BOUND
#     prints "PASS" when ||GOT - WANT|| / ||WANT|| < BOUND, else "FAIL"; and
#     the relative error
#===----------------------------------------------------------------------===#

import sys

E, F, D, K = 4, 96, 64, 2

FORMATS = {
    # q element, scales element, block of [N, K], zero points
    "int8": ("i8", "f32", lambda n, k: (1, k), False),
    "int8-zp": ("i8", "bf16", lambda n, k: (1, 16), True),
    "fp8": ("f8E4M3FN", "f32", lambda n, k: (32, 32), False),
}


def tensor(shape, elem):
    return "tensor<%sx%s>" % ("x".join(map(str, shape)), elem)


def layers(fmt, quant_path, f32_path):
    qelem, selem, block_of, zero_points = FORMATS[fmt]
    weights = [("w1", (E, F, D)), ("w3", (E, F, D)), ("w2", (E, D, F))]
    head = ['%%x: tensor<?x%dxf32>' % D,
            '%%gate: %s {moe.weight = "gate"}' % tensor((E, D), "f32")]
    f32_args = head + ['%%%s: %s {moe.weight = "%s"}' % (n, tensor(s, "f32"),
                                                        n)
                       for n, s in weights]
    quant_args = head + ['%%q%s: %s {moe.weight = "%s"}' % (n, tensor(s, qelem),
                                                           n)
                         for n, s in weights]
    body = []
    types = {}
    for n, shape in weights:
        bn, bk = block_of(shape[1], shape[2])
        sshape = (shape[0], -(-shape[1] // bn), -(-shape[2] // bk))
        stype = tensor(sshape, selem)
        quant_args.append('%%s%s: %s {moe.weight = "%s.scales"}' % (n, stype,
                                                                   n))
        zp = ""
        if zero_points:
            ztype = tensor(sshape, "i8")
            quant_args.append('%%z%s: %s {moe.weight = "%s.zero_points"}' %
                              (n, ztype, n))
            zp = " zero_points(%%z%s : %s)" % (n, ztype)
        body.append("  %%%s = moe.dequantize %%q%s scales(%%s%s : %s)%s "
                    "block [%d, %d] : %s -> %s" % (
                        n, n, n, stype, zp, bn, bk, tensor(shape, qelem),
                        tensor(shape, "f32")))
        types[n] = tensor(shape, "f32")
    layer = ("  %%y = moe.layer %%x router(%%gate : %s) w1(%%w1 : %s) "
             "w3(%%w3 : %s) w2(%%w2 : %s) routing #moe.routing<k = %d, "
             "scoring = softmax, normalize = true> activation silu : "
             "tensor<?x%dxf32> -> tensor<?x%dxf32>\n"
             "  return %%y : tensor<?x%dxf32>\n}\n" % (
                 tensor((E, D), "f32"), types["w1"], types["w3"],
                 types["w2"], K, D, D, D))
    signature = "func.func @forward(\n    %s)\n    -> tensor<?x%dxf32> {\n"
    with open(f32_path, "w") as f:
        f.write(signature % (",\n    ".join(f32_args), D) + layer)
    with open(quant_path, "w") as f:
        f.write(signature % (",\n    ".join(quant_args), D) +
                "\n".join(body) + "\n" + layer)


def relerr(got_path, want_path, bound):
    import numpy as np
    got = np.load(got_path).astype(np.float64)
    want = np.load(want_path).astype(np.float64)
    err = np.linalg.norm(got - want) / np.linalg.norm(want)
    print("PASS" if err < float(bound) else "FAIL", "relerr=%.3e" % err)


if __name__ == "__main__":
    if sys.argv[1] == "layers":
        layers(*sys.argv[2:5])
    else:
        relerr(*sys.argv[2:5])
