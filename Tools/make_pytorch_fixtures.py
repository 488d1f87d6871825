"""PyTorch checkpoint fixtures for Tests/ClipzImportTests/Fixtures, made by the real libraries.

    python Tools/make_pytorch_fixtures.py

Needs torch, transformers, open_clip_torch, safetensors, numpy (PyPI). Writes:
- hf_tiny/pytorch_model.bin: the hf_tiny model (weights from its model.safetensors, so hf_tiny/golden.npz
  stays the reference) re-saved with save_pretrained(safe_serialization=False), the layout of older HF repos.
- hf_tiny/pytorch_model_fp16.bin: the same model in float16 (torch.save of model.half().state_dict()).
- hf_sharded_bin/: the same state dict in two pytorch_model-0000N-of-00002.bin shards with
  pytorch_model.bin.index.json, as transformers 4 saved models above its shard size.
- openclip_pt/: a seeded open_clip CLIP (OpenAI layout, QuickGELU, vocab 512 to stay small) saved as
  open_clip_pytorch_model.bin (torch.save(state_dict), as the LAION/DataComp hub repos), and as a
  TorchScript archive openai_jit.pt (torch.jit.script + torch.jit.save, the format of OpenAI's ViT-*.pt),
  with open_clip_config.json and golden.npz (open_clip's own embeddings for fixed pixels and ids).
- pickle_cases/views.pt: tensors that share one storage, one a transposed (non-contiguous) view and one
  a slice at a storage offset, with views_expected.npz holding what numpy sees for each.
"""
import json
import pathlib

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClipzImportTests/Fixtures"


def hf():
    from transformers import CLIPModel
    d = ROOT / "hf_tiny"
    model = CLIPModel.from_pretrained(d, use_safetensors=True).eval()
    # transformers 5 only writes safetensors; older releases' save_pretrained(safe_serialization=False) wrote
    # torch.save(state_dict) including the position_ids buffers (int64), as older hub repos hold them.
    sd = dict(model.state_dict())
    sd["text_model.embeddings.position_ids"] = torch.arange(model.config.text_config.max_position_embeddings)[None]
    n = (model.config.vision_config.image_size // model.config.vision_config.patch_size) ** 2 + 1
    sd["vision_model.embeddings.position_ids"] = torch.arange(n)[None]
    torch.save(sd, d / "pytorch_model.bin")
    # Sharded, as transformers 4 wrote big models: pytorch_model-0000N-of-00002.bin + pytorch_model.bin.index.json.
    sh = ROOT / "hf_sharded_bin"
    sh.mkdir(exist_ok=True)
    (sh / "config.json").write_text((d / "config.json").read_text())
    names = list(sd)
    parts = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(parts, 1):
        shard = f"pytorch_model-{i:05d}-of-00002.bin"
        torch.save({k: sd[k] for k in part}, sh / shard)
        weight_map.update({k: shard for k in part})
    total = sum(v.numel() * v.element_size() for v in sd.values())
    (sh / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2) + "\n")
    torch.save(model.half().state_dict(), d / "pytorch_model_fp16.bin")


OC_CFG = {"embed_dim": 16, "quick_gelu": True,
          "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 8, "patch_size": 8},
          "text_cfg": {"context_length": 16, "vocab_size": 512, "width": 32, "heads": 4, "layers": 2}}


def openclip(seed=500):
    from open_clip.model import CLIP
    torch.manual_seed(seed)
    d = ROOT / "openclip_pt"
    d.mkdir(exist_ok=True)
    model = CLIP(embed_dim=OC_CFG["embed_dim"], vision_cfg=OC_CFG["vision_cfg"], text_cfg=OC_CFG["text_cfg"], quick_gelu=True).eval()
    with torch.no_grad():  # move every parameter off its initial value so no mapping bug hides behind zeros or ones
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    torch.save(model.state_dict(), d / "open_clip_pytorch_model.bin")
    torch.jit.save(torch.jit.script(model), d / "openai_jit.pt")
    (d / "open_clip_config.json").write_text(json.dumps(OC_CFG, indent=2) + "\n")
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.rand(2, 3, 32, 32, generator=g) * 4 - 2
    rows = [[510, 17, 233, 98, 511], [510, 5, 400, 7, 300, 42, 11, 9, 511]]
    t = torch.zeros(2, 16, dtype=torch.long)
    for i, r in enumerate(rows):
        t[i, :len(r)] = torch.tensor(r)
    m64 = model.double()
    with torch.no_grad():
        img = m64.encode_image(x.double()).float().numpy()
        txt = m64.encode_text(t).float().numpy()
    np.savez(d / "golden.npz", pixel_values=x.numpy(), input_ids=t.numpy(), image_embeds=img, text_embeds=txt)


def views():
    d = ROOT / "pickle_cases"
    d.mkdir(exist_ok=True)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    sd = {"whole": base, "transposed": base.t(), "rows_from_2": base[2:], "column_3": base[:, 3], "scalar": torch.tensor(1.5)}
    torch.save(sd, d / "views.pt")
    np.savez(d / "views_expected.npz", **{k: v.contiguous().numpy() for k, v in sd.items()})


if __name__ == "__main__":
    hf()
    openclip()
    views()
