#!/usr/bin/env python3
#===- compare_npy.py - compare the fast CPU kernels with the reference ----===#
#
# Usage: compare_npy.py REFERENCE.npy CANDIDATE.npy [CANDIDATE.npy ...]
#
# Each candidate (moe-cpu-pipeline with kernels=fast) must match the
# reference (kernels=reference, the same inputs) elementwise:
#   |candidate - reference| <= RTOL * |reference| + ATOL * max|reference|
# with RTOL = 1e-5 and ATOL = 1e-6. The absolute term, relative to the
# output's scale, covers outputs that cancel to almost zero, where the
# different summation order of the vectorized dot products (and the
# polynomial exp of the fast silu) moves the last bits. Prints the largest
# errors and PASS, or FAIL and exits 1.
#
#===----------------------------------------------------------------------===#

import sys

import numpy as np

RTOL, ATOL = 1e-5, 1e-6


def main(argv):
    if len(argv) < 3:
        print("usage: compare_npy.py REFERENCE.npy CANDIDATE.npy...",
              file=sys.stderr)
        return 2
    ref = np.load(argv[1]).astype(np.float64)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    if not np.all(np.isfinite(ref)):
        print("FAIL: the reference has non-finite values")
        return 1
    if ref.size and scale == 0.0:
        print("FAIL: the reference is all zeros; the comparison would prove "
              "nothing")
        return 1
    ok = True
    for path in argv[2:]:
        got = np.load(path).astype(np.float64)
        if got.shape != ref.shape:
            print(f"FAIL: {path}: shape {got.shape}, reference {ref.shape}")
            ok = False
            continue
        err = np.abs(got - ref)
        bound = RTOL * np.abs(ref) + ATOL * scale
        bad = ~(err <= bound)
        rel = float((err / np.maximum(np.abs(ref), 1e-30)).max()) \
            if ref.size else 0.0
        print(f"{path.rsplit('/', 1)[-1]}: shape={list(ref.shape)} "
              f"max_abs_err={err.max() if ref.size else 0:.3e} "
              f"scale={scale:.3e} mismatches={int(bad.sum())}")
        if bad.any():
            i = np.unravel_index(int(np.argmax(err - bound)), ref.shape)
            print(f"  worst at {list(i)}: got {got[i]!r}, reference "
                  f"{ref[i]!r} (max rel err {rel:.3e})")
            ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
