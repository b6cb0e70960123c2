#!/usr/bin/env python3
#===- moe_case.py - fixtures and checks for the MoE integration tests -----===#
#
# Usage:
#   moe_case.py hf DIR --family F [options]     a Hugging Face model: DIR/
#       config.json, a sharded checkpoint under the family's real tensor
#       names (model-0000{1,2}-of-00002.safetensors and
#       model.safetensors.index.json, or with --single-file one
#       model.safetensors), DIR/x.npy, DIR/case.json
#   moe_case.py layer DIR [options]             a hand-written moe.layer
#       module: DIR/layer.mlir, DIR/weights.safetensors, DIR/x.npy,
#       DIR/case.json
#   moe_case.py check DIR [--expect-drops | --expect-no-drops]
#       reads DIR/y.npy, recomputes the layer with moe_reference.py and
#       compares at rtol 1e-4 / atol 1e-5; prints the max error and exits 1
#       on a mismatch or an unmet drop expectation.
#
# Inputs are random but chosen (by trying seeds) so that no routing or drop
# decision is closer than 1e-4 to a tie: the comparison then does not hinge
# on float rounding.
#
#===----------------------------------------------------------------------===#

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moe_reference as ref  # noqa: E402
import safetensors_io as st  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5
MIN_MARGIN = 1e-4
SHARDS = ["model-00001-of-00002.safetensors",
          "model-00002-of-00002.safetensors"]

#===----------------------------------------------------------------------===#
# Hugging Face configs
#===----------------------------------------------------------------------===#


def common_config(a, arch, model_type):
    """Fields every config.json has, at toy sizes."""
    return {
        "architectures": [arch],
        "model_type": model_type,
        "vocab_size": 64,
        "hidden_size": a.hidden,
        "num_hidden_layers": a.layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "hidden_act": a.act,
        "max_position_embeddings": 256,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": {"f32": "float32", "bf16": "bfloat16",
                        "f16": "float16"}[a.dtype],
        "transformers_version": "4.46.0",
        "bos_token_id": 1,
        "eos_token_id": 2,
    }


def make_config(a):
    f = a.family
    if f == "mixtral":
        cfg = common_config(a, "MixtralForCausalLM", f)
        cfg.update(num_local_experts=a.experts, num_experts_per_tok=a.k,
                   intermediate_size=a.inter, router_aux_loss_coef=0.02,
                   output_router_logits=False, sliding_window=None)
    elif f in ("qwen2_moe", "qwen3_moe"):
        arch = "Qwen2MoeForCausalLM" if f == "qwen2_moe" else \
            "Qwen3MoeForCausalLM"
        cfg = common_config(a, arch, f)
        cfg.update(num_experts=a.experts, num_experts_per_tok=a.k,
                   moe_intermediate_size=a.inter, intermediate_size=2 * a.inter,
                   norm_topk_prob=bool(a.norm),
                   decoder_sparse_step=a.sparse_step,
                   mlp_only_layers=a.mlp_only, use_sliding_window=False,
                   router_aux_loss_coef=0.001, output_router_logits=False)
        if f == "qwen2_moe":
            cfg["shared_expert_intermediate_size"] = a.shared_inter
        else:
            cfg["head_dim"] = a.hidden // 4
            if a.experts_key == "num_local_experts":
                cfg["num_local_experts"] = cfg.pop("num_experts")
            elif a.experts_key == "both":
                cfg["num_local_experts"] = a.experts
    elif f == "olmoe":
        cfg = common_config(a, "OlmoeForCausalLM", f)
        cfg.update(num_experts=a.experts, num_experts_per_tok=a.k,
                   intermediate_size=a.inter, norm_topk_prob=bool(a.norm),
                   clip_qkv=None, router_aux_loss_coef=0.01,
                   output_router_logits=False)
    elif f in ("deepseek_v2", "deepseek_v3"):
        arch = "DeepseekV2ForCausalLM" if f == "deepseek_v2" else \
            "DeepseekV3ForCausalLM"
        cfg = common_config(a, arch, f)
        cfg.update(n_routed_experts=a.experts, num_experts_per_tok=a.k,
                   moe_intermediate_size=a.inter, intermediate_size=2 * a.inter,
                   n_shared_experts=a.n_shared,
                   first_k_dense_replace=a.first_dense,
                   moe_layer_freq=a.freq, norm_topk_prob=bool(a.norm),
                   routed_scaling_factor=a.scaling, n_group=a.groups,
                   topk_group=a.topk_groups, aux_loss_alpha=0.001,
                   seq_aux=True, kv_lora_rank=16, q_lora_rank=None,
                   qk_nope_head_dim=8, qk_rope_head_dim=8, v_head_dim=8)
        if f == "deepseek_v2":
            cfg.update(topk_method=a.topk_method or "greedy",
                       scoring_func="softmax")
        else:
            cfg.update(topk_method="noaux_tc", scoring_func="sigmoid",
                       ep_size=1)
    else:
        raise SystemExit(f"unknown family {f}")
    return cfg


