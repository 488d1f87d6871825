#!/usr/bin/env python3
"""Writes the single-tower fixtures under Tests/ClipzImportTests/Fixtures/: `hf_tiny_vision`
(`CLIPVisionModelWithProjection`) and `hf_tiny_text` (`CLIPTextModelWithProjection`), each built from
hf_tiny's weights and saved with `save_pretrained`, with `golden.npz` holding the torch embeddings
(`image_embeds` / `text_embeds`) for hf_tiny's golden inputs; the script checks that they equal the
embeddings in hf_tiny/golden.npz.

Run:  python Tools/make_tower_fixtures.py   (after Tools/make_fixtures.py; needs torch, transformers)
"""
import copy
from pathlib import Path

import numpy as np
import torch
from transformers import CLIPModel, CLIPTextModelWithProjection, CLIPVisionModelWithProjection

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "Tests" / "ClipzImportTests" / "Fixtures"


def main():
    full = CLIPModel.from_pretrained(FIX / "hf_tiny").eval()
    gold = np.load(FIX / "hf_tiny" / "golden.npz")
    x = torch.from_numpy(gold["pixel_values"])
    t = torch.from_numpy(gold["input_ids"])
    mask = torch.from_numpy(gold["attention_mask"])
    towers = {
        "hf_tiny_vision": (CLIPVisionModelWithProjection, full.config.vision_config, "vision_model", "visual_projection"),
        "hf_tiny_text": (CLIPTextModelWithProjection, full.config.text_config, "text_model", "text_projection"),
    }
    for folder, (cls, cfg, trunk, proj) in towers.items():
        cfg = copy.deepcopy(cfg)
        cfg.projection_dim = full.config.projection_dim
        tower = cls(cfg).eval()
        getattr(tower, trunk).load_state_dict(getattr(full, trunk).state_dict())
        getattr(tower, proj).load_state_dict(getattr(full, proj).state_dict())
        d = FIX / folder
        d.mkdir(exist_ok=True)
        tower.save_pretrained(d, safe_serialization=True)
        m64 = copy.deepcopy(tower).double()
        with torch.no_grad():
            if trunk == "vision_model":
                e = m64(pixel_values=x.double()).image_embeds
                key, out = "image_embeds", {"pixel_values": gold["pixel_values"]}
            else:
                e = m64(input_ids=t, attention_mask=mask).text_embeds
                key, out = "text_embeds", {"input_ids": gold["input_ids"], "attention_mask": gold["attention_mask"]}
        e = e.float().numpy()
        err = float(np.abs(e - gold[key]).max())
        assert err < 1e-6, f"{folder}: {key} differs from hf_tiny/golden.npz by {err}"
        out[key] = e
        np.savez(d / "golden.npz", **out)
        print(f"{folder}: {sorted(tower.state_dict())[:2]}… {key} max |diff| vs hf_tiny {err:.2e}")


if __name__ == "__main__":
    main()
