#!/usr/bin/env bash
# Builds the FFI library once (release) and runs every language's tests, examples and
# benchmarks against it: C (ctest under valgrind), Python (pytest), Kotlin (mvn verify),
# Swift (swift test in a Debian 13 root). Also fails when the committed C header is stale.
#
# Usage: scripts/test-bindings.sh [c] [python] [kotlin] [swift]   (default: all four)
# Needs root for the Swift part (debootstrap, chroot); installs what it misses with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"

languages=("$@")
[[ ${#languages[@]} -gt 0 ]] || languages=(c python kotlin swift)

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v mvn >/dev/null || need_apt+=(maven)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    echo "== installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The library and the Rust baseline of the benchmarks in release (what apps ship and what the
# benchmarks compare); the generators in the dev profile, which builds them faster.
echo "== building libsyncline (release) and the binding tools"
cargo build --release -p syncline-ffi --lib --example native_bench
cargo build -p syncline-ffi-tools
lib="$target/release/libsyncline.so"
bindgen="$target/debug/uniffi-bindgen"

echo "== c header is current"
"$target/debug/syncline-c-header" --check

echo "== rust baseline for the benchmarks"
while read -r name ms; do
    case "$name" in
        insert_ms) export SYNCLINE_RUST_INSERT_MS="$ms" ;;
        get_ms) export SYNCLINE_RUST_GET_MS="$ms" ;;
    esac
    echo "  rust $name $ms"
done < <("$target/release/examples/native_bench")

for language in "${languages[@]}"; do
    case "$language" in
        c) bindings/c/run-tests.sh "$lib" ;;
        python) bindings/python/run-tests.sh "$lib" "$bindgen" ;;
        kotlin) bindings/kotlin/run-tests.sh "$lib" "$bindgen" ;;
        swift) bindings/swift/run-tests.sh "$lib" "$bindgen" ;;
        *) echo "unknown language '$language' (expected c, python, kotlin or swift)" >&2; exit 2 ;;
    esac
done
echo "== bindings: all passed (${languages[*]})"
