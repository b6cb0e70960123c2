#===- compile_check.py - a patched block under torch.compile -------------===#
#
# A tiny random Mixtral (transformers) patched by moe_opt: its first MoE
# block is compiled with torch.compile(fullgraph=True) on torch's "eager"
# and "inductor" backends; the captured graph must hold moe-opt's layer as
# the one custom op moe_opt::layer, and every output must equal the patched
# block's eager output. Then the whole model's forward is compiled
# (fullgraph) and must give the eager logits.
#
#===----------------------------------------------------------------------===#

import torch
from mixtral import random_mixtral

import moe_opt

model = random_mixtral(32, 48, 2)
print("patched", moe_opt.patch(model, threads=1))
block = model.model.layers[0].mlp
x = torch.randn(2, 3, 32)
with torch.no_grad():
    want = block(x)
    graphs = []

    def capture(gm, inputs):
        graphs.append(gm)
        return gm.forward

    got = torch.compile(block, backend=capture, fullgraph=True)(x)
    ops = [str(n.target) for g in graphs for n in g.graph.nodes
           if n.op == "call_function"]
    print("graphs", len(graphs), "ops", ops)
    print("eager backend equal", torch.equal(got, want))
    got = torch.compile(block, fullgraph=True)(x)
    print("inductor equal", torch.equal(got, want))
    ids = torch.randint(0, 64, (1, 6))
    logits = model(ids).logits
    compiled = torch.compile(model, backend="eager", fullgraph=True)
    print("model equal", torch.equal(compiled(ids).logits, logits))
