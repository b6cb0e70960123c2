#===- compile_layer_check.py - moe_opt.compile_layer on a random Mixtral -===#
#
# Prints what compile_layer gives for layer 1 of a random 2-layer Mixtral
# (D = 32, F = 48, E = 8): the CompiledLayer, its module text, its remarks
# and its output against the block's; then the errors for a layer that
# does not exist and for bad options.
#
#===----------------------------------------------------------------------===#

import torch
from mixtral import random_mixtral

import moe_opt

model = random_mixtral(32, 48, 2)
compiled = moe_opt.compile_layer(model, 1, threads=1)
print(compiled)
print(compiled.ir)
print(compiled.remarks())
x = torch.randn(3, 4, 32)
with torch.no_grad():
    want = model.model.layers[1].mlp(x)
got = compiled(x)
print("shape", list(got.shape), "max error below 1e-5:",
      bool((got - want).abs().max() < 1e-5))
# The model is unchanged: its block still runs transformers' forward.
print("block class", type(model.model.layers[1].mlp).__name__)
for what, call in [
        ("no layer 5", lambda: moe_opt.compile_layer(model, 5)),
        ("kernels", lambda: moe_opt.compile_layer(model, 0, kernels="x")),
        ("threads", lambda: moe_opt.compile_layer(model, 0, threads=-1)),
        ("dtype", lambda: moe_opt.compile_layer(model, 0,
                                                dtype=torch.float64))]:
    try:
        call()
        print(what, "no error")
    except moe_opt.MoEError as e:
        print(what, "->", e)
