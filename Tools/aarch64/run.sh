#!/usr/bin/env bash
# Builds the aarch64 kernels and checks them against their references under qemu-aarch64:
#   test_f32_neon   the packed fp32 GEMM's NEON kernel, every epilogue, against a double-precision reference
#                   and clipz_f32_gemm_packed_ref; fp16 and bf16 panels against it on the widened weights (bit for bit);
#   test_int8_neon  the int8 GEMM's NEON sdot and smmla (i8mm) kernels, each forced, against the scalar path,
#                   and which one dispatch picks.
# Built for plain Armv8-A (-march=armv8-a, what a Swift build targets by default: the sdot and smmla kernels
# carry their own target attributes and are picked by the kernel's HWCAP bits) with the package's C flags,
# by Debian's gcc-aarch64-linux-gnu and, when a clang is on PATH (Swift's, in CI), by clang too; run on
# emulated CPUs with and without the extensions: max (dotprod + i8mm), neoverse-n1 (dotprod), cortex-a72
# (neither), and max with CLIPZ_CPU_DISABLE=i8mm. Each test prints the path it checked and its max error.
# Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user
# (apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user).
# qemu timings say nothing about speed on ARM hardware; none are taken here.
# --readme: also writes a table of the checks (compiler, emulated CPU, path, largest error) between
# <!-- aarch64-checks:begin --> and <!-- aarch64-checks:end --> in README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
readme=0
[[ "${1:-}" == "--readme" ]] && readme=1
K=Sources/CClipzKernels
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
FLAGS=(-O3 -fassociative-math -fno-signed-zeros -fno-trapping-math -march=armv8-a -I"$K/include")
LIB=("$K/f32_gemm.c" "$K/int8_gemm.c" "$K/ops.c" "$K/cpu.c" "$K/half.c")

build_gcc() {  # $1: output directory
    mkdir -p "$1"
    for t in test_f32_neon test_int8_neon; do
        aarch64-linux-gnu-gcc "${FLAGS[@]}" -static "Tools/aarch64/$t.c" "${LIB[@]}" -lm -o "$1/$t"
    done
}

build_clang() {  # $1: output directory; objects by clang, linked by the cross gcc (its libc and crt files)
    mkdir -p "$1"
    local objs=()
    for f in "${LIB[@]}"; do
        clang --target=aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include "${FLAGS[@]}" -c "$f" -o "$1/$(basename "$f" .c).o"
        objs+=("$1/$(basename "$f" .c).o")
    done
    for t in test_f32_neon test_int8_neon; do
        clang --target=aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include "${FLAGS[@]}" -c "Tools/aarch64/$t.c" -o "$1/$t.o"
        aarch64-linux-gnu-gcc -static "$1/$t.o" "${objs[@]}" -lm -o "$1/$t"
    done
}

rows="$out/rows.md"
: > "$rows"
# run COMPILER CPU-LABEL TEST [ARGS...] (env set by the caller): runs one test under qemu, echoes its output
# and adds a table row: the path it checked and its largest error (fp32: normalized to the exact product;
# int8: absolute difference to the scalar path, which must be 0).
run() {
    local compiler=$1 label=$2 cpu=$3 test=$4; shift 4
    local log
    log=$(qemu-aarch64 -cpu "$cpu" "$@" 2>&1) || { echo "$log"; echo "FAIL: $test on $label"; exit 1; }
    echo "$log"
    if [[ $test == test_f32_neon ]]; then
        local err
        err=$(echo "$log" | awk '/^ +act / { v = $5 + 0; if (v > m) m = v } END { printf "%.1e", m }')
        echo "| $compiler | $label | fp32 \`$(echo "$log" | sed -n 's/^fp32 packed kernel: //p')\` | normalized $err | ok |" >> "$rows"
    else
        echo "$log" | awk -v c="$compiler" -v l="$label" '
            /^ok / { sub(":", "", $2); sub(",", "", $11); printf "| %s | %s | int8 `%s` (%s cells) | max abs difference %s | ok |\n", c, l, $2, $3, $11 }
            /^no NEON int8 path/ { printf "| %s | %s | int8 `scalar` (no sdot / i8mm) | dispatch checked | ok |\n", c, l }' >> "$rows"
    fi
}

check() {  # $1: build directory, $2: compiler name
    echo "== $2, qemu -cpu max (dotprod + i8mm)"
    run "$2" "max" max test_f32_neon "$1/test_f32_neon"
    run "$2" "max" max test_int8_neon "$1/test_int8_neon" neon-i8mm
    echo "== $2, qemu -cpu max, CLIPZ_CPU_DISABLE=i8mm"
    CLIPZ_CPU_DISABLE=i8mm run "$2" "max, i8mm hidden" max test_int8_neon "$1/test_int8_neon" neon-sdot
    echo "== $2, qemu -cpu neoverse-n1 (dotprod)"
    run "$2" "neoverse-n1" neoverse-n1 test_int8_neon "$1/test_int8_neon" neon-sdot
    echo "== $2, qemu -cpu cortex-a72 (neither)"
    run "$2" "cortex-a72" cortex-a72 test_f32_neon "$1/test_f32_neon"
    run "$2" "cortex-a72" cortex-a72 test_int8_neon "$1/test_int8_neon" scalar
}

build_gcc "$out/gcc"
check "$out/gcc" gcc
if command -v clang >/dev/null && echo 'int main(void){return 0;}' | clang --target=aarch64-linux-gnu -x c -c - -o "$out/probe.o" 2>/dev/null; then
    build_clang "$out/clang"
    check "$out/clang" clang
else
    echo "== no clang that targets aarch64 on PATH: the clang build was not checked"
fi

if [[ $readme == 1 ]]; then
    table="$out/table.md"
    {
        echo "\`Tools/aarch64/run.sh --readme\`, $(date -u +%Y-%m-%d), $(qemu-aarch64 --version | head -1 | sed 's/ (.*//'), $(aarch64-linux-gnu-gcc --version | head -1)$(command -v clang >/dev/null && echo ", $(clang --version | head -1 | sed 's/ (.*//')"); every case passed:"
        echo
        echo "| compiler | emulated CPU | kernel checked | largest error against the reference | result |"
        echo "|---|---|---|---|---|"
        cat "$rows"
    } > "$table"
    python3 Tools/readme_section.py aarch64-checks "$table"
fi
