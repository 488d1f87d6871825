#!/usr/bin/env bash
# One-thread GEMM microbenchmark of the packed fp32 (fp32 and fp16 weights) and int8 kernels, with weights cold (a different copy each
# call, as a forward pass meets each layer once) and warm (the same copy again). Prints a markdown table in
# GFLOP/s (int8: GOP/s), best of REPS calls. Shapes: ViT-B/32 at batch 1 (50 tokens), a 16-token prompt,
# SigLIP-B/16 at batch 1 (196 tokens) and batch 8 text (512 rows).
#
#   Tools/gemm_bench.sh [--readme] [REPS]
#
# --readme: runs it twice, with every kernel and with CLIPZ_CPU_DISABLE=avx512 (the AVX2 kernels), and writes
# both tables between <!-- gemm-bench:begin --> and <!-- gemm-bench:end --> in README.md.
#
# Builds Tools/kernels/gemm_bench.c with the package's C flags against Sources/CClipzKernels into a temporary
# directory (cc, or clang when CC is unset and clang is on PATH). Compare builds side by side, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
readme=0
if [[ "${1:-}" == "--readme" ]]; then readme=1; shift; fi
reps=${1:-64}
K=Sources/CClipzKernels
cc=${CC:-$(command -v clang || command -v cc)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$cc" -O3 -fassociative-math -fno-signed-zeros -fno-trapping-math -I"$K/include" Tools/kernels/gemm_bench.c \
    "$K/f32_gemm.c" "$K/int8_gemm.c" "$K/cpu.c" "$K/ops.c" "$K/half.c" "$K/weight_memory.c" -lm -ldl -o "$out/gemm_bench"
table() {  # one table for the CLIPZ_CPU_DISABLE in the environment
    local flags
    flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_vnni|avx512_bf16)$' | tr '\n' ' ')
    echo "One thread, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') (${flags% }); CLIPZ_CPU_DISABLE=${CLIPZ_CPU_DISABLE:-(unset)}; best of $reps calls; $(date -u +%Y-%m-%d):"
    echo
    echo "| kind | kernel | shape (M × K · K × N) | cold G/s | warm G/s |"
    echo "|---|---|---|---:|---:|"
    for kind in f32 f16 i8 i8n; do
        for shape in "50 768 2304" "50 768 3072" "50 3072 768" "16 512 2048" "196 768 2304" "196 3072 768" "512 768 3072"; do
            # shellcheck disable=SC2086
            "$out/gemm_bench" "$kind" $shape "$reps"
        done
    done
}

if [[ $readme == 0 ]]; then table; exit 0; fi
{
    echo "\`Tools/gemm_bench.sh --readme\`. Every kernel of the CPU:"
    echo
    table
    echo
    echo "The AVX2 kernels (\`CLIPZ_CPU_DISABLE=avx512\`):"
    echo
    CLIPZ_CPU_DISABLE=avx512 table
} > "$out/table.md"
python3 Tools/readme_section.py gemm-bench "$out/table.md"
