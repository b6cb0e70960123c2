#!/usr/bin/env python3
#===- moe-badinput.py - run the tools on generated bad inputs -------------===#
#
# Usage:
#   moe-badinput.py [--bin DIR] [--work DIR] [--quick] [--only PATTERN]
#                   [--timeout SECONDS] [--jobs N] [--list]
#
# Generates invalid (and a few valid) inputs for moe-import, moe-run and
# moe-opt -- config.json files, .safetensors checkpoints, .npy inputs,
# routing profiles, MLIR modules, special files and option values -- runs
# the tool on each and sorts every outcome:
#
#   ok        as expected: exit 1 with one `error:` line for an invalid
#             input, exit 0 for a valid one
#   crash     killed by a signal, an exit code other than 0 and 1, or LLVM's
#             fatal error / stack dump / sanitizer text
#   hang      still running after --timeout seconds
#   accepted  exit 0 on an input that the formats or options forbid
#   rejected  exit 1 on an input that is valid
#   messy     exit 1 without exactly one `error:` line (or with lines that
#             are not part of that one message)
#
# Prints one line per case that is not ok, the counts per outcome and per
# group, and exits 1 when any case is not ok. --quick runs every group on a
# deterministic sample (about a sixth of the cases) for the lit suite.
# docs/Hardening.md describes the groups.
#
#===----------------------------------------------------------------------===#

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASE_PY = os.path.join(ROOT, "test", "Integration", "Inputs", "moe_case.py")

CRASH_MARKERS = ("LLVM ERROR", "Stack dump", "PLEASE submit a bug report",
                 "Assertion", "Segmentation fault", "terminate called",
                 "AddressSanitizer", "UndefinedBehaviorSanitizer",
                 "runtime error:", "Traceback (most recent call last)")

LOCATED = re.compile(r"^\S.*:\d+:\d+: (error|remark|note): ")

# Values put in place of a field: (label, value).
BAD_VALUES = [
    ("null", None), ("string", "8"), ("negative", -3), ("zero", 0),
    ("fraction", 2.5), ("int2^63", 2**63), ("int10^30", 10**30),
    ("list", [1, 2]), ("object", {"a": 1}), ("true", True),
    ("long-string", "x" * 100000), ("control-string", "a\x00b\x1b[2J\n"),
]


class Case:
    """One run of one tool: `expect` is 'reject', 'accept' or 'any' (no
    crash, hang or messy message; exit 0 or 1 both fine)."""

    def __init__(self, group, name, argv, expect):
        self.group, self.name, self.argv, self.expect = group, name, argv, expect


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def deep_json(levels, inner="1"):
    return "[" * levels + inner + "]" * levels


#===----------------------------------------------------------------------===#
# Fixtures: one valid Mixtral-style model at toy sizes
#===----------------------------------------------------------------------===#


class Fixture:
    def __init__(self, work, bins):
        self.work, self.bins = work, bins
        self.model = os.path.join(work, "model")
        subprocess.run([sys.executable, CASE_PY, "hf", self.model,
                        "--family", "mixtral", "--tokens", "8",
                        "--experts", "4", "--k", "2"],
                       check=True, stdout=subprocess.DEVNULL)
        self.config = os.path.join(self.model, "config.json")
        self.shards = [os.path.join(self.model, s) for s in
                       ("model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors")]
        self.x = os.path.join(self.model, "x.npy")
        self.layer = os.path.join(work, "layer.mlir")
        subprocess.run([self.tool("moe-import"), self.config, "--layer", "1",
                        "-o", self.layer], check=True)
        self.config_json = json.load(open(self.config))
        self.profile = write(os.path.join(work, "profile.json"),
                             json.dumps({"experts": 8, "histogram":
                                         [40, 20, 10, 10, 5, 5, 5, 5]}))
        self.mixtral = os.path.join(ROOT, "test", "Examples", "mixtral.mlir")
        # Hand-written layers with every routing feature: capacity, groups,
        # selection bias, scaling, a shared expert; and expert choice.
        self.layers = {"imported": self.layer}
        for name, opts in [
                ("grouped", ["--experts", "4", "--k", "2", "--capacity-factor",
                             "1.25", "--drop-policy", "score", "--groups", "2",
                             "--topk-groups", "1", "--bias", "--shared",
                             "gated", "--scoring", "sigmoid", "--scaling",
                             "2.5"]),
                ("expert-choice", ["--experts", "4", "--routing",
                                   "expert_choice", "--capacity", "3"])]:
            out = os.path.join(work, name)
            subprocess.run([sys.executable, CASE_PY, "layer", out, "--hidden",
                            "16", "--inter", "24", *opts], check=True,
                           stdout=subprocess.DEVNULL)
            self.layers[name] = os.path.join(out, "layer.mlir")
        self.counter = 0

    def tool(self, name):
        return os.path.join(self.bins, name)

    def path(self, suffix):
        self.counter += 1
        return os.path.join(self.work, "case%05d%s" % (self.counter, suffix))

    def run_layer(self, weights=None, inputs=None, extra=()):
        weights = self.shards if weights is None else weights
        inputs = [self.x] if inputs is None else inputs
        return [self.tool("moe-run"), self.layer, "--layer", "1",
                "--weights", ",".join(weights), "--input", ",".join(inputs),
                *extra]


