//! Runs side by side (issue 18): known timings give known deltas, percentiles, error groups and
//! the first divergence; the CLI prints them.

use serde_json::{json, Value};
use stepscope::compare::{compare, percentile, stats};
use stepscope::history::parse_history;
use stepscope::replay::{build_timeline, Timeline};

use crate::cli::stepscope as run_cli;

/// A history from (ms, type, details) rows, ids in order, each after the one before.
fn history(rows: &[(i64, &str, Value)]) -> String {
    let t0 = 1_767_225_600_000i64;
    let events: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (ms, ty, d))| {
            let mut e = json!({"id": i + 1, "previousEventId": i, "type": ty,
                "timestamp": stepscope::history::format_iso(t0 + ms)});
            if !d.is_null() {
                e[stepscope::history::details_key(ty)] = d.clone();
            }
            e
        })
        .collect();
    json!({ "events": events }).to_string()
}

fn entered(name: &str) -> Value {
    json!({"name": name, "input": "{}"})
}

fn exited(name: &str) -> Value {
    json!({"name": name, "output": "{}"})
}

/// Charge (a Task, retried once in A), then the Choice Pick, then Ship (A) or Refund (B).
fn run(charge_ms: i64, retry: bool, next: &str, fail: bool) -> Timeline {
    let mut rows = vec![
        (0, "ExecutionStarted", json!({"input": "{}"})),
        (0, "TaskStateEntered", entered("Charge")),
        (
            10,
            "TaskScheduled",
            json!({"resource": "invoke", "resourceType": "lambda", "parameters": "{}"}),
        ),
        (
            20,
            "TaskStarted",
            json!({"resource": "invoke", "resourceType": "lambda"}),
        ),
    ];
    if retry {
        rows.push((120, "TaskFailed", json!({"error": "Busy", "cause": "try again", "resource": "invoke", "resourceType": "lambda"})));
        rows.push((
            1120,
            "TaskScheduled",
            json!({"resource": "invoke", "resourceType": "lambda", "parameters": "{}"}),
        ));
        rows.push((
            1130,
            "TaskStarted",
            json!({"resource": "invoke", "resourceType": "lambda"}),
        ));
    }
    if fail {
        rows.push((charge_ms, "TaskFailed", json!({"error": "ShipError", "cause": "no truck", "resource": "invoke", "resourceType": "lambda"})));
        rows.push((
            charge_ms,
            "ExecutionFailed",
            json!({"error": "ShipError", "cause": "no truck"}),
        ));
    } else {
        rows.extend([
            (
                charge_ms,
                "TaskSucceeded",
                json!({"output": "{}", "resource": "invoke", "resourceType": "lambda"}),
            ),
            (charge_ms, "TaskStateExited", exited("Charge")),
            (charge_ms, "ChoiceStateEntered", entered("Pick")),
            (charge_ms + 2, "ChoiceStateExited", exited("Pick")),
            (charge_ms + 2, "PassStateEntered", entered(next)),
            (charge_ms + 100, "PassStateExited", exited(next)),
            (
                charge_ms + 100,
                "ExecutionSucceeded",
                json!({"output": "{}"}),
            ),
        ]);
    }
    let (h, _) = parse_history(&history(&rows));
    build_timeline(&h.expect("a history"), None)
}

#[test]
fn two_runs_give_their_deltas_and_first_divergence() {
    let a = run(1500, true, "Ship", false);
    let b = run(500, false, "Refund", false);
    let c = compare(&a, &b);
    assert_eq!((c.a.status.as_str(), c.a.duration_ms), ("SUCCEEDED", 1600));
    assert_eq!(c.b.duration_ms, 600);
    let charge = c
        .states
        .iter()
        .find(|s| s.state == "Charge")
        .expect("Charge");
    assert_eq!(
        (charge.a_ms, charge.b_ms, charge.delta_ms),
        (Some(1500), Some(500), Some(-1000))
    );
    let ship = c.states.iter().find(|s| s.state == "Ship").expect("Ship");
    assert_eq!(
        (ship.a_visits, ship.b_visits, ship.b_ms, ship.delta_ms),
        (1, 0, None, None)
    );
    let refund = c
        .states
        .iter()
        .find(|s| s.state == "Refund")
        .expect("Refund");
    assert_eq!((refund.a_ms, refund.b_ms), (None, Some(98)));
    let d = c.first_divergence.expect("they diverge");
    assert_eq!(
        (d.state.as_str(), d.a_next.as_deref(), d.b_next.as_deref()),
        ("Pick", Some("Ship"), Some("Refund"))
    );
    // A run against itself: no divergence, every delta 0.
    let same = compare(&a, &a);
    assert!(same.first_divergence.is_none());
    assert!(same.states.iter().all(|s| s.delta_ms == Some(0)));
}

