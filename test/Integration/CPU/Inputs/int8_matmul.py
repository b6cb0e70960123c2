#!/usr/bin/env python3
#===- int8_matmul.py - a matmul on integer weights and its int8 emulation --===#
#
# Usage: int8_matmul.py CASE WIDTH DIR [vnni|madd]
#
# Writes DIR/CASE.mlir, a function `C = [init +] x * dequantize(q, s)^T`
# (moe.dequantize of int8 or packed int4 weights, with zero points in the
# cases that say so), its arguments DIR/CASE.{x,q,s[,z][,init]}.npy for
# moe-run --input, and the
# expected output DIR/CASE.expected.npy of moe-cpu-matmul-kernels with
# quantize-activations and vnni (default) or madd alone at WIDTH lanes:
#   int8  emulated exactly: each row of x quantized per group of G values
#         along K (scale = max|x| / 127 in f32, q = roundeven(x * (127 /
#         max|x|)) in f32), integer dot products per group (of q and the
#         weights' integers minus their zero points), scaled by the
#         weight and activation scales (float64 here: the kernel's f32 sums
#         differ in the last bits only)
#   f32   the matmul on the dequantized weights (float64), what the kernels
#         compute without int8 activations
# The packed-panel kernel (32 rows and more) multiplies on int8; the
# dot-product kernel (fewer rows) too when G is a multiple of 4 * WIDTH (with
# 16 lanes, of 32: at 8 lanes), else it runs on f32. With madd alone (VPMADDUBSW), int8 weights multiply as |w|
# by q with w's sign; there the weights of one row are all -128 and one row
# of x has two equal largest values in a pair (|q| = 127): VPMADDUBSW's
# largest pair, 2 * 128 * 127, which must not saturate (in the cases
# without zero points: they multiply the same bytes).
# G is the kernels' choice (Int8Matmul.cpp, int8DotGroup):
# the largest divisor of K and of the weights' K block, at most 128
# (activation-group), a multiple of WIDTH, that is a multiple or a divisor
# of 4 * WIDTH.
#
#===----------------------------------------------------------------------===#

import sys

import numpy as np

# name: (M, K, N, block [bn, bk], packed format (None, "int4", "e2m1"),
#        scale type, x type, init[, zero points])
CASES = {
    # int8 per output channel, two activation groups of 128.
    "channel": (150, 256, 64, (1, 256), None, "f32", "f32", False),
    # int8 in [32, 64] blocks, bf16 scales; K = 640: packed chunks of 256,
    # 256 and 128; N = 96: three 32-column panels (six with 8 lanes).
    "blocks": (61, 640, 96, (32, 64), None, "bf16", "f32", False),
    # int4 packed two per byte, groups of 32 (two groups per 64 values of a
    # transposed block), bf16 rows of x.
    "int4": (143, 128, 32, (1, 32), "int4", "f32", "bf16", False),
    # A non-zero accumulator, rows of 33 (= 5 * 6 + 3).
    "accumulate": (33, 192, 32, (1, 64), None, "f32", "f32", True),
    # 5 rows: the dot-product kernel (int8: G = 128).
    "few": (5, 256, 64, (1, 256), None, "f32", "f32", False),
    # 3 rows of K = 2048 (two chunks with k-block=64), int4 groups of
    # 128, bf16 scales, 50 weight rows (16 tiles of 3 and a 2-row tail).
    "few-long": (3, 2048, 50, (1, 128), "int4", "bf16", "f32", True),
    # 2 rows (the dot-product kernel's 2-row tiles), int4 groups of 128;
    # N = 41: tiles of 3 weight rows and single rows on each thread.
    "two-rows": (2, 256, 41, (1, 128), "int4", "f32", "f32", False),
    # int4 groups of 32: with 16 lanes the dot-product kernel takes the
    # 8-lane instruction (a vector of 64 values would span two groups).
    "few-g32": (7, 128, 16, (1, 32), "int4", "f32", "f32", False),
    # mxfp4: e2m1 values (twice their value, a table lookup, as bytes) and
    # e8m0 scales per 32 (halved), in both kernels.
    "mxfp4": (80, 256, 64, (1, 32), "e2m1", "e8m0", "f32", False),
    "mxfp4-few": (4, 256, 32, (1, 32), "e2m1", "e8m0", "f32", False),
    # Zero points (int4: -8..7 as AWQ's, and two blocks at -128 and 127;
    # int8: any i8), in the packed-panel kernel (int4 in groups of 32,
    # int8 in [32, 64] blocks: one zero point per 32 weight rows) and in
    # the dot-product kernel (int4: 3 rows in two K chunks with k-block=64,
    # 2 rows; int8 per channel and in [16, 128] blocks).
    "int4-zp": (143, 128, 32, (1, 32), "int4", "f32", "bf16", False, True),
    "few-long-zp": (3, 2048, 50, (1, 128), "int4", "bf16", "f32", True, True),
    "two-rows-zp": (2, 256, 41, (1, 128), "int4", "f32", "f32", False, True),
    "blocks-zp": (61, 640, 96, (32, 64), None, "bf16", "f32", False, True),
    "few-zp": (5, 256, 64, (1, 256), None, "f32", "f32", False, True),
    "few-blocks-zp": (4, 256, 64, (16, 128), None, "f32", "f32", False, True),
    # The dot-product kernel on int4 groups of 32 with zero points (8 lanes
    # on a 16-lane target).
    "few-g32-zp": (6, 256, 24, (1, 32), "int4", "bf16", "f32", False, True),
    # int8 per channel with activation groups of 32 (moe-cpu-matmul-kernels
    # activation-group=32, see ACTIVATION_GROUP): 8 lanes on a 16-lane
    # target.
    "few-act32": (5, 256, 48, (1, 256), None, "f32", "f32", False),
    # int8 in [16, 64] blocks with activation groups of 32: two groups per
    # weight block along K.
    "few-blocks-act32": (4, 256, 48, (16, 64), None, "bf16", "f32", False),
}