#===----------------------------------------------------------------------===#
# config.json
#===----------------------------------------------------------------------===#

# Fields that size the layer or pick its computation: a wrong value there
# must be refused.
CONFIG_REQUIRED = ("model_type", "hidden_size", "num_hidden_layers",
                   "num_local_experts", "num_experts_per_tok",
                   "intermediate_size")


def config_cases(fx):
    group = "config"
    base = fx.config_json

    def case(name, text, expect, layer="1"):
        path = write(fx.path(".json"), text)
        return Case(group, name, [fx.tool("moe-import"), path, "--layer",
                                  layer, "-o", os.devnull], expect)

    yield case("valid", json.dumps(base), "accept")
    for key in base:
        removed = dict(base)
        del removed[key]
        yield case("drop " + key, json.dumps(removed),
                   "reject" if key in CONFIG_REQUIRED else "any")
        for label, value in BAD_VALUES:
            changed = dict(base)
            changed[key] = value
            expect = "any"
            if key in CONFIG_REQUIRED or key == "hidden_act":
                expect = "reject"
            if key == "model_type" and value == "mixtral":
                expect = "accept"
            yield case("%s=%s" % (key, label), json.dumps(changed), expect)
    text = json.dumps(base)
    for label, bad in [
            ("empty", ""), ("null", "null"), ("array", "[]"),
            ("number", "7"), ("unterminated", text[:-1]),
            ("trailing-garbage", text + "x"), ("two-objects", text + text),
            ("nan", text[:-1] + ', "x": NaN}'),
            ("single-quotes", text.replace('"', "'")),
            ("deep-array-50000", deep_json(50000)),
            ("deep-object-50000", '{"a":' * 50000 + "1" + "}" * 50000),
            ("deep-field", text[:-1] + ', "x": ' + deep_json(20000) + "}"),
            ("duplicate-key", text[:-1] + ', "hidden_size": 64}'),
            ("utf8-invalid", text[:-1].encode() + b', "x": "\xff\xfe"}'),
            ("nul-bytes", b"\x00" * 64),
            ("random-bytes", bytes((i * 37 + 11) % 256 for i in range(4096))),
            ("huge-int-field", text[:-1] + ', "hidden_size": '
             + "9" * 400 + "}"),
    ]:
        yield case(label, bad, "reject")
    # An infinite float in a field the layer does not read.
    yield case("huge-float", text.replace('"rope_theta": 10000.0',
                                          '"rope_theta": 1e999'), "any")
    for label, layer in [("layer-past-end", "4"), ("layer-dense", "0")]:
        yield case(label, text, "reject" if label == "layer-past-end"
                   else "any", layer)


#===----------------------------------------------------------------------===#
# .safetensors
#===----------------------------------------------------------------------===#


