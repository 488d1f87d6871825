#!/usr/bin/env bash
# Builds the libFuzzer harness .build-fuzz/clipz-fuzz (all targets; pick one with CLIPZ_FUZZ_TARGET).
# Step 1: SwiftPM builds the parser modules with coverage + AddressSanitizer instrumentation in its
#         own scratch folder (-enable-testing so the harness can reach internal readers).
# Step 2: swiftc links Tools/fuzz/Harness.swift + Tests/clipzTests/HostileFuzzEntries.swift against
#         those objects with -sanitize=fuzzer,address (libFuzzer supplies main()).
# Package.swift is untouched. Usage: Tools/fuzz/build.sh   (env SCRATCH overrides .build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
SCRATCH="${SCRATCH:-.build-fuzz}"
SAN=(-Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
for t in ClipzImport ClipzImage ClipzQuant; do
    swift build -c release --scratch-path "$SCRATCH" "${SAN[@]}" --target "$t"
done
B="$SCRATCH/release"
objs=()
for m in ClipzCore ClipzFormat ClipzText ClipzImport ClipzImage ClipzQuant CClipzKernels COnnxProto CClipzImage CSentencePiece; do
    objs+=("$B/$m.build"/*.o)
done
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name ClipzFuzz \
    -I "$B/Modules" \
    -Xcc -fmodule-map-file="$B/CClipzKernels.build/module.modulemap" -Xcc -I -Xcc Sources/CClipzKernels/include \
    -Xcc -fmodule-map-file="$B/COnnxProto.build/module.modulemap" -Xcc -I -Xcc Sources/COnnxProto/include \
    -Xcc -fmodule-map-file="$B/CClipzImage.build/module.modulemap" -Xcc -I -Xcc Sources/CClipzImage/include \
    -Xcc -fmodule-map-file="$B/CSentencePiece.build/module.modulemap" -Xcc -I -Xcc Sources/CSentencePiece/include \
    -Xcc -fmodule-map-file=Sources/CZstd/module.modulemap -Xcc -fmodule-map-file=Sources/CProtobufC/module.modulemap \
    -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap \
    Tools/fuzz/Harness.swift Tests/clipzTests/HostileFuzzEntries.swift "${objs[@]}" \
    -lzstd -lprotobuf-c -lpng16 -ljpeg -lz -lsentencepiece -lstdc++ -ldl -lm \
    -o "$SCRATCH/clipz-fuzz"
echo "built $SCRATCH/clipz-fuzz"
