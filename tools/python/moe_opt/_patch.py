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
# Where no child of the decoder layer holds the whole MoE layer, a recipe
# of _spread.py names the children that compute it and what each becomes.
#
#===----------------------------------------------------------------------===#

import copy
import types

import torch

from . import _import, _spread
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
    x = _probe_input(dtype, hidden)
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
    if verify:
        _compare(compiled, x, main, dtype, where, "the block")


def _probe_input(dtype, hidden):
    generator = torch.Generator().manual_seed(0)
    return torch.randn(_PROBE_SHAPE + (hidden,),
                       generator=generator).to(dtype)


def _compare(compiled, x, reference, dtype, where, what):
    """Requires the compiled layer on x to agree with `reference`, what
    `what` computes in f32 on x."""
    with torch.no_grad():
        ours = compiled.run(x).reshape(reference.shape).float()
    reference = reference.float()
    scale = max(float(reference.abs().max()), 1e-6)
    error = float((ours - reference).abs().max()) / scale
    if not error <= _PROBE_TOLERANCE[dtype]:
        raise MoEError("%s: the compiled layer differs from %s on a "
                       "random input by %.3g of its largest output (at most "
                       "%.3g allowed); not patched" %
                       (where, what, error, _PROBE_TOLERANCE[dtype]))
    compiled.probe_error = error


def _probe_spread(compiled, recipe, decoder_layer, dtype, hidden, verify):
    """The probe of a layer spread over children of the decoder layer: the
    compiled layer against the recipe's composition of the children (f32
    copies of them for a 16-bit model, as _probe)."""
    compiled.result_shape = "same"
    if not verify:
        return
    x = _probe_input(dtype, hidden)
    layer = decoder_layer
    if dtype != torch.float32:
        layer = types.SimpleNamespace(**{
            n: copy.deepcopy(getattr(decoder_layer, n)).float()
            for n in recipe.roles})
    with torch.no_grad():
        reference = recipe.reference(layer, x.float())
    _compare(compiled, x, reference, dtype,
             "layer %d (%s)" % (compiled.layer_index, compiled.block_path),
             "the decoder layer's composition of " +
             ", ".join(recipe.roles))


def _find_spread(model, path, decoder_layer, names):
    """(recipe, tensors by checkpoint name) of a decoder layer whose MoE
    layer a recipe composes from its children, when their tensors hold
    every name in `names`; None otherwise."""
    recipe = _spread.recipe(
        [model.config.model_type, _text_config(model).model_type],
        decoder_layer)
    if recipe is None:
        return None
    tensors = {}
    for name in recipe.roles:
        tensors.update(_import.checkpoint_tensors(
            model, path + "." + name, getattr(decoder_layer, name)))
    if not all(n in tensors for n in names):
        return None
    return recipe, tensors


def _compile(model, path, index, decoder_layer, dtype, threads, kernels,
             verify):
    """(CompiledLayer, [(module, role)] to patch, recipe or None) of
    decoder layer `index`, or None for a dense layer."""
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
    if found is not None:
        compiled.block_path, block, tensors = found
        compiled.bind(tensors, block)
        _probe(compiled, block, dtype, _hidden_size(model), verify)
        return compiled, [(block, _spread.MAIN)], None
    spread = _find_spread(model, path, decoder_layer, names)
    if spread is None:
        raise MoEError("layer %d of a '%s' model: no submodule of %s holds "
                       "all of the layer's weights (the MoE computation is "
                       "spread over the decoder layer) and moe_opt knows no "
                       "recipe for its children; moe_opt.patch does not "
                       "replace such layers" %
                       (index, config.model_type, path))
    recipe, tensors = spread
    compiled.block_path = path + "." + recipe.main
    children = [(getattr(decoder_layer, n), role)
                for n, role in recipe.roles.items()]
    compiled.bind(tensors, torch.nn.ModuleList([m for m, _ in children]))
    _probe_spread(compiled, recipe, decoder_layer, dtype, _hidden_size(model),
                  verify)
    return compiled, children, recipe


