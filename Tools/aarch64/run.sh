#!/usr/bin/env bash
# Builds the aarch64 kernels and checks them against their references under qemu-aarch64:
#   test_f32_neon   the packed fp32 GEMM's NEON kernel, every epilogue, against a double-precision reference
#                   and clipz_f32_gemm_packed_ref;
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
set -euo pipefail
cd "$(dirname "$0")/../.."
K=Sources/CClipzKernels
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
FLAGS=(-O3 -fassociative-math -fno-signed-zeros -fno-trapping-math -march=armv8-a -I"$K/include")
LIB=("$K/f32_gemm.c" "$K/int8_gemm.c" "$K/ops.c" "$K/cpu.c")

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

check() {  # $1: build directory, $2: compiler name
    echo "== $2, qemu -cpu max (dotprod + i8mm)"
    qemu-aarch64 -cpu max "$1/test_f32_neon"
    qemu-aarch64 -cpu max "$1/test_int8_neon" neon-i8mm
    echo "== $2, qemu -cpu max, CLIPZ_CPU_DISABLE=i8mm"
    CLIPZ_CPU_DISABLE=i8mm qemu-aarch64 -cpu max "$1/test_int8_neon" neon-sdot
    echo "== $2, qemu -cpu neoverse-n1 (dotprod)"
    qemu-aarch64 -cpu neoverse-n1 "$1/test_int8_neon" neon-sdot
    echo "== $2, qemu -cpu cortex-a72 (neither)"
    qemu-aarch64 -cpu cortex-a72 "$1/test_f32_neon"
    qemu-aarch64 -cpu cortex-a72 "$1/test_int8_neon" scalar
}

build_gcc "$out/gcc"
check "$out/gcc" gcc
if command -v clang >/dev/null && echo 'int main(void){return 0;}' | clang --target=aarch64-linux-gnu -x c -c - -o "$out/probe.o" 2>/dev/null; then
    build_clang "$out/clang"
    check "$out/clang" clang
else
    echo "== no clang that targets aarch64 on PATH: the clang build was not checked"
fi
