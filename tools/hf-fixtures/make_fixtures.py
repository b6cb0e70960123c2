#!/usr/bin/env python3
#===- make_fixtures.py - golden outputs of transformers' MoE blocks -------===#
#
# Builds a tiny random model of each Hugging Face transformers MoE family,
# saves it with `save_pretrained`, and records what its sparse MoE block
# returns on random hidden states. Each fixture is a directory
#
#   FIXTURES/<name>/config.json        as save_pretrained wrote it
#   FIXTURES/<name>/model.safetensors  the block's tensors, names as saved
#   FIXTURES/<name>/x.npy, y.npy       hidden states [T, D] and the block's
#                                      output [T, D], float32
#   FIXTURES/<name>/fixture.json       family, layer, block, versions,
#                                      saved tensors and the parameter
#                                      slice each holds, checks, note
#
# so that the lit suite checks `moe-import` + `moe-run` against the real
# implementation without torch. The variants (model type, config overrides,
# layer, notes on what each block computes) are in families.py; README.md
# says how the fixtures are made and checked.
#
# Needs torch and transformers from PyPI:
#   python3 tools/hf-fixtures/make_fixtures.py test/Integration/Import/Fixtures
#   python3 tools/hf-fixtures/make_fixtures.py OUT --only mixtral,gpt_oss
#
#===----------------------------------------------------------------------===#

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
import zlib

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.numpy import load_file, save_file  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from families import VARIANTS  # noqa: E402

# Sizes every family gets unless its variant says otherwise: D = 16, E = 8,
# expert inner size F = 6 (intermediate_size 24 is the dense layers' size;
# families whose experts use intermediate_size set it to 6 in families.py),
# shared inner size 10, k = 2, four layers, small attention.
TINY = {
    "hidden_size": 16,
    "intermediate_size": 24,
    "moe_intermediate_size": 6,
    "num_hidden_layers": 4,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 8,
    "vocab_size": 64,
    "max_position_embeddings": 64,
    "num_experts": 8,
    "num_local_experts": 8,
    "n_routed_experts": 8,
    "moe_num_experts": 8,
    "num_experts_per_tok": 2,
    "num_experts_per_token": 2,
    "moe_topk": 2,
    "moe_k": 2,
    "shared_expert_intermediate_size": 10,
    "n_group": 4,
    "topk_group": 2,
    "num_expert_group": 4,
    "tie_word_embeddings": False,
    "pad_token_id": None,
    "bos_token_id": None,
    "eos_token_id": None,
}

TOKENS = 7
# Standard deviation of the block's random matrices.
SCALE = 0.3


class Refused(Exception):
    """A family whose block cannot be recorded on hidden states alone."""


def tiny_config(model_type, overrides):
    """The family's default config with the TINY sizes it has, then the
    variant's overrides. A dict override of a dict-valued (sub-config) field
    is merged into the field's default instead of replacing it."""
    defaults = AutoConfig.for_model(model_type).to_dict()
    kwargs = {k: v for k, v in TINY.items() if k in defaults}
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(defaults.get(k), dict):
            merged = dict(defaults[k])
            merged.update(v)
            v = merged
        kwargs[k] = v
    return AutoConfig.for_model(model_type, **kwargs)


def find_blocks(model):
    """(path, module) of every module with an `experts` child: the MoE
    blocks."""
    found = []
    for path, module in model.named_modules():
        children = dict(module.named_children())
        if "experts" in children and not path.endswith("experts"):
            found.append((path, module))
    return found


def variant_blocks(model, variant, config):
    """(path, module) of every MoE block of `model` as the variant sees
    them: a module built by its `wrap` from each decoder layer, the layers'
    children named by its `block`, or the modules `find_blocks` finds."""
    if variant.get("wrap"):
        # A module built from a decoder layer where the family's MoE
        # computation is spread over the layer's children.
        blocks = []
        for p, m in model.named_modules():
            if re.search(r"(layers|blocks)\.\d+$", p):
                w = variant["wrap"](m, config)
                if w is not None:
                    blocks.append((p, w))
        return blocks
    if variant.get("block"):
        # The block's module name under a layer, where the module with an
        # `experts` child is not the MoE block (or there is none).
        return [(p, m) for p, m in model.named_modules()
                if re.search(r"(layers|blocks)\.\d+\.%s$" % variant["block"],
                             p)]
    return find_blocks(model)


