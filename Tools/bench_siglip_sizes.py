#!/usr/bin/env python3
"""Full-size SigLIP checkpoints through Clipz: SigLIP-B/16-224 and SigLIP So400m/14-384 with seeded weights.

    python Tools/bench_siglip_sizes.py [--models b16,so400m] [--clipz .build-bench/release/clipz] [--rounds 2]
                                       [--iterations 3] [--warmup 1] [--threads 2] [--readme]

Per model: Tools/bench/prepare.py siglip_hf_folder() writes a seeded transformers SiglipModel as a Hugging Face folder
(save_pretrained safetensors, SiglipTokenizer over the bench's 32000-piece unigram spiece.model, SiglipImageProcessor)
in <work>/siglip-<model>/ ($CLIPZ_BENCH_DIR, default $XDG_CACHE_HOME/clipz/bench, never in git; so400m is ~3.5 GB).
Then `clipz convert` and `clipz quantize --type fp16 / int8`, each under /usr/bin/time -v (wall time, peak RSS);
parity: 4 seeded PNGs preprocessed by `clipz preprocess` and 4 captions tokenized by transformers' SiglipTokenizer
(padded to 64) go through transformers (fp32, torch, 2 threads) and `clipz validate` compares Clipz fp32 with those
embeddings (issue #15's bar: cosine >= 0.99999) and fp16 / int8 with Clipz fp32; last `clipz bench` (batch 1, image and
text at the full 64-token context, fp32, fp16 and int8, fresh process each; --rounds rounds, each running every model in turn
so that both share the host's noise; iterations pooled) for median latency, throughput, model load time and peak RSS.
--readme writes the tables between <!-- bench-siglip-sizes:begin --> and its end marker in README.md.

Configurations (transformers SiglipConfig field names):
- b16: SiglipConfig() defaults = google/siglip-base-patch16-224: both towers hidden_size 768, intermediate_size 3072,
  num_hidden_layers 12, num_attention_heads 12; vision patch_size 16, image_size 224; text vocab_size 32000,
  max_position_embeddings 64, projection_size 768.
- so400m: google/siglip-so400m-patch14-384's published config.json: both towers hidden_size 1152,
  intermediate_size 4304, num_hidden_layers 27, num_attention_heads 16 (head dim 72); vision patch_size 14,
  image_size 384 (27 x 27 = 729 patches); text vocab_size 32000, max_position_embeddings 64, projection_size 1152;
  hidden_act gelu_pytorch_tanh and layer_norm_eps 1e-6 (both also the defaults).
"""
import argparse
import datetime
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bench"))
sys.path.insert(0, str(HERE))
import prepare  # noqa: E402
from bench_vs_ort import PARITY_TEXTS, common_arguments, cpu_class, public_flags, run, write_readme  # noqa: E402

MODELS = {
    "b16": {"name": "SigLIP-B/16-224", "vision": {}, "text": {}},
    "so400m": {"name": "SigLIP So400m/14-384",
               "vision": dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
                              patch_size=14, image_size=384),
               "text": dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
                            max_position_embeddings=64, projection_size=1152)},
}
PARITY_COUNT = 4


