//! WCAG AA contrast of the app's and the graph's colours, light and dark: text against what it
//! sits on (4.5:1), and state outlines and edges against the canvas (3:1, non-text).

use crate::support::repo;
use std::collections::HashMap;

/// The `--name: #rrggbb` custom properties of the first block that starts with `head`.
fn vars(css: &str, head: &str) -> HashMap<String, (f64, f64, f64)> {
    let start = css.find(head).unwrap_or_else(|| panic!("no block {head}"));
    let body = &css[start + head.len()..];
    let end = body.find('}').unwrap_or(body.len());
    let mut out = HashMap::new();
    for part in body[..end].split(';') {
        let Some((name, value)) = part.split_once(':') else {
            continue;
        };
        let name = name.trim().trim_start_matches(|c| c != '-');
        let value = value.trim();
        if !name.starts_with("--") || !value.starts_with('#') {
            continue;
        }
        let hex = value.trim_start_matches('#');
        let hex = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect::<String>()
        } else {
            hex.to_string()
        };
        let ch = |i: usize| {
            u8::from_str_radix(&hex[i..i + 2], 16)
                .map(f64::from)
                .unwrap_or(0.0)
                / 255.0
        };
        out.insert(name.to_string(), (ch(0), ch(2), ch(4)));
    }
    out
}

fn luminance((r, g, b): (f64, f64, f64)) -> f64 {
    let lin = |c: f64| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn ratio(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

fn check(
    theme: &str,
    v: &HashMap<String, (f64, f64, f64)>,
    pairs: &[(&str, &str, f64)],
    failures: &mut Vec<String>,
) {
    for (fg, bg, min) in pairs {
        let (Some(a), Some(b)) = (v.get(*fg), v.get(*bg)) else {
            failures.push(format!("{theme}: {fg} or {bg} is not defined"));
            continue;
        };
        let r = ratio(*a, *b);
        if r < *min {
            failures.push(format!("{theme}: {fg} on {bg} is {r:.2}:1, needs {min}:1"));
        }
    }
}

#[test]
fn colours_meet_wcag_aa_in_both_themes() {
    let app = std::fs::read_to_string(repo().join("style/main.css")).expect("main.css");
    let graph = stepscope::svg::STYLE;
    let mut failures = Vec::new();
    let ui: &[(&str, &str, f64)] = &[
        ("--fg", "--bg", 4.5),
        ("--fg", "--panel", 4.5),
        ("--muted", "--bg", 4.5),
        ("--muted", "--panel", 4.5),
        ("--accent", "--panel", 4.5),
        ("--accent", "--bg", 4.5),
        ("--bad", "--panel", 4.5),
        ("--good", "--panel", 4.5),
        ("--line", "--panel", 1.2),
    ];
    check("app light", &vars(&app, ":root {"), ui, &mut failures);
    check(
        "app dark",
        &vars(&app, ":root.theme-dark {"),
        ui,
        &mut failures,
    );
    check(
        "app dark (system)",
        &vars(&app, "@media (prefers-color-scheme: dark) { :root {"),
        ui,
        &mut failures,
    );
    let mut svg: Vec<(&str, &str, f64)> = Vec::new();
    for fill in [
        "--ss-box",
        "--ss-task",
        "--ss-choice",
        "--ss-pass",
        "--ss-wait",
        "--ss-ok",
        "--ss-fail",
        "--ss-cont",
    ] {
        svg.push(("--ss-fg", fill, 4.5));
        svg.push(("--ss-muted", fill, 4.5));
    }
    // Heat mode draws every text of a state in --ss-fg.
    assert!(graph.contains(".state[class*=heat-] text { fill:var(--ss-fg); }"));
    for fill in ["--ss-heat1", "--ss-heat2", "--ss-heat3", "--ss-heat4"] {
        svg.push(("--ss-fg", fill, 4.5));
    }
    svg.extend([
        ("--ss-muted", "--ss-bg", 4.5),
        ("--ss-catch", "--ss-label", 4.5),
        ("--ss-catch", "--ss-bg", 4.5),
        // Outlines and edges: non-text contrast.
        ("--ss-line", "--ss-bg", 3.0),
        ("--ss-ok-b", "--ss-bg", 3.0),
        ("--ss-fail-b", "--ss-bg", 3.0),
        ("--ss-running", "--ss-bg", 3.0),
        ("--ss-warn", "--ss-bg", 3.0),
        ("--ss-run", "--ss-bg", 3.0),
        ("--ss-crit", "--ss-bg", 3.0),
    ]);
    check(
        "graph light",
        &vars(graph, ".stepscope-graph {"),
        &svg,
        &mut failures,
    );
    check(
        "graph dark",
        &vars(
            graph,
            ".theme-dark .stepscope-graph, .stepscope-graph.theme-dark {",
        ),
        &svg,
        &mut failures,
    );
    check(
        "graph dark (system)",
        &vars(
            graph,
            "@media (prefers-color-scheme: dark) { .stepscope-graph:not(.theme-light) {",
        ),
        &svg,
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
