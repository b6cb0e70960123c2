#!/usr/bin/env python3
#===- make_quantized.py - quantized checkpoints of transformers' MoE blocks -===#
#
# Builds tiny models whose checkpoints are stored quantized as the Hub's
# quantized models store them, and records what the MoE block returns with
# the dequantized weights. Each fixture is a directory in the layout of
# make_fixtures.py (config.json, model.safetensors, x.npy, y.npy,
# fixture.json), so test/Integration/Import/Inputs/run_fixtures.py checks
# it the same way.
#
# fp8 (DeepSeek-V3, Qwen3-FP8, ...; transformers' FineGrainedFP8Config):
# config.json gets `quantization_config = {"quant_method": "fp8", "fmt":
# "e4m3", "weight_block_size": [bn, bk], "activation_scheme": "dynamic",
# "modules_to_not_convert": [...]}`; every expert and shared-expert Linear
# `<name>.weight` [N, K] not excluded is saved as F8_E4M3 values q and
# `<name>.weight_scale_inv` F32 [ceil(N/bn), ceil(K/bk)], one per block:
# s = amax(|w|) / 448, q = (w / s) rounded to e4m3fn. The weight is q · s.
#
# The float model is made as make_fixtures.py makes it (tiny config, random
# block), saved, the quantized tensors replaced by q · s, and loaded back
# with from_pretrained: y is what transformers' block returns with the
# dequantized weights, on x drawn free of near-ties in the selection.
#
#   python3 tools/hf-fixtures/make_quantized.py \
#       test/Integration/Import/QuantizedFixtures
#
#===----------------------------------------------------------------------===#

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import zlib

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

FP8_MAX = 448.0

# Checkpoint names of the matrices a quantized checkpoint stores quantized:
# the routed and the shared experts' projections.
QUANTIZABLE = re.compile(r"\.(experts\.\d+|shared_experts?)\."
                         r"(gate|up|down)_proj\.weight$")

# A tiny DeepSeek-V3 with layer 1 sparse: 4 experts, k = 2, a shared expert.
DSV3 = {"n_routed_experts": 4, "num_experts_per_tok": 2,
        "first_k_dense_replace": 1, "num_hidden_layers": 2,
        "n_shared_experts": 1, "norm_topk_prob": True}

# name: model type, config overrides, block [bn, bk],
# modules_to_not_convert, note.
VARIANTS = {
    "deepseek_v3-fp8": dict(
        model_type="deepseek_v3",
        config=dict(DSV3, hidden_size=144, moe_intermediate_size=136,
                    n_group=2, topk_group=1, routed_scaling_factor=2.5),
        block=[128, 128], not_convert=["lm_head"],
        note="DeepSeek-V3's fp8 layout: 128x128 blocks, partial blocks in "
             "both dimensions (D = 144, F = 136); routed and shared experts "
             "quantized, the router in f32."),
    "deepseek_v3-fp8-shared_float": dict(
        model_type="deepseek_v3",
        config=dict(DSV3, hidden_size=96, moe_intermediate_size=72,
                    n_group=1, topk_group=1),
        block=[64, 32],
        not_convert=["lm_head", "model.layers.1.mlp.shared_experts"],
        note="Blocks of 64 rows x 32 columns; the shared expert is in "
             "modules_to_not_convert and stays f32."),
    "gpt_oss-mxfp4": dict(
        model_type="gpt_oss", quant="mxfp4",
        config={"hidden_size": 64, "intermediate_size": 32,
                "num_local_experts": 4, "num_experts_per_tok": 2,
                "num_hidden_layers": 1, "layer_types": ["full_attention"]},
        block=[1, 32],
        not_convert=["model.layers.*.self_attn", "model.layers.*.mlp.router",
                     "model.embed_tokens", "lm_head"],
        note="GPT-OSS's mxfp4 layout (D = 64, F = 32): experts.gate_up_proj "
             "[E, D, 2F] saved as gate_up_proj_blocks [E, 2F, D/32, 16] and "
             "gate_up_proj_scales [E, 2F, D/32], down_proj [E, F, D] as "
             "down_proj_blocks [E, D, F/32, 16] and down_proj_scales "
             "[E, D, F/32]; y with the weights transformers' "
             "convert_moe_packed_tensors decodes."),
    "qwen3_moe-fp8": dict(
        model_type="qwen3_moe",
        config={"hidden_size": 144, "moe_intermediate_size": 136,
                "num_experts": 4, "num_local_experts": 4,
                "num_experts_per_tok": 2,
                "num_hidden_layers": 1, "norm_topk_prob": True},
        block=[128, 128], not_convert=["lm_head", "mlp.gate"],
        note="Qwen3-MoE's fp8 layout (Qwen3-*-FP8): 128x128 blocks; "
             "mlp.gate (the router) excluded as the Hub's configs do."),
}


