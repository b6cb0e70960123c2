#!/usr/bin/env python3
#===- run_fixtures.py - moe-import + moe-run against recorded MoE blocks --===#
#
# For every fixture of tools/hf-fixtures (a directory with config.json,
# model.safetensors, x.npy, y.npy and fixture.json), imports its layer with
# moe-import, runs it with moe-run on x.npy and compares the result with the
# y.npy that transformers' MoE block produced, at rtol = atol = 1e-4.
#
# A fixture whose family moe-import refuses must be refused with exactly one
# `error:` line and exit code 1; it is counted as refused, with the reason.
# So is a run that moe-run refuses with exit code 1 and error lines only
# (one per rank under mpiexec).
# Prints one line per fixture and a summary line; exits 1 when a fixture of
# an accepted family does not match (or a refusal is not one clean line).
#
# With --bf16, the checkpoint is rewritten in bfloat16 and the result must
# equal, bit for bit, the run on an f32 checkpoint holding the same
# bf16-rounded values: bf16 checkpoints load as what they hold.
#
#   run_fixtures.py FIXTURES --bin DIR --work DIR [--only a,b] [--run-args ..]
#
#===----------------------------------------------------------------------===#

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
import safetensors_io  # noqa: E402

ATOL = 1e-4


def run(cmd):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    return p.returncode, p.stdout, p.stderr


def one(name, src, work, bindir, extra_import, extra_run, launcher, tol,
        bf16):
    meta = json.load(open(os.path.join(src, "fixture.json")))
    layer = str(meta["layer"])
    os.makedirs(work, exist_ok=True)
    mlir = os.path.join(work, "layer.mlir")
    out = os.path.join(work, "y.npy")
    rc, _, err = run([os.path.join(bindir, "moe-import"), src, "--layer",
                      layer, "-o", mlir] + extra_import)
    if rc != 0:
        lines = err.strip().splitlines()
        if rc == 1 and len(lines) == 1 and "error: " in lines[0]:
            return "refused", lines[0].split("error: ", 1)[1]
        return "fail", "moe-import exit %d: %s" % (rc, err.strip()[:300])
    weights = src
    if bf16:
        tensors = safetensors_io.read(os.path.join(src, "model.safetensors"))
        half = {n: safetensors_io.BF16(a) for n, a in tensors.items()}
        rounded = {n: h.to_f32() for n, h in half.items()}
        weights = os.path.join(work, "bf16.safetensors")
        safetensors_io.write(weights, half)
        safetensors_io.write(os.path.join(work, "rounded.safetensors"),
                             rounded)
        rc, _, err = run([os.path.join(bindir, "moe-run"), mlir, "--weights",
                          os.path.join(work, "rounded.safetensors"),
                          "--input", os.path.join(src, "x.npy"), "--output",
                          os.path.join(work, "rounded.npy")] + extra_run)
        if rc != 0:
            return "fail", "moe-run exit %d: %s" % (rc, err.strip()[:300])
    rc, _, err = run(launcher + [os.path.join(bindir, "moe-run"), mlir,
                      "--weights", weights,
                      "--input", os.path.join(src, "x.npy"), "--output", out]
                     + extra_run)
    if rc != 0:
        # A clean refusal: exit code 1 and only error lines (one per rank
        # under mpiexec), e.g. moe-shard on a layer it does not shard.
        # MPICH adds its own "Abort(1) on node ..." line.
        lines = [l for l in err.strip().splitlines()
                 if not re.match(r"Abort\(1\) on node \d+", l)]
        if rc == 1 and lines and all(l.startswith("error: ") for l in lines):
            return "refused", "moe-run: " + lines[0]
        return "fail", "moe-run exit %d: %s" % (rc, err.strip()[:300])
    got = np.load(out).astype(np.float64)
    want = np.load(os.path.join(src, "y.npy")).astype(np.float64)
    if bf16:
        want = np.load(os.path.join(work, "rounded.npy")).astype(np.float64)
        if not np.array_equal(got, want):
            return "fail", ("bf16 checkpoint: max_abs_err=%.3g against the "
                            "f32 checkpoint of the same values" %
                            np.abs(got - want).max())
        return "match", "bf16 checkpoint = rounded f32 checkpoint"
    if got.shape != want.shape:
        return "fail", "shape %s, expected %s" % (got.shape, want.shape)
    err = np.abs(got - want)
    bad = err > tol + tol * np.abs(want)
    if bad.any():
        t, d = np.argwhere(bad)[0]
        return "fail", ("max_abs_err=%.3g; first at [%d, %d]: got %.6g, "
                        "expected %.6g" % (err.max(), t, d, got[t, d],
                                           want[t, d]))
    return "match", "max_abs_err=%.3g" % err.max()


def main():
    p = argparse.ArgumentParser(description="run the transformers fixtures")
    p.add_argument("fixtures")
    p.add_argument("--bin", required=True, help="directory of moe-import, "
                   "moe-run")
    p.add_argument("--work", required=True, help="scratch directory")
    p.add_argument("--only", default="", help="comma-separated fixtures")
    p.add_argument("--import-args", default="", help="extra moe-import "
                   "arguments")
    p.add_argument("--run-args", default="", help="extra moe-run arguments")
    p.add_argument("--launcher", default="", help="command that starts "
                   "moe-run (e.g. 'mpiexec -n 2' for --shard)")
    p.add_argument("--bf16", action="store_true", help="check that a bf16 "
                   "checkpoint loads as its values")
    p.add_argument("--tolerance", type=float, default=ATOL,
                   help="rtol = atol (default 1e-4)")
    a = p.parse_args()
    only = [s for s in a.only.split(",") if s]
    names = sorted(n for n in os.listdir(a.fixtures)
                   if os.path.isfile(os.path.join(a.fixtures, n,
                                                  "fixture.json")))
    counts = {"match": 0, "refused": 0, "fail": 0}
    for name in names:
        if only and name not in only:
            continue
        status, detail = one(name, os.path.join(a.fixtures, name),
                             os.path.join(a.work, name), a.bin,
                             a.import_args.split(), a.run_args.split(),
                             a.launcher.split(), a.tolerance, a.bf16)
        counts[status] += 1
        print("%-8s %s: %s" % (status, name, detail))
    print("fixtures: %d matched, %d refused, %d failed" %
          (counts["match"], counts["refused"], counts["fail"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
