#!/usr/bin/env python3
#===- compare.py - compare moe-run --target=cuda with the CPU -------------===#
#
# Usage: compare.py CPU.npy CUDA.npy [--rtol R]
#
# The CUDA result must match the CPU result (moe-cpu-pipeline, the same
# inputs) elementwise:
#   |cuda - cpu| <= R * |cpu| + R * 0.1 * max|cpu|
# R defaults to 1e-4 (f32: the GPU contracts multiply-adds into FMAs and
# takes exp/erf/tanh from libdevice); bf16 layers use 1e-2. The shapes must
# be equal. Prints the largest error and PASS, or FAIL and exits 1.
#
#===----------------------------------------------------------------------===#

import argparse
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cpu")
    p.add_argument("cuda")
    p.add_argument("--rtol", type=float, default=1e-4)
    a = p.parse_args()
    cpu = np.load(a.cpu).astype(np.float64)
    cuda = np.load(a.cuda).astype(np.float64)
    if cpu.shape != cuda.shape:
        print(f"FAIL: shape {cuda.shape} != {cpu.shape}")
        return 1
    if not np.all(np.isfinite(cuda)):
        print("FAIL: non-finite values in the CUDA result")
        return 1
    scale = float(np.abs(cpu).max()) if cpu.size else 0.0
    err = np.abs(cuda - cpu)
    bound = a.rtol * np.abs(cpu) + a.rtol * 0.1 * scale
    worst = float(err.max()) if err.size else 0.0
    print(f"max abs error {worst:.3e} (scale {scale:.3e})")
    if np.any(err > bound):
        print(f"FAIL: {int(np.sum(err > bound))} elements beyond rtol {a.rtol}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
