#!/usr/bin/env python3
#===- moe-bench.py - the compiled MoE layer against its peers -------------===#
#
# Usage:
#   moe-bench.py [--layer LAYER.mlir | --hf-config config.json]
#                [--tokens 1,8,64,512,2048] [--threads N] [--rounds 2]
#                [--dtype f32|bf16|int8|fp8|int4|mxfp4] [--one-thread]
#                [--kernels fast|fast-int8|fast-bf16]
#                [--json OUT.json] [--plot OUT.png] [--bin DIR] [--quick]
#
# Times, in rounds A B A B ... (so that a noisy machine slows every
# contestant alike), each contestant as one process per round that runs
# every token count T in turn (ours compiles the layer once per round):
#   ours       moe-run on the layer (moe-cpu-pipeline, kernels=fast, or
#              the --kernels given)
#   numpy      the library peer: router GEMM, softmax, top-k, then per expert
#              gather -> OpenBLAS sgemm (w1, w3) -> silu * mul -> sgemm (w2)
#              -> weighted scatter-add (sgemv for an expert with one row);
#              run in a child process whose environment has
#              OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, timed with
#              OpenBLAS on ours' thread count and, up to T = 64, also on 1
#              thread, the faster counting (the JSON says which; from
#              T = 512 its GEMMs are large enough that more threads win)
#   torch      the Hugging Face loop (MixtralSparseMoeBlock.forward) when
#              torch imports, at its best settings (OPENBLAS_* unset,
#              MALLOC_MMAP_THRESHOLD_ raised, OMP_WAIT_POLICY=PASSIVE,
#              threads = ours, inference mode)
#   reference  moe-run with --kernels=reference (scalar loops), for
#              small T only (it runs at about 1 GFLOP/s)
#   ours f32   with --dtype other than f32: ours on the f32 layer, so that
#              the bf16/f32 (int8/f32, ...) ratio comes from one run
#   ours 1 thr with --one-thread: ours on one thread (the scaling of the
#              threads, same run)
# --dtype bf16 makes the weight arguments (router and experts) bf16: the
# layer module's types are rewritten (or moe-import --dtype bf16 with
# --hf-config); moe-run rounds the same random weights to bf16, and the
# peers compute in f32 on those rounded values, so all outputs stay
# comparable.
# --dtype int8|fp8|int4|mxfp4 makes the routed experts' weights quantized
# (QUANT_FORMATS: int8 per output channel, fp8 e4m3 with 128 x 128 block
# scales, int4 in groups of 128 with bf16 scales, mxfp4 with e8m0 scales per
# 32): each w becomes moe.dequantize of an argument q (at w's position, so
# that moe-run's --random-inputs draws the same float weights and quantizes
# them) and a scales argument appended to the signature. The peers run the
# f32 layer. Ours is checked against the reference lowering of the same
# quantized module (up to --reference-check-max); its error against "ours
# f32" (the same weights unquantized) is printed per T as the relative L2
# norm of the difference, and must stay below the format's bound.
# --kernels fast-int8 runs ours (not "ours f32") with int8 activations for
# the int8/int4/mxfp4 experts on VNNI and AVX2 hosts: it
# is then checked against the
# reference lowering by the relative L2 norm of the difference (bound
# ACT_BOUND: the activations' rounding) instead of elementwise.
# --kernels fast-bf16 likewise rounds the activations of bf16 experts to
# bf16 where the host has VDPBF16PS (AVX512_BF16), in prefill-sized calls.
# All of them compute the same layer on the same inputs and weights: moe-run's
# seeded generator (docs/Tools.md) is reproduced here with numpy. Every
# output of ours is checked against the reference lowering (rtol 1e-5, atol
# 1e-5 x max|ref|: the f32 rounding of a 2816-term dot product is a few 1e-6
# of the output's scale); where the reference would take too long (T above
# --reference-check-max) against the numpy peer instead (rtol 1e-4), and the
# table says so. The same run measures the roofline: sgemm peak (OpenBLAS,
# 2048^3, the same threads) and streaming read bandwidth (OpenBLAS sgemv
# over 256 MiB), once at the start and then before every contestant of
# every round, interleaved with them; the roof is the median of those
# samples, the same statistic as the contestants' times (a best-of roof
# against median times would charge the noise of a shared machine to the
# contestants only). The JSON also keeps the best samples.
#
# --quick is a smoke run for the test suite (test/Tools/moe-bench): a small
# roofline (256^3 sgemm, 16 MiB stream) and 2 calls per token count. It
# checks every output as a full run does; its times are not a measurement.
#
# Prints one table (median ms, useful GFLOP/s, GB/s of expert weights
# streamed: quantized values and scales for a quantized layer, ratios to
# each peer and to the roofline), writes the JSON and,
# when matplotlib imports, a roofline plot. docs/performance.md shows a run.
#
#===----------------------------------------------------------------------===#

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#===----------------------------------------------------------------------===#
# moe-run's random generator (docs/Tools.md), vectorized
#===----------------------------------------------------------------------===#

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def random_tensor(seed, index, shape, weight):
    """Argument `index` of moe-run --random-inputs SEED, as float32."""
    n = int(np.prod(shape))
    with np.errstate(over="ignore"):
        start = (seed + (index + 1) * int(GAMMA)) & ((1 << 64) - 1)
        state = _mix(np.array([start], dtype=np.uint64))[0]
        out = np.empty(n, dtype=np.float32)
        chunk = 1 << 22
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            steps = np.arange(lo + 1, hi + 1, dtype=np.uint64) * GAMMA
            bits = _mix(state + steps) >> np.uint64(11)
            v = 2.0 * (bits.astype(np.float64) * 2.0**-53) - 1.0
            if weight:
                v = v / math.sqrt(shape[-1])
            out[lo:hi] = v.astype(np.float32)
    return out.reshape(shape)


