//! `make bench` (never a pass/fail test): parse-and-validate timings of the core.
//!
//! Prints the time for a generated 2,000-state (about 1 MB) definition and the per-file time over
//! the shared corpus, and writes the per-file figures to target/bench/core.json so that
//! tests/bench/validators.mjs can put asl-validator and amazon-states-language-service side by
//! side on the very same files.

use std::time::Instant;
use stepscope::pipeline::analyze;
use stepscope::source::SourceText;

fn generated(states: usize) -> String {
    let mut s =
        String::from("{\n  \"Comment\": \"generated\",\n  \"StartAt\": \"S0\",\n  \"States\": {\n");
    for i in 0..states {
        let next = if i + 1 < states {
            format!("\"Next\": \"S{}\"", i + 1)
        } else {
            "\"End\": true".to_string()
        };
        if i % 10 == 5 && i + 2 < states {
            s.push_str(&format!(
                "    \"S{i}\": {{\"Type\": \"Choice\", \"Comment\": \"route item {i} by status and count\", \"Choices\": [{{\"Variable\": \"$.status\", \"StringEquals\": \"FAILED\", \"Next\": \"Failed\"}}, {{\"And\": [{{\"Variable\": \"$.count\", \"IsPresent\": true}}, {{\"Variable\": \"$.count\", \"NumericGreaterThan\": 3}}], \"Next\": \"S{}\"}}], \"Default\": \"S{}\"}},\n",
                i + 2,
                i + 1
            ));
        } else {
            s.push_str(&format!(
                "    \"S{i}\": {{\"Type\": \"Task\", \"Comment\": \"step {i} of the generated pipeline, calling its own function\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"Parameters\": {{\"FunctionName\": \"arn:aws:lambda:eu-west-1:123456789012:function:step-{i}\", \"Payload.$\": \"$\", \"Meta\": {{\"index\": {i}, \"trace.$\": \"$$.Execution.Id\"}}}}, \"ResultSelector\": {{\"result.$\": \"$.Payload\"}}, \"ResultPath\": \"$.r{i}\", \"Retry\": [{{\"ErrorEquals\": [\"Lambda.ServiceException\", \"Lambda.TooManyRequestsException\"], \"IntervalSeconds\": 2, \"MaxAttempts\": 6, \"BackoffRate\": 2}}], \"Catch\": [{{\"ErrorEquals\": [\"States.ALL\"], \"ResultPath\": \"$.error\", \"Next\": \"Failed\"}}], {next}}},\n"
            ));
        }
    }
    s.push_str("    \"Failed\": {\"Type\": \"Fail\", \"Error\": \"Failed\"}\n  }\n}\n");
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn time_ms(text: &str, runs: usize) -> f64 {
    let src = SourceText::new("bench", text);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let a = analyze(&src);
        std::hint::black_box(&a);
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    median(samples)
}

/// Parse and rebuild of a generated 25,000-event history, and snapshots over the whole run.
fn replay_bench() {
    use stepscope::replay::{generate, GenOptions, SnapshotIndex};
    let def = r#"{"StartAt": "Ship", "States": {"Ship": {"Type": "Map", "MaxConcurrency": 10, "End": true, "ItemProcessor": {"StartAt": "Pack", "States": {
        "Pack": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2}], "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Label"}], "Default": "Label"},
        "Label": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}}}}}"#;
    let Some(m) = analyze(&SourceText::new("d", def)).machine else {
        return;
    };
    let g = generate(
        &m,
        GenOptions {
            map_items: 5000,
            failure_rate: 0.05,
            max_events: 25_000,
            ..GenOptions::default()
        },
    );
    let mut samples = Vec::new();
    let mut tl = None;
    for _ in 0..11 {
        let t = Instant::now();
        let (h, _) = stepscope::history::parse_history(&g.history);
        let built = h.map(|h| stepscope::replay::build_timeline(&h, Some(&m)));
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
        tl = built;
    }
    let Some(tl) = tl else { return };
    println!(
        "replay: {} events ({:.1} MB), {} visits: parse + rebuild {:.2} ms (median of 11)",
        g.events,
        g.history.len() as f64 / 1e6,
        tl.visits.len(),
        median(samples)
    );
    let t = Instant::now();
    let index = SnapshotIndex::new(&tl);
    let index_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    for k in 0..1000 {
        std::hint::black_box(index.snapshot_at(tl.duration_ms * k / 999));
    }
    let snap_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "replay: snapshot index {index_ms:.2} ms; snapshot_at at 1,000 evenly spaced times {snap_ms:.2} ms ({:.1} µs each)",
        snap_ms
    );
}

fn main() {
    replay_bench();
    let big = generated(2000);
    let big_ms = time_ms(&big, 15);
    println!(
        "core: generated definition, 2000 states ({:.2} MB): parse + validate {:.2} ms (median of 15)",
        big.len() as f64 / 1e6,
        big_ms
    );
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/definitions");
    let mut files = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().contains("unclassified")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        println!("core: ../shared/corpus is absent; corpus timings skipped");
        return;
    }
    let mut per_file = Vec::new();
    let mut sized: Vec<(usize, f64)> = Vec::new();
    let mut list = Vec::new();
    for p in &files {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let ms = time_ms(&text, 21);
        per_file.push(ms);
        sized.push((text.len(), ms));
        list.push(p.to_string_lossy().into_owned());
    }
    sized.sort_by_key(|&(n, _)| n);
    let (median_size, median_file_ms) = sized.get(sized.len() / 2).copied().unwrap_or((0, 0.0));
    let per_file_median = median(per_file.clone());
    println!(
        "core: corpus, {} definitions: median {:.4} ms per file; the median-size file ({} bytes) {:.4} ms",
        per_file.len(),
        per_file_median,
        median_size,
        median_file_ms
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let _ = std::fs::create_dir_all(&out);
    let json = serde_json::json!({ "per_file_median_ms": per_file_median, "big_ms": big_ms, "files": list });
    let _ = std::fs::write(out.join("core.json"), json.to_string());
}
