#!/bin/sh
# Regenerates Sources/COnnxProto from Formats/onnx.proto with protoc-c (Debian: protobuf-c-compiler).
# The generated C is committed, so building Clipz only needs libprotobuf-c-dev.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$root/Formats" --c_out="$tmp" "$root/Formats/onnx.proto"
mkdir -p "$root/Sources/COnnxProto/include"
# SwiftPM wants public headers under include/; the .c file includes "onnx.pb-c.h", which the
# target's include/ folder provides.
cp "$tmp/onnx.pb-c.h" "$root/Sources/COnnxProto/include/onnx.pb-c.h"
cp "$tmp/onnx.pb-c.c" "$root/Sources/COnnxProto/onnx.pb-c.c"
echo "regenerated Sources/COnnxProto ($(protoc-c --version | head -1))"
