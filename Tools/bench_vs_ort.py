#!/usr/bin/env python3
"""Side-by-side benchmark: Clipz vs ONNX Runtime on CLIP ViT-B/32 (HF default CLIPConfig, seeded random weights).

    python Tools/bench_vs_ort.py [--clipz .build-bench/release/clipz] [--rounds 3] [--iterations 10]

Steps: export combined + split ONNX towers (opset 17, cached in $CLIPZ_BENCH_DIR or $XDG_CACHE_HOME/clipz/bench, i.e. ~/.cache/clipz/bench),
`clipz convert` the combined graph to fp32 .clipz, `clipz quantize` to fp16 and int8 (and static int8 with
`clipz calibrate` on seeded random images unless --no-static), ORT `quantize_dynamic` (QInt8 weights,
per channel). Then every workload is measured ALTERNATELY, Clipz and ORT in fresh processes, for --rounds
rounds (the order flips each round), all with the same threads and batch; the per-iteration times of all
rounds are pooled before taking the median. Prints a markdown table (also saved in the work dir with the
raw JSON). OPENBLAS_CORETYPE is passed through untouched.
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
    fp32 = work / "vitb32-fp32.clipz"
    _, walls["convert"] = run([a.clipz, "convert", paths["combined"], "-o", fp32, "--force", "--quiet"])
    models["fp32"] = fp32
    for t in ("fp16", "int8"):
        out = work / f"vitb32-{t}.clipz"
        _, walls[f"quantize {t}"] = run([a.clipz, "quantize", fp32, "-o", out, "--type", t, "--force", "--quiet"])
        models[t] = out
    if not a.no_static:
        imgs = prepare.calibration_images(work, count=a.calib_images)
        cal = work / "calibration.json"
        _, walls["calibrate"] = run([a.clipz, "calibrate", fp32, "--images", imgs, "-o", cal, "--force", "--quiet",
                                     "--threads", a.threads])
        out = work / "vitb32-int8-static.clipz"
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
        for q, ref in (("fp32", "fp32"), ("fp16", "fp32"), ("int8", "int8"), ("int8-static", "int8")):
            if q in models:
                rows.append((f"image {q}", "image", b, q, [], ref))
    for b in batches:
        for q, ref in (("fp32", "fp32"), ("int8", "int8")):
            rows.append((f"text {q}, Clipz {a.prompt_tokens} tok vs ORT 77", "text", b, q, ["--seq-len", a.prompt_tokens], ref))
        rows.append(("text fp32, both 77 tok", "text", b, "fp32", ["--seq-len", "full"], "fp32"))
    return rows


def measure(a, models, ort_models, rows):
    """Alternates Clipz and ORT processes; returns {("clipz"|"ort", key): [result JSON per round]}."""
    results, loads = {}, []
    common = ["--threads", a.threads, "--iterations", a.iterations, "--warmup", a.warmup]
    for r in range(a.rounds):
        loads.append(os.getloadavg()[0])
        for i, (label, tower, b, q, extra, ref) in enumerate(rows):
            ck = ("clipz", label, b)
            ok = ("ort", tower, ref, b)
            jobs = [(ck, [a.clipz, "bench", models[q], "--tower", tower, "--batch", b, "--json", "--quiet"] + extra + common)]
            if ok not in results or len(results[ok]) <= r:  # one ORT process per (model, batch) per round
                jobs.append((ok, [sys.executable, HERE / "bench" / "ort_bench.py", ort_models[(tower, ref)], "--tower", tower,
                                  "--batch", b, "--prompt-tokens", a.prompt_tokens] + common))
            if (r + i) % 2:
                jobs.reverse()
            for key, cmd in jobs:
                out, _ = run(cmd)
                res = json.loads(out)
                results.setdefault(key, []).append(res)
                rate = res.get("images_per_second") or res.get("texts_per_second")
                print(f"  round {r + 1}/{a.rounds} {key[0]:5} {label if key[0] == 'clipz' else tower + ' ' + ref:42} b{b}: "
                      f"median {res['median_ms']:.1f} ms ({rate:.1f}/s)", flush=True)
    loads.append(os.getloadavg()[0])
    return results, loads


def pooled(runs):
    times = [t for r in runs for t in r["times_ms"]]
    s = sorted(times)
    return statistics.median(times), s[max(0, -(-len(s) * 95 // 100) - 1)]


def table(a, rows, results, walls, int8_raw, meta, loads, ort_meta):
    out = ["| workload | batch | Clipz median ms | ORT median ms | Clipz /s | ORT /s | Clipz/ORT throughput | per-round range |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    ratios = {}
    for label, tower, b, q, extra, ref in rows:
        cm, _ = pooled(results[("clipz", label, b)])
        om, _ = pooled(results[("ort", tower, ref, b)])
        ratios[(label, b)] = om / cm
        # The same ratio from each round's own medians: a wide range means the machine was busy.
        per = [o["median_ms"] / c["median_ms"] for c, o in zip(results[("clipz", label, b)], results[("ort", tower, ref, b)])]
        out.append(f"| {label} (ORT {ref}) | {b} | {cm:.1f} | {om:.1f} | {b * 1000 / cm:.1f} | {b * 1000 / om:.1f} | {om / cm:.2f}× "
                   f"| {min(per):.2f}–{max(per):.2f} |")
    int8 = results[("clipz", "image int8", 1)]
    load_ms = statistics.median(r["load_ms"] for r in int8)
    model_ms = statistics.median(r["model_load_ms"] for r in int8)
    rss = max(r["peak_rss_mb"] for r in int8)
    ort_int8 = results[("ort", "image", "int8", 1)]
    rss_bound = 1.3 * int8_raw / 1e6 + 100
    out += ["", f"Clipz int8 (image tower, batch 1): load {load_ms:.0f} ms (CLIPModel(path:) {model_ms:.0f} ms + first forward), "
            f"peak RSS {rss:.0f} MB; int8 .clipz tensors {int8_raw / 1e6:.0f} MB raw → bound 1.3×+100 = {rss_bound:.0f} MB. "
            f"ORT int8 image session load {statistics.median(r['load_ms'] for r in ort_int8):.0f} ms, peak RSS "
            f"{max(r['peak_rss_mb'] for r in ort_int8):.0f} MB (image tower only, incl. Python).",
            "", "Wall times: " + ", ".join(f"`clipz {k}` {v:.1f} s" for k, v in walls.items()) + "."]
    c0 = results[("clipz", "image fp32", 1)][0]
    out += ["", f"Kernels: OpenBLAS `{c0['openblas_core']}`, int8 `{c0['int8_kernel']}`; OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; threads {a.threads}; {a.rounds} rounds × {a.iterations} "
            f"iterations (+{a.warmup} warm-up) pooled per cell; 1-min load average at round starts/end: "
            + ", ".join(f"{x:.2f}" for x in loads) + f". ORT int8: quantize_dynamic QInt8, per_channel={ort_meta['per_channel']}."]
    text16 = [k for k in ratios if k[0].startswith("text fp32, Clipz")]
    checks = [
        ("fp32 image ≥ 1.1× ORT fp32 at batch 8", ratios.get(("image fp32", 8)), 1.1),
        ("fp32 image ≥ 1.0× ORT fp32 at batch 1", ratios.get(("image fp32", 1)), 1.0),
        ("int8 image ≥ 1.5× ORT int8 at batch 8", ratios.get(("image int8", 8)), 1.5),
    ] + [(f"text ≤{a.prompt_tokens} tok ≥ 3× ORT 77-tok (fp32, batch {k[1]})", ratios[k], 3.0) for k in text16]
    out += ["", "| target | measured | met |", "|---|---:|:-:|"]
    for name, v, goal in checks:
        out.append(f"| {name} | {v:.2f}× | {'yes' if v is not None and v >= goal else 'no'} |")
    out.append(f"| int8 load ≤ 1.5 s | {load_ms / 1000:.2f} s | {'yes' if load_ms <= 1500 else 'no'} |")
    out.append(f"| peak RSS ≤ 1.3× int8 weights + 100 MB ({rss_bound:.0f} MB) | {rss:.0f} MB | {'yes' if rss <= rss_bound else 'no'} |")
    out.append(f"| convert ≤ 20 s | {walls['convert']:.1f} s | {'yes' if walls['convert'] <= 20 else 'no'} |")
    out.append(f"| quantize int8 ≤ 20 s | {walls['quantize int8']:.1f} s | {'yes' if walls['quantize int8'] <= 20 else 'no'} |")
    return "\n".join(out)


def render(a):
    """Re-prints the tables of a saved results JSON (e.g. after changing the table layout)."""
    d = json.loads(Path(a.render).read_text())
    results = {tuple(r["key"]): r["runs"] for r in d["results"]}
    models = {q: None for q in ("fp32", "fp16", "int8", "int8-static") if ("clipz", f"image {q}", 1) in results}
    rows = workloads(models, None, [int(b) for b in a.batches.split(",")], a)
    print(d.get("head", ""), "\n")
    print(table(a, rows, results, d["walls"], d["int8_raw_bytes"], d["export"], d["loadavg"], d["ort_int8"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clipz", default=str(HERE.parent / ".build-bench" / "release" / "clipz"))
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    ap.add_argument("--work", default=os.environ.get("CLIPZ_BENCH_DIR", os.path.join(cache, "clipz", "bench")))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--calib-images", type=int, default=16)
    ap.add_argument("--no-static", action="store_true", help="skip clipz calibrate + static int8")
    ap.add_argument("--render", metavar="RESULTS.json", help="only re-print the tables of a saved run (same options)")
    a = ap.parse_args()
    if a.render:
        return render(a)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    if not Path(a.clipz).exists():
        sys.exit(f"{a.clipz} not found: swift build -c release --scratch-path .build-bench --product clipz")
    started = datetime.datetime.now().astimezone()
    print(f"[bench] work dir {work}; exporting ONNX (cached) ...", flush=True)
    paths, meta = prepare.export_onnx(work)
    ort_models, ort_meta = {("image", "fp32"): paths["vision"], ("text", "fp32"): paths["text"]}, None
    for tower, key in (("image", "vision"), ("text", "text")):
        ort_models[(tower, "int8")], ort_meta = prepare.ort_int8(paths[key])
    print("[bench] clipz convert / quantize ...", flush=True)
    models, walls = build_models(a, work, paths)
    int8_raw = inspect_raw_bytes(a.clipz, models["int8"])
    rows = workloads(models, ort_models, [int(b) for b in a.batches.split(",")], a)
    print(f"[bench] measuring {len(rows)} Clipz workloads against ORT, {a.rounds} rounds ...", flush=True)
    results, loads = measure(a, models, ort_models, rows)
    md = table(a, rows, results, walls, int8_raw, meta, loads, ort_meta)
    if not a.no_static:
        md += f"\n\nStatic int8: `clipz calibrate` on {a.calib_images} seeded random PNGs (Tools/bench/prepare.py), default method."
    cmd = "python Tools/bench_vs_ort.py " + " ".join(sys.argv[1:])
    head = (f"Measured {started:%Y-%m-%d %H:%M %Z} on {platform.node()} ({os.cpu_count()} CPUs, "
            f"{platform.processor() or platform.machine()}), `{cmd.strip()}`, onnxruntime "
            f"{results[('ort', 'image', 'fp32', 1)][0]['runtime'].split()[-1]}, torch {meta['torch']}, transformers {meta['transformers']}.")
    print("\n" + head + "\n\n" + md)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (work / f"results-{stamp}.md").write_text(head + "\n\n" + md + "\n")
    (work / f"results-{stamp}.json").write_text(json.dumps(
        {"args": vars(a), "head": head, "export": meta, "ort_int8": ort_meta, "walls": walls, "int8_raw_bytes": int8_raw, "loadavg": loads,
         "results": [{"key": list(k), "runs": v} for k, v in results.items()]}, indent=1))
    print(f"\n[bench] saved {work}/results-{stamp}.md and .json")


if __name__ == "__main__":
    main()
