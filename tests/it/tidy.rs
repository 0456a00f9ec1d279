//! Architecture invariants, enforced as tests (rust-analyzer's tidy idea).
//!
//! - The core never imports leptos, web_sys or wasm_bindgen: only `src/ui/` and `src/main.rs` do.
//! - Only `src/layout/layout_rs.rs` knows the layout-rs crate (imported as `layout`).
//! - No `#[should_panic]` or `#[ignore]` anywhere: we handle input without panics, and a test
//!   that does not run does not count.
//! - Every source file opens with a `//!` comment that says what it owns.

use crate::support::{files, repo};

/// This file names what it forbids, so it skips itself in those scans.
const SELF: &str = "tests/it/tidy.rs";

fn rust_sources() -> Vec<(String, String)> {
    let root = repo();
    let mut out = Vec::new();
    for dir in ["src", "tests"] {
        for p in files(&root.join(dir), &[".rs"]) {
            let rel = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            out.push((rel, text));
        }
    }
    assert!(out.len() > 5, "tidy found too few sources: {}", out.len());
    out
}

/// Lines of code, without `//` comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("")))
}

/// True when `line` uses `krate::` as the start of a path (not `crate::krate::` or `x_krate::`).
fn uses_crate_path(line: &str, krate: &str) -> bool {
    let pat = format!("{krate}::");
    let mut from = 0;
    while let Some(i) = line[from..].find(&pat) {
        let at = from + i;
        let before = &line[..at];
        let prev = before.chars().last();
        let qualified = before.ends_with("::");
        let ident = prev.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !qualified && !ident {
            return true;
        }
        from = at + pat.len();
    }
    false
}

#[test]
fn core_never_imports_the_browser() {
    let mut bad = Vec::new();
    for (path, text) in rust_sources() {
        let allowed = path.starts_with("src/ui/")
            || path == "src/main.rs"
            || path == "src/sim_main.rs"
            || path == "tests/web.rs";
        if allowed || !path.starts_with("src/") {
            continue;
        }
        for (n, line) in code_lines(&text) {
            for krate in ["leptos", "web_sys", "wasm_bindgen", "js_sys", "gloo_timers"] {
                if uses_crate_path(line, krate) || line.contains(&format!("use {krate}")) {
                    bad.push(format!("{path}:{n}: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "browser crates used in the core:\n{}",
        bad.join("\n")
    );
}

/// The shell reaches the core through `pipeline` alone: the façade names every function and type
/// the page and the worker use.
#[test]
fn the_shell_goes_through_the_facade() {
    let core = [
        "asl", "demo", "diag", "forms", "graph", "history", "layout", "limits", "replay", "share",
        "source", "svg", "view", "wire",
    ];
    let mut bad = Vec::new();
    for (path, text) in rust_sources() {
        if !(path.starts_with("src/ui/") || path == "src/main.rs") {
            continue;
        }
        for (n, line) in code_lines(&text) {
            for m in core {
                if line.contains(&format!("crate::{m}::"))
                    || line.contains(&format!("stepscope::{m}::"))
                {
                    bad.push(format!("{path}:{n}: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the shell reaches past the façade (name it in pipeline.rs instead):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_core_has_no_hidden_state() {
    let mut bad = Vec::new();
    for (path, text) in rust_sources() {
        if !path.starts_with("src/") || path.starts_with("src/ui/") || path == SELF {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if line.contains("thread_local!") || line.contains("static mut ") {
                bad.push(format!("{path}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the core keeps state out of sight (pass it in the data instead):\n{}",
        bad.join("\n")
    );
}

#[test]
fn browser_crates_are_wasm_only_dependencies() {
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap_or_default();
    let mut section = String::new();
    let mut bad = Vec::new();
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
            continue;
        }
        for krate in ["leptos", "web-sys", "wasm-bindgen", "js-sys", "gloo-timers"] {
            if t.starts_with(&format!("{krate} ")) || t.starts_with(&format!("{krate}=")) {
                let wasm_only = section.contains("cfg(target_arch = \"wasm32\")");
                if !wasm_only {
                    bad.push(format!("{krate} in {section}"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "browser crates outside wasm-only sections: {bad:?}"
    );
}

#[test]
fn only_the_adapter_knows_layout_rs() {
    let mut bad = Vec::new();
    for (path, text) in rust_sources() {
        if path == "src/layout/layout_rs.rs" || path == SELF {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if uses_crate_path(line, "layout") && !line.contains("crate::layout::") {
                bad.push(format!("{path}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "layout-rs used outside the adapter:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_should_panic_or_ignore() {
    let mut bad = Vec::new();
    let attrs = [concat!("#[should", "_panic"), concat!("#[ig", "nore")];
    for (path, text) in rust_sources() {
        if path == SELF {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if attrs.iter().any(|a| line.contains(a)) {
                bad.push(format!("{path}:{}", n + 1));
            }
        }
    }
    assert!(bad.is_empty(), "forbidden test attributes at {bad:?}");
}

#[test]
fn every_source_file_says_what_it_owns() {
    let missing: Vec<String> = rust_sources()
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/") || p.starts_with("tests/"))
        .filter(|(_, t)| !t.trim_start().starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    // The scanners above must catch real uses, or they would pass vacuously.
    assert!(uses_crate_path(
        "use layout::core::base::Orientation;",
        "layout"
    ));
    assert!(uses_crate_path(
        "let x = leptos::prelude::signal(0);",
        "leptos"
    ));
    assert!(!uses_crate_path("use crate::layout::Layout;", "layout"));
    assert!(!uses_crate_path("my_layout::x", "layout"));
}
