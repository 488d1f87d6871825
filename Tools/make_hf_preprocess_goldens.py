"""Goldens for the two preprocessing pipelines CLIP checkpoints come with (Tests/ClipzImageTests/Fixtures/pipelines/).

    python Tools/make_hf_preprocess_goldens.py

Photo-like PNGs whose resized long side leaves an odd margin (640x427 -> 335x224: the centre crop starts at
55.5), preprocessed by
- Hugging Face transformers' CLIPImageProcessor (transformers 5: torchvision tensor backend; crop offset
  int((size - crop) / 2)), and
- open_clip's image transform (PIL resize, torchvision CenterCrop: offset round((size - crop) / 2)).
Stored as uint8 [224, 224, 3]: each pipeline's normalised output mapped back with x * std + mean, * 255,
rounded (the script checks the round trip is exact to 1e-4). Needs torch, transformers, open_clip_torch, pillow.
"""
import pathlib
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_image_goldens import photo  # noqa: E402  (the same photo-like generator)

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClipzImageTests/Fixtures/pipelines"
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def to_uint8(chw):
    hwc = np.transpose(chw, (1, 2, 0)) * STD + MEAN
    u8 = np.clip(np.rint(hwc * 255), 0, 255).astype(np.uint8)
    back = (u8.astype(np.float32) / 255 - MEAN) / STD
    assert np.abs(np.transpose(back, (2, 0, 1)) - chw).max() < 1e-4 + 0.5 / 255 / STD.min()
    return u8


def main():
    from transformers import CLIPImageProcessor
    import open_clip
    OUT.mkdir(parents=True, exist_ok=True)
    hf = CLIPImageProcessor()  # crop 224, shortest edge 224, bicubic, OpenAI mean/std: CLIP's defaults
    _, _, oc = open_clip.create_model_and_transforms("ViT-B-32", pretrained=None)
    for name, (w, h), seed in [("landscape_640x427", (640, 427), 11), ("portrait_427x640", (427, 640), 12)]:
        path = OUT / f"{name}.png"
        Image.fromarray(photo(w, h, seed)).save(path)
        img = Image.open(path).convert("RGB")
        np.save(OUT / f"hf_{name}.npy", to_uint8(hf(images=img, return_tensors="np")["pixel_values"][0]))
        np.save(OUT / f"openclip_{name}.npy", to_uint8(oc(img).numpy()))


if __name__ == "__main__":
    main()
