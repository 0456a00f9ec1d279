//! Helpers shared by the test modules: the repository root and the shared corpus.

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus at `../shared/corpus`, or None (with a notice) when it is absent. Under CI
/// (`STEPSCOPE_CI`, set by `.ci/run`) it is always there, so its absence fails the test.
pub fn corpus() -> Option<PathBuf> {
    let dir = repo().join("..").join("shared").join("corpus");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("STEPSCOPE_CI").is_some() {
        panic!("../shared/corpus is absent, and CI always has it");
    } else {
        eprintln!("notice: ../shared/corpus is absent; corpus tests are skipped");
        None
    }
}

/// Every file below `dir` (sorted, recursive) whose name ends with one of `exts`.
pub fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if exts.is_empty() || exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
