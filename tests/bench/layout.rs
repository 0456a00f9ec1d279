//! `make bench` (never a pass/fail test): layout-plus-render timings for generated definitions of
//! 10, 50, 200 and 1,000 states shaped like real ones (chains, Choice fan-out, retry loops, shared
//! Fail states), and the drawings of the corpus. Writes each flat graph exactly as our engine saw
//! it, with our drawing, to target/bench/layout/, so tests/bench/engines.mjs can lay out the same
//! graphs with dagre, elkjs and Graphviz and compare time, crossings and area in one run.

use std::time::Instant;
use stepscope::layout::{layout_cached, EstimateMeasure, Layout, LayoutCache, LayoutOptions};
use stepscope::pipeline::analyze;
use stepscope::source::SourceText;

/// A definition of about `n` states shaped like real machines.
fn generated(n: usize) -> String {
    let mut states = Vec::new();
    let fails = ["PaymentFailed", "ValidationFailed", "Timeout"];
    let mut i = 0;
    while i + 1 < n.saturating_sub(fails.len()) {
        let name = format!("S{i}");
        let next = format!("S{}", i + 1);
        let fail = fails.get(i % fails.len()).copied().unwrap_or("Timeout");
        let state = match i % 7 {
            3 => {
                // A Choice that fans out forward and to a shared failure.
                let far = format!("S{}", (i + 3).min(n.saturating_sub(fails.len() + 2)));
                format!(
                    r#""{name}": {{"Type": "Choice", "Choices": [{{"Variable": "$.status", "StringEquals": "ok", "Next": "{next}"}}, {{"Variable": "$.n", "NumericGreaterThan": {i}, "Next": "{far}"}}, {{"Variable": "$.bad", "IsPresent": true, "Next": "{fail}"}}], "Default": "{next}"}}"#
                )
            }
            5 if i > 3 => {
                // A retry loop: wait and go back.
                let back = format!("S{}", i - 2);
                format!(
                    r#""{name}": {{"Type": "Choice", "Choices": [{{"Variable": "$.ready", "BooleanEquals": false, "Next": "W{i}"}}], "Default": "{next}"}}, "W{i}": {{"Type": "Wait", "Seconds": 5, "Next": "{back}"}}"#
                )
            }
            _ => format!(
                r#""{name}": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3}}], "Catch": [{{"ErrorEquals": ["States.ALL"], "Next": "{fail}"}}], "Next": "{next}"}}"#
            ),
        };
        states.push(state);
        i += 1;
    }
    states.push(format!(r#""S{i}": {{"Type": "Succeed"}}"#));
    for f in fails {
        states.push(format!(r#""{f}": {{"Type": "Fail", "Error": "{f}"}}"#));
    }
    format!(
        r#"{{"StartAt": "S0", "States": {{{}}}}}"#,
        states.join(",\n")
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn polylines(l: &Layout) -> Vec<Vec<[f64; 2]>> {
    l.edges
        .iter()
        .map(|e| e.points.iter().map(|p| [p.0, p.1]).collect())
        .collect()
}

/// Lays out and draws a definition; returns the layout, our flat engine inputs and the time.
fn run(text: &str, runs: usize) -> Option<(Layout, Vec<stepscope::layout::EngineInput>, f64)> {
    let a = analyze(&SourceText::new("bench", text));
    let m = a.machine.as_ref()?;
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let g = stepscope::graph::build_graph(m);
        let mut cache = LayoutCache::tracing();
        let l = layout_cached(&g, &LayoutOptions::default(), &EstimateMeasure, &mut cache);
        let svg = stepscope::svg::write_svg(&g, &l, &Default::default());
        std::hint::black_box(&svg);
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some((l, cache.trace.unwrap_or_default()));
    }
    let (l, trace) = last?;
    Some((l, trace, median(samples)))
}

fn main() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/layout");
    let _ = std::fs::create_dir_all(&out);
    let mut generated_graphs = Vec::new();
    for n in [10usize, 50, 200, 1000] {
        let text = generated(n);
        let runs = if n >= 1000 { 5 } else { 15 };
        let Some((l, trace, ms)) = run(&text, runs) else {
            continue;
        };
        let Some(input) = trace.first() else { continue };
        println!(
            "layout: {n} states ({} boxes with stubs, {} edges): layout + render {ms:.2} ms",
            input.sizes.len(),
            input.edges.len()
        );
        generated_graphs.push(serde_json::json!({
            "name": format!("generated-{n}"), "states": n, "sizes": input.sizes, "edges": input.edges,
            "ours": {"ms": ms, "width": l.width, "height": l.height, "polylines": polylines(&l)},
        }));
    }
    let _ = std::fs::write(
        out.join("generated.json"),
        serde_json::Value::Array(generated_graphs).to_string(),
    );
    // Corpus: flat definitions only (one scope), so every engine draws the same graph.
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/definitions/valid");
    let mut files = Vec::new();
    let mut stack = vec![corpus];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut corpus_graphs = Vec::new();
    for p in &files {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let Some((l, trace, ms)) = run(&text, 3) else {
            continue;
        };
        if trace.len() != 1 || l.nodes.len() < 3 {
            continue;
        }
        let Some(input) = trace.first() else { continue };
        corpus_graphs.push(serde_json::json!({
            "name": p.file_name().map(|f| f.to_string_lossy().into_owned()), "sizes": input.sizes, "edges": input.edges,
            "ours": {"ms": ms, "width": l.width, "height": l.height, "polylines": polylines(&l)},
        }));
    }
    println!(
        "layout: {} flat corpus definitions with 3 or more states exported for comparison",
        corpus_graphs.len()
    );
    let _ = std::fs::write(
        out.join("corpus.json"),
        serde_json::Value::Array(corpus_graphs).to_string(),
    );
}
