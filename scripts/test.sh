#!/usr/bin/env bash
# Runs every check and test of the project: formatting, lints, Rust tests.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace

# Swift, Kotlin, C and Python bindings: tests, examples, benchmarks (see bindings/).
./scripts/test-bindings.sh
