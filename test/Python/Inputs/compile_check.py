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

import os
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from transformers import MixtralConfig, MixtralForCausalLM  # noqa: E402

import moe_opt  # noqa: E402

config = MixtralConfig(hidden_size=32, intermediate_size=48,
                       num_hidden_layers=2, num_attention_heads=2,
                       num_key_value_heads=1, head_dim=16, vocab_size=64,
                       num_local_experts=8, num_experts_per_tok=2,
                       max_position_embeddings=64, tie_word_embeddings=False)
torch.manual_seed(0)
model = MixtralForCausalLM(config).eval()
with torch.no_grad():
    for layer in model.model.layers:
        layer.mlp.gate.weight.mul_(20)
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
