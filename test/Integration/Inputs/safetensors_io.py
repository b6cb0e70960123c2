#===- safetensors_io.py - read and write .safetensors files ---------------===#
#
# The safetensors format, written out by hand so that the tests do not depend
# on the `safetensors` package (used, when it imports, to cross-check):
#
#   8 bytes   little-endian u64 N, the header length
#   N bytes   JSON object: tensor name -> {"dtype", "shape", "data_offsets":
#             [begin, end]} (offsets relative to the end of the header), plus
#             an optional "__metadata__" object of strings; padded with spaces
#   ...       the raw little-endian tensor data, C order
#
#===----------------------------------------------------------------------===#

import json
import os
import struct

import numpy as np

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_CODES = {dt: code for code, dt in _DTYPES.items()}


class BF16:
    """A bfloat16 tensor, kept as its raw uint16 bits (numpy has no bf16)."""

    def __init__(self, values):
        f = np.ascontiguousarray(values, dtype=np.float32)
        bits = f.view(np.uint32).astype(np.uint64)
        # Round to nearest even on the 16 dropped bits.
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        self.bits = rounded.astype(np.uint16).reshape(f.shape)

    def to_f32(self):
        return (self.bits.astype(np.uint32) << 16).view(np.float32)

    @property
    def shape(self):
        return self.bits.shape


def write(path, tensors, metadata=None):
    """Writes `tensors` (name -> numpy array or BF16), in the given order."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        if isinstance(value, BF16):
            code, raw = "BF16", value.bits.astype("<u2").tobytes()
        else:
            arr = np.ascontiguousarray(value)
            dt = arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 \
                else arr.dtype
            if dt not in _CODES:
                raise ValueError(f"{name}: unsupported dtype {arr.dtype}")
            code, raw = _CODES[dt], arr.astype(dt).tobytes()
        header[name] = {"dtype": code, "shape": list(value.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read(path):
    """Reads every tensor as a numpy array (BF16 widened to float32)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} past the end of file")
    header = json.loads(data[8:8 + n].decode())
    body = memoryview(data)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        raw = body[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            out[name] = bits.view(np.float32).reshape(shape)
        else:
            out[name] = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]]) \
                .reshape(shape).copy()
    return out


def read_all(paths):
    """Reads several shards into one dictionary."""
    out = {}
    for p in paths:
        out.update(read(p))
    return out


def cross_check(path, expected):
    """When the `safetensors` package imports, checks that it reads `path`
    as `expected` (name -> array or BF16) and that `read` reads what the
    package writes. Returns a line saying what was checked."""
    try:
        from safetensors import safe_open
        from safetensors.numpy import save_file
    except ImportError:
        return "safetensors package not available: format not cross-checked"
    with safe_open(path, framework="numpy") as f:
        if set(f.keys()) != set(expected):
            raise AssertionError(f"{path}: safetensors sees {sorted(f.keys())}")
        for name, arr in expected.items():
            if isinstance(arr, BF16):
                # numpy has no bf16: compare what the header says.
                part = f.get_slice(name)
                if part.get_dtype() != "BF16" or \
                        list(part.get_shape()) != list(arr.shape):
                    raise AssertionError(f"{path}: tensor {name} header")
                continue
            theirs = f.get_tensor(name)
            if theirs.dtype != arr.dtype or not np.array_equal(theirs, arr):
                raise AssertionError(f"{path}: tensor {name} differs")
    plain = {n: a for n, a in expected.items() if not isinstance(a, BF16)}
    probe = path + ".probe"
    save_file(plain, probe)
    mine = read(probe)
    os.remove(probe)
    if set(mine) != set(plain):
        raise AssertionError(f"{probe}: read back {sorted(mine)}")
    for name, arr in mine.items():
        if not np.array_equal(arr, plain[name]):
            raise AssertionError(f"{probe}: tensor {name} read back wrong")
    return "safetensors package agrees"
