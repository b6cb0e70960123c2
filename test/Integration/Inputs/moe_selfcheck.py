#!/usr/bin/env python3
#===- moe_selfcheck.py - checks of the reference itself, without compiler --===#
#
# 1. The hand-written safetensors reader and writer round-trip every dtype
#    the tests use, and agree with the `safetensors` package when it imports.
# 2. The two halves of moe_reference.py agree: each Hugging Face family's
#    forward (written like the modeling code) against the DESIGN §1
#    formulation with the routing parameters that family should map to.
#    A bug in a group mask, a renormalization or a bias would show here
#    before any compiled code runs.
# 3. The capacity rule drops what GShard / batch-priority routing drop on a
#    case small enough to work out by hand.
#
#===----------------------------------------------------------------------===#

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moe_reference as ref  # noqa: E402
import safetensors_io as st  # noqa: E402


def check_safetensors(tmp):
    rng = np.random.default_rng(0)
    tensors = {
        "a.f32": rng.standard_normal((3, 5)).astype(np.float32),
        "b.f16": rng.standard_normal((4,)).astype(np.float16),
        "c.i32": np.arange(6, dtype=np.int32).reshape(2, 3),
        "d.f64": rng.standard_normal((2, 2, 2)),
        "e.scalar": np.array(1.5, dtype=np.float32),
    }
    path = os.path.join(tmp, "t.safetensors")
    st.write(path, tensors, metadata={"format": "pt"})
    back = st.read(path)
    assert set(back) == set(tensors)
    for name, arr in tensors.items():
        assert back[name].dtype == arr.dtype and np.array_equal(back[name], arr)
    bf = st.BF16(np.array([1.0, -2.5, 3.14159, 1e-3], dtype=np.float32))
    st.write(path, {"w": bf})
    got = st.read(path)["w"]
    # Round to nearest even on 7 mantissa bits: 1e-3 = 1.024 * 2^-10 becomes
    # 1.0234375 * 2^-10.
    want = np.array([1.0, -2.5, 3.140625, 0.00099945068359375],
                    dtype=np.float32)
    assert np.array_equal(got, want), got
    path = os.path.join(tmp, "t2.safetensors")
    st.write(path, tensors)
    print("safetensors round trip: ok;", st.cross_check(path, tensors))


def hf_vs_spec(name, cfg, spec, layer=0, tokens=9, seed=0):
    """Random weights under the family's names; the same weights stacked for
    the spec formulation; both outputs must agree."""
    rng = np.random.default_rng(seed)
    fam = ref.HF_FAMILIES[cfg["model_type"]](cfg, layer)
    d, e = cfg["hidden_size"], fam.num_experts
    f = cfg.get("moe_intermediate_size", cfg.get("intermediate_size"))
    W = {fam.name("gate.weight"): rng.standard_normal((e, d)) / np.sqrt(d)}
    stacked = {"router": W[fam.name("gate.weight")]}
    g, u, dn = fam.expert_names
    for role, proj, shape in (("w1", g, (f, d)), ("w3", u, (f, d)),
                              ("w2", dn, (d, f))):
        arr = rng.standard_normal((e,) + shape) / np.sqrt(shape[1])
        stacked[role] = arr
        for i in range(e):
            W[fam.name(f"experts.{i}.{proj}.weight")] = arr[i]
    if cfg["model_type"] == "deepseek_v3":
        bias = rng.uniform(-0.05, 0.05, e)
        W[fam.name("gate.e_score_correction_bias")] = bias
        stacked["bias"] = bias
    shared_names = {"qwen2_moe": "shared_expert",
                    "deepseek_v2": "shared_experts",
                    "deepseek_v3": "shared_experts"}
    if spec.get("shared"):
        s = spec.pop("shared_size")
        prefix = shared_names[cfg["model_type"]]
        for role, proj, shape in (("shared_w1", g, (s, d)),
                                  ("shared_w3", u, (s, d)),
                                  ("shared_w2", dn, (d, s))):
            arr = rng.standard_normal(shape) / np.sqrt(shape[1])
            stacked[role] = arr
            W[fam.name(f"{prefix}.{proj}.weight")] = arr
        if cfg["model_type"] == "qwen2_moe":
            arr = rng.standard_normal((1, d)) / np.sqrt(d)
            stacked["shared_gate"] = arr
            W[fam.name("shared_expert_gate.weight")] = arr
    x = rng.standard_normal((tokens, d))
    a, _ = ref.hf_layer(cfg, W, layer, x)
    b, _ = ref.spec_layer(spec, stacked, x)
    err = np.abs(a - b).max()
    assert err < 1e-12, f"{name}: families and spec differ by {err}"
    print(f"{name}: hf and spec agree (max diff {err:.1e})")


