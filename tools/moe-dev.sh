#!/usr/bin/env bash
#===- moe-dev.sh - install, build, demo and test moe-opt ------------------===#
#
# Usage: tools/moe-dev.sh <command>
#   demo   install what is missing, build, and run the optimizer on the
#          shipped Mixtral-style layer, printing what each pass did
#   test   install what is missing, build with each compiler, run the whole
#          lit suite on each build and check that both emit the same IR,
#          then run the input readers' fuzz targets (tools/moe-fuzz.sh);
#          the last line is "N passed, N failed, N skipped" over all runs
#          (each fuzz target counts as one test)
#   build  install what is missing and build with each compiler (incremental)
#   deps   install what is missing (Debian packages, Python modules)
#   docs   regenerate docs/Dialects and docs/Passes from the ODS definitions
#
# Environment: MOE_COMPILERS (default: "clang gcc"; "gcc" or "clang" alone
# builds and tests with that one), MOE_BUILD_DIR (the Clang 22 build, default
# <repo>/build), MOE_GCC_BUILD_DIR (the GCC build, default <repo>/build-gcc),
# MOE_JOBS (default: nproc), MOE_FUZZ_SECONDS (seconds per fuzz target under
# test, default 20; 0 skips fuzzing), MOE_TORCH (0: the test command does not
# install torch and transformers for test/Python). Every step is idempotent: a second run
# installs nothing and rebuilds only what changed.
#===----------------------------------------------------------------------===#
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${MOE_BUILD_DIR:-$ROOT/build}
GCC_BUILD=${MOE_GCC_BUILD_DIR:-$ROOT/build-gcc}
read -r -a COMPILERS <<<"${MOE_COMPILERS:-clang gcc}"
[ ${#COMPILERS[@]} -gt 0 ] || COMPILERS=(clang gcc)
JOBS=${MOE_JOBS:-$(nproc)}
LLVM=/usr/lib/llvm-22

APT_PACKAGES=(
  cmake ninja-build g++ clang-22 lld-22 libomp-22-dev libclang-rt-22-dev
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  python3 python3-numpy python3-pip
  mpich libmpich-dev
)

log() { printf '== %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The Python used by the tests needs numpy (and safetensors, to cross-check
  # the checkpoint files the tests write), and wheel, with which a
  # setuptools older than 70.1 builds the Python package's wheel
  # (test/Python/install.test). A python3 outside Debian's (pyenv, venv)
  # does not see python3-numpy, so fall back to pip.
  local mod
  for mod in numpy safetensors wheel; do
    python3 -c "import $mod" 2>/dev/null && continue
    log "installing Python module $mod"
    python3 -m pip install -q "$mod" 2>/dev/null ||
      python3 -m pip install -q --break-system-packages "$mod" ||
      log "warning: could not install $mod; tests that need it are skipped"
  done
}

# The Python package's transformers tests (test/Python) need torch and
# transformers from PyPI. The test command installs them when missing
# (the versions the fixtures were recorded with; torch's wheel pulls its
# large CUDA libraries: several minutes), unless MOE_TORCH=0; an install
# that fails or takes over 20 minutes leaves those tests unsupported, with
# a warning.
install_torch() {
  [ "${MOE_TORCH:-1}" = 0 ] && return 0
  python3 -c "import torch, transformers" 2>/dev/null && return 0
  log "installing Python modules torch and transformers (for test/Python)"
  # One attempt (PIP_BREAK_SYSTEM_PACKAGES: Debian's own python3 refuses
  # pip installs otherwise).
  timeout 1200 env PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q \
    torch==2.15.0 transformers==5.25.0 ||
    log "warning: could not install torch and transformers; their tests in test/Python are skipped"
}

# build_dir COMPILER: where that compiler's build lives.
build_dir() {
  case "$1" in
    clang) echo "$BUILD" ;;
    gcc) echo "$GCC_BUILD" ;;
    *) log "error: unknown compiler '$1' in MOE_COMPILERS (clang, gcc)"; exit 2 ;;
  esac
}

# configure COMPILER: Clang 22 linking with lld, or Debian's GCC (12 on
# Debian 12) with the system linker.
configure() {
  local dir flags
  dir=$(build_dir "$1")
  case "$1" in
    clang) flags=(-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
                  -DLLVM_USE_LINKER=lld) ;;
    gcc) flags=(-DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++) ;;
  esac
  if [ ! -f "$dir/build.ninja" ]; then
    log "configuring $dir ($1)"
    cmake -G Ninja -S "$ROOT" -B "$dir" \
      -DCMAKE_BUILD_TYPE=Release "${flags[@]}" \
      -DMLIR_DIR=$LLVM/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit >/dev/null
  fi
}

# build_with COMPILER
build_with() {
  local dir
  dir=$(build_dir "$1")
  configure "$1"
  log "building $dir with $1 (ninja -j$JOBS)"
  if ! ninja -C "$dir" -j"$JOBS" all moe-test-depends >"$dir/ninja.log" 2>&1; then
    grep -v '^\[' "$dir/ninja.log" >&2 || true
    log "error: $1 build failed (full log: $dir/ninja.log)"
    exit 1
  fi
}

