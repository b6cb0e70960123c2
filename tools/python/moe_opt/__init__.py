#===- moe_opt - moe-opt's compiled MoE layers in Python and PyTorch -------===#
#
#   import moe_opt
#   model = AutoModelForCausalLM.from_pretrained(...)
#   moe_opt.patch(model)        # every MoE block now runs moe-opt's code
#
# `Layer` is the C API (include/moe-c/MoE.h) over ctypes: any moe module,
# weights from files or buffers; it needs neither torch nor transformers.
# `patch`, `unpatch`, `compile_layer`, `compiled_layers` and `CompiledLayer`
# work on transformers models and import torch on first use.
# docs/Python.md is the reference.
#
#===----------------------------------------------------------------------===#

from ._capi import Layer, MoEError, openmp_library

__all__ = ["Layer", "MoEError", "openmp_library", "CompiledLayer", "compile_layer",
           "compiled_layers", "patch", "unpatch"]
__version__ = "0.1.0"

_TORCH_NAMES = {"CompiledLayer": "_layer", "compile_layer": "_patch",
                "compiled_layers": "_patch", "patch": "_patch",
                "unpatch": "_patch"}


def __getattr__(name):
    if name in _TORCH_NAMES:
        import importlib
        module = importlib.import_module("." + _TORCH_NAMES[name], __name__)
        return getattr(module, name)
    raise AttributeError("module 'moe_opt' has no attribute '%s'" % name)
