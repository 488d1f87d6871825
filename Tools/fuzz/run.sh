#!/usr/bin/env bash
# Builds the fuzz harness and runs every target for a time budget, printing executions per target.
#   Tools/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, all targets)
#   Tools/fuzz/run.sh --ci                                (~39 s of fuzzing in all: 3 s per target, 13 targets)
# Corpus: committed seeds (Tools/fuzz/seeds/<t>), fixture files added at run time, the committed
# regressions, and what libFuzzer finds (kept in .build-fuzz/corpus/<t>, not committed).
# A crash is written to Tools/fuzz/regressions/<t>/ (commit it: HostileRegressionTests replays it)
# and makes the script exit 1 after the remaining targets ran.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=60
if [[ "${1:-}" == "--ci" ]]; then SECS=3; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then SECS=$1; shift; fi
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(onnx safetensors npy npz pytorch rawdump clipz clipz_tokenizer calibration tokenizer_json merges spm_model image)
SCRATCH="${SCRATCH:-.build-fuzz}"
Tools/fuzz/build.sh 2>&1 | grep -v "Cannot export local symbol" || { echo "fuzz build failed"; exit 1; }

F=Tests/ClipzImportTests/Fixtures
fixture_seeds() {   # realistic seeds taken from the test fixtures instead of being copied into git
    case $1 in
        onnx) echo $F/broken/no_post_ln.onnx $F/broken/bad_head_reshape.onnx $F/hf_tiny/vision_op17.onnx $F/hf_tiny/text_op17.onnx $F/hf_tiny/combined_op17.onnx $F/siglip_hf/vision_legacy.onnx ;;
        safetensors) echo $F/hf_tiny/model.safetensors ;;
        npz) echo $F/hf_tiny/model.npz ;;
        pytorch) echo $F/pickle_cases/views.pt $F/hf_tiny/pytorch_model_fp16.bin $F/openclip_pt/openai_jit.pt ;;
        tokenizer_json) echo Tests/ClipzTextTests/Fixtures/hf_tiny/tokenizer.json ;;
        merges) echo Tests/ClipzTextTests/Fixtures/hf_tiny/merges.txt ;;
        spm_model) echo Tests/ClipzTextTests/Fixtures/siglip/spiece.model ;;
        image) find Tests/ClipzImageTests/Fixtures -name '*.png' -size -20k -o -name '*.jpg' -size -20k ;;
    esac
}

failed=()
printf '%-15s %10s %8s %7s %s\n' target execs exec/s wall result
for t in "${TARGETS[@]}"; do
    start=$SECONDS; corpus="$SCRATCH/corpus/$t"; regress="Tools/fuzz/regressions/$t"
    mkdir -p "$corpus" "$regress"
    for s in $(fixture_seeds "$t"); do [[ -f $s ]] && cp -n "$s" "$corpus/" 2>/dev/null; done
    log="$SCRATCH/fuzz-$t.log"
    # Small inputs mutate and run faster; ONNX needs whole fixture graphs to reach the matcher.
    maxlen=16384; [[ $t == onnx ]] && maxlen=400000
    # Leak checks off: the Swift runtime's lazily built metadata caches read as leaks.
    # 512 MB malloc cap: no input of a few hundred KB has a reason to ask for more.
    CLIPZ_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 \
        "$SCRATCH/clipz-fuzz" -max_total_time="$SECS" -max_len=$maxlen -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$regress/" \
        "$corpus" "Tools/fuzz/seeds/$t" "$regress" >"$log" 2>&1
    rc=$?; end=$SECONDS
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    result=ok
    if [[ $rc -ne 0 ]]; then result="CRASH (rc $rc, see $log)"; failed+=("$t"); fi
    printf '%-15s %10s %8s %6ss %s\n' "$t" "${execs:-?}" "${rate:-?}" "$((end - start))" "$result"
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashes in: ${failed[*]} (inputs in Tools/fuzz/regressions/<target>/)"; exit 1
fi
