#!/usr/bin/env python3
#===- spec_coverage.py - constraint labels: verifier, spec, tests ---------===#
#
# Every constraint label (`route_c2`) must appear in the verifiers
# (lib/Dialect/MoE/IR/MoEOps.cpp, MoEFusedOps.cpp), in docs/Spec.md, and as
# the name (or name prefix) of a test function in test/Dialect/MoE/
# invalid.mlir or invalid-fused.mlir, and vice versa. Also checks that each
# op's labels are numbered c1, c2, .. without a gap, that every test
# function of the negative tests is named after a label, and that a test's
# expected-error carries the label the test is named after.
#
# Usage: spec_coverage.py <source root>
#
#===----------------------------------------------------------------------===#

import re
import sys

LABEL = re.compile(r"\b([a-z][a-z_]*_c\d+)\b")


def labels_in(text):
    return set(LABEL.findall(text))


def split_label(label):
    prefix, _, number = label.rpartition("_c")
    return prefix, int(number)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: spec_coverage.py <source root>")
    root = sys.argv[1]
    paths = {
        "verifier": ["/lib/Dialect/MoE/IR/MoEOps.cpp",
                     "/lib/Dialect/MoE/IR/MoEFusedOps.cpp"],
        "spec": ["/docs/Spec.md"],
        "tests": ["/test/Dialect/MoE/invalid.mlir",
                  "/test/Dialect/MoE/invalid-fused.mlir"],
    }
    texts = {}
    for what, files in paths.items():
        texts[what] = []
        for path in files:
            try:
                with open(root + path, encoding="utf-8") as f:
                    texts[what].append((path.rsplit("/", 1)[1], f.read()))
            except OSError as e:
                sys.exit("error: cannot read %s: %s" % (root + path,
                                                       e.strerror))
    texts["verifier"] = "\n".join(text for _, text in texts["verifier"])
    texts["spec"] = "\n".join(text for _, text in texts["spec"])

    verifier = labels_in(texts["verifier"])
    spec = labels_in(texts["spec"])
    known = verifier | spec
    problems = []

    # Test functions and the label each is named after.
    tested = set()
    chunks = [(file, chunk) for file, text in texts["tests"]
              for chunk in text.split("// -----")]
    for file, chunk in chunks:
        for name in re.findall(r"func\.func @(\w+)", chunk):
            label = max((l for l in known
                         if name == l or name.startswith(l + "_")),
                        key=len, default=None)
            if label is None:
                problems.append("%s: @%s is not named after a "
                                "constraint label" % (file, name))
                continue
            tested.add(label)
            for message in re.findall(r"expected-error[^{]*\{\{(.*)\}\}",
                                      chunk):
                carried = labels_in(message)
                if carried and carried != {label}:
                    problems.append(
                        "%s: @%s expects %s, not %s" %
                        (file, name, ", ".join(sorted(carried)), label))

    for label in sorted(known | tested):
        missing = [what for what, have in (("the verifiers", verifier),
                                           ("docs/Spec.md", spec),
                                           ("the negative tests", tested))
                   if label not in have]
        if missing:
            problems.append("%s is missing from %s" %
                            (label, ", ".join(missing)))

    by_prefix = {}
    for label in known:
        prefix, number = split_label(label)
        by_prefix.setdefault(prefix, set()).add(number)
    for prefix, numbers in sorted(by_prefix.items()):
        gaps = sorted(set(range(1, max(numbers) + 1)) - numbers)
        if gaps:
            problems.append("%s: no %s" % (prefix, ", ".join(
                "%s_c%d" % (prefix, n) for n in gaps)))

    print("labels: %d (verifier %d, spec %d, tested %d)" %
          (len(known), len(verifier), len(spec), len(tested)))
    for p in problems:
        print("error: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
