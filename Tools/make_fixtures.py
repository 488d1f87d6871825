#!/usr/bin/env python3
"""Writes the tiny CLIP fixtures and goldens under Tests/ClipzImportTests/Fixtures/.

Run:  python Tools/make_fixtures.py
Needs torch, transformers, open_clip_torch, onnx, onnxruntime, onnxscript (dynamo export), safetensors.

Every model folder holds the source files a Clipz importer reads, `canonical.npz` +
`canonical_config.json` (what the importer must produce) and `golden.npz` (torch and onnxruntime
outputs). Seeds are fixed, so a rerun writes the same tensors. The script also writes the
Fixtures README with versions, graph facts, torch-vs-ORT differences and file sizes.
"""
import io
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "ClipzImportTests" / "Fixtures"
COMMAND = "python Tools/make_fixtures.py"
CTX = 16                      # text context length of every fixture model
FACTS = {}                    # folder -> list of report lines, turned into the README


def note(folder, line):
    line = line.replace(str(OUT) + "/", "")  # keep machine paths out of the committed README
    FACTS.setdefault(folder, []).append(line)
    print(f"[{folder}] {line}")


def perturb(module, seed, scale=0.05):
    """Adds seeded noise to every parameter so no two tensors are equal (ONNX dedup cannot hide a wrong mapping)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(module.named_parameters()):
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)


def pixels(seed):
    return torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def ids(rows):
    """Zero-padded int64 [len(rows), CTX] token ids."""
    out = torch.zeros(len(rows), CTX, dtype=torch.int64)
    for r, row in enumerate(rows):
        out[r, : len(row)] = torch.tensor(row)
    return out


def f32(t):
    return t.detach().to(torch.float32).cpu().numpy().copy()


# ---------------------------------------------------------------- ONNX helpers

def export(module, args, path, names_in, names_out, opset=17, dynamo=False):
    """Exports with a dynamic batch axis; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {n: {0: "batch"} for n in names_in + names_out}
    if dynamo:
        batch = torch.export.Dim("batch", min=1, max=64)
        shapes = tuple({0: batch} for _ in names_in)
        prog = torch.onnx.export(module, args, dynamo=True, input_names=names_in, output_names=names_out,
                                 dynamic_shapes=shapes, optimize=True)
        prog.save(str(path))
    else:
        torch.onnx.export(module, args, str(path), dynamo=False, opset_version=opset, input_names=names_in,
                          output_names=names_out, dynamic_axes=axes, do_constant_folding=True)
    return path


def run_ort(path, feeds):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds)))


def graph_facts(folder, path):
    """Records op counts, initializer naming and shared (deduplicated) initializers of one graph."""
    m = onnx.load(str(path), load_external_data=False)
    g = m.graph
    ops = Counter(n.op_type for n in g.node)
    uses = Counter(i for n in g.node for i in n.input)
    inits = [t.name for t in g.initializer]
    shared = sorted(n for n in inits if uses[n] > 1)
    anon = sum(1 for n in inits if n.startswith("onnx::") or n.startswith("val_"))
    dtypes = Counter(onnx.TensorProto.DataType.Name(t.data_type) for t in g.initializer)
    ext = sum(1 for t in g.initializer if t.data_location == onnx.TensorProto.EXTERNAL)
    top = ", ".join(f"{k} {v}" for k, v in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0])))
    rel = path.relative_to(OUT / folder)
    note(folder, f"`{rel}`: opset {m.opset_import[0].version}, {len(g.node)} nodes ({top}); "
                 f"{len(inits)} initializers ({anon} anonymous `onnx::*`/`val_*`, dtypes {dict(dtypes)}, external {ext}); "
                 f"inputs {[i.name for i in g.input]}, outputs {[o.name for o in g.output]}")
    if shared:
        note(folder, f"`{rel}`: initializers used by more than one node: {', '.join(f'`{s}` x{uses[s]}' for s in shared)}")
    return m


def diff(folder, what, a, b):
    d = float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    label = what if " vs " in what else f"torch fp64 vs ORT fp32, {what}"
    note(folder, f"max abs diff {label}: {d:.3g}")
    assert d < 5e-3, (folder, what, d)
    return d


# ------------------------------------------------------------ canonical dumps

