"""A seeded ViT-bigG/14-shaped open_clip checkpoint, for conversion and quantization benchmarks.

    python Tools/make_bigg_model.py OUT_DIR [--seed N] [--scale 1.0] [--vision-layers N] [--text-layers N]

Writes OUT_DIR/open_clip_model.safetensors (fp32, the state-dict names and shapes of open_clip's
`ViT-bigG-14`: 2.54 B parameters, 10.2 GB) and OUT_DIR/open_clip_config.json (`model_cfg` +
`preprocess_cfg`, as open_clip hub repos ship it), so `clipz convert OUT_DIR` reads it like a
downloaded open_clip repo. Keep OUT_DIR outside the repository.

The tensor list comes from open_clip's own `CLIP` built on the meta device (no memory, no weights);
values are drawn tensor by tensor in 16 Mi-element chunks and written straight to the file, so the
script needs ~100 MB of memory whatever the model size. Values have the scale of trained weights:
N(0, 0.02²) for weights and embeddings, N(0, 0.01²) for biases, 1 + N(0, 0.05²) for LayerNorm gains,
ln(100) for the logit scale. Each tensor's values depend only on (seed, tensor index), so runs are
reproducible. `--vision-layers` / `--text-layers` make a smaller model of the same widths (quick
checks of the pipeline); `--scale` is not a size knob: it multiplies the weight std.

Needs torch, open_clip_torch, numpy (PyPI).
"""
import argparse
import json
import math
import pathlib
import struct
import sys

import numpy as np

BIGG = {"embed_dim": 1280,
        "vision_cfg": {"image_size": 224, "layers": 48, "width": 1664, "head_width": 104, "mlp_ratio": 4.9231,
                       "patch_size": 14},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1280, "heads": 20, "layers": 32}}
PREPROCESS = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
              "interpolation": "bicubic", "resize_mode": "shortest"}
CHUNK = 16 << 20  # elements drawn at a time (64 MiB of f32)


def state_dict_shapes(cfg):
    """(name, shape) of open_clip's CLIP state dict for cfg, in state-dict order, without allocating weights."""
    import torch
    from open_clip.model import CLIP
    with torch.device("meta"):
        model = CLIP(**cfg)
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


def kind(name):
    last = name.rsplit(".", 1)[-1]
    if name == "logit_scale":
        return "logit_scale"
    if last == "weight" and any(part.startswith("ln_") for part in name.split(".")):
        return "ln_gain"
    if last.endswith("bias"):
        return "bias"
    return "weight"


def write_tensor(f, index, name, shape, seed, scale):
    n = math.prod(shape)
    k = kind(name)
    if k == "logit_scale":
        np.full(n, math.log(100.0), dtype=np.float32).tofile(f)
        return
    rng = np.random.default_rng([seed, index])
    std = {"weight": 0.02, "bias": 0.01, "ln_gain": 0.05}[k] * scale
    done = 0
    while done < n:
        m = min(CHUNK, n - done)
        x = rng.standard_normal(m, dtype=np.float32)
        x *= np.float32(std)
        if k == "ln_gain":
            x += np.float32(1.0)
        x.tofile(f)
        done += m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every std (default 1)")
    ap.add_argument("--vision-layers", type=int, default=BIGG["vision_cfg"]["layers"])
    ap.add_argument("--text-layers", type=int, default=BIGG["text_cfg"]["layers"])
    a = ap.parse_args()
    cfg = json.loads(json.dumps(BIGG))
    cfg["vision_cfg"]["layers"] = a.vision_layers
    cfg["text_cfg"]["layers"] = a.text_layers
    a.out.mkdir(parents=True, exist_ok=True)
    shapes = state_dict_shapes(cfg)

    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes:
        nbytes = 4 * math.prod(shape)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-len(hj) % 8)  # safetensors pads the header with spaces to 8 bytes
    path = a.out / "open_clip_model.safetensors"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for i, (name, shape) in enumerate(shapes):
            write_tensor(f, i, name, shape, a.seed, a.scale)
            if sys.stderr.isatty():
                print(f"\r{i + 1}/{len(shapes)} {name}\033[K", end="", file=sys.stderr, flush=True)
    tmp.rename(path)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    (a.out / "open_clip_config.json").write_text(json.dumps({"model_cfg": cfg, "preprocess_cfg": PREPROCESS}, indent=2) + "\n")
    params = offset // 4
    print(f"wrote {path}: {len(shapes)} tensors, {params / 1e9:.3f} B parameters, {(8 + len(hj) + offset) / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
