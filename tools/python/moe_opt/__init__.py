#===- moe_opt - moe-opt's compiled MoE layers in Python and PyTorch -------===#
#
#   import moe_opt
#   model = AutoModelForCausalLM.from_pretrained(...)
#   moe_opt.patch(model)        # every MoE block now runs moe-opt's code
#
# `Layer` is the C API (include/moe-c/MoE.h) over ctypes: any moe module,
# weights from files or buffers. `patch`, `unpatch`, `compile_layer` and
# `compiled_layers` work on transformers models. docs/Python.md is the
# reference.
#
#===----------------------------------------------------------------------===#

from ._capi import Layer, MoEError
from ._layer import CompiledLayer
from ._patch import compile_layer, compiled_layers, patch, unpatch

__all__ = ["Layer", "MoEError", "CompiledLayer", "compile_layer",
           "compiled_layers", "patch", "unpatch"]
__version__ = "0.1.0"