def canonical_from_hf(sd, cfg):
    """HF CLIPModel state dict -> Clipz canonical names (HF linear weights are already [out, in])."""
    c = {}
    for tower, pre, n in (("vision", "vision_model", cfg.vision_config.num_hidden_layers),
                          ("text", "text_model", cfg.text_config.num_hidden_layers)):
        for i in range(n):
            p = f"{pre}.encoder.layers.{i}."
            m = {"ln1": "layer_norm1", "attn.q": "self_attn.q_proj", "attn.k": "self_attn.k_proj",
                 "attn.v": "self_attn.v_proj", "attn.out": "self_attn.out_proj", "ln2": "layer_norm2",
                 "mlp.fc1": "mlp.fc1", "mlp.fc2": "mlp.fc2"}
            for ours, theirs in m.items():
                for s in ("weight", "bias"):
                    c[f"{tower}.layers.{i}.{ours}.{s}"] = sd[p + f"{theirs}.{s}"]
    e = "vision_model.embeddings."
    c["vision.patch_embed.weight"] = sd[e + "patch_embedding.weight"]
    c["vision.class_embed"] = sd[e + "class_embedding"]
    c["vision.pos_embed"] = sd[e + "position_embedding.weight"]
    for ours, theirs in (("vision.pre_ln", "vision_model.pre_layrnorm"), ("vision.post_ln", "vision_model.post_layernorm"),
                         ("text.final_ln", "text_model.final_layer_norm")):
        for s in ("weight", "bias"):
            c[f"{ours}.{s}"] = sd[f"{theirs}.{s}"]
    c["vision.proj.weight"] = sd["visual_projection.weight"]
    c["text.token_embed"] = sd["text_model.embeddings.token_embedding.weight"]
    c["text.pos_embed"] = sd["text_model.embeddings.position_embedding.weight"]
    c["text.proj.weight"] = sd["text_projection.weight"]
    c["logit_scale"] = sd["logit_scale"].reshape(())
    return c