def hf_tensors(a, cfg, rng):
    """The checkpoint tensors of layer `a.layer` (and a few others that a
    loader must leave alone), float32, under the family's names."""
    fam = ref.HF_FAMILIES[cfg["model_type"]](cfg, a.layer)
    if not fam.is_sparse():
        raise SystemExit(f"layer {a.layer} is dense in this config")
    d, f, e = a.hidden, a.inter, a.experts

    def normal(*shape, fan_in):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(
            np.float32)

    t = {"model.embed_tokens.weight": normal(cfg["vocab_size"], d, fan_in=1)}
    n = fam.name
    t[f"model.layers.{a.layer}.input_layernorm.weight"] = np.ones(
        d, np.float32)
    t[n("gate.weight")] = normal(e, d, fan_in=d) * np.float32(a.router_scale)
    if cfg["model_type"] == "deepseek_v3":
        t[n("gate.e_score_correction_bias")] = rng.uniform(
            -a.bias_range, a.bias_range, e).astype(np.float32)
    g, u, dn = fam.expert_names
    for i in range(e):
        t[n(f"experts.{i}.{g}.weight")] = normal(f, d, fan_in=d)
        t[n(f"experts.{i}.{u}.weight")] = normal(f, d, fan_in=d)
        t[n(f"experts.{i}.{dn}.weight")] = normal(d, f, fan_in=f)
    shared = None
    if cfg["model_type"] == "qwen2_moe" and a.shared_inter:
        shared, s = "shared_expert", a.shared_inter
        t[n("shared_expert_gate.weight")] = normal(1, d, fan_in=d)
    elif cfg["model_type"].startswith("deepseek") and a.n_shared:
        shared, s = "shared_experts", a.n_shared * a.inter
    if shared:
        t[n(f"{shared}.{g}.weight")] = normal(s, d, fan_in=d)
        t[n(f"{shared}.{u}.weight")] = normal(s, d, fan_in=d)
        t[n(f"{shared}.{dn}.weight")] = normal(d, s, fan_in=s)
    # The router of another layer: a loader that ignores the layer index
    # picks it up and fails the comparison.
    other = (a.layer + 1) % a.layers
    t[n("gate.weight").replace(f".{a.layer}.", f".{other}.", 1)] = \
        normal(e, d, fan_in=d)
    return t


def write_shards(out_dir, tensors):
    """Splits `tensors` over two shards, as large checkpoints are, and
    writes the index file that maps names to shards."""
    names = list(tensors)
    half = (len(names) + 1) // 2
    index = {"metadata": {}, "weight_map": {}}
    checks = []
    for shard, part in zip(SHARDS, (names[:half], names[half:])):
        chunk = {nm: tensors[nm] for nm in part}
        path = os.path.join(out_dir, shard)
        st.write(path, chunk, metadata={"format": "pt"})
        checks.append(st.cross_check(path, chunk))
        index["weight_map"].update({nm: shard for nm in part})
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=1)
    return checks[0]


