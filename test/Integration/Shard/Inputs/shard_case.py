#===- shard_case.py - layers and checks for the sharded-run tests ----------===#
#
#   shard_case.py make DIR [options]   writes DIR/layer.mlir (weights named
#       by moe.weight), DIR/layer.dyn.mlir (the same layer for any token
#       count), DIR/weights.safetensors, DIR/x.npy and, with --slices R,
#       DIR/x.<r>.npy: the R token slices of x as moe-run --shard cuts them
#       (numpy's array_split: the first T mod R slices one row longer), the
#       empty ones (T < R) left out
#   shard_case.py compare A.npy B.npy  max relative error, PASS or exit 1
#   shard_case.py concat OUT.npy A.npy B.npy ...  rows of A, B, ... in order
#
#===----------------------------------------------------------------------===#

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
import safetensors_io  # noqa: E402


def make(a):
    rng = np.random.default_rng(a.seed)
    t, d, f, e, s = a.tokens, a.hidden, a.inter, a.experts, a.shared
    x = rng.standard_normal((t, d)).astype(np.float32)
    tensors = {"router": (rng.standard_normal((e, d)) / np.sqrt(d)).astype(np.float32)}
    w1 = (rng.standard_normal((e, f, d)) / np.sqrt(d)).astype(np.float32)
    w3 = (rng.standard_normal((e, f, d)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.standard_normal((e, d, f)) / np.sqrt(f)).astype(np.float32)
    experts = {"w1": w1, "w2": w2}
    if a.gated:
        experts["w3"] = w3
    for name, w in experts.items():
        if a.stacked:
            for i in range(e):
                tensors[f"experts.{i}.{name}"] = np.ascontiguousarray(w[i])
        else:
            tensors[name] = w
    if a.bias:
        tensors["bias"] = (0.1 * rng.standard_normal(e)).astype(np.float32)
    if s:
        tensors["shared_w1"] = (rng.standard_normal((s, d)) / np.sqrt(d)).astype(np.float32)
        tensors["shared_w3"] = (rng.standard_normal((s, d)) / np.sqrt(d)).astype(np.float32)
        tensors["shared_w2"] = (rng.standard_normal((d, s)) / np.sqrt(s)).astype(np.float32)
    if a.router_bias:
        tensors["router_bias"] = (0.5 * rng.standard_normal(e)).astype(np.float32)
    if a.output_bias:
        tensors["output_bias"] = (0.5 * rng.standard_normal(d)).astype(np.float32)
    if a.expert_bias:
        tensors["b1"] = (0.5 * rng.standard_normal((e, f))).astype(np.float32)
        if a.gated:
            tensors["b3"] = (0.5 * rng.standard_normal((e, f))).astype(np.float32)
        tensors["b2"] = (0.5 * rng.standard_normal((e, d))).astype(np.float32)
    os.makedirs(a.dir, exist_ok=True)
    safetensors_io.write(os.path.join(a.dir, "weights.safetensors"), tensors)
    np.save(os.path.join(a.dir, "x.npy"), x)
    if a.slices:
        for r, part in enumerate(np.array_split(x, a.slices)):
            if part.shape[0]:
                np.save(os.path.join(a.dir, f"x.{r}.npy"), part)
    for name, dynamic in (("layer.mlir", a.dynamic), ("layer.dyn.mlir", True)):
        with open(os.path.join(a.dir, name), "w") as fh:
            fh.write(layer_text(a, dynamic))


def layer_text(a, dynamic):
    t, d, f, e, s = a.tokens, a.hidden, a.inter, a.experts, a.shared
    tt = "?" if dynamic else str(t)
    xty = f"tensor<{tt}x{d}xf32>"
    args = [f"%x: {xty}"]
    ops = []

    def arg(role, shape, name):
        ty = "tensor<" + "x".join(map(str, shape)) + "xf32>"
        args.append(f'%{role}: {ty} {{moe.weight = "{name}"}}')
        ops.append(f"{role}(%{role} : {ty})")

    arg("router", (e, d), "router")
    if a.bias:
        arg("bias", (e,), "bias")
    ename = (lambda n: f"experts.{{e}}.{n}") if a.stacked else (lambda n: n)
    arg("w1", (e, f, d), ename("w1"))
    if a.gated:
        arg("w3", (e, f, d), ename("w3"))
    arg("w2", (e, d, f), ename("w2"))
    if s:
        arg("shared_w1", (s, d), "shared_w1")
        arg("shared_w3", (s, d), "shared_w3")
        arg("shared_w2", (d, s), "shared_w2")
    if a.router_bias:
        arg("router_bias", (e,), "router_bias")
    if a.expert_bias:
        arg("b1", (e, f), "b1")
        if a.gated:
            arg("b3", (e, f), "b3")
        arg("b2", (e, d), "b2")
    if a.output_bias:
        arg("output_bias", (d,), "output_bias")
    params = [f"k = {a.k}", f"scoring = {a.scoring}"]
    if a.normalize:
        params.append("normalize = true")
    if a.scaling != 1.0:
        params.append(f"scaling = {a.scaling}")
    if a.groups:
        params += [f"num_groups = {a.groups}", f"topk_groups = {a.topk_groups}"]
    tail = f"activation {a.act}"
    if a.alpha is not None:
        tail += f" alpha {a.alpha}"
    if a.limit is not None:
        tail += f" limit {a.limit}"
    if a.capacity_factor:
        tail += f" drop {a.drop} capacity_factor {a.capacity_factor}"
    if a.capacity:
        tail += f" drop {a.drop} capacity {a.capacity}"
    routing = f"#moe.routing<{', '.join(params)}>"
    if a.expert_choice:
        routing = f"#moe.expert_choice<capacity = {a.expert_choice}>"
    return (f"func.func @forward({', '.join(args)}) -> {xty} {{\n"
            f"  %y = moe.layer %x {' '.join(ops)}\n"
            f"      routing {routing} {tail}\n"
            f"      : {xty} -> {xty}\n"
            f"  return %y : {xty}\n}}\n")


def compare(a):
    ref, got = np.load(a.ref), np.load(a.got)
    if ref.shape != got.shape:
        print(f"shape mismatch: {ref.shape} vs {got.shape}")
        sys.exit(1)
    err = np.abs(ref - got) / (np.abs(ref) + 1e-6)
    print(f"rows={ref.shape[0]} max_rel_err={err.max():.3e} max_abs={np.abs(ref).max():.3e}")
    if not np.allclose(got, ref, rtol=1e-5, atol=1e-6) or not np.abs(ref).max() > 0:
        print("FAIL")
        sys.exit(1)
    print("PASS")


def concat(a):
    np.save(a.out, np.concatenate([np.load(p) for p in a.parts]))


def fails_within(a):
    """Runs the command; passes when it fails (non-zero) before the limit."""
    import subprocess
    import time
    start = time.monotonic()
    try:
        proc = subprocess.run(a.command, timeout=a.seconds,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired:
        print(f"still running after {a.seconds} s")
        sys.exit(1)
    took = time.monotonic() - start
    sys.stdout.write(proc.stdout.decode(errors="replace"))
    print(f"exit={proc.returncode} within_limit={took < a.seconds}")
    sys.exit(0 if proc.returncode != 0 else 1)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--tokens", type=int, default=16)
    m.add_argument("--hidden", type=int, default=32)
    m.add_argument("--inter", type=int, default=48)
    m.add_argument("--experts", type=int, default=8)
    m.add_argument("--k", type=int, default=2)
    m.add_argument("--scoring", choices=["softmax", "sigmoid"], default="softmax")
    m.add_argument("--normalize", type=int, default=1)
    m.add_argument("--scaling", type=float, default=1.0)
    m.add_argument("--groups", type=int, default=0)
    m.add_argument("--topk-groups", type=int, default=0)
    m.add_argument("--bias", action="store_true")
    m.add_argument("--shared", type=int, default=0)
    m.add_argument("--gated", type=int, default=1)
    m.add_argument("--act", default="silu")
    m.add_argument("--alpha", type=float)
    m.add_argument("--limit", type=float)
    m.add_argument("--router-bias", action="store_true")
    m.add_argument("--output-bias", action="store_true")
    m.add_argument("--expert-bias", action="store_true",
                   help="biases b1, b3 (gated) and b2 of the routed experts")
    m.add_argument("--capacity-factor", type=float)
    m.add_argument("--capacity", type=int)
    m.add_argument("--drop", choices=["position", "score"], default="position")
    m.add_argument("--expert-choice", type=int, default=0,
                   help="expert-choice routing with this capacity")
    m.add_argument("--dynamic", action="store_true")
    m.add_argument("--stacked", action="store_true")
    m.add_argument("--slices", type=int, default=0)
    c = sub.add_parser("compare")
    c.add_argument("ref")
    c.add_argument("got")
    k = sub.add_parser("concat")
    k.add_argument("out")
    k.add_argument("parts", nargs="+")
    w = sub.add_parser("fails-within")
    w.add_argument("seconds", type=float)
    w.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    {"make": make, "compare": compare, "concat": concat,
     "fails-within": fails_within}[a.cmd](a)


if __name__ == "__main__":
    main()
