#!/usr/bin/env python3
#===- generate-bench.py - a patched transformers model against the stock one #
#
# Usage:
#   generate-bench.py [--layers 4] [--hidden 1024] [--ffn 2816] [--experts 8]
#                     [--k 2] [--vocab 8192] [--prefill 128,512]
#                     [--decode 32] [--threads 1,2] [--dtypes f32,bf16]
#                     [--rounds 2] [--json OUT.json] [--one-runtime]
#                     [--quick]
#
# A small MoE-dominated causal LM (a transformers 5 Mixtral with the shipped
# layer's shape: D = 1024, F = 2816, E = 8, k = 2, 4 layers, a small
# vocabulary so that the experts dominate), random weights (the routers
# scaled up so that routing is not a near-tie everywhere), batch 1. Per
# weight dtype, contestants:
#   stock <impl> <n>thr   transformers' own CPU path: experts_implementation
#                         grouped_mm (its default) and eager, torch on n
#                         threads
#   moe-opt <n>thr        the same model after moe_opt.patch(model,
#                         threads=n): every MoE block runs moe-opt's layer
#                         on n threads, the rest of the model on n torch
#                         threads ("torch 1thr": on one)
# Each is timed on prefill (one forward over P prompt tokens: tokens/s) and
# decode (N greedy tokens after a 16-token prompt with the KV cache:
# tokens/s over the N - 1 steps after the first), in rounds A B A B ... so
# that a noisy machine slows every contestant alike; the median over rounds
# counts. The table gives each contestant's rates and, for moe-opt, the
# ratio to the best stock contestant of the same dtype (its best
# implementation and thread count). The patched model's greedy tokens are
# checked against the stock model's (f32: equal). OPENBLAS_CORETYPE /
# OPENBLAS_L2_SIZE are unset for this process (they slow torch's CPU
# kernels on some hosts); the host's CPU features are printed.
#
# --one-runtime: every contestant runs in a process started with LLVM's
# OpenMP runtime (the one moe-opt's kernels use) in LD_PRELOAD, so that
# torch's parallel regions run on it too (it implements libgomp's GOMP_*
# entry points under their symbol versions) and one pool of threads serves
# both; without it torch uses its own libgomp and two pools share the
# cores.
#
# --quick: a 2-layer D = 64 model, one round, for the test suite; its
# times are not a measurement.
#
#===----------------------------------------------------------------------===#

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import warnings

for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)
warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from transformers import MixtralConfig, MixtralForCausalLM  # noqa: E402

import moe_opt  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def host_features():
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512_bf16",
              "avx512_vnni", "avx_vnni", "amx_bf16"]
    return platform.machine() + " " + " ".join(f for f in wanted
                                               if f in flags)


