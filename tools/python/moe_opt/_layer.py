#===- _layer.py - one compiled MoE layer of a transformers model ---------===#
#
# `CompiledLayer` is the compiled form of one MoE block: the module text
# moe-import made for its layer, the C API handle with every weight bound
# (read in place from the block's own tensors where their layout is the
# argument's), and what the block returns besides the layer's output (a
# router's scores in a tuple), learnt from one probe call of the block.
# `run` is registered as the torch custom op moe_opt::layer, so that
# torch.compile keeps a call as one graph node.
#
#===----------------------------------------------------------------------===#

import subprocess
import weakref

import torch

from . import _capi, _import, _paths
from ._capi import MoEError

_TORCH_DTYPES = {torch.float32: _capi.F32, torch.bfloat16: _capi.BF16,
                 torch.float16: _capi.F16, torch.int8: _capi.I8}
if hasattr(torch, "float8_e4m3fn"):
    _TORCH_DTYPES[torch.float8_e4m3fn] = _capi.F8E4M3FN

# The compiled layers by id, for the custom op (which takes plain values).
_LAYERS = weakref.WeakValueDictionary()
_NEXT_ID = [0]


@torch.library.custom_op("moe_opt::layer", mutates_args=())
def _layer_op(x: torch.Tensor, layer_id: int) -> torch.Tensor:
    return _LAYERS[layer_id].run(x)


@_layer_op.register_fake
def _layer_op_fake(x, layer_id):
    return torch.empty_like(x)


class CompiledLayer:
    """One MoE layer of a transformers model, compiled by moe-opt.

    `ir` is its moe module (as moe-import wrote it), `block_path` the
    block's module path, `layer_index` the decoder layer, `layer` the C API
    handle (`moe_opt.Layer`), `shared_bytes` / `copied_bytes` how much of
    the weights is read in place from the model's tensors and how much was
    copied (a layout the compiled code cannot read, e.g. the gate half of a
    fused gate_up projection). Call it on a [..., D] tensor."""

    def __init__(self, ir, layer_index, block_path, threads=None,
                 kernels="fast"):
        self.ir = ir
        self.layer_index = layer_index
        self.block_path = block_path
        self.layer = _capi.Layer(ir, name="layer %d" % layer_index)
        self.hidden_size = self.layer.hidden_size
        self.layer.set_threads(torch.get_num_threads()
                               if threads is None else threads)
        self.layer.set_kernels(kernels)
        self.shared_bytes = 0
        self.copied_bytes = 0
        self.id = _NEXT_ID[0]
        _NEXT_ID[0] += 1
        _LAYERS[self.id] = self
        # How the block's result is built from the layer's output (set by
        # the probe): "same" shape as the input or "flat" [T, D], and the
        # extra tuple elements.
        self.result_shape = "same"
        self.extras = None
        # The probe's error relative to the block's largest output (None
        # when not verified).
        self.probe_error = None

    def bind(self, tensors, block):
        """Binds every weight argument from `tensors` (checkpoint name ->
        tensor), counting as shared the bytes read in place from the
        storage of `block`'s parameters and buffers."""
        storages = {t.untyped_storage().data_ptr()
                    for t in list(block.parameters()) + list(block.buffers())}
        for arg in self.layer.args:
            if not arg.is_weight:
                continue
            names = _import.weight_names(arg.weight_name, arg.shape[0])
            missing = [n for n in names if n not in tensors]
            if missing:
                raise MoEError("layer %d: weight '%s' (%s) is not a tensor of "
                               "%s" % (self.layer_index, arg.name, missing[0],
                                       self.block_path))
            parts = [tensors[n] for n in names]
            value = _import.stacked_view(parts) \
                if "{e}" in arg.weight_name else parts[0]
            if value.dtype not in _TORCH_DTYPES:
                value = value.float()
            value = value.contiguous()
            if value.device.type != "cpu":
                raise MoEError("layer %d: weight '%s' is on %s; moe-opt runs "
                               "on the CPU" % (self.layer_index, arg.name,
                                               value.device))
            self.layer.bind(arg.name, value.data_ptr(),
                            _TORCH_DTYPES[value.dtype], list(value.shape),
                            keep=value)
            size = value.numel() * value.element_size()
            if value.untyped_storage().data_ptr() in storages:
                self.shared_bytes += size
            else:
                self.copied_bytes += size
        self.layer.compile()

    def run(self, x):
        """The layer on x [..., D] (any float dtype, on the CPU): a tensor
        of x's shape and dtype."""
        if x.device.type != "cpu":
            raise MoEError("moe-opt runs on the CPU; the input is on %s" %
                           x.device)
        if x.shape[-1] != self.hidden_size:
            raise MoEError("expected a last dimension of %d (the hidden "
                           "size), found shape %s" % (self.hidden_size,
                                                      list(x.shape)))
        rows = x.reshape(-1, self.hidden_size)
        if rows.dtype != torch.float32 or not rows.is_contiguous():
            rows = rows.to(torch.float32).contiguous()
        out = torch.empty_like(rows)
        if rows.shape[0]:
            self.layer.run(rows.data_ptr(), _capi.F32, rows.shape[0],
                           out.data_ptr())
        return out.to(x.dtype).reshape(x.shape)

    def __call__(self, x):
        if torch.compiler.is_compiling():
            return torch.ops.moe_opt.layer(x, self.id)
        if torch.is_grad_enabled() and x.requires_grad:
            raise MoEError("moe-opt runs inference only: call the model under "
                           "torch.no_grad() or torch.inference_mode()")
        return self.run(x)

    def block_result(self, block, x):
        """What the patched block returns for input x."""
        y = self(x)
        if self.result_shape == "flat":
            y = y.reshape(-1, self.hidden_size)
        if self.extras is None:
            return y
        rows = x.reshape(-1, self.hidden_size)
        extras = []
        for recipe in self.extras:
            if recipe is None:
                extras.append(None)
                continue
            module_name, flat, index = recipe
            module = block.get_submodule(module_name)
            out = module(rows if flat else x)
            extras.append(out if index is None else out[index])
        return tuple([y] + extras)

    def remarks(self):
        """moe-opt's remarks on the layer's module: the capacity plan and
        the fusions it would do (`moe-opt --moe-optimize=remarks=true`)."""
        proc = subprocess.run(
            [_paths.tool("moe-opt"), "-", "--moe-optimize=remarks=true",
             "-o", "/dev/null"], input=self.ir, capture_output=True,
            text=True)
        if proc.returncode != 0:
            raise MoEError(proc.stderr.strip().splitlines()[-1])
        where = "layer %d" % self.layer_index
        return "\n".join(line.replace("<stdin>", where, 1)
                         for line in proc.stderr.splitlines()
                         if ": remark: " in line)

    def __repr__(self):
        return ("CompiledLayer(layer %d, block %s, %d bytes of weights read "
                "in place, %d copied)" % (self.layer_index, self.block_path,
                                          self.shared_bytes,
                                          self.copied_bytes))