def spec(k, scoring="softmax", normalize=False, scaling=1.0, groups=0,
         topk_groups=0, group_score="top2sum", shared=False, shared_size=0,
         act="silu"):
    return {"routing": "token", "k": k, "scoring": scoring,
            "normalize": normalize, "scaling": scaling, "num_groups": groups,
            "topk_groups": topk_groups, "group_score": group_score,
            "gated": True, "activation": act, "shared": shared,
            "shared_size": shared_size}


def check_families():
    base = {"hidden_size": 16, "num_hidden_layers": 2}
    hf_vs_spec("mixtral", dict(base, model_type="mixtral",
                               num_local_experts=8, num_experts_per_tok=2,
                               intermediate_size=12),
               spec(2, normalize=True))
    hf_vs_spec("qwen2_moe", dict(base, model_type="qwen2_moe", num_experts=8,
                                 num_experts_per_tok=3,
                                 moe_intermediate_size=12,
                                 shared_expert_intermediate_size=20,
                                 hidden_act="gelu"),
               spec(3, shared=True, shared_size=20, act="gelu_erf"))
    hf_vs_spec("qwen3_moe", dict(base, model_type="qwen3_moe", num_experts=8,
                                 num_experts_per_tok=2,
                                 moe_intermediate_size=12,
                                 norm_topk_prob=True),
               spec(2, normalize=True))
    hf_vs_spec("olmoe", dict(base, model_type="olmoe", num_experts=4,
                             num_experts_per_tok=1, intermediate_size=12,
                             hidden_act="gelu_pytorch_tanh"),
               spec(1, act="gelu_tanh"))
    v2 = dict(base, model_type="deepseek_v2", n_routed_experts=8,
              num_experts_per_tok=3, moe_intermediate_size=12,
              n_shared_experts=2, routed_scaling_factor=16.0,
              topk_method="group_limited_greedy", n_group=4, topk_group=2)
    hf_vs_spec("deepseek_v2 group max, scaled", v2,
               spec(3, scaling=16.0, groups=4, topk_groups=2,
                    group_score="max", shared=True, shared_size=24))
    # transformers 5 ignores norm_topk_prob for V2: still scaled.
    hf_vs_spec("deepseek_v2 norm_topk_prob", dict(v2, norm_topk_prob=True),
               spec(3, scaling=16.0, groups=4, topk_groups=2,
                    group_score="max", shared=True, shared_size=24))
    hf_vs_spec("deepseek_v2 k=1", dict(v2, norm_topk_prob=True,
                                       num_experts_per_tok=1,
                                       topk_method="greedy"),
               spec(1, scaling=16.0, shared=True, shared_size=24))
    v3 = dict(base, model_type="deepseek_v3", n_routed_experts=16,
              num_experts_per_tok=4, moe_intermediate_size=12,
              n_shared_experts=1, routed_scaling_factor=2.5, n_group=4,
              topk_group=2, norm_topk_prob=True)
    hf_vs_spec("deepseek_v3", v3,
               spec(4, scoring="sigmoid", normalize=True, scaling=2.5,
                    groups=4, topk_groups=2, shared=True, shared_size=12))
    # transformers 5 renormalizes whenever norm_topk_prob, also for k = 1.
    hf_vs_spec("deepseek_v3 k=1", dict(v3, num_experts_per_tok=1),
               spec(1, scoring="sigmoid", normalize=True, scaling=2.5,
                    groups=4, topk_groups=2, shared=True, shared_size=12))


