#!/usr/bin/env python3
"""Replaces the text between <!-- MARKER:begin --> and <!-- MARKER:end --> in the repository's README.md.

    python3 Tools/readme_section.py MARKER FILE      # FILE's text (trailing newlines dropped) goes between the markers

The one place every table-writing tool (bench_vs_ort.py, bench_peak_share.py, bench_siglip_sizes.py, bench_convert.sh,
gemm_bench.sh, aarch64/run.sh, kernels/mca_loops.py) puts its --readme output. Exits 1, README.md untouched, when the markers are missing."""
import pathlib
import re
import sys

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def write_section(marker, text):
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    s = README.read_text()
    if begin not in s or end not in s:
        sys.exit(f"README.md has no {begin} … {end} section")
    README.write_text(re.sub(re.escape(begin) + ".*?" + re.escape(end),
                             lambda _: begin + "\n" + text.rstrip("\n") + "\n" + end, s, flags=re.S))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_section(sys.argv[1], pathlib.Path(sys.argv[2]).read_text())
    print(f"README.md: {sys.argv[1]} section written")