#===----------------------------------------------------------------------===#
# Hand-written moe.layer modules
#===----------------------------------------------------------------------===#


def tensor_type(shape):
    return "tensor<" + "x".join(str(s) for s in shape) + "xf32>"


def mlir_float(v):
    """A float literal MLIR parses: repr with a '.' before any exponent."""
    r = repr(float(v))
    if "." not in r:
        r = r.replace("e", ".0e", 1)
    return r


def layer_module(a, spec, shapes):
    """A moe.layer module for `spec`; weight arguments carry moe.weight."""
    t = str(a.tokens) if a.static_tokens else "?"
    xty = f"tensor<{t}x{a.hidden}xf32>"
    args, operands = [f"%x: {xty}"], []
    for role in ["router", "bias", "w1", "w3", "w2", "shared_w1",
                 "shared_w3", "shared_w2", "shared_gate", "router_bias", "b1",
                 "b3", "b2", "output_bias", "shared_b1", "shared_b3",
                 "shared_b2", "latent_in", "latent_out", "expert_scale",
                 "pre_norm", "router_norm", "post_norm", "expert_norm",
                 "shared_norm", "latent_in_bias", "latent_out_bias"]:
        if role not in shapes:
            continue
        ty = tensor_type(shapes[role][1])
        args.append(f'%{role}: {ty} {{moe.weight = "{shapes[role][0]}"}}')
        operands.append(f"{role}(%{role} : {ty})")
    if spec["routing"] == "expert_choice":
        routing = f"#moe.expert_choice<capacity = {spec['capacity']}>"
    else:
        params = [f"k = {spec['k']}", f"scoring = {spec['scoring']}"]
        if spec["normalize"]:
            params.append("normalize = true")
        if spec["scaling"] != 1.0:
            params.append(f"scaling = {spec['scaling']!r}")
        if spec["num_groups"]:
            params += [f"num_groups = {spec['num_groups']}",
                       f"topk_groups = {spec['topk_groups']}",
                       f"group_score = {spec['group_score']}"]
        if spec.get("order", "score_first") != "score_first":
            params.append(f"order = {spec['order']}")
        for name in ("softcap", "norm_eps", "norm_min", "norm_p",
                     "group_fill", "logit_scale", "jitter"):
            if spec.get(name) is not None:
                params.append(f"{name} = {mlir_float(spec[name])}")
        if spec.get("weights_on_input"):
            params.append("weights_on_input = true")
        routing = "#moe.routing<" + ", ".join(params) + ">"
    tail = f"activation {spec['activation']}"
    for name in ["alpha", "limit", "shared_limit"]:
        if spec.get(name) is not None:
            tail += f" {name} {spec[name]!r}"
    if spec.get("limit_after_act"):
        tail += " limit_after_act"
    if spec.get("output_scale") is not None:
        tail += f" output_scale {mlir_float(spec['output_scale'])}"
    if spec.get("drop_policy"):
        tail += (f" drop {spec['drop_policy']}"
                 f" capacity_factor {spec['capacity_factor']!r}")
    if spec.get("identity_experts"):
        tail += f" identity_experts {spec['identity_experts']}"
    if spec.get("rms_norm_eps") is not None:
        tail += f" rms_norm_eps {mlir_float(spec['rms_norm_eps'])}"
    for name in ["gate_softcap", "up_softcap"]:
        if spec.get(name) is not None:
            tail += f" {name} {spec[name]!r}"
    sep = ",\n    "
    return (f"// Generated by moe_case.py layer.\n"
            f"func.func @forward({sep.join(args)}) -> {xty} {{\n"
            f"  %y = moe.layer %x {' '.join(operands)}\n"
            f"      routing {routing} {tail} : {xty} -> {xty}\n"
            f"  return %y : {xty}\n}}\n")


