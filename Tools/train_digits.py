#!/usr/bin/env python3
"""Trains a tiny CLIP on scikit-learn's digits and writes the accuracy fixture Tests/Fixtures/digits/.

Run:  python Tools/train_digits.py      # from the repository root, CPU only, about a minute

Needs torch, transformers, open_clip_torch (tokenizer + eval transform), scikit-learn, pillow, onnx, onnxruntime.
The model is a Hugging Face `CLIPModel` with the real 49408-token CLIP vocabulary (open_clip BPE ids,
context 77). Token-embedding rows of ids that never occur in a caption are zero at init and receive
exactly zero gradient and no weight decay, so they stay zero and the committed files compress in git.
Seeds are fixed and torch runs deterministic kernels on 2 threads.
"""
import io
import json
import random
import sys
import tarfile
import time
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "digits"
COMMAND = "python Tools/train_digits.py"
# Patch 8 (4x4 grid) makes an epoch ~0.45 s on 2 threads, so 100 epochs fit easily; held-out accuracy
# climbs past 95% around epoch 55 and ends at ~98% (200 epochs end at the same 98.06%).
SEED, EPOCHS, BATCH, LR, LAYERS, PATCH = 0, 100, 256, 2e-3, 2, 8
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EVAL_TEMPLATE = "a photo of the number {}."
# {w} = class word, {d} = numeral. The zero-shot template is one of them on purpose: the model is meant
# to answer that prompt; the others keep the text tower from memorising a single string.
TEMPLATES = ["a photo of the number {w}.", "a handwritten {w}.", "the digit {d}.", "a picture of a {w}.",
             "a photo of the number {d}.", "a drawing of the digit {w}.", "a blurry photo of a {w}.",
             "the number {w}, written by hand.", "a {w}.", "{d}"]
MEAN = (0.48145466, 0.4578275, 0.40821073)  # OpenAI CLIP normalisation
STD = (0.26862954, 0.26130258, 0.27577711)
PREPROCESSING = ("PIL open -> convert('RGB') -> resize shortest side to 32 (bicubic; identity at 32x32) -> "
                 "center crop 32x32 -> /255 -> normalize with OpenAI CLIP mean "
                 f"{list(MEAN)} and std {list(STD)} (open_clip.image_transform(32, is_train=False))")


def seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------- data

