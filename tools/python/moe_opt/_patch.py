#===- _patch.py - compiled MoE blocks inside a transformers model --------===#
#
# `compile_layer` compiles the MoE block of one decoder layer; `patch`
# compiles every one and only then swaps them in, so that a block moe-opt
# cannot compile leaves the model as it was. A patched block keeps its
# parameters, names and state dict (save_pretrained still works): its class
# becomes a subclass whose forward runs the compiled layer. `unpatch`
# restores the original classes.
#
# Before a block is swapped, the compiled layer and the block run on the
# same random probe input and must agree; a difference is an error, never a
# silently different model.
#
#===----------------------------------------------------------------------===#

import copy

import torch

from . import _import
from ._capi import MoEError
from ._layer import CompiledLayer

# Probe tokens: [2, 5, D].
_PROBE_SHAPE = (2, 5)
# Largest error of the compiled layer on the probe, relative to the block's
# largest output. The block runs in f32 (a copy, for a 16-bit block) on the
# same weight values, as moe-opt computes: the two agree to f32 rounding,
# and to the rounding of the result for 16-bit inputs.
_PROBE_TOLERANCE = {torch.float32: 1e-3, torch.bfloat16: 1e-2,
                    torch.float16: 2e-3}


def _model_dtype(model):
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def _text_config(model):
    config = model.config
    return config.get_text_config() if hasattr(config, "get_text_config") \
        else config


def _hidden_size(model):
    return _text_config(model).hidden_size


def _find_recipe(records, extra, x, flat):
    """(module name, takes the flat input, output index) of a submodule
    call of the probe whose output (or one element of it) is `extra`."""
    for name, inputs, out in records:
        if not inputs or not torch.is_tensor(inputs[0]):
            continue
        if inputs[0].shape == x.shape and torch.equal(inputs[0], x):
            takes_flat = False
        elif inputs[0].shape == flat.shape and torch.equal(inputs[0], flat):
            takes_flat = True
        else:
            continue
        outs = [(None, out)] if torch.is_tensor(out) else \
            list(enumerate(out)) if isinstance(out, (tuple, list)) else []
        for index, t in outs:
            if torch.is_tensor(t) and t.shape == extra.shape and \
                    torch.equal(t, extra):
                return name, takes_flat, index
    return None


