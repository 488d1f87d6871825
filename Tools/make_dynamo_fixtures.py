"""ONNX exports from torch's default (dynamo) exporter with dynamic batch and sequence axes
(Tests/ClipzImportTests/Fixtures/hf_tiny/dynamic_*.onnx).

    python Tools/make_dynamo_fixtures.py

The hf_tiny model (weights from its model.safetensors, so hf_tiny/golden.npz stays the reference) exported
with torch.onnx.export(dynamo=True) and torch.export.Dim axes: reshape targets become
Concat(Shape(x)[a:b], …, [-1], [head_dim]) and the class embedding an Expand to Shape(…). One combined graph
and split towers. Needs torch, transformers, onnxscript.
"""
import pathlib
import sys

import torch
from transformers import CLIPModel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_fixtures import HFCombined, HFText, HFVision  # noqa: E402  (the wrappers the static exports use)

D = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClipzImportTests/Fixtures/hf_tiny"


def main():
    m = CLIPModel.from_pretrained(D, use_safetensors=True).eval()
    ids = torch.tensor([[510, 17, 233, 98, 511] + [0] * 11, [510, 5, 400, 7, 300, 42, 11, 9, 511] + [0] * 7])
    mask = (ids != 0).long()
    x = torch.randn(2, 3, 32, 32)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=16)
    text_axes = {0: batch, 1: seq}
    torch.onnx.export(HFCombined(m), (ids, x, mask), D / "dynamic_combined.onnx", dynamo=True,
                      input_names=["input_ids", "pixel_values", "attention_mask"], output_names=["text_embeds", "image_embeds", "logits_per_image"],
                      dynamic_shapes={"input_ids": text_axes, "pixel_values": {0: batch}, "attention_mask": text_axes})
    torch.onnx.export(HFVision(m), (x,), D / "dynamic_vision.onnx", dynamo=True, input_names=["pixel_values"],
                      output_names=["image_embeds"], dynamic_shapes={"pixel_values": {0: batch}})
    torch.onnx.export(HFText(m), (ids, mask), D / "dynamic_text.onnx", dynamo=True, input_names=["input_ids", "attention_mask"],
                      output_names=["text_embeds"], dynamic_shapes={"input_ids": text_axes, "attention_mask": text_axes})


if __name__ == "__main__":
    main()
