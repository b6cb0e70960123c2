#!/usr/bin/env python3
"""PTX in the gpu.binary ops of moe-gpu-pipeline's output (format=isa).

  ptx.py extract IR          print every module's PTX, each after a line
                             `// gpu.binary @<name>`
  ptx.py ptxas IR --ptxas P --arch sm_XX
                             assemble every module with `P -v -arch=sm_XX`;
                             print one line per kernel (registers, spills)
                             and a summary; exit 1 when a module does not
                             assemble, has a kernel that spills, or there is
                             no PTX at all
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

BINARY = re.compile(r'gpu\.binary @([\w$.-]+)[^\n]*?assembly = "((?:[^"\\]|\\.)*)"')


def unescape(text):
    """The bytes of an MLIR string literal's body."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in '\\"':
            out += nxt.encode()
            i += 2
        elif nxt == "n":
            out += b"\n"
            i += 2
        elif nxt == "t":
            out += b"\t"
            i += 2
        else:
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
    return out.decode("utf-8")


def modules(path):
    with open(path) as f:
        ir = f.read()
    return [(m.group(1), unescape(m.group(2))) for m in BINARY.finditer(ir)]


def extract(args):
    found = modules(args.ir)
    if not found:
        print(f"error: no gpu.binary with PTX (format=isa) in {args.ir}",
              file=sys.stderr)
        return 1
    for name, ptx in found:
        print(f"// gpu.binary @{name}")
        print(ptx)
    return 0


PROPS = re.compile(r"Function properties for (\S+)\n\s*(\d+) bytes stack frame, "
                   r"(\d+) bytes spill stores, (\d+) bytes spill loads")
USED = re.compile(r"Compiling entry function '(\S+)'.*?Used (\d+) registers", re.S)


def ptxas(args):
    found = modules(args.ir)
    if not found:
        print(f"error: no gpu.binary with PTX (format=isa) in {args.ir}",
              file=sys.stderr)
        return 1
    kernels = 0
    spills = 0
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, ptx in found:
            src = os.path.join(tmp, name + ".ptx")
            with open(src, "w") as f:
                f.write(ptx)
            run = subprocess.run([args.ptxas, "-v", f"-arch={args.arch}", src,
                                  "-o", os.path.join(tmp, name + ".cubin")],
                                 capture_output=True, text=True)
            log = run.stdout + run.stderr
            if run.returncode != 0:
                print(f"error: ptxas -arch={args.arch} failed on @{name}:\n{log}")
                failed += 1
                continue
            registers = {k: int(r) for k, r in USED.findall(log)}
            for kernel, stack, stores, loads in PROPS.findall(log):
                kernels += 1
                spill = int(stores) + int(loads)
                spills += spill
                print(f"kernel {kernel}: registers {registers.get(kernel, '?')}, "
                      f"stack {stack}, spill stores {stores}, spill loads {loads}")
    print(f"ptxas {args.arch}: {len(found)} modules, {kernels} kernels, "
          f"{failed} failed, {spills} spill bytes")
    return 1 if failed or spills or kernels == 0 else 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract")
    e.add_argument("ir")
    a = sub.add_parser("ptxas")
    a.add_argument("ir")
    a.add_argument("--ptxas", required=True)
    a.add_argument("--arch", required=True)
    args = p.parse_args()
    return extract(args) if args.command == "extract" else ptxas(args)


if __name__ == "__main__":
    sys.exit(main())