def randomize(block, generator, scale):
    """Weights of a useful size (the default init gives tiny outputs), and a
    random selection bias. Every value is a fresh random float, so that
    `kept_tensors` can recognise the block's tensors in the saved checkpoint
    by their values. Vectors (biases, norm scales) are 1 + N(0, 0.1) where
    the name says norm/scale, N(0, 0.1) otherwise."""
    def draw(name, p):
        if p.dim() >= 2:
            p.copy_(torch.randn(p.shape, generator=generator) * scale)
        elif re.search(r"(norm|scale)", name, re.I) and "bias" not in name:
            p.copy_(1 + torch.randn(p.shape, generator=generator) * 0.1)
        else:
            p.copy_(torch.randn(p.shape, generator=generator) * 0.1)

    tensors = [(n, p) for n, p in block.named_parameters(recurse=True)
               if p.is_floating_point()]
    tensors += [(n, b) for n, b in block.named_buffers(recurse=True)
                if b.is_floating_point() and "bias" in n]
    with torch.no_grad():
        for name, p in tensors:
            draw(name, p)
        # Every value distinct (the checkpoint's tensors are found by value).
        for _ in range(20):
            seen, again = set(), []
            for name, p in tensors:
                vals = p.reshape(-1).tolist()
                if len(set(vals)) != len(vals) or seen.intersection(vals):
                    again.append((name, p))
                seen.update(vals)
            if not again:
                break
            for name, p in again:
                draw(name, p)


# A saved tensor name under decoder layer %d (most families name the list
# `layers`, DBRX `blocks`).
LAYER = r"(?:^|\.)(?:layers|blocks)\.%d\."

# The first name component under a layer that is not part of its MoE block.
NOT_MOE = re.compile(r"(attn|attention|layernorm|_norm|^norm|ln_|mamba|"
                     r"linear_attn|conv|token_mixer)", re.I)


def in_block(name, layer):
    """Whether saved tensor `name` belongs to layer `layer`'s MoE block by
    its name (the saved names may differ from the module path:
    transformers renames some on save)."""
    m = re.search((LAYER % layer) + r"([^.]+)\.", name)
    return bool(m) and not NOT_MOE.search(m.group(1))


def block_values(block):
    """The set of float values of the block's randomized tensors."""
    values = set()
    for _, t in list(block.named_parameters()) + list(block.named_buffers()):
        if t.is_floating_point() and t.numel():
            values.update(t.detach().float().reshape(-1).tolist())
    return values


def kept_tensors(tensors, layer, block):
    """The saved tensors of the MoE block of layer `layer`: those under the
    layer whose float values all are values of the block's (randomized)
    parameters and buffers, whatever the checkpoint names, transposes,
    splits or fuses them into; integer tensors by name (`in_block`).
    Fails where a block parameter's values are not all found in the kept
    tensors (a tensor the checkpoint does not hold, or holds converted)."""
    values = block_values(block)
    kept = {}
    for k, v in tensors.items():
        if not re.search(LAYER % layer, k):
            continue
        if np.issubdtype(v.dtype, np.floating):
            flat = v.astype(np.float32).reshape(-1).tolist()
            if flat and all(f in values for f in flat):
                kept[k] = v
        elif in_block(k, layer):
            kept[k] = v
    saved = set()
    for v in kept.values():
        if np.issubdtype(v.dtype, np.floating):
            saved.update(v.astype(np.float32).reshape(-1).tolist())
    for name, p in block.named_parameters():
        if p.is_floating_point() and p.numel():
            vals = set(p.detach().float().reshape(-1).tolist())
            if not vals <= saved:
                raise RuntimeError("parameter %s of the block is not in the "
                                   "saved tensors of layer %d" % (name, layer))
    return kept


