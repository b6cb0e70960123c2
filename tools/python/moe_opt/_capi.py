#===- _capi.py - ctypes bindings of libMoECAPI ---------------------------===#
#
# The C API of include/moe-c/MoE.h as Python sees it: `Layer` owns one
# moe_layer handle (load, options, weights, compile, run) and raises
# `MoEError` with the library's one-line message on every failing call.
# Array arguments are anything with a raw address: torch tensors and numpy
# arrays (see `_address`).
#
#===----------------------------------------------------------------------===#

import ctypes
import os

from . import _paths


class MoEError(RuntimeError):
    """A failure of moe-opt: what was wrong, in one line."""


# moe_dtype values and their names. I8, F8E4M3FN and F8E8M0FNU are quantized
# weights (the operands of moe.dequantize), bound as stored.
F32, BF16, F16, I32, I64, I8, F8E4M3FN, F8E8M0FNU = 0, 1, 2, 3, 4, 5, 6, 7
DTYPE_NAMES = {F32: "f32", BF16: "bf16", F16: "f16", I32: "i32", I64: "i64",
               I8: "i8", F8E4M3FN: "f8E4M3FN", F8E8M0FNU: "f8E8M0FNU"}


def numpy_dtype(dtype):
    """The moe_dtype of a numpy dtype: float32, float16, int32, int64, int8,
    and for fp8 e4m3fn weights ml_dtypes.float8_e4m3fn (when importable) or
    uint8 (the raw codes)."""
    import numpy as np
    dtype = np.dtype(dtype)
    if dtype.name == "float8_e4m3fn":
        return F8E4M3FN
    table = {np.dtype(np.float32): F32, np.dtype(np.float16): F16,
             np.dtype(np.int32): I32, np.dtype(np.int64): I64,
             np.dtype(np.int8): I8, np.dtype(np.uint8): F8E4M3FN}
    if dtype not in table:
        raise MoEError("expected a numpy array of float32, float16, int8, "
                       "uint8 (fp8 e4m3fn codes) or float8_e4m3fn, found %s"
                       % dtype)
    return table[dtype]
KERNELS = {"fast": 0, "reference": 1, "fast-int8": 2, "fast-bf16": 3}


class _ArgInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("weight_name", ctypes.c_char_p),
        ("dtype", ctypes.c_int),
        ("rank", ctypes.c_int32),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("is_weight", ctypes.c_int32),
        ("is_bound", ctypes.c_int32),
    ]


_lib = None


