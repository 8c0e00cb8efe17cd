#!/usr/bin/env bash
# Checks the model code that `Schema::generate_models` writes for the fixture schema
# (core/tests/fixtures/codegen_schema.json, every property type): the C header compiles with
# -Werror as C11 and C++17, the TypeScript passes `tsc --noEmit --strict`, the Python compiles.
# Swift, Kotlin and Python models are also compiled and run against the bindings by
# scripts/test-bindings.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
out="$repo/target/codegen"
schema="$repo/core/tests/fixtures/codegen_schema.json"
rm -rf "$out" && mkdir -p "$out"

cargo build -q -p syncline-core --example codegen
codegen="$repo/target/debug/examples/codegen"
for lang in c typescript python swift kotlin; do
    "$codegen" "$lang" "$schema" > "$out/models.$lang"
done
mv "$out/models.c" "$out/models.h"
mv "$out/models.typescript" "$out/models.ts"
mv "$out/models.python" "$out/models.py"
passed=0

echo "== codegen: C header (C11 and C++17, -Werror)"
cat > "$out/use_models.c" <<'C'
#include "models.h"
#include <string.h>
int main(void) {
    static const char *const tags[] = {"a", "b"};
    Address stop = {.street = "Main", .has_number = true, .number = 4, .geo = NULL};
    Todo task = {._id = "5f1b2c3d4e5f60718293a4b5", .name = "write", .tags = tags, .tags_len = 2,
                 .stops = &stop, .stops_len = 1};
    return strlen(SYNCLINE_SCHEMA_JSON) > 0 && task.tags_len == 2 && strcmp(Todo_CLASS_NAME, "Todo") == 0 ? 0 : 1;
}
C
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$out/use_models" "$out/use_models.c"
"$out/use_models"
c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ "$out/models.h"
passed=$((passed + 1))

echo "== codegen: TypeScript (tsc --noEmit --strict)"
tsc_dir="$repo/target/codegen-tsc"
if [[ ! -x "$tsc_dir/node_modules/.bin/tsc" ]]; then
    mkdir -p "$tsc_dir"
    npm install --silent --no-audit --no-fund --prefix "$tsc_dir" typescript@5.9.3 >/dev/null
fi
"$tsc_dir/node_modules/.bin/tsc" --noEmit --strict --target es2020 "$out/models.ts"
passed=$((passed + 1))

echo "== codegen: Python (compiles)"
python3 -m py_compile "$out/models.py"
passed=$((passed + 1))

echo "codegen: $passed passed, 0 failed"
