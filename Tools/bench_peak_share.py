#!/usr/bin/env python3
"""Share of the CPU's measured peak that Clipz's forward pass reaches, by kernel set, batch and thread count.

    python Tools/bench_peak_share.py [--clipz .build-bench/release/clipz] [--rounds 3] [--iterations 6]
                                     [--models vitb32-fp32,vitb32-int8,vitb32-int8-w7] [--readme]

For each model file (<work>/NAME.clipz, as Tools/bench_vs_ort.py leaves them: run it once first), each kernel set
(every kernel; CLIPZ_CPU_DISABLE=avx512, the AVX2 paths), batch 1 and 8 and 1 and 2 threads, runs
`clipz bench --peak --json` in a fresh process. That measures the peak of the instructions the file's GEMMs use
(fp32 FMA, VNNI or the AVX2 int8 sequence) with the same thread count, and the image tower's effective GFLOP/s
(standard FLOP count, see `clipz bench --help`). The cells run in turn, --rounds times (so that every cell meets the
host's noise alike). A cell's share is its median effective GFLOP/s over the rounds (range beside it) divided by the
median of every peak measurement of the same instructions and thread count in the run: a measurement (the
fastest of 8 short runs) can still read low when another tenant runs through all of it. The results are saved as JSON in the work dir; --render FILE
re-prints a saved run. --readme writes the table between <!-- peak-share:begin --> and its end marker in README.md.

The AVX2 rows answer issue #16's "≥ 85% of the measured AVX2 FMA peak" on a host that has AVX-512: the thread
counts separate what the kernel reaches on one core from what two threads lose to sharing the host.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_ort import common_arguments, cpu_class, public_flags, run, write_readme  # noqa: E402

KERNEL_SETS = [("all kernels", None), ("AVX2 paths", "avx512")]


def measure(a):
    """Runs every cell --rounds times, in turn; returns the cells and {cell: [per-round results]}."""
    work = Path(a.work)
    models = a.models.split(",")
    for m in models:
        if not (work / f"{m}.clipz").exists():
            sys.exit(f"{work / (m + '.clipz')} is missing: run Tools/bench_vs_ort.py (same --work) first")
    batches = [int(b) for b in a.batches.split(",")]
    thread_counts = [int(t) for t in a.thread_counts.split(",")]
    cells = [(ks, m, b, t) for ks in KERNEL_SETS for m in models for b in batches for t in thread_counts
             # 7-bit weights only change the kernel on AVX2 (VNNI runs them like 8-bit ones)
             if not (m.endswith("-w7") and ks[1] is None)]
    results = {c: [] for c in cells}
    for r in range(a.rounds):
        for c in cells:
            (label, disable), m, b, t = c
            env = dict(os.environ)
            env.pop("CLIPZ_CPU_DISABLE", None)
            if disable:
                env["CLIPZ_CPU_DISABLE"] = disable
            out, _ = run([a.clipz, "bench", work / f"{m}.clipz", "--peak", "--json", "--quiet", "--batch", b,
                          "--threads", t, "--iterations", a.iterations, "--warmup", 1], env=env)
            d = json.loads(out)
            results[c].append({"ms": d["image"]["median_ms"], "gflops": d["image"]["effective_gflops"],
                               "peak": d["peak_gops"], "instructions": d["peak_instructions"]})
            print(f"[peak-share] round {r + 1}: {label}, {m}, batch {b}, {t} thread(s): "
                  f"{d['image']['median_ms']:.1f} ms, {d['image']['effective_gflops']:.0f} G/s, "
                  f"peak {d['peak_gops']:.0f} ({d['peak_instructions']})", flush=True)
    return cells, results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(ap)
    ap.add_argument("--models", default="vitb32-fp32,vitb32-int8,vitb32-int8-w7")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--thread-counts", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--readme", action="store_true")
    ap.add_argument("--render", metavar="RESULTS.json", help="only re-print the table of a saved run")
    a = ap.parse_args()
    if a.render:
        saved = json.loads(Path(a.render).read_text())
        a.rounds, a.iterations = saved["rounds"], saved["iterations"]
        cells = [((ks, dis), m, b, t) for ks, dis, m, b, t in saved["cells"]]
        results = dict(zip(cells, saved["results"]))
        when, host, flags = saved["date"], saved["host"], saved["flags"]
    else:
        cells, results = measure(a)
        when, host, flags = str(datetime.date.today()), cpu_class(a), public_flags(sys.argv[1:])
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        saved = Path(a.work) / f"peak-share-{stamp}.json"
        saved.write_text(json.dumps({"date": when, "host": host, "flags": flags, "rounds": a.rounds,
                                     "iterations": a.iterations, "cells": [[c[0][0], c[0][1], c[1], c[2], c[3]] for c in cells],
                                     "results": [results[c] for c in cells]}, indent=1))
        print(f"[peak-share] saved {saved}")
    # The peak is a property of the host, not of a cell: a measurement in one process can read low when another tenant
    # runs through it (shares above 100%), so every cell divides by the median of all measurements of its
    # instructions at its thread count.
    peaks = {}
    for c, rs in results.items():
        for x in rs:
            peaks.setdefault((x["instructions"], c[3]), []).append(x["peak"])
    peak = {k: statistics.median(v) for k, v in peaks.items()}
    command = "python Tools/bench_peak_share.py" + (" " + flags if flags else "")
    lines = [f"Measured {when} on {host}, `{command}`; image tower, {a.rounds} rounds × {a.iterations} iterations, each cell a fresh `clipz bench --peak` "
             "process; effective G/s is the median over rounds (range), and the peak the median of every measurement of "
             "the same instructions at that thread count in the run.", "",
             "| kernels | model | batch | threads | median ms | effective G/s | peak G/s (instructions) | share of peak |",
             "|---|---|---:|---:|---:|---:|---|---:|"]
    for c in cells:
        (label, _), m, b, t = c
        rs = results[c]
        p = peak[(rs[0]["instructions"], t)]
        g = [x["gflops"] for x in rs]
        lines.append(f"| {label} | {m} | {b} | {t} | {statistics.median(x['ms'] for x in rs):.1f} | "
                     f"{statistics.median(g):.0f} ({min(g):.0f}–{max(g):.0f}) | {p:.0f} ({rs[0]['instructions']}) | "
                     f"{100 * statistics.median(g) / p:.0f}% |")
    table = "\n".join(lines)
    print(table)
    if a.readme:
        write_readme("peak-share", table, marker="peak-share")


if __name__ == "__main__":
    main()