def load_images():
    """Digits as uint8 [N,32,32] grey (dark ink on white paper), labels [N], held-out indices (20%, stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    ink = torch.tensor(d.images, dtype=torch.float32)[:, None] / 16.0          # 0 = paper, 1 = full ink
    ink = F.interpolate(ink, size=(32, 32), mode="bilinear", align_corners=False)[:, 0].clamp(0, 1)
    grey = torch.round(255.0 * (1.0 - ink)).to(torch.uint8)
    idx = np.arange(len(d.target))
    train, held = train_test_split(idx, test_size=0.2, stratify=d.target, random_state=SEED)
    return grey, torch.tensor(d.target), np.sort(train), np.sort(held)


def normalise(rgb_uint8):
    """uint8 [B,3,H,W] -> float32 pixels exactly as the eval transform produces them (/255, mean/std)."""
    x = rgb_uint8.to(torch.float32) / 255.0
    return (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


def augment(grey, gen):
    """Random shift (up to 3 px) and random paper/ink tints; 30% of samples stay plain grey like the held-out set."""
    b = grey.shape[0]
    ink = 1.0 - grey.to(torch.float32) / 255.0
    ink = F.pad(ink, (3, 3, 3, 3))
    dx, dy = torch.randint(0, 7, (2, b), generator=gen)
    ink = torch.stack([ink[i, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32] for i in range(b)])[:, None]
    paper = 1.0 - 0.35 * torch.rand(b, 3, 1, 1, generator=gen)
    pen = 0.45 * torch.rand(b, 3, 1, 1, generator=gen)
    plain = (torch.rand(b, 1, 1, 1, generator=gen) < 0.3).float()
    paper, pen = plain + (1 - plain) * paper, (1 - plain) * pen
    rgb = paper + (pen - paper) * ink
    return torch.round(rgb * 255.0).clamp(0, 255).to(torch.uint8)  # quantise like a PNG would


# ---------------------------------------------------------------- text

def tokenize(texts):
    import open_clip
    return open_clip.tokenize(texts)  # int64 [n, 77]: BOS, BPE ids, EOS, zero padding


def caption_bank():
    """ids [10, T, 77] for every class x template, plus the set of token ids that occur anywhere."""
    texts = [[t.format(w=w, d=str(c)) for t in TEMPLATES] for c, w in enumerate(WORDS)]
    ids = tokenize([s for row in texts for s in row]).view(len(WORDS), len(TEMPLATES), -1)
    prompts = tokenize([EVAL_TEMPLATE.format(w) for w in WORDS])
    used = sorted(set(ids.flatten().tolist()) | set(prompts.flatten().tolist()) | {49406, 49407})
    used.remove(0)  # padding id: sits after EOS, never reaches the pooled output through causal attention
    return ids, prompts, used


# ---------------------------------------------------------------- model

def build_model(used_ids):
    from transformers import CLIPConfig, CLIPModel
    common = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=LAYERS, num_attention_heads=4,
                  hidden_act="quick_gelu", projection_dim=32)
    cfg = CLIPConfig(
        text_config=dict(common, vocab_size=49408, max_position_embeddings=77,
                         bos_token_id=49406, eos_token_id=49407, pad_token_id=0),
        vision_config=dict(common, image_size=32, patch_size=PATCH, num_channels=3),
        projection_dim=32)
    cfg._attn_implementation = "eager"  # plain matmul/softmax: deterministic and exports cleanly to ONNX
    model = CLIPModel(cfg)
    emb = model.text_model.embeddings.token_embedding.weight
    with torch.no_grad():
        keep = torch.zeros(emb.shape[0], dtype=torch.bool)
        keep[used_ids] = True
        emb[~keep] = 0.0
    return model, keep


def class_loss(img, txt, labels, template, logit_scale):
    """Each image against the 10 class captions written with its own (random) template: cross-entropy over classes.

    Label-aware contrastive loss without in-batch duplicates: a batch of 256 holds only 10 classes, and the
    symmetric batch CLIP loss sat on a collapsed plateau for many epochs (91.67% after 40 epochs at patch 4).
    Contrasting against the 10 distinct class captions leaves the plateau within ~10 epochs."""
    img, txt = F.normalize(img, dim=-1), F.normalize(txt, dim=-1)           # [B,D], [C,T,D]
    sims = torch.einsum("bd,ctd->btc", img, txt)                                # [B,T,C]
    logits = logit_scale.clamp(max=np.log(100.0)).exp() * sims[torch.arange(len(img)), template]
    return F.cross_entropy(logits, labels)


@torch.no_grad()
def zero_shot(model, pixels, prompts):
    img = F.normalize(model.get_image_features(pixel_values=pixels).pooler_output, dim=-1)
    txt = F.normalize(model.get_text_features(input_ids=prompts, attention_mask=(prompts != 0).long()).pooler_output, dim=-1)
    return (img @ txt.t()).argmax(1)


def train(model, keep, grey, labels, train_idx, held_idx, bank, prompts):
    emb = model.text_model.embeddings.token_embedding.weight
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and p is not emb]
    rest = [p for n, p in model.named_parameters() if p.ndim < 2 and p is not emb]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest + [emb], "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.98), eps=1e-6)
    steps = EPOCHS * ((len(train_idx) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(SEED)
    held_px = normalise(grey[held_idx][:, None].expand(-1, 3, -1, -1))
    width = int((bank != 0).sum(-1).max())  # train on trimmed ids: causal attention makes the tail irrelevant
    ids = bank.reshape(-1, bank.shape[-1])[:, :width]
    for epoch in range(EPOCHS):
        model.train()
        order = torch.tensor(train_idx)[torch.randperm(len(train_idx), generator=gen)]
        total = 0.0
        for s in range(0, len(order), BATCH):
            b = order[s:s + BATCH]
            y = labels[b]
            template = torch.randint(0, bank.shape[1], (len(b),), generator=gen)
            px = normalise(augment(grey[b], gen))
            img = model.get_image_features(pixel_values=px).pooler_output
            # All 100 distinct captions (10 classes x 10 templates) are encoded once per step.
            all_txt = model.get_text_features(input_ids=ids, attention_mask=(ids != 0).long()).pooler_output
            loss = class_loss(img, all_txt.view(bank.shape[0], bank.shape[1], -1), y, template,
                              model.logit_scale)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        model.eval()
        acc = (zero_shot(model, held_px, prompts) == labels[held_idx]).float().mean().item()
        print(f"epoch {epoch + 1:3d}  loss {total / len(order):.4f}  logit_scale {model.logit_scale.exp().item():6.2f}"
              f"  held-out zero-shot {100 * acc:.2f}%", flush=True)
    if not torch.all(emb.detach()[~keep] == 0):
        sys.exit("unused token-embedding rows are not exactly zero")
    return acc


# ---------------------------------------------------------------- outputs

class Combined(torch.nn.Module):
    """Projected, not normalised, embeddings of both towers: the graph Clipz imports."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, pixel_values, attention_mask):
        t = self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output
        i = self.m.get_image_features(pixel_values=pixel_values).pooler_output
        return t, i


