#!/usr/bin/env python3
"""Create the image-decoding and CLIP-preprocessing fixtures of Tests/ClipzImageTests/Fixtures.

Run from the repository root:
    python Tools/make_image_goldens.py

Writes synthesized test images (PNG in many colour types, JPEG baseline/progressive/CMYK/grey)
and goldens computed with Pillow + torchvision exactly as open_clip preprocesses images
(Resize(size, BICUBIC) -> CenterCrop(size) -> RGB -> ToTensor -> Normalize(OpenAI mean/std)):
  - manifest.json: per image, Pillow's mode, size and the SHA-256 of convert("RGB") bytes;
  - decoded_<name>.npy (uint8 HxWx3) for the JPEGs, whose decoders may differ slightly;
  - tensor_<name>_<size>.npy (float32 [3,S,S]): the full open_clip tensor;
  - crop_<name>_<size>.npy (uint8 [S,S,3]): the resized+cropped image just before ToTensor, stored
    instead of the float tensor to keep fixtures small; this script asserts that ToTensor+Normalize
    of it equals the Compose output bit for bit.
Goldens use Image.open(p).convert("RGB") as input, i.e. decode-then-preprocess (what Clipz does).
"""
import hashlib, io, json, os, struct, sys, zlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

OUT = os.path.join("Tests", "ClipzImageTests", "Fixtures")
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
COMMAND = "python Tools/make_image_goldens.py"


