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
