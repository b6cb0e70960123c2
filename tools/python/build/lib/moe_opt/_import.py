#===- _import.py - a transformers model's MoE layers as moe modules ------===#
#
# What moe-opt needs from a transformers model to compile one of its MoE
# layers: the layer's `moe.layer` module (moe-import on the model's
# config.json), the decoder layer's submodule that computes it (the block),
# and, for each weight argument of the module, the block's tensor that holds
# it. moe-import names weights as the checkpoint does; transformers 5 keeps
# some of them converted in memory (experts fused into one parameter), so
# the block's state is mapped back to checkpoint names with transformers'
# own `revert_weight_conversion`, the function `save_pretrained` uses.
#
#===----------------------------------------------------------------------===#

import os
import re
import subprocess
import tempfile

import torch

from . import _paths
from ._capi import MoEError

# A decoder layer's module path: `...layers.<i>` (`blocks.<i>` in DBRX).
_DECODER_LAYER = re.compile(r"(?:^|\.)(?:layers|blocks)\.(\d+)$")

_IMPORT_DTYPES = {torch.float32: "f32", torch.bfloat16: "bf16",
                  torch.float16: "f16"}


class Dense(Exception):
    """moe-import's answer for a layer without an MoE block."""


def decoder_layers(model):
    """(path, index, module) of every decoder layer of `model`, in order."""
    out = []
    for path, module in model.named_modules():
        m = _DECODER_LAYER.search(path)
        if m:
            out.append((path, int(m.group(1)), module))
    return out


def import_layer(config, layer, dtype):
    """moe-import's module text for layer `layer` of a model with
    `config` (a transformers PretrainedConfig), weights of torch dtype
    `dtype`. Raises Dense for a dense layer, MoEError for any other
    refusal."""
    if dtype not in _IMPORT_DTYPES:
        raise MoEError("dtype %s is not supported (float32, bfloat16 or "
                       "float16)" % dtype)
    with tempfile.TemporaryDirectory(prefix="moe-opt-") as tmp:
        config.to_json_file(os.path.join(tmp, "config.json"))
        proc = subprocess.run(
            [_paths.tool("moe-import"), tmp, "--layer=%d" % layer,
             "--dtype=" + _IMPORT_DTYPES[dtype]],
            capture_output=True, text=True)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()
        message = message[-1] if message else "moe-import failed"
        message = message.replace(os.path.join(tmp, "config.json"),
                                  "config.json")
        message = re.sub(r"^moe-import: error: ", "", message)
        if re.search(r"layer %d is dense" % layer, message):
            raise Dense(message)
        raise MoEError("layer %d of a '%s' model: %s" %
                       (layer, getattr(config, "model_type", "?"), message))
    return proc.stdout


def checkpoint_tensors(model, prefix, module):
    """The tensors of `module` (at `prefix` in `model`) under their
    checkpoint names: views of the module's parameters and buffers where
    transformers' conversion back is a slice, new tensors otherwise."""
    from transformers.core_model_loading import revert_weight_conversion
    state = {(prefix + "." + name if prefix else name): t.detach()
             for name, t in module.state_dict(keep_vars=True).items()}
    return revert_weight_conversion(model, state)


def find_block(model, path, decoder_layer, names):
    """(block path, block module, tensors by checkpoint name) of the child
    of `decoder_layer` whose tensors hold every name in `names`; None when
    no single child does (the MoE computation is spread over the decoder
    layer)."""
    for child_name, child in decoder_layer.named_children():
        child_path = path + "." + child_name
        if not any(True for _ in child.parameters()):
            continue
        tensors = checkpoint_tensors(model, child_path, child)
        if all(n in tensors for n in names):
            return child_path, child, tensors
    return None


def weight_names(weight_name, experts):
    """The checkpoint names of a weight argument: one, or one per expert
    for a `{e}` name."""
    if "{e}" not in weight_name:
        return [weight_name]
    return [weight_name.replace("{e}", str(e)) for e in range(experts)]


def stacked_view(tensors):
    """The experts' tensors as one [E, ...] tensor: a view of their common
    storage when they are evenly spaced slices of one contiguous array
    (no copy), a stacked copy otherwise."""
    first = tensors[0]
    if len(tensors) > 1 and first.is_contiguous() and all(
            t.untyped_storage().data_ptr() ==
            first.untyped_storage().data_ptr() and t.shape == first.shape
            and t.stride() == first.stride() for t in tensors):
        step = tensors[1].storage_offset() - first.storage_offset()
        if step > 0 and all(
                t.storage_offset() == first.storage_offset() + e * step
                for e, t in enumerate(tensors)):
            view = first.as_strided((len(tensors),) + tuple(first.shape),
                                    (step,) + tuple(first.stride()),
                                    first.storage_offset())
            if view.is_contiguous():
                return view
    return torch.stack(tensors)
