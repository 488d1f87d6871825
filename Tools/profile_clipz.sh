#!/usr/bin/env bash
# Profiles `clipz bench` and prints the top functions.
#
#   Tools/profile_clipz.sh MODEL.clipz [--callgrind|--perf] [--tower image|text] [--batch 1] [--iterations 1]
#                          [--threads 1] [--top 25] [--clipz PATH]
#
# --callgrind (default): valgrind --tool=callgrind, collecting only inside CLIPModel.encodeImages /
#   encodeTexts (the first forward plus --iterations timed ones), so loading and decompression do not
#   drown the forward pass. Counts are instructions (Ir), exact and repeatable. Valgrind cannot execute
#   AVX-512: under it CPUID shows AVX2 + FMA only, so Clipz runs its AVX2 kernels (packed fp32, int8, attention),
#   whatever the host has — use --perf to profile the kernels a real run uses on an AVX-512 host;
#   an AVX-512 OPENBLAS_CORETYPE in the environment is replaced by Haswell for the profiled run only.
# --perf: perf record (cpu-clock sampling, the real AVX-512 kernels) of the whole process, load included;
#   raise --iterations to make the forward pass dominate.
# Output: the annotated top list on stdout; raw data in $CLIPZ_PROFILE_DIR (default /tmp/clipz-profile).
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
model=$1; shift
mode=callgrind tower=image batch=1 iterations=1 threads=1 top=25
root=$(cd "$(dirname "$0")/.." && pwd)
clipz=$root/.build-bench/release/clipz
while [[ $# -gt 0 ]]; do
    case $1 in
        --callgrind) mode=callgrind ;;
        --perf) mode=perf ;;
        --tower) tower=$2; shift ;;
        --batch) batch=$2; shift ;;
        --iterations) iterations=$2; shift ;;
        --threads) threads=$2; shift ;;
        --top) top=$2; shift ;;
        --clipz) clipz=$2; shift ;;
        *) usage ;;
    esac
    shift
done
[[ -x $clipz ]] || { echo "no $clipz: swift build -c release --scratch-path .build-bench --product clipz" >&2; exit 1; }
out=${CLIPZ_PROFILE_DIR:-/tmp/clipz-profile}
mkdir -p "$out"
tag=$(basename "$model" .clipz)-$tower-b$batch
bench=("$clipz" bench "$model" --tower "$tower" --batch "$batch" --iterations "$iterations" --warmup 0 --threads "$threads" --quiet)

demangle() { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; elif command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; }

if [[ $mode == callgrind ]]; then
    env_core=${OPENBLAS_CORETYPE:-}
    case ${env_core,,} in skylakex|cooperlake|sapphirerapids) export OPENBLAS_CORETYPE=Haswell
        echo "note: OPENBLAS_CORETYPE=$env_core needs AVX-512, which valgrind cannot run; using Haswell for this profile" >&2 ;;
    esac
    # Valgrind 3.19 cannot read the DWARF 5 that Swift's toolchain emits; profile a copy without debug
    # info (the symbol table stays, so function names remain). It sits beside the original so that
    # resource bundles resolve the same way.
    nodebug=$(dirname "$(readlink -f "$clipz")")/clipz.nodebug
    [[ $nodebug -nt $clipz ]] || objcopy --strip-debug "$clipz" "$nodebug"
    bench[0]=$nodebug
    file=$out/callgrind.$tag.out
    fn=$([[ $tower == text ]] && echo '*encodeTexts*' || echo '*encodeImages*')
    valgrind --tool=callgrind --callgrind-out-file="$file" --collect-atstart=no --toggle-collect="$fn" \
        "${bench[@]}" >"$out/bench.$tag.txt" 2>"$out/valgrind.$tag.log"
    echo "== callgrind, $tag, $iterations timed + 1 first forward, threads $threads (inclusive of callees: no; Ir = instructions)"
    callgrind_annotate --inclusive=no --threshold=100 "$file" 2>/dev/null | grep -E '^ *[0-9,]+ ' | head -n "$top" | demangle
    echo "-- data: $file (callgrind_annotate --inclusive=yes $file | less)"
else
    file=$out/perf.$tag.data
    perf record -F 999 -g -o "$file" -- "${bench[@]}" >"$out/bench.$tag.txt" 2>"$out/perf.$tag.log"
    echo "== perf (cpu-clock samples, whole process incl. load), $tag, $iterations iterations, threads $threads"
    perf report -i "$file" --stdio --no-children --sort dso,symbol --percent-limit 0.3 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | head -n "$top" | demangle
    echo "-- data: $file (perf report -i $file)"
fi
