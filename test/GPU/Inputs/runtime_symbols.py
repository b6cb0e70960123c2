#!/usr/bin/env python3
"""Every GPU runtime function that lowered host code declares is defined by
the runtime library.

  runtime_symbols.py HOST.ll LIBRARY.so --nm NM

Reads the `declare ... @mgpu*` lines of the LLVM IR, lists the library's
defined dynamic symbols with NM, prints `runtime: N functions, all defined`
or names each missing one and exits 1.
"""

import re
import subprocess
import sys


def main():
    ir_path, lib, nm = sys.argv[1], sys.argv[2], sys.argv[4]
    with open(ir_path) as f:
        declared = sorted(set(re.findall(r"^declare [^@]*@(mgpu\w+)\(", f.read(), re.M)))
    out = subprocess.run([nm, "-D", "--defined-only", lib], capture_output=True,
                         text=True, check=True).stdout
    defined = {line.split()[-1] for line in out.splitlines() if line.strip()}
    missing = [name for name in declared if name not in defined]
    for name in missing:
        print(f"error: {name} is called by the host code but not defined in {lib}")
    if not declared:
        print("error: the host code declares no mgpu* function")
        return 1
    if missing:
        return 1
    print(f"runtime: {len(declared)} functions, all defined")
    for name in declared:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
