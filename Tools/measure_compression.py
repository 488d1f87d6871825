#!/usr/bin/env python3
"""Measures what zstd (level 3, as the .clipz writer uses) achieves on trained CLIP weights, with and
without the byte-plane transform, per dtype. Prints the markdown table kept in Formats/clipz.md.

Usage: python Tools/measure_compression.py [model.safetensors]
(default: the trained digits model, Tests/Fixtures/digits/model.safetensors; the token embedding is
left out because its unused rows are zero and would flatter the numbers). Needs numpy, safetensors and
the `zstd` command-line tool."""
import subprocess, sys
import numpy as np
from safetensors.numpy import load_file

path = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/digits/model.safetensors"
tensors = {k: v.astype(np.float32) for k, v in load_file(path).items() if v.ndim == 2 and "token_embedding" not in k}
flat = np.concatenate([t.ravel() for t in tensors.values()])

def zstd(b: bytes) -> int:
    return len(subprocess.run(["zstd", "-3", "-c", "-q"], input=b, capture_output=True, check=True).stdout)

def planes(a: np.ndarray) -> bytes:
    w = a.dtype.itemsize
    return a.view(np.uint8).reshape(-1, w).T.copy().tobytes()

def bf16(a):
    u = a.view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)

rows = []
for name, arr in [("f32", flat), ("f16", flat.astype(np.float16)), ("bf16", bf16(flat))]:
    raw = arr.tobytes()
    rows.append((name, len(raw), zstd(raw) / len(raw), zstd(planes(arr)) / len(raw)))
q = []
for t in tensors.values():
    s = np.maximum(np.abs(t).max(axis=1, keepdims=True), 1e-12) / 127
    q.append(np.clip(np.rint(t / s), -127, 127).astype(np.int8).ravel())
qa = np.concatenate(q)
rows.append(("i8 (per-channel)", qa.nbytes, zstd(qa.tobytes()) / qa.nbytes, float("nan")))
rng = np.random.default_rng(0).normal(0, 0.02, flat.size).astype(np.float32)
rows.append(("f32, random N(0, 0.02²)", rng.nbytes, zstd(rng.tobytes()) / rng.nbytes, zstd(planes(rng)) / rng.nbytes))

print(f"Weights: {len(tensors)} 2-D tensors, {flat.size} values from {path}")
print("| dtype | raw bytes | zstd -3 | byte planes + zstd -3 |")
print("|---|---|---|---|")
for n, b, z, p in rows:
    print(f"| {n} | {b} | {z:.3f} | {'-' if p != p else f'{p:.3f}'} |")