#===----------------------------------------------------------------------===#
# The layer
#===----------------------------------------------------------------------===#


class Layer:
    """The shapes and routing of a Mixtral-style moe.layer module."""

    def __init__(self, path):
        try:
            with open(path) as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise SystemExit(f"error: {path}: cannot read: "
                             f"{getattr(e, 'strerror', None) or e}")
        layer = re.search(r"moe\.layer\s+%[\w.]+\s+router\(%([\w.]+)\s*:"
                          r".*?w1\(%([\w.]+)\s*:\s*tensor<(\d+)x(\d+)x(\d+)x"
                          r"(f32|bf16|f16)>.*?routing\s+#moe\.routing<([^>]*)>"
                          r"\s+activation\s+(\w+)", text, re.S)
        signature = re.search(r"func\.func\s+@forward\((.*?)\)\s*->", text,
                              re.S)
        if not layer or not signature:
            raise SystemExit(f"error: {path}: expected a function @forward "
                             "with a moe.layer (router, w1 [E, F, D], "
                             "routing)")
        self.path = path
        self.E, self.F, self.D = (int(layer.group(i)) for i in (3, 4, 5))
        self.dtype = layer.group(6)
        routing = layer.group(7)
        attrs = dict(re.findall(r"(\w+)\s*=\s*([\w.]+)", routing))
        self.k = int(attrs.get("k", 1))
        self.scoring = attrs.get("scoring", "softmax")
        self.normalize = attrs.get("normalize", "false") == "true"
        self.activation = layer.group(8)
        # Argument positions (moe-run's generator seeds each by position).
        args = re.findall(r"%([\w.]+)\s*:", signature.group(1))
        body = text[layer.start():]
        self.index = {}
        for role in ("router", "w1", "w3", "w2"):
            m = re.search(role + r"\(%([\w.]+)\s*:", body)
            self.index[role] = args.index(m.group(1)) \
                if m and m.group(1) in args else None
        self.shared = "shared" in body.split("routing")[0]
        # Arguments with a moe.weight attribute, by name.
        self.weight_args = re.findall(r"%([\w.]+)\s*:\s*tensor<[^>]*>\s*"
                                      r"\{\s*moe\.weight", signature.group(1))
        self.peer_ok = (self.dtype == "f32" and self.scoring == "softmax"
                        and self.activation == "silu" and not self.shared
                        and "bias" not in routing and "groups" not in routing
                        and "capacity" not in routing
                        and None not in self.index.values())

    def weights(self, seed, dtype):
        E, F, D = self.E, self.F, self.D
        ix = self.index
        w = {"gate": random_tensor(seed, ix["router"], (E, D), True),
             "w1": random_tensor(seed, ix["w1"], (E, F, D), True),
             "w3": random_tensor(seed, ix["w3"], (E, F, D), True),
             "w2": random_tensor(seed, ix["w2"], (E, D, F), True)}
        if dtype == "bf16":
            w = {n: round_bf16(v) for n, v in w.items()}
        return w

    def flops(self, tokens):
        return 2 * tokens * self.E * self.D + \
            tokens * self.k * 2 * self.D * self.F * 3

    def touched_experts(self, x, gate):
        logits = x.astype(np.float64) @ gate.T.astype(np.float64)
        top = np.argsort(-logits, axis=1, kind="stable")[:, :self.k]
        return len(np.unique(top))

    def weight_bytes(self, touched, dtype):
        """Router (f32 unless the layer is bf16/f16) and touched experts."""
        if dtype in QUANT_FORMATS:
            fmt = QUANT_FORMATS[dtype]
            expert = sum(quant_bytes(fmt, shape) for shape in
                         ((self.F, self.D), (self.F, self.D),
                          (self.D, self.F)))
            return 4 * self.E * self.D + touched * expert
        size = 2 if dtype in ("bf16", "f16") else 4
        return size * (self.E * self.D + touched * 3 * self.D * self.F)


# The quantized formats of --dtype: q's element type, packed (two 4-bit
# values per byte), block, scales' element type and its bytes, and the bound
# on the relative L2 error against the f32 layer on the same weights
# (measured: docs/Quantization.md).
QUANT_FORMATS = {
    "int8": {"q": "i8", "packed": None, "block": "row", "scale": "f32",
             "scale_bytes": 4, "bound": 2e-2},
    "fp8": {"q": "f8E4M3FN", "packed": None, "block": (128, 128),
            "scale": "f32", "scale_bytes": 4, "bound": 8e-2},
    "int4": {"q": "i8", "packed": "int4", "block": (1, 128),
             "scale": "bf16", "scale_bytes": 2, "bound": 2e-1},
    "mxfp4": {"q": "i8", "packed": "e2m1", "block": (1, 32),
              "scale": "f8E8M0FNU", "scale_bytes": 1, "bound": 4e-1},
}


