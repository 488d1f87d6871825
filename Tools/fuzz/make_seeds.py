#!/usr/bin/env python3
"""Writes the small committed fuzz seeds under Tools/fuzz/seeds/<target>/.

Run from the repository root:  python Tools/fuzz/make_seeds.py
then (for the .clipz seed):     clipz convert Tools/fuzz/seeds/_micro_dump -o Tools/fuzz/seeds/clipz/micro.clipz --force
                                (Tools/fuzz/make_seeds.sh does both).
Bigger, realistic seeds (the ONNX graphs, hf_tiny safetensors/npz, tokenizer.json, fixture images)
are not copied here: Tools/fuzz/run.sh adds them from Tests/*/Fixtures at run time.

The "micro" CLIP has every canonical tensor at tiny shapes (width 4, one layer per tower) so a seed
of a few KB still walks the whole import path: container, naming, config, shape checks, loading.
"""
import io, json, os, struct, zipfile
import numpy as np
from PIL import Image

OUT = "Tools/fuzz/seeds"
W, M, P, IMG, C, V, E = 4, 8, 2, 4, 4, 8, 2        # width, mlp, patch, image, context, vocab, embed
CONFIG = {"embed_dim": E,
          "vision": {"image_size": IMG, "patch_size": P, "width": W, "layers": 1, "heads": 1, "mlp_dim": M,
                     "activation": "quick_gelu", "layer_norm_eps": 1e-5},
          "text": {"context_length": C, "vocab_size": V, "width": W, "layers": 1, "heads": 1, "mlp_dim": M,
                   "activation": "quick_gelu", "layer_norm_eps": 1e-5, "eos_token_id": V - 1, "pooling": "argmax_id"}}


def layer(tower):
    p = f"{tower}.layers.0."
    out = {p + n: [W] for n in ["ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "attn.q.bias", "attn.k.bias",
                                 "attn.v.bias", "attn.out.bias", "mlp.fc2.bias"]}
    out.update({p + f"attn.{x}.weight": [W, W] for x in "qkv"})
    out.update({p + "attn.out.weight": [W, W], p + "mlp.fc1.weight": [M, W], p + "mlp.fc1.bias": [M], p + "mlp.fc2.weight": [W, M]})
    return out