def quantize_fp8(w, block):
    """q (float8_e4m3fn) and f32 scales [ceil(N/bn), ceil(K/bk)] of w [N, K],
    one scale amax / 448 per block."""
    bn, bk = block
    n, k = w.shape
    gn, gk = -(-n // bn), -(-k // bk)
    padded = torch.zeros(gn * bn, gk * bk, dtype=torch.float32)
    padded[:n, :k] = w.float()
    amax = padded.abs().reshape(gn, bn, gk, bk).amax(dim=(1, 3))
    scales = torch.where(amax > 0, amax / FP8_MAX, torch.ones_like(amax))
    full = scales.repeat_interleave(bn, 0).repeat_interleave(bk, 1)[:n, :k]
    q = (w.float() / full).to(torch.float8_e4m3fn)
    return q, scales.contiguous()


FP4_VALUES = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])


def quantize_mxfp4(w):
    """blocks [..., N, K/32, 16] (uint8, element 2j in the low nibble) and
    e8m0 scales [..., N, K/32] (uint8, 2^(e - 127)) of w [..., N, K], by
    the OCP MX rule: per 32 values the exponent floor(log2(amax)) - 2, each
    value divided by 2^exponent rounded to the nearest e2m1 value
    (saturating at 6)."""
    *lead, n, k = w.shape
    g = w.float().reshape(*lead, n, k // 32, 32)
    amax = g.abs().amax(dim=-1)
    exp = torch.where(amax > 0, torch.floor(torch.log2(amax)) - 2,
                      torch.full_like(amax, -127)).clamp(-127, 127)
    r = g / torch.pow(2.0, exp).unsqueeze(-1)
    mag = (r.abs().unsqueeze(-1) - FP4_VALUES).abs().argmin(dim=-1)
    codes = (mag | torch.where(r < 0, 8, 0)).to(torch.uint8)
    blocks = codes[..., 0::2] | (codes[..., 1::2] << 4)
    return blocks.contiguous(), (exp + 127).to(torch.uint8).contiguous()


def dequantize(q, scales, block):
    bn, bk = block
    n, k = q.shape
    full = scales.repeat_interleave(bn, 0).repeat_interleave(bk, 1)[:n, :k]
    return q.float() * full


def random_model(name, variant, seed):
    """The variant's tiny model in f32 with its MoE block drawn N(0, 0.1^2):
    its config, the seed it was drawn with, the model, the block's path,
    the block, its layer, and the generator to draw x with."""
    config = mf.tiny_config(variant["model_type"], variant["config"])
    seed = seed * 1000003 + zlib.crc32(name.encode()) % 1000003
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(
        config, torch_dtype=torch.float32, experts_implementation="eager")
    path, block = mf.find_blocks(model)[0]
    layer = int(re.search(r"\.(\d+)(\.|$)", path).group(1))
    generator = torch.Generator().manual_seed(seed)
    mf.randomize(block, generator, 0.1)
    return config, seed, model, path, block, layer, generator


def save_model(model, tmp):
    """Saves `model` with save_pretrained into `tmp` and returns its tensors,
    leaving config.json and no weights there."""
    model.save_pretrained(tmp, safe_serialization=True)
    files = [f for f in os.listdir(tmp) if f.endswith(".safetensors")]
    tensors = {}
    for f in files:
        tensors.update(load_file(os.path.join(tmp, f)))
        os.remove(os.path.join(tmp, f))
    return tensors


def make(name, variant, out_dir, seed):
    config, seed, model, path, block, layer, generator = random_model(
        name, variant, seed)
    not_convert = variant["not_convert"]
    qblock = variant["block"]

    with tempfile.TemporaryDirectory() as tmp:
        tensors = save_model(model, tmp)
        kept = mf.kept_tensors({k: v.numpy() for k, v in tensors.items()},
                               layer, block)
        saved = {}
        if variant.get("quant") == "mxfp4":
            from transformers.integrations.mxfp4 import \
                convert_moe_packed_tensors
            for k in sorted(kept):
                if not re.search(r"experts\.(gate_up|down)_proj$", k):
                    saved[k] = tensors[k]
                    continue
                # The parameter is [E, in, out]; the blocks [E, out, in].
                blocks, scales = quantize_mxfp4(tensors[k].transpose(1, 2))
                tensors[k] = convert_moe_packed_tensors(
                    blocks, scales, dtype=torch.float32)
                saved[k + "_blocks"] = blocks
                saved[k + "_scales"] = scales
            kept = {}
        for k in sorted(kept):
            module = k[:-len(".weight")]
            excluded = any(module.startswith(p) or module.endswith(p)
                           for p in not_convert)
            if QUANTIZABLE.search(k) and not excluded:
                q, s = quantize_fp8(tensors[k], qblock)
                tensors[k] = dequantize(q, s, qblock)
                saved[k] = q
                saved[k + "_scale_inv"] = s
            else:
                saved[k] = tensors[k]
        if not any(k.endswith(("_scale_inv", "_scales")) for k in saved):
            raise RuntimeError("%s: nothing quantized" % name)
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(tmp, "model.safetensors"))
        # The reference: transformers' block with the dequantized weights.
        model = AutoModelForCausalLM.from_pretrained(
            tmp, torch_dtype=torch.float32, experts_implementation="eager")
        model.eval()
        block = dict(model.named_modules())[path]
        cfg = json.load(open(os.path.join(tmp, "config.json")))
    if variant.get("quant") == "mxfp4":
        cfg["quantization_config"] = {
            "quant_method": "mxfp4", "modules_to_not_convert": not_convert}
    else:
        cfg["quantization_config"] = {
            "quant_method": "fp8", "fmt": "e4m3",
            "activation_scheme": "dynamic", "weight_block_size": qblock,
            "modules_to_not_convert": not_convert}

    meta = write_fixture(name, out_dir, cfg, saved, block, config.hidden_size,
                         generator)
    drawn = meta
    meta = {
        "family": variant["model_type"], "layer": layer, "block": path,
        "quantization": variant.get("quant", "fp8"),
        "weight_block_size": qblock,
        "modules_to_not_convert": not_convert,
        "tensors": drawn.pop("tensors"), "seed": seed}
    meta.update(drawn)
    meta.update({"config_overrides": variant["config"],
                 "note": variant["note"]})
    with open(os.path.join(out_dir, name, "fixture.json"), "w") as f:
        f.write(json.dumps(meta, indent=1) + "\n")
    return meta


