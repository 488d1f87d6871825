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
