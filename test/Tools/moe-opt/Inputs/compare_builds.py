#!/usr/bin/env python3
"""Runs every moe-opt and moe-import command of the lit tests with the tools
of two builds (e.g. one compiled by Clang, one by GCC) and reports where
their output differs: the IR, the diagnostics, the exit code and the files
written.

    compare_builds.py BUILD_A BUILD_B [--tests DIR ...] [-j N]

Each RUN line (joined across `\\` continuations) that pipes into or starts
with `moe-opt` or `moe-import` (or the stock mlir-opt loading the plugin) is
cut after the last such command; `not` is dropped, so failing commands are
compared too. The other RUN lines of a file before it (`echo ... > %t.json`,
`split-file %s %t`) run first, as the setup the command may read. Each build
runs in a fresh scratch directory for %t, whose path is masked in what the
command prints and writes. Lines with substitutions this script does not know
(`%{...}` definitions) are skipped and counted.
Exit code 0 when every command agrees, 1 otherwise.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

DEFAULT_DIRS = ["Conversion", "Transforms", "Codegen", "Pipelines", "GPU",
                "Dialect", "Plugin", "Examples", "Tools/moe-import"]
TEST_SUFFIXES = (".mlir", ".test")
OUR_TOOLS = ("moe-opt", "moe-import")
LLVM_TOOLS = "/usr/lib/llvm-22/bin"


def run_lines(path):
    """The RUN commands of `path`, continuation lines joined."""
    commands, current = [], None
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"\bRUN:(.*)$", line)
            if not m:
                continue
            text = m.group(1).rstrip()
            joined = (current + " " if current is not None else "") + text.strip()
            if joined.endswith("\\"):
                current = joined[:-1].rstrip()
            else:
                commands.append(joined)
                current = None
    return commands


def split_pipe(command):
    """`command` split at the top-level `|` (not `||`), quotes respected."""
    parts, cur, quote, i = [], "", None, 0
    while i < len(command):
        c = command[i]
        if quote:
            cur += c
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur += c
        elif c == "|" and command[i:i + 2] != "||" and (i == 0 or command[i - 1] != "|"):
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur.strip())
    return parts


def is_tool_segment(segment):
    words = segment.split()
    if words and words[0] == "not":
        words = words[1:]
    if not words:
        return False
    return words[0] in OUR_TOOLS or (words[0] == "mlir-opt" and "%moe_plugin" in segment)


def compared_command(command):
    """The pipeline up to the last command of ours, without `not`; None when
    the RUN line runs none."""
    parts = split_pipe(command)
    last = max((i for i, p in enumerate(parts) if is_tool_segment(p)), default=None)
    if last is None:
        return None
    kept = parts[:last + 1]
    kept[last] = re.sub(r"^not\s+", "", kept[last])
    return " | ".join(kept)


def substitute(command, test, scratch, build, src):
    tmp = os.path.join(scratch, "t")
    subst = {
        "%moe_plugin": os.path.join(build, "lib", "MoEPlugin.so"),
        "%moe_libs": os.path.join(build, "lib"),
        "%moe_obj": build,
        "%moe_src": src,
        "%python": sys.executable,
        "%cuda_toolkit": os.environ.get("CUDA_HOME", "/usr/local/cuda"),
        "%shlibext": ".so",
        "%s": test,
        "%S": os.path.dirname(test),
        "%p": os.path.dirname(test),
        "%t": tmp,
        "%T": scratch,
        "%%": "%",
    }
    pattern = re.compile("|".join(re.escape(k) for k in sorted(subst, key=len, reverse=True)))
    out = pattern.sub(lambda m: subst[m.group(0)], command)
    if re.search(r"%[{a-zA-Z_]", out):
        return None
    for tool in OUR_TOOLS:
        out = re.sub(r"(^|\|\s*)(not\s+)?" + tool + r"\b",
                     lambda m: m.group(1) + (m.group(2) or "") + os.path.join(build, "bin", tool), out)
    return out


def snapshot(scratch):
    """The regular files under `scratch` (a test may make a FIFO, which would
    block on open, or a link to /dev/zero)."""
    files = {}
    for root, _, names in os.walk(scratch):
        for name in names:
            p = os.path.join(root, name)
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            with open(p, "rb") as f:
                files[os.path.relpath(p, scratch)] = f.read()
    return files


def tool_env():
    return dict(os.environ, PATH=LLVM_TOOLS + os.pathsep + os.environ["PATH"])


def run_in_build(test, setup, command, build, src):
    """What `command` of `test` produces with the tools of `build`: exit code,
    stdout, stderr and each file it writes, scratch paths replaced; None when
    a substitution is unknown."""
    scratch = tempfile.mkdtemp(prefix="moe-compare-")
    try:
        for line in setup:
            line = substitute(line, test, scratch, build, src)
            if line is not None:
                subprocess.run(["bash", "-c", line], cwd=scratch, env=tool_env(),
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=600)
        line = substitute(command, test, scratch, build, src)
        if line is None:
            return None
        before = snapshot(scratch)
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=scratch,
                              env=tool_env(), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=600)

        def norm(data):
            # The scratch and build paths, and the compile times that a GPU
            # binary records.
            data = data.replace(scratch.encode(), b"%SCRATCH%")
            data = data.replace(build.encode(), b"%BUILD%")
            return re.sub(rb"(\w+TimeInMs = )\d+", rb"\1N", data)

        seen = {"exit code": str(proc.returncode).encode(),
                "stdout": norm(proc.stdout), "stderr": norm(proc.stderr)}
        for name, data in snapshot(scratch).items():
            if before.get(name) != data:
                seen["file " + name] = norm(data)
        return seen
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def differences(seen, builds):
    diffs = []
    for key in sorted(set(seen[0]) | set(seen[1])):
        a, b = seen[0].get(key), seen[1].get(key)
        if a == b:
            continue
        if a is None or b is None:
            diffs.append(f"{key}: written by one build only")
            continue
        diff = difflib.unified_diff(a.decode(errors="replace").splitlines(),
                                    b.decode(errors="replace").splitlines(),
                                    builds[0], builds[1], lineterm="", n=2)
        lines = [d if len(d) <= 200 else d[:200] + "..." for d in list(diff)[:40]]
        diffs.append(f"{key}:\n" + "\n".join(lines))
    return diffs


def run_file(test, builds, src):
    """[(command, differences)] for the compared commands of `test`, and the
    number of commands skipped."""
    commands = run_lines(test)
    results, skipped = [], 0
    for index, command in enumerate(commands):
        compared = compared_command(command)
        if compared is None:
            continue
        setup = [c for c in commands[:index]
                 if compared_command(c) is None and "FileCheck" not in c]
        seen = [run_in_build(test, setup, compared, build, src) for build in builds]
        if None in seen:
            skipped += 1
            continue
        results.append((command, differences(seen, builds)))
    return results, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_a")
    parser.add_argument("build_b")
    parser.add_argument("--src", default=os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..")))
    parser.add_argument("--tests", nargs="+", help="test files or directories "
                        "(default: " + ", ".join("test/" + d for d in DEFAULT_DIRS) + ")")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    builds = [os.path.abspath(args.build_a), os.path.abspath(args.build_b)]
    for build in builds:
        if not os.access(os.path.join(build, "bin", "moe-opt"), os.X_OK):
            sys.exit(f"error: no {build}/bin/moe-opt")
    roots = args.tests or [os.path.join(args.src, "test", d) for d in DEFAULT_DIRS]
    tests = []
    for root in roots:
        if os.path.isfile(root):
            tests.append(os.path.abspath(root))
            continue
        for dirpath, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "Inputs")
            tests += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(TEST_SUFFIXES)]

    compared = skipped = 0
    differing = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.j, 1)) as pool:
        for test, (results, nskipped) in zip(tests, pool.map(lambda t: run_file(t, builds, args.src), tests)):
            skipped += nskipped
            for command, diffs in results:
                compared += 1
                if diffs:
                    differing.append((test, command, diffs))
    for test, command, diffs in differing:
        print(f"DIFFERS: {os.path.relpath(test, args.src)}: RUN: {command}")
        for d in diffs:
            print("  " + d.replace("\n", "\n  "))
    print(f"{compared} commands from {len(tests)} test files compared, "
          f"{len(differing)} differ, {skipped} skipped")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