def micro_tensors():
    shapes = {"vision.patch_embed.weight": [W, 3, P, P], "vision.class_embed": [W],
              "vision.pos_embed": [(IMG // P) ** 2 + 1, W], "vision.pre_ln.weight": [W], "vision.pre_ln.bias": [W]}
    shapes.update(layer("vision"))
    shapes.update({"vision.post_ln.weight": [W], "vision.post_ln.bias": [W], "vision.proj.weight": [E, W],
                   "text.token_embed": [V, W], "text.pos_embed": [C, W]})
    shapes.update(layer("text"))
    shapes.update({"text.final_ln.weight": [W], "text.final_ln.bias": [W], "text.proj.weight": [E, W], "logit_scale": []})
    rng = np.random.default_rng(0)
    return {k: (rng.standard_normal(s) * 0.1).astype("<f4") for k, s in shapes.items()}


def put(target, name, data):
    os.makedirs(f"{OUT}/{target}", exist_ok=True)
    with open(f"{OUT}/{target}/{name}", "wb") as f:
        f.write(data)


def safetensors_bytes(tensors, dtype="F32", meta=None):
    header, blobs, off = {}, [], 0
    if meta: header["__metadata__"] = meta
    for k, a in tensors.items():
        b = a.tobytes(); header[k] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header).encode(); h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def npz_bytes(tensors, compressed):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **tensors)
    return buf.getvalue()


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    if version: np.lib.format.write_array(buf, a, version=version)
    else: np.save(buf, a)
    return buf.getvalue()


def main():
    t = micro_tensors()
    put("safetensors", "micro_canonical.safetensors", safetensors_bytes(t, meta={"format": "pt"}))
    put("safetensors", "micro_f16.safetensors", safetensors_bytes({k: v.astype("<f2") for k, v in t.items()}, "F16"))
    put("safetensors", "two_tensors.safetensors", safetensors_bytes({"a": np.arange(6, dtype="<f4").reshape(2, 3), "b": np.zeros((0,), "<f4")}))
    put("npz", "micro_stored.npz", npz_bytes(t, False))
    put("npz", "micro_deflated.npz", npz_bytes(t, True))
    put("npz", "small_mixed.npz", npz_bytes({"a": np.arange(4, dtype="<f8"), "b": np.ones((2, 2), ">f4")}, True))
    for name, a in {"f32_2x3": np.arange(6, dtype="<f4").reshape(2, 3), "f16_4": np.arange(4, dtype="<f2"),
                    "f64_scalar": np.array(3.5, "<f8"), "fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
                    "big_endian": np.arange(3, dtype=">f4"), "i64": np.arange(3, dtype="<i8"), "u8": np.arange(5, dtype="u1"),
                    "bool": np.array([True, False])}.items():
        put("npy", name + ".npy", npy_bytes(a))
    put("npy", "v2_header.npy", npy_bytes(np.arange(2, dtype="<f4"), version=(2, 0)))
    put("npy", "v3_header.npy", npy_bytes(np.arange(2, dtype="<f4"), version=(3, 0)))

    # Raw dump: manifest bytes, NUL, weights.bin (the harness splits at the first NUL).
    entries, blob = [], b""
    for k, a in t.items():
        entries.append({"name": k, "dtype": "f32", "shape": list(a.shape), "file": "weights.bin", "offset": len(blob)})
        blob += a.tobytes()
    manifest = json.dumps({"format": "clipz-raw-dump", "version": 1, "config": CONFIG, "tensors": entries}).encode()
    put("rawdump", "micro_with_config", manifest + b"\0" + blob)
    manifest2 = json.dumps({"format": "clipz-raw-dump", "version": 1, "tensors": entries[:3]}).encode()
    put("rawdump", "three_tensors", manifest2 + b"\0" + blob[:4 * 64])
    # The micro dump as a folder, for `clipz convert` (the .clipz seed).
    os.makedirs(f"{OUT}/_micro_dump", exist_ok=True)
    open(f"{OUT}/_micro_dump/manifest.json", "wb").write(manifest)
    open(f"{OUT}/_micro_dump/weights.bin", "wb").write(blob)

    # Tokenizers: the fixture's tokenizer.json cut to 40 merges (vocab kept consistent), open_clip-style merges.
    tok = json.load(open("Tests/ClipzTextTests/Fixtures/hf_tiny/tokenizer.json"))
    merges = tok["model"]["merges"][:40]
    base = [k for k, i in sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])][:512]
    vocab = base + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    tok["model"]["vocab"] = {k: i for i, k in enumerate(vocab)}
    tok["model"]["merges"] = merges
    tok["added_tokens"] = [dict(a, id=len(vocab) - 2 + j) for j, a in enumerate(tok["added_tokens"])]
    put("tokenizer_json", "mini.json", json.dumps(tok, ensure_ascii=False).encode())
    tok["model"]["merges"] = [" ".join(m) for m in merges]
    put("tokenizer_json", "mini_string_merges.json", json.dumps(tok, ensure_ascii=False).encode())
    merges_txt = ("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n").encode()
    put("merges", "mini.txt", merges_txt)
    # SentencePiece (SigLIP): unigram and BPE models of 20 pieces (bpe: plus 256 byte pieces) with identity normalisation (no 240 KB
    # NFKC charsmap), so a seed of a few KB still reaches libsentencepiece's model checks and encoder.
    import sentencepiece as spm
    lines = [f"a photo of a {w}" for w in ["cat", "dog", "car", "tree", "bird", "house"] * 20]
    for kind in ("unigram", "bpe"):
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, model_type=kind, vocab_size=20 if kind == "unigram" else 280,
                                       normalization_rule_name="identity", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                       byte_fallback=kind == "bpe", num_threads=1, minloglevel=2)
        put("spm_model", f"tiny_{kind}.model", model.getvalue())
    # Beside the micro dump so `clipz convert` picks a 554-id tokenizer instead of the 1.6 MB bundled one.
    open(f"{OUT}/_micro_dump/bpe_simple_vocab_16e6.txt", "wb").write(merges_txt)

    # ONNX: two few-hundred-byte graphs (image input + Conv, token ids + Gather) for the protobuf reader;
    # run.sh adds the real fixture graphs for the matcher.
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    conv = helper.make_graph([helper.make_node("Conv", ["pixel_values", "w"], ["y"], kernel_shape=[P, P], strides=[P, P])], "g",
                             [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, [1, 3, IMG, IMG])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                             [numpy_helper.from_array(t["vision.patch_embed.weight"], "w")])
    put("onnx", "conv.onnx", helper.make_model(conv, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    gather = helper.make_graph([helper.make_node("Gather", ["emb", "input_ids"], ["y"])], "g",
                               [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, C])],
                               [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                               [numpy_helper.from_array(t["text.token_embed"], "emb")])
    put("onnx", "gather.onnx", helper.make_model(gather, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())

    # Images: tiny PNG (RGB, RGBA, palette, gray16, interlaced) and JPEG (baseline, progressive, gray, CMYK).
    rng = np.random.default_rng(1)
    rgb = Image.fromarray(rng.integers(0, 255, (6, 5, 3), dtype=np.uint8))
    def img(name, im, **kw):
        buf = io.BytesIO(); im.save(buf, **kw); put("image", name, buf.getvalue())
    img("rgb.png", rgb, format="PNG")
    img("rgba.png", rgb.convert("RGBA"), format="PNG")
    img("palette.png", rgb.convert("P"), format="PNG")
    img("gray16.png", Image.fromarray(rng.integers(0, 65535, (4, 3), dtype=np.uint16)), format="PNG")
    img("baseline.jpg", rgb, format="JPEG", quality=80)
    img("progressive.jpg", rgb.resize((17, 9)), format="JPEG", progressive=True)
    img("gray.jpg", rgb.convert("L"), format="JPEG")
    img("cmyk.jpg", rgb.convert("CMYK"), format="JPEG")


if __name__ == "__main__":
    main()
