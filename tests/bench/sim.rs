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

    // What the page does on every what-if: re-simulate a 100-state machine, keeping the data flow.
    let mut states = serde_json::Map::new();
    for i in 0..100 {
        let next = if i == 99 {
            json!({"End": true})
        } else {
            json!({"Next": format!("S{}", i + 1)})
        };
        let mut st = if i % 3 == 0 {
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": format!("f{i}"), "Payload": {"step": i, "order.$": "$.order"}},
                "ResultSelector": {"r.$": "$.Payload"}, "ResultPath": format!("$.s{i}"),
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]})
        } else if i % 3 == 1 {
            json!({"Type": "Pass", "Result": {"n": i}, "ResultPath": format!("$.p{i}")})
        } else {
            json!({"Type": "Choice", "Choices": [{"Variable": "$.p1.n", "NumericEquals": 1, "Next": format!("S{}", i + 1)}], "Default": format!("S{}", i + 1)})
        };
        if i % 3 != 2 {
            if let (Some(o), Some(n)) = (st.as_object_mut(), next.as_object()) {
                o.extend(n.clone());
            }
        }
        if i == 99 {
            st = json!({"Type": "Succeed"});
        }
        states.insert(format!("S{i}"), st);
    }
    let hundred = json!({"StartAt": "S0", "States": states});
    let order = Case {
        input: json!({"order": {"id": "o-1", "amount": 42}}),
        ..Case::default()
    };
    let with_flow = SimOptions {
        data_flow: true,
        ..SimOptions::default()
    };
    let mut n = 0;
    let resim_ms = median_ms(50, || {
        n = sim::simulate(&hundred, &order, with_flow).events.len();
    });
    println!(
        "sim: a 100-state machine re-simulated (with its data flow) in {resim_ms:.3} ms natively ({n} events): {:.1}% of a 60 Hz frame",
        resim_ms / (1000.0 / 60.0) * 100.0
    );
    // A simulation's link carries the definition, the input and the mocks; a recorded run's link
    // carries the definition and the (redacted, compacted) history.
    let recorded_link = stepscope::share::encode_fragment(
        &stepscope::share::Shared {
            definition: Some(stepscope::demo::DEFINITION.to_string()),
            history: Some(stepscope::demo::HISTORY.to_string()),
            ..Default::default()
        },
        stepscope::share::Redaction::all(),
    );
    let recorded_case = stepscope::history::parse_history(stepscope::demo::HISTORY)
        .0
        .map(|h| sim::record::record(&h, "Demo"))
        .unwrap_or_default();
    let sim_link = stepscope::share::encode_fragment(
        &stepscope::share::Shared {
            definition: Some(stepscope::demo::DEFINITION.to_string()),
            sim: Some(stepscope::share::SimCase {
                input: recorded_case["input"].to_string(),
                mocks: recorded_case["mockConfig"].to_string(),
                test_case: recorded_case["testCase"].as_str().map(String::from),
                seed: 1,
                overrides: String::new(),
            }),
            ..Default::default()
        },
        stepscope::share::Redaction::all(),
    );
    println!(
        "links: the demo's simulation link is {} characters (definition, input and the recorded run's mocks), its recorded-history link {} ({:.0}%)",
        sim_link.len() + 1,
        recorded_link.len() + 1,
        (sim_link.len() + 1) as f64 * 100.0 / (recorded_link.len() + 1) as f64
    );
    // Many runs (issue 18): 1,000 histories of about 1,000 events, parsed, rebuilt and aggregated.
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 10, "ItemProcessor": {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}, "End": true}}});
    let texts: Vec<String> = (0..1000u64)
        .map(|seed| {
            let items = Case {
                input: json!((0..140).map(|i| json!({"i": i})).collect::<Vec<_>>()),
                ..Case::default()
            };
            sim::simulate(
                &map,
                &items,
                SimOptions {
                    seed: seed + 1,
                    ..SimOptions::default()
                },
            )
            .history_json()
        })
        .collect();
    let events: usize = texts.iter().map(|t| t.matches("\"id\":").count()).sum();
    let t = Instant::now();
    let timelines: Vec<_> = texts
        .iter()
        .filter_map(|t| stepscope::history::parse_history(t).0)
        .map(|h| stepscope::replay::build_timeline(&h, None))
        .collect();
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let st = stepscope::compare::stats(timelines.iter());
    let agg_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "stats: {} runs of {} events on average: parsed and rebuilt in {read_ms:.0} ms, aggregated in {agg_ms:.1} ms natively ({:.2} ms a run)",
        st.runs,
        events / texts.len().max(1),
        (read_ms + agg_ms) / st.runs.max(1) as f64
    );
    // The page's way (what its worker runs): each file added to a RunSet, then the view.
    let t = Instant::now();
    let mut set = stepscope::compare::runs::RunSet::default();
    for (i, text) in texts.iter().enumerate() {
        set.add(&format!("run-{i:04}.history.json"), text);
    }
    let view = set.finish();
    let set_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "stats: the same {} runs read as the page's worker reads them (RunSet: parse, rebuild, aggregate, one at a time): {set_ms:.0} ms natively",
        view.rows.len()
    );
    // `tests/bench/runs.mjs` drops the same files on the page and sets its time beside this one.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-runs");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_ok() {
        for (i, text) in texts.iter().enumerate() {
            let _ = std::fs::write(dir.join(format!("run-{i:04}.history.json")), text);
        }
        let _ = std::fs::write(
            dir.join("native.json"),
            json!({"runs": view.rows.len(), "events": events / texts.len().max(1), "ms": set_ms})
                .to_string(),
        );
    }
}
