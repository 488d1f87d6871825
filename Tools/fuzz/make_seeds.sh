#!/usr/bin/env bash
# Regenerates Tools/fuzz/seeds (Python with numpy + Pillow, then the clipz binary for the .clipz seed).
# Usage: Tools/fuzz/make_seeds.sh [PYTHON] [CLIPZ]   (defaults: python, .build/release/clipz)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-python}"; CLIPZ="${2:-.build/release/clipz}"
"$PY" Tools/fuzz/make_seeds.py
mkdir -p Tools/fuzz/seeds/clipz
"$CLIPZ" convert Tools/fuzz/seeds/_micro_dump -o Tools/fuzz/seeds/clipz/micro.clipz --force --quiet
