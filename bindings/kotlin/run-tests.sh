#!/usr/bin/env bash
# Generates uniffi's Kotlin into target/generated-sources, stages the library under
# target/native/linux-x86-64/ (packaged in the jar), runs `mvn -q verify`, the Kotlin example
# and the benchmark.
#
# Usage: bindings/kotlin/run-tests.sh <libsyncline.so> <uniffi-bindgen>
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$(realpath "${1:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"
bindgen="$(realpath "${2:?usage: run-tests.sh <libsyncline.so> <uniffi-bindgen>}")"
gen="$here/target/generated-sources/uniffi"
native="$here/target/native/linux-x86-64"

# Maven 3.8 prints colour resets even in batch mode; they are stripped (pipefail keeps its status).
mvn_quiet() {
    mvn -B -q "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

rm -rf "$gen" "$native" && mkdir -p "$gen" "$native"
"$bindgen" generate "$lib" --language kotlin --no-format --out-dir "$gen" >/dev/null
cp "$lib" "$native/libsyncline.so"
# Models generated from the codegen fixture (every property type), tested with the bindings.
models="$here/target/generated-test-sources/models"
rm -rf "$models" && mkdir -p "$models"
cargo run -q --release -p syncline-core --example codegen -- kotlin \
    "$repo/core/tests/fixtures/codegen_schema.json" > "$models/Models.kt"

echo "== kotlin: tests (mvn verify)"
# `install` puts the jar in the local repository for the example's Maven project.
mvn_quiet -f "$here/pom.xml" install
# Maven is quiet; the surefire reports say what ran.
python3 - "$here/target/surefire-reports" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests"))
    failed += int(suite.get("failures")) + int(suite.get("errors"))
    skipped += int(suite.get("skipped"))
print(f"kotlin: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or tests == 0 else 0)
PY

if [[ -f "$repo/examples/kotlin/pom.xml" ]]; then
    echo "== kotlin: example"
    example="$repo/examples/kotlin"
    mvn_quiet -f "$example/pom.xml" package
    java -cp "$example/target/classes:$(cat "$example/target/classpath.txt")" TaskTrackerKt \
        "$(mktemp -d)/tasks.db"
fi

echo "== kotlin: benchmark"
java -cp "$here/target/classes:$here/target/test-classes:$(cat "$here/target/classpath.txt")" \
    dev.syncline.Benchmark
