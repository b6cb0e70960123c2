#!/usr/bin/env python3
#===- patch_json.py - a config.json with some fields changed --------------===#
#
#   patch_json.py IN OUT PATH=JSON [PATH=JSON ...]
#
# Writes IN with each dotted PATH (e.g. quantization_config.format) set to
# the JSON value after `=`; the value `DELETE` removes the field.
#
#===----------------------------------------------------------------------===#

import json
import sys

config = json.load(open(sys.argv[1]))
for change in sys.argv[3:]:
    path, value = change.split("=", 1)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    if value == "DELETE":
        del node[last]
    else:
        node[last] = json.loads(value)
json.dump(config, open(sys.argv[2], "w"), indent=1)