def split_safetensors(data):
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def join_safetensors(header, body, raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(
        header, separators=(",", ":")).encode()
    if isinstance(text, str):
        text = text.encode()
    return struct.pack("<Q", len(text)) + text + body


def safetensors_cases(fx):
    group = "safetensors"
    data = open(fx.shards[0], "rb").read()
    header, body = split_safetensors(data)
    names = [k for k in header if k != "__metadata__"]
    by_offset = sorted(names, key=lambda k: header[k]["data_offsets"][0])
    first, second, last = by_offset[0], by_offset[1], by_offset[-1]

    def case(name, blob, expect="reject"):
        path = write(fx.path(".safetensors"), blob)
        return Case(group, name, fx.run_layer([path, fx.shards[1]]), expect)

    def mutated(name, fn, expect="reject"):
        h = json.loads(json.dumps(header))
        b = fn(h)
        return case(name, join_safetensors(h, body if b is None else b),
                    expect)

    yield case("valid", data, "accept")
    yield case("valid-reencoded", join_safetensors(header, body), "accept")
    yield case("valid-space-padding",
               join_safetensors(None, body, json.dumps(header) + "        "),
               "accept")
    for cut in sorted({0, 1, 7, 8, 9, 20, len(data) // 2, len(data) - 1}):
        yield case("truncated-at-%d" % cut, data[:cut])
    n = struct.unpack("<Q", data[:8])[0]
    for label, value in [("zero", 0), ("minus-one", n - 1), ("plus-one", n + 1),
                         ("huge", 2**63), ("max", 2**64 - 1)]:
        yield case("header-length-" + label, struct.pack("<Q", value) + data[8:])
    yield case("extra-byte-after-data", data + b"\x00")
    yield case("extra-tensor-bytes", data + b"\x00" * 4)

    def overlap(h):
        h[second]["data_offsets"] = [h[second]["data_offsets"][0] - 4,
                                     h[second]["data_offsets"][1] - 4]
    yield mutated("overlapping-offsets", overlap)

    def alias(h):
        h[second]["data_offsets"] = list(h[first]["data_offsets"])
        h[second]["shape"] = list(h[first]["shape"])
    yield mutated("aliased-offsets", alias)

    def hole(h):
        for k in by_offset[1:]:
            h[k]["data_offsets"] = [v + 4 for v in h[k]["data_offsets"]]
        return body[:h[first]["data_offsets"][1]] + b"\x00" * 4 + \
            body[h[first]["data_offsets"][1]:]
    yield mutated("hole-between-tensors", hole)

    def swapped(h):
        h[first]["data_offsets"] = h[first]["data_offsets"][::-1]
    yield mutated("reversed-offsets", swapped)
    dup_text = json.dumps(header, separators=(",", ":"))
    entry = json.dumps({last: header[last]}, separators=(",", ":"))[1:-1]
    yield case("duplicate-name", join_safetensors(
        None, body, dup_text[:-1] + "," + entry + "}"))
    for label, value in [("float", 2.0), ("string", "2"), ("negative", -1),
                         ("huge", 2**64), ("null", None), ("bool", True)]:
        def shape(h, value=value):
            h[first]["shape"][0] = value
        yield mutated("shape-" + label, shape)

        def offset(h, value=value):
            h[first]["data_offsets"][1] = value
        yield mutated("offset-" + label, offset)
    # `first` is the embedding, which the layer does not read: I32 of the
    # same size is a valid file.
    for label, dtype in [("unknown", "F99"), ("lowercase", "f32"),
                         ("f64", "F64"), ("i32", "I32"), ("empty", ""),
                         ("number", 4)]:
        def dt(h, dtype=dtype):
            h[first]["dtype"] = dtype
        yield mutated("dtype-" + label, dt, "any" if dtype == "I32"
                      else "reject")

    def used_i32(h):
        used = [k for k in by_offset if ".gate." in k][0]
        h[used]["dtype"] = "I32"
    yield mutated("dtype-i32-used-weight", used_i32)

    def unused_unknown(h):
        h["zz.unused"] = {"dtype": "Q7", "shape": [0],
                          "data_offsets": [len(body), len(body)]}
    yield mutated("unused-unknown-dtype", unused_unknown)

    def unused_overflow(h):
        h["zz.unused"] = {"dtype": "F32", "shape": [2**40, 2**40],
                          "data_offsets": [len(body), len(body)]}
    yield mutated("unused-overflowing-shape", unused_overflow)

    def zero_size(h):
        h["zz.empty"] = {"dtype": "F32", "shape": [0, 3],
                         "data_offsets": [len(body), len(body)]}
    yield mutated("zero-size-extra-tensor", zero_size, "accept")
    # The reference reader takes a null __metadata__ as none.
    for label, meta in [("number", {"format": 1}), ("list", ["pt"]),
                        ("null", None), ("nested", {"a": {"b": "c"}}),
                        ("deep", json.loads(deep_json(100)))]:
        def md(h, meta=meta):
            h["__metadata__"] = meta
        yield mutated("metadata-" + label, md,
                      "any" if meta is None else "reject")
    for label, raw in [
            ("not-object", b"[1,2,3]"), ("empty-header", b""),
            ("leading-space", b" " + json.dumps(header).encode()),
            ("invalid-json", b"{\"a\":"), ("utf8-invalid", b"{\"\xff\":1}"),
            ("deep-50000", deep_json(50000).encode()),
            ("deep-metadata", b'{"__metadata__":' + b'{"a":' * 50000 +
             b'"b"' + b"}" * 50001)]:
        yield case("header-" + label, join_safetensors(None, body, raw))
    for label, bad in [("entry-not-object", 5), ("entry-no-dtype", {
            "shape": [1], "data_offsets": [0, 4]}),
            ("entry-extra-key", None)]:
        def ent(h, bad=bad):
            if bad is None:
                h[first]["extra"] = 1
            else:
                h[first] = bad
        yield mutated(label, ent, "any" if bad is None else "reject")


#===----------------------------------------------------------------------===#
# .npy
#===----------------------------------------------------------------------===#


def npy_bytes(header, data, version=(1, 0), pad=True):
    text = header
    if pad:
        total = 10 + len(text) + 1
        text += " " * ((64 - total % 64) % 64)
    text += "\n"
    if version[0] == 1:
        length = struct.pack("<H", len(text))
    else:
        length = struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text.encode("latin1") + data


def npy_cases(fx):
    group = "npy"
    good = open(fx.x, "rb").read()
    hlen = struct.unpack("<H", good[8:10])[0]
    header = good[10:10 + hlen].decode("latin1").rstrip()
    data = good[10 + hlen:]

    def case(name, blob, expect="reject"):
        path = write(fx.path(".npy"), blob)
        return Case(group, name, fx.run_layer(inputs=[path]), expect)

    yield case("valid", good, "accept")
    yield case("valid-v2", npy_bytes(header, data, (2, 0)), "accept")
    yield case("valid-v3", npy_bytes(header, data, (3, 0)), "accept")
    for cut in sorted({0, 5, 8, 9, 10, 20, 10 + hlen, len(good) - 1}):
        yield case("truncated-at-%d" % cut, good[:cut])
    yield case("extra-data", good + b"\x00" * 4)
    yield case("bad-magic", b"\x93NUMPZ" + good[6:])
    for v in [(0, 0), (4, 0), (1, 9), (255, 255)]:
        yield case("version-%d.%d" % v, good[:6] + bytes(v) + good[8:],
                   "reject" if v[0] not in (1, 2, 3) else "any")
    yield case("header-length-huge", good[:8] + b"\xff\xff" + good[10:])
    yield case("header-length-zero", good[:8] + b"\x00\x00" + good[10:])
    for label, text in [
            ("junk-after-dict", header + " junk"),
            ("junk-after-dict-2", header + "}"),
            ("missing-shape", "{'descr': '<f4', 'fortran_order': False, }"),
            ("missing-descr", "{'fortran_order': False, 'shape': (8, 32), }"),
            ("extra-key", header[:-1] + "'x': 1, }"),
            ("duplicate-key", header[:-1] + "'shape': (8, 32), }"),
            ("shape-negative", header.replace("(8, 32)", "(-8, 32)")),
            ("shape-float", header.replace("(8, 32)", "(8.0, 32)")),
            ("shape-huge", header.replace("(8, 32)",
                                          "(99999999999999999999, 32)")),
            ("shape-overflow", header.replace("(8, 32)",
                                              "(4294967296, 4294967296)")),
            ("shape-rank1", header.replace("(8, 32)", "(256,)")),
            ("shape-wrong", header.replace("(8, 32)", "(4, 64)")),
            ("descr-f8", header.replace("<f4", "<f8")),
            ("descr-big-endian", header.replace("<f4", ">f4")),
            ("descr-unknown", header.replace("<f4", "<q9")),
            ("descr-object", header.replace("'<f4'", "'|O'")),
            ("fortran-true", header.replace("False", "True")),
            ("fortran-string", header.replace("False", "'no'")),
            ("not-a-dict", "[1, 2, 3]"),
            ("deep", "{'descr': " + deep_json(20000) + "}"),
            ("long-descr", header.replace("<f4", "x" * 60000)),
            ("control-bytes", header.replace("<f4", "<f\x00\x1b")),
            ("unterminated-string", "{'descr': '<f4, 'fortran_order': "
             "False, 'shape': (8, 32), }")]:
        expect = "reject"
        if label in ("extra-key", "fortran-true", "descr-f8",
                     "descr-big-endian"):
            expect = "any"
        yield case(label, npy_bytes(text, data), expect)
    # numpy reads a header that does not end in a newline.
    yield case("no-newline", npy_bytes(header, data, pad=False)[:-len(data) - 1]
               + b" " + data, "any")


#===----------------------------------------------------------------------===#
# Routing profiles
#===----------------------------------------------------------------------===#


def profile_cases(fx):
    group = "profile"

    def case(name, text, expect="reject"):
        path = write(fx.path(".json"), text)
        return Case(group, name, [
            fx.tool("moe-opt"), fx.mixtral, "--moe-decompose",
            "--moe-capacity-plan=tokens=16 profile=" + path,
            "--mlir-print-op-on-diagnostic=false", "-o", os.devnull], expect)

    base = {"experts": 8, "histogram": [40, 20, 10, 10, 5, 5, 5, 5]}
    yield case("valid", json.dumps(base), "accept")
    yield case("valid-batches", json.dumps(
        {"experts": 8, "histogram": [[1] * 8, [2] * 8]}), "accept")
    for key in ("experts", "histogram"):
        for label, value in BAD_VALUES:
            changed = dict(base)
            changed[key] = value
            yield case("%s=%s" % (key, label), json.dumps(changed))
        removed = dict(base)
        del removed[key]
        yield case("drop " + key, json.dumps(removed))
    for label, hist in [("all-zero", [0] * 8), ("short", [1] * 7),
                        ("long", [1] * 9), ("negative", [1] * 7 + [-1]),
                        ("fraction", [1] * 7 + [0.5]),
                        ("huge", [1] * 7 + [10**30]),
                        ("int2^63", [1] * 7 + [2**63]),
                        ("ragged", [[1] * 8, [1] * 7]), ("empty", []),
                        ("empty-batch", [[]]), ("string", ["1"] * 8)]:
        yield case("histogram-" + label, json.dumps(
            {"experts": 8, "histogram": hist}))
    for label, text in [("empty", ""), ("deep", deep_json(50000)),
                        ("deep-histogram", '{"experts": 8, "histogram": '
                         + deep_json(50000) + "}"),
                        ("duplicate", '{"experts": 8, "experts": 8, '
                         '"histogram": [1,1,1,1,1,1,1,1]}'),
                        ("trailing", json.dumps(base) + "]")]:
        yield case(label, text)


#===----------------------------------------------------------------------===#
# Modules, special files and options
#===----------------------------------------------------------------------===#


def module_cases(fx):
    group = "module"
    text = open(fx.layer).read()

    def run(path, expect="reject"):
        return [fx.tool("moe-run"), path, "--random-inputs", "1",
                "--tokens", "4"], expect

    for cut in range(1, len(text), max(1, len(text) // 24)):
        path = write(fx.path(".mlir"), text[:cut])
        argv, expect = run(path)
        yield Case(group, "truncated-at-%d" % cut, argv, expect)
    for label, body in [
            ("empty", ""), ("garbage", "\x00\x01\x02garbage"),
            ("no-function", "module {}"),
            ("wrong-shape", text.replace("tensor<4x32xf32>",
                                         "tensor<4x31xf32>", 1)),
            ("k-zero", text.replace("k = 2", "k = 0")),
            ("k-past-e", text.replace("k = 2", "k = 9")),
            ("utf8-invalid", "\xff\xfe" + text)]:
        path = write(fx.path(".mlir"), body)
        argv, expect = run(path)
        yield Case(group, label, argv, expect)
        yield Case(group, label + " (moe-opt)",
                   [fx.tool("moe-opt"), path, "--moe-decompose",
                    "-o", os.devnull],
                   "any" if label in ("empty", "no-function") else "reject")


# Textual mutations of a layer module: (label, pattern, replacement). Some
# give valid IR, so the outcome is only checked for crashes, hangs and
# messages of several lines.
IR_MUTATIONS = [
    ("k=%s" % v, r"k = \d+", "k = " + v)
    for v in ("0", "-1", "3", "4", "5", "100", "1099511627776")
] + [
    ("capacity=%s" % v, r"capacity = \d+", "capacity = " + v)
    for v in ("0", "-2", "4", "1000", "4294967296")
] + [
    ("capacity_factor=%s" % v, r"capacity_factor [0-9.e+]+",
     "capacity_factor " + v)
    for v in ("0.0", "-1.0", "1.0e-30", "1.0e+300", "0x7FF8000000000000",
              "0x7FF0000000000000")
] + [
    ("scaling=%s" % v, r"scaling = [0-9.e+]+", "scaling = " + v)
    for v in ("0.0", "-2.5", "1.0e+300", "0x7FF8000000000000")
] + [
    ("groups=%s/%s" % g, r"num_groups = \d+, topk_groups = \d+",
     "num_groups = %s, topk_groups = %s" % g)
    for g in (("0", "0"), ("3", "1"), ("2", "3"), ("4", "4"), ("-1", "1"),
              ("2", "0"), ("4", "1"))
] + [
    ("scoring=sigmoid", r"scoring = softmax", "scoring = sigmoid"),
    ("scoring=bogus", r"scoring = \w+", "scoring = bogus"),
    ("normalize=false", r"normalize = true", "normalize = false"),
    ("group_score=max", r"group_score = top2sum", "group_score = max"),
    ("activation=relu", r"activation silu", "activation relu"),
    ("activation=bogus", r"activation silu", "activation bogus"),
    ("drop=position", r"drop score", "drop position"),
    ("drop=bogus", r"drop score", "drop bogus"),
    ("hidden-31", r"x32xf32>", "x31xf32>"),
    ("hidden-0", r"x16xf32>", "x0xf32>"),
    ("experts-5", r"tensor<4x", "tensor<5x"),
    ("experts-0", r"tensor<4x", "tensor<0x"),
    ("inner-0", r"x24x", "x0x"),
    ("tokens-static-0", r"tensor<\?x", "tensor<0x"),
    ("tokens-static-7", r"tensor<\?x", "tensor<7x"),
    ("weights-bf16", r"x(24|48)x(16|32)xf32>", r"x\1x\2xbf16>"),
    ("weights-f64", r"x(24|48)x(16|32)xf32>", r"x\1x\2xf64>"),
    ("weights-i32", r"x(24|48)x(16|32)xf32>", r"x\1x\2xi32>"),
    ("tokens-f16", r"%x: tensor<\?x(\d+)xf32>", r"%x: tensor<?x\1xf16>"),
    ("rank-3-x", r"%x: tensor<\?x", "%x: tensor<2x?x"),
    ("no-w3", r" w3\(%w3 : tensor<[^)]*>\)", ""),
    ("no-router", r"router\(%router : tensor<[^)]*>\) ", ""),
    ("bias-short", r"bias\(%bias : tensor<4xf32>\)",
     "bias(%bias : tensor<3xf32>)"),
]


def ir_cases(fx):
    group = "ir"
    for base, path in fx.layers.items():
        text = open(path).read()
        for label, pattern, replacement in IR_MUTATIONS:
            changed = re.sub(pattern, replacement, text)
            if changed == text:
                continue
            module = write(fx.path(".mlir"), changed)
            name = "%s %s" % (base, label)
            yield Case(group, name + " (moe-optimize)", [
                fx.tool("moe-opt"), module, "--moe-optimize=tokens=8",
                "-o", os.devnull], "any")
            yield Case(group, name + " (moe-shard)", [
                fx.tool("moe-opt"), module, "--moe-shard=ranks=2",
                "-o", os.devnull], "any")
            yield Case(group, name + " (moe-run)", [
                fx.tool("moe-run"), module, "--random-inputs", "1",
                "--tokens", "5"], "any")


def special_file_cases(fx):
    group = "special"
    fifo = os.path.join(fx.work, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    directory = os.path.join(fx.work, "a-directory")
    os.makedirs(directory, exist_ok=True)
    specials = ["/dev/zero", "/dev/null", "/dev/urandom", fifo, directory,
                os.path.join(fx.work, "absent")]
    for s in specials:
        label = os.path.basename(s)
        yield Case(group, "moe-import config " + label,
                   [fx.tool("moe-import"), s, "--layer", "1"], "reject")
        yield Case(group, "moe-run module " + label,
                   [fx.tool("moe-run"), s, "--random-inputs", "1"], "reject")
        yield Case(group, "moe-opt module " + label,
                   [fx.tool("moe-opt"), s, "-o", os.devnull],
                   "any" if s == "/dev/null" else "reject")
        yield Case(group, "moe-run --weights " + label,
                   fx.run_layer([s]), "reject")
        yield Case(group, "moe-run --input " + label,
                   fx.run_layer(inputs=[s]), "reject")
        yield Case(group, "profile " + label,
                   [fx.tool("moe-opt"), fx.mixtral, "--moe-decompose",
                    "--moe-capacity-plan=tokens=16 profile=" + s,
                    "--mlir-print-op-on-diagnostic=false", "-o", os.devnull],
                   "reject")


#===----------------------------------------------------------------------===#
# Model directories
#===----------------------------------------------------------------------===#


def model_dir_cases(fx):
    group = "modeldir"
    index = json.load(open(os.path.join(fx.model,
                                        "model.safetensors.index.json")))
    wmap = index["weight_map"]
    shard_names = [os.path.basename(s) for s in fx.shards]
    needed = sorted(n for n in wmap if ".layers.1." in n)

    def model_dir(files):
        """A directory holding `files`: name -> bytes, text, or a path to
        copy; None makes a subdirectory of that name."""
        d = fx.path("")
        os.makedirs(d)
        for name, data in files.items():
            path = os.path.join(d, name)
            if data is None:
                os.makedirs(path)
            elif isinstance(data, str) and os.path.isabs(data):
                shutil.copy(data, path)
            else:
                write(path, data)
        return d

    shards = dict(zip(shard_names, fx.shards))

    def run(name, files, expect, extra=()):
        d = model_dir(files)
        return Case(group, name, fx.run_layer([d, *extra]), expect)

    def with_index(name, text, expect="reject", shard_files=None):
        files = dict(shards if shard_files is None else shard_files)
        files["model.safetensors.index.json"] = text
        return run(name, files, expect)

    def mapped(name, fn, expect="reject"):
        changed = json.loads(json.dumps(index))
        fn(changed["weight_map"])
        return with_index(name, json.dumps(changed), expect)

    yield Case(group, "moe-import model dir",
               [fx.tool("moe-import"), fx.model, "--layer", "1",
                "-o", os.devnull], "accept")
    yield Case(group, "moe-run --weights model dir", fx.run_layer([fx.model]),
               "accept")
    yield Case(group, "moe-run --weights dir and file",
               fx.run_layer([fx.shards[1], fx.model]), "accept")
    text = json.dumps(index)
    yield with_index("valid", text, "accept")
    yield with_index("metadata-odd", json.dumps(
        {"metadata": [1, None], "weight_map": wmap}), "accept")
    # A shard that holds nothing the layer needs is never mapped.
    unneeded = dict(wmap)
    unneeded["unused.weight"] = "junk.safetensors"
    yield with_index("unneeded-shard-junk",
                     json.dumps({"weight_map": unneeded}), "accept",
                     {**shards, "junk.safetensors": b"junk"})
    for cut in sorted({0, 1, len(text) // 3, len(text) // 2, len(text) - 1}):
        yield with_index("index-truncated-at-%d" % cut, text[:cut])
    for label, bad in [
            ("null", "null"), ("array", "[]"), ("number", "7"),
            ("string", '"weight_map"'), ("no-weight-map", '{"metadata": {}}'),
            ("trailing-garbage", text + "x"),
            ("duplicate-tensor", text[:-2] + ', "%s": "%s"}}'
             % (needed[0], shard_names[1])),
            ("deep", '{"weight_map": ' + deep_json(50000) + "}"),
            ("utf8-invalid", text[:-2].encode() + b', "x": "\xff\xfe"}}'),
            ("nul-bytes", b"\x00" * 64),
            ("huge-int", '{"weight_map": {}, "x": ' + "9" * 400 + "}"),
    ]:
        yield with_index("index-" + label, bad)
    for label, value in BAD_VALUES:
        yield with_index("weight_map=" + label,
                         json.dumps({"weight_map": value}))
    yield with_index("weight_map-empty", json.dumps({"weight_map": {}}))
    for label, value in BAD_VALUES + [
            ("empty-name", ""), ("dot", "."), ("parent", "../" + shard_names[0]),
            ("inner-parent", "x/../" + shard_names[0]),
            ("absolute", fx.shards[0]), ("dev-zero", "/dev/zero"),
            ("missing", "absent.safetensors"), ("index-itself",
                                                "model.safetensors.index.json")]:
        yield mapped("shard=" + label,
                     lambda m, v=value: m.__setitem__(needed[0], v))
    # Each needed tensor put in the other shard: present, but not there.
    yield mapped("shard-swapped", lambda m: m.update(
        {n: shard_names[1 - shard_names.index(m[n])] for n in needed}))
    yield with_index("shard-is-directory", text, "reject",
                     {shard_names[0]: None, shard_names[1]: fx.shards[1]})
    yield with_index("shard-truncated", text, "reject",
                     {shard_names[0]: open(fx.shards[0], "rb").read()[:100],
                      shard_names[1]: fx.shards[1]})
    yield run("index-is-directory",
              {**shards, "model.safetensors.index.json": None}, "reject")
    yield run("empty-directory", {}, "reject")
    yield run("config-only", {"config.json": fx.config}, "reject")
    yield run("shards-without-index", shards, "reject")
    yield run("single-file-part", {"model.safetensors": fx.shards[0]},
              "reject")
    yield run("single-file-and-shard", {"model.safetensors": fx.shards[0]},
              "accept", [fx.shards[1]])
    yield run("single-file-is-directory", {"model.safetensors": None},
              "reject")
    for name, files in [("empty", {}), ("weights-only", shards),
                        ("config-is-directory", {"config.json": None}),
                        ("config-malformed", {"config.json": "{"})]:
        d = model_dir(files)
        yield Case(group, "moe-import " + name,
                   [fx.tool("moe-import"), d, "--layer", "1",
                    "-o", os.devnull], "reject")


def option_cases(fx):
    group = "options"
    values = ["", "-1", "0", "abc", "1.5", "99999999999999999999",
              "9223372036854775808", "x" * 5000, "1,,2", "\x01\x02"]
    run_opts = {"--tokens": "4", "--repeat": "1", "--threads": "1",
                "--layer": "1", "--random-inputs": "1", "--kernels": "fast",
                "--target": "cpu", "--entry": "forward", "--shard": None}
    for opt in run_opts:
        for v in values:
            argv = [fx.tool("moe-run"), fx.layer, "--random-inputs", "1",
                    "--tokens", "4"]
            argv = [a for a in argv]
            if opt in argv:
                i = argv.index(opt)
                del argv[i:i + 2]
            argv += [opt + "=" + v]
            expect = "reject"
            if opt == "--threads" and v == "0":
                expect = "any"
            if opt == "--random-inputs" and v in ("0", "9223372036854775808"):
                expect = "any"
            if opt == "--layer" and v == "0":
                expect = "accept"
            yield Case(group, "moe-run %s=%r" % (opt, v[:20]), argv, expect)
        yield Case(group, "moe-run %s (no value)" % opt,
                   [fx.tool("moe-run"), fx.layer, opt], "reject")
    for opt in ["--layer", "--tokens", "--capacity-factor", "--drop-policy",
                "--dtype", "-o"]:
        # -o takes any file name: only its missing value is swept.
        for v in values if opt != "-o" else []:
            argv = [fx.tool("moe-import"), fx.config, "--layer", "1"]
            if opt == "--layer":
                argv = argv[:2]
            if opt == "--drop-policy":
                argv += ["--capacity-factor", "1.25"]
            argv += [opt + "=" + v, "-o", os.devnull]
            expect = "reject"
            # Layer 0 is sparse in the fixture; large factors are valid.
            if opt == "--layer" and v == "0" or opt == "--capacity-factor" \
                    and v in ("1.5", "99999999999999999999",
                              "9223372036854775808"):
                expect = "accept"
            yield Case(group, "moe-import %s=%r" % (opt, v[:20]), argv, expect)
        yield Case(group, "moe-import %s (no value)" % opt,
                   [fx.tool("moe-import"), fx.config, opt], "reject")
    for opt in ["capacity-factor", "tokens", "block", "mode", "max-drop-rate"]:
        # Past i32 row offsets, and a T·k that wraps around 64 bits.
        extra = ["2147483648", "4611686018427387904"] if opt == "tokens" else []
        for v in values + extra:
            if not v or "," in v or "\x01" in v:
                continue
            yield Case(group, "moe-capacity-plan %s=%r" % (opt, v[:20]), [
                fx.tool("moe-opt"), fx.mixtral, "--moe-decompose",
                "--moe-capacity-plan=%s=%s" % (opt, v),
                "--mlir-print-op-on-diagnostic=false", "-o", os.devnull],
                "any" if opt in ("tokens", "block") and v in ("0",) else
                "reject")
    for opt in ["ranks", "ep", "tp", "bandwidth", "latency", "gflops",
                "tokens"]:
        for v in ["-1", "abc", "99999999999999999999", "1099511627776",
                  "9223372036854775807", "nan", "0"]:
            expect = "reject"
            if opt in ("ep", "tp", "tokens") and v == "0":
                expect = "any"
            yield Case(group, "moe-shard %s=%s" % (opt, v), [
                fx.tool("moe-opt"), fx.mixtral,
                "--moe-shard=%s=%s" % (opt, v),
                "--mlir-print-op-on-diagnostic=false", "-o", os.devnull],
                expect)
    for label, argv in [
            ("moe-import -o /dev/full",
             [fx.tool("moe-import"), fx.config, "--layer", "1", "-o",
              "/dev/full"]),
            ("moe-opt -o /dev/full",
             [fx.tool("moe-opt"), fx.mixtral, "-o", "/dev/full"]),
            ("capacity report /dev/full",
             [fx.tool("moe-opt"), fx.mixtral, "--moe-decompose",
              "--moe-capacity-plan=tokens=16 report=/dev/full",
              "--mlir-print-op-on-diagnostic=false", "-o", os.devnull]),
            ("moe-run --output /dev/full",
             [fx.tool("moe-run"), fx.layer, "--random-inputs", "1",
              "--output", "/dev/full"])]:
        yield Case(group, label, argv, "reject")


GROUPS = [("config", config_cases), ("safetensors", safetensors_cases),
          ("npy", npy_cases), ("profile", profile_cases),
          ("module", module_cases), ("ir", ir_cases),
          ("modeldir", model_dir_cases),
          ("special", special_file_cases),
          ("options", option_cases)]


#===----------------------------------------------------------------------===#
# Running
#===----------------------------------------------------------------------===#


def judge(case, timeout):
    try:
        p = subprocess.run(case.argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", ""
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.splitlines() if l.strip()]
    if p.returncode not in (0, 1) or any(m in err for m in CRASH_MARKERS):
        return "crash", err
    if p.returncode == 0:
        return ("accepted", err) if case.expect == "reject" else ("ok", err)
    if case.expect == "accept":
        return "rejected", err
    errors = [i for i, l in enumerate(lines) if "error:" in l]
    if len(errors) != 1:
        return "messy", err
    # MLIR's diagnostics with a file location quote the source line and put
    # a caret under the column: those two lines belong to the error, as do
    # the parser's located notes ("prior use here"); remarks of a pass
    # before its error are output, not part of the message.
    allowed = set(errors)
    for i, l in enumerate(lines):
        if "remark:" in l or (LOCATED.match(l) and " note: " in l):
            allowed.add(i)
        if LOCATED.match(l):
            allowed.update(range(i + 1, min(i + 3, len(lines))))
    others = [l for i, l in enumerate(lines) if i not in allowed]
    if others:
        return "messy", err
    return "ok", err


def main():
    parser = argparse.ArgumentParser(
        description="Run moe-import, moe-run and moe-opt on generated bad "
        "inputs and sort the outcomes (see the header of this file).")
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--work", help="folder for the generated inputs "
                        "(default: a temporary one, removed afterwards)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run the cases whose group/name "
                        "contains this text")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    for tool in ("moe-import", "moe-run", "moe-opt"):
        if not os.access(os.path.join(args.bin, tool), os.X_OK):
            sys.exit("error: --bin %s: no executable %s there" % (args.bin,
                                                                  tool))
    work = args.work or tempfile.mkdtemp(prefix="moe-badinput-")
    os.makedirs(work, exist_ok=True)
    try:
        fx = Fixture(work, args.bin)
        cases = [c for _, gen in GROUPS for c in gen(fx)]
        if args.only:
            cases = [c for c in cases if args.only in c.group + "/" + c.name]
        if args.quick:
            cases = [c for c in cases if c.expect == "accept" or
                     zlib.crc32((c.group + c.name).encode()) % 6 == 0]
        if args.list:
            for c in cases:
                print("%s/%s: %s" % (c.group, c.name, c.expect))
            return 0
        outcomes = {}
        per_group = {}
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda c: judge(c, args.timeout), cases))
        for case, (outcome, err) in zip(cases, results):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            g = per_group.setdefault(case.group, {})
            g[outcome] = g.get(outcome, 0) + 1
            if outcome != "ok":
                first = err.strip().splitlines()[:3]
                print("%s: %s/%s (expected %s): %s" % (
                    outcome.upper(), case.group, case.name, case.expect,
                    " | ".join(l[:200] for l in first) or "(no output)"))
        for group, counts in per_group.items():
            print("group %s: %s" % (group, ", ".join(
                "%s %d" % kv for kv in sorted(counts.items()))))
        print("cases: %d; %s" % (len(cases), ", ".join(
            "%s %d" % kv for kv in sorted(outcomes.items()))))
        return 0 if outcomes.get("ok", 0) == len(cases) else 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