def canonical_from_openclip(sd, layers_v, layers_t):
    """open_clip state dict -> canonical: split packed in_proj into q/k/v, transpose the [W, D] projections."""
    c = {}
    for tower, pre, n in (("vision", "visual.transformer", layers_v), ("text", "transformer", layers_t)):
        for i in range(n):
            p = f"{pre}.resblocks.{i}."
            q, k, v = np.split(sd[p + "attn.in_proj_weight"], 3, axis=0)
            qb, kb, vb = np.split(sd[p + "attn.in_proj_bias"], 3)
            L = f"{tower}.layers.{i}."
            c.update({L + "attn.q.weight": q, L + "attn.k.weight": k, L + "attn.v.weight": v,
                      L + "attn.q.bias": qb, L + "attn.k.bias": kb, L + "attn.v.bias": vb})
            for ours, theirs in (("ln1", "ln_1"), ("ln2", "ln_2"), ("attn.out", "attn.out_proj"),
                                 ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")):
                for s in ("weight", "bias"):
                    c[L + f"{ours}.{s}"] = sd[p + f"{theirs}.{s}"]
    c["vision.patch_embed.weight"] = sd["visual.conv1.weight"]
    c["vision.class_embed"] = sd["visual.class_embedding"]
    c["vision.pos_embed"] = sd["visual.positional_embedding"]
    for ours, theirs in (("vision.pre_ln", "visual.ln_pre"), ("vision.post_ln", "visual.ln_post"), ("text.final_ln", "ln_final")):
        for s in ("weight", "bias"):
            c[f"{ours}.{s}"] = sd[f"{theirs}.{s}"]
    c["vision.proj.weight"] = np.ascontiguousarray(sd["visual.proj"].T)
    c["text.token_embed"] = sd["token_embedding.weight"]
    c["text.pos_embed"] = sd["positional_embedding"]
    c["text.proj.weight"] = np.ascontiguousarray(sd["text_projection"].T)
    c["logit_scale"] = sd["logit_scale"].reshape(())
    return c


def write_canonical(folder, canon, config, compressed=False):
    d = OUT / folder
    canon = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sorted(canon.items())}
    (np.savez_compressed if compressed else np.savez)(d / "canonical.npz", **canon)
    config = dict(config, _command=COMMAND)
    (d / "canonical_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    note(folder, f"canonical.npz: {len(canon)} tensors, {'deflate' if compressed else 'stored (no compression)'}")


def tower_cfg(width, layers, heads, mlp, act="quick_gelu", eps=1e-5):
    return {"width": width, "layers": layers, "heads": heads, "mlp_dim": mlp, "layer_norm_eps": eps, "activation": act}


# ---------------------------------------------------------------- Hugging Face

class HFCombined(torch.nn.Module):
    """Both towers in one graph; embeds are projected but NOT normalized, logits keep logit_scale in the graph."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, pixel_values, attention_mask):
        t = self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output
        i = self.m.get_image_features(pixel_values=pixel_values).pooler_output
        tn, im = t / t.norm(dim=-1, keepdim=True), i / i.norm(dim=-1, keepdim=True)
        return t, i, self.m.logit_scale.exp() * im @ tn.t()


class HFVision(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.get_image_features(pixel_values=pixel_values).pooler_output


class HFText(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output


def hf_config(eos, bos):
    from transformers import CLIPConfig
    text = dict(vocab_size=512, max_position_embeddings=CTX, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, hidden_act="quick_gelu", projection_dim=16, eos_token_id=eos, bos_token_id=bos, pad_token_id=0)
    vision = dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, hidden_act="quick_gelu", projection_dim=16)
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)


def make_hf(folder, seed, eos, bos, rows, perturbed, full):
    import copy
    from transformers import CLIPModel
    d = OUT / folder
    d.mkdir(parents=True)
    cfg = hf_config(eos, bos)
    torch.manual_seed(seed)
    model = CLIPModel(cfg).eval()
    if perturbed:
        perturb(model, seed + 1)
    sd = {k: f32(v) for k, v in model.state_dict().items()}
    if full:
        model.save_pretrained(d, safe_serialization=True)
        np.savez(d / "model.npz", **sd)
    argmax = model.text_model.eos_token_id == 2  # transformers 5.24 CLIPTextModel.forward: legacy rule only for eos_token_id == 2
    vocab = cfg.text_config.vocab_size
    write_canonical(folder, canonical_from_hf(sd, cfg), {
        "embed_dim": 16,
        "vision": dict(tower_cfg(32, 2, 4, 64), image_size=32, patch_size=8),
        "text": dict(tower_cfg(32, 2, 4, 64), context_length=CTX, vocab_size=vocab,
                     pooling="argmax_id" if argmax else "first_eos", eos_token_id=vocab - 1 if argmax else eos)})
    note(folder, f"config eos_token_id={eos} -> pooling {'argmax_id (position of the largest id)' if argmax else 'first_eos (first position equal to eos_token_id)'}")

    x, t = pixels(seed + 2), ids(rows)
    mask = (torch.arange(CTX)[None, :] < torch.tensor([len(r) for r in rows])[:, None]).to(torch.int64)
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        img = m64.get_image_features(pixel_values=x.double()).pooler_output
        txt = m64.get_text_features(input_ids=t, attention_mask=mask).pooler_output
        hs = m64.vision_model(pixel_values=x.double(), output_hidden_states=True).hidden_states
        # Which token the text tower pooled: check that the other rule gives a different answer on these ids.
        other = (t == eos).int().argmax(-1) if argmax else t.argmax(-1)
        used = t.argmax(-1) if argmax else (t == eos).int().argmax(-1)
    note(folder, f"golden pooled positions {used.tolist()} (the other rule would pick {other.tolist()})")
    gold = {"pixel_values": f32(x), "input_ids": t.numpy(), "attention_mask": mask.numpy(),
            "image_embeds": f32(img), "text_embeds": f32(txt)}
    if full:
        gold["vision_embed_out"] = f32(hs[0])  # after embeddings + pre_layrnorm, input of block 0
        for i in range(1, len(hs)):
            gold[f"vision_hidden_{i - 1}"] = f32(hs[i])  # output of block i-1 (before post_layernorm)

    feeds = {"input_ids": t.numpy(), "pixel_values": f32(x), "attention_mask": mask.numpy()}
    comb = HFCombined(model).eval()
    args = (t, x, mask)
    names = (["input_ids", "pixel_values", "attention_mask"], ["text_embeds", "image_embeds", "logits_per_image"])
    for opset in ((17, 14) if full else (17,)):
        p = export(comb, args, d / f"combined_op{opset}.onnx", *names, opset=opset)
        graph_facts(folder, p)
        o = run_ort(p, feeds)
        diff(folder, f"combined_op{opset} text_embeds", o["text_embeds"], txt)
        diff(folder, f"combined_op{opset} image_embeds", o["image_embeds"], img)
        gold.setdefault("text_embeds_ort", o["text_embeds"])
        gold.setdefault("image_embeds_ort", o["image_embeds"])
    if full:
        pv = export(HFVision(model).eval(), (x,), d / "vision_op17.onnx", ["pixel_values"], ["image_embeds"])
        pt = export(HFText(model).eval(), (t, mask), d / "text_op17.onnx", ["input_ids", "attention_mask"], ["text_embeds"])
        for p in (pv, pt):
            graph_facts(folder, p)
        diff(folder, "vision_op17 image_embeds", run_ort(pv, {"pixel_values": feeds["pixel_values"]})["image_embeds"], img)
        diff(folder, "text_op17 text_embeds", run_ort(pt, {"input_ids": feeds["input_ids"], "attention_mask": feeds["attention_mask"]})["text_embeds"], txt)
        make_hf_variants(folder, model, args, names, feeds, img, txt)
    np.savez(d / "golden.npz", **gold)


def export_fp16(folder, model, args, names, feeds):
    """model.half() export; with the default sdpa attention the legacy exporter computes the text tower's
    attention in fp32 and emits fp32 weights after it, which ORT rejects (LayerNormalization type clash),
    so the eager attention path is used for this export."""
    import copy
    d = OUT / folder
    path = d / "combined_op17_fp16.onnx"
    fp16_feeds = dict(feeds, pixel_values=feeds["pixel_values"].astype(np.float16))
    for impl in ("sdpa", "eager"):
        half = copy.deepcopy(model).half()
        half.set_attn_implementation(impl)
        export(HFCombined(half).eval(), (args[0], args[1].half(), args[2]), path, *names)
        try:
            ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            note(folder, f"combined_op17_fp16.onnx: model.half() export with attn_implementation={impl!r} loads in ORT")
            return path, fp16_feeds
        except Exception as e:
            note(folder, f"model.half() export with attn_implementation={impl!r} does not load in ORT: {str(e)[:200]}")
    # Last resort: fp32 graph whose float initializers are stored as fp16, each followed by a Cast back to fp32.
    m = onnx.load(str(d / "combined_op17.onnx"))
    from onnx import numpy_helper, helper
    casts = []
    for t in m.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            a = numpy_helper.to_array(t).astype(np.float16)
            t.CopyFrom(numpy_helper.from_array(a, t.name + "_fp16"))
            casts.append(helper.make_node("Cast", [t.name], [t.name[:-5]], to=onnx.TensorProto.FLOAT))
    m.graph.node[0:0] = casts
    onnx.save(m, str(path))
    note(folder, "combined_op17_fp16.onnx: fp16 initializers + Cast nodes (fp32 inputs), converted with onnx")
    return path, feeds


def make_hf_variants(folder, model, args, names, feeds, img, txt):
    """External data, fp16 and dynamo exports of the same hf_tiny weights."""
    import copy
    d = OUT / folder
    (d / "external").mkdir()
    m = onnx.load(str(d / "combined_op17.onnx"))
    onnx.save_model(m, str(d / "external" / "combined_op17.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="combined_op17.onnx.data", size_threshold=0)
    graph_facts(folder, d / "external" / "combined_op17.onnx")
    o = run_ort(d / "external" / "combined_op17.onnx", feeds)
    diff(folder, "external/combined_op17 text_embeds", o["text_embeds"], txt)

    p, fp16_feeds = export_fp16(folder, model, args, names, feeds)
    graph_facts(folder, p)
    o = run_ort(p, fp16_feeds)
    dt = float(np.abs(o["text_embeds"].astype(np.float64) - txt.numpy()).max())
    di = float(np.abs(o["image_embeds"].astype(np.float64) - img.numpy()).max())
    note(folder, f"max abs diff torch fp64 vs ORT on the fp16 graph: text_embeds {dt:.3g}, image_embeds {di:.3g} (fp16 rounding, not a bug)")

    try:
        p = export(HFCombined(model).eval(), args, d / "combined_dynamo.onnx", *names, dynamo=True)
        graph_facts(folder, p)
        o = run_ort(p, feeds)
        diff(folder, "combined_dynamo text_embeds", o["text_embeds"], txt)
        diff(folder, "combined_dynamo image_embeds", o["image_embeds"], img)
    except Exception as e:  # keep the other fixtures if the dynamo exporter breaks on a newer torch
        note(folder, f"combined_dynamo.onnx NOT written: dynamo export failed: {type(e).__name__}: {str(e)[:300]}")



# ---------------------------------------------------------------- open_clip

OPENCLIP_CFG = {"embed_dim": 16, "quick_gelu": True,
                "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 8, "patch_size": 8},
                "text_cfg": {"context_length": CTX, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 2}}
KEEP_LOW = 300          # token rows 0..299 keep their values, so do BOS/EOS; every other row is zero
SMALL_VOCAB = 512       # vocabulary of the ONNX text export (49408 x 32 floats would be a 6.3 MB graph)


class OCImage(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.encode_image(pixel_values)


class OCText(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.encode_text(input_ids)


def openclip_canon_config(vocab):
    v, t = OPENCLIP_CFG["vision_cfg"], OPENCLIP_CFG["text_cfg"]
    return {"embed_dim": 16,
            "vision": dict(tower_cfg(v["width"], v["layers"], v["width"] // v["head_width"], 4 * v["width"]),
                           image_size=v["image_size"], patch_size=v["patch_size"]),
            "text": dict(tower_cfg(t["width"], t["layers"], t["heads"], 4 * t["width"]), context_length=CTX,
                         vocab_size=vocab, pooling="argmax_id", eos_token_id=vocab - 1)}


def oc_goldens(model, x, t):
    import copy
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        return f32(m64.encode_image(x.double())), f32(m64.encode_text(t))


def make_openclip(seed=300):
    import copy
    from open_clip.model import CLIP
    folder, d = "openclip_tiny", OUT / "openclip_tiny"
    d.mkdir(parents=True)
    torch.manual_seed(seed)
    model = CLIP(**OPENCLIP_CFG).eval()
    perturb(model, seed + 1)
    vocab = OPENCLIP_CFG["text_cfg"]["vocab_size"]
    bos, eos = vocab - 2, vocab - 1
    with torch.no_grad():  # zero rows so git (and deflate) squeeze the 6.3 MB embedding
        model.token_embedding.weight[KEEP_LOW:bos] = 0
    sd = {k: f32(v) for k, v in model.state_dict().items()}
    save_file(sd, str(d / "open_clip_model.safetensors"), metadata={"format": "pt"})
    (d / "open_clip_config.json").write_text(json.dumps(OPENCLIP_CFG, indent=2) + "\n")
    layers = OPENCLIP_CFG["vision_cfg"]["layers"], OPENCLIP_CFG["text_cfg"]["layers"]
    write_canonical(folder, canonical_from_openclip(sd, *layers), openclip_canon_config(vocab), compressed=True)

    body = [[17, 233, 98], [5, 120, 7, 299, 42, 11, 9]]
    x, t = pixels(seed + 2), ids([[bos] + b + [eos] for b in body])
    img, txt = oc_goldens(model, x, t)

    # Same weights with a 512-row vocabulary for the ONNX pair: rows 0..509 copied, BOS/EOS moved to 510/511.
    small = copy.deepcopy(model)
    emb = torch.nn.Embedding(SMALL_VOCAB, model.token_embedding.weight.shape[1])
    with torch.no_grad():
        emb.weight[: SMALL_VOCAB - 2] = model.token_embedding.weight[: SMALL_VOCAB - 2]
        emb.weight[SMALL_VOCAB - 2:] = model.token_embedding.weight[bos:]
    small.token_embedding = emb
    sub = f"{folder}/onnx_vocab{SMALL_VOCAB}"
    ds = OUT / sub
    ds.mkdir()
    ts = ids([[SMALL_VOCAB - 2] + b + [SMALL_VOCAB - 1] for b in body])
    s_img, s_txt = oc_goldens(small, x, ts)
    note(sub, f"torch(small vocab, remapped ids) vs torch(49408 vocab): max diff {np.abs(s_txt - txt).max():.3g} (must be 0)")
    ssd = {k: f32(v) for k, v in small.state_dict().items()}
    write_canonical(sub, canonical_from_openclip(ssd, *layers), openclip_canon_config(SMALL_VOCAB))
    pi = export(OCImage(small).eval(), (x,), ds / "image_op17.onnx", ["pixel_values"], ["image_embeds"])
    pt = export(OCText(small).eval(), (ts,), ds / "text_op17.onnx", ["input_ids"], ["text_embeds"])
    for p in (pi, pt):
        graph_facts(sub, p)
    o_img = run_ort(pi, {"pixel_values": f32(x)})["image_embeds"]
    o_txt = run_ort(pt, {"input_ids": ts.numpy()})["text_embeds"]
    diff(sub, "image_op17 image_embeds", o_img, s_img)
    diff(sub, "text_op17 text_embeds", o_txt, s_txt)
    np.savez(d / "golden.npz", pixel_values=f32(x), input_ids=t.numpy(), image_embeds=img, text_embeds=txt)
    np.savez(ds / "golden.npz", pixel_values=f32(x), input_ids=ts.numpy(), image_embeds=s_img, text_embeds=s_txt,
             image_embeds_ort=o_img, text_embeds_ort=o_txt)



# ---------------------------------------------------------------- README

# ---------------------------------------------------------------- independent check of the canonical dumps

def np_forward(c, cfg, x, t):
    """Plain numpy CLIP on the canonical tensors: proves names, layouts and the pooling rule are right."""
    def ln(h, p, eps):
        mu = h.mean(-1, keepdims=True)
        var = ((h - mu) ** 2).mean(-1, keepdims=True)
        return (h - mu) / np.sqrt(var + eps) * c[p + ".weight"] + c[p + ".bias"]

    def lin(h, p):
        return h @ c[p + ".weight"].T + c[p + ".bias"]

    def blocks(h, tower, tc, causal):
        B, T, W = h.shape
        H, eps = tc["heads"], tc["layer_norm_eps"]
        mask = np.triu(np.full((T, T), -np.inf), 1) if causal else 0.0
        for i in range(tc["layers"]):
            L = f"{tower}.layers.{i}."
            a = ln(h, L + "ln1", eps)
            q, k, v = (lin(a, L + f"attn.{n}").reshape(B, T, H, W // H).transpose(0, 2, 1, 3) for n in "qkv")
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(W // H) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            o = (s / s.sum(-1, keepdims=True)) @ v
            h = h + lin(o.transpose(0, 2, 1, 3).reshape(B, T, W), L + "attn.out")
            m = lin(ln(h, L + "ln2", eps), L + "mlp.fc1")
            assert tc["activation"] == "quick_gelu"
            h = h + lin(m / (1 + np.exp(-1.702 * m)), L + "mlp.fc2")
        return h

    c = {k: v.astype(np.float64) for k, v in c.items()}
    vc, tc = cfg["vision"], cfg["text"]
    B, P, g = x.shape[0], vc["patch_size"], vc["image_size"] // vc["patch_size"]
    patches = x.reshape(B, 3, g, P, g, P).transpose(0, 2, 4, 1, 3, 5).reshape(B, g * g, 3 * P * P)
    h = patches @ c["vision.patch_embed.weight"].reshape(vc["width"], -1).T
    h = np.concatenate([np.broadcast_to(c["vision.class_embed"], (B, 1, vc["width"])), h], 1) + c["vision.pos_embed"]
    h = blocks(ln(h, "vision.pre_ln", vc["layer_norm_eps"]), "vision", vc, False)
    img = ln(h[:, 0], "vision.post_ln", vc["layer_norm_eps"]) @ c["vision.proj.weight"].T
    h = blocks(c["text.token_embed"][t] + c["text.pos_embed"], "text", tc, True)
    h = ln(h, "text.final_ln", tc["layer_norm_eps"])
    pos = t.argmax(-1) if tc["pooling"] == "argmax_id" else (t == tc["eos_token_id"]).argmax(-1)
    txt = h[np.arange(B), pos] @ c["text.proj.weight"].T
    return img, txt


def check_canonical(folder):
    d = OUT / folder
    c = dict(np.load(d / "canonical.npz"))
    cfg = json.loads((d / "canonical_config.json").read_text())
    g = np.load(d / "golden.npz")
    img, txt = np_forward(c, cfg, g["pixel_values"].astype(np.float64), g["input_ids"])
    diff(folder, "numpy forward on canonical.npz vs golden image_embeds", img, g["image_embeds"])
    diff(folder, "numpy forward on canonical.npz vs golden text_embeds", txt, g["text_embeds"])


README_HEAD = """# ClipzImportTests fixtures

Generated, never edited by hand. From the repository root:

    {command}

Versions: {versions}. Seeds are fixed. Total size is listed at the end.

## Conventions (all folders)

- `golden.npz`: `pixel_values` float32 [2,3,32,32] (seeded `randn`, i.e. already-normalized pixels, no
  image preprocessing involved); `input_ids` int64 [2,16] = BOS, a few ids, EOS, zero padding (5 and 9
  real tokens); HF folders also hold `attention_mask` int64 (1 on real tokens). `image_embeds` /
  `text_embeds` float32 [2,16] are the projected, NOT normalized features, computed by torch in float64.
  `*_ort` are the same features from onnxruntime (CPU, fp32) on the ONNX export of that folder
  (HF: `combined_op17.onnx`; open_clip: `onnx_vocab512/{{image,text}}_op17.onnx`).
  `hf_tiny/golden.npz` also holds `vision_embed_out` [2,17,32] (after embeddings + `pre_layrnorm`,
  the input of block 0) and `vision_hidden_<i>` [2,17,32] (output of vision block i, before `post_layernorm`).
- `canonical.npz`: what a Clipz importer must produce, float32, Clipz canonical names
  (Sources/ClipzCore/CanonicalNames.swift): linear weights [out,in], `vision.proj.weight` /
  `text.proj.weight` [D,W], `logit_scale` rank 0 holding the log value. Stored (no compression) except
  `openclip_tiny/canonical.npz`, which is deflate-compressed (np.savez_compressed) because its
  49408-row token embedding would be 6.3 MB stored.
- `canonical_config.json`: the Clipz `ModelConfig` JSON (ModelConfig.swift CodingKeys) plus a
  `_command` key (ignored by Codable) naming the generator.
- HF graphs are exported from a wrapper module whose attribute is `m`, so HF initializer names carry an
  `m.` prefix (`m.text_model.encoder.layers.0.layer_norm1.weight`); open_clip ones likewise (`m.visual.conv1.weight`).
- HF combined graphs take `input_ids`, `pixel_values`, `attention_mask` and return `text_embeds`,
  `image_embeds` (projected, NOT normalized) and `logits_per_image` (`exp(logit_scale)` x cosine), which
  keeps `logit_scale` in the graph. Every export has a dynamic batch axis.

## Folders

- `hf_tiny/`: HF `CLIPModel` (vision 32px/patch 8/width 32/2 layers/4 heads/mlp 64; text vocab 512,
  context 16, width 32, 2 layers, 4 heads, mlp 64; quick_gelu; projection 16) with seeded noise
  (0.05 x randn) added to EVERY parameter, so no two tensors are equal and ONNX deduplication cannot
  hide a mapping bug. Files: `config.json` + `model.safetensors` (save_pretrained), `model.npz` (HF
  state-dict names, float32, stored), `combined_op17.onnx`, `combined_op14.onnx` (no
  LayerNormalization op: ReduceMean/Sub/Pow/Sqrt/Div pattern), `vision_op17.onnx` / `text_op17.onnx`
  (split towers around `get_image_features` / `get_text_features`; no `logit_scale` in them),
  `external/combined_op17.onnx` + `.onnx.data` (every initializer external, size_threshold=0),
  `combined_op17_fp16.onnx` (`model.half()` export, fp16 weights and fp16 `pixel_values`),
  `combined_dynamo.onnx` (torch.onnx.export dynamo=True, opset 20).
- `hf_plain/`: same architecture, plain HF random init (zero biases, unit LayerNorm weights), NOT
  perturbed, `combined_op17.onnx` only, so the exporter really deduplicates identical initializers.
  Its text config has eos_token_id 3, which selects the first-EOS pooling rule.
- `openclip_tiny/`: open_clip `CLIP` from the custom config in `open_clip_config.json` (embed_dim 16,
  quick_gelu, vision 32px/patch 8/width 32/head_width 8/2 layers, text context 16/vocab 49408/width 32/
  4 heads/2 layers; mlp_ratio 4 so mlp 128), perturbed like hf_tiny; then every token-embedding row
  except 0..299 and BOS/EOS 49406/49407 is zeroed (most of the 6.3 MB safetensors is zeros, git
  compresses it). `open_clip_model.safetensors` uses open_clip state-dict names (`visual.proj` and
  `text_projection` are [W,D]; packed `attn.in_proj_weight` [3W,W]).
- `openclip_tiny/onnx_vocab512/`: the same weights with a 512-row vocabulary (rows 0..509 copied, old
  BOS/EOS 49406/49407 moved to 510/511) so the ONNX text graph stays small; `image_op17.onnx`
  (`encode_image`) and `text_op17.onnx` (`encode_text`), opset 17, with their own canonical dump and
  goldens (ids remapped; the embeddings equal those of the 49408-vocab model exactly).

## Text pooling rule (transformers 5.24, open_clip 3.3)

`CLIPTextModel.forward` in transformers 5.24 keeps the legacy rule only when `config.eos_token_id == 2`:
the pooled token is the position of the LARGEST token id (`input_ids.to(int32).argmax(-1)`). For any
other eos_token_id it takes the FIRST position whose id equals eos_token_id
(`(input_ids == eos).int().argmax(-1)`). `hf_tiny` has eos_token_id 2 -> `argmax_id`; its goldens use
511 (= vocab_size - 1) as EOS, and `canonical_config.json` records eos_token_id 511 because the HF value 2
is not a real token. `hf_plain` has eos_token_id 3 -> `first_eos`, and its goldens contain ids larger than
EOS before it, so the two rules pick different positions (see below). open_clip's default text
`pool_type` is `argmax` (its `eos_id` is only used for pool_type `eos`) -> `argmax_id`, EOS 49407
(511 in onnx_vocab512). In the ONNX graphs: argmax rule = `Cast(input_ids, int32) -> ArgMax`;
first-EOS rule = `Equal(input_ids, 3) -> Cast -> ArgMax`.

## Graph facts worth knowing (see the measured lists below for counts)

- Legacy exporter (dynamo=False): every HF linear weight becomes an anonymous `onnx::MatMul_N`
  stored [in,out]; biases, LayerNorm params, embeddings, `logit_scale` keep their (prefixed) HF names.
- `hf_plain` dedup: 35 initializers instead of 78. Shared tensors are named after ONE owner (e.g. the
  all-ones `m.text_model.encoder.layers.0.layer_norm1.weight` also feeds the vision LayerNorms), and
  every other owner's name appears as the output of an `Identity` node whose input is the shared
  tensor (43 Identity nodes). Following Identity nodes recovers every HF name.
- fp16: with the default sdpa attention the legacy exporter emits an fp32 attention path in the text
  tower plus fp32 copies of the later weights, and ORT refuses the model (LayerNormalization type clash).
  The committed fp16 file is exported with `attn_implementation="eager"`, which stays fp16 throughout.
- dynamo exporter: opset 20; linear weights anonymous `val_N` [in,out] except the two projections
  (Gemm, HF names); text/vision position embeddings folded into `embedding_*` [1,T,W] constants; the
  causal mask is a bool initializer; nodes carry `metadata_props` (torch namespaces, fx nodes, stack
  traces with file paths and line numbers of this script), which makes the file ~2x larger and changes
  its bytes whenever the script is edited (every other file only changes when tensors change).
- open_clip: packed q/k/v as one anonymous `onnx::MatMul_N` [W,3W] (+ `attn.in_proj_bias` by name,
  then Slice); `attn.out_proj.weight` keeps its name, [out,in], used by Gemm transB=1; `visual.proj` and
  `text_projection` keep their names [W,D]; `class_embedding` is folded into `onnx::Expand_N` [1,1,W],
  positional embeddings into `onnx::Add_N` [T,W]; no `logit_scale` in the split graphs.
"""


def write_readme():
    import open_clip
    import transformers
    vers = (f"torch {torch.__version__}, transformers {transformers.__version__}, open_clip_torch {open_clip.__version__}, "
            f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    lines = [README_HEAD.format(command=COMMAND, versions=vers).rstrip(), "", "## Measured by the generator", ""]
    for folder, facts in FACTS.items():
        lines += [f"### `{folder}/`", ""] + [f"- {f}" for f in facts] + [""]
    lines += ["## Files and sizes (bytes on disk)", "", "| file | bytes |", "|---|---:|"]
    total = 0
    for p in sorted(OUT.rglob("*")):
        if p.is_file() and p.name not in ("README.md", ".keep"):
            total += p.stat().st_size
            lines.append(f"| `{p.relative_to(OUT)}` | {p.stat().st_size} |")
    lines += [f"| **total** | {total} |", ""]
    (OUT / "README.md").write_text("\n".join(lines))
    print("total bytes", total)


if __name__ == "__main__":
    for f in ("hf_tiny", "hf_plain", "openclip_tiny"):
        shutil.rmtree(OUT / f, ignore_errors=True)
    make_hf("hf_tiny", 100, eos=2, bos=510, rows=[[510, 17, 233, 98, 511], [510, 5, 400, 7, 300, 42, 11, 9, 511]],
            perturbed=True, full=True)
    # Plain init (zero biases, unit LN weights) so the exporter really deduplicates; first-EOS pooling (eos 3).
    make_hf("hf_plain", 200, eos=3, bos=4, rows=[[4, 100, 300, 3], [4, 500, 20, 77, 130, 3]], perturbed=False, full=False)
    make_openclip()
    for f in ("hf_tiny", "hf_plain", "openclip_tiny", "openclip_tiny/onnx_vocab512"):
        check_canonical(f)
    write_readme()
