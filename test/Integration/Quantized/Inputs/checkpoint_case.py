#!/usr/bin/env python3
#===- checkpoint_case.py - quantized weights from a checkpoint ------------===#
#
#   checkpoint_case.py make FORMAT DIR
#       DIR/quant.mlir and DIR/f32.mlir (random_layers.py), DIR/quant.safetensors
#       with the quantized weights (I8 or F8_E4M3 values, F32 or BF16 scales,
#       I8 zero points), DIR/f32.safetensors with the same weights
#       dequantized in NumPy ((q - z) * s in f32), and DIR/x.npy
#   checkpoint_case.py capi DIR OUT_FILES.npy OUT_ARRAYS.npy [LIBRARY.so]
#       runs DIR/quant.mlir (or the library moe-compile built from it)
#       through moe_opt.Layer (the C API) on DIR/x.npy, its weights bound
#       from DIR/quant.safetensors (bind_files), then from NumPy arrays
#       (bind_array: int8, and fp8 codes as uint8)
#===----------------------------------------------------------------------===#

import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_layers  # noqa: E402
from quantized_layer import fp8_codes  # noqa: E402

F32 = np.float32
DTYPES = {"F32": "<f4", "BF16": "<u2", "I8": "i1", "F8_E4M3": "u1"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, array) in tensors.items():
        raw = np.ascontiguousarray(array).astype(DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], DTYPES[entry["dtype"]]) \
            .reshape(entry["shape"])
    return out


def make(fmt, directory):
    quant_mlir = os.path.join(directory, "quant.mlir")
    random_layers.layers(fmt, quant_mlir, os.path.join(directory, "f32.mlir"))
    qelem, selem, block_of, zero_points = random_layers.FORMATS[fmt]
    rng = np.random.default_rng(3)
    E, F, D = random_layers.E, random_layers.F, random_layers.D
    gate = (rng.standard_normal((E, D)) / 8).astype(F32)
    quant = {"gate": ("F32", gate)}
    dense = {"gate": ("F32", gate)}
    for name, shape in [("w1", (E, F, D)), ("w3", (E, F, D)),
                        ("w2", (E, D, F))]:
        bn, bk = block_of(shape[1], shape[2])
        sshape = (E, -(-shape[1] // bn), -(-shape[2] // bk))
        scales = (rng.uniform(0.5, 1.5, sshape) / 64).astype(F32)
        if selem == "bf16":
            bits = scales.view(np.uint32).astype(np.uint64)
            bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
            scales = (bits << 16).astype(np.uint32).view(F32)
            quant[name + ".scales"] = ("BF16", (bits & 0xFFFF).astype("<u2"))
        else:
            quant[name + ".scales"] = ("F32", scales)
        if qelem == "i8":
            q = rng.integers(-128, 128, shape).astype(np.int8)
            values = q.astype(F32)
            quant[name] = ("I8", q)
        else:
            q = rng.integers(0, 256, shape).astype(np.uint8)
            q[(q & 0x7F) == 0x7F] = 0x3F
            values = fp8_codes()[q].astype(F32)
            quant[name] = ("F8_E4M3", q)
        rep = lambda a: np.repeat(np.repeat(a, bn, axis=-2), bk,
                                  axis=-1)[..., :shape[1], :shape[2]]
        if zero_points:
            z = rng.integers(-8, 9, sshape).astype(np.int8)
            quant[name + ".zero_points"] = ("I8", z)
            values = (values - rep(z).astype(F32)).astype(F32)
        dense[name] = ("F32", (values * rep(scales)).astype(F32))
    write_safetensors(os.path.join(directory, "quant.safetensors"), quant)
    write_safetensors(os.path.join(directory, "f32.safetensors"), dense)
    np.save(os.path.join(directory, "x.npy"),
            rng.standard_normal((9, D)).astype(F32))


def capi(directory, out_files, out_arrays, library=None):
    import moe_opt
    text = open(os.path.join(directory, "quant.mlir")).read()
    load = lambda: moe_opt.Layer(library=library) if library else \
        moe_opt.Layer(text, name="quant.mlir")
    x = np.load(os.path.join(directory, "x.npy"))
    path = os.path.join(directory, "quant.safetensors")
    layer = load()
    layer.bind_files([path])
    np.save(out_files, layer(x))
    tensors = read_safetensors(path)
    layer = load()
    for arg in layer.args:
        if arg.is_weight:
            value = tensors[arg.weight_name]
            if value.dtype == np.uint16:  # bf16 bits: bound as f32
                value = (value.astype(np.uint32) << 16).view(F32)
            layer.bind_array(arg.name, value)
    np.save(out_arrays, layer(x))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        capi(*sys.argv[2:])