# Bound on the relative L2 difference of kernels=fast-int8 or fast-bf16 against the
# reference lowering of the same quantized layer (docs/Quantization.md).
ACT_BOUND = 3e-2


def host_features():
    """The host's vector extensions the kernels choose by (/proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        return []
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni",
              "avx_vnni", "avx512_bf16", "amx_tile")
    return [w for w in wanted if w in flags]


def quant_block(fmt, shape):
    """The block [bn, bk] of a weight [N, K]."""
    return (1, shape[1]) if fmt["block"] == "row" else fmt["block"]


def quant_bytes(fmt, shape):
    """Bytes of one quantized [N, K] matrix: values and scales."""
    n, k = shape
    bn, bk = quant_block(fmt, shape)
    values = n * k // 2 if fmt["packed"] else n * k
    return values + -(-n // bn) * -(-k // bk) * fmt["scale_bytes"]


def to_quantized_module(text, layer, dtype):
    """`text` with the routed experts' weights w1, w3, w2 quantized: each
    argument becomes q (same position, hence the same random float weights
    under moe-run --random-inputs) plus a scales argument at the end, and the
    weight is moe.dequantize of them (see QUANT_FORMATS)."""
    fmt = QUANT_FORMATS[dtype]
    signature = re.search(r"func\.func\s+@forward\((.*?)\)\s*->", text,
                          re.S)
    body_start = text.index("{", signature.end()) + 1
    params = signature.group(1)
    extra, ops = [], []
    body = text[layer_body_start(text):]
    for role in ("w1", "w3", "w2"):
        m = re.search(role + r"\(%([\w.]+)\s*:", body)
        if not m:
            continue
        name = m.group(1)
        decl = re.search(r"%" + re.escape(name) +
                         r"\s*:\s*tensor<(\d+)x(\d+)x(\d+)x(\w+)>"
                         r"(\s*\{(?:[^\"}]|\"[^\"]*\")*\})?", params)
        e, n, k = (int(decl.group(i)) for i in (1, 2, 3))
        bn, bk = quant_block(fmt, (n, k))
        qk = k // 2 if fmt["packed"] else k
        qtype = f"tensor<{e}x{n}x{qk}x{fmt['q']}>"
        stype = f"tensor<{e}x{-(-n // bn)}x{-(-k // bk)}x{fmt['scale']}>"
        # q keeps w's attributes: a moe.weight argument's random values are
        # scaled by 1 / sqrt(fan_in), and so are the float weights that q
        # quantizes.
        params = params.replace(decl.group(0), f"%{name}_q: {qtype}" +
                                (decl.group(5) or ""))
        # The scales of a weight are a weight too (moe-compile takes weights
        # only), named after it.
        attr = decl.group(5) or ""
        extra.append(f"%{name}_scales: {stype}" +
                     attr.replace('.weight"', '.weight_scale"'))
        packed = f" packed {fmt['packed']}" if fmt["packed"] else ""
        ops.append(f"  %{name} = moe.dequantize %{name}_q{packed} "
                   f"scales(%{name}_scales : {stype}) block [{bn}, {bk}] : "
                   f"{qtype} -> tensor<{e}x{n}x{k}x{decl.group(4)}>\n")
    params = params.rstrip() + ",\n    " + ",\n    ".join(extra)
    return (text[:signature.start(1)] + params +
            text[signature.end(1):body_start] + "\n" + "".join(ops) +
            text[body_start:])


def layer_body_start(text):
    return re.search(r"moe\.layer\s", text).start()


def rel_l2(ref, got):
    """The relative L2 norm of got - ref."""
    ref = ref.astype(np.float64)
    denom = float(np.linalg.norm(ref))
    return float(np.linalg.norm(got.astype(np.float64) - ref)) / denom \
        if denom else float("inf")


def round_bf16(v):
    """float32 values rounded to bfloat16 (nearest even), as float32: what
    moe-run binds to a bf16 argument."""
    u = v.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16
    return u.astype(np.uint32).view(np.float32)


def to_dtype_module(text, weight_args, dtype):
    """`text` with every weight argument's tensor type in `dtype`: in the
    signature and wherever the layer names the argument with its type."""
    for name in weight_args:
        text = re.sub(r"(%" + re.escape(name) + r"\s*:\s*tensor<[0-9x?]*x)"
                      r"f32>", r"\g<1>" + dtype + ">", text)
    return text


#===----------------------------------------------------------------------===#
# Contestants
#===----------------------------------------------------------------------===#


def run_ours(args, path, tokens, repeats, kernels, output=None,
             threads=None):
    """One moe-run process (one compilation) over the token counts
    `tokens`, timing `repeats[i]` calls at tokens[i]: {T: median ms}. A 0
    reports no time for that count (only its output is written; in a list
    with other counts moe-run, whose --repeat is at least 1, runs it once
    and the time is dropped)."""
    cmd = [args.moe_run, path, "--random-inputs", str(args.seed),
           "--tokens", ",".join(map(str, tokens)), "--threads",
           str(args.threads if threads is None else threads)]
    if kernels != "fast":
        cmd.append(f"--kernels={kernels}")
    if any(repeats):
        cmd += ["--repeat", ",".join(str(max(r, 1)) for r in repeats)]
    if output:
        cmd += ["--output", output]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)}: {proc.stderr.strip()}")
    found = {int(T): float(ms) for T, ms in re.findall(
        r"tokens=(\d+) median_ms=([\d.]+)", proc.stdout)}
    if len(tokens) == 1:
        m = re.search(r"median_ms=([\d.]+)", proc.stdout)
        if m:
            found = {tokens[0]: float(m.group(1))}
    return {T: found[T] for T, r in zip(tokens, repeats) if r and T in found}


PEER_WORKER = r"""
import json, os, sys, time
import numpy as np
spec = json.loads(sys.argv[1])
info = {}
try:
    import threadpoolctl
    pools = threadpoolctl.threadpool_info()
    threadpoolctl.threadpool_limits(spec["threads"])
    info["blas"] = [{k: p.get(k) for k in ("internal_api", "version",
                     "architecture", "num_threads")} for p in pools]
