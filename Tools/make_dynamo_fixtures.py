"""ONNX exports from torch's default (dynamo) exporter with dynamic batch and sequence axes
(Tests/ClipzImportTests/Fixtures/hf_tiny/dynamic_*.onnx).

    python Tools/make_dynamo_fixtures.py

The hf_tiny model (weights from its model.safetensors, so hf_tiny/golden.npz stays the reference) exported
with torch.onnx.export(dynamo=True) and torch.export.Dim axes: reshape targets become
Concat(Shape(x)[a:b], …, [-1], [head_dim]) and the class embedding an Expand to Shape(…). One combined graph
and split towers. Needs torch, transformers, onnxscript.
"""
import pathlib

import torch
from transformers import CLIPModel

D = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClipzImportTests/Fixtures/hf_tiny"


class Combined(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, pixel_values, attention_mask):
        o = self.m(input_ids=input_ids, pixel_values=pixel_values, attention_mask=attention_mask)
        return o.text_embeds, o.image_embeds


class Vision(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.get_image_features(pixel_values=pixel_values).pooler_output


class Text(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output


def main():
    m = CLIPModel.from_pretrained(D, use_safetensors=True).eval()
    ids = torch.tensor([[510, 17, 233, 98, 511] + [0] * 11, [510, 5, 400, 7, 300, 42, 11, 9, 511] + [0] * 7])
    mask = (ids != 0).long()
    x = torch.randn(2, 3, 32, 32)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=16)
    text_axes = {0: batch, 1: seq}
    torch.onnx.export(Combined(m), (ids, x, mask), D / "dynamic_combined.onnx", dynamo=True,
                      input_names=["input_ids", "pixel_values", "attention_mask"], output_names=["text_embeds", "image_embeds"],
                      dynamic_shapes={"input_ids": text_axes, "pixel_values": {0: batch}, "attention_mask": text_axes})
    torch.onnx.export(Vision(m), (x,), D / "dynamic_vision.onnx", dynamo=True, input_names=["pixel_values"],
                      output_names=["image_embeds"], dynamic_shapes={"pixel_values": {0: batch}})
    torch.onnx.export(Text(m), (ids, mask), D / "dynamic_text.onnx", dynamo=True, input_names=["input_ids", "attention_mask"],
                      output_names=["text_embeds"], dynamic_shapes={"input_ids": text_axes, "attention_mask": text_axes})


if __name__ == "__main__":
    main()
