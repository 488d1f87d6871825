"""Model preparation for Tools/bench_vs_ort.py: the ViT-B/32 ONNX exports (cached) and ORT's dynamic int8.

Everything is written under the work directory (default $XDG_CACHE_HOME/clipz/bench, i.e. ~/.cache/clipz/bench, or $CLIPZ_BENCH_DIR), never
into git: the combined opset-17 export alone is about 600 MB.
"""
import json
import time
from pathlib import Path


def log(msg):
    print(f"[prepare] {msg}", flush=True)


def tower_modules(m):
    """torch wrappers around one HF CLIPModel: both towers, image tower, text tower (projected, unnormalised)."""
    import torch

    class Combined(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, input_ids, pixel_values, attention_mask):
            t = self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output
            i = self.m.get_image_features(pixel_values=pixel_values).pooler_output
            return t, i

    class Vision(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            return self.m.get_image_features(pixel_values=pixel_values).pooler_output

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output
    return Combined(), Vision(), Text()


def export_onnx(work: Path, seed: int = 0):
    """Exports combined, vision and text graphs (opset 17, TorchScript exporter, dynamic batch, text fixed at 77)."""
    onnx_dir = work / "onnx"
    paths = {k: onnx_dir / f"{k}.onnx" for k in ("combined", "vision", "text")}
    meta_path = onnx_dir / "export.json"
    if all(p.exists() for p in paths.values()) and meta_path.exists():
        log(f"cached exports in {onnx_dir}")
        return paths, json.loads(meta_path.read_text())
    import torch
    import transformers
    from transformers import CLIPConfig, CLIPModel
    onnx_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    torch.manual_seed(seed)
    model = CLIPModel(CLIPConfig()).eval()   # HF default config = ViT-B/32 (vision 768×12, text 512×12, embed 512)
    ctx = model.config.text_config.max_position_embeddings
    ids = torch.zeros((2, ctx), dtype=torch.int64)
    ids[:, 0], ids[:, 1:15], ids[:, 15] = 49406, 320, 49407
    mask = (torch.arange(ctx)[None, :] < 16).to(torch.int64).repeat(2, 1)
    px = torch.randn(2, 3, 224, 224)
    combined, vision, text = tower_modules(model)
    jobs = [("combined", combined, (ids, px, mask), ["input_ids", "pixel_values", "attention_mask"], ["text_embeds", "image_embeds"]),
            ("vision", vision, (px,), ["pixel_values"], ["image_embeds"]),
            ("text", text, (ids, mask), ["input_ids", "attention_mask"], ["text_embeds"])]
    for name, module, args, names_in, names_out in jobs:
        log(f"exporting {name} ...")
        axes = {n: {0: "batch"} for n in names_in + names_out}
        tmp = paths[name].with_suffix(".tmp.onnx")
        with torch.no_grad():
            torch.onnx.export(module, args, str(tmp), dynamo=False, opset_version=17, input_names=names_in,
                              output_names=names_out, dynamic_axes=axes, do_constant_folding=True)
        tmp.rename(paths[name])
    meta = {"seed": seed, "config": "transformers CLIPConfig() defaults (ViT-B/32)", "torch": torch.__version__,
            "transformers": transformers.__version__, "opset": 17, "export_seconds": round(time.time() - t0, 1),
            "bytes": {k: p.stat().st_size for k, p in paths.items()}}
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"exported in {meta['export_seconds']} s: {meta['bytes']}")
    return paths, meta


def ort_int8(src: Path, per_channel: bool = True):
    """ORT dynamic quantization: QInt8 weights (per output channel when ORT accepts it), uint8 activations at run time."""
    dst = src.with_name(src.stem + "-int8-dynamic.onnx")
    info = dst.with_suffix(".json")
    if dst.exists() and info.exists():
        return dst, json.loads(info.read_text())
    from onnxruntime.quantization import QuantType, quantize_dynamic
    t0 = time.time()
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel)
        used = per_channel
    except Exception as e:  # some ORT versions reject per-channel MatMul weights; fall back and say so
        log(f"per-channel quantize_dynamic failed ({e}); using per-tensor")
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False)
        used = False
    meta = {"per_channel": used, "weight_type": "QInt8", "seconds": round(time.time() - t0, 1), "bytes": dst.stat().st_size}
    info.write_text(json.dumps(meta))
    log(f"ORT int8 {dst.name}: {meta}")
    return dst, meta


