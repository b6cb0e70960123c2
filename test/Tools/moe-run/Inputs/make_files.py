#!/usr/bin/env python3
#===- make_files.py - .npy and .safetensors files for moe-run tests -------===#
#
# Writes well-formed and deliberately broken files with the standard library
# only (no numpy), so that the error tests run everywhere.
#
#   make_files.py npy OUT --shape 2,4 [--descr '<f4'] [--version 1]
#                 [--values 1,2,...] [--fortran] [--bad-magic]
#                 [--header TEXT] [--drop-bytes N]
#   make_files.py safetensors OUT NAME=DTYPE:SHAPE[:v0,v1,...] ...
#                 [--header-length N] [--header TEXT] [--offsets-beyond]
#   make_files.py dump IN.npy         print the array's shape and values
#
# Values default to 0.5 * (i + 1) for element i; integer dtypes (and
# F8_E4M3, given as its codes) take integers.
#===----------------------------------------------------------------------===#

import argparse
import json
import struct
import sys

NPY_FORMATS = {"<f4": "<f", "<f8": "<d", "<i4": "<i", "<i8": "<q",
               "|i1": "<b", "|u1": "<B"}
ST_FORMATS = {"F32": "<f", "F64": "<d", "I32": "<i", "I64": "<q",
              "I8": "<b", "U8": "<B", "F8_E4M3": "<B"}
# Integer element formats: the values are written as integers (fp8 as its
# codes).
INTEGER_FORMATS = ("<i", "<q", "<b", "<B")


def parse_shape(text):
    return [int(d) for d in text.split(",") if d != ""]


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def default_values(n):
    return [0.5 * (i + 1) for i in range(n)]


def bf16_bits(value):
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    bits += 0x7FFF + ((bits >> 16) & 1)
    return bits >> 16


def encode(dtype_format, values, half=None):
    if half == "BF16":
        return b"".join(struct.pack("<H", bf16_bits(v)) for v in values)
    if half == "F16":
        return b"".join(struct.pack("<e", v) for v in values)
    return b"".join(struct.pack(dtype_format, v) for v in values)


def write_npy(args):
    shape = parse_shape(args.shape)
    values = ([float(v) for v in args.values.split(",")] if args.values
              else default_values(count(shape)))
    if NPY_FORMATS.get(args.descr) in INTEGER_FORMATS:
        values = [int(v) for v in values]
    data = encode(NPY_FORMATS.get(args.descr, "<f"), values)
    if args.header is not None:
        header = args.header
    else:
        dims = "".join(f"{d}, " for d in shape)
        if len(shape) == 1:
            dims = f"{shape[0]},"
        elif shape:
            dims = dims[:-2]
        header = (f"{{'descr': '{args.descr}', 'fortran_order': "
                  f"{'True' if args.fortran else 'False'}, "
                  f"'shape': ({dims}), }}")
    length_size = 2 if args.version == 1 else 4
    pad = (64 - (6 + 2 + length_size + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    magic = b"\x93NUMPX" if args.bad_magic else b"\x93NUMPY"
    length = (struct.pack("<H", len(header)) if args.version == 1
              else struct.pack("<I", len(header)))
    blob = magic + bytes([args.version, 0]) + length + header.encode() + data
    if args.drop_bytes:
        blob = blob[:-args.drop_bytes]
    with open(args.out, "wb") as f:
        f.write(blob)


def write_safetensors(args):
    header = {}
    data = b""
    for spec in args.tensors:
        name, rest = spec.split("=", 1)
        parts = rest.split(":")
        dtype, shape = parts[0], parse_shape(parts[1])
        values = ([float(v) for v in parts[2].split(",")] if len(parts) > 2
                  else default_values(count(shape)))
        if ST_FORMATS.get(dtype) in INTEGER_FORMATS:
            values = [int(v) for v in values]
        half = dtype if dtype in ("BF16", "F16") else None
        blob = encode(ST_FORMATS.get(dtype, "<f"), values, half)
        begin = len(data)
        data += blob
        end = len(data)
        if args.offsets_beyond:
            end += 4096
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [begin, end]}
    header["__metadata__"] = {"format": "pt"}
    text = args.header if args.header is not None else json.dumps(header)
    text = text.encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    length = (args.header_length if args.header_length is not None
              else len(text))
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", length) + text + data)


def dump(args):
    with open(args.path, "rb") as f:
        blob = f.read()
    assert blob[:6] == b"\x93NUMPY", "not a .npy file"
    if blob[6] == 1:
        (length,) = struct.unpack("<H", blob[8:10])
        start = 10
    else:
        (length,) = struct.unpack("<I", blob[8:12])
        start = 12
    header = eval(blob[start:start + length].decode())  # a dict literal
    shape = list(header["shape"])
    fmt = NPY_FORMATS[header["descr"]]
    size = struct.calcsize(fmt)
    data = blob[start + length:]
    values = [struct.unpack(fmt, data[i:i + size])[0]
              for i in range(0, len(data), size)]
    print(f"descr {header['descr']} shape {shape}")
    print("values " + " ".join(f"{v:.9g}" for v in values))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    npy = sub.add_parser("npy")
    npy.add_argument("out")
    npy.add_argument("--shape", required=True)
    npy.add_argument("--descr", default="<f4")
    npy.add_argument("--version", type=int, default=1)
    npy.add_argument("--values")
    npy.add_argument("--fortran", action="store_true")
    npy.add_argument("--bad-magic", action="store_true")
    npy.add_argument("--header")
    npy.add_argument("--drop-bytes", type=int, default=0)
    st = sub.add_parser("safetensors")
    st.add_argument("out")
    st.add_argument("tensors", nargs="*")
    st.add_argument("--header-length", type=int)
    st.add_argument("--header")
    st.add_argument("--offsets-beyond", action="store_true")
    dp = sub.add_parser("dump")
    dp.add_argument("path")
    args = parser.parse_args()
    {"npy": write_npy, "safetensors": write_safetensors,
     "dump": dump}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
