#===- quantized_bind.py - Binding quantized weights through the C API -----===#
#
# Usage: quantized_bind.py DIR
# Loads a layer whose weights are int8 and fp8 e4m3fn (the operands a
# moe.dequantize takes), lists its arguments, binds them from numpy arrays
# and from DIR/good.safetensors, and prints the message of each binding of
# the wrong dtype (DIR/f32.safetensors holds an F32 tensor for the int8
# weight). Needs numpy only.
#
#===----------------------------------------------------------------------===#

import os
import sys

import numpy as np

import moe_opt
from moe_opt import _capi

TEXT = """
func.func @forward(%x: tensor<?x4xf32>,
                   %q: tensor<4x4xi8> {moe.weight = "q"},
                   %s: tensor<4x1xf32> {moe.weight = "s"},
                   %f: tensor<4x4xf8E4M3FN> {moe.weight = "f"})
    -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
"""

directory = sys.argv[1]
layer = moe_opt.Layer(TEXT, name="quantized.mlir")
for arg in layer.args:
    print("arg", arg.name, arg.dtype, list(arg.shape))


def attempt(what, call):
    try:
        call()
        print(what, "-> ok")
    except moe_opt.MoEError as e:
        print(what, "->", e)


def bound():
    return " ".join("%s=%d" % (a.name, a.is_bound) for a in layer.args[1:])


attempt("q int8", lambda: layer.bind_array("q", np.ones((4, 4), np.int8)))
attempt("f uint8", lambda: layer.bind_array("f", np.full((4, 4), 0x38,
                                                         np.uint8)))
print("bound", bound())
attempt("q float32", lambda: layer.bind_array("q", np.ones((4, 4),
                                                           np.float32)))
attempt("f int8", lambda: layer.bind_array("f", np.ones((4, 4), np.int8)))
attempt("q uint8", lambda: layer.bind_array("q", np.ones((4, 4), np.uint8)))
attempt("q float64", lambda: layer.bind_array("q", np.ones((4, 4))))
attempt("f dtype 6", lambda: layer.bind(
    "f", np.zeros(16, np.uint8).ctypes.data, _capi.F8E4M3FN, [4, 4]))
attempt("files", lambda: layer.bind_files(
    [os.path.join(directory, "good.safetensors")]))
attempt("files f32", lambda: layer.bind_files(
    [os.path.join(directory, "f32.safetensors")], name="q"))

# Zero points under an int4_rows view (compressed-tensors' asymmetric int4):
# bound as i8 values of the argument's shape, or as the int32 words of the
# stored shape, eight rows per word; z[n] = n - 5, so with q = 0 and unit
# scales y = x · wᵀ is -z for x = e0. An i8 buffer of the words' shape is
# refused.
ZERO_POINTS = """
func.func @forward(%x: tensor<?x10xf32>,
                   %q: tensor<10x10xi8> {moe.weight = "q"},
                   %s: tensor<10x1xf32> {moe.weight = "s"},
                   %z: tensor<10x1xi8> {moe.weight = "z", moe.weight_view =
                       {int4_rows, shape = array<i64: 10, 1>,
                        stored = array<i64: 2, 1>}})
    -> tensor<?x10xf32> {
  %w = moe.dequantize %q scales(%s : tensor<10x1xf32>)
      zero_points(%z : tensor<10x1xi8>) block [1, 10]
      : tensor<10x10xi8> -> tensor<10x10xf32>
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x10xf32>
  %empty = tensor.empty(%t) : tensor<?x10xf32>
  %zero = arith.constant 0.0 : f32
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x10xf32>)
      -> tensor<?x10xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : tensor<?x10xf32>, tensor<10x10xf32>)
      outs(%init : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}
"""
zp = moe_opt.Layer(ZERO_POINTS, name="zero_points.mlir")
zp.bind_array("q", np.zeros((10, 10), np.int8))
zp.bind_array("s", np.ones((10, 1), np.float32))
x = np.eye(1, 10, dtype=np.float32)
words = np.array([[-1450744509], [203]], np.int32)
attempt("z i32 words", lambda: zp.bind("z", words.ctypes.data, _capi.I32,
                                       [2, 1], keep=words))
print("y", zp(x).astype(int).tolist())
attempt("z int8", lambda: zp.bind_array(
    "z", (np.arange(10, dtype=np.int8) - 5).reshape(10, 1)))
print("y", zp(x).astype(int).tolist())
attempt("z int8 words", lambda: zp.bind_array("z", np.zeros((2, 1),
                                                            np.int8)))
