#!/usr/bin/env bash
# Generates uniffi's Python module next to a copy of the library, runs the pytest tests and
# the Python example.
#
# Usage: bindings/python/run-tests.sh <libsyncline.so> <uniffi-bindgen>
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$(realpath "${1:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"
bindgen="$(realpath "${2:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"
stage="$repo/target/bindings/python"

python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet pytest

# uniffi's module loads libsyncline.so from its own folder.
rm -rf "$stage" && mkdir -p "$stage"
"$bindgen" generate "$lib" --language python --no-format --out-dir "$stage" >/dev/null
cp "$lib" "$stage/"
# Models generated from the codegen fixture (every property type), tested with the bindings.
cargo run -q --release -p syncline-core --example codegen -- python \
    "$repo/core/tests/fixtures/codegen_schema.json" > "$stage/models.py"
export PYTHONPATH="$stage${PYTHONPATH:+:$PYTHONPATH}"

echo "== python: tests"
python3 -m pytest -q -p no:cacheprovider "$here/tests"

if [[ -f "$repo/examples/python/task_tracker.py" ]]; then
    echo "== python: example"
    python3 "$repo/examples/python/task_tracker.py" "$(mktemp -d)/tasks.db"
fi
