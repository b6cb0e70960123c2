#===- layer_api.py - moe_opt.Layer (the C API over ctypes) on a case ------===#
#
# Usage: layer_api.py CASE_DIR
# Loads CASE_DIR/layer.mlir (moe_case.py layer), binds its weights from
# CASE_DIR/weights.safetensors, runs CASE_DIR/x.npy and writes
# CASE_DIR/y.npy; prints the arguments, then the message of each bad call.
# Needs numpy only (no torch).
#
#===----------------------------------------------------------------------===#

import os
import sys

import numpy as np

import moe_opt

case = sys.argv[1]
layer = moe_opt.Layer(open(os.path.join(case, "layer.mlir")).read(),
                      name="layer.mlir")
print("hidden", layer.hidden_size, layer.activation_dtype)
for arg in layer.args:
    print("arg", arg.name, arg.weight_name, arg.dtype, list(arg.shape),
          "weight" if arg.is_weight else "activation")
layer.set_threads(2)
layer.bind_files([os.path.join(case, "weights.safetensors")])
x = np.load(os.path.join(case, "x.npy"))
np.save(os.path.join(case, "y.npy"), layer(x))
# The first half of the tokens gives the same rows.
half = x.shape[0] // 2
print("half equal", bool(np.array_equal(layer(x[:half]),
                                        np.load(os.path.join(case, "y.npy"))[:half])))


def bad(what, fn):
    try:
        fn()
        print(what, "no error")
    except moe_opt.MoEError as e:
        print(what, "->", e)


bad("text", lambda: moe_opt.Layer("func.func @f() { return }"))
bad("hidden", lambda: layer(np.zeros((3, layer.hidden_size + 1), np.float32)))
bad("rank", lambda: layer(np.zeros((layer.hidden_size,), np.float32)))
bad("kernels", lambda: layer.set_kernels("fastest"))
bad("threads", lambda: layer.set_threads(4))
bad("files", lambda: layer.bind_files([os.path.join(case, "missing")]))