def calibration_images(work: Path, count: int = 16, seed: int = 3):
    """Seeded random PNGs (noise plus smooth gradients) for `clipz calibrate`; cached."""
    d = work / "calib_images"
    if d.exists() and len(list(d.glob("*.png"))) >= count:
        return d
    import numpy as np
    from PIL import Image
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:256, 0:256] / 255.0
    for i in range(count):
        base = np.stack([np.sin(xx * rng.uniform(1, 9) + rng.uniform(0, 6)) for _ in range(3)], -1) * 0.5 + 0.5
        img = np.clip(base * 200 + rng.normal(0, 30, size=(256, 256, 3)) + yy[..., None] * 40, 0, 255).astype(np.uint8)
        Image.fromarray(img).save(d / f"img{i:03d}.png")
    return d


# ---------------------------------------------------------------------------------------------------------
# SigLIP-B/16-224 (bench_vs_ort.py --model siglip-b16)

SIGLIP_VOCAB = 32000
SIGLIP_CONTEXT = 64
SYLLABLES = [c + v for c in "b c d f g h j k l m n p r s t v w z ch sh th st tr pl".split() for v in "a e i o u ai ou ee".split()]


def siglip_corpus(lines: int = 60000, seed: int = 5):
    """Deterministic lowercase pseudo-English: a word list of syllable strings with a Zipf-like draw, so that
    a unigram SentencePiece model finds 32000 distinct pieces (real text is not needed for a speed benchmark)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    words = sorted({"".join(rng.choice(SYLLABLES, size=rng.integers(1, 5))) for _ in range(120000)})
    rng.shuffle(words)
    p = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    p /= p.sum()
    lengths = rng.integers(4, 14, size=lines)
    idx = rng.choice(len(words), size=int(lengths.sum()), p=p)
    ends = np.cumsum(lengths)
    return [" ".join(words[i] for i in idx[e - n:e]) for n, e in zip(lengths, ends)]


def siglip_spm(dst: Path, vocab: int = SIGLIP_VOCAB, seed: int = 1234):
    """A unigram spiece.model with `vocab` pieces in Google's SigLIP layout (<pad>=0, </s>=1, <unk>=2, no <s>),
    trained on siglip_corpus(). Returns the number of pieces."""
    import io
    import sentencepiece as spm
    spm.set_random_generator_seed(seed)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(siglip_corpus()), model_writer=buf, model_type="unigram", vocab_size=vocab,
        character_coverage=1.0, pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>",
        unk_piece="<unk>", normalization_rule_name="nmt_nfkc", add_dummy_prefix=True, remove_extra_whitespaces=True,
        byte_fallback=False, num_threads=2, shuffle_input_sentence=False, input_sentence_size=0, minloglevel=2)
    dst.write_bytes(buf.getvalue())
    return spm.SentencePieceProcessor(model_file=str(dst)).get_piece_size()


def siglip_modules(m):
    """torch wrappers: image tower (tower_modules' own: pixel_values), text tower (input_ids only; SigLIP has no attention mask)."""
    import torch

    _, vision, _ = tower_modules(m)

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, input_ids):
            return self.m.get_text_features(input_ids=input_ids).pooler_output
    return vision, Text()


