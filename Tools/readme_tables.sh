#!/usr/bin/env bash
# Regenerates the README's size / accuracy / speed table for the bundled digits model.
# Usage: Tools/readme_tables.sh   (builds clipz in release, writes into README.md between the table markers)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product clipz >/dev/null
B=.build/release/clipz
D=Tests/Fixtures/digits
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
T="a photo of the number {}."
$B convert "$D/model.safetensors" -o "$W/fp32.clipz" --quiet
$B quantize "$W/fp32.clipz" -o "$W/fp16.clipz" --type fp16 --quiet
$B quantize "$W/fp32.clipz" -o "$W/int8-wo.clipz" --type int8 --quiet
$B calibrate "$W/fp32.clipz" --images "$D/heldout" -o "$W/cal.json" --quiet
$B quantize "$W/fp32.clipz" -o "$W/int8-static.clipz" --type int8 --calibration "$W/cal.json" --quiet
ref=$(python3 -c "import json; print(round(json.load(open('$D/reference.json'))['zero_shot_accuracy'] * 100, 2))")
{
  echo "| model | file size | size vs fp32 | zero-shot accuracy | min image cosine vs fp32 | min text cosine vs fp32 | images/s (batch 32, 2 threads) |"
  echo "|---|---|---|---|---|---|---|"
  fp32size=$(stat -c %s "$W/fp32.clipz")
  for m in fp32 fp16 int8-wo int8-static; do
    f="$W/$m.clipz"
    size=$(stat -c %s "$f")
    acc=$($B classify "$f" --dataset "$D/heldout" --template "$T" --json --quiet | python3 -c "import json,sys; print('%.2f%%' % (json.load(sys.stdin)['accuracy'] * 100))")
    val=$($B validate "$f" --reference "$W/fp32.clipz" --dataset "$D/heldout" --template "$T" --json --min-cosine 0 --max-accuracy-drop 100 2>/dev/null || true)
    ic=$(echo "$val" | python3 -c "import json,sys; d=json.load(sys.stdin); print('%.6f' % d['image']['cosine']['min'])" 2>/dev/null || echo "-")
    tc=$(echo "$val" | python3 -c "import json,sys; d=json.load(sys.stdin); print('%.6f' % d['text']['cosine']['min'])" 2>/dev/null || echo "-")
    ips=$($B bench "$f" --tower image --batch 32 --threads 2 --iterations 20 --json --quiet 2>/dev/null | python3 -c "import json,sys; print('%.0f' % json.load(sys.stdin)['images_per_second'])" 2>/dev/null || echo "-")
    ratio=$(python3 -c "print('%.3f×' % ($size / $fp32size))")
    name=$m; [ "$m" = int8-wo ] && name="int8 weight-only"; [ "$m" = int8-static ] && name="int8 static (W8A8, calibrated on the held-out images)"
    echo "| $name | $(python3 -c "print('%.1f KiB' % ($size / 1024))") | $ratio | $acc | $ic | $tc | $ips |"
  done
  echo
  echo "File sizes are small because the example's unused token-embedding rows are zero (zstd removes them)."
  echo
  echo "CLIP ViT-B/32 shapes (Hugging Face default config, seeded random weights from \`clipz synthesize\`):"
  echo
  echo "| type | file size | size vs fp32 |"
  echo "|---|---|---|"
  $B synthesize --shape vit-b-32 -o "$W/vit.clipz" >/dev/null 2>&1
  $B quantize "$W/vit.clipz" -o "$W/vit-fp16.clipz" --type fp16 --quiet
  $B quantize "$W/vit.clipz" -o "$W/vit-int8.clipz" --type int8 --quiet
  vsize=$(stat -c %s "$W/vit.clipz")
  for v in vit vit-fp16 vit-int8; do
    sz=$(stat -c %s "$W/$v.clipz"); name=fp32; [ $v = vit-fp16 ] && name=fp16; [ $v = vit-int8 ] && name="int8 (weight-only or static)"
    echo "| $name | $(python3 -c "print('%.1f MB' % ($sz / 1e6))") | $(python3 -c "print('%.3f×' % ($sz / $vsize))") |"
  done
  rm -f "$W"/vit*.clipz
  echo
  echo "Reference: Hugging Face \`CLIPModel\` in PyTorch on the same PNGs: $ref% (Tests/Fixtures/digits/reference.json)."
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(.build/release/clipz system --json | python3 -c "import json,sys; d=json.load(sys.stdin); f=d['cpu_features']; k=d['kernels']; print(('AVX-512' if 'avx512f' in f else 'AVX2' if 'avx2' in f else 'baseline') + ' CPU; kernels: fp32 ' + k['fp32_gemm'] + ', int8 ' + k['int8_gemm'])"))."
} > "$W/table.md"
python3 - "$W/table.md" <<'PY'
import re, sys
table = open(sys.argv[1]).read().strip()
readme = open("README.md").read()
new = re.sub(r"<!-- tables:begin -->.*?<!-- tables:end -->", "<!-- tables:begin -->\n" + table + "\n<!-- tables:end -->", readme, flags=re.S)
open("README.md", "w").write(new)
PY
cat "$W/table.md"
