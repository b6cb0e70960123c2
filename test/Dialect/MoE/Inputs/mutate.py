#!/usr/bin/env python3
#===- mutate.py - crash resistance of moe-opt on mutated IR ---------------===#
#
# Takes every function of the given .mlir files (optionally only those that
# use a given op), derives deterministic mutants from each (token deleted,
# adjacent tokens swapped, numbers replaced by edge values, text truncated,
# a line duplicated, an attribute keyword renamed), and runs moe-opt on them:
# plain, with --moe-decompose, and, for mutants that verify, with
# --moe-decompose --moe-to-linalg.
#
# A mutant fails when moe-opt dies by a signal, runs past the time limit,
# exits with a code other than 0 or 1, or exits 1 without an `error:` line.
# A mutant that verifies must also decompose (moe-decompose turns a valid
# moe.layer into valid IR); lowering errors are only counted.
#
# Mutants run in batches through --split-input-file (one process per batch);
# a batch that ends abnormally is bisected down to the mutants that do, which
# are then confirmed one process each. Exit status 1 lists every failure.
#
#===----------------------------------------------------------------------===#

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SEPARATOR = "// -----"

# Replacements for every number: zero, the two signs of one, a value past
# int64, INT64_MIN and a value past double.
NUMBER_EDGES = ["0", "-1", "1", "99999999999999999999", "-9223372036854775808",
                "1e309"]

# Attribute and operand keywords of the moe syntax; each is renamed to a
# misspelling and to the next keyword of the list.
KEYWORDS = [
    "k", "scoring", "normalize", "scaling", "num_groups", "topk_groups",
    "group_score", "capacity", "capacity_factor", "experts", "drop",
    "activation", "routing", "ranks", "offsets", "tokens", "weights", "into",
    "bias", "router", "w1", "w2", "w3", "shared_w1", "shared_w2", "shared_w3",
    "shared_gate", "softmax", "sigmoid", "top2sum", "max", "position", "score",
    "none", "silu", "gelu_tanh", "gelu_erf", "relu", "true", "false",
]

TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<arrow>->)
  | (?P<number>0x[0-9A-Fa-f]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[%@#^!]?[A-Za-z_$][\w$.]*(?:\#\d+)?|%\d+(?:\#\d+)?)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)

# Numbers inside shapes (the 8 of 16x8xf32) and free-standing ones; not the
# digits of names (%arg0, f32, w1).
NUMBER_RE = re.compile(
    r"(?:(?<=[\d?]x)|(?<![\w%@#$.?-]))\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def functions(path, must_contain=None):
    """The top-level func.func texts of `path` (comments dropped)."""
    text = open(path, encoding="utf-8").read()
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("//")]
    funcs, current = [], None
    for line in lines:
        if line.startswith("func.func"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.startswith("}"):
                funcs.append("\n".join(current) + "\n")
                current = None
    if must_contain:
        funcs = [f for f in funcs if must_contain in f]
    return funcs


def tokens(text):
    return [m.group(0) for m in TOKEN_RE.finditer(text)]


def mutants(func):
    """Deterministic mutants of one function text, as (kind, text)."""
    toks = tokens(func)
    solid = [i for i, t in enumerate(toks) if not t.isspace()]
    out = []
    for i in solid:
        out.append(("delete", "".join(toks[:i] + toks[i + 1:])))
    for a, b in zip(solid, solid[1:]):
        swapped = list(toks)
        swapped[a], swapped[b] = toks[b], toks[a]
        out.append(("swap", "".join(swapped)))
    for m in NUMBER_RE.finditer(func):
        for edge in NUMBER_EDGES:
            if edge != m.group(0):
                out.append(("number",
                            func[:m.start()] + edge + func[m.end():]))
    # Every occurrence of one number replaced at once: shapes stay consistent,
    # so these mutants often verify and reach the passes with edge sizes.
    by_value = {}
    for m in NUMBER_RE.finditer(func):
        by_value.setdefault(m.group(0), []).append(m)
    for value, matches in by_value.items():
        for edge in NUMBER_EDGES + ["?", "2147483648"]:
            if edge == value:
                continue
            text, last = [], 0
            for m in matches:
                text.append(func[last:m.start()] + edge)
                last = m.end()
            out.append(("number-everywhere", "".join(text) + func[last:]))
    # Truncation at 24 points spread over the text, each at a token boundary.
    bounds, pos = [], 0
    for t in toks:
        pos += len(t)
        bounds.append(pos)
    for j in range(1, 25):
        cut = bounds[min(len(bounds) - 1, j * len(bounds) // 25)]
        out.append(("truncate", func[:cut]))
    lines = func.splitlines(keepends=True)
    for i in range(len(lines)):
        out.append(("duplicate-line", "".join(lines[:i + 1] + lines[i:])))
    for i, t in enumerate(toks):
        if t in KEYWORDS:
            for other in (t + "_x", KEYWORDS[(KEYWORDS.index(t) + 1) %
                                             len(KEYWORDS)]):
                renamed = list(toks)
                renamed[i] = other
                out.append(("rename", "".join(renamed)))
    return out


def stable_key(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Runner:
    def __init__(self, moe_opt, timeout, workdir):
        self.moe_opt = moe_opt
        self.timeout = timeout
        self.workdir = workdir
        self.counter = 0

    def _write(self, texts):
        self.counter += 1
        path = os.path.join(self.workdir, "batch%d.mlir" % self.counter)
        with open(path, "w", encoding="utf-8") as f:
            f.write(("\n" + SEPARATOR + "\n").join(texts))
        return path

    def run(self, texts, args, split):
        """Runs moe-opt on `texts`; returns (status, stdout, stderr) with
        status an int exit code, 'timeout', or 'signal N'."""
        path = self._write(texts)
        cmd = [self.moe_opt, path] + args
        if split:
            cmd.append("--split-input-file")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  errors="replace", timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return "timeout", "", ""
        finally:
            os.unlink(path)
        if proc.returncode < 0:
            return "signal %s" % signal.Signals(-proc.returncode).name, \
                proc.stdout, proc.stderr
        return proc.returncode, proc.stdout, proc.stderr


def abnormal(status):
    return status not in (0, 1)


def single_outcome(runner, text, args):
    """The outcome of one mutant in its own process: 'ok', 'error', or a
    failure description."""
    status, _, err = runner.run([text], args, split=False)
    if abnormal(status):
        return "died: %s" % status
    if status == 1:
        return "error" if "error:" in err else "exit 1 without an error: line"
    return "ok"


def batch_outcomes(runner, texts, args):
    """Outcome of every text, as in single_outcome, from as few processes as
    possible."""
    status, out, err = runner.run(texts, args, split=True)
    if abnormal(status):
        if len(texts) == 1:
            return [single_outcome(runner, texts[0], args)]
        half = len(texts) // 2
        return (batch_outcomes(runner, texts[:half], args) +
                batch_outcomes(runner, texts[half:], args))
    sections = out.split(SEPARATOR + "\n")
    if len(sections) != len(texts):
        # Cannot attribute the output; fall back to one process each.
        return [single_outcome(runner, t, args) for t in texts]
    # Line ranges of the chunks in the batch file, to attribute diagnostics.
    starts, line = [], 1
    for t in texts:
        starts.append(line)
        line += t.count("\n") + 2
    error_lines = [int(m.group(1)) for m in
                   re.finditer(r"batch\d+\.mlir:(\d+):\d+: error:", err)]
    outcomes = []
    for i, (t, section) in enumerate(zip(texts, sections)):
        if section.strip():
            outcomes.append("ok")
            continue
        end = starts[i + 1] if i + 1 < len(texts) else float("inf")
        if any(starts[i] <= l < end for l in error_lines):
            outcomes.append("error")
        else:
            outcomes.append(single_outcome(runner, t, args))
    return outcomes


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moe-opt", default=os.environ.get("MOE_OPT"))
    parser.add_argument("--input", action="append", default=[],
                        help="PATH or PATH:OP (only functions using OP)")
    parser.add_argument("--max-mutants", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()

    moe_opt = opts.moe_opt or shutil.which("moe-opt")
    if not moe_opt:
        sys.exit("error: moe-opt not found (pass --moe-opt or set MOE_OPT)")

    funcs = []
    for spec in opts.input:
        path, _, op = spec.partition(":")
        if not os.path.exists(path):
            sys.exit("error: no such input: %s" % path)
        found = functions(path, op or None)
        if not found:
            sys.exit("error: no functions in %s" % spec)
        funcs.extend(found)

    unique = {}
    for func in funcs:
        for kind, text in mutants(func):
            unique.setdefault(text, kind)
    originals = set(funcs)
    candidates = [t for t in unique if t not in originals]
    generated = len(candidates)
    # Deterministic sample: every number-everywhere mutant (they are the ones
    # that reach the passes), then the others with the smallest hashes.
    candidates.sort(key=lambda t: (unique[t] != "number-everywhere",
                                   stable_key(t)))
    candidates = candidates[:opts.max_mutants]
    print("functions: %d, mutants generated: %d, run: %d" %
          (len(funcs), generated, len(candidates)))

    modes = {
        "plain": [],
        "decompose": ["--moe-decompose"],
        "lower": ["--moe-decompose", "--moe-to-linalg"],
    }
    failures = []
    with tempfile.TemporaryDirectory() as workdir, \
            concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
        runner = Runner(moe_opt, opts.timeout, workdir)

        def run_mode(texts, args):
            batches = [texts[i:i + opts.batch]
                       for i in range(0, len(texts), opts.batch)]
            results = pool.map(lambda b: batch_outcomes(runner, b, args),
                               batches)
            return [o for r in results for o in r]

        plain = run_mode(candidates, modes["plain"])
        decomposed = run_mode(candidates, modes["decompose"])
        valid = [t for t, o in zip(candidates, plain) if o == "ok"]
        lowered = run_mode(valid, modes["lower"])

        for mode, texts, outcomes in (("plain", candidates, plain),
                                      ("decompose", candidates, decomposed),
                                      ("lower", valid, lowered)):
            for text, outcome in zip(texts, outcomes):
                if outcome not in ("ok", "error"):
                    failures.append((mode, outcome, unique[text], text))
        for text, p, d in zip(candidates, plain, decomposed):
            if p == "ok" and d == "error":
                failures.append(("decompose", "valid input rejected",
                                 unique[text], text))

    print("verified: %d, rejected: %d, lowering errors: %d" %
          (len(valid), len(candidates) - len(valid),
           sum(o == "error" for o in lowered)))
    if not failures:
        print("failures: 0")
        return 0
    print("failures: %d" % len(failures))
    for mode, outcome, kind, text in failures:
        print("=" * 72)
        print("[%s] %s (mutation: %s)" % (mode, outcome, kind))
        print(text)
    return 1


if __name__ == "__main__":
    sys.exit(main())