def write_fixture(name, out_dir, cfg, saved, block, hidden, generator):
    """Draws x [TOKENS, hidden] free of near-ties in the selection, runs
    `block` on it and writes OUT/name/{config.json, model.safetensors
    (`saved`), x.npy, y.npy}; returns what fixture.json records of it."""
    for attempt in range(mf.X_TRIES):
        x = torch.randn(mf.TOKENS, hidden, generator=generator)
        with torch.no_grad(), mf.TopkRecorder() as rec:
            y = mf.run_block(block, x)
        gap, checked = rec.min_gap()
        if gap >= mf.MIN_GAP:
            break
    else:
        raise RuntimeError("%s: every x has a near-tie" % name)

    dest = os.path.join(out_dir, name)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with open(os.path.join(dest, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    save_file({k: v.contiguous() for k, v in saved.items()},
              os.path.join(dest, "model.safetensors"))
    import numpy as np
    np.save(os.path.join(dest, "x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(dest, "y.npy"), y.numpy().astype(np.float32))
    return {
        "tensors": {k: [str(v.dtype).replace("torch.", "")] + list(v.shape)
                    for k, v in sorted(saved.items())},
        "x_draw": attempt, "topk_calls_checked": checked,
        "min_topk_gap": None if checked == 0 else round(gap, 6),
        "y_rms": round(float(y.pow(2).mean().sqrt()), 4),
    }


def run_variants(description, variants, make_one):
    """The command line of make_quantized.py and make_compressed.py: OUT,
    --only NAME,..., --seed S; `make_one(name, variant, out, seed)` makes
    each variant and returns its fixture.json record."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("out")
    p.add_argument("--only", default="")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    only = set(filter(None, args.only.split(",")))
    for name, variant in variants.items():
        if only and name not in only:
            continue
        meta = make_one(name, variant, args.out, args.seed)
        print("%-32s layer %d, y_rms %.3g" % (name, meta["layer"],
                                                meta["y_rms"]))


def main():
    run_variants("quantized MoE checkpoints", VARIANTS, make)


if __name__ == "__main__":
    main()
