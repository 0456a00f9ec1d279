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

#[test]
fn the_graph_marks_where_each_run_went() {
    use stepscope::compare::marks::{comparison, divergence_text, CMP_CLASSES};
    let a = run(1500, true, "Ship", false);
    let b = run(500, false, "Refund", false);
    let c = compare(&a, &b);
    let names = ["Charge", "Pick", "Ship", "Refund", "Unused"];
    let m = comparison(names, &a, &b, &c);
    let class = |s: &str| {
        m.states
            .iter()
            .find(|x| x.state == s)
            .map(|x| x.class.clone())
            .unwrap_or_default()
    };
    assert_eq!(class("Charge"), "cmp-both");
    assert_eq!(class("Pick"), "cmp-both cmp-diverge");
    assert_eq!(class("Ship"), "cmp-only-a");
    assert_eq!(class("Refund"), "cmp-only-b");
    assert_eq!(class("Unused"), "cmp-neither");
    // Each state carries exactly one class of the contract.
    for s in &m.states {
        let n = CMP_CLASSES
            .iter()
            .filter(|c| s.class.split(' ').any(|x| x == **c))
            .count();
        assert_eq!(n, 1, "{}: {}", s.state, s.class);
    }
    let charge = m.states.iter().find(|x| x.state == "Charge").unwrap();
    // A took 1,500 ms over two tries, B 500 ms in one.
    assert_eq!(charge.badge, "−1.0 s · tries 2→1");
    let d = c.first_divergence.as_ref().unwrap();
    assert_eq!(
        divergence_text(d),
        "At Pick, A went to Ship and B to Refund."
    );
    let edge = |from: &str, to: &str| {
        m.edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .map(|e| e.class.as_str())
    };
    assert_eq!(edge("Charge", "Pick"), Some("cmp-edge-both"));
    assert_eq!(edge("Pick", "Ship"), Some("cmp-edge-a"));
    assert_eq!(edge("Pick", "Refund"), Some("cmp-edge-b"));
}

#[test]
fn the_comparison_lanes_line_up_at_a_chosen_state() {
    use stepscope::compare::lanes::lanes;
    let a = run(1500, true, "Ship", false);
    let b = run(500, false, "Refund", false);
    let c = compare(&a, &b);
    let start = lanes(&a, &b, &c, 900.0, None);
    assert_eq!((start.from_ms, start.to_ms, start.b_shift_ms), (0, 1600, 0));
    assert_eq!(start.rows, 2 * c.states.len());
    assert_eq!(
        start.svg.matches("class=\"lane cmp-pair\"").count(),
        c.states.len()
    );
    assert!(start.svg.contains("cmp-a") && start.svg.contains("cmp-b"));
    // Lined up at Pick: A reached it at 1,500 ms, B at 500 ms.
    let at = lanes(&a, &b, &c, 900.0, Some("Pick"));
    assert_eq!(at.b_shift_ms, 1000);
    assert_eq!((at.from_ms, at.to_ms), (-1500, 100));
    assert!(at.svg.contains("align-line"));
}

#[test]
fn many_runs_heat_and_edges_follow_the_runs() {
    use stepscope::compare::marks::{many, EDGE_MAX, EDGE_MIN};
    let runs = [
        run(1500, true, "Ship", false),
        run(500, false, "Refund", false),
        run(700, false, "Refund", false),
        run(300, false, "Ship", true),
    ];
    let st = stats(runs.iter());
    let m = many(["Charge", "Pick", "Ship", "Refund", "Unused"], &st);
    let mark = |s: &str| m.states.iter().find(|x| x.state == s).unwrap();
    // Charge holds nearly all the time.
    assert_eq!(mark("Charge").class, "runs-heat-4");
    assert_eq!(mark("Pick").class, "runs-heat-1");
    assert_eq!(mark("Unused").class, "runs-none");
    assert_eq!(mark("Charge").badge, "p50 500 ms · 1 ✗");
    assert!(mark("Charge").title.contains("ShipError: no truck ×1"));
    let w = |from: &str, to: &str| {
        m.edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .and_then(|e| e.width)
    };
    // As wide as the share of the 4 runs: Charge → Pick 3 of them, Pick → Ship 1.
    let charge = w("Charge", "Pick").unwrap();
    assert!((charge - (EDGE_MIN + (EDGE_MAX - EDGE_MIN) * 0.75)).abs() < 1e-9);
    let ship = w("Pick", "Ship").unwrap();
    assert!((ship - (EDGE_MIN + (EDGE_MAX - EDGE_MIN) * 0.25)).abs() < 1e-9);
}