def build_model(args, impl, dtype):
    config = MixtralConfig(
        hidden_size=args.hidden, intermediate_size=args.ffn,
        num_hidden_layers=args.layers, num_local_experts=args.experts,
        num_experts_per_tok=args.k, vocab_size=args.vocab,
        num_attention_heads=max(1, args.hidden // 128),
        num_key_value_heads=max(1, args.hidden // 512),
        head_dim=min(128, args.hidden), max_position_embeddings=4096,
        tie_word_embeddings=False, pad_token_id=0, bos_token_id=1,
        eos_token_id=None)
    torch.manual_seed(0)
    model = MixtralForCausalLM(config)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.mlp.gate.weight.mul_(20)
    model = model.to(dtype).eval()
    model.set_experts_implementation(impl)
    return model


def time_prefill(model, tokens, vocab):
    ids = torch.randint(1, vocab, (1, tokens),
                        generator=torch.Generator().manual_seed(tokens))
    with torch.inference_mode():
        model(ids[:, :8])  # warm-up
        start = time.perf_counter()
        model(ids, use_cache=False)
        return tokens / (time.perf_counter() - start)


def time_decode(model, steps, vocab):
    """Decode tokens/s, and the generated tokens."""
    ids = torch.randint(1, vocab, (1, 16),
                        generator=torch.Generator().manual_seed(16))
    with torch.inference_mode():
        model.generate(ids, max_new_tokens=2, do_sample=False)  # warm-up
        start = time.perf_counter()
        first = model.generate(ids, max_new_tokens=1, do_sample=False)
        one = time.perf_counter() - start
        start = time.perf_counter()
        out = model.generate(ids, max_new_tokens=steps, min_new_tokens=steps,
                             do_sample=False)
        many = time.perf_counter() - start
    del first
    return (steps - 1) / max(many - one, 1e-9), out


def main():
    p = argparse.ArgumentParser(description="a patched transformers MoE model against the stock one")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--ffn", type=int, default=2816)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--prefill", default="128,512")
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--dtypes", default="f32,bf16")
    p.add_argument("--impls", default="grouped_mm,eager")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--json")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--one-runtime", action="store_true")
    args = p.parse_args()
    if args.one_runtime and "MOE_BENCH_ONE_RUNTIME" not in os.environ:
        # Restart with LLVM's OpenMP runtime preloaded: torch's GOMP_*
        # calls then bind to it too (it implements them under libgomp's
        # symbol versions), and one pool of threads serves both.
        env = dict(os.environ, MOE_BENCH_ONE_RUNTIME="1")
        env["LD_PRELOAD"] = " ".join(
            lib for lib in [moe_opt.openmp_library(), env.get("LD_PRELOAD")]
            if lib)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    if args.quick:
        args.layers, args.hidden, args.ffn, args.vocab = 2, 64, 96, 256
        args.prefill, args.decode, args.rounds = "16", 4, 1
        args.threads = "1"
    try:
        prefill = [int(t) for t in args.prefill.split(",")]
        threads = [int(t) for t in args.threads.split(",")]
        dtypes = args.dtypes.split(",")
        impls = args.impls.split(",")
        for d in dtypes:
            if d not in DTYPES:
                raise ValueError("unknown dtype '%s' (f32, bf16)" % d)
    except ValueError as e:
        print("generate-bench: error: %s" % e, file=sys.stderr)
        return 1
    print("host: %s, %d cores; torch %s" % (host_features(), os.cpu_count(),
                                            torch.__version__))
    print("OpenMP: %s" % ("one runtime for torch and moe-opt (LD_PRELOAD=%s)"
                          % os.environ.get("LD_PRELOAD")
                          if os.environ.get("MOE_BENCH_ONE_RUNTIME") else
                          "torch's libgomp and moe-opt's libomp"))
    print("model: mixtral, %d layers, D=%d F=%d E=%d k=%d vocab=%d, batch 1"
          % (args.layers, args.hidden, args.ffn, args.experts, args.k,
             args.vocab))
    results, mismatches = {}, []
    for dname in dtypes:
        dtype = DTYPES[dname]
        contestants = []
        base = {impl: build_model(args, impl, dtype) for impl in impls}
        for impl in impls:
            for n in threads:
                contestants.append(("stock %s %dthr" % (impl, n), base[impl],
                                    n))
        for n in threads:
            model = copy.deepcopy(base[impls[-1]])
            moe_opt.patch(model, threads=n)
            contestants.append(("moe-opt %dthr" % n, model, n))
            if n > 1:
                # The rest of the model (attention, norms, the head) on
                # one torch thread: torch's and moe-opt's OpenMP teams do
                # not then wait on each other's spinning threads.
                contestants.append(("moe-opt %dthr, torch 1thr" % n, model,
                                    1))
        samples = {name: {"prefill": {t: [] for t in prefill},
                          "decode": []} for name, _, _ in contestants}
        reference = None
        for _ in range(args.rounds):
            for name, model, n in contestants:
                torch.set_num_threads(n)
                for t in prefill:
                    samples[name]["prefill"][t].append(
                        time_prefill(model, t, args.vocab))
                rate, out = time_decode(model, args.decode, args.vocab)
                samples[name]["decode"].append(rate)
                if reference is None:
                    reference = out
                elif dname == "f32" and not torch.equal(out, reference):
                    mismatches.append("%s %s" % (dname, name))
        med = {name: {"prefill": {t: statistics.median(v)
                                  for t, v in s["prefill"].items()},
                      "decode": statistics.median(s["decode"])}
               for name, s in samples.items()}
        results[dname] = med
        stock = [n for n in med if n.startswith("stock")]
        print("\n%s weights (tokens/s, median of %d rounds)" %
              (dname, args.rounds))
        head = ["contestant"] + ["prefill %d" % t for t in prefill] + \
            ["decode"]
        print("%-22s | %s" % (head[0], " | ".join("%12s" % h
                                                   for h in head[1:])))
        for name in med:
            row = ["%12.1f" % med[name]["prefill"][t] for t in prefill]
            row.append("%12.2f" % med[name]["decode"])
            print("%-22s | %s" % (name, " | ".join(row)))
        for name in med:
            if name in stock:
                continue
            parts = []
            for t in prefill:
                best = max(stock, key=lambda s: med[s]["prefill"][t])
                parts.append("prefill %d %.2fx (vs %s)" % (
                    t, med[name]["prefill"][t] / med[best]["prefill"][t],
                    best))
            best = max(stock, key=lambda s: med[s]["decode"])
            parts.append("decode %.2fx (vs %s)" % (
                med[name]["decode"] / med[best]["decode"], best))
            print("ratio %s / best stock: %s" % (name, "; ".join(parts)))
    print("\ngreedy tokens of every f32 contestant equal: %s" %
          ("yes" if not mismatches else "NO: " + ", ".join(mismatches)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"host": host_features(), "args": vars(args),
                       "results": results, "mismatches": mismatches}, f,
                      indent=1)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