def _probe(compiled, block, dtype, hidden, verify):
    """Runs the block and the compiled layer on one random input: records
    the shape and extra elements of the block's result and, with `verify`,
    checks that the two agree."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(_PROBE_SHAPE + (hidden,), generator=generator).to(dtype)
    # A 16-bit block rounds every step where moe-opt computes in f32: a
    # routing near-tie could then pick other experts. The reference is an
    # f32 copy of the block on the same values.
    if dtype != torch.float32:
        block = copy.deepcopy(block).float()
    x32 = x.float()
    flat = x32.reshape(-1, hidden)
    records = []
    hooks = [m.register_forward_hook(
        lambda mod, inputs, out, name=name: records.append(
            (name, inputs, out)))
        for name, m in block.named_modules() if name]
    try:
        with torch.no_grad():
            reference = block(x32)
    finally:
        for h in hooks:
            h.remove()
    where = "layer %d (%s)" % (compiled.layer_index, compiled.block_path)
    if isinstance(reference, (tuple, list)):
        main, extras = reference[0], list(reference[1:])
        compiled.extras = []
        for i, extra in enumerate(extras):
            if extra is None:
                compiled.extras.append(None)
                continue
            recipe = _find_recipe(records, extra, x32, flat) \
                if torch.is_tensor(extra) else None
            if recipe is None:
                raise MoEError("%s: the block returns a %d-tuple whose "
                               "element %d is not the output of one of its "
                               "submodules; moe-opt cannot reproduce it" %
                               (where, len(reference), i + 1))
            compiled.extras.append(recipe)
    else:
        main = reference
    if not torch.is_tensor(main):
        raise MoEError("%s: the block returns %s, not a tensor" %
                       (where, type(main).__name__))
    if main.shape == x32.shape:
        compiled.result_shape = "same"
    elif main.shape == flat.shape:
        compiled.result_shape = "flat"
    else:
        raise MoEError("%s: the block returns shape %s for input shape %s" %
                       (where, list(main.shape), list(x.shape)))
    if not verify:
        return
    with torch.no_grad():
        ours = compiled.run(x).reshape(main.shape).float()
    main = main.float()
    scale = max(float(main.abs().max()), 1e-6)
    error = float((ours - main).abs().max()) / scale
    if not error <= _PROBE_TOLERANCE[dtype]:
        raise MoEError("%s: the compiled layer differs from the block on a "
                       "random input by %.3g of its largest output (at most "
                       "%.3g allowed); not patched" %
                       (where, error, _PROBE_TOLERANCE[dtype]))
    compiled.probe_error = error


def _compile(model, path, index, decoder_layer, dtype, threads, kernels,
             verify):
    """The CompiledLayer of decoder layer `index`, or None for a dense
    layer."""
    config = model.config
    try:
        ir = _import.import_layer(config, index, dtype)
    except _import.Dense:
        return None
    compiled = CompiledLayer(ir, index, path, threads, kernels)
    args = [a for a in compiled.layer.args if a.is_weight]
    names = [n for a in args
             for n in _import.weight_names(a.weight_name, a.shape[0])]
    found = _import.find_block(model, path, decoder_layer, names)
    if found is None:
        raise MoEError("layer %d of a '%s' model: no submodule of %s holds "
                       "all of the layer's weights (the MoE computation is "
                       "spread over the decoder layer); moe_opt.patch does "
                       "not replace such layers" %
                       (index, config.model_type, path))
    compiled.block_path, block, tensors = found
    compiled.bind(tensors, block)
    _probe(compiled, block, dtype, _hidden_size(model), verify)
    return compiled, block


def compile_layer(model, layer_index, dtype=None, threads=None,
                  kernels="fast", verify=True):
    """Compiles the MoE block of decoder layer `layer_index` of the
    transformers model `model` (which is not changed) and returns its
    CompiledLayer. dtype: the weights' torch dtype (default: the model's);
    threads: OpenMP threads (default: torch.get_num_threads()); kernels:
    "fast" or "reference"; verify: check that the compiled layer agrees
    with the block on a random input (the block runs on it either way, to
    learn what it returns)."""
    dtype = dtype or _model_dtype(model)
    for path, index, decoder_layer in _import.decoder_layers(model):
        if index == layer_index:
            found = _compile(model, path, index, decoder_layer, dtype,
                             threads, kernels, verify)
            if found is None:
                raise MoEError("layer %d of a '%s' model is dense" %
                               (index, model.config.model_type))
            return found[0]
    raise MoEError("the model has no decoder layer %d" % layer_index)


def _patched_forward(self, hidden_states, *args, **kwargs):
    return self._moe_opt.block_result(self, hidden_states)


_PATCHED_CLASSES = {}


def _patched_class(cls):
    if cls not in _PATCHED_CLASSES:
        _PATCHED_CLASSES[cls] = type(
            "MoEOpt" + cls.__name__, (cls,),
            {"forward": _patched_forward, "_moe_opt_original_class": cls,
             "__module__": __name__})
    return _PATCHED_CLASSES[cls]


def patch(model, dtype=None, threads=None, kernels="fast", verify=True):
    """Replaces the forward of every MoE block of the transformers model
    `model` by its compiled layer, in place; returns the number of blocks
    replaced. Blocks keep their parameters (the compiled layers read them
    in place where their layout allows), so the state dict is unchanged.
    Raises MoEError, leaving the model unchanged, when a block cannot be
    compiled. Options as compile_layer's."""
    dtype = dtype or _model_dtype(model)
    compiled = []
    for path, index, decoder_layer in _import.decoder_layers(model):
        found = _compile(model, path, index, decoder_layer, dtype, threads,
                         kernels, verify)
        if found is not None:
            compiled.append(found)
    for layer, block in compiled:
        if hasattr(block, "_moe_opt"):
            block.__class__ = block._moe_opt_original_class
        block._moe_opt = layer
        block.__class__ = _patched_class(type(block))
    return len(compiled)


def unpatch(model):
    """Restores every block `patch` replaced; returns how many."""
    count = 0
    for module in model.modules():
        if "_moe_opt" in module.__dict__:
            module.__class__ = module._moe_opt_original_class
            del module._moe_opt
            count += 1
    return count


def compiled_layers(model):
    """The CompiledLayer of every patched block, by block path."""
    return {name: module._moe_opt for name, module in model.named_modules()
            if "_moe_opt" in module.__dict__}
