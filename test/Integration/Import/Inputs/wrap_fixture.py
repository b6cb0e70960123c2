#!/usr/bin/env python3
#===- wrap_fixture.py - a fixture as a multimodal wrapper saves it --------===#
#
#   wrap_fixture.py FIXTURE OUT --model-type T --prefix P
#
# Writes OUT/config.json with FIXTURE's config as `text_config` of a model
# of type T, and OUT/model.safetensors with the tensors renamed from
# "model.layers." to P; copies x.npy, y.npy and fixture.json.
#
#===----------------------------------------------------------------------===#

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
import safetensors_io  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("fixture")
p.add_argument("out")
p.add_argument("--model-type", required=True)
p.add_argument("--prefix", required=True)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
text = json.load(open(os.path.join(a.fixture, "config.json")))
json.dump({"model_type": a.model_type, "text_config": text},
          open(os.path.join(a.out, "config.json"), "w"), indent=1)
tensors = safetensors_io.read(os.path.join(a.fixture, "model.safetensors"))
safetensors_io.write(os.path.join(a.out, "model.safetensors"),
                     {a.prefix + n[len("model.layers."):]: v
                      for n, v in tensors.items()})
for f in ("x.npy", "y.npy", "fixture.json"):
    shutil.copy(os.path.join(a.fixture, f), a.out)
