#!/usr/bin/env python3
#===- make_compressed.py - compressed-tensors checkpoints of MoE blocks ----===#
#
# Builds tiny models whose checkpoints are stored in the compressed-tensors
# format (`quant_method: "compressed-tensors"`, as llm-compressor, AWQ and
# GPTQ exports ship them), with the compressed-tensors library itself, and
# records what transformers' MoE block returns with the weights
# compressed-tensors decompresses (in f32, activations in floats). Where
# transformers can load the compressed checkpoint itself
# (CompressedTensorsConfig(dequantize=True)), its block must agree;
# fixture.json records by how much (0 for f32 models; an f16 model's
# weights are rounded to f16 by that route). Each
# fixture is a directory in the layout of make_fixtures.py, checked by
# test/Integration/Import/Inputs/run_fixtures.py.
#
# pack-quantized (W4A16): every expert Linear not ignored is saved as
# `<name>.weight_packed` I32 [N, K/8] (eight int4 values per int32, value
# i in bits 4i..4i+3, stored + 8), `<name>.weight_scale` [N, K/G] in the
# model's dtype and `<name>.weight_shape` I64 [2].
# int-quantized (W8A8): `<name>.weight` I8 [N, K] and `<name>.weight_scale`
# [N, 1]; the scheme's dynamic per-token int8 activations are not applied
# by the dequantizing load, so y is the block on float activations.
# float-quantized (FP8_DYNAMIC, FP8_BLOCK): `<name>.weight` F8_E4M3 [N, K]
# and `<name>.weight_scale` [N, 1] or per block [ceil(N/bn), ceil(K/bk)].
# Asymmetric schemes (symmetric: false) add `<name>.weight_zero_point`:
# I8 [N, K/G] for int-quantized, and for pack-quantized I32 [N/8, K/G],
# the zero points packed eight rows per word.
#
# Scales are the compressed-tensors observer's (calculate_qparams on the
# min/max of each group or row), the values compressed-tensors' own
# compressor packs (PackedQuantizationCompressor / IntQuantization-
# Compressor.compress).
#
#   python3 tools/hf-fixtures/make_compressed.py \
#       test/Integration/Import/QuantizedFixtures
#
# Needs torch, transformers and compressed-tensors from PyPI.
#
#===----------------------------------------------------------------------===#

import json
import os
import re
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402
import make_quantized as mq  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402
from transformers.utils.quantization_config import \
    CompressedTensorsConfig  # noqa: E402

import compressed_tensors  # noqa: E402
from compressed_tensors.compressors import BaseCompressor  # noqa: E402
from compressed_tensors.quantization import (  # noqa: E402
    QuantizationArgs, QuantizationConfig, QuantizationScheme,
    QuantizationStatus)
from compressed_tensors.quantization.utils import \
    calculate_qparams  # noqa: E402

QWEN3 = {"num_experts": 4, "num_local_experts": 4, "num_experts_per_tok": 2,
         "num_hidden_layers": 1, "norm_topk_prob": True}
MIXTRAL = {"num_local_experts": 4, "num_experts_per_tok": 2,
           "num_hidden_layers": 1}
IGNORE = ["lm_head", "re:.*mlp.gate$"]
QWEN3_64 = dict(QWEN3, hidden_size=64, moe_intermediate_size=48)
QWEN3_96 = dict(QWEN3, hidden_size=96, moe_intermediate_size=64)
# The end of the note of a variant transformers cannot load itself.
REFERENCE_ONLY = (", so only the reference with compressed-tensors' "
                  "decompressed weights is recorded.")
W4_GROUP32 = dict(num_bits=4, type="int", symmetric=True, strategy="group",
                  group_size=32)