#[test]
fn json_diff_lists_what_changed_by_path() {
    use stepscope::compare::diff::diff;
    let (c, _) = diff(
        &json!({"order": 1, "payment": {"ok": true}}),
        &json!({"order": 1, "payment": {"ok": false, "why": "declined"}}),
    );
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].path, "$.payment.ok");
    assert_eq!(
        (c[0].a.clone(), c[0].b.clone()),
        (Some(json!(true)), Some(json!(false)))
    );
    assert_eq!(
        (c[1].path.as_str(), c[1].a.is_none()),
        ("$.payment.why", true)
    );
}

/// A ResultWriter result file's entry.
fn item(name: &str, status: &str, start: &str, stop: &str, error: Option<(&str, &str)>) -> Value {
    let mut v = json!({
        "ExecutionArn": format!("arn:aws:states:us-east-1:111111111111:execution:Parent/Label:{name}"),
        "Name": name, "Status": status, "StartDate": start, "StopDate": stop,
        "Input": "{\"id\":1}", "Output": "{}", "StateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:Parent/Label"
    });
    if let Some((e, c)) = error {
        v["Error"] = json!(e);
        v["Cause"] = json!(c);
    }
    v
}

#[test]
fn a_map_run_reads_from_its_manifest_result_files_and_child_histories() {
    use stepscope::compare::runs::{RunSet, Source};
    let mut set = RunSet::default();
    let manifest = json!({"DestinationBucket": "b", "MapRunArn": "arn:aws:states:us-east-1:111111111111:mapRun:Parent/Label:1",
        "ResultFiles": {"FAILED": [{"Key": "out/run/FAILED_0.json", "Size": 10}],
                        "PENDING": [{"Key": "out/run/PENDING_0.json", "Size": 2}],
                        "SUCCEEDED": [{"Key": "out/run/SUCCEEDED_0.json", "Size": 10}]}});
    assert_eq!(set.add("manifest.json", &manifest.to_string()), "manifest");
    let ok = json!([
        item(
            "c1a2b3c4-0001",
            "SUCCEEDED",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:01.500Z",
            None
        ),
        item(
            "c1a2b3c4-0002",
            "SUCCEEDED",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01 00:00:00.250 +0000 UTC",
            None
        ),
    ]);
    assert_eq!(set.add("SUCCEEDED_0.json", &ok.to_string()), "result-file");
    // JSON Lines, as `OutputType: JSONL` writes them.
    let failed = [
        item(
            "c1a2b3c4-0003",
            "FAILED",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:03Z",
            Some(("ShipError", "no truck")),
        ),
        item(
            "c1a2b3c4-0004",
            "FAILED",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:02Z",
            Some(("ShipError", "no truck")),
        ),
        item(
            "c1a2b3c4-0005",
            "FAILED",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z",
            Some(("States.Timeout", "late")),
        ),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    assert_eq!(set.add("FAILED_0.json", &failed), "result-file");
    // The child history of one item, saved under its execution's name: it joins that item.
    let h = history(&[
        (0, "ExecutionStarted", json!({"input": "{}"})),
        (0, "PassStateEntered", entered("Work")),
        (900, "PassStateExited", exited("Work")),
        (900, "ExecutionSucceeded", json!({"output": "{}"})),
    ]);
    assert_eq!(
        set.add("histories/c1a2b3c4-0001.history.json", &h),
        "history"
    );
    // Named after no item (a prefix of one is not its name): a row of its own.
    assert_eq!(set.add("c1a2b3c4-00.history.json", &h), "history");
    // The same item again, in a second list: one run.
    let again = json!({"executions": [{"executionArn": "arn:aws:states:us-east-1:111111111111:execution:Parent/Label:c1a2b3c4-0002",
        "name": "c1a2b3c4-0002", "status": "SUCCEEDED", "startDate": "2026-01-01T00:00:00Z", "stopDate": "2026-01-01T00:00:00.250Z"}]});
    assert_eq!(set.add("page.json", &again.to_string()), "list-executions");
    assert_eq!(set.add("notes.txt", "hello"), "unreadable");
    let v = set.finish();
    assert_eq!(
        v.rows.len(),
        6,
        "one history joined its item, the other is a row"
    );
    assert_eq!(v.rows[5].name, "c1a2b3c4-00");
    assert_eq!(v.status.get("SUCCEEDED"), Some(&3));
    assert_eq!(v.status.get("FAILED"), Some(&3));
    let first = &v.rows[0];
    assert_eq!(first.source, Source::ResultFile);
    assert_eq!(first.duration_ms, Some(1500));
    assert_eq!(
        first.history_file.as_deref(),
        Some("histories/c1a2b3c4-0001.history.json")
    );
    assert_eq!(v.rows[1].duration_ms, Some(250));
    assert_eq!(v.errors[0].error, "ShipError");
    assert_eq!(
        (v.errors[0].cause.as_deref(), v.errors[0].count),
        (Some("no truck"), 2)
    );
    // Slowest first: 3 s, 2 s, 1.5 s, 1 s, 900 ms, 250 ms.
    let names: Vec<&str> = v.slowest.iter().map(|&i| v.rows[i].name.as_str()).collect();
    assert_eq!(
        names,
        [
            "c1a2b3c4-0003",
            "c1a2b3c4-0004",
            "c1a2b3c4-0001",
            "c1a2b3c4-0005",
            "c1a2b3c4-00",
            "c1a2b3c4-0002"
        ]
    );
    assert_eq!(v.duration_ms.p50, Some(1000));
    // Of the two runs that open (1.5 s and 900 ms), the nearest-rank median is the shorter.
    assert_eq!(v.rows[v.median.unwrap()].name, "c1a2b3c4-00");
    // Per state: the two histories.
    assert_eq!(v.stats.runs, 2);
    assert_eq!(v.stats.states[0].p50_ms, Some(900));
    let map = v.map_run.expect("a map run");
    assert_eq!(map.result_files, 3);
    assert_eq!(map.missing, ["out/run/PENDING_0.json"]);
    assert_eq!(v.problems.len(), 1);
    assert!(v.problems[0].starts_with("notes.txt"));
}

#[test]
fn list_executions_pages_and_histories_read_together() {
    use stepscope::compare::runs::RunSet;
    let mut set = RunSet::default();
    let page = json!({"executions": [
        {"executionArn": "arn:aws:states:us-east-1:1:execution:M:run-one", "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:M",
         "name": "run-one", "status": "SUCCEEDED", "startDate": 1767225600.0, "stopDate": 1767225602.5},
        {"executionArn": "arn:aws:states:us-east-1:1:execution:M:run-two", "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:M",
         "name": "run-two", "status": "RUNNING", "startDate": "2026-01-01T00:00:00.000000+00:00"}
    ]});
    assert_eq!(set.add("page1.json", &page.to_string()), "list-executions");
    for i in 0..2 {
        let text = if i == 0 {
            history(&[
                (0, "ExecutionStarted", json!({"input": "{}"})),
                (0, "PassStateEntered", entered("A")),
                (40, "PassStateExited", exited("A")),
                (40, "ExecutionSucceeded", json!({"output": "{}"})),
            ])
        } else {
            history(&[
                (0, "ExecutionStarted", json!({"input": "{}"})),
                (0, "PassStateEntered", entered("A")),
                (80, "PassStateExited", exited("A")),
                (
                    80,
                    "ExecutionFailed",
                    json!({"error": "Boom", "cause": "x"}),
                ),
            ])
        };
        assert_eq!(set.add(&format!("h{i}.json"), &text), "history");
    }
    let v = set.finish();
    assert_eq!(v.rows.len(), 4);
    assert_eq!(v.rows[0].duration_ms, Some(2500));
    assert_eq!(v.rows[1].duration_ms, None, "still running");
    assert_eq!(v.status.get("RUNNING"), Some(&1));
    assert_eq!(v.errors[0].error, "Boom");
    assert_eq!(v.stats.runs, 2);
    // Of the two histories (40 ms, 80 ms) the nearest-rank median is the first.
    assert_eq!(v.median.map(|i| v.rows[i].name.as_str()), Some("h0"));
}

#[test]
fn a_history_of_25000_events_reads_into_a_run_set() {
    use serde_json::json;
    use stepscope::sim::{self, Case, SimOptions};
    // A Map of 3,400 items: nearly 24,000 events, close to the service's limit of 25,000.
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 10, "ItemProcessor": {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}, "End": true}}});
    let case = Case {
        input: json!((0..3400).map(|i| json!({"i": i})).collect::<Vec<_>>()),
        ..Case::default()
    };
    let run = sim::simulate(&map, &case, SimOptions::default());
    let events = run.events.len();
    assert!(events > 20_000 && events <= 25_000, "{events} events");
    let mut set = stepscope::compare::runs::RunSet::default();
    assert_eq!(set.add("big.history.json", &run.history_json()), "history");
    let v = set.finish();
    assert_eq!(v.rows.len(), 1);
    let t = v.stats.states.iter().find(|s| s.state == "T").expect("T");
    assert_eq!((t.runs, t.visits), (1, 3400));
    assert!(t.p50_ms <= t.p95_ms && t.p95_ms <= t.max_ms);
}