def library():
    """The loaded libMoECAPI (ctypes.CDLL), loaded on first use."""
    global _lib
    if _lib is not None:
        return _lib
    # The LLVM OpenMP runtime's idle threads spin for KMP_BLOCKTIME ms
    # after a parallel region (200 by default). Inside a PyTorch program the
    # next parallel work is usually torch's, on its own OpenMP team, which
    # those spinning threads slow down: 1 ms keeps back-to-back layer calls
    # fast and frees the cores soon after. The user's setting wins; the
    # runtime reads it when it starts, at the first run.
    os.environ.setdefault("KMP_BLOCKTIME", "1")
    path = _paths.capi_library()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise MoEError("cannot load the moe-opt C API library %s: %s" %
                       (path, e)) from None
    P = ctypes.c_void_p
    st = ctypes.c_int
    sigs = {
        "moe_last_error": (ctypes.c_char_p, []),
        "moe_status_name": (ctypes.c_char_p, [st]),
        "moe_layer_load_string": (st, [ctypes.c_char_p, ctypes.c_size_t,
                                       ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.POINTER(P)]),
        "moe_layer_load_library": (st, [ctypes.c_char_p, ctypes.POINTER(P)]),
        "moe_layer_destroy": (None, [P]),
        "moe_layer_set_threads": (st, [P, ctypes.c_int32]),
        "moe_layer_set_kernels": (st, [P, st]),
        "moe_layer_num_args": (st, [P, ctypes.POINTER(ctypes.c_size_t)]),
        "moe_layer_arg_info": (st, [P, ctypes.c_size_t,
                                    ctypes.POINTER(_ArgInfo)]),
        "moe_layer_hidden_size": (st, [P, ctypes.POINTER(ctypes.c_int64),
                                       ctypes.POINTER(ctypes.c_int)]),
        "moe_layer_bind_weights": (st, [P, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.c_size_t, ctypes.c_int64]),
        "moe_layer_bind_weight": (st, [P, ctypes.c_char_p, P, st,
                                       ctypes.POINTER(ctypes.c_int64),
                                       ctypes.c_int32]),
        "moe_layer_compile": (st, [P]),
        "moe_layer_run": (st, [P, P, st, ctypes.c_int64, ctypes.c_int64, P]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    _lib = lib
    return lib


def openmp_library():
    """The path of the OpenMP runtime the compiled layers run on (LLVM's
    libomp, a dependency of libMoECAPI), or None when it is not loaded."""
    library()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if os.path.basename(path).startswith("libomp.so"):
                return path
    return None


def _check(status):
    if status != 0:
        lib = library()
        raise MoEError(lib.moe_last_error().decode(errors="replace"))


class Arg:
    """One argument of the layer's entry function."""

    def __init__(self, info):
        self.name = info.name.decode()
        self.weight_name = info.weight_name.decode() \
            if info.weight_name else None
        self.dtype = DTYPE_NAMES.get(info.dtype, str(info.dtype))
        self.shape = tuple(info.shape[i] for i in range(info.rank))
        self.is_weight = bool(info.is_weight)
        self.is_bound = bool(info.is_bound)

    def __repr__(self):
        return "Arg(%r, weight=%r, %s%s)" % (self.name, self.weight_name,
                                             self.dtype, list(self.shape))


class Layer:
    """One moe layer through the C API: a module's MLIR text (`text`),
    JIT-compiled for the host CPU on first run, or with `library`, a layer
    library that moe-compile built (docs/AOT.md)."""

    def __init__(self, text=None, name="<layer>", entry="forward",
                 library=None):
        lib = globals()["library"]()
        handle = ctypes.c_void_p()
        if (text is None) == (library is None):
            raise MoEError("expected either a module's text or a library "
                           "path")
        if library is not None:
            _check(lib.moe_layer_load_library(os.fsencode(library),
                                              ctypes.byref(handle)))
        else:
            data = text.encode() if isinstance(text, str) else bytes(text)
            _check(lib.moe_layer_load_string(data, len(data), name.encode(),
                                             entry.encode(),
                                             ctypes.byref(handle)))
        self._handle = handle
        self._run = lib.moe_layer_run
        # Buffers the layer reads in place, kept alive with it.
        self._borrowed = {}
        count = ctypes.c_size_t()
        _check(lib.moe_layer_num_args(handle, ctypes.byref(count)))
        self._count = count.value
        hidden = ctypes.c_int64()
        dtype = ctypes.c_int()
        _check(lib.moe_layer_hidden_size(handle, ctypes.byref(hidden),
                                         ctypes.byref(dtype)))
        self.hidden_size = hidden.value
        self.activation_dtype = DTYPE_NAMES[dtype.value]

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and _lib is not None:
            _lib.moe_layer_destroy(handle)
            self._handle = None

    @property
    def args(self):
        """The entry function's arguments (`Arg`), in order."""
        out = []
        for i in range(self._count):
            info = _ArgInfo()
            _check(library().moe_layer_arg_info(self._handle, i,
                                                ctypes.byref(info)))
            out.append(Arg(info))
        return out

    def set_threads(self, threads):
        _check(library().moe_layer_set_threads(self._handle, int(threads)))

    def set_kernels(self, kernels):
        if kernels not in KERNELS:
            raise MoEError("unknown kernels '%s' (expected fast, fast-int8, "
                           "fast-bf16 or reference)" % kernels)
        _check(library().moe_layer_set_kernels(self._handle, KERNELS[kernels]))

    def bind_files(self, paths, layer_index=-1, name=None):
        """Binds weights from safetensors files / model directories (copied)."""
        arr = (ctypes.c_char_p * len(paths))(*[os.fsencode(p) for p in paths])
        _check(library().moe_layer_bind_weights(
            self._handle, name.encode() if name else None, arr, len(paths),
            int(layer_index)))

    def bind(self, name, address, dtype, shape, keep=None):
        """Binds weight `name` to the dense row-major array at `address`
        (read in place when dtype and shape are the argument's: `keep` is
        then held as long as the layer)."""
        dims = (ctypes.c_int64 * len(shape))(*shape)
        _check(library().moe_layer_bind_weight(
            self._handle, name.encode(), ctypes.c_void_p(address), dtype,
            dims, len(shape)))
        self._borrowed[name] = keep

    def bind_array(self, name, array):
        """Binds weight `name` to a numpy array (numpy_dtype gives its
        dtype; int8 and fp8 arrays only to weights of that dtype); the
        array is held as long as the layer."""
        import numpy as np
        array = np.ascontiguousarray(array)
        dtype = numpy_dtype(array.dtype)
        # uint8 arrays are the codes of the argument's 1-byte float type
        # (fp8 e4m3fn, or the e8m0 scales of mxfp4).
        if array.dtype == np.uint8:
            for arg in self.args:
                codes = {DTYPE_NAMES[d]: d for d in (F8E4M3FN, F8E8M0FNU)}
                if name in (arg.name, arg.weight_name) and \
                        arg.dtype in codes:
                    dtype = codes[arg.dtype]
        self.bind(name, array.ctypes.data, dtype, list(array.shape),
                  keep=array)

    def compile(self):
        _check(library().moe_layer_compile(self._handle))

    def run(self, x_address, dtype, tokens, y_address, hidden=None):
        """Runs on `tokens` rows of `hidden` (default: the layer's D)
        elements at x_address, writing y_address."""
        status = self._run(self._handle, x_address, dtype, tokens,
                           self.hidden_size if hidden is None else hidden,
                           y_address)
        if status != 0:
            _check(status)

    def __call__(self, x):
        """The layer on a float32 numpy array [T, D]: a new [T, D] array."""
        import numpy as np
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2:
            raise MoEError("expected a [T, D] array, found shape %s" %
                           list(x.shape))
        y = np.empty_like(x)
        self.run(x.ctypes.data, F32, x.shape[0], y.ctypes.data, x.shape[1])
        return y