except Exception as e:  # noqa: BLE001
    info["blas"] = "threadpoolctl unavailable: %s" % e
d = spec["dir"]
W = {n: np.load(d + "/%s.npy" % n, mmap_mode=None) for n in
     ("gate", "w1", "w3", "w2")}
k, normalize = spec["k"], spec["normalize"]

def numpy_layer(x):
    logits = x @ W["gate"].T
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    top = np.argsort(-p, axis=1, kind="stable")[:, :k]
    w = np.take_along_axis(p, top, axis=1)
    if normalize:
        w = w / w.sum(axis=1, keepdims=True)
    out = np.zeros_like(x)
    for e in np.unique(top):
        tok, slot = np.nonzero(top == e)
        if len(tok) == 1:
            # One row: sgemv streams the weights once (sgemm would pack them).
            xe = x[tok[0]]
            h = W["w1"][e] @ xe
            g = W["w3"][e] @ xe
            a = h / (1.0 + np.exp(-h)) * g
            out[tok[0]] += w[tok[0], slot[0]] * (W["w2"][e] @ a)
            continue
        xe = x[tok]
        h = xe @ W["w1"][e].T
        g = xe @ W["w3"][e].T
        a = h / (1.0 + np.exp(-h)) * g
        out[tok] += w[tok, slot][:, None] * (a @ W["w2"][e].T)
    return out

def torch_layer_factory():
    import torch
    torch.set_num_threads(spec["threads"])
    T = {n: torch.from_numpy(v) for n, v in W.items()}
    def layer(xt):
        # MixtralSparseMoeBlock.forward (transformers), inference only.
        logits = xt @ T["gate"].T
        rw = torch.softmax(logits, dim=1, dtype=torch.float)
        rw, sel = torch.topk(rw, k, dim=-1)
        if normalize:
            rw /= rw.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(xt)
        mask = torch.nn.functional.one_hot(sel, num_classes=T["w1"].shape[0]).permute(2, 1, 0)
        for e in torch.where(mask.sum(dim=(-1, -2)) > 0)[0].tolist():
            idx, top = torch.where(mask[e])
            cur = xt[top]
            h = torch.nn.functional.silu(cur @ T["w1"][e].T) * (cur @ T["w3"][e].T)
            out.index_add_(0, top, (h @ T["w2"][e].T) * rw[top, idx, None])
        return out
    return layer, torch

if spec["who"] == "numpy":
    fn, wrap = numpy_layer, lambda x: x
else:
    layer, torch = torch_layer_factory()
    info["torch"] = torch.__version__
    info["torch_threads"] = torch.get_num_threads()
    ctx = torch.inference_mode()
    ctx.__enter__()
    fn, wrap = layer, torch.from_numpy
# numpy: OpenBLAS at the thread count of ours and, for small T, at 1
# thread, interleaved; the faster one counts (on a loaded machine a
# multi-threaded OpenBLAS can spin at its barriers and lose 10x on small
# GEMMs).
runs = {}
for tokens, repeat in zip(spec["tokens"], spec["repeats"]):
    settings = [spec["threads"]]
    if spec["who"] == "numpy" and spec["threads"] > 1 and tokens <= 64 and \
            not isinstance(info["blas"], str):
        settings.append(1)
    if spec["who"] == "numpy" and not isinstance(info["blas"], str):
        threadpoolctl.threadpool_limits(spec["threads"])
    arg = wrap(np.load(d + "/x%d.npy" % tokens))
    y = fn(arg)
    times = {n: [] for n in settings}
    for _ in range(repeat):
        for n in settings:
            if spec["who"] == "numpy" and not isinstance(info["blas"], str):
                threadpoolctl.threadpool_limits(n)
            t0 = time.perf_counter()
            fn(arg)
            times[n].append((time.perf_counter() - t0) * 1e3)
    best = min(settings, key=lambda n: float(np.median(times[n])))
    np.save(d + "/%s%d.npy" % (spec["who"], tokens), np.asarray(y))
    runs[str(tokens)] = {
        "median_ms": float(np.median(times[best])), "threads_used": best,
        "median_ms_by_threads": {str(n): float(np.median(t))
                                 for n, t in times.items()}}