def _axis_range(idx):
    """'i' for one index, 'a:b' or 'a:b:s' for an arithmetic run, None
    otherwise."""
    u = np.unique(idx)
    if len(u) == 1:
        return str(u[0])
    step = u[1] - u[0]
    if not np.all(np.diff(u) == step):
        return None
    return "%d:%d" % (u[0], u[-1] + 1) if step == 1 else \
        "%d:%d:%d" % (u[0], u[-1] + 1, step)


def _interleave_rows(a):
    """[..., n, m] with rows [r0 .. r(n/2-1), s0 .. s(n/2-1)] ->
    [r0, s0, r1, s1, ...]."""
    h = a.shape[-2] // 2
    return np.stack([a[..., :h, :], a[..., h:, :]], axis=-2).reshape(a.shape)


def provenance(tensors, block):
    """For each kept saved tensor, the slice of the block's parameter whose
    values it holds, e.g. 'experts.gate_up_proj[3, 0:6, 0:16]', followed by
    ' transposed' (last two axes swapped), ' reshaped', ' with the two
    halves of axis -2 interleaved' or ' permuted' (any other order) where
    the saved tensor is not that slice as it is."""
    params, index = {}, {}
    for name, t in list(block.named_parameters()) + list(block.named_buffers()):
        if t.is_floating_point() and t.numel():
            a = t.detach().float().numpy()
            params[name] = a
            index[name] = {v: i for i, v in enumerate(a.reshape(-1).tolist())}
    out = {}
    for k, v in sorted(tensors.items()):
        if not np.issubdtype(v.dtype, np.floating):
            out[k] = "integer tensor"
            continue
        flat = v.astype(np.float32).reshape(-1).tolist()
        names = [n for n in params if all(f in index[n] for f in flat)]
        if len(names) != 1:
            out[k] = "mixed or ambiguous: " + ", ".join(sorted(names))
            continue
        name = names[0]
        a = params[name]
        pos = np.unravel_index([index[name][f] for f in flat], a.shape)
        axes = [_axis_range(p) for p in pos]
        if None in axes:
            out[k] = name + " (no plain slice)"
            continue
        desc = "%s[%s]" % (name, ", ".join(axes))
        slices = []
        for p in pos:
            u = np.unique(p)
            step = int(u[1] - u[0]) if len(u) > 1 else 1
            slices.append(slice(int(u[0]), int(u[-1]) + 1, step))
        sl = a[tuple(slices)]
        vv = v.astype(np.float32)
        if sl.size != vv.size:
            desc += " permuted"
        elif np.array_equal(sl.reshape(vv.shape), vv):
            desc += "" if np.squeeze(sl).shape == np.squeeze(vv).shape \
                else " reshaped"
        elif sl.ndim >= 2 and np.swapaxes(sl, -1, -2).shape == vv.shape \
                and np.array_equal(np.swapaxes(sl, -1, -2), vv):
            desc += " transposed"
        elif sl.shape == vv.shape and sl.ndim >= 2 and sl.shape[-2] % 2 == 0 \
                and np.array_equal(_interleave_rows(sl), vv):
            desc += (" with the two halves of axis -2 interleaved (saved row "
                     "2i = row i, row 2i+1 = row n/2 + i)")
        else:
            desc += " permuted"
        out[k] = desc
    return out


def run_block(block, x):
    out = block(x.unsqueeze(0))
    if isinstance(out, (tuple, list)):
        out = out[0]
    if out is None:
        raise RuntimeError("the block returned None")
    return out.reshape(x.shape)


