#!/usr/bin/env python3
#===- edit_safetensors.py - a checkpoint with some tensors changed --------===#
#
#   edit_safetensors.py IN OUT [NAME=DTYPE | NAME=drop | NAME=narrow] ...
#
# Writes the tensors of IN to OUT, with NAME converted to the safetensors
# DTYPE (F32, F16, BF16, I8, I32, I64: values converted, not reinterpreted),
# left out (drop), or without its last column (narrow).
#
#===----------------------------------------------------------------------===#

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
import safetensors_io  # noqa: E402

NUMPY = {"F32": np.float32, "F16": np.float16, "I8": np.int8,
         "I32": np.int32, "I64": np.int64}

tensors = safetensors_io.read(sys.argv[1])
for change in sys.argv[3:]:
    name, what = change.split("=", 1)
    if name not in tensors:
        sys.exit("no tensor '%s'" % name)
    if what == "drop":
        del tensors[name]
    elif what == "narrow":
        tensors[name] = np.ascontiguousarray(tensors[name][..., :-1])
    elif what == "BF16":
        tensors[name] = safetensors_io.BF16(tensors[name])
    else:
        tensors[name] = tensors[name].astype(NUMPY[what])
safetensors_io.write(sys.argv[2], tensors)