def write_pngs(grey, labels, held_idx):
    for c, w in enumerate(WORDS):
        (OUT / "heldout" / w).mkdir(parents=True, exist_ok=True)
    for i in held_idx:
        g = grey[i].numpy()
        Image.fromarray(np.stack([g, g, g], -1), "RGB").save(OUT / "heldout" / WORDS[labels[i]] / f"{i:04d}.png")


def load_pngs():
    """Pixels of heldout/<class>/<file> in sorted order, through open_clip's eval transform."""
    import open_clip
    tf = open_clip.image_transform(32, is_train=False, mean=MEAN, std=STD)
    files, ys = [], []
    for c, w in enumerate(sorted(WORDS)):
        for f in sorted((OUT / "heldout" / w).glob("*.png")):
            files.append(f)
            ys.append(WORDS.index(w))
    return torch.stack([tf(Image.open(f).convert("RGB")) for f in files]), torch.tensor(ys)


def folder_size(paths):
    raw = sum(p.stat().st_size for p in paths)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for p in paths:
            tar.add(p, arcname=str(p.relative_to(OUT)))
    return raw, len(zlib.compress(buf.getvalue(), 6))  # ~ `tar c | gzip | wc -c`


def export_onnx(model, ids, px):
    """combined_op17.onnx; returns (path, max |ORT - torch|) over both outputs."""
    import onnxruntime as ort
    path = OUT / "combined_op17.onnx"
    mask = (ids != 0).long()
    names_in, names_out = ["input_ids", "pixel_values", "attention_mask"], ["text_embeds", "image_embeds"]
    torch.onnx.export(Combined(model).eval(), (ids, px, mask), str(path), dynamo=False, opset_version=17,
                      input_names=names_in, output_names=names_out, do_constant_folding=True,
                      dynamic_axes={n: {0: "batch"} for n in names_in + names_out})
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    t, i = sess.run(None, {"input_ids": ids.numpy(), "pixel_values": px.numpy(), "attention_mask": mask.numpy()})
    with torch.no_grad():
        rt, ri = Combined(model).eval()(ids, px, mask)
    return path, max(float(np.abs(t - rt.numpy()).max()), float(np.abs(i - ri.numpy()).max()))


def write_readme(ref, sizes, onnx_note, train_s):
    lines = [
        "# digits — a small trained CLIP with real zero-shot accuracy",
        "",
        "Bundled example model and accuracy fixture for conversion, quantization and `clipz validate`.",
        f"A Hugging Face `CLIPModel` (ViT 32px/patch {PATCH}, {LAYERS}+{LAYERS} layers, width 64, 4 heads, MLP 256, QuickGELU,",
        "projection 32, real 49408-token CLIP vocabulary, context 77) trained contrastively (each image against",
        "the ten class captions of a random template, learnable logit scale) on scikit-learn's",
        "`load_digits` (8x8 upsampled bilinearly to 32x32, dark ink on white, tinted/shifted for training).",
        "",
        f"    {ref['command']}        # {train_s:.0f} s on the 2-core dev machine (torch {ref['torch']}, transformers {ref['transformers']})",
        "",
        f"- Zero-shot accuracy on `heldout/` ({ref['n']} images, 20% stratified split, seed {SEED}): "
        f"**{100 * ref['zero_shot_accuracy']:.2f}%** with the prompt `{ref['template']}`.",
        "- Classes are the folder names in sorted order (what `clipz classify` lists): " + ", ".join(ref["classes"]) + ".",
        "- Text pooling: `eos_token_id` is 49407 (not 2), so transformers pools the hidden state at the FIRST",
        "  position whose id is 49407 (EOT). open_clip's argmax(id) rule picks the same position for these prompts.",
        "- Padding id is 0 (open_clip), `attention_mask` = (ids != 0); causal attention makes padding irrelevant.",
        f"- Preprocessing: {ref['preprocessing']}.",
        "- Token-embedding rows of ids that occur in no training caption are exactly zero (checked by the script).",
        "",
        "Files:",
        "- `model.safetensors` + `config.json`: `save_pretrained` output, float32, HF tensor names.",
        f"- `combined_op17.onnx`: {onnx_note}",
        "- `heldout/<class>/<dataset index>.png`: 32x32 RGB held-out images (grey as RGB).",
        "- `reference.json`: accuracy (HF model in torch on the PNGs as saved), per-class accuracy, versions.",
        "- `reference_embeddings.npz`: `image_embeds` [n,32] (projected, NOT normalized; classes sorted by",
        "  folder name, files sorted by name), `text_embeds` [10,32] and `input_ids` [10,77] int64 for the 10",
        "  prompts in the same class order, `pixel_values` [8,3,32,32] for the first 8 images, `labels` [n].",
        "",
        f"Size (excluding this README): {sizes[0] / 1e6:.2f} MB on disk, {sizes[1] / 1e6:.2f} MB as tar+gzip "
        "(the unused embedding rows are zeros).",
    ]
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