#[test]
fn many_runs_give_percentiles_error_groups_and_edges() {
    assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
    assert_eq!(percentile(&[1, 2, 3, 4], 95.0), Some(4));
    assert_eq!(percentile(&[7], 50.0), Some(7));
    assert_eq!(percentile(&[], 50.0), None);
    let runs = [
        run(1500, true, "Ship", false),
        run(500, false, "Refund", false),
        run(700, false, "Refund", false),
        run(300, false, "Ship", true),
        run(300, false, "Ship", true),
    ];
    let st = stats(runs.iter());
    assert_eq!(st.runs, 5);
    assert_eq!(st.status.get("SUCCEEDED"), Some(&3));
    assert_eq!(st.status.get("FAILED"), Some(&2));
    let charge = st
        .states
        .iter()
        .find(|s| s.state == "Charge")
        .expect("Charge");
    assert_eq!((charge.runs, charge.visits), (5, 5));
    // Sorted: 300 300 500 700 1500. p50 = rank 3, p95 = rank 5.
    assert_eq!(
        (charge.p50_ms, charge.p95_ms, charge.max_ms),
        (Some(500), Some(1500), Some(1500))
    );
    assert_eq!(charge.errors.len(), 1);
    let e = &charge.errors[0];
    assert_eq!(
        (e.error.as_str(), e.cause.as_deref(), e.count),
        ("ShipError", Some("no truck"), 2)
    );
    let edge = |from: &str, to: &str| {
        st.edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .map(|e| e.runs)
    };
    assert_eq!(edge("Pick", "Refund"), Some(2));
    assert_eq!(edge("Pick", "Ship"), Some(1));
    assert_eq!(edge("Charge", "Pick"), Some(3));
}

#[test]
fn the_cli_compares_and_reads_many_runs() {
    let dir = std::env::temp_dir().join(format!("stepscope-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, t: &str| {
        let p = dir.join(name);
        std::fs::write(&p, t).unwrap();
        p.to_string_lossy().to_string()
    };
    // Simulated runs of the order example: the retried, shipped one and the refunded one.
    let ex = crate::support::repo().join("examples/simulate");
    let def = ex.join("order.asl.json").to_string_lossy().to_string();
    let mocks = ex.join("order.mocks.json").to_string_lossy().to_string();
    let sim = |case: &str| {
        let (code, out, _) = run_cli(&[
            "simulate",
            &def,
            "--mock-config",
            &mocks,
            "--test-case",
            case,
        ]);
        assert_eq!(code, 0);
        out
    };
    let a = write("a.json", &sim("RetriesThenShips"));
    let b = write("b.json", &sim("OutOfStock"));
    let (code, out, err) = run_cli(&["compare", &a, &b, "--definition", &def]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["first_divergence"]["state"], "InStock?");
    assert_eq!(v["first_divergence"]["a_next"], "Ship");
    assert_eq!(v["first_divergence"]["b_next"], "Refund");
    assert_eq!(v["states"][0]["state"], "ChargeCard");
    let (_, text, _) = run_cli(&["compare", &a, &b, "--format", "text"]);
    assert!(
        text.contains("first divergence: at InStock?, A went to Ship and B to Refund"),
        "{text}"
    );
    let (_, st, _) = run_cli(&["stats", &a, &b, &a]);
    let v: Value = serde_json::from_str(&st).unwrap();
    assert_eq!(v["runs"], 3);
    assert_eq!(v["status"]["SUCCEEDED"], 3);
    let (_, nd, _) = run_cli(&["stats", &a, &b, "--format", "ndjson"]);
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 6);
    assert!(lines
        .iter()
        .all(|l| l["run"].is_string() && l["state"].is_string() && l["entered_ms"].is_i64()));
    // Usage errors.
    assert_eq!(run_cli(&["compare", &a]).0, 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// Corpus runs that share a definition (LocalStack ran one template with several inputs): read
/// together, their status counts are their terminal events, every state's runs are at most the
/// runs, and two of them compare without a panic.
#[test]
fn corpus_runs_that_share_a_definition_read_together() {
    let Some(corpus) = crate::support::corpus() else {
        return;
    };
    let mut groups: std::collections::BTreeMap<String, Vec<Timeline>> = Default::default();
    for path in crate::support::files(&corpus.join("histories"), &[".history.json"]) {
        let def = path.to_string_lossy().replace(".history.json", ".asl.json");
        let (Ok(h), Ok(d)) = (
            std::fs::read_to_string(&path),
            std::fs::read_to_string(&def),
        ) else {
            continue;
        };
        let Some(h) = parse_history(&h).0 else {
            continue;
        };
        groups.entry(d).or_default().push(build_timeline(&h, None));
    }
    let shared: Vec<&Vec<Timeline>> = groups.values().filter(|g| g.len() >= 3).collect();
    assert!(
        shared.len() >= 10,
        "{} definitions with three runs or more",
        shared.len()
    );
    for runs in shared {
        let st = stats(runs.iter());
        assert_eq!(st.runs, runs.len());
        assert_eq!(st.status.values().sum::<usize>(), runs.len());
        for s in &st.states {
            assert!(s.runs <= st.runs && s.runs <= s.visits, "{s:?}");
            assert!(s.p50_ms <= s.p95_ms && s.p95_ms <= s.max_ms, "{s:?}");
        }
        let c = compare(&runs[0], &runs[1]);
        assert!(c.states.iter().all(|s| s.a_visits + s.b_visits > 0));
    }
}