# The kernels' activation-group option where a case sets it (default 128).
ACTIVATION_GROUP = {"few-act32": 32, "few-blocks-act32": 32}


def bf16(a):
    """f32 rounded to bf16 (nearest even), as f32."""
    bits = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return bits.astype(np.uint32).view(np.float32)


def group_of(k, bk, width, most=128):
    block = bk if bk < k else k
    for g in range(min(most, block), width - 1, -1):
        if block % g or k % g or g % width or g % 4:
            continue
        if g % (4 * width) == 0 or (4 * width) % g == 0:
            return g
    raise SystemExit(f"no activation group for K={k}, bk={bk}")


def quantize_rows(x, g):
    """The kernel's activation quantization: (q, scale per group)."""
    m, k = x.shape
    groups = x.astype(np.float32).reshape(m, k // g, g)
    absmax = np.abs(groups).max(axis=2)
    scale = absmax / np.float32(127)
    safe = np.where(absmax > 0, absmax, np.float32(1))
    inverse = np.where(absmax > 0, np.float32(127) / safe, np.float32(0))
    q = np.rint(groups * inverse[:, :, None]).astype(np.int64)
    return q.reshape(m, k), scale.astype(np.float32)


def main(argv):
    name, width, out = argv[1], int(argv[2]), argv[3]
    dot = argv[4] if len(argv) > 4 else "vnni"
    if dot not in ("vnni", "madd"):
        raise SystemExit(f"unknown instruction '{dot}'")
    m, k, n, (bn, bk), packed, scale_type, x_type, init, *zp = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.standard_normal((m, k)).astype(np.float32)
    # Rows of very different magnitude, and one all-zero group.
    x *= np.exp(rng.uniform(-3, 3, (m, 1))).astype(np.float32)
    x[0, :min(k, 32)] = 0
    if x_type == "bf16":
        x = bf16(x)
    nb, kb = -(-n // bn), -(-k // bk)
    if packed == "e2m1":
        codes = rng.integers(0, 16, (n, k))
        twice = np.array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6,
                          -8, -12])
        wq = twice[codes]  # the integers the kernels multiply
        s_codes = rng.integers(118, 128, (nb, kb)).astype(np.uint8)
        s = np.ldexp(np.float32(1), s_codes.astype(np.int32) - 127)
        s = s.astype(np.float32)
        s_int = s / 2  # the scale of twice the value
    else:
        lo, hi = (-8, 8) if packed else (-127, 128)
        wq = rng.integers(lo, hi, (n, k))
        s = rng.uniform(0.5, 2.0, (nb, kb)).astype(np.float32) / 64
        s = bf16(s)  # exact in bf16 and f32 alike
        s_int = s
    if dot == "madd" and not packed and not zp:
        wq[n // 2] = -128
        x[1, 32:34] = 1e3
    z = None
    if zp:
        z = (rng.integers(-8, 8, (nb, kb)) if packed
             else rng.integers(-128, 128, (nb, kb)))
        z.flat[0], z.flat[-1] = -128, 127
    zq = 0 if z is None else z.repeat(bn, 0)[:n].repeat(bk, 1)[:, :k]
    c0 = (rng.standard_normal((m, n)).astype(np.float32) if init
          else np.zeros((m, n), np.float32))

    w = (wq - zq) * s_int.repeat(bn, 0)[:n].repeat(bk, 1)[:, :k].astype(np.float64)
    expected_f32 = c0 + x.astype(np.float64) @ w.T

    g = group_of(k, bk, width, ACTIVATION_GROUP.get(name, 128))
    qa, sa = quantize_rows(x, g)
    isum = np.einsum("mgk,ngk->mng", qa.reshape(m, k // g, g),
                     (wq - zq).reshape(n, k // g, g))
    ws = s_int.repeat(bn, 0)[:n][:, (np.arange(k // g) * g) // bk]
    expected_int8 = c0 + (isum * ws[None].astype(np.float64) *
                          sa[:, None, :].astype(np.float64)).sum(axis=2)

    if packed:
        u = (codes if packed == "e2m1" else wq + 8).astype(np.uint8)
        q = (u[:, 0::2] | (u[:, 1::2] << 4)).astype(np.uint8).view(np.int8)
        q_type, packed_attr = f"{n}x{k // 2}xi8", f"packed {packed} "
    else:
        q = wq.astype(np.int8)
        q_type, packed_attr = f"{n}x{k}xi8", ""
    np.save(f"{out}/{name}.x.npy", x)
    np.save(f"{out}/{name}.q.npy", q)
    np.save(f"{out}/{name}.s.npy", s_codes if packed == "e2m1" else s)
    inputs = [f"{out}/{name}.{a}.npy" for a in ("x", "q", "s")]
    if z is not None:
        np.save(f"{out}/{name}.z.npy", z.astype(np.int8))
        inputs.append(f"{out}/{name}.z.npy")
    if init:
        np.save(f"{out}/{name}.init.npy", c0)
        inputs.append(f"{out}/{name}.init.npy")
    # The dot-product kernel runs on int8 when a vector of 4 x WIDTH values
    # lies in one group; on 16 lanes, groups of 32 take 8 lanes
    # (MatmulKernels.cpp).
    int8 = m >= 32 or g % (4 * width) == 0 or (width == 16 and g % 32 == 0)
    expected = expected_int8 if int8 else expected_f32
    np.save(f"{out}/{name}.expected.npy", expected.astype(np.float32))
    with open(f"{out}/{name}.inputs", "w") as f:
        f.write(",".join(inputs))

    s_type = f"{nb}x{kb}x" + ("f8E8M0FNU" if scale_type == "e8m0"
                              else scale_type)
    z_type = f"{nb}x{kb}xi8"
    z_arg = f", %z: tensor<{z_type}>" if z is not None else ""
    z_operand = (f" zero_points(%z : tensor<{z_type}>)" if z is not None
                 else "")
    init_arg = f", %c0: tensor<?x{n}xf32>" if init else ""
    acc = "%c0" if init else "%acc"
    fill = "" if init else f"""  %e = tensor.empty(%t) : tensor<?x{n}xf32>
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x{n}xf32>) -> tensor<?x{n}xf32>
"""
    with open(f"{out}/{name}.mlir", "w") as f:
        f.write(f"""func.func @forward(%x: tensor<?x{k}x{x_type}>, %q: tensor<{q_type}>, %s: tensor<{s_type}>{z_arg}{init_arg}) -> tensor<?x{n}xf32> {{
  %i0 = arith.constant 0 : index
  %t = tensor.dim %x, %i0 : tensor<?x{k}x{x_type}>
{fill}  %w = moe.dequantize %q {packed_attr}scales(%s : tensor<{s_type}>){z_operand} block [{bn}, {bk}] : tensor<{q_type}> -> tensor<{n}x{k}xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x{k}x{x_type}>, tensor<{n}x{k}xf32>)
      outs({acc} : tensor<?x{n}xf32>) -> tensor<?x{n}xf32>
  return %y : tensor<?x{n}xf32>
}}
""")
    print(f"{name}: M={m} K={k} N={n} block=[{bn}, {bk}] G={g} "
          f"{'int8' if int8 else 'f32'}; int8-vs-f32 rel L2 "
          f"{np.linalg.norm(expected_int8 - expected_f32) / np.linalg.norm(expected_f32):.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