info["runs"] = runs
print(json.dumps(info))
"""


def peer_env(args, who):
    env = dict(os.environ)
    for var in OPENBLAS_VARS:
        env.pop(var, None)
    if who == "torch":
        env["MALLOC_MMAP_THRESHOLD_"] = str(1 << 30)
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        env["OMP_NUM_THREADS"] = str(args.threads)
    return env


def run_peer(args, layer, tmp, who, tokens, repeats):
    """One child process over the token counts `tokens`: its info, with
    {T: {median_ms, ...}} under "runs"."""
    spec = {"who": who, "dir": tmp, "tokens": tokens, "repeats": repeats,
            "k": layer.k, "normalize": layer.normalize,
            "threads": args.threads}
    proc = subprocess.run([sys.executable, "-c", PEER_WORKER,
                           json.dumps(spec)], capture_output=True, text=True,
                          env=peer_env(args, who))
    if proc.returncode != 0:
        return None, proc.stderr.strip().splitlines()[-1:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def torch_available():
    proc = subprocess.run([sys.executable, "-c", "import torch"],
                          capture_output=True, text=True)
    if proc.returncode == 0:
        return True, ""
    lines = proc.stderr.strip().splitlines()
    return False, lines[-1] if lines else "import failed"


ROOF_WORKER = r"""
import json, sys, time
import numpy as np
threads = int(sys.argv[1])
info = {}
try:
    import threadpoolctl
    threadpoolctl.threadpool_limits(threads)
    info["blas"] = [{k: p.get(k) for k in ("internal_api", "version",
                     "architecture", "num_threads")}
                    for p in threadpoolctl.threadpool_info()]
except Exception as e:  # noqa: BLE001
    info["blas"] = "threadpoolctl unavailable: %s" % e