build() {
  install_deps
  local c
  for c in "${COMPILERS[@]}"; do build_with "$c"; done
}

run_tests() {
  build
  install_torch
  local out rc=0 c dir reference=()
  out=$(mktemp)
  for c in "${COMPILERS[@]}"; do
    dir=$(build_dir "$c")
    log "running the lit suite on the $c build ($dir)"
    # The last build's run also compares the IR of every moe-opt command of
    # the tests with the first build's (test/Tools/moe-opt/builds-agree.test);
    # the Python package's transformers tests, which exercise the same C API
    # in either build, run with the first build only.
    "$LLVM/bin/lit" -sv "${reference[@]}" "$dir/test" 2>&1 | tee -a "$out" || rc=$?
    reference=(--param "moe_reference_build=$(build_dir "${COMPILERS[0]}")"
               --param moe_torch_tests=0)
  done
  # The input readers' fuzz targets, each for MOE_FUZZ_SECONDS (default 20;
  # 0 skips them): each target counts as one test, passed or failed.
  local fuzz_seconds=${MOE_FUZZ_SECONDS:-20} fuzz_log
  fuzz_log=$(mktemp)
  if [ "$fuzz_seconds" != 0 ]; then
    log "fuzzing the input readers (${fuzz_seconds}s per target)"
    bash "$ROOT/tools/moe-fuzz.sh" "$fuzz_seconds" 2> >(tee "$fuzz_log" >&2) || rc=1
    wait
  fi
  # Totals over every run from lit's own summaries: passed = Passed +
  # Expectedly Failed; failed = Failed + Unexpectedly Passed + Timed Out.
  python3 - "$out" "$fuzz_log" <<'PY'
import re, sys
counts = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*(Passed|Failed|Expectedly Failed|Unexpectedly Passed|Timed Out|Unsupported|Skipped|Excluded)\s*:\s*(\d+)", line)
    if m:
        counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
for line in open(sys.argv[2], errors="replace"):
    m = re.match(r"== fuzzing (passed|failed): ([\w -]+?)( \(.*)?$", line.strip())
    if m:
        n = len(m.group(2).split())
        key = "Passed" if m.group(1) == "passed" else "Failed"
        counts[key] = counts.get(key, 0) + n
passed = counts.get("Passed", 0) + counts.get("Expectedly Failed", 0)
failed = counts.get("Failed", 0) + counts.get("Unexpectedly Passed", 0) + counts.get("Timed Out", 0)
skipped = counts.get("Unsupported", 0) + counts.get("Skipped", 0)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
  rm -f "$out" "$fuzz_log"
  return $rc
}

demo() {
  install_deps
  build_with "${COMPILERS[0]}"
  local layer="$ROOT/test/Examples/mixtral.mlir" out bin
  out="$(build_dir "${COMPILERS[0]}")/demo"
  bin="$(build_dir "${COMPILERS[0]}")/bin"
  mkdir -p "$out"
  log "moe-opt --moe-optimize on $layer, planned for 16 tokens"
  log "(raise, decompose, capacity plan, expert fusion; the remarks say what each did)"
  "$bin/moe-opt" "$layer" --moe-optimize="tokens=16 remarks=true report=$out/plan.json" \
    -mlir-print-op-on-diagnostic=false -o "$out/optimized.mlir"
  log "optimized IR: $out/optimized.mlir, capacity plan: $out/plan.json; its moe ops:"
  grep -oE '(= |^ *)moe\.[a-z_]+' "$out/optimized.mlir" | sed 's/.*moe\./moe./' |
    sort | uniq -c >&2
  log "moe-run: compile both for this CPU and run them on the same 16 random tokens"
  "$bin/moe-run" "$layer" --random-inputs 1 --tokens 16 --repeat 3 \
    --output "$out/before.npy"
  "$bin/moe-run" "$out/optimized.mlir" --random-inputs 1 --tokens 16 --repeat 3 \
    --output "$out/after.npy"
  python3 "$ROOT/test/Integration/CapacityPlan/Inputs/capacity_check.py" same \
    "$out/after.npy" "$out/before.npy"
}

docs() {
  install_deps
  build_with "${COMPILERS[0]}"
  local dir
  dir=$(build_dir "${COMPILERS[0]}")
  cp "$dir/docs/Dialects/MoEDialect.md" "$ROOT/docs/Dialects/MoE.md"
  cp "$dir/docs/MoEPasses.md" "$ROOT/docs/Passes/Transforms.md"
  cp "$dir/docs/MoEConversionPasses.md" "$ROOT/docs/Passes/Conversion.md"
  cp "$dir/docs/MoECodegenPasses.md" "$ROOT/docs/Passes/Codegen.md"
  log "docs/Dialects/MoE.md and docs/Passes/*.md regenerated"
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  build) build ;;
  deps) install_deps ;;
  docs) docs ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
