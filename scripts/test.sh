#!/usr/bin/env bash
# Runs every check and test of the project: formatting, lints, the Rust tests of every crate,
# then the Swift, Kotlin, C and Python bindings (tests, examples and benchmarks).
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== the main job (README): the task tracker example"
cargo run -q -p syncline-core --example task_tracker
echo "== generated model code (C, TypeScript, Python)"
scripts/test-codegen.sh
echo "== bindings"
scripts/test-bindings.sh