def photo(w, h, seed):
    """Photo-like RGB: smooth gradients, a few shapes with hard edges, mild noise (compresses well)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([
        128 + 100 * np.sin(x / (w / 3.1) + 0.3) * np.cos(y / (h / 2.3)),
        128 + 90 * np.cos((x + y) / (w / 4.7)),
        60 + 150 * (y / h) ** 1.5,
    ], axis=-1)
    for _ in range(6):  # discs and rectangles: edges exercise the bicubic overshoot/clamp
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, max(w, h) / 5)
        col = rng.uniform(0, 255, 3)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = col
        x0, y0 = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        img[y0:y0 + int(r), x0:x0 + int(r * 1.7)] = rng.uniform(0, 255, 3)
    img[::7, :, :] = np.clip(img[::7, :, :] + 40, 0, 255)  # thin stripes: high-frequency content
    img += rng.integers(-3, 4, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_bytes(rows, w, h, color_type, depth, interlace=False, extra=b""):
    """Minimal PNG writer (Pillow cannot write 16-bit RGB or Adam7). rows: array [h, w, c] of uint8/uint16."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    arr = rows.astype(">u2") if depth == 16 else rows.astype(np.uint8)
    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b""
        for x0, y0, dx, dy in passes:
            sub = arr[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += b"".join(b"\x00" + r.tobytes() for r in sub)
    else:  # alternate filter types 0 (none) and 1 (sub) so both decode paths are used
        raw = b""
        for i, r in enumerate(arr):
            b = np.frombuffer(r.tobytes(), np.uint8)
            if i % 2:
                bpp = arr.dtype.itemsize * (arr.shape[2] if arr.ndim == 3 else 1)
                f = b.copy(); f[bpp:] = (b[bpp:].astype(int) - b[:-bpp]) % 256
                raw += b"\x01" + f.tobytes()
            else:
                raw += b"\x00" + b.tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def make_images():
    imgs = {}
    def save(name, im, **kw):
        buf = io.BytesIO(); im.save(buf, **kw); imgs[name] = buf.getvalue()
    save("rgb_640x480.png", Image.fromarray(photo(640, 480, 1)), format="PNG", optimize=True)
    save("rgb_300x500.png", Image.fromarray(photo(300, 500, 2)), format="PNG", optimize=True)
    save("rgb_224x224.png", Image.fromarray(photo(224, 224, 3)), format="PNG")
    save("rgb_97x61.png", Image.fromarray(photo(97, 61, 4)), format="PNG")
    p = photo(200, 150, 5)
    alpha = np.tile(np.linspace(0, 255, 200).astype(np.uint8), (150, 1))[..., None]
    save("rgba_200x150.png", Image.fromarray(np.concatenate([p, alpha], -1), "RGBA"), format="PNG")
    g = photo(180, 120, 6)[..., 1]
    save("gray_180x120.png", Image.fromarray(g, "L"), format="PNG")
    save("gray_alpha_90x70.png", Image.fromarray(np.stack([g[:70, :90], g[:70, 90:180]], -1), "LA"), format="PNG")
    pal = Image.fromarray(photo(160, 120, 7)).quantize(colors=64)
    save("palette_160x120.png", pal, format="PNG", transparency=3)
    g1 = Image.fromarray((photo(33, 17, 8)[..., 0] > 128).astype(np.uint8) * 255, "L").convert("1")
    save("gray_1bit_33x17.png", g1, format="PNG")
    p16 = photo(120, 90, 9).astype(np.uint16) * 257 + np.random.default_rng(9).integers(0, 257, (90, 120, 3)).astype(np.uint16)
    imgs["rgb16_120x90.png"] = png_bytes(p16, 120, 90, 2, 16)
    # 16-bit grey: Pillow opens it as "I;16" and clips at 255; keep many values below 256.
    g16 = (photo(64, 48, 10)[..., 2].astype(np.uint16) * 2).astype(np.uint16)
    imgs["gray16_64x48.png"] = png_bytes(g16[..., None], 64, 48, 0, 16)
    ri = photo(150, 100, 11)
    imgs["interlaced_150x100.png"] = png_bytes(ri, 150, 100, 2, 8, interlace=True)
    save("baseline_320x240.jpg", Image.fromarray(photo(320, 240, 12)), format="JPEG", quality=90)
    save("progressive_200x300.jpg", Image.fromarray(photo(200, 300, 13)), format="JPEG", quality=85, progressive=True)
    cmyk = Image.fromarray(photo(96, 64, 14)).convert("CMYK")
    save("cmyk_96x64.jpg", cmyk, format="JPEG", quality=92)
    save("gray_120x80.jpg", Image.fromarray(photo(120, 80, 15)[..., 0], "L"), format="JPEG", quality=90)
    return imgs


def compose(size):
    # Same as open_clip.transform.image_transform(size, is_train=False) with OpenAI mean/std.
    return T.Compose([T.Resize(size, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(size),
                      T.ToTensor(), T.Normalize(MEAN, STD)])


def crop_u8(im, size, mode=T.InterpolationMode.BICUBIC):
    im = T.CenterCrop(size)(T.Resize(size, interpolation=mode)(im))
    return np.array(im, dtype=np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".png", ".jpg", ".npy", ".json")):
            os.remove(os.path.join(OUT, f))
    imgs = make_images()
    manifest = {"command": COMMAND, "mean": MEAN, "std": STD, "images": {}, "tensors": [], "crops": []}
    for name, data in sorted(imgs.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        mode = im.mode
        rgb = im.convert("RGB")
        arr = np.array(rgb, dtype=np.uint8)
        entry = {"mode": mode, "width": rgb.width, "height": rgb.height,
                 "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
        if name.endswith(".jpg"):
            entry["decoded"] = "decoded_" + name[:-4] + ".npy"
            np.save(os.path.join(OUT, entry["decoded"]), arr)
        manifest["images"][name] = entry
    tensors = [("rgb_640x480.png", 224), ("rgb_640x480.png", 32)]
    crops = [("rgb_300x500.png", 224), ("rgb_224x224.png", 224), ("rgb_97x61.png", 224),
             ("interlaced_150x100.png", 224), ("gray_180x120.png", 32),
             ("baseline_320x240.jpg", 224), ("progressive_200x300.jpg", 224)]
    for name, size in tensors + crops:
        rgb = Image.open(os.path.join(OUT, name)).convert("RGB")
        t = compose(size)(rgb).numpy().astype(np.float32)
        u8 = crop_u8(rgb, size)
        # The uint8 crop carries the whole golden: ToTensor + Normalize of it is the tensor, exactly.
        again = T.Normalize(MEAN, STD)(T.ToTensor()(u8)).numpy()
        assert np.array_equal(again, t), name
        stem = name.rsplit(".", 1)[0]
        if (name, size) in tensors:
            fn = f"tensor_{stem}_{size}.npy"; np.save(os.path.join(OUT, fn), t)
            manifest["tensors"].append({"image": name, "size": size, "file": fn})
        else:
            fn = f"crop_{stem}_{size}.npy"; np.save(os.path.join(OUT, fn), u8)
            manifest["crops"].append({"image": name, "size": size, "file": fn})
    # Bilinear (some checkpoints ask for it): uint8 crop only.
    for name, size in [("rgb_300x500.png", 64), ("rgb_97x61.png", 64)]:
        u8 = crop_u8(Image.open(os.path.join(OUT, name)).convert("RGB"), size, T.InterpolationMode.BILINEAR)
        fn = f"crop_{name.rsplit('.', 1)[0]}_{size}_bilinear.npy"; np.save(os.path.join(OUT, fn), u8)
        manifest["crops"].append({"image": name, "size": size, "file": fn, "resample": "bilinear"})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes to {OUT}")


if __name__ == "__main__":
    sys.exit(main())