# name: model type, config overrides, dtype, format, weights args, input
# activations args (None: weight-only), note.
VARIANTS = {
    "qwen3_moe-w4a16": dict(
        model_type="qwen3_moe",
        config=QWEN3_96,
        dtype=torch.float32, format="pack-quantized",
        weights=W4_GROUP32,
        note="W4A16 (AWQ/GPTQ exports): int4 in groups of 32 along K, "
             "symmetric, packed eight per int32; the router (mlp.gate) "
             "ignored; f32 scales."),
    "mixtral-w4a16-f16": dict(
        model_type="mixtral",
        config=dict(MIXTRAL, hidden_size=64, intermediate_size=96),
        dtype=torch.float16, format="pack-quantized",
        weights=W4_GROUP32,
        note="An f16 model's W4A16: f16 scales and an f16 router; y from "
             "the weights loaded in f32."),
    "qwen3_moe-w8a8": dict(
        model_type="qwen3_moe",
        config=QWEN3_64,
        dtype=torch.float32, format="int-quantized",
        weights=dict(num_bits=8, type="int", symmetric=True,
                     strategy="channel"),
        activations=dict(num_bits=8, type="int", symmetric=True,
                         strategy="token", dynamic=True),
        transformers_load=False,
        note="W8A8 int8: one scale per output channel; the dynamic int8 "
             "activations are not applied (float activations). transformers "
             "5.25's dequantizing load does not fuse int-quantized experts "
             "(it finds no tensors to concatenate)" + REFERENCE_ONLY),
    "qwen3_moe-w4a16-asym": dict(
        model_type="qwen3_moe",
        config=QWEN3_96,
        dtype=torch.float32, format="pack-quantized",
        weights=dict(W4_GROUP32, symmetric=False),
        transformers_load=False,
        note="Asymmetric W4A16 (AWQ-style): int4 in groups of 32 with zero "
             "points, which compressed-tensors packs along the output "
             "dimension (I32 [N/8, K/32], eight rows per word). "
             "transformers 5.25's dequantizing load of fused experts does "
             "not pass the zero points on (compressed-tensors asserts "
             "'Asymmetric quant requires zero-point values')" +
             REFERENCE_ONLY),
    "qwen3_moe-w8a16-asym": dict(
        model_type="qwen3_moe",
        config=QWEN3_64,
        dtype=torch.float32, format="int-quantized",
        weights=dict(num_bits=8, type="int", symmetric=False,
                     strategy="group", group_size=16),
        transformers_load=False,
        note="Asymmetric int8 in groups of 16 with I8 zero points [N, K/16]; "
             "as for W8A8, transformers 5.25's dequantizing load does not "
             "fuse int-quantized experts" + REFERENCE_ONLY),
    "qwen3_moe-fp8-dynamic": dict(
        model_type="qwen3_moe",
        config=QWEN3_64,
        dtype=torch.float32, format="float-quantized",
        weights=dict(num_bits=8, type="float", symmetric=True,
                     strategy="channel"),
        activations=dict(num_bits=8, type="float", symmetric=True,
                         strategy="token", dynamic=True),
        note="FP8_DYNAMIC (llm-compressor's preset): fp8 e4m3 weights with "
             "one scale per output channel; the dynamic fp8 activations are "
             "not applied (float activations)."),
    "qwen3_moe-fp8-block-bf16": dict(
        model_type="qwen3_moe",
        config=dict(QWEN3, hidden_size=96, moe_intermediate_size=80),
        dtype=torch.bfloat16, format="float-quantized",
        weights=dict(num_bits=8, type="float", symmetric=True,
                     strategy="block", block_structure=[32, 32]),
        activations=dict(num_bits=8, type="float", symmetric=True,
                         strategy="group", group_size=32, dynamic=True),
        transformers_load=False,
        note="FP8_BLOCK-style fp8 e4m3 weights in [32, 32] blocks (the "
             "preset's [128, 128], scaled down; 80 is a partial block) of "
             "a bf16 model: bf16 scales; y from the weights loaded in f32. "
             "transformers 5.25's dequantizing load of fused experts fails "
             "on block scales (a shape mismatch, with whole blocks too)" +
             REFERENCE_ONLY),
}

# The expert Linear modules the scheme targets.
EXPERT = re.compile(r"\.(experts\.\d+|shared_experts?)\."
                    r"(gate_proj|up_proj|down_proj|w1|w2|w3)\.weight$")