def layer_tensors(a, rng):
    """Stacked weights by role, and the shapes/checkpoint names by role."""
    d, f, e, s = a.hidden, a.inter, a.experts, a.shared_inter
    m = a.latent or d  # the routed experts' model dimension

    def normal(*shape, fan_in):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(
            np.float32)

    # The router, selection bias and router bias have a row per routed and
    # per identity expert; stacked shared experts add a row each.
    stacked = a.n_shared if a.shared == "stacked" else 0
    r = e + (a.identity_experts or 0)
    w = {"router": normal(r + stacked, d, fan_in=d)
         * np.float32(a.router_scale)}
    if a.bias:
        w["bias"] = rng.uniform(-a.bias_range, a.bias_range, r).astype(
            np.float32)
    w["w1"] = normal(e, f, m, fan_in=m)
    if a.gated:
        w["w3"] = normal(e, f, m, fan_in=m)
    w["w2"] = normal(e, m, f, fan_in=f)
    if stacked:
        # S stacked shared experts [S, s, D], [S, D, s].
        w["shared_w1"] = normal(stacked, s, d, fan_in=d)
        if a.gated:
            w["shared_w3"] = normal(stacked, s, d, fan_in=d)
        w["shared_w2"] = normal(stacked, d, s, fan_in=s)
    elif a.shared != "none":
        w["shared_w1"] = normal(s, d, fan_in=d)
        if a.shared == "gated":
            w["shared_w3"] = normal(s, d, fan_in=d)
        w["shared_w2"] = normal(d, s, fan_in=s)
        if a.shared_gate:
            w["shared_gate"] = normal(1, d, fan_in=d)
        if a.shared_bias:
            w["shared_b1"] = rng.standard_normal(s).astype(np.float32) * 0.5
            if a.shared == "gated":
                w["shared_b3"] = (rng.standard_normal(s).astype(np.float32)
                                  * 0.5)
            w["shared_b2"] = rng.standard_normal(d).astype(np.float32) * 0.5
    if a.router_bias:
        w["router_bias"] = rng.uniform(-a.bias_range, a.bias_range,
                                       r).astype(np.float32)
    if a.expert_bias:
        w["b1"] = rng.standard_normal((e, f)).astype(np.float32) * 0.5
        if a.gated:
            w["b3"] = rng.standard_normal((e, f)).astype(np.float32) * 0.5
        w["b2"] = rng.standard_normal((e, m)).astype(np.float32) * 0.5
    if a.output_bias:
        w["output_bias"] = rng.standard_normal(d).astype(np.float32) * 0.5
    if a.expert_scale != "none":
        n = e + a.identity_experts if a.expert_scale == "per" else 1
        w["expert_scale"] = rng.uniform(0.5, 1.5, n).astype(np.float32)
    for role in a.norms:
        shape = (e, m) if role == "expert_norm" else (d,)
        w[role] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if a.latent:
        w["latent_in"] = normal(m, d, fan_in=d)
        w["latent_out"] = normal(d, m, fan_in=m)
        if a.latent_bias:
            w["latent_in_bias"] = (rng.standard_normal(m)
                                   .astype(np.float32) * 0.5)
            w["latent_out_bias"] = (rng.standard_normal(d)
                                    .astype(np.float32) * 0.5)
    names = {"shared_b1": "moe.shared.w1.bias",
             "shared_b3": "moe.shared.w3.bias",
             "shared_b2": "moe.shared.w2.bias",
             "latent_in": "moe.latent.in.weight",
             "latent_out": "moe.latent.out.weight",
             "latent_in_bias": "moe.latent.in.bias",
             "latent_out_bias": "moe.latent.out.bias",
             "router": "moe.router.weight", "bias": "moe.router.bias",
             "router_bias": "moe.router.logit_bias",
             "b1": "moe.experts.{e}.w1.bias",
             "b3": "moe.experts.{e}.w3.bias",
             "b2": "moe.experts.{e}.w2.bias",
             "output_bias": "moe.output.bias",
             "expert_scale": "moe.router.expert_scale",
             "pre_norm": "moe.pre_norm.weight",
             "router_norm": "moe.router.norm.weight",
             "post_norm": "moe.post_norm.weight",
             "expert_norm": "moe.experts.{e}.norm.weight",
             "shared_norm": "moe.shared.norm.weight",
             "w1": "moe.experts.{e}.w1.weight",
             "w3": "moe.experts.{e}.w3.weight",
             "w2": "moe.experts.{e}.w2.weight",
             "shared_w1": "moe.shared.w1.weight",
             "shared_w3": "moe.shared.w3.weight",
             "shared_w2": "moe.shared.w2.weight",
             "shared_gate": "moe.shared.gate.weight"}
    shapes = {r: (names[r], list(v.shape)) for r, v in w.items()}
    return w, shapes