def median(fn, n):
    fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[n // 2]
n, rows = int(sys.argv[2]), int(sys.argv[3])
a = np.random.rand(n, n).astype(np.float32)
b = np.random.rand(n, n).astype(np.float32)
info["sgemm_gflops"] = 2 * n**3 / median(lambda: a @ b, 3) / 1e9
m = np.full((rows, 4096), 0.5, dtype=np.float32)  # rows x 16 KiB
v = np.random.rand(4096).astype(np.float32)
info["stream_gbs"] = m.nbytes / median(lambda: m @ v, 5) / 1e9
print(json.dumps(info))
"""


def roofline(args):
    env = peer_env(args, "numpy")
    # 2048^3 sgemm and a 256 MiB matrix; --quick: 256^3 and 16 MiB.
    sizes = ["256", "1024"] if args.quick else ["2048", "16384"]
    proc = subprocess.run([sys.executable, "-c", ROOF_WORKER,
                           str(args.threads)] + sizes, capture_output=True,
                          text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit("error: roofline measurement failed: " +
                         proc.stderr.strip())
    return json.loads(proc.stdout.strip().splitlines()[-1])


#===----------------------------------------------------------------------===#
# Checks, table, plot
#===----------------------------------------------------------------------===#


ROW_ORDER = ("ours", "ours f32", "ours 1 thr", "numpy", "torch", "reference")


def compare(ref, got, rtol, atol_scale):
    ref = ref.astype(np.float64)
    got = got.astype(np.float64)
    if ref.shape != got.shape:
        return False, float("inf")
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    err = np.abs(got - ref)
    ok = bool(np.all(err <= rtol * np.abs(ref) + atol_scale * scale))
    return ok, float(err.max()) if ref.size else 0.0


def repeats_for(tokens, quick=False):
    if quick:
        return 2
    return 20 if tokens <= 8 else 10 if tokens <= 64 else 3 if tokens <= 512 \
        else 2


def plot(results, roof, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        return f"matplotlib unavailable ({e}); no plot"
    peak, bw = roof["sgemm_gflops"], roof["stream_gbs"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = np.logspace(-1, 3, 200)
    ax.loglog(xs, np.minimum(peak, bw * xs), "k-", lw=1,
              label=f"roofline: sgemm {peak:.0f} GFLOP/s, "
                    f"stream {bw:.1f} GB/s")
    marks = {"ours": "o", "ours f32": "D", "ours 1 thr": "v", "numpy": "s",
             "torch": "^", "reference": "x"}
    for who, mark in marks.items():
        pts = [(r["intensity"], r[who]["gflops"]) for r in results
               if r.get(who) and r[who].get("gflops")]
        if pts:
            ax.loglog(*zip(*pts), mark, label=who, ms=7)
            if who == "ours":
                for r in results:
                    ax.annotate(f"T={r['tokens']}", (r["intensity"],
                                r["ours"]["gflops"]), fontsize=7,
                                xytext=(4, -10), textcoords="offset points")
    ax.set_xlabel("useful FLOP per byte of weights streamed")
    ax.set_ylabel("useful GFLOP/s")
    ax.set_title("MoE layer on the host CPU")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


def main():
    p = argparse.ArgumentParser(
        description="Times the compiled MoE layer against OpenBLAS/numpy, "
        "torch and the reference lowering (see the file header).")
    p.add_argument("--layer", default=os.path.join(ROOT, "test", "Examples",
                                                   "mixtral.mlir"))
    p.add_argument("--hf-config", help="a Hugging Face config.json: the "
                   "layer is imported with moe-import (random weights)")
    p.add_argument("--hf-layer", type=int, default=1,
                   help="the layer of --hf-config to import (default 1)")
    p.add_argument("--tokens", default="1,8,64,512,2048",
                   help="token counts, comma-separated (default "
                        "1,8,64,512,2048)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--rounds", type=int, default=2,
                   help="A B A B rounds per token count (median of medians)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dtype", choices=["f32", "bf16"] + list(QUANT_FORMATS),
                   default="f32",
                   help="element type of the weight arguments (bf16), or "
                        "the quantized format of the routed experts' "
                        "weights; other than f32 also times ours on the f32 "
                        "layer ('ours f32')")
    p.add_argument("--kernels", choices=["fast", "fast-int8", "fast-bf16"],
                   default="fast",
                   help="kernels of ours (not of 'ours f32'): fast-int8 "
                        "multiplies int8/int4 weights with int8 "
                        "activations on VNNI and AVX2 hosts, fast-bf16 "
                        "bf16 weights with bf16 activations on AVX512_BF16 "
                        "hosts")
    p.add_argument("--one-thread", action="store_true",
                   help="also time ours on one thread ('ours 1 thr')")
    p.add_argument("--reference-max", type=int, default=8,
                   help="time the reference lowering up to this T")
    p.add_argument("--reference-check-max", type=int, default=64,
                   help="check ours against the reference up to this T; "
                        "above, against the numpy peer")
    p.add_argument("--bin", default=None,
                   help="directory of moe-run / moe-import (default: PATH, "
                        "then build/bin; when given, only DIR)")
    p.add_argument("--json", default="moe-bench.json")
    p.add_argument("--plot", default="moe-bench.png")
    p.add_argument("--no-torch", action="store_true",
                   help="leave out the torch peer even when torch imports")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run (small roofline, 2 calls per token "
                        "count): checks the outputs, measures nothing")
    args = p.parse_args()

    def tool(name):
        # --bin DIR is the only place looked at when given.
        dirs = [args.bin] if args.bin else \
            os.environ.get("PATH", "").split(os.pathsep) + \
            [os.path.join(ROOT, "build", "bin")]
        for d in dirs:
            if d and os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
        raise SystemExit(f"error: --bin {args.bin}: no executable {name} "
                         "there" if args.bin else
                         f"error: {name} not found on PATH nor in build/bin "
                         "(use --bin DIR)")
    tokens_list = []
    for t in args.tokens.split(","):
        if not re.fullmatch(r"\s*[0-9]+\s*", t) or int(t) < 1:
            raise SystemExit("error: --tokens: expected integers >= 1, "
                             f"comma-separated, found '{t}'")
        tokens_list.append(int(t))
    for name in ("threads", "rounds"):
        if getattr(args, name) < 1:
            raise SystemExit(f"error: --{name}: expected an integer >= 1, "
                             f"found {getattr(args, name)}")
    # The output files are written at the end: a bad path fails now, not
    # after minutes of timing.
    for name in ("json", "plot"):
        folder = os.path.dirname(os.path.abspath(getattr(args, name)))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise SystemExit(f"error: --{name} {getattr(args, name)}: "
                             f"cannot write into '{folder}'")
    args.moe_run = tool("moe-run")

    tmp = tempfile.mkdtemp(prefix="moe-bench-")
    try:
        if args.hf_config:
            args.layer = os.path.join(tmp, "layer.mlir")
            proc = subprocess.run([tool("moe-import"), args.hf_config,
                                   "--layer", str(args.hf_layer), "-o",
                                   args.layer], capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.strip())
        layer = Layer(args.layer)
        # The module ours runs: the layer itself, or a copy with bf16
        # weight arguments.
        ours_path = {"ours": layer.path, "ours 1 thr": layer.path}
        ours_dtype = {"ours": layer.dtype, "ours 1 thr": layer.dtype}
        if args.dtype == "bf16" and layer.dtype == "f32":
            converted = os.path.join(tmp, "layer-bf16.mlir")
            with open(converted, "w") as f:
                f.write(to_dtype_module(open(layer.path).read(),
                                        layer.weight_args, "bf16"))
            ours_path.update({"ours": converted, "ours 1 thr": converted,
                              "ours f32": layer.path})
            ours_dtype.update({"ours": "bf16", "ours 1 thr": "bf16",
                               "ours f32": "f32"})
        elif args.dtype in QUANT_FORMATS and layer.dtype == "f32":
            converted = os.path.join(tmp, f"layer-{args.dtype}.mlir")
            with open(converted, "w") as f:
                f.write(to_quantized_module(open(layer.path).read(), layer,
                                            args.dtype))
            ours_path.update({"ours": converted, "ours 1 thr": converted,
                              "ours f32": layer.path})
            ours_dtype.update({"ours": args.dtype, "ours 1 thr": args.dtype,
                               "ours f32": "f32"})
        elif args.dtype != layer.dtype:
            raise SystemExit(f"error: --dtype {args.dtype}: the layer's "
                             f"weights are {layer.dtype}; expected an f32 "
                             "layer to convert")
        features = host_features()
        print(f"# layer {args.layer}: D={layer.D} F={layer.F} E={layer.E} "
              f"k={layer.k} weights {ours_dtype['ours']}; "
              f"kernels={args.kernels}; threads={args.threads}; "
              f"rounds={args.rounds}; host {' '.join(features) or '-'}",
              flush=True)
        t0 = time.time()
        quantized = ours_dtype["ours"] in QUANT_FORMATS
        # The peers of a quantized layer run the f32 layer.
        weights = layer.weights(args.seed, "f32" if quantized
                                else ours_dtype["ours"]) \
            if layer.peer_ok else {}
        for name, value in weights.items():
            np.save(os.path.join(tmp, name + ".npy"), value)
        print(f"# weights generated in {time.time() - t0:.1f} s", flush=True)
        roof = roofline(args)
        print(f"# roofline: sgemm {roof['sgemm_gflops']:.1f} GFLOP/s, "
              f"stream {roof['stream_gbs']:.1f} GB/s; BLAS: {roof['blas']}",
              flush=True)
        roof_samples = {"sgemm_gflops": [roof["sgemm_gflops"]],
                        "stream_gbs": [roof["stream_gbs"]]}
        has_torch, torch_note = torch_available()
        peers = (["numpy"] if layer.peer_ok else []) + \
            (["torch"] if has_torch and layer.peer_ok and not args.no_torch
             else [])
        notes = []
        if not layer.peer_ok:
            notes.append("peers skipped: they implement softmax top-k silu "
                         "layers without shared experts only")
        if args.no_torch:
            has_torch = False
            notes.append("torch: left out (--no-torch)")
        elif not has_torch:
            notes.append(f"torch: not importable ({torch_note})")

        # Every contestant is one process per round over all token counts
        # (one compilation for ours), in rounds A B A B ...; a roofline
        # sample before each.
        rows = {}
        for T in tokens_list:
            x = random_tensor(args.seed, 0, (T, layer.D), False)
            np.save(os.path.join(tmp, f"x{T}.npy"), x)
            row = {"tokens": T, "flops": layer.flops(T)}
            touched = layer.touched_experts(x, weights["gate"]) \
                if weights else layer.E
            # Weight bytes streamed by each contestant: ours reads its
            # dtype, the peers and the reference f32 or the layer's dtype.
            row["bytes_of"] = {c: layer.weight_bytes(touched, d)
                               for c, d in ours_dtype.items()}
            row["bytes"] = row["bytes_of"]["ours"]
            row["touched_experts"] = touched
            row["intensity"] = row["flops"] / row["bytes"]
            rows[T] = row
        extra = (["ours f32"] if "ours f32" in ours_path else []) + \
            (["ours 1 thr"] if args.one_thread else [])
        contestants = ["ours"] + extra + peers + ["reference"]
        tokens_of = {c: tokens_list for c in contestants}
        tokens_of["reference"] = [T for T in tokens_list
                                  if T <= args.reference_max]
        times = {c: {T: [] for T in tokens_of[c]} for c in contestants}
        ours_out = os.path.join(tmp, "ours{tokens}.npy")
        f32_out = os.path.join(tmp, "ours-f32-{tokens}.npy")
        ref_out = os.path.join(tmp, "ref{tokens}.npy")
        for r in range(args.rounds):
            for c in contestants:
                Ts = tokens_of[c]
                if not Ts:
                    continue
                sample = roofline(args)
                for key in roof_samples:
                    roof_samples[key].append(sample[key])
                reps = [repeats_for(T, args.quick) for T in Ts]
                if c.startswith("ours"):
                    out = {"ours": ours_out, "ours f32": f32_out}.get(c)
                    got = run_ours(args, ours_path[c], Ts, reps,
                                   "fast" if c == "ours f32" else args.kernels,
                                   out if r == 0 else None,
                                   threads=1 if c == "ours 1 thr" else None)
                elif c == "reference":
                    got = run_ours(args, ours_path["ours"], Ts,
                                   [min(n, 5) for n in reps], "reference",
                                   ref_out if r == 0 else None)
                else:
                    info, err = run_peer(args, layer, tmp, c, Ts, reps)
                    if info is None:
                        notes.append(f"{c} failed: {err}")
                        continue
                    got = {}
                    for T in Ts:
                        run = info["runs"][str(T)]
                        got[T] = run.pop("median_ms")
                        rows[T].setdefault("peer_info", {})[c] = dict(
                            {k: v for k, v in info.items() if k != "runs"},
                            **run)
                for T, ms in got.items():
                    times[c][T].append(ms)
            print(f"# round {r + 1} of {args.rounds} done", flush=True)
        # The reference's output where it was not timed, for the checks.
        check_only = [T for T in tokens_list
                      if args.reference_max < T <= args.reference_check_max]
        if check_only:
            run_ours(args, ours_path["ours"], check_only,
                     [0] * len(check_only), "reference", ref_out)

        results = []
        for T in tokens_list:
            row = rows[T]
            bytes_of = row.pop("bytes_of")
            for c in contestants:
                ts = times[c].get(T)
                if ts:
                    ms = float(np.median(ts))
                    nbytes = bytes_of.get(c, layer.weight_bytes(
                        row["touched_experts"],
                        "f32" if c in peers else ours_dtype["ours"]))
                    row[c] = {"ms": ms, "all_ms": ts, "bytes": nbytes,
                              "gflops": row["flops"] / ms / 1e6,
                              "gbs": nbytes / ms / 1e6}
            # Correctness of ours.
            got = np.load(ours_out.format(tokens=T))
            numpy_out = os.path.join(tmp, f"numpy{T}.npy")
            if T <= args.reference_check_max and args.kernels != "fast":
                err = rel_l2(np.load(ref_out.format(tokens=T)), got)
                row["check"] = {"against": "reference (rel L2)",
                                "ok": err <= ACT_BOUND, "rel_l2": err,
                                "bound": ACT_BOUND}
            elif T <= args.reference_check_max:
                ok, err = compare(np.load(ref_out.format(tokens=T)), got,
                                  1e-5, 1e-5)
                row["check"] = {"against": "reference", "ok": ok,
                                "max_abs_err": err}
            elif (args.kernels != "fast" and not quantized
                  and "numpy" in peers and os.path.exists(numpy_out)):
                err = rel_l2(np.load(numpy_out), got)
                row["check"] = {"against": "numpy peer (rel L2)",
                                "ok": err <= ACT_BOUND, "rel_l2": err,
                                "bound": ACT_BOUND}
            elif quantized:
                row["check"] = {"against": "none (quantized: see the error "
                                "against ours f32)", "ok": None}
            elif "numpy" in peers and os.path.exists(numpy_out):
                ok, err = compare(np.load(numpy_out), got, 1e-4, 1e-5)
                row["check"] = {"against": "numpy peer", "ok": ok,
                                "max_abs_err": err}
            else:
                row["check"] = {"against": "none", "ok": None}
            if quantized:
                bound = QUANT_FORMATS[ours_dtype["ours"]]["bound"]
                err = rel_l2(np.load(f32_out.format(tokens=T)), got)
                row["quant_error"] = {"rel_l2_vs_f32": err, "bound": bound,
                                      "ok": err <= bound}
                if err > bound:
                    row["check"]["ok"] = False
            results.append(row)
            o = row["ours"]
            print(f"# T={T}: ours {o['ms']:.2f} ms "
                  f"({o['gflops']:.1f} GFLOP/s), check "
                  f"{row['check']['against']}: {row['check']['ok']}",
                  flush=True)

        # The roof: the median of its samples (see the header).
        for key, values in roof_samples.items():
            roof[key] = float(np.median(values))
            roof[key + "_best"] = float(max(values))
            roof[key + "_samples"] = values
        print(f"# roofline (median of {len(roof_samples['sgemm_gflops'])} "
              f"samples interleaved with the contestants): sgemm "
              f"{roof['sgemm_gflops']:.1f} GFLOP/s (best "
              f"{roof['sgemm_gflops_best']:.1f}), stream "
              f"{roof['stream_gbs']:.1f} GB/s (best "
              f"{roof['stream_gbs_best']:.1f})", flush=True)
        for row in results:
            row["roofline_ms"] = max(
                row["flops"] / roof["sgemm_gflops"] / 1e6,
                row["bytes"] / roof["stream_gbs"] / 1e6)
            for who in ROW_ORDER:
                if who in row:
                    # Each contestant against the roof of its own bytes.
                    row[who]["roofline_ms"] = max(
                        row["flops"] / roof["sgemm_gflops"] / 1e6,
                        row[who]["bytes"] / roof["stream_gbs"] / 1e6)

        header = ("| T | who | median ms | GFLOP/s | GB/s weights | "
                  "ours vs it | % of roofline |")
        print()
        print(header)
        print("|" + "---|" * 7)
        for row in results:
            for who in ROW_ORDER:
                if who not in row:
                    continue
                r = row[who]
                speedup = row[who]["ms"] / row["ours"]["ms"]
                label = who
                used = row.get("peer_info", {}).get(who, {}).get(
                    "threads_used")
                if used:
                    label += f" ({used} thr)"
                print(f"| {row['tokens']} | {label} | {r['ms']:.2f} | "
                      f"{r['gflops']:.1f} | {r['gbs']:.1f} | "
                      f"{'' if who == 'ours' else f'{speedup:.2f}x'} | "
                      f"{100 * r['roofline_ms'] / r['ms']:.0f}% |")
        print()
        for row in results:
            c = row["check"]
            print(f"check T={row['tokens']}: ours vs {c['against']}: "
                  f"{'PASS' if c['ok'] else 'FAIL' if c['ok'] is False else 'n/a'}"
                  + (f" (max abs err {c['max_abs_err']:.2e})"
                     if c.get("max_abs_err") is not None else ""))
        for row in results:
            q = row.get("quant_error")
            if q:
                print(f"error T={row['tokens']}: ours ({ours_dtype['ours']}) "
                      f"vs ours f32: relative L2 {q['rel_l2_vs_f32']:.2e} "
                      f"(bound {q['bound']:.0e}): "
                      f"{'PASS' if q['ok'] else 'FAIL'}")
        for note in notes:
            print("note:", note)
        note = plot(results, roof, args.plot)
        if note:
            print("note:", note)
        else:
            print(f"plot: {args.plot}")
        with open(args.json, "w") as f:
            json.dump({"layer": args.layer, "threads": args.threads,
                       "kernels": args.kernels, "host_features": features,
                       "dtype": ours_dtype["ours"],
                       "roofline": roof, "notes": notes, "rows": results},
                      f, indent=1)
        print(f"json: {args.json}")
        return 0 if all(r["check"]["ok"] is not False for r in results) \
            else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
