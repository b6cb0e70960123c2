#!/usr/bin/env python3
#===- compare_twins.py - a quantized layer against its f32 twin ------------===#
#
# Usage: compare_twins.py DIR FORMAT T...
#
# For each token count T, compares DIR/FORMAT.ref.T.npy, .fast1.T.npy and
# .fast2.T.npy (the quantized layer: reference lowering, fast kernels on one
# and two threads) with DIR/FORMAT.f32.T.npy (the f32 twin) by the rule of
# test/Integration/CPU/Inputs/compare_npy.py. Exits 1 if any differs.
#
#===----------------------------------------------------------------------===#

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "CPU",
                                "Inputs"))
import compare_npy  # noqa: E402


def main(argv):
    directory, fmt, counts = argv[1], argv[2], argv[3:]
    status = 0
    for t in counts:
        path = lambda kind: os.path.join(directory, "%s.%s.%s.npy" %
                                         (fmt, kind, t))
        status |= compare_npy.main(["compare_npy.py", path("f32"),
                                    path("ref"), path("fast1"),
                                    path("fast2")])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