def unstack(w, shapes):
    """Checkpoint tensors: stacked roles are split into per-expert tensors
    under the name with `{e}` replaced."""
    out = {}
    for role, arr in w.items():
        name = shapes[role][0]
        if "{e}" in name:
            for i in range(arr.shape[0]):
                out[name.replace("{e}", str(i))] = arr[i]
        else:
            out[name] = arr
    return out


def restack(tensors, shapes):
    """The inverse of `unstack`, from what was read back."""
    w = {}
    for role, (name, shape) in shapes.items():
        if "{e}" in name:
            w[role] = np.stack([tensors[name.replace("{e}", str(i))]
                                for i in range(shape[0])])
        else:
            w[role] = tensors[name]
    return w


def layer_spec(a):
    return {
        "routing": a.routing, "capacity": a.capacity, "k": a.k,
        "scoring": a.scoring, "normalize": bool(a.normalize),
        "scaling": a.scaling, "num_groups": a.groups or 0,
        "topk_groups": a.topk_groups or 0, "group_score": a.group_score,
        "order": a.order, "softcap": a.softcap, "norm_eps": a.norm_eps,
        "norm_min": a.norm_min, "norm_p": a.norm_p,
        "weights_on_input": bool(a.weights_on_input),
        "group_fill": a.group_fill, "logit_scale": a.logit_scale,
        "gated": bool(a.gated), "activation": a.act,
        "alpha": a.alpha, "limit": a.limit, "shared_limit": a.shared_limit,
        "limit_after_act": bool(a.limit_after_act),
        "gate_softcap": a.gate_softcap, "up_softcap": a.up_softcap,
        "shared": a.shared != "none", "output_scale": a.output_scale,
        "stacked_shared": a.n_shared if a.shared == "stacked" else 0,
        "drop_policy": a.drop_policy, "capacity_factor": a.capacity_factor,
        "jitter": a.jitter, "identity_experts": a.identity_experts,
        "rms_norm_eps": a.rms_norm_eps if a.norms else None,
    }


def convert(tensors, dtype):
    """The checkpoint's tensors in `dtype` (f32, bf16 or f16), as written."""
    if dtype == "f32":
        return tensors
    if dtype == "bf16":
        return {n: st.BF16(t) for n, t in tensors.items()}
    return {n: t.astype(np.float16) for n, t in tensors.items()}


def widen(tensors):
    """What a reader gets back: bf16 as float32, others as stored."""
    return {n: t.to_f32() if isinstance(t, st.BF16) else t
            for n, t in tensors.items()}


#===----------------------------------------------------------------------===#
# Generation with seeds that keep every decision away from a tie
#===----------------------------------------------------------------------===#


