//! `make bench`: the simulator's speed natively, beside rebuilding the same run's timeline. Never
//! pass/fail.

use serde_json::json;
use std::time::Instant;
use stepscope::sim::{self, Case, SimOptions};

fn median_ms(n: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let demo: serde_json::Value =
        serde_json::from_str(stepscope::demo::DEFINITION).unwrap_or_default();
    // The demo's recorded run, as a case: its input and its tasks' results.
    let (recorded, _) = stepscope::history::parse_history(stepscope::demo::HISTORY);
    let case = recorded
        .map(|h| sim::record::record(&h, "Demo"))
        .and_then(|c| sim::case_from_json(&c).ok())
        .unwrap_or_default();
    let mut history = String::new();
    let sim_ms = median_ms(50, || {
        history = sim::simulate(&demo, &case, SimOptions::default()).history_json();
    });
    let (h, _) = stepscope::history::parse_history(&history);
    let timeline_ms = median_ms(50, || {
        if let Some(h) = &h {
            std::hint::black_box(stepscope::replay::build_timeline(h, None));
        }
    });
    println!(
        "sim: the demo simulated in {sim_ms:.3} ms natively ({} events); rebuilding its timeline {timeline_ms:.3} ms (simulate/timeline {:.1}x)",
        h.as_ref().map_or(0, |h| h.events.len()),
        sim_ms / timeline_ms.max(1e-9)
    );
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 50, "ItemProcessor": {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload.$": "$"}, "ResultSelector": {"v.$": "$.Payload"}, "End": true}}},
        "End": true}}});
    let items = Case {
        input: json!((0..1000).map(|i| json!({"i": i})).collect::<Vec<_>>()),
        ..Case::default()
    };
    let mut events = 0;
    let map_ms = median_ms(10, || {
        events = sim::simulate(&map, &items, SimOptions::default())
            .events
            .len();
    });
    println!("sim: a 1,000-item Map simulated in {map_ms:.1} ms natively ({events} events)");
}