def main():
    global EPOCHS
    if len(sys.argv) == 3 and sys.argv[1] == "--epochs":  # quick smoke runs only; the fixture uses the default
        EPOCHS = int(sys.argv[2])
    import transformers
    from transformers import CLIPModel
    seed_everything()
    start = time.time()
    grey, labels, train_idx, held_idx = load_images()
    bank, prompts, used = caption_bank()
    model, keep = build_model(used)
    print(f"train {len(train_idx)}  held-out {len(held_idx)}  used token ids {len(used)}", flush=True)
    train(model, keep, grey, labels, train_idx, held_idx, bank, prompts)
    train_s = time.time() - start
    print(f"training took {train_s:.1f} s", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(OUT)  # model.safetensors (float32) + config.json
    write_pngs(grey, labels, held_idx)

    # Reference numbers come from a fresh load of what was written, on the PNGs as saved.
    ref_model = CLIPModel.from_pretrained(OUT, attn_implementation="eager").eval()
    px, ys = load_pngs()
    classes = sorted(WORDS)
    ids = tokenize([EVAL_TEMPLATE.format(c) for c in classes])
    label_in_sorted = torch.tensor([classes.index(WORDS[y]) for y in ys])
    with torch.no_grad():
        img = ref_model.get_image_features(pixel_values=px).pooler_output
        txt = ref_model.get_text_features(input_ids=ids, attention_mask=(ids != 0).long()).pooler_output
    pred = (F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).t()).argmax(1)
    ok = pred == label_in_sorted
    per_class = {c: float(ok[label_in_sorted == k].float().mean()) for k, c in enumerate(classes)}
    ref = {"zero_shot_accuracy": float(ok.float().mean()), "n": int(len(ys)), "template": EVAL_TEMPLATE,
           "classes": classes, "per_class": per_class, "torch": torch.__version__,
           "transformers": transformers.__version__, "command": COMMAND, "preprocessing": PREPROCESSING,
           "pooling": "first position whose input id equals eos_token_id 49407", "seed": SEED,
           "train_seconds": round(train_s, 1)}
    (OUT / "reference.json").write_text(json.dumps(ref, indent=2) + "\n")
    np.savez(OUT / "reference_embeddings.npz", image_embeds=img.numpy(), text_embeds=txt.numpy(),
             input_ids=ids.numpy().astype(np.int64), pixel_values=px[:8].numpy(), labels=label_in_sorted.numpy())
    print(f"zero-shot accuracy on saved PNGs: {100 * ref['zero_shot_accuracy']:.2f}% (n={ref['n']})")
    print("per class:", {c: round(v, 3) for c, v in per_class.items()})

    st = (OUT / "model.safetensors").stat().st_size
    onnx_path, err = export_onnx(ref_model, ids[:2], px[:2])
    osz = onnx_path.stat().st_size
    if osz > 1.5 * st:
        onnx_path.unlink()
        onnx_note = f"skipped: export was {osz / 1e6:.1f} MB vs {st / 1e6:.1f} MB safetensors."
    else:
        onnx_note = (f"torch.onnx.export(dynamo=False, opset 17); inputs input_ids, pixel_values, attention_mask; "
                     f"outputs text_embeds, image_embeds (projected, not normalized); dynamic batch; "
                     f"ORT vs torch max abs diff {err:.2g}.")
    print(f"safetensors {st} B, onnx {osz} B, ORT vs torch max abs diff {err:.3g}")
    files = sorted(p for p in OUT.rglob("*") if p.is_file() and p.name != "README.md")
    sizes = folder_size(files)
    print(f"fixture folder: {sizes[0]} B on disk, {sizes[1]} B compressed")
    write_readme(ref, sizes, onnx_note, train_s)


if __name__ == "__main__":
    main()
