#!/usr/bin/env bash
# Builds the int8 kernels for aarch64 with the dot-product extension and checks the NEON sdot path
# against the scalar reference under qemu. Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross
# and qemu-user (apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user).
set -euo pipefail
cd "$(dirname "$0")/../.."
K=Sources/CClipzKernels
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
aarch64-linux-gnu-gcc -O2 -march=armv8.2-a+dotprod -static -I"$K/include" \
    Tools/aarch64/test_int8_neon.c "$K/int8_gemm.c" "$K/cpu.c" -lm -o "$out/test_int8_neon"
qemu-aarch64 -cpu max "$out/test_int8_neon"