class TopkRecorder:
    """Records the inputs of every torch.topk call made while the block
    runs (the router's selection, a group selection), to check that no
    token's selection hinges on a near-tie: along the topk dimension the
    k-th largest and the (k+1)-th largest value must differ by at least
    MIN_GAP. Calls that select everything (k = size) are not checked."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        self.fn = torch.topk
        self.method = torch.Tensor.topk
        rec = self

        def topk(input, k, dim=-1, largest=True, sorted=True, **kw):
            rec.calls.append((input.detach().clone(), int(k), dim, largest))
            return rec.fn(input, k, dim=dim, largest=largest, sorted=sorted,
                          **kw)

        def method(self_, k, dim=-1, largest=True, sorted=True, **kw):
            return topk(self_, k, dim, largest, sorted, **kw)

        torch.topk = topk
        torch.Tensor.topk = method
        return self

    def __exit__(self, *exc):
        torch.topk = self.fn
        torch.Tensor.topk = self.method

    def min_gap(self):
        """The smallest k-th / (k+1)-th gap over all checked calls and rows
        (inf when nothing was checked), and the number of calls checked."""
        gap, checked = float("inf"), 0
        for t, k, dim, largest in self.calls:
            n = t.shape[dim]
            if k >= n or not t.is_floating_point():
                continue
            checked += 1
            s = torch.sort(t.double(), dim=dim, descending=largest).values
            a = s.narrow(dim, k - 1, 1)
            b = s.narrow(dim, k, 1)
            gap = min(gap, float((a - b).abs().min()))
        return gap, checked


MIN_GAP = 1e-3
X_TRIES = 50


def make(name, variant, out_dir, seed):
    if variant.get("refused"):
        raise Refused(variant["refused"])
    model_type = variant["model_type"]
    config = tiny_config(model_type, variant.get("config", {}))
    # A seed of its own for each fixture, so that no two fixtures hold the
    # same numbers.
    seed = seed * 1000003 + zlib.crc32(name.encode()) % 1000003
    torch.manual_seed(seed)
    # The experts' own forward (the loop over experts in the modeling
    # code), not the grouped_mm / batched_mm kernels transformers picks by
    # default (the same computation; grouped_mm also wants 16-byte strides).
    model = AutoModelForCausalLM.from_config(
        config, torch_dtype=torch.float32, experts_implementation="eager")
    model.eval()
    blocks = variant_blocks(model, variant, config)
    if not blocks:
        raise RuntimeError("no MoE block (no module with an 'experts' child)")
    want = variant.get("layer")
    if want is not None:
        blocks = [b for b in blocks if re.search(r"\.%d\." % want, b[0] + ".")]
        if not blocks:
            raise RuntimeError("layer %d has no MoE block" % want)
    path, block = blocks[0]
    layer = int(re.search(r"\.(\d+)(\.|$)", path).group(1))
    generator = torch.Generator().manual_seed(seed)
    randomize(block, generator, variant.get("scale", SCALE))
    if variant.get("adjust"):
        # A variant's change to the drawn values (e.g. a larger bias).
        with torch.no_grad():
            variant["adjust"](block)
    hidden = config.get_text_config().hidden_size
    # Draw x until no token's expert selection is a near-tie.
    for attempt in range(X_TRIES):
        x = torch.randn(TOKENS, hidden, generator=generator)
        with torch.no_grad(), TopkRecorder() as rec:
            y = run_block(block, x)
        gap, checked = rec.min_gap()
        if variant.get("check"):
            # The family's own margin, where it selects without torch.topk.
            with torch.no_grad():
                gap = min(gap, variant["check"](block, x))
            checked += 1
        if gap >= MIN_GAP:
            break
    else:
        raise RuntimeError("every x of %d draws has a near-tie in the expert "
                           "selection (gap %.2g)" % (X_TRIES, gap))
    rms = float(y.pow(2).mean().sqrt())
    if not 0.05 <= rms <= 20:
        raise RuntimeError("block output rms %.3g is out of [0.05, 20]" % rms)

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tensors = {}
        for f in sorted(os.listdir(tmp)):
            if f.endswith(".safetensors"):
                tensors.update(load_file(os.path.join(tmp, f)))
        kept = kept_tensors(tensors, layer, block)
        if not kept:
            raise RuntimeError("no saved tensor of layer %d (saved: %s)" %
                               (layer, ", ".join(sorted(tensors)[:8])))
        dest = os.path.join(out_dir, name)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        shutil.copy(os.path.join(tmp, "config.json"), dest)
    save_file({k: np.ascontiguousarray(v) for k, v in kept.items()},
              os.path.join(dest, "model.safetensors"))
    np.save(os.path.join(dest, "x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(dest, "y.npy"), y.numpy().astype(np.float32))
    meta = {
        "family": model_type,
        "layer": layer,
        "block": path,
        "block_class": getattr(block, "description", type(block).__name__),
        "tensors": {k: list(v.shape) for k, v in sorted(kept.items())},
        "tensor_sources": provenance(kept, block),
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        "experts_implementation": "eager",
        "seed": seed,
        "x_draw": attempt,
        "topk_calls_checked": checked,
        "min_topk_gap": None if checked == 0 else round(gap, 6),
        "y_rms": round(rms, 4),
        "config_overrides": variant.get("config", {}),
        "note": variant.get("note", ""),
    }
    text = json.dumps(meta, indent=1)
    # Shapes on one line each.
    text = re.sub(r"\[\s*([0-9,\s]*?)\s*\]",
                  lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    with open(os.path.join(dest, "fixture.json"), "w") as f:
        f.write(text + "\n")
    return meta


def table(out):
    """The README's list of fixtures, from the fixtures in `out`."""
    print("| fixture | model_type | layer | block | E | k | checked gap |")
    print("|---|---|---|---|---|---|---|")
    ekeys = ("num_experts", "num_local_experts", "n_routed_experts",
             "moe_num_experts")
    kkeys = ("num_experts_per_tok", "num_experts_per_token", "moe_topk",
             "moe_k", "top_k_experts")
    for name, variant in VARIANTS.items():
        if variant.get("refused"):
            print("| %s | %s | %s | not built: %s | | | |" % (
                name, variant["model_type"], variant.get("layer", ""),
                variant["refused"]))
            continue
        d = os.path.join(out, name)
        meta = json.load(open(os.path.join(d, "fixture.json")))
        c = json.load(open(os.path.join(d, "config.json")))
        c.update(c.get("ffn_config") or {})
        e = next((c[k] for k in ekeys if isinstance(c.get(k), int)), None)
        k = next((c[k] for k in kkeys if c.get(k) is not None), None)
        if isinstance(k, list):
            k = k[meta["layer"]]
        print("| %s | %s | %d | %s | %s | %s | %s |" % (
            name, meta["family"], meta["layer"], meta["block_class"],
            e, k if k is not None else c.get("moe_top_k"),
            meta["min_topk_gap"]))


def main():
    parser = argparse.ArgumentParser(
        description="golden outputs of transformers MoE blocks")
    parser.add_argument("out", help="directory of the fixtures")
    parser.add_argument("--only", default="",
                        help="comma-separated fixture names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--table", action="store_true",
                        help="print the README's list of the fixtures in OUT "
                        "and exit")
    args = parser.parse_args()
    if args.table:
        table(args.out)
        return 0
    only = [s for s in args.only.split(",") if s]
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for name, variant in VARIANTS.items():
        if only and name not in only:
            continue
        try:
            meta = make(name, variant, args.out, args.seed)
            print("ok   %-34s layer %d %-28s rms %.3f gap %s" % (
                name, meta["layer"], meta["block_class"], meta["y_rms"],
                meta["min_topk_gap"]))
        except Refused as e:
            shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
            print("skip %-34s %s" % (name, e))
        except Exception as e:  # report every family, then fail
            failed += 1
            print("FAIL %-34s %s" % (name, str(e).splitlines()[0][:200]))
            if os.environ.get("FIXTURE_TRACEBACK"):
                import traceback
                traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
