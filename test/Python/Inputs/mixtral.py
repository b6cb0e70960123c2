#===- mixtral.py - a random transformers Mixtral for the Python tests ----===#
#
# random_mixtral(hidden, inter, layers): a MixtralForCausalLM in eval mode
# with 8 experts, k = 2, a 64-token vocabulary and random weights, its
# routers scaled up (the default init's logits are near-ties everywhere).
#
#===----------------------------------------------------------------------===#

import os
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from transformers import MixtralConfig, MixtralForCausalLM  # noqa: E402


def random_mixtral(hidden, inter, layers):
    heads = max(2, hidden // 128)
    config = MixtralConfig(hidden_size=hidden, intermediate_size=inter,
                           num_hidden_layers=layers, num_attention_heads=heads,
                           num_key_value_heads=max(1, heads // 4),
                           head_dim=hidden // heads, vocab_size=64,
                           num_local_experts=8, num_experts_per_tok=2,
                           max_position_embeddings=64,
                           tie_word_embeddings=False)
    torch.manual_seed(0)
    model = MixtralForCausalLM(config).eval()
    with torch.no_grad():
        for layer in model.model.layers:
            layer.mlp.gate.weight.mul_(20)
    return model
