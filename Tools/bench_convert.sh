#!/usr/bin/env bash
# Times `clipz convert` and `clipz quantize --type int8` on a big checkpoint and prints a markdown table:
# wall time, MB/s of fp32 tensor data, CPU seconds (user + sys), peak RSS (/usr/bin/time's max RSS).
#
# Usage: Tools/bench_convert.sh MODEL [LABEL=CLIPZ_BINARY ...] [--rounds N] [--work DIR] [--no-verify] [--readme]
#   MODEL     what `clipz convert` reads, e.g. the folder from `python Tools/make_bigg_model.py DIR`
#   LABEL=BIN binaries to compare (default: current=.build/release/clipz); with several, each round runs
#             them one after the other, so they see the same machine load
#   --rounds  rounds (default 1); every run is a row
#   --work    folder for the outputs (default: a new temporary folder, removed at the end; bigG needs ~12 GB)
#   --no-verify  skip `clipz inspect --verify` of the outputs
#   --readme  also write the table into README.md between <!-- bench-convert:begin --> and <!-- bench-convert:end -->
# Every output is checked with `clipz inspect --verify` by the FIRST binary listed (list the old build first
# to prove that it reads the new files), and the tensor tables (name, dtype, shape, CRC-32C of the decoded
# bytes) of all binaries' outputs must be equal. "fp32 MB/s" is the fp32 tensor bytes of the model (10^6 B)
# divided by the wall time, for convert and quantize alike. CPU seconds show how much work a run did
# when other processes share the cores (wall time then says little).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,17p "$0"; exit 2; }
MODEL=$1; shift
BINS=(); ROUNDS=1; WORK=""; VERIFY=1; README=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --no-verify) VERIFY=0; shift ;;
    --readme) README=1; shift ;;
    *=*) BINS+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
[ ${#BINS[@]} -gt 0 ] || BINS=("current=.build/release/clipz")
if [ -z "$WORK" ]; then WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
mkdir -p "$WORK"
FIRST=${BINS[0]#*=}

rows=()
run() { # label step output bin args...: times one run, keeps "label|step|wall|user|sys|rss|output bytes"
  local label=$1 step=$2 out=$3 bin=$4; shift 4
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$bin" "$@" -o "$out" --force --quiet
  read -r wall user sys rss < "$WORK/time"
  rows+=("$label|$step|$wall|$user|$sys|$rss|$(stat -c %s "$out")")
  echo "$label $step: ${wall} s wall, ${user} s user, ${sys} s sys, max RSS $((rss / 1024)) MiB" >&2
}
table() { "$FIRST" inspect "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('\n'.join('%s %s %s %s' % (t['name'], t['dtype'], t['shape'], t['crc32c']) for t in d['tensors']))"; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
  for lb in "${BINS[@]}"; do
    label=${lb%%=*}; bin=${lb#*=}
    run "$label" convert "$WORK/fp32.clipz" "$bin" convert "$MODEL"
    run "$label" "quantize int8" "$WORK/int8.clipz" "$bin" quantize "$WORK/fp32.clipz" --type int8
    if [ "$VERIFY" = 1 ]; then
      for f in fp32 int8; do
        "$FIRST" inspect "$WORK/$f.clipz" --verify >/dev/null || { echo "$label: $f.clipz fails inspect --verify" >&2; exit 1; }
        table "$WORK/$f.clipz" > "$WORK/$f.table.$label"
        cmp -s "$WORK/$f.table.$label" "$WORK/$f.table.${BINS[0]%%=*}" || { echo "$label: $f.clipz holds other tensors than ${BINS[0]%%=*}'s" >&2; exit 1; }
      done
    fi
  done
done

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
feat=$("$FIRST" system --json | python3 -c "import json,sys; f=json.load(sys.stdin)['cpu_features']; print(('AVX-512' if 'avx512f' in f else 'AVX2' if 'avx2' in f else 'baseline') + (', SHA-NI' if 'sha' in f else ''))")
{
F32=$("$FIRST" inspect "$WORK/fp32.clipz" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(t['raw_bytes'] for t in d['tensors'] if t['dtype'] == 'f32'))")
echo
echo "| build | step | wall s | fp32 MB/s | CPU s (user + sys) | peak RSS | output |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}" | python3 -c "
import sys
for line in sys.stdin:
    label, step, wall, user, sys_, rss, size = line.strip().split('|')
    wall = float(wall)
    print('| %s | %s | %.1f | %.0f | %.1f + %.1f | %d MiB | %.2f GB |' % (label, step, wall, $F32 / 1e6 / max(wall, 1e-9), float(user), float(sys_), int(rss) // 1024, int(size) / 1e9))
"
echo
echo "$(python3 -c "print('%.2f' % ($F32 / 1e9))") GB of fp32 tensors; $cpu ($feat), $(nproc) vCPUs; load average before / after the runs: $load / $(cut -d" " -f1-3 /proc/loadavg);"
echo "$(date -u +%Y-%m-%d); outputs $([ "$VERIFY" = 1 ] && echo "verified with \`clipz inspect --verify\` (${BINS[0]%%=*} build), same tensor tables" || echo "not verified")."
} | tee "$WORK/table.md"
if [ "$README" = 1 ]; then
  python3 Tools/readme_section.py bench-convert "$WORK/table.md"
fi
