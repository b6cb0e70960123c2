#!/usr/bin/env bash
#===- moe-fuzz.sh - build and run the input readers' fuzz targets ---------===#
#
# Usage: tools/moe-fuzz.sh [SECONDS]
#   Builds the libFuzzer targets of the input readers (.safetensors, .npy,
#   config.json, routing profiles) with AddressSanitizer and
#   UndefinedBehaviorSanitizer, then runs each for SECONDS (default 20), one
#   after another, starting from its seed corpus in test/Fuzz/<target>/.
#   Exits with 1 when any target finds a crash, a leak, a hang, undefined
#   behavior or an error message that is not one line; the input is left in
#   <build>/findings/<target>/ and the log in <build>/logs/<target>.log.
#
# Environment: MOE_FUZZ_BUILD_DIR (default: <repo>/build-fuzz), MOE_JOBS
# (default: nproc), MOE_FUZZ_TARGETS (default: all four), MOE_FUZZ_ARGS
# (more libFuzzer flags). Idempotent: a second run installs nothing,
# rebuilds only what changed, and goes on from the corpus the last run grew
# in <build>/corpus/<target>/ (docs/Fuzzing.md).
#===----------------------------------------------------------------------===#
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${MOE_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
JOBS=${MOE_JOBS:-$(nproc)}
SECONDS_EACH=${1:-20}
LLVM=/usr/lib/llvm-22
read -r -a TARGETS <<<"${MOE_FUZZ_TARGETS:-safetensors npy hf-config routing-profile}"
read -r -a EXTRA_ARGS <<<"${MOE_FUZZ_ARGS:-}"

log() { printf '== %s\n' "$*" >&2; }

if ! [[ $SECONDS_EACH =~ ^[1-9][0-9]*$ ]]; then
  log "error: SECONDS must be a positive integer, got '$SECONDS_EACH'"
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

# The packages of the build, the sanitizer and the libFuzzer runtimes
# (libclang-rt-22-dev) are in tools/moe-dev.sh's list.
install_deps() {
  bash "$ROOT/tools/moe-dev.sh" deps
}

configure() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    log "configuring $BUILD"
    cmake -G Ninja -S "$ROOT" -B "$BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld \
      -DMLIR_DIR=$LLVM/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit \
      -DMOE_ENABLE_FUZZERS=ON >/dev/null
  fi
}

build() {
  local t names=()
  for t in "${TARGETS[@]}"; do names+=("moe-fuzz-$t"); done
  log "building ${names[*]} (ninja -j$JOBS)"
  if ! ninja -C "$BUILD" -j"$JOBS" "${names[@]}" >"$BUILD/ninja.log" 2>&1; then
    grep -v '^\[' "$BUILD/ninja.log" >&2 || true
    log "error: build failed (full log: $BUILD/ninja.log)"
    exit 1
  fi
}

# Runs one target; returns libFuzzer's exit status.
run_one() {
  local t=$1 corpus="$BUILD/corpus/$1" findings="$BUILD/findings/$1"
  local logfile="$BUILD/logs/$1.log" dict=()
  mkdir -p "$corpus" "$findings" "$BUILD/logs"
  if [ ! -x "$BUILD/bin/moe-fuzz-$t" ]; then
    log "error: $BUILD/bin/moe-fuzz-$t was not built"
    exit 1
  fi
  [ -f "$ROOT/test/Fuzz/$t.dict" ] && dict=(-dict="$ROOT/test/Fuzz/$t.dict")
  log "fuzzing $t for ${SECONDS_EACH}s"
  # The seeds are read, never written: new inputs go to the build's corpus.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$BUILD/bin/moe-fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$findings/" "${dict[@]}" "${EXTRA_ARGS[@]}" \
    "$corpus" "$ROOT/test/Fuzz/$t" >"$logfile" 2>&1
}

install_deps
configure
build
failed=()
for t in "${TARGETS[@]}"; do
  if run_one "$t"; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$BUILD/logs/$t.log" | sed "s/^/   $t: /" >&2 || true
  else
    failed+=("$t")
    log "error: $t found a problem; log: $BUILD/logs/$t.log, input: $BUILD/findings/$t/"
    grep -E 'ERROR|runtime error|error message is not one line|SUMMARY' \
      "$BUILD/logs/$t.log" | head -5 >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  log "fuzzing failed: ${failed[*]}"
  exit 1
fi
log "fuzzing passed: ${TARGETS[*]} (${SECONDS_EACH}s each)"