def acceptable(stats, a):
    if stats["margins"].min_gap < MIN_MARGIN:
        return False
    if a.expect_drops and stats["dropped"] == 0:
        return False
    if a.expect_no_drops and stats["dropped"] != 0:
        return False
    return True


def generate(a):
    os.makedirs(a.dir, exist_ok=True)
    for attempt in range(200):
        seed = a.seed + attempt
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((a.tokens, a.hidden)).astype(np.float32)
        if a.command == "hf":
            cfg = make_config(a)
            tensors = convert(hf_tensors(a, cfg, rng), a.dtype)
            _, stats = ref.hf_layer(cfg, widen(tensors), a.layer, x,
                                    a.drop_policy, a.capacity_factor)
        else:
            spec = layer_spec(a)
            w, shapes = layer_tensors(a, rng)
            _, stats = ref.spec_layer(spec, w, x)
        if acceptable(stats, a):
            break
    else:
        raise SystemExit("no seed gives a decision margin above "
                         f"{MIN_MARGIN} (last: {stats['margins'].notes[-1:]})")

    case = {"kind": a.command, "seed": seed, "layer": a.layer,
            "drop_policy": a.drop_policy,
            "capacity_factor": a.capacity_factor}
    if a.command == "hf":
        with open(os.path.join(a.dir, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        if a.single_file:
            path = os.path.join(a.dir, "model.safetensors")
            st.write(path, tensors, metadata={"format": "pt"})
            check = st.cross_check(path, tensors)
            case["weights"] = ["model.safetensors"]
        else:
            check = write_shards(a.dir, tensors)
            case["weights"] = SHARDS
    else:
        case["spec"], case["shapes"] = spec, shapes
        with open(os.path.join(a.dir, "layer.mlir"), "w") as f:
            f.write(layer_module(a, spec, shapes))
        path = os.path.join(a.dir, "weights.safetensors")
        tensors = unstack(w, shapes)
        st.write(path, tensors)
        check = st.cross_check(path, tensors)
        case["weights"] = ["weights.safetensors"]
    np.save(os.path.join(a.dir, "x.npy"), x)
    with open(os.path.join(a.dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
    print(f"seed={seed} tokens={a.tokens} dropped={stats['dropped']} of "
          f"{stats['assignments']}; {check}")


#===----------------------------------------------------------------------===#
# Check
#===----------------------------------------------------------------------===#


def check(a):
    with open(os.path.join(a.dir, "case.json")) as f:
        case = json.load(f)
    x = np.load(os.path.join(a.dir, "x.npy"))
    y = np.load(os.path.join(a.dir, a.output))
    tensors = st.read_all(os.path.join(a.dir, p) for p in case["weights"])
    if case["kind"] == "hf":
        with open(os.path.join(a.dir, "config.json")) as f:
            cfg = json.load(f)
        want, stats = ref.hf_layer(cfg, tensors, case["layer"], x,
                                   case["drop_policy"],
                                   case["capacity_factor"])
    else:
        want, stats = ref.spec_layer(case["spec"],
                                     restack(tensors, case["shapes"]), x)
    print(f"dropped={stats['dropped']} of {stats['assignments']}")
    if a.expect_drops and stats["dropped"] == 0:
        print("FAIL: expected some assignments to be dropped")
        return 1
    if a.expect_no_drops and stats["dropped"] != 0:
        print("FAIL: expected no assignment to be dropped")
        return 1
    if y.shape != want.shape or y.dtype != np.float32:
        print(f"FAIL: got {y.dtype}{list(y.shape)}, want "
              f"float32{list(want.shape)}")
        return 1
    err = np.abs(y.astype(np.float64) - want)
    bound = ATOL + RTOL * np.abs(want)
    rel = err / np.maximum(np.abs(want), 1e-30)
    print(f"max_abs_err={err.max():.3e} max_rel_err={rel.max():.3e} "
          f"max|ref|={np.abs(want).max():.3g}")
    bad = ~(err <= bound)  # NaN counts as bad
    if bad.any():
        t, d = np.argwhere(bad)[0]
        print(f"FAIL: {int(bad.sum())} of {bad.size} elements out of "
              f"rtol {RTOL} / atol {ATOL}; first at [{t}, {d}]: got "
              f"{y[t, d]!r}, want {want[t, d]!r}; rows with errors: "
              f"{sorted(set(np.argwhere(bad)[:, 0].tolist()))[:16]}")
        return 1
    print("PASS")
    return 0


#===----------------------------------------------------------------------===#
# Command line
#===----------------------------------------------------------------------===#


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def add_common(q):
        q.add_argument("dir")
        q.add_argument("--seed", type=int, default=1)
        q.add_argument("--tokens", type=int, default=16)
        q.add_argument("--hidden", type=int, default=32)
        q.add_argument("--inter", type=int, default=48)
        q.add_argument("--experts", type=int, default=8)
        q.add_argument("--k", type=int, default=2)
        q.add_argument("--bias-range", type=float, default=0.1)
        q.add_argument("--router-scale", type=float, default=1.0,
                       help="router logits' standard deviation")
        q.add_argument("--drop-policy", choices=["position", "score"])
        q.add_argument("--capacity-factor", type=float)
        q.add_argument("--expect-drops", action="store_true")
        q.add_argument("--expect-no-drops", action="store_true")

    hf = sub.add_parser("hf", help="a Hugging Face config and checkpoint")
    add_common(hf)
    hf.add_argument("--family", required=True,
                    choices=sorted(ref.HF_FAMILIES))
    hf.add_argument("--layer", type=int, default=1)
    hf.add_argument("--dtype", choices=["f32", "bf16", "f16"], default="f32",
                    help="dtype of the checkpoint tensors")
    hf.add_argument("--layers", type=int, default=4)
    hf.add_argument("--act", default="silu", help="config hidden_act")
    hf.add_argument("--norm", type=int, default=1, help="norm_topk_prob")
    hf.add_argument("--shared-inter", type=int, default=40)
    hf.add_argument("--n-shared", type=int, default=1)
    hf.add_argument("--scaling", type=float, default=1.0)
    hf.add_argument("--groups", type=int, default=None)
    hf.add_argument("--topk-groups", type=int, default=None)
    hf.add_argument("--topk-method", default=None)
    hf.add_argument("--first-dense", type=int, default=0)
    hf.add_argument("--freq", type=int, default=1)
    hf.add_argument("--sparse-step", type=int, default=1)
    hf.add_argument("--mlp-only", type=int, nargs="*", default=[])
    hf.add_argument("--experts-key", default="num_experts",
                    choices=["num_experts", "num_local_experts", "both"],
                    help="qwen3_moe: the key of the expert count (the Hub's "
                    "num_experts, transformers 5's num_local_experts, or "
                    "both, agreeing)")
    hf.add_argument("--single-file", action="store_true",
                    help="one model.safetensors instead of two shards and "
                    "the index")

    ly = sub.add_parser("layer", help="a hand-written moe.layer module")
    add_common(ly)
    ly.add_argument("--static-tokens", action="store_true")
    ly.add_argument("--routing", choices=["token", "expert_choice"],
                    default="token")
    ly.add_argument("--capacity", type=int, default=4,
                    help="expert-choice capacity")
    ly.add_argument("--scoring",
                    choices=["softmax", "sigmoid", "sqrt_softplus",
                             "sparsemixer"],
                    default="softmax")
    ly.add_argument("--order", choices=["score_first", "topk_first"],
                    default="score_first")
    ly.add_argument("--softcap", type=float, default=None)
    ly.add_argument("--norm-eps", type=float, default=None)
    ly.add_argument("--norm-min", type=float, default=None)
    ly.add_argument("--norm-p", type=float, default=None)
    ly.add_argument("--weights-on-input", action="store_true")
    ly.add_argument("--group-fill", type=float, default=None)
    ly.add_argument("--logit-scale", type=float, default=None)
    ly.add_argument("--normalize", type=int, default=0)
    ly.add_argument("--scaling", type=float, default=1.0)
    ly.add_argument("--groups", type=int, default=0)
    ly.add_argument("--topk-groups", type=int, default=0)
    ly.add_argument("--group-score", choices=["top2sum", "max"],
                    default="top2sum")
    ly.add_argument("--bias", action="store_true")
    ly.add_argument("--gated", type=int, default=1)
    ly.add_argument("--act", choices=sorted(ref.MOE_ACT), default="silu")
    ly.add_argument("--shared", choices=["none", "gated", "plain", "stacked"],
                    default="none",
                    help="stacked: --n-shared experts [S, F, D] weighted "
                    "by the router's last S rows")
    ly.add_argument("--n-shared", type=int, default=2,
                    help="the number of stacked shared experts")
    ly.add_argument("--shared-gate", action="store_true")
    ly.add_argument("--shared-inter", type=int, default=40)
    ly.add_argument("--alpha", type=float, default=None,
                    help="swiglu_oai's alpha")
    ly.add_argument("--limit", type=float, default=None,
                    help="clamp limit of the gated routed experts")
    ly.add_argument("--shared-limit", type=float, default=None,
                    help="clamp limit of the gated shared expert")
    ly.add_argument("--limit-after-act", action="store_true",
                    help="clamp the activated gate (Bailing hybrid)")
    ly.add_argument("--gate-softcap", type=float, default=None,
                    help="swiglu_softcap's soft cap of the gate")
    ly.add_argument("--up-softcap", type=float, default=None,
                    help="swiglu_softcap's soft cap of the up projection")
    ly.add_argument("--router-bias", action="store_true",
                    help="router_bias [E], added to the router logits")
    ly.add_argument("--expert-bias", action="store_true",
                    help="b1 [E, F], b3 [E, F] (gated), b2 [E, D]")
    ly.add_argument("--output-bias", action="store_true",
                    help="output_bias [D], added to every token's result")
    ly.add_argument("--shared-bias", action="store_true",
                    help="shared_b1 [S], shared_b3 [S] (gated), shared_b2 [D]")
    ly.add_argument("--latent", type=int, default=0,
                    help="latent size L: latent_in [L, D], latent_out [D, L]")
    ly.add_argument("--latent-bias", action="store_true",
                    help="latent_in_bias [L], latent_out_bias [D]")
    ly.add_argument("--output-scale", type=float, default=None,
                    help="output_scale: multiplies routed + shared")
    ly.add_argument("--jitter", type=float, default=None,
                    help="sparsemixer's threshold (with --scoring "
                    "sparsemixer)")
    ly.add_argument("--identity-experts", type=int, default=0,
                    help="identity experts after the routed ones (the "
                    "router has E + Z rows)")
    ly.add_argument("--expert-scale", choices=["none", "single", "per"],
                    default="none",
                    help="expert_scale [1] or [E], multiplying the routing "
                    "weights")
    ly.add_argument("--norms", nargs="*", default=[],
                    choices=["pre_norm", "router_norm", "post_norm",
                             "expert_norm", "shared_norm"],
                    help="RMSNorm weights of the layer")
    ly.add_argument("--rms-norm-eps", type=float, default=1e-6)
    ly.set_defaults(layer=None)

    ck = sub.add_parser("check", help="compare DIR/y.npy with the reference")
    ck.add_argument("dir")
    ck.add_argument("--output", default="y.npy")
    ck.add_argument("--expect-drops", action="store_true")
    ck.add_argument("--expect-no-drops", action="store_true")

    a = p.parse_args()
    if a.command == "check":
        return check(a)
    if (a.drop_policy is None) != (a.capacity_factor is None):
        p.error("--drop-policy and --capacity-factor go together")
    generate(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
