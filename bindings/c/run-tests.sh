#!/usr/bin/env bash
# Builds and runs the C tests under valgrind (ctest), installs the C package into a temporary
# prefix, and builds the C example against it through pkg-config, also run under valgrind.
#
# Usage: bindings/c/run-tests.sh <libsyncline.so>
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$(realpath "${1:?usage: run-tests.sh <libsyncline.so>}")"
build="$repo/target/bindings/c/build"
prefix="$repo/target/bindings/c/prefix"

valgrind_run() {
    valgrind --quiet --error-exitcode=99 --leak-check=full --suppressions="$here/valgrind.supp" \
        --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible "$@"
}

echo "== c: tests (ctest, valgrind)"
cmake -S "$here" -B "$build" -DSYNCLINE_LIBRARY="$lib" -DSYNCLINE_VALGRIND=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$build" --parallel "$(nproc)" >/dev/null
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"

rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [[ -d "$repo/examples/c" ]]; then
    echo "== c: example (pkg-config, valgrind)"
    out="$repo/target/bindings/c/task-tracker"
    # shellcheck disable=SC2046 # pkg-config prints several flags on purpose
    cc -std=c11 -Wall -Wextra -Werror -o "$out" "$repo/examples/c/task_tracker.c" \
        $(pkg-config --cflags --libs syncline) -lpthread
    valgrind_run "$out" "$(mktemp -d)/tasks.db"
fi

if [[ -f "$repo/bindings/c/bench/bench.c" ]]; then
    echo "== c: benchmark"
    out="$repo/target/bindings/c/bench"
    # shellcheck disable=SC2046
    cc -std=c11 -O2 -Wall -Wextra -Werror -o "$out" "$repo/bindings/c/bench/bench.c" \
        $(pkg-config --cflags --libs syncline) -lpthread
    "$out"
fi