def siglip_hf_folder(root: Path, cfg, seed: int = 0):
    """Writes a seeded SiglipModel(cfg) as a Hugging Face folder root/hf: save_pretrained (safetensors), SiglipTokenizer
    over a 32000-piece unigram root/spiece.model (trained once by siglip_spm, then cached) and SiglipImageProcessor
    sized to cfg's image. The text config gets the released google/siglip-* special ids (vocab = the pieces, no bos,
    eos = pad = 1); every shape comes from cfg. Cached: an existing root/hf with its weights is reused.
    Returns (folder, {"vocab", "spm_seconds", "write_seconds"})."""
    import sentencepiece as spm
    hf, spm_path = root / "hf", root / "spiece.model"
    info_path = root / "hf.json"
    if all((hf / f).exists() for f in ("model.safetensors", "spiece.model", "preprocessor_config.json")):  # written last
        log(f"cached Hugging Face folder {hf}")
        pieces = spm.SentencePieceProcessor(model_file=str(hf / "spiece.model")).get_piece_size()
        return hf, json.loads(info_path.read_text()) if info_path.exists() else {"vocab": pieces}
    t0 = time.time()
    root.mkdir(parents=True, exist_ok=True)
    if not spm_path.exists():
        log(f"training a {SIGLIP_VOCAB}-piece unigram spiece.model ...")
        tmp = spm_path.with_suffix(".tmp")
        siglip_spm(tmp)
        tmp.rename(spm_path)
    pieces = spm.SentencePieceProcessor(model_file=str(spm_path)).get_piece_size()
    spm_seconds = round(time.time() - t0, 1)
    log(f"spiece.model: {pieces} pieces ({spm_seconds} s)")
    import torch
    from transformers import SiglipImageProcessor, SiglipModel, SiglipTokenizer
    # SiglipTextConfig's defaults carry CLIP's bos/eos ids (49406/49407), outside a 32000 vocabulary; the released
    # google/siglip-* checkpoints use </s> = 1 for eos and padding and no bos.
    cfg.text_config.vocab_size = pieces
    cfg.text_config.bos_token_id = None
    cfg.text_config.eos_token_id = 1
    cfg.text_config.pad_token_id = 1
    t1 = time.time()
    torch.manual_seed(seed)
    model = SiglipModel(cfg).eval()
    hf.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(hf))
    SiglipTokenizer(vocab_file=str(spm_path)).save_pretrained(str(hf))
    px = cfg.vision_config.image_size
    SiglipImageProcessor(size={"height": px, "width": px}).save_pretrained(str(hf))
    info = {"vocab": pieces, "spm_seconds": spm_seconds, "write_seconds": round(time.time() - t1, 1)}
    info_path.write_text(json.dumps(info))
    log(f"wrote {hf} in {info['write_seconds']} s")
    return hf, info


def export_siglip(work: Path, seed: int = 0):
    """Seeded transformers SiglipModel(SiglipConfig()) (both towers 768 wide, 12 layers, 12 heads, MLP 3072, patch 16,
    224 px, text context 64, vocab 32000) saved as a Hugging Face folder (siglip_hf_folder) plus vision / text ONNX
    graphs (opset 17, TorchScript exporter, dynamic batch, text fixed at 64 ids, no attention mask). Cached in
    work/siglip-b16/."""
    root = work / "siglip-b16"
    paths = {"hf": root / "hf", "vision": root / "onnx" / "vision.onnx", "text": root / "onnx" / "text.onnx"}
    meta_path = root / "export.json"
    if all(p.exists() for p in paths.values()) and meta_path.exists():
        log(f"cached SigLIP folder and exports in {root}")
        return paths, json.loads(meta_path.read_text())
    import torch
    import transformers
    from transformers import SiglipConfig, SiglipModel
    t0 = time.time()
    cfg = SiglipConfig()
    _, info = siglip_hf_folder(root, cfg, seed)
    pieces = info["vocab"]
    paths["vision"].parent.mkdir(parents=True, exist_ok=True)
    model = SiglipModel.from_pretrained(str(paths["hf"])).eval()
    ids = torch.randint(3, pieces, (2, SIGLIP_CONTEXT), dtype=torch.int64)
    ids[:, 20], ids[:, 21:] = 1, 1
    px = torch.randn(2, 3, cfg.vision_config.image_size, cfg.vision_config.image_size)
    vision, text = siglip_modules(model)
    for name, module, x, inp, out in (("vision", vision, px, "pixel_values", "image_embeds"),
                                      ("text", text, ids, "input_ids", "text_embeds")):
        log(f"exporting {name} ...")
        tmp = paths[name].with_suffix(".tmp.onnx")
        with torch.no_grad():
            torch.onnx.export(module, (x,), str(tmp), dynamo=False, opset_version=17, input_names=[inp],
                              output_names=[out], dynamic_axes={inp: {0: "batch"}, out: {0: "batch"}},
                              do_constant_folding=True)
        tmp.rename(paths[name])
    meta = {"seed": seed, "config": "transformers SiglipConfig() defaults (SigLIP-B/16-224), text bos None, eos/pad 1",
            "vocab": pieces, "spm": "unigram SentencePiece trained on Tools/bench/prepare.py siglip_corpus() (pseudo-words)",
            "spm_seconds": info["spm_seconds"], "torch": torch.__version__, "transformers": transformers.__version__,
            "opset": 17, "export_seconds": round(time.time() - t0, 1),
            "bytes": {k: p.stat().st_size for k, p in paths.items() if p.is_file()}}
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"exported in {meta['export_seconds']} s: {meta['bytes']}")
    return paths, meta