def compile_layer(model, layer_index, dtype=None, threads=None,
                  kernels="fast", verify=True):
    """Compiles the MoE block of decoder layer `layer_index` of the
    transformers model `model` (which is not changed) and returns its
    CompiledLayer. dtype: the weights' torch dtype (default: the model's);
    threads: OpenMP threads (default: torch.get_num_threads()); kernels:
    "fast", "fast-int8", "fast-bf16" or "reference"; verify: check that the compiled layer agrees
    with the block on a random input (the block runs on it either way, to
    learn what it returns)."""
    dtype = dtype or _model_dtype(model)
    for path, index, decoder_layer in _import.decoder_layers(model):
        if index == layer_index:
            previous = _detach(model)
            try:
                found = _compile(model, path, index, decoder_layer, dtype,
                                 threads, kernels, verify)
            finally:
                _attach(previous)
            if found is None:
                raise MoEError("layer %d of a '%s' model is dense" %
                               (index, model.config.model_type))
            return found[0]
    raise MoEError("the model has no decoder layer %d" % layer_index)


def _patched_forward(self, hidden_states, *args, **kwargs):
    return self._moe_opt.block_result(self, hidden_states)


_PATCHED_CLASSES = {}


def _patched_class(cls, role):
    """The subclass of `cls` a patched module of `role` gets."""
    if (cls, role) not in _PATCHED_CLASSES:
        forward = _patched_forward if role == _spread.MAIN \
            else _spread.FORWARDS[role]
        name = "MoEOpt" + ("" if role == _spread.MAIN else
                           role.title().replace("_", "")) + cls.__name__
        _PATCHED_CLASSES[(cls, role)] = type(
            name, (cls,),
            {"forward": forward, "_moe_opt_original_class": cls,
             "_moe_opt_role": role, "__module__": __name__})
    return _PATCHED_CLASSES[(cls, role)]


def _patched_modules(model):
    return [m for m in model.modules() if "_moe_opt" in m.__dict__]


def _detach(model):
    """Restores the original classes of the patched modules of `model` and
    returns what `_attach` needs to patch them again."""
    state = []
    for module in _patched_modules(model):
        state.append((module, module.__class__, module._moe_opt))
        module.__class__ = module._moe_opt_original_class
        del module._moe_opt
    return state


def _attach(state):
    for module, cls, layer in state:
        module._moe_opt = layer
        module.__class__ = cls


def patch(model, dtype=None, threads=None, kernels="fast", verify=True):
    """Replaces the forward of every MoE block of the transformers model
    `model` by its compiled layer, in place; returns the number of blocks
    replaced. Blocks keep their parameters (the compiled layers read them
    in place where their layout allows), so the state dict is unchanged.
    Raises MoEError, leaving the model unchanged, when a block cannot be
    compiled. Options as compile_layer's."""
    dtype = dtype or _model_dtype(model)
    # A patched model is compiled again from its original blocks.
    previous = _detach(model)
    try:
        compiled = []
        for path, index, decoder_layer in _import.decoder_layers(model):
            found = _compile(model, path, index, decoder_layer, dtype,
                             threads, kernels, verify)
            if found is not None:
                compiled.append((decoder_layer,) + found)
        for _, layer, modules, _ in compiled:
            for module, role in modules:
                module._moe_opt = layer
                module.__class__ = _patched_class(type(module), role)
        for decoder_layer, layer, _, recipe in compiled:
            if recipe is not None and verify:
                _spread.check(recipe, decoder_layer, layer,
                              _probe_input(dtype, _hidden_size(model)),
                              "layer %d (%s)" % (layer.layer_index,
                                                 layer.block_path))
    except BaseException:
        _detach(model)
        _attach(previous)
        raise
    return len(compiled)


def unpatch(model):
    """Restores every block `patch` replaced; returns how many."""
    count = len(compiled_layers(model))
    _detach(model)
    return count


def compiled_layers(model):
    """The CompiledLayer of every patched block, by block path."""
    return {name: module._moe_opt for name, module in model.named_modules()
            if "_moe_opt" in module.__dict__ and
            module._moe_opt_role == _spread.MAIN}
