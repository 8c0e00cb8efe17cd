//! Runs the built `syncline` binary as a process, from the fixtures directory.
#![allow(dead_code)] // each test file uses its own part of the helpers

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the tool did.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` if killed by a signal: a crash).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        &self.stdout
    }

    /// Asserts a clear failure: exit status 1 and every stderr line `syncline: …`, and returns
    /// stderr.
    #[track_caller]
    pub fn fails(&self) -> &str {
        assert_eq!(self.code, Some(1), "expected exit status 1: {self:#?}");
        assert!(!self.stderr.is_empty(), "no error message: {self:#?}");
        for line in self.stderr.lines() {
            assert!(
                line.starts_with("syncline: "),
                "unclear error line {line:?}"
            );
        }
        assert!(!self.stderr.contains("panicked"), "panic: {self:#?}");
        &self.stderr
    }

    /// Stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }
}

/// The fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `syncline args…` in the fixtures directory.
pub fn syncline<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_syncline"))
        .args(args)
        .current_dir(fixtures())
        .output()
        .unwrap_or_else(|e| panic!("cannot run syncline: {e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `syncline args…`, asserts success and returns stdout.
#[track_caller]
pub fn output_of<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    syncline(args).ok().to_owned()
}

/// Runs `syncline args…`, asserts a clear failure (see [`Run::fails`]) and returns stderr.
#[track_caller]
pub fn error_of<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    syncline(args).fails().to_owned()
}

/// Asserts that `text` starts with `prefix`, showing all of `text` when not.
#[track_caller]
pub fn assert_starts_with(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "expected {prefix:?} first in:\n{text}"
    );
}

/// Asserts that `text` ends with `suffix`, showing all of `text` when not.
#[track_caller]
pub fn assert_ends_with(text: &str, suffix: &str) {
    assert!(
        text.ends_with(suffix),
        "expected {suffix:?} last in:\n{text}"
    );
}

/// Asserts that `text` contains `part`, showing all of `text` when not.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}

/// A path as a string argument.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}
