#!/usr/bin/env python3
#===- capi_at_load.py - quantizing at load through the C API --------------===#
#
# Binds MODULE's weights from FIXTURE through the C API (moe_opt.Layer,
# moe_layer_bind_weights) and runs it on FIXTURE/x.npy; the result must equal
# moe-run's, Y.npy, bit for bit: the C API quantizes the moe.quantize
# operands at load as moe-run does.
#
#   capi_at_load.py MODULE FIXTURE Y.npy
#
#===----------------------------------------------------------------------===#

import os
import sys

import numpy as np

import moe_opt

module, fixture, expected = sys.argv[1:4]
layer = moe_opt.Layer(open(module).read(), name=os.path.basename(module))
layer.bind_files([fixture])
got = np.asarray(layer(np.load(os.path.join(fixture, "x.npy"))))
want = np.load(expected)
print("capi_equals_moe_run=%s" % np.array_equal(got, want))