def compress(weight, scheme, fmt):
    """The compressed tensors compressed-tensors saves for one Linear's
    weight [N, K], with the observer's scales."""
    args = scheme.weights
    w = weight.detach()
    n, k = w.shape
    if args.strategy == "group":
        g = w.reshape(n, k // args.group_size, args.group_size)
        lo, hi = g.amin(dim=-1), g.amax(dim=-1)
    elif args.strategy == "block":
        # Partial blocks padded with zeros, as compressed-tensors pads.
        bh, bw = args.block_structure
        nb, kb = -(-n // bh), -(-k // bw)
        g = torch.nn.functional.pad(w, (0, kb * bw - k, 0, nb * bh - n))
        g = g.reshape(nb, bh, kb, bw).transpose(1, 2).reshape(nb, kb, -1)
        lo, hi = g.amin(dim=-1), g.amax(dim=-1)
    else:
        lo, hi = w.amin(dim=-1, keepdim=True), w.amax(dim=-1, keepdim=True)
    scale, zero_point = calculate_qparams(lo, hi, args)
    state = {"weight": w, "weight_scale": scale.to(w.dtype),
             "weight_zero_point": zero_point.to(torch.int8)}
    compressor = BaseCompressor.get_value_from_registry(fmt)
    return compressor.compress(state, scheme)


def decompress(compressed, scheme, fmt):
    """The f32 weight compressed-tensors decompresses `compressed` to."""
    state = dict(compressed)
    state["weight_scale"] = state["weight_scale"].float()
    compressor = BaseCompressor.get_value_from_registry(fmt)
    return compressor.decompress(state, scheme)["weight"].float()


def make(name, variant, out_dir, seed):
    config, seed, model, path, block, layer, generator = mq.random_model(
        name, variant, seed)
    model = model.to(variant["dtype"])
    acts = variant.get("activations")
    scheme = QuantizationScheme(
        targets=["Linear"], weights=QuantizationArgs(**variant["weights"]),
        input_activations=QuantizationArgs(**acts) if acts else None)
    qconfig = QuantizationConfig(
        config_groups={"group_0": scheme}, format=variant["format"],
        quantization_status=QuantizationStatus.COMPRESSED, ignore=IGNORE)

    with tempfile.TemporaryDirectory() as tmp:
        tensors = mq.save_model(model, tmp)
        kept = mf.kept_tensors(
            {k: v.float().numpy() for k, v in tensors.items()}, layer, block)
        saved, dense = {}, {}
        for k in sorted(tensors):
            dense[k] = tensors[k].float()
            if not EXPERT.search(k):
                saved[k] = tensors[k]
                continue
            module = k[:-len(".weight")]
            compressed = compress(tensors[k], scheme, variant["format"])
            for key, value in compressed.items():
                saved[module + "." + key] = value
            dense[k] = decompress(compressed, scheme, variant["format"])
        cfg = json.load(open(os.path.join(tmp, "config.json")))
        # The reference: transformers' block with the weights
        # compressed-tensors decompresses, in f32.
        save_file({k: v.contiguous() for k, v in dense.items()},
                  os.path.join(tmp, "model.safetensors"))
        model = AutoModelForCausalLM.from_pretrained(
            tmp, dtype=torch.float32, experts_implementation="eager")
        model.eval()
        block = dict(model.named_modules())[path]
        # The check: transformers loads the compressed checkpoint itself
        # (its dequantizing route rounds the weights to the model's dtype).
        save_file({k: v.contiguous() for k, v in saved.items()},
                  os.path.join(tmp, "model.safetensors"))
        cfg["quantization_config"] = dict(
            qconfig.model_dump(mode="json"),
            quant_method="compressed-tensors")
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(cfg, f)
        loaded = None
        if variant.get("transformers_load", True):
            loaded = AutoModelForCausalLM.from_pretrained(
                tmp, dtype=torch.float32, experts_implementation="eager",
                quantization_config=CompressedTensorsConfig(dequantize=True))
            loaded = dict(loaded.float().eval().named_modules())[path]
    saved = {k: v for k, v in saved.items() if k in kept or
             k.rsplit(".", 1)[0] + ".weight" in kept}
    if not any(k.endswith(".weight_scale") for k in saved):
        raise RuntimeError("%s: nothing quantized" % name)
    meta = mq.write_fixture(
        name, out_dir, cfg, saved, block, config.hidden_size, generator)
    diff = None
    if loaded is not None:
        x = torch.from_numpy(np.load(os.path.join(out_dir, name, "x.npy")))
        y = torch.from_numpy(np.load(os.path.join(out_dir, name, "y.npy")))
        with torch.no_grad():
            diff = float("%.3g" % (mf.run_block(loaded, x) - y).abs().max())
        if diff > 1e-2 * float(y.abs().max()):
            raise RuntimeError("%s: transformers' own load differs by %g"
                               % (name, diff))
    meta.update({
        "family": variant["model_type"], "layer": layer, "block": path,
        "quantization": "compressed-tensors " + variant["format"],
        "compressed_tensors": compressed_tensors.__version__,
        "ignore": IGNORE, "seed": seed,
        "transformers_load_max_abs_diff": diff,
        "config_overrides": variant["config"], "note": variant["note"]})
    with open(os.path.join(out_dir, name, "fixture.json"), "w") as f:
        f.write(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return meta


def main():
    mq.run_variants("compressed-tensors MoE checkpoints", VARIANTS, make)


if __name__ == "__main__":
    main()
