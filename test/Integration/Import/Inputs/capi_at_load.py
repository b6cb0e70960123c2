#!/usr/bin/env python3
#===- capi_at_load.py - quantizing at load through the C API --------------===#
#
# Binds MODULE's weights from FIXTURE through the C API (moe_opt.Layer,
# moe_layer_bind_weights) and runs it on FIXTURE/x.npy; the result must equal
# moe-run's, Y.npy: the C API quantizes the moe.quantize operands at load as
# moe-run does. Equal within 1e-6 of the output's scale: a C API built by
# GCC differs from moe-run in the last bit on f32 layers too (its compiled
# code sums in another order), while one built by Clang is bit-identical.
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
scale = float(np.abs(want).max())
print("capi_matches_moe_run=%s" % (got.shape == want.shape and bool(
    np.all(np.abs(got - want) <= 1e-6 * scale))))
