#!/usr/bin/env bash
# Compiles and runs the Swift package's tests and the Swift example on Linux.
#
# Debian 12 has no Swift, so this runs Swift inside a Debian 13 root (trixie-root.sh builds it
# once and reuses it). The host builds the library; this script copies the Swift sources,
# uniffi's generated Swift, header and modulemap, and the library into the root, and runs
# `swift test` and the example there. Needs root (chroot, mount).
#
# Usage: bindings/swift/run-tests.sh <libsyncline.so> <uniffi-bindgen>
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$(realpath "${1:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"
bindgen="$(realpath "${2:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"

root="$("$here/trixie-root.sh")"
stage="$root/syncline"   # seen as /syncline inside the root

# uniffi's Swift, header and modulemap, generated from the built library.
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
"$bindgen" generate "$lib" --language swift --no-format --out-dir "$gen" >/dev/null

# Fresh sources each run; the .build folders stay so that later runs compile incrementally.
for pkg in bindings/swift examples/swift/TaskTracker; do
    [[ -d "$repo/$pkg" ]] || continue
    mkdir -p "$stage/$pkg"
    find "$stage/$pkg" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
    tar -C "$repo/$pkg" --exclude=.build --exclude=Generated -cf - . | tar -C "$stage/$pkg" -xf -
done
mkdir -p "$stage/lib" "$stage/ffi"
mkdir -p "$stage/bindings/swift/Sources/Syncline/Generated"
cp "$gen/Syncline.swift" "$stage/bindings/swift/Sources/Syncline/Generated/"
# Models generated from the codegen fixture (every property type), tested with the bindings.
mkdir -p "$stage/bindings/swift/Tests/SynclineTests/Generated"
cargo run -q --release -p syncline-core --example codegen -- swift \
    "$repo/core/tests/fixtures/codegen_schema.json" \
    > "$stage/bindings/swift/Tests/SynclineTests/Generated/Models.swift"
cp "$gen/SynclineFFI.h" "$gen/SynclineFFI.modulemap" "$stage/ffi/"
cp "$lib" "$stage/lib/libsyncline.so"

mounts=()
cleanup() {
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" || true; done
    rm -rf "$gen"
}
trap cleanup EXIT
for m in proc dev; do
    if ! mountpoint -q "$root/$m"; then
        if [[ $m == proc ]]; then mount -t proc proc "$root/proc"; else mount --bind /dev "$root/dev"; fi
        mounts+=("$root/$m")
    fi
done

# Flags every Swift build here needs: the modulemap by absolute path, and where the library is.
swift_flags="-Xcc -fmodule-map-file=/syncline/ffi/SynclineFFI.modulemap -Xlinker -L/syncline/lib -j $(nproc)"
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LD_LIBRARY_PATH=/syncline/lib LANG=C.UTF-8 bash -euo pipefail -c "$1"
}

echo "== swift: tests"
in_root "cd /syncline/bindings/swift && swift test --disable-swift-testing $swift_flags"

if [[ -f "$repo/examples/swift/TaskTracker/Package.swift" ]]; then
    echo "== swift: example"
    in_root "cd /syncline/examples/swift/TaskTracker && swift build $swift_flags \
        && db=\$(mktemp -d)/tasks.db && \$(swift build $swift_flags --show-bin-path)/task-tracker \$db"
fi