def log(msg):
    print(f"[sizes] {msg}", flush=True)


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, wall seconds, peak RSS MiB)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + [str(c) for c in cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, wall, int(kb.group(1)) / 1024 if kb else float("nan")


def hf_folder(work, key, seed):
    from transformers import SiglipConfig
    spec = MODELS[key]
    cfg = SiglipConfig(text_config=dict(spec["text"]), vision_config=dict(spec["vision"]))
    return prepare.siglip_hf_folder(work / f"siglip-{key}", cfg, seed)


def build(a, work, key, hf):
    """convert + quantize fp16 / int8, each timed; returns ({type: path}, {step: (wall s, peak RSS MiB)})."""
    files, steps = {}, {}
    fp32 = work / f"siglip-{key}" / f"siglip-{key}-fp32.clipz"
    _, w, r = timed([a.clipz, "convert", hf, "-o", fp32, "--force", "--quiet"])
    files["fp32"], steps["fp32"] = fp32, (w, r)
    for t in ("fp16", "int8"):
        out = fp32.with_name(f"siglip-{key}-{t}.clipz")
        _, w, r = timed([a.clipz, "quantize", fp32, "-o", out, "--type", t, "--force", "--quiet"])
        files[t], steps[t] = out, (w, r)
    for t, (w, r) in steps.items():
        log(f"{key} {t}: {w:.1f} s, peak RSS {r:.0f} MiB, {files[t].stat().st_size / 1e6:.0f} MB")
    return files, steps


def reference(a, work, key, hf, files):
    """transformers' embeddings of the parity inputs (pixels from `clipz preprocess`, ids from SiglipTokenizer)."""
    import numpy as np
    import torch
    from transformers import AutoTokenizer, SiglipModel
    pdir = work / f"siglip-{key}" / "parity"
    pdir.mkdir(exist_ok=True)
    imgs = sorted(prepare.calibration_images(work, count=PARITY_COUNT).glob("*.png"))[:PARITY_COUNT]
    px, tok = pdir / "pixels.npy", pdir / "tokens.npy"
    run([a.clipz, "preprocess", files["fp32"], *imgs, "-o", px, "--force"])
    texts = PARITY_TEXTS[:PARITY_COUNT]
    ids = np.array(AutoTokenizer.from_pretrained(str(hf))(texts, padding="max_length", max_length=prepare.SIGLIP_CONTEXT,
                                                           truncation=True)["input_ids"], dtype=np.int64)
    np.save(tok, ids)
    out, _ = run([a.clipz, "tokenize", files["fp32"], *texts, "--json", "--padded"])
    same_ids = np.array_equal(np.array(json.loads(out)["ids"]), ids)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model = SiglipModel.from_pretrained(str(hf)).eval()
    with torch.no_grad():
        img = model.get_image_features(pixel_values=torch.from_numpy(np.load(px))).pooler_output
        txt = model.get_text_features(input_ids=torch.from_numpy(ids)).pooler_output
    np.save(pdir / "hf-image.npy", img.numpy().astype(np.float32))
    np.save(pdir / "hf-text.npy", txt.numpy().astype(np.float32))
    del model
    gc.collect()
    log(f"{key}: transformers reference in {time.time() - t0:.0f} s; token ids {'equal' if same_ids else 'DIFFER'}")
    return pdir, same_ids


def validate(a, cand, ref_args, pdir):
    cmd = [a.clipz, "validate", cand, *ref_args, "--pixels", pdir / "pixels.npy", "--tokens", pdir / "tokens.npy",
           "--json", "--quiet", "--speed-runs", 0, "--min-cosine", 0, "--threads", a.threads]
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode not in (0, 3):
        sys.exit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    d = json.loads(p.stdout)
    return {t: (d[t]["cosine"]["min"], d[t]["max_abs_diff"]) for t in ("image", "text")}


def parity(a, files, pdir):
    hf_ref = ["--reference-embeddings", f"{pdir / 'hf-image.npy'},{pdir / 'hf-text.npy'}"]
    res = {"Clipz fp32 vs transformers fp32": validate(a, files["fp32"], hf_ref, pdir)}
    for t in ("fp16", "int8"):
        res[f"Clipz {t} vs Clipz fp32"] = validate(a, files[t], ["--reference", files["fp32"]], pdir)
    return res


def bench(a, done, files):
    """`clipz bench` at batch 1, one fresh process per cell, for --rounds rounds; each round runs every model's cells
    in turn, so the models share the host's noise. Fills done[model]["bench"][(type, tower)] with the list of run
    JSONs and done[model]["loads"] with the 1-min load averages at each round's start and the end."""
    for d in done.values():
        d["bench"], d["loads"] = {}, []
    for r in range(a.rounds):
        for key, d in done.items():
            d["loads"].append(os.getloadavg()[0])
            for t in ("fp32", "fp16", "int8"):
                for tower in ("image", "text"):
                    extra = ["--seq-len", "full"] if tower == "text" else []
                    out, _ = run([a.clipz, "bench", files[key][t], "--tower", tower, "--batch", 1, "--threads", a.threads,
                                  "--iterations", a.iterations, "--warmup", a.warmup, "--json", "--quiet"] + extra)
                    j = json.loads(out)
                    d["bench"].setdefault((t, tower), []).append(j)
                    log(f"round {r + 1}/{a.rounds} {key} {t} {tower}: median {j['median_ms']:.1f} ms, "
                        f"model load {j['model_load_ms']:.0f} ms, peak RSS {j['peak_rss_mb']:.0f} MB")
    for d in done.values():
        d["loads"].append(os.getloadavg()[0])


def pooled(runs):
    """Median of every timed iteration of every round (ms), median model load (ms), largest peak RSS (MB)."""
    return (statistics.median(x for j in runs for x in j["times_ms"]), statistics.median(j["model_load_ms"] for j in runs),
            max(j["peak_rss_mb"] for j in runs))


def tables(a, done):
    """Markdown: tools (size, wall, RSS), speed (median, rate, load, RSS), parity."""
    out = ["| model | type | file MB | `clipz convert` / `quantize` s | tool peak RSS MiB | image ms | images/s | "
           "image GFLOP/s | text ms (64 tok) | texts/s | model load ms (image file) | bench peak RSS MB (image / text) |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, d in done.items():
        src = f"{d['source_bytes'] / 1e6:.0f} MB safetensors"
        for t in ("fp32", "fp16", "int8"):
            w, r = d["steps"][t]
            row = [MODELS[key]["name"] + (f" ({src})" if t == "fp32" else ""), t, f"{d['bytes'][t] / 1e6:.0f}",
                   f"{w:.1f}", f"{r:.0f}"]
            if (t, "image") in d["bench"]:
                (im, il, ir), (xm, _, xr) = pooled(d["bench"][(t, "image")]), pooled(d["bench"][(t, "text")])
                gflop = d["bench"][(t, "image")][0]["image"]["gflop_per_input"]
                row += [f"{im:.0f}", f"{1000 / im:.2f}", f"{gflop * 1000 / im:.0f}", f"{xm:.0f}", f"{1000 / xm:.2f}",
                        f"{il:.0f}", f"{ir:.0f} / {xr:.0f}"]
            else:
                row += ["–"] * 7
            out.append("| " + " | ".join(row) + " |")
    out += ["", "| model | pair | image cosine min | image max abs diff | text cosine min | text max abs diff |",
            "|---|---|---:|---:|---:|---:|"]
    for key, d in done.items():
        for pair, v in d["parity"].items():
            out.append(f"| {MODELS[key]['name']} | {pair} | " + " | ".join(f"{v[t][0]:.7f} | {v[t][1]:.1e}"
                                                                            for t in ("image", "text")) + " |")
    b = next(iter(done.values()))["bench"][("fp32", "image")][0]
    out += ["", f"Kernels: OpenBLAS `{b['openblas_core']}`, int8 `{b['int8_kernel']}`, attention `{b['kernels']['attention']}` "
            "(So400m's head dim 72 is not a multiple of 16: the tiles mask its last 8 channels; int8 models of both sizes "
            "take bf16 attention products on CPUs with AVX512_BF16). "
            f"Batch 1, {a.threads} threads; per cell {a.rounds} rounds (fresh processes, the models in turn) × "
            f"{a.iterations} iterations after {a.warmup} warm-up, median of the pooled iterations; "
            "text over the whole 64-token context. GFLOP/s: `clipz bench`'s effective rate (images/s × the standard FLOP "
            "count: " + ", ".join(f"{MODELS[k]['name']} {d['bench'][('fp32', 'image')][0]['image']['gflop_per_input']:.0f}"
                                  for k, d in done.items()) + " GFLOP per image). Model load: `CLIPModel(path:)` of the "
            "whole file (both towers), before the first forward. 1-min load average at each model's round starts and "
            "the end: " + "; ".join(f"{MODELS[k]['name']} " + ", ".join(f"{x:.2f}" for x in d["loads"])
                                            for k, d in done.items()) + "."]
    out += ["", f"Parity: {PARITY_COUNT} seeded random PNGs preprocessed by `clipz preprocess` and {PARITY_COUNT} captions "
            "tokenized by transformers' SiglipTokenizer (padded to 64); the same pixels and ids through transformers' "
            "SiglipModel (fp32); cosines from `clipz validate`; max abs diff of the L2-normalised embeddings; token ids: "
            + "; ".join(f"{MODELS[k]['name']} Clipz `tokenize` {'equals' if d['same_ids'] else 'DIFFERS FROM'} "
                        "transformers'" for k, d in done.items()) + "."]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="b16,so400m")
    common_arguments(ap)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--readme", action="store_true", help="write the tables into README.md's bench-siglip-sizes section")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    if not Path(a.clipz).exists():
        sys.exit(f"{a.clipz} not found: swift build -c release --scratch-path .build-bench --product clipz")
    started = datetime.datetime.now().astimezone()
    done, paths = {}, {}
    for key in a.models.split(","):
        log(f"{MODELS[key]['name']}: Hugging Face folder (cached) ...")
        hf, info = hf_folder(work, key, a.seed)
        files, steps = build(a, work, key, hf)
        pdir, same_ids = reference(a, work, key, hf, files)
        par = parity(a, files, pdir)
        for pair, v in par.items():
            log(f"{key} {pair}: image cosine min {v['image'][0]:.7f}, text {v['text'][0]:.7f}")
        paths[key] = files
        done[key] = {"steps": steps, "bytes": {t: p.stat().st_size for t, p in files.items()},
                     "source_bytes": (hf / "model.safetensors").stat().st_size, "parity": par, "same_ids": same_ids}
    bench(a, done, paths)
    import torch
    import transformers
    md = tables(a, done)
    cmd = " ".join(["python Tools/bench_siglip_sizes.py", public_flags(sys.argv[1:])]).strip()
    head = (f"Measured {started:%Y-%m-%d} on {cpu_class(a)} ({os.cpu_count()} cores, shared), `{cmd}`; "
            f"torch {torch.__version__}, transformers {transformers.__version__}; seeded weights (seed {a.seed}).")
    print("\n" + head + "\n\n" + md)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (work / f"siglip-sizes-{stamp}.md").write_text(head + "\n\n" + md + "\n")
    (work / f"siglip-sizes-{stamp}.json").write_text(json.dumps({"args": vars(a), "head": head, "models": {
        k: {**d, "bench": {f"{t} {tw}": v for (t, tw), v in d["bench"].items()}} for k, d in done.items()}}, indent=1))
    if a.readme:
        write_readme("siglip-sizes", head + "\n\n" + md, marker="bench-siglip-sizes")


if __name__ == "__main__":
    main()
