#!/usr/bin/env python3
"""One ONNX Runtime (or, with --runtime openvino, OpenVINO) measurement in its own process, reported with the same
JSON keys as `clipz bench --json`.

    python Tools/bench/ort_bench.py MODEL.onnx --tower image|text --batch N --threads 2 --iterations 10 --warmup 2

Run by Tools/bench_vs_ort.py; a fresh process per measurement so load time and peak RSS are comparable
with `clipz bench` (peak RSS here includes the Python interpreter and numpy, about 40-60 MB).
Inputs: seeded uniform pixels in [-2, 2] [batch, 3, 224, 224] float32; texts as the fixed-length export
expects them: input_ids [batch, L] int64 = BOS, random ids, EOS (at --prompt-tokens), zero padding to the
graph's sequence length, attention_mask 1 on the prompt tokens; with --vocab V (SigLIP): input_ids = random
ids in [3, V) for the first --prompt-tokens − 1 positions, then </s> (1) up to the graph's length, no mask.
"""
import argparse
import json
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402


def peak_rss_mb():
    """VmHWM of this process, in MB (10^6 bytes), like `clipz bench`."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    return None


class OpenVINOSession:
    """OpenVINO's CPU plugin on the same ONNX file, behind the two calls `feeds` and `main` use (get_inputs, run).
    fp32 inference precision is forced: on CPUs with AVX-512 BF16 or AMX OpenVINO would otherwise run bf16."""

    class Input:
        def __init__(self, name, shape):
            self.name, self.shape = name, shape

    def __init__(self, path, threads):
        import openvino as ov
        core = ov.Core()
        model = core.read_model(path)
        self.inputs = [self.Input(p.get_any_name(), [d.get_length() if d.is_static else None for d in p.get_partial_shape()])
                       for p in model.inputs]
        compiled = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32",
                                                     "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1})
        self.request = compiled.create_infer_request()
        self.version = "openvino " + ov.__version__.split("-")[0]

    def get_inputs(self):
        return self.inputs

    def run(self, _outputs, feeds):
        return list(self.request.infer(feeds).values())


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])


def feeds(sess, tower, batch, prompt_tokens, seed, vocab=None):
    rng = np.random.default_rng(seed)
    inputs = {i.name: i for i in sess.get_inputs()}
    if tower == "image":
        name = "pixel_values" if "pixel_values" in inputs else next(iter(inputs))
        size = inputs[name].shape[-1] if isinstance(inputs[name].shape[-1], int) else 224
        return {name: rng.uniform(-2, 2, size=(batch, 3, size, size)).astype(np.float32)}
    seq = inputs["input_ids"].shape[1]
    if not isinstance(seq, int):
        seq = 77
    if vocab:  # SigLIP: random pieces, </s> (1), padded with </s> to the full context; no attention mask
        n = min(prompt_tokens, seq)
        ids = np.ones((batch, seq), dtype=np.int64)
        ids[:, :n - 1] = rng.integers(3, vocab, size=(batch, n - 1))
        return {"input_ids": ids}
    ids = np.zeros((batch, seq), dtype=np.int64)
    mask = np.zeros((batch, seq), dtype=np.int64)
    n = min(prompt_tokens, seq)
    ids[:, 0] = 49406
    ids[:, 1:n - 1] = rng.integers(1, 49405, size=(batch, n - 2))
    ids[:, n - 1] = 49407
    mask[:, :n] = 1
    out = {"input_ids": ids}
    if "attention_mask" in inputs:
        out["attention_mask"] = mask
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tower", choices=["image", "text"], required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, help="SigLIP text layout: ids in [3, VOCAB), then </s> = 1 to the graph's length")
    ap.add_argument("--runtime", choices=["onnxruntime", "openvino"], default="onnxruntime")
    a = ap.parse_args()

    start = time.perf_counter()
    sess = session(a.model, a.threads) if a.runtime == "onnxruntime" else OpenVINOSession(a.model, a.threads)
    session_ms = (time.perf_counter() - start) * 1000
    x = feeds(sess, a.tower, a.batch, a.prompt_tokens, a.seed, a.vocab)
    sess.run(None, x)
    load_ms = (time.perf_counter() - start) * 1000
    for _ in range(a.warmup):
        sess.run(None, x)
    times = []
    for _ in range(a.iterations):
        t = time.perf_counter()
        sess.run(None, x)
        times.append((time.perf_counter() - t) * 1000)
    med = float(np.median(times))
    s = sorted(times)
    p95 = s[min(len(s), max(1, int(np.ceil(0.95 * len(s))))) - 1]
    rate = a.batch * 1000 / med
    out = {
        "runtime": getattr(sess, "version", "onnxruntime " + ort.__version__), "file": a.model, "tower": a.tower, "batch": a.batch,
        "threads": a.threads, "iterations": a.iterations, "warmup": a.warmup, "median_ms": med, "p95_ms": p95,
        "times_ms": times, "load_ms": load_ms, "model_load_ms": session_ms, "first_forward_ms": load_ms - session_ms,
        "python_import_ms": (start - T0) * 1000, "peak_rss_mb": peak_rss_mb(),
        ("images_per_second" if a.tower == "image" else "texts_per_second"): rate,
    }
    if a.tower == "text":
        out["seq_len"] = int(x["input_ids"].shape[1])
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
