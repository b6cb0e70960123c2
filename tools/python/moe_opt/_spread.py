#===- _spread.py - MoE layers spread over a decoder layer's children -----===#
#
# In a few families no child of the decoder layer holds the whole MoE
# layer: the decoder layer's forward composes it from several children.
# Gemma 4 runs its router, pre_feedforward_layernorm_2, experts and
# post_feedforward_layernorm_2 inline; Granite MoE (shared, SWA, hybrid)
# adds its shared_mlp to block_sparse_moe. A recipe names those children
# and what each becomes once patched: the main one runs the compiled layer
# on the input it receives, the others become what makes the decoder
# layer's composition equal to that output (an identity norm before and
# after the main child, a router that routes nothing, a shared MLP that
# adds zero). `reference` is the composition itself on a [B, S, D] input,
# as the decoder layer's forward computes it: the probe compares it with
# the compiled layer before anything is patched, and after patching
# `check` requires the patched composition to give the compiled layer's
# output exactly.
#
#===----------------------------------------------------------------------===#

import torch

from ._capi import MoEError

# Roles of the patched children.
MAIN, IDENTITY, ZERO, NO_ROUTE = "main", "identity", "zero", "no_route"


def _identity(self, hidden_states, *args, **kwargs):
    return hidden_states


def _zero(self, hidden_states, *args, **kwargs):
    return torch.zeros_like(hidden_states)


def _no_route(self, hidden_states, *args, **kwargs):
    # (router logits, top-k weights, top-k indices): the main child
    # computes the routing itself and ignores them.
    return None, None, None


# The forward of each role but MAIN (the patched block's forward).
FORWARDS = {IDENTITY: _identity, ZERO: _zero, NO_ROUTE: _no_route}


class Recipe:
    """The children of the decoder layer that compute its MoE layer
    (`roles`: child name -> role, exactly one MAIN) and their composition
    (`reference`: (decoder layer, x [B, S, D]) -> [B, S, D])."""

    def __init__(self, roles, reference):
        self.roles = roles
        self.reference = reference
        self.main = next(n for n, r in roles.items() if r == MAIN)


def _gemma4_reference(layer, x):
    # Gemma4TextDecoderLayer.forward with enable_moe_block, from the
    # residual stream to hidden_states_2.
    flat = x.reshape(-1, x.shape[-1])
    _, weights, index = layer.router(flat)
    h = layer.pre_feedforward_layernorm_2(flat)
    h = layer.experts(h, index, weights).reshape(x.shape)
    return layer.post_feedforward_layernorm_2(h)


def _granite_reference(layer, x):
    # GraniteMoeShared/SWA/HybridDecoderLayer.forward: moe + shared MLP.
    return layer.block_sparse_moe(x) + layer.shared_mlp(x)


_GEMMA4 = Recipe({"experts": MAIN, "router": NO_ROUTE,
                  "pre_feedforward_layernorm_2": IDENTITY,
                  "post_feedforward_layernorm_2": IDENTITY},
                 _gemma4_reference)
_GRANITE = Recipe({"block_sparse_moe": MAIN, "shared_mlp": ZERO},
                  _granite_reference)

RECIPES = {
    "gemma4_text": _GEMMA4,
    "granitemoeshared": _GRANITE,
    "granitemoe_swa": _GRANITE,
    "granitemoehybrid": _GRANITE,
}


def recipe(model_types, decoder_layer):
    """The recipe of a decoder layer of a model of one of `model_types`
    (the model's and its text config's), when the layer has all of the
    recipe's children; None otherwise."""
    for model_type in model_types:
        r = RECIPES.get(model_type)
        if r is not None and all(
                isinstance(getattr(decoder_layer, n, None), torch.nn.Module)
                for n in r.roles):
            return r
    return None


def check(recipe, decoder_layer, compiled, x, where):
    """After patching: the decoder layer's composition of the patched
    children must give exactly the compiled layer's output."""
    with torch.no_grad():
        composed = recipe.reference(decoder_layer, x)
        ours = compiled.run(x)
    if not torch.equal(composed, ours):
        raise MoEError("%s: the patched children of the decoder layer do not "
                       "compose to the compiled layer; not patched" % where)