def check_capacity():
    # 4 tokens, k = 2, 2 experts, factor 0.5: C = ceil(0.5 * 4 * 2 / 2) = 2.
    idx = np.array([[0, 1], [0, 1], [1, 0], [0, 1]])
    w = np.array([[0.6, 0.4], [0.7, 0.3], [0.9, 0.1], [0.8, 0.2]])
    # position: first choices in token order go first: expert 0 takes
    # tokens 0, 1 (drops 3's first choice); expert 1 takes token 2's first
    # choice, then token 0's second choice; all later ones drop.
    keep = ref.apply_capacity(idx, w, 2, "position", 0.5)
    assert keep.tolist() == [[True, True], [True, False], [True, False],
                             [False, False]], keep.tolist()
    # score: expert 0 takes weights 0.8 (t3) and 0.7 (t1); expert 1 takes
    # 0.9 (t2) and 0.4 (t0).
    keep = ref.apply_capacity(idx, w, 2, "score", 0.5)
    assert keep.tolist() == [[False, True], [True, False], [True, False],
                             [True, False]], keep.tolist()
    print("capacity: position and score drops as worked out by hand")


def check_expert_forms():
    """The expert FFNs of transformers 5 families, transcribed from their
    modeling code, against moe.experts' gated unit (spec_glu) with the
    parameters and biases each maps to."""
    rng = np.random.default_rng(3)
    d, f = 6, 5
    x = rng.standard_normal((7, d)) * 3
    w1, w3 = rng.standard_normal((f, d)), rng.standard_normal((f, d))
    w2 = rng.standard_normal((d, f))
    b1, b3, b2 = (rng.standard_normal(f), rng.standard_normal(f),
                  rng.standard_normal(d))
    g, u = x @ w1.T, x @ w3.T

    # GptOssExperts: gate_up_proj [D, 2F] interleaved (gate even, up odd
    # columns), gate_up_proj_bias [2F] likewise, down_proj [F, D] + bias.
    gate_up = np.empty((d, 2 * f))
    gate_up[:, ::2], gate_up[:, 1::2] = w1.T, w3.T
    gate_up_bias = np.empty(2 * f)
    gate_up_bias[::2], gate_up_bias[1::2] = b1, b3
    alpha, limit = 1.702, 7.0
    hf = ref.gpt_oss_experts_apply_gate(x @ gate_up + gate_up_bias, alpha,
                                        limit) @ w2.T + b2
    ours = ref.spec_glu("swiglu_oai", g + b1, u + b3, limit, alpha) @ w2.T + b2
    assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "gpt_oss"
    # MiniMaxM3VLExperts: the same gate on gate_up.chunk(2), no biases.
    gate, up = np.minimum(g, limit), np.clip(u, -limit, limit)
    hf = ((up + 1.0) * (gate * ref.sigmoid(gate * alpha))) @ w2.T
    ours = ref.spec_glu("swiglu_oai", g, u, limit, alpha) @ w2.T
    assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "minimax_m3_vl"
    # HYV4Experts: silu(gate.clamp(max=l)) * up.clamp(-l, l).
    limit = 1.5
    hf = (ref.silu(np.minimum(g, limit)) * np.clip(u, -limit, limit)) @ w2.T
    ours = ref.spec_glu("silu", g, u, limit) @ w2.T
    assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "hy_v4"
    # BailingHybridExperts: act(gate).clamp(max=l) * up.clamp(-l, l).
    hf = (np.minimum(ref.silu(g), limit) * np.clip(u, -limit, limit)) @ w2.T
    ours = ref.spec_glu("silu", g, u, limit, after=True) @ w2.T
    assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "bailing_hybrid"
    # NemotronH / Ergo experts: down(relu(up(x))²), ungated.
    hf = np.square(np.maximum(g, 0)) @ w2.T
    ours = ref.MOE_ACT["relu2"](g) @ w2.T
    assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "nemotron_h"
    # Inkling2SoftcappedSwiGLU: softcap(gate) * sigmoid(gate) * softcap(up)
    # with softcap(v, c) = tanh(v / c) * c, the sigmoid of the raw gate.
    for cg, cu in ((4.0, 25.0), (1.0, 2.0)):
        hf = ((np.tanh(g / cg) * cg) * ref.sigmoid(g)
              * (np.tanh(u / cu) * cu)) @ w2.T
        ours = ref.spec_glu("swiglu_softcap", g, u, gate_softcap=cg,
                            up_softcap=cu) @ w2.T
        assert np.allclose(hf, ours, rtol=1e-12, atol=1e-12), "inkling2"
    print("expert forms: gpt_oss, minimax_m3_vl, hy_v4, bailing_hybrid, "
          "nemotron_h, inkling2 agree with spec_glu")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_safetensors(tmp)
    check_families()
    check_expert_forms()
    check_capacity()
    print("SELFCHECK PASS")


if __name__ == "__main__":
    main()
