#!/usr/bin/env python3
"""Side-by-side benchmark: Clipz vs ONNX Runtime on CLIP ViT-B/32 (HF default CLIPConfig, seeded random weights)
or, with --model siglip-b16, SigLIP-B/16-224 (HF default SiglipConfig, seeded random weights).

    python Tools/bench_vs_ort.py [--model vitb32|siglip-b16] [--clipz .build-bench/release/clipz] [--rounds 3]
                                 [--iterations 10] [--readme]

Steps: export combined + split ONNX towers (opset 17, cached in $CLIPZ_BENCH_DIR or $XDG_CACHE_HOME/clipz/bench, i.e. ~/.cache/clipz/bench),
`clipz convert` the combined graph to fp32 .clipz, `clipz quantize` to fp16 and int8 (and static int8 with
`clipz calibrate` on seeded random images unless --no-static), ORT `quantize_dynamic` (QInt8 weights,
per channel). Then every workload is measured ALTERNATELY, Clipz and ORT in fresh processes, for --rounds
rounds (the order flips each round), all with the same threads and batch; the per-iteration times of all
rounds are pooled before taking the median. Prints a markdown table (also saved in the work dir with the
raw JSON). OPENBLAS_CORETYPE and CLIPZ_CPU_DISABLE are passed through untouched (ORT ignores both).

--model siglip-b16: Tools/bench/prepare.py export_siglip() trains a 32000-piece unigram spiece.model, saves a seeded
SiglipModel(SiglipConfig()) with save_pretrained + SiglipTokenizer + SiglipImageProcessor and exports vision / text
ONNX graphs (opset 17, dynamic batch, text input_ids only, 64 ids), all in <work>/siglip-b16/; `clipz convert`
reads the Hugging Face folder. Text is measured at the full 64-token context on both sides (SigLIP pools the last
position of the padded sequence, so a shorter sequence would be a different computation). Before timing, a parity
step embeds 8 preprocessed images and 8 tokenized texts with Clipz (fp32, int8) and ORT (fp32, int8) and reports
cosines (`clipz validate`, and ORT's own int8 against ORT fp32). --readme writes the table between
<!-- bench-vs-ort:MODEL:begin --> and <!-- bench-vs-ort:MODEL:end --> in README.md (head without host name or paths).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bench"))
import prepare  # noqa: E402

# Per model: file stem, the source `clipz convert` reads, which quantizations are timed, text tokens per side.
# int8-w7: `clipz quantize --type int8 --weight-bits 7` (weights in -63...63, AVX2's faster int8 kernel).
MODELS = {
    "vitb32": {"stem": "vitb32", "name": "CLIP ViT-B/32", "types": ("fp32", "fp16", "int8", "int8-w7", "int8-static")},
    "siglip-b16": {"stem": "siglip-b16", "name": "SigLIP-B/16-224", "types": ("fp32", "int8", "int8-w7", "int8-static"),
                   "context": prepare.SIGLIP_CONTEXT},
}


def run(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    return p.stdout, time.perf_counter() - t0


def inspect_raw_bytes(clipz, path):
    out, _ = run([clipz, "inspect", path, "--json"])
    return json.loads(out)["raw_bytes"]


def build_models(a, work, paths):
    """convert / quantize / calibrate with wall times; returns {label: path}, {step: seconds}."""
    models, walls = {}, {}
    spec = MODELS[a.model]
    fp32 = work / f"{spec['stem']}-fp32.clipz"
    src = paths["hf"] if a.model == "siglip-b16" else paths["combined"]
    _, walls["convert"] = run([a.clipz, "convert", src, "-o", fp32, "--force", "--quiet"])
    models["fp32"] = fp32
    for t in [t for t in spec["types"] if t in ("fp16", "int8", "int8-w7")]:
        out = work / f"{spec['stem']}-{t}.clipz"
        flags = ["--type", "int8", "--weight-bits", "7"] if t == "int8-w7" else ["--type", t]
        _, walls[f"quantize {t}"] = run([a.clipz, "quantize", fp32, "-o", out, *flags, "--force", "--quiet"])
        models[t] = out
    if not a.no_static:
        imgs = prepare.calibration_images(work, count=a.calib_images)
        cal = work / f"calibration-{spec['stem']}.json" if a.model != "vitb32" else work / "calibration.json"
        _, walls["calibrate"] = run([a.clipz, "calibrate", fp32, "--images", imgs, "-o", cal, "--force", "--quiet",
                                     "--threads", a.threads])
        out = work / f"{spec['stem']}-int8-static.clipz"
        _, walls["quantize int8 static"] = run([a.clipz, "quantize", fp32, "-o", out, "--type", "int8",
                                                "--calibration", cal, "--force", "--quiet"])
        models["int8-static"] = out
    for k, v in walls.items():
        print(f"  {k}: {v:.1f} s", flush=True)
    return models, walls


def workloads(models, ort_models, batches, a):
    """(row label, tower, batch, clipz model, clipz extra args, ORT model label)."""
    rows = []
    for b in batches:
        for q, ref in (("fp32", "fp32"), ("fp16", "fp32"), ("int8", "int8"), ("int8-w7", "int8"), ("int8-static", "int8")):
            if q in models:
                rows.append((f"image {q}", "image", b, q, [], ref))
    if a.model == "siglip-b16":  # the whole padded context on both sides
        n = MODELS[a.model]["context"]
        for b in batches:
            for q, ref in (("fp32", "fp32"), ("int8", "int8"), ("int8-w7", "int8"), ("int8-static", "int8")):
                if q in models:
                    rows.append((f"text {q}, both {n} tok", "text", b, q, ["--seq-len", "full"], ref))
        return rows
    for b in batches:
        for q, ref in (("fp32", "fp32"), ("int8", "int8"), ("int8-w7", "int8")):
            if q in models:
                rows.append((f"text {q}, Clipz {a.prompt_tokens} tok vs ORT 77", "text", b, q, ["--seq-len", a.prompt_tokens], ref))
        rows.append(("text fp32, both 77 tok", "text", b, "fp32", ["--seq-len", "full"], "fp32"))
    return rows


def measure(a, models, ort_models, rows):
    """Alternates Clipz and ORT (and OpenVINO fp32 with --openvino) processes; returns
    {("clipz"|"ort"|"ov", key): [result JSON per round]}. Clipz runs with --peak (its share of the CPU's peak)."""
    results, loads = {}, []
    common = ["--threads", a.threads, "--iterations", a.iterations, "--warmup", a.warmup]
    ort_extra = ["--vocab", a.vocab] if a.model == "siglip-b16" else []
    prompt = MODELS[a.model].get("context", a.prompt_tokens)
    for r in range(a.rounds):
        loads.append(os.getloadavg()[0])
        for i, (label, tower, b, q, extra, ref) in enumerate(rows):
            ck = ("clipz", label, b)
            ok = ("ort", tower, ref, b)
            jobs = [(ck, [a.clipz, "bench", models[q], "--tower", tower, "--batch", b, "--json", "--quiet", "--peak"] + extra + common)]
            baselines = [("ort", "onnxruntime")] + ([("ov", "openvino")] if a.openvino and ref == "fp32" else [])
            for name, runtime in baselines:
                key = (name, tower, ref, b)
                if key not in results or len(results[key]) <= r:  # one process per (runtime, model, batch) per round
                    jobs.append((key, [sys.executable, HERE / "bench" / "ort_bench.py", ort_models[(tower, ref)], "--tower", tower,
                                       "--batch", b, "--prompt-tokens", prompt, "--runtime", runtime] + common + ort_extra))
            if (r + i) % 2:
                jobs.reverse()
            for key, cmd in jobs:
                out, _ = run(cmd, env=ov_env(key[0]))
                res = json.loads(out)
                results.setdefault(key, []).append(res)
                rate = res.get("images_per_second") or res.get("texts_per_second")
                print(f"  round {r + 1}/{a.rounds} {key[0]:5} {label if key[0] == 'clipz' else tower + ' ' + ref:42} b{b}: "
                      f"median {res['median_ms']:.1f} ms ({rate:.1f}/s)", flush=True)
    loads.append(os.getloadavg()[0])
    return results, loads


def ov_env(who):
    """The environment of one measured process: OpenVINO's oneDNN kernels kept to AVX2 (ONEDNN_MAX_CPU_ISA) when
    Clipz runs with CLIPZ_CPU_DISABLE=avx512 (its MLAS matrix products and LayerNorm ignore the limit, as its runtime
    model shows: gemm_mlas_f32 and jit_avx512 MVN nodes); None (inherit) otherwise."""
    if who != "ov" or "avx512" not in os.environ.get("CLIPZ_CPU_DISABLE", ""):
        return None
    return dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2")


def pooled(runs):
    times = [t for r in runs for t in r["times_ms"]]
    s = sorted(times)
    return statistics.median(times), s[max(0, -(-len(s) * 95 // 100) - 1)]


def share_of_peak(runs, tower):
    """Median share of the CPU's peak (`clipz bench --peak`: effective GFLOP/s over the peak of the instructions the
    model's GEMMs use here), as a percentage string."""
    shares = [r[tower]["share_of_peak"] for r in runs if r.get(tower, {}).get("share_of_peak")]
    return f"{100 * statistics.median(shares):.0f}%" if shares else "–"


def baseline_rows(rows, results, base, name):
    """Markdown rows of Clipz against one baseline runtime; returns (lines, {(label, batch): throughput ratio},
    {(label, batch): the same ratio from each round's own medians})."""
    out = [f"| workload | batch | Clipz median ms | {name} median ms | Clipz /s | {name} /s | Clipz/{name} throughput | "
           "per-round range | Clipz share of peak |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ratios, per_round = {}, {}
    for label, tower, b, q, extra, ref in rows:
        if (base, tower, ref, b) not in results:
            continue
        cm, _ = pooled(results[("clipz", label, b)])
        om, _ = pooled(results[(base, tower, ref, b)])
        ratios[(label, b)] = om / cm
        # The same ratio from each round's own medians: a wide range means the machine was busy.
        per = [o["median_ms"] / c["median_ms"] for c, o in zip(results[("clipz", label, b)], results[(base, tower, ref, b)])]
        per_round[(label, b)] = per
        out.append(f"| {label} ({name} {ref}) | {b} | {cm:.1f} | {om:.1f} | {b * 1000 / cm:.1f} | {b * 1000 / om:.1f} | {om / cm:.2f}× "
                   f"| {min(per):.2f}–{max(per):.2f} | {share_of_peak(results[('clipz', label, b)], tower)} |")
    return out, ratios, per_round


def verdict(v, goal, rounds, percent=False):
    """'yes' / 'no' by the pooled median; when some rounds meet the target and others do not (a busy host), the
    verdict says so with the rounds' range."""
    met = v is not None and v >= goal
    if rounds and (min(rounds) >= goal) != (max(rounds) >= goal):
        shown = (f"{100 * min(rounds):.0f}–{100 * max(rounds):.0f}%" if percent
                 else f"{min(rounds):.2f}–{max(rounds):.2f}×")
        return f"{'yes' if met else 'no'}, not in every round ({shown})"
    return "yes" if met else "no"


def table(a, rows, results, walls, int8_raw, meta, loads, ort_meta):
    out, ratios, per_round = baseline_rows(rows, results, "ort", "ORT")
    int8 = results[("clipz", "image int8", 1)]
    load_ms = statistics.median(r["load_ms"] for r in int8)
    model_ms = statistics.median(r["model_load_ms"] for r in int8)
    rss = max(r["peak_rss_mb"] for r in int8)
    ort_int8 = results[("ort", "image", "int8", 1)]
    rss_bound = 1.3 * int8_raw / 1e6 + 100
    out += ["", f"Clipz int8 (image tower, batch 1): load {load_ms:.0f} ms (CLIPModel(path:) {model_ms:.0f} ms + first forward), "
            f"peak RSS {rss:.0f} MB; int8 .clipz tensors {int8_raw / 1e6:.0f} MB raw → bound 1.3×+100 = {rss_bound:.0f} MB. "
            f"ORT int8 image model load {statistics.median(r['load_ms'] for r in ort_int8):.0f} ms, peak RSS "
            f"{max(r['peak_rss_mb'] for r in ort_int8):.0f} MB (image tower only, incl. Python). Clipz peak RSS, same cell, "
            "by file type: " + ", ".join(f"{t} {max(r['peak_rss_mb'] for r in results[('clipz', f'image {t}', 1)]):.0f} MB"
                                         for t in ("fp32", "fp16", "int8") if ("clipz", f"image {t}", 1) in results) + ".",
            "", "Wall times: " + ", ".join(f"`clipz {k}` {v:.1f} s" for k, v in walls.items()) + "."]
    c0 = results[("clipz", "image fp32", 1)][0]
    disabled = os.environ.get("CLIPZ_CPU_DISABLE")
    out += ["", f"Kernels: OpenBLAS `{c0['openblas_core']}`, int8 `{c0['int8_kernel']}`; OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
            + (f"CLIPZ_CPU_DISABLE={disabled} (Clipz only: ORT has no such switch and uses every feature of the CPU); "
               if disabled else "") + f"packed weights on huge pages: {huge_pages()}; threads {a.threads}; {a.rounds} rounds × {a.iterations} "
            f"iterations (+{a.warmup} warm-up) pooled per cell; 1-min load average at round starts/end: "
            + ", ".join(f"{x:.2f}" for x in loads) + f". ORT int8: quantize_dynamic QInt8, per_channel={ort_meta['per_channel']}."]
    avx2 = "avx512" in (disabled or "") or "avx512" not in c0["kernels"]["fp32_gemm"]
    if a.model == "siglip-b16":  # issue #15: at least ORT's speed in fp32, 1.5× its int8, image and text
        checks = [(f"{label.split(',')[0]} ≥ {1.0 if ref == 'fp32' else 1.5}× ORT {ref} at batch {b}", (label, b),
                   1.0 if ref == "fp32" else 1.5) for label, tower, b, q, extra, ref in rows]
    elif avx2:  # issue #16's targets for CPUs with AVX2 and no AVX-512
        text16 = [k for k in ratios if k[0].startswith("text fp32, Clipz")]
        checks = [(f"fp32 image ≥ 1.1× ORT fp32 at batch {b}", ("image fp32", b), 1.1) for b in (1, 8)] + [
            (f"{q} image ≥ 1.2× ORT int8 at batch 8", (f"image {q}", 8), 1.2) for q in ("int8", "int8-w7")] + [
            (f"text fp32 at 77 tok ≥ 1.0× ORT fp32 (batch {k[1]})", k, 1.0) for k in ratios if k[0] == "text fp32, both 77 tok"] + [
            (f"text ≤{a.prompt_tokens} tok ≥ 4× ORT 77-tok (fp32, batch {k[1]})", k, 4.0) for k in text16]
    else:
        text16 = [k for k in ratios if k[0].startswith("text fp32, Clipz")]
        checks = [
            ("fp32 image ≥ 1.1× ORT fp32 at batch 8", ("image fp32", 8), 1.1),
            ("fp32 image ≥ 1.0× ORT fp32 at batch 1", ("image fp32", 1), 1.0),
            ("int8 image ≥ 1.5× ORT int8 at batch 8", ("image int8", 8), 1.5),
        ] + [(f"text ≤{a.prompt_tokens} tok ≥ 3× ORT 77-tok (fp32, batch {k[1]})", k, 3.0) for k in text16]
    # ORT checks name their (workload, batch) cell: the pooled ratio, and each round's own.
    checks = [(name, ratios.get(key), goal, per_round.get(key)) for name, key, goal in checks]
    # Issue #16's AVX2 targets against Clipz itself: int8 at least 1.6× its own fp32, fp32 at 85% of the FMA peak.
    for b in sorted({r[2] for r in rows}):
        for q in ("int8", "int8-w7"):
            if avx2 and ("clipz", f"image {q}", b) in results and ("clipz", "image fp32", b) in results:
                speedup = pooled(results[("clipz", "image fp32", b)])[0] / pooled(results[("clipz", f"image {q}", b)])[0]
                rounds = [f["median_ms"] / i["median_ms"] for f, i in zip(results[("clipz", "image fp32", b)], results[("clipz", f"image {q}", b)])]
                checks.append((f"image {q} ≥ 1.6× Clipz fp32 at batch {b} (same host)", speedup, 1.6, rounds))
        shares = [r["image"]["share_of_peak"] for r in results.get(("clipz", "image fp32", b), []) if r["image"].get("share_of_peak")]
        if avx2 and shares:
            checks.append((f"image fp32 ≥ 85% of the AVX2 FMA peak at batch {b}", statistics.median(shares), 0.85, shares))
    if a.openvino:
        ov_lines, _, _ = baseline_rows(rows, results, "ov", "OpenVINO")
        ov_version = next(v[0]["runtime"] for k, v in results.items() if k[0] == "ov")
        limited = ov_env("ov") is not None
        out += ["", f"Against {ov_version} (CPU plugin, fp32 inference precision forced, 1 stream, latency hint, same ONNX "
                "graphs as ORT fp32" + ("; `ONEDNN_MAX_CPU_ISA=AVX2` keeps its oneDNN kernels (about half of the "
                "matrix products, attention, element-wise) on AVX2, but the other matrix products go through MLAS and its "
                "LayerNorm through its own kernel, both of which still use AVX-512: not an AVX2-only comparison either"
                if limited else "") + "):", ""] + ov_lines
    out += ["", "| target | measured | met |", "|---|---:|:-:|"]
    for name, v, goal, rounds in checks:
        shown = "–" if v is None else f"{100 * v:.0f}%" if "% of" in name else f"{v:.2f}×"
        out.append(f"| {name} | {shown} | {verdict(v, goal, rounds, '% of' in name)} |")
    if a.model != "vitb32":  # the load / memory / tool-time targets below are ViT-B/32's
        return "\n".join(out)
    out.append(f"| int8 load ≤ 1.5 s | {load_ms / 1000:.2f} s | {'yes' if load_ms <= 1500 else 'no'} |")
    out.append(f"| peak RSS ≤ 1.3× int8 weights + 100 MB ({rss_bound:.0f} MB) | {rss:.0f} MB | {'yes' if rss <= rss_bound else 'no'} |")
    out.append(f"| convert ≤ 20 s | {walls['convert']:.1f} s | {'yes' if walls['convert'] <= 20 else 'no'} |")
    out.append(f"| quantize int8 ≤ 20 s | {walls['quantize int8']:.1f} s | {'yes' if walls['quantize int8'] <= 20 else 'no'} |")
    return "\n".join(out)


def render(a):
    """Re-prints the tables of a saved results JSON (e.g. after changing the table layout)."""
    d = json.loads(Path(a.render).read_text())
    results = {tuple(r["key"]): r["runs"] for r in d["results"]}
    models = {q: None for q in ("fp32", "fp16", "int8", "int8-w7", "int8-static") if ("clipz", f"image {q}", 1) in results}
    rows = workloads(models, None, [int(b) for b in a.batches.split(",")], a)
    print(d.get("head", ""), "\n")
    print(table(a, rows, results, d["walls"], d["int8_raw_bytes"], d["export"], d["loadavg"], d["ort_int8"]))


PARITY_TEXTS = ["a photo of a cat", "two dogs playing in the snow", "a red car parked on the street",
                "an aerial view of a city at night", "a bowl of soup on a wooden table", "the quick brown fox",
                "a child holding a blue umbrella in the rain", "a diagram"]


def parity(a, work, paths, models, ort_models):
    """Same inputs through Clipz and ORT: 8 calibration PNGs preprocessed by Clipz (`clipz preprocess`) and 8 texts
    tokenized by transformers' SiglipTokenizer (padding to 64). Returns {name: {tower: {mean, min}}} and notes."""
    import numpy as np
    import onnxruntime as ort
    from transformers import AutoTokenizer
    pdir = work / "parity"
    pdir.mkdir(exist_ok=True)
    imgs = sorted(prepare.calibration_images(work, count=a.calib_images).glob("*.png"))[:8]
    px, tok = pdir / "pixels.npy", pdir / "tokens.npy"
    run([a.clipz, "preprocess", models["fp32"], *imgs, "-o", px, "--force"])
    hf = AutoTokenizer.from_pretrained(str(paths["hf"]))
    ids = np.array(hf(PARITY_TEXTS, padding="max_length", max_length=MODELS[a.model]["context"], truncation=True)["input_ids"],
                   dtype=np.int64)
    np.save(tok, ids)
    out, _ = run([a.clipz, "tokenize", models["fp32"], *PARITY_TEXTS, "--json", "--padded"])
    clipz_ids = np.array(json.loads(out)["ids"])
    notes = [f"token ids: Clipz `tokenize` {'equals' if np.array_equal(clipz_ids, ids) else 'DIFFERS FROM'} "
             f"transformers' SiglipTokenizer on the {len(PARITY_TEXTS)} texts"]
    x = {"image": np.load(px), "text": ids}
    emb = {}
    for ref in ("fp32", "int8"):
        for tower in ("image", "text"):
            so = ort.SessionOptions()
            so.intra_op_num_threads = a.threads
            sess = ort.InferenceSession(str(ort_models[(tower, ref)]), sess_options=so, providers=["CPUExecutionProvider"])
            emb[(ref, tower)] = sess.run(None, {sess.get_inputs()[0].name: x[tower]})[0].astype(np.float32)
            np.save(pdir / f"ort-{ref}-{tower}.npy", emb[(ref, tower)])

    def cos(u, v):
        u, v = u / np.linalg.norm(u, axis=1, keepdims=True), v / np.linalg.norm(v, axis=1, keepdims=True)
        c = (u * v).sum(1)
        return {"mean": float(c.mean()), "min": float(c.min()), "max_abs_diff": float(np.abs(u - v).max())}
    res = {"ORT int8 vs ORT fp32": {t: cos(emb[("int8", t)], emb[("fp32", t)]) for t in ("image", "text")}}

    def validate(cand, ref_args):
        cmd = [a.clipz, "validate", cand, *ref_args, "--pixels", px, "--tokens", tok, "--json", "--quiet",
               "--speed-runs", 0, "--min-cosine", 0, "--threads", a.threads]
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        if p.returncode not in (0, 3):
            sys.exit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
        d = json.loads(p.stdout)
        return {t: {"mean": d[t]["cosine"]["mean"], "min": d[t]["cosine"]["min"], "max_abs_diff": d[t]["max_abs_diff"]}
                for t in ("image", "text")}
    res["Clipz fp32 vs ORT fp32"] = validate(models["fp32"], ["--reference-embeddings",
                                                              f"{pdir / 'ort-fp32-image.npy'},{pdir / 'ort-fp32-text.npy'}"])
    for q in ("int8", "int8-w7", "int8-static"):
        if q in models:
            res[f"Clipz {q} vs Clipz fp32"] = validate(models[q], ["--reference", models["fp32"]])
    res["Clipz int8 vs ORT fp32"] = validate(models["int8"], ["--reference-embeddings",
                                                             f"{pdir / 'ort-fp32-image.npy'},{pdir / 'ort-fp32-text.npy'}"])
    return res, notes


def parity_table(res, notes, a):
    out = ["| pair | image cosine mean | image cosine min | image max abs diff | text cosine mean | text cosine min | "
           "text max abs diff |", "|---|---:|---:|---:|---:|---:|---:|"]
    for k, v in res.items():
        out.append(f"| {k} | " + " | ".join(f"{v[t]['mean']:.7f} | {v[t]['min']:.7f} | {v[t]['max_abs_diff']:.1e}"
                                             for t in ("image", "text")) + " |")
    return "\n".join(out + ["", f"Parity inputs: 8 seeded random PNGs preprocessed by `clipz preprocess`, the same pixels "
                                 f"fed to ORT; {len(PARITY_TEXTS)} short captions tokenized by transformers' SiglipTokenizer "
                                 f"(padded to {MODELS[a.model]['context']}), the same ids fed to both; cosines from "
                                 "`clipz validate` (Clipz-vs-ORT rows via --reference-embeddings); max abs diff of the L2-normalised embeddings; " + "; ".join(notes) + "."])


def cpu_class(a):
    """e.g. "AMD EPYC with AVX-512 and VNNI" — the model name and what the hardware offers (ignores CLIPZ_CPU_DISABLE)."""
    name = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    env = {k: v for k, v in os.environ.items() if k != "CLIPZ_CPU_DISABLE"}
    f = json.loads(run([a.clipz, "system", "--json"], env=env)[0])["cpu_features"]
    isa = ("AVX-512" + (" and VNNI" if "avx512vnni" in f else "")) if "avx512f" in f else "AVX2" if "avx2" in f else "no AVX2"
    return f"{name} with {isa}"


def huge_pages():
    """Whether Clipz's packed weights ask for transparent huge pages here (CLIPZ_HUGE_PAGES), and the kernel's THP mode:
    load times depend on it (see the README)."""
    on = os.environ.get("CLIPZ_HUGE_PAGES") not in ("0", "off")
    try:
        mode = next(w[1:-1] for w in Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().split() if w.startswith("["))
    except (OSError, StopIteration):
        mode = "unknown"
    return f"{'yes' if on else 'no (CLIPZ_HUGE_PAGES=0)'}, kernel THP mode {mode}"


def common_arguments(ap):
    """--clipz, --work and --threads, as every bench script takes them: the work dir (exports, models, results) is
    $CLIPZ_BENCH_DIR, else $XDG_CACHE_HOME/clipz/bench (~/.cache/clipz/bench), never in git."""
    ap.add_argument("--clipz", default=str(HERE.parent / ".build-bench" / "release" / "clipz"))
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    ap.add_argument("--work", default=os.environ.get("CLIPZ_BENCH_DIR", os.path.join(cache, "clipz", "bench")))
    ap.add_argument("--threads", type=int, default=2)


def public_flags(argv):
    """The command's flags as run, without machine paths (--clipz, --work) or --readme: what a README may quote."""
    argv, flags = list(argv), []
    while argv:
        x = argv.pop(0)
        if x in ("--clipz", "--work"):
            argv = argv[1:]
        elif not x.startswith(("--clipz=", "--work=", "--readme")):
            flags.append(x)
    return " ".join(flags)


def write_readme(section, text, marker=None):
    """Writes text into README.md between <!-- MARKER:begin --> and <!-- MARKER:end --> (readme_section.py;
    MARKER defaults to bench-vs-ort:SECTION)."""
    from readme_section import write_section
    write_section(marker or f"bench-vs-ort:{section}", text)
    print(f"[bench] README.md section {section} updated")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(MODELS), default="vitb32")
    common_arguments(ap)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--calib-images", type=int, default=16)
    ap.add_argument("--no-static", action="store_true", help="skip clipz calibrate + static int8")
    ap.add_argument("--no-parity", action="store_true", help="siglip-b16: skip the Clipz / ORT embedding cosines")
    ap.add_argument("--openvino", action="store_true", help="also time OpenVINO (pip install openvino) on the fp32 graphs")
    ap.add_argument("--readme", action="store_true", help="write the tables into README.md's bench-vs-ort section for "
                    "this model (and CLIPZ_CPU_DISABLE setting)")
    ap.add_argument("--render", metavar="RESULTS.json", help="only re-print the tables of a saved run (same options)")
    a = ap.parse_args()
    if a.render:
        return render(a)
    work = Path(a.work)
    if a.model != "vitb32":
        work = work / a.model
    work.mkdir(parents=True, exist_ok=True)
    if not Path(a.clipz).exists():
        sys.exit(f"{a.clipz} not found: swift build -c release --scratch-path .build-bench --product clipz")
    started = datetime.datetime.now().astimezone()
    print(f"[bench] work dir {work}; exporting ONNX (cached) ...", flush=True)
    if a.model == "siglip-b16":
        paths, meta = prepare.export_siglip(Path(a.work))
        a.vocab = meta["vocab"]
    else:
        paths, meta = prepare.export_onnx(work)
    ort_models, ort_meta = {("image", "fp32"): paths["vision"], ("text", "fp32"): paths["text"]}, None
    for tower, key in (("image", "vision"), ("text", "text")):
        ort_models[(tower, "int8")], ort_meta = prepare.ort_int8(paths[key])
    print("[bench] clipz convert / quantize ...", flush=True)
    models, walls = build_models(a, work, paths)
    int8_raw = inspect_raw_bytes(a.clipz, models["int8"])
    par = None
    if a.model == "siglip-b16" and not a.no_parity:
        print("[bench] parity (Clipz / ORT embeddings on the same inputs) ...", flush=True)
        par = parity(a, work, paths, models, ort_models)
        print(parity_table(*par, a), flush=True)
    rows = workloads(models, ort_models, [int(b) for b in a.batches.split(",")], a)
    print(f"[bench] measuring {len(rows)} Clipz workloads against ORT, {a.rounds} rounds ...", flush=True)
    results, loads = measure(a, models, ort_models, rows)
    md = table(a, rows, results, walls, int8_raw, meta, loads, ort_meta)
    if not a.no_static:
        md += f"\n\nStatic int8: `clipz calibrate` on {a.calib_images} seeded random PNGs (Tools/bench/prepare.py), default method."
    if a.model == "siglip-b16":
        md += (f"\n\nModel: {meta['config']}, seed {meta['seed']}, {meta['vocab']}-piece {meta['spm']}; ORT graphs: "
               f"TorchScript export, opset {meta['opset']}, text = input_ids only at {MODELS[a.model]['context']} ids.")
    if par:
        md += "\n\n" + parity_table(*par, a)
    cmd = "python Tools/bench_vs_ort.py " + " ".join(sys.argv[1:])
    ort_version = results[('ort', 'image', 'fp32', 1)][0]['runtime'].split()[-1]
    head = (f"Measured {started:%Y-%m-%d %H:%M %Z} on {platform.node()} ({os.cpu_count()} CPUs, "
            f"{platform.processor() or platform.machine()}), `{cmd.strip()}`, onnxruntime "
            f"{ort_version}, torch {meta['torch']}, transformers {meta['transformers']}.")
    print("\n" + head + "\n\n" + md)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (work / f"results-{stamp}.md").write_text(head + "\n\n" + md + "\n")
    (work / f"results-{stamp}.json").write_text(json.dumps(
        {"args": vars(a), "head": head, "export": meta, "ort_int8": ort_meta, "walls": walls, "int8_raw_bytes": int8_raw, "loadavg": loads,
         "parity": par and par[0], "results": [{"key": list(k), "runs": v} for k, v in results.items()]}, indent=1))
    print(f"\n[bench] saved {work}/results-{stamp}.md and .json")
    if a.readme:
        disabled = os.environ.get("CLIPZ_CPU_DISABLE")
        section = a.model + (f":no-{disabled}" if disabled else "")
        flags = public_flags(sys.argv[1:])
        clean = (f"Measured {started:%Y-%m-%d} on {cpu_class(a)} ({os.cpu_count()} cores, shared), {a.threads} threads, "
                 + (f"Clipz with `CLIPZ_CPU_DISABLE={disabled}` ({results[('clipz', 'image fp32', 1)][0]['int8_kernel']} "
                    "int8 kernel; ORT cannot be restricted and keeps AVX-512), " if disabled else "")
                 + f"`python Tools/bench_vs_ort.py {flags}`; ONNX Runtime {ort_version}, torch {meta['torch']}, "
                 f"transformers {meta['transformers']}; {a.rounds} alternating rounds in fresh processes.")
        write_readme(section, clean + "\n\n" + md)


if __name__ == "__main__":
    main()
