//! Executions: history forms, timelines, snapshots, the `timeline` CLI, and the shared corpus.

use crate::support::{corpus, files, repo};
use stepscope::history::{parse_history, HistoryForm};
use stepscope::pipeline::{analyze, replay};
use stepscope::replay::{build_timeline, Outcome, SnapshotIndex, Timeline, VisitStatus};
use stepscope::source::SourceText;

fn timeline_of(history: &str, definition: Option<&str>) -> Timeline {
    let analysis = definition.map(|d| analyze(&SourceText::new("d", d)));
    let machine = analysis.as_ref().and_then(|a| a.machine.as_ref());
    replay(&SourceText::new("h", history), machine)
        .unwrap_or_else(|diags| panic!("no replay: {diags:?}"))
        .timeline
}

fn visit<'a>(tl: &'a Timeline, state: &str) -> &'a stepscope::replay::Visit {
    tl.visits
        .iter()
        .find(|v| v.state == state)
        .unwrap_or_else(|| panic!("no visit of {state}"))
}

#[test]
fn the_demo_run_rebuilds() {
    let tl = timeline_of(stepscope::demo::HISTORY, Some(stepscope::demo::DEFINITION));
    assert_eq!(tl.status.as_str(), "SUCCEEDED");
    assert_eq!(tl.duration_ms, 18_346);
    assert!(tl.warnings.is_empty(), "{:?}", tl.warnings);
    assert_eq!(
        tl.visits.iter().filter(|v| v.state == "CheckStock").count(),
        2
    );
    let charge = visit(&tl, "ChargeCard");
    assert_eq!(
        (charge.attempts.len(), charge.outcome, charge.branch),
        (2, Outcome::Succeeded, Some(0))
    );
    let first = &charge.attempts[0];
    assert_eq!(first.error.as_deref(), Some("Payments.GatewayTimeout"));
    // The backoff: 2 s between the failure and the next try, as the Retry says.
    assert_eq!(
        charge.attempts[1].scheduled_ms - first.ended_ms.unwrap_or(0),
        2000
    );
    assert_eq!(visit(&tl, "RecordReservation").branch, Some(1));
    let items: Vec<Option<u64>> = tl
        .visits
        .iter()
        .filter(|v| v.state == "PackItem")
        .map(|v| v.iteration)
        .collect();
    assert_eq!(items, vec![Some(0), Some(1), Some(2)]);
    let send = visit(&tl, "SendConfirmation");
    assert_eq!((send.outcome, send.catcher), (Outcome::Caught, Some(0)));
    assert_eq!(
        send.next.map(|n| tl.visits[n].state.as_str()),
        Some("LogNotificationFailure")
    );
    let choice = tl
        .visits
        .iter()
        .filter(|v| v.state == "IsInStock")
        .map(|v| v.decision.clone())
        .collect::<Vec<_>>();
    assert_eq!(
        choice,
        vec![Some("default".to_string()), Some("rule 1".to_string())]
    );
    // Inputs and outputs decoded from their JSON strings.
    assert_eq!(
        visit(&tl, "ValidateOrder")
            .input
            .as_ref()
            .and_then(|i| i.get("orderId"))
            .and_then(|v| v.as_str()),
        Some("ord-7f3a91")
    );
}

#[test]
fn history_forms_are_read() {
    // CLI v1 (epoch seconds), CLI v2 (ISO), SDK (space), reverse order, pages, bare array.
    let ev = |id: u64, prev: u64, ts: &str, kind: &str, details: &str| {
        format!(
            r#"{{"timestamp": {ts}, "type": "{kind}", "id": {id}, "previousEventId": {prev}{details}}}"#
        )
    };
    let events = |ts: [&str; 4]| {
        vec![
            ev(
                1,
                0,
                ts[0],
                "ExecutionStarted",
                r#", "executionStartedEventDetails": {"input": "{}"}"#,
            ),
            ev(
                2,
                0,
                ts[1],
                "PassStateEntered",
                r#", "stateEnteredEventDetails": {"name": "A", "input": "{}"}"#,
            ),
            ev(
                3,
                2,
                ts[2],
                "PassStateExited",
                r#", "stateExitedEventDetails": {"name": "A", "output": "{\"x\":1}"}"#,
            ),
            ev(
                4,
                3,
                ts[3],
                "ExecutionSucceeded",
                r#", "executionSucceededEventDetails": {"output": "{\"x\":1}"}"#,
            ),
        ]
    };
    let v1 = events([
        "1700000000.0",
        "1700000000.010",
        "1700000000.25",
        "1700000001.5",
    ]);
    let v2 = events([
        "\"2023-11-14T22:13:20.000000+00:00\"",
        "\"2023-11-14T22:13:20.010000+00:00\"",
        "\"2023-11-14T22:13:20.250000+00:00\"",
        "\"2023-11-14T22:13:21.500000+00:00\"",
    ]);
    let sdk = events([
        "\"2023-11-14 22:13:20+00:00\"",
        "\"2023-11-14 22:13:20.010000+00:00\"",
        "\"2023-11-14 22:13:20.250000+00:00\"",
        "\"2023-11-14 22:13:21.500000+00:00\"",
    ]);
    let js = events([
        "\"2023-11-14T23:13:20.000+01:00\"",
        "\"2023-11-14T22:13:20.010Z\"",
        "\"2023-11-14T22:13:20.250Z\"",
        "\"2023-11-14T22:13:21.500Z\"",
    ]);
    for (label, list, form) in [
        ("v1", &v1, HistoryForm::CliV1),
        ("v2", &v2, HistoryForm::CliV2),
        ("sdk", &sdk, HistoryForm::Sdk),
        ("js", &js, HistoryForm::Sdk),
    ] {
        let forward = format!(r#"{{"events": [{}]}}"#, list.join(","));
        let reversed = format!(
            r#"{{"events": [{}]}}"#,
            list.iter().rev().cloned().collect::<Vec<_>>().join(",")
        );
        let pages = format!(
            r#"{{"events": [{}], "NextToken": "x"}}{{"events": [{}]}}"#,
            list[..2].join(","),
            list[2..].join(",")
        );
        let page_array = format!(
            r#"[{{"events": [{}]}}, {{"events": [{}]}}]"#,
            list[..1].join(","),
            list[1..].join(",")
        );
        let bare = format!("[{}]", list.join(","));
        for text in [forward, reversed, pages, page_array, bare] {
            let (h, d) = parse_history(&text);
            let h = h.unwrap_or_else(|| panic!("{label}: {d:?}"));
            assert_eq!(h.events.len(), 4, "{label}");
            let tl = build_timeline(&h, None);
            assert_eq!(
                (tl.status.as_str(), tl.duration_ms),
                ("SUCCEEDED", 1500),
                "{label}"
            );
            assert_eq!(
                (tl.visits[0].entered_ms, tl.visits[0].exited_ms),
                (10, Some(250)),
                "{label}"
            );
            if !text.contains("NextToken") {
                assert_eq!(h.form, form, "{label}");
            }
        }
    }
    // CloudWatch Logs records: JSON lines, millisecond timestamps as strings, and the get-log-events wrapper.
    let rec = |id: u32, prev: u32, ms: u64, kind: &str, details: &str| {
        format!(
            r#"{{"id": "{id}", "type": "{kind}", "details": {details}, "previous_event_id": "{prev}", "event_timestamp": "{ms}", "execution_arn": "arn:aws:states:us-east-1:1:express:m:e", "redrive_count": "0"}}"#
        )
    };
    let lines = [
        rec(1, 0, 1_700_000_000_000, "ExecutionStarted", "{}"),
        rec(
            2,
            0,
            1_700_000_000_005,
            "TaskStateEntered",
            r#"{"name": "T"}"#,
        ),
        rec(
            3,
            2,
            1_700_000_000_006,
            "TaskScheduled",
            r#"{"resourceType": "lambda", "resource": "invoke"}"#,
        ),
        rec(
            4,
            3,
            1_700_000_000_900,
            "TaskFailed",
            r#"{"error": "Boom", "cause": "bad"}"#,
        ),
        rec(
            5,
            4,
            1_700_000_000_901,
            "ExecutionFailed",
            r#"{"error": "Boom", "cause": "bad"}"#,
        ),
    ];
    let wrapper = format!(
        r#"{{"events": [{}]}}"#,
        lines
            .iter()
            .map(|l| format!(
                r#"{{"timestamp": 1, "message": {}}}"#,
                serde_json::to_string(l).unwrap_or_default()
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    for text in [lines.join("\n"), format!("[{}]", lines.join(",")), wrapper] {
        let (h, d) = parse_history(&text);
        let h = h.unwrap_or_else(|| panic!("{d:?}"));
        assert_eq!(h.form, HistoryForm::CloudWatchLogs);
        let tl = build_timeline(&h, None);
        assert_eq!(tl.status.as_str(), "FAILED");
        let t = visit(&tl, "T");
        assert_eq!(
            (t.outcome, t.error.as_deref(), t.exited_ms),
            (Outcome::Failed, Some("Boom"), Some(901))
        );
    }
    // ERROR-level logs leave gaps: flagged partial.
    let gappy = [lines[0].clone(), lines[3].clone(), lines[4].clone()].join("\n");
    assert!(parse_history(&gappy).0.is_some_and(|h| h.partial));
}

#[test]
fn describe_execution_is_merged() {
    let text = r#"{"events": [{"timestamp": 1700000000, "type": "ExecutionStarted", "id": 1, "previousEventId": 0}]}
{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e", "status": "RUNNING", "startDate": "2023-11-14T22:13:20Z", "name": "e", "redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE"}"#;
    let (h, _) = parse_history(text);
    let h = h.expect("history");
    assert_eq!(
        h.execution.as_ref().and_then(|e| e.status.as_deref()),
        Some("RUNNING")
    );
    assert_eq!(
        h.execution
            .as_ref()
            .and_then(|e| e.redrive_status.as_deref()),
        Some("NOT_REDRIVABLE")
    );
}

/// Hand-written fixtures cover the event types the corpus never recorded, and their timelines
/// are pinned whole.
#[test]
fn hand_written_fixtures_cover_every_event_type() {
    let dir = repo().join("tests/fixtures/histories");
    let mut seen = std::collections::BTreeSet::new();
    for path in files(&dir, &[".history.json"]) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let def_path = path.to_string_lossy().replace(".history.json", ".asl.json");
        let def = std::fs::read_to_string(&def_path).ok();
        let tl = timeline_of(&text, def.as_deref());
        let expect_path = path
            .to_string_lossy()
            .replace(".history.json", ".expect.json");
        // The whole timeline, exactly: status, duration, every visit in order, every warning.
        // `STEPSCOPE_BLESS=1` rewrites the files; read their diff before committing.
        let got = tl.to_json();
        if std::env::var_os("STEPSCOPE_BLESS").is_some() {
            let pretty = serde_json::to_string_pretty(&got).unwrap_or_default() + "\n";
            std::fs::write(&expect_path, pretty).unwrap();
        }
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&expect_path).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{expect_path}: {e}"));
        assert_eq!(
            got,
            expect,
            "{}: the timeline differs from {expect_path}:\n{}",
            path.display(),
            serde_json::to_string_pretty(&got).unwrap_or_default()
        );
        let h = parse_history(&text).0.expect("parsed");
        seen.extend(h.events.iter().map(|e| e.kind.clone()));
    }
    for kind in [
        "ExecutionRedriven",
        "ExecutionTimedOut",
        "ExecutionAborted",
        "TaskStateAborted",
        "WaitStateAborted",
        "MapStateAborted",
        "ParallelStateAborted",
        "ParallelStateSucceeded",
        "TaskStartFailed",
        "TaskSubmitFailed",
        "LambdaFunctionScheduleFailed",
        "LambdaFunctionStartFailed",
        "ActivityScheduleFailed",
        "MapRunAborted",
        "MapRunRedriven",
        "EvaluationFailed",
    ] {
        assert!(seen.contains(kind), "no fixture has {kind}");
    }
}

/// What the worker sends the page decodes to the same timeline; inputs and outputs come back
/// from their text when asked for.
fn assert_wire_round_trip(r: &stepscope::pipeline::Replay, label: &str) {
    let bytes = stepscope::wire::encode_replay(r);
    let back =
        stepscope::wire::decode_replay(&bytes).unwrap_or_else(|| panic!("{label}: no decode"));
    let strip = |tl: &Timeline| {
        let mut tl = tl.clone();
        for v in &mut tl.visits {
            v.input = None;
            v.output = None;
        }
        tl
    };
    assert_eq!(strip(&back.timeline), strip(&r.timeline), "{label}");
    assert_eq!(back.diagnostics, r.diagnostics, "{label}");
    assert_eq!(
        (back.history.form, back.history.partial),
        (r.history.form, r.history.partial),
        "{label}"
    );
    assert_eq!(
        back.history.execution.and_then(|e| e.name),
        r.history.execution.as_ref().and_then(|e| e.name.clone()),
        "{label}"
    );
    assert_eq!(
        back.timeline.events.len(),
        r.history.events.len(),
        "{label}"
    );
    for (a, b) in back.timeline.visits.iter().zip(&r.timeline.visits) {
        assert_eq!(a.input_value(), b.input, "{label}: {}", b.state);
        assert_eq!(a.output_value(), b.output, "{label}: {}", b.state);
    }
    // Cut or changed bytes give None or a replay, never a panic.
    for cut in [0, 1, bytes.len() / 2, bytes.len().saturating_sub(1)] {
        let _ = stepscope::wire::decode_replay(&bytes[..cut]);
    }
}

#[test]
fn the_demo_run_crosses_the_wire() {
    let demo = stepscope::demo::DEFINITION;
    let a = analyze(&SourceText::new("d", demo));
    let r = replay(
        &SourceText::new("h", stepscope::demo::HISTORY),
        a.machine.as_ref(),
    )
    .expect("demo replays");
    assert!(r.timeline.visits.iter().any(|v| v.input.is_some()));
    assert_wire_round_trip(&r, "demo");
    assert_eq!(stepscope::wire::decode_replay(b"not postcard at all"), None);
}

#[test]
fn corpus_histories_rebuild() {
    let Some(corpus) = corpus() else { return };
    let mut n = 0;
    for path in files(&corpus.join("histories"), &[".history.json"]) {
        n += 1;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let def_path = path.to_string_lossy().replace(".history.json", ".asl.json");
        let def = std::fs::read_to_string(&def_path).ok();
        let analysis = def.as_deref().map(|d| analyze(&SourceText::new("d", d)));
        let machine = analysis.as_ref().and_then(|a| a.machine.as_ref());
        let r = replay(&SourceText::new("h", text.clone()), machine)
            .unwrap_or_else(|diags| panic!("{}: {diags:?}", path.display()));
        assert!(
            !r.diagnostics.iter().any(|d| d.is_error()),
            "{}: {:?}",
            path.display(),
            r.diagnostics
        );
        let tl = &r.timeline;
        if machine.is_some() {
            assert!(
                !tl.warnings.iter().any(|w| w.code == "unknown-state"),
                "{}: {:?}",
                path.display(),
                tl.warnings
            );
        }
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let mut entered: std::collections::BTreeMap<String, usize> = Default::default();
        for e in raw["events"].as_array().into_iter().flatten() {
            if e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateEntered"))
            {
                *entered
                    .entry(
                        e["stateEnteredEventDetails"]["name"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                    )
                    .or_default() += 1;
            }
        }
        let mut visits: std::collections::BTreeMap<String, usize> = Default::default();
        for v in &tl.visits {
            *visits.entry(v.state.clone()).or_default() += 1;
        }
        assert_eq!(entered, visits, "{}", path.display());
        assert_wire_round_trip(&r, &path.display().to_string());
        // At the end, every snapshot status equals the visit's final outcome.
        let index = SnapshotIndex::new(tl);
        let end = index.snapshot_at(tl.duration_ms);
        for (v, s) in tl.visits.iter().zip(end.status.iter()) {
            let want = match v.outcome {
                Outcome::Running => VisitStatus::Running,
                Outcome::Succeeded => VisitStatus::Succeeded,
                Outcome::Caught => VisitStatus::Caught,
                Outcome::Aborted => VisitStatus::Aborted,
                Outcome::Failed | Outcome::TimedOut => VisitStatus::Failed,
            };
            assert_eq!(*s, want, "{}: {}", path.display(), v.state);
        }
    }
    assert!(n > 500, "{n}");
}

#[test]
fn snapshots_are_monotone() {
    let tl = timeline_of(stepscope::demo::HISTORY, Some(stepscope::demo::DEFINITION));
    let index = SnapshotIndex::new(&tl);
    let mut prev = index.snapshot_at(-1);
    assert!(prev.status.iter().all(|s| *s == VisitStatus::NotRun));
    let step = tl.duration_ms / 500 + 1;
    let mut t = 0;
    while t <= tl.duration_ms + step {
        let s = index.snapshot_at(t);
        for (a, b) in prev.status.iter().zip(s.status.iter()) {
            // Once over, a visit stays over; once started, never back to not run.
            assert!(!(a.is_final() && *b != *a), "t={t}: {a:?} -> {b:?}");
            assert!(!(*a != VisitStatus::NotRun && *b == VisitStatus::NotRun));
        }
        assert!(s.transitions >= prev.transitions);
        prev = s;
        t += step;
    }
    // ChargeCard is retrying between its failed try and the next.
    let charge = tl
        .visits
        .iter()
        .position(|v| v.state == "ChargeCard")
        .expect("ChargeCard");
    let failed_at = tl.visits[charge].attempts[0].ended_ms.unwrap_or(0);
    assert_eq!(
        index.snapshot_at(failed_at + 1000).status[charge],
        VisitStatus::Retrying
    );
    assert_eq!(index.snapshot_at(failed_at + 1000).attempt[charge], 1);
    assert_eq!(
        index.snapshot_at(failed_at + 2100).status[charge],
        VisitStatus::Running
    );
    assert_eq!(index.snapshot_at(failed_at + 2100).attempt[charge], 2);
}

#[test]
fn cli_timeline_json_and_text() {
    let h = repo().join("src/demo/order-processing.history.json");
    let d = repo().join("src/demo/order-processing.asl.json");
    let (code, out, err) = crate::cli::stepscope(&[
        "timeline",
        h.to_str().unwrap_or(""),
        "--definition",
        d.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(j["status"], "SUCCEEDED");
    assert_eq!(j["duration_ms"], 18346);
    let send = j["visits"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["state"] == "SendConfirmation")
        .expect("visit");
    assert_eq!(send["outcome"], "caught");
    assert_eq!(send["error"], "SNS.InvalidParameterException");
    assert!(send["branch"].is_null() && send["iteration"].is_null());
    for key in [
        "entered_event",
        "exited_event",
        "entered_ms",
        "exited_ms",
        "attempts",
    ] {
        assert!(send.get(key).is_some(), "{key}");
    }
    let (code, out, _) =
        crate::cli::stepscope(&["timeline", "--format", "text", h.to_str().unwrap_or("")]);
    assert_eq!(code, 0);
    assert!(out.contains("ChargeCard [branch 0]"), "{out}");
    let bad = repo().join("tests/fixtures/definitions/ok/chain.asl.json");
    let (code, _, _) = crate::cli::stepscope(&["timeline", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 1);
}

fn rebuilt(
    g: &stepscope::replay::Generated,
    m: &stepscope::asl::StateMachine,
) -> (Timeline, Vec<stepscope::replay::IntendedVisit>) {
    let (h, d) = parse_history(&g.history);
    let tl = build_timeline(&h.unwrap_or_else(|| panic!("{d:?}")), Some(m));
    let got = tl
        .visits
        .iter()
        .map(|v| stepscope::replay::IntendedVisit {
            state: v.state.clone(),
            outcome: v.outcome.as_str(),
            attempts: v.attempts.len(),
            branch: v.branch,
            iteration: v.iteration,
        })
        .collect();
    (tl, got)
}

#[test]
fn generated_runs_rebuild_to_what_was_meant() {
    use stepscope::replay::{generate, GenOptions};
    let mut defs = vec![stepscope::demo::DEFINITION.to_string()];
    for name in [
        "map-of-parallel.asl.json",
        "parallel-of-map.asl.json",
        "catch-fan-in.asl.json",
        "retry-loop.asl.json",
        "callback-retry.asl.json",
        "distributed-map.asl.json",
    ] {
        defs.push(
            std::fs::read_to_string(repo().join("tests/fixtures/definitions/ok").join(name))
                .unwrap_or_default(),
        );
    }
    let mut checked = 0;
    for def in &defs {
        let m = analyze(&SourceText::new("d", def.as_str()))
            .machine
            .expect("machine");
        for seed in 1..=24u64 {
            let g = generate(
                &m,
                GenOptions {
                    seed,
                    map_items: 1 + (seed as usize % 4),
                    failure_rate: 0.35,
                    ..GenOptions::default()
                },
            );
            let (tl, mut got) = rebuilt(&g, &m);
            let mut want = g.visits.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want, "seed {seed}:\n{}", g.history);
            assert_eq!(tl.status, g.status, "seed {seed}");
            assert!(tl.warnings.is_empty(), "seed {seed}: {:?}", tl.warnings);
            // Snapshots are monotone over the generated run, and match the outcomes at the end.
            let index = SnapshotIndex::new(&tl);
            let mut prev = index.snapshot_at(-1);
            for k in 0..=40 {
                let s = index.snapshot_at(tl.duration_ms * k / 40);
                for (a, b) in prev.status.iter().zip(s.status.iter()) {
                    assert!(!(a.is_final() && a != b), "seed {seed}: {a:?} -> {b:?}");
                }
                prev = s;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, defs.len() * 24);
}

#[test]
fn generated_histories_reach_the_service_limit() {
    use stepscope::replay::{generate, GenOptions};
    let def = r#"{"StartAt": "Ship", "States": {"Ship": {"Type": "Map", "MaxConcurrency": 10, "End": true, "ItemProcessor": {"StartAt": "Pack", "States": {
        "Pack": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2}], "Next": "Label"},
        "Label": {"Type": "Pass", "End": true}}}}}}"#;
    let m = analyze(&SourceText::new("d", def))
        .machine
        .expect("machine");
    let g = generate(
        &m,
        GenOptions {
            map_items: 5000,
            failure_rate: 0.05,
            max_events: 25_000,
            ..GenOptions::default()
        },
    );
    assert!(g.events <= 25_000 && g.events > 24_000, "{}", g.events);
    let (h, _) = parse_history(&g.history);
    let tl = build_timeline(&h.expect("history"), Some(&m));
    assert_eq!(tl.events.len(), g.events);
    assert_eq!(
        tl.status.as_str(),
        "RUNNING",
        "cut off at the limit, the run is still going"
    );
}

#[test]
fn a_history_alone_gives_an_inferred_graph() {
    let tl = timeline_of(stepscope::demo::HISTORY, None);
    assert_eq!(tl.status.as_str(), "SUCCEEDED");
    let inferred = stepscope::replay::infer_definition(&tl);
    let a = analyze(&SourceText::new("inferred", inferred.clone()));
    assert!(!a.has_errors(), "{inferred}\n{:#?}", a.diagnostics);
    let names: Vec<String> = a
        .machine
        .as_ref()
        .map(|m| m.states.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    for s in [
        "ValidateOrder",
        "WaitForRestock",
        "ChargeCard",
        "RecordReservation",
        "PrintLabel",
        "LogNotificationFailure",
        "OrderComplete",
    ] {
        assert!(names.iter().any(|n| n == s), "{s} missing from {names:?}");
    }
    // Never-run states can't be known; observed routes can.
    assert!(!names.iter().any(|n| n == "OrderFailed"));
    let m = a.machine.as_ref().expect("model");
    let send = m.find("SendConfirmation").expect("SendConfirmation");
    assert_eq!(
        send.catchers
            .first()
            .and_then(|c| c.next.as_ref())
            .map(|n| n.name.as_str()),
        Some("LogNotificationFailure")
    );
    let r =
        stepscope::pipeline::render(&a, &Default::default(), &stepscope::layout::EstimateMeasure)
            .expect("drawn");
    assert_eq!(r.graph.nodes.len(), names.len());
    // Every corpus history without a definition still draws.
    let Some(corpus) = corpus() else { return };
    for path in files(&corpus.join("histories"), &[".history.json"])
        .into_iter()
        .step_by(5)
    {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let tl = timeline_of(&text, None);
        let a = analyze(&SourceText::new(
            "inferred",
            stepscope::replay::infer_definition(&tl),
        ));
        assert!(a.machine.is_some(), "{}", path.display());
    }
}

#[test]
fn the_examples_are_valid_and_their_runs_rebuild() {
    let examples = stepscope::demo::examples();
    assert_eq!(examples.len(), 4);
    let mut statuses = Vec::new();
    for ex in &examples {
        let a = analyze(&SourceText::new("d", ex.definition.as_str()));
        assert!(!a.has_errors(), "{}: {:?}", ex.name, a.diagnostics);
        let tl = timeline_of(&ex.history, Some(&ex.definition));
        assert!(tl.warnings.is_empty(), "{}: {:?}", ex.name, tl.warnings);
        statuses.push(tl.status.as_str());
    }
    assert_eq!(
        statuses,
        vec!["SUCCEEDED", "FAILED", "SUCCEEDED", "SUCCEEDED"]
    );
}

#[test]
fn the_gantt_chart_draws_every_visit_with_its_tries_and_waits() {
    let tl = timeline_of(stepscope::demo::HISTORY, Some(stepscope::demo::DEFINITION));
    let g = stepscope::replay::gantt(
        &tl,
        &stepscope::replay::GanttOptions {
            width: 1000.0,
            ..Default::default()
        },
    );
    let (svg, x0, scale) = (g.svg, g.x0, g.scale);
    let doc = roxmltree::Document::parse(&svg).expect("xml");
    let lanes: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("data-lane-state").is_some())
        .collect();
    assert_eq!(lanes.len(), tl.visits.len());
    let charge = lanes
        .iter()
        .find(|n| n.attribute("data-lane-state") == Some("ChargeCard"))
        .expect("ChargeCard lane");
    let classes: Vec<&str> = charge
        .descendants()
        .filter_map(|n| n.attribute("class"))
        .collect();
    assert!(
        classes.contains(&"try failed") && classes.contains(&"try") && classes.contains(&"backoff"),
        "{classes:?}"
    );
    assert!(lanes
        .iter()
        .any(|n| n.attribute("class") == Some("lane caught")));
    // The bars sit where the times say: the chart spans the run.
    assert!((x0 + scale * tl.duration_ms as f64 - (1000.0 - 16.0)).abs() < 0.5);
}

/// The big Map example's run (generated once for every test that needs it), its Map visit, and
/// the iterations that failed.
fn big_map() -> &'static (Timeline, usize, std::collections::BTreeSet<u64>) {
    static RUN: std::sync::OnceLock<(Timeline, usize, std::collections::BTreeSet<u64>)> =
        std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let ex = stepscope::demo::examples();
        let big = ex
            .iter()
            .find(|e| e.name.starts_with("Big Map"))
            .expect("big map example");
        let tl = timeline_of(&big.history, Some(&big.definition));
        let map = tl
            .visits
            .iter()
            .position(|v| v.kind == stepscope::asl::StateType::Map)
            .expect("a Map visit");
        let failed = tl
            .visits
            .iter()
            .filter(|v| {
                v.parent == Some(map) && matches!(v.outcome, Outcome::Failed | Outcome::TimedOut)
            })
            .filter_map(|v| v.iteration)
            .collect();
        (tl, map, failed)
    })
}

#[test]
fn a_big_map_folds_into_a_summary_lane_that_unfolds_and_sorts() {
    use stepscope::replay::{gantt, GanttOptions, SortBy, MAX_LANES};
    let (tl, map, failed) = big_map();
    let map = *map;
    let iterations: std::collections::BTreeSet<_> = tl
        .visits
        .iter()
        .filter(|v| v.parent == Some(map))
        .filter_map(|v| v.iteration)
        .collect();
    assert_eq!(iterations.len(), 1000);
    let lanes = |svg: &str| -> Vec<(Option<String>, Option<String>, String)> {
        let doc = roxmltree::Document::parse(svg).expect("xml");
        doc.descendants()
            .filter(|n| n.attribute("data-lane-state").is_some())
            .map(|n| {
                (
                    n.attribute("data-visit").map(String::from),
                    n.attribute("data-fold").map(String::from),
                    n.attribute("class").unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    // Folded by default: the Map's iterations are one summary lane.
    let mut opts = GanttOptions {
        width: 1200.0,
        ..Default::default()
    };
    let folded = gantt(tl, &opts);
    let summary = format!("1000 iterations: {} ✓", 1000 - failed.len());
    assert!(folded.svg.contains(&summary), "{summary}");
    let l = lanes(&folded.svg);
    assert_eq!(l.iter().filter(|x| x.2 == "lane summary").count(), 1);
    assert!(l.len() < 20, "{}", l.len());
    // Unfolded: the iterations' lanes, up to the cap, with a line for the rest.
    opts.toggled.insert(map);
    let open = gantt(tl, &opts);
    assert_eq!(open.lanes, MAX_LANES);
    assert!(open.svg.contains("more lanes"));
    // Sorted by status: failed iterations first.
    if !failed.is_empty() {
        opts.sort = SortBy::Status;
        let by_status = gantt(tl, &opts);
        let first_child = lanes(&by_status.svg)
            .into_iter()
            .filter_map(|x| x.0.and_then(|v| v.parse::<usize>().ok()))
            .find(|&v| tl.visits[v].parent == Some(map))
            .expect("a child lane");
        assert!(failed.contains(&tl.visits[first_child].iteration.unwrap_or(u64::MAX)));
    }
    // Sorted by duration: the first iteration is the longest.
    opts.sort = SortBy::Duration;
    let by_len = gantt(tl, &opts);
    let first = lanes(&by_len.svg)
        .into_iter()
        .filter_map(|x| x.0.and_then(|v| v.parse::<usize>().ok()))
        .find(|&v| tl.visits[v].parent == Some(map))
        .expect("a child lane");
    let span = |it: u64| {
        let vs: Vec<_> = tl
            .visits
            .iter()
            .filter(|v| v.parent == Some(map) && v.iteration == Some(it))
            .collect();
        vs.iter()
            .map(|v| v.exited_ms.unwrap_or(tl.duration_ms))
            .max()
            .unwrap_or(0)
            - vs.iter().map(|v| v.entered_ms).min().unwrap_or(0)
    };
    let longest = iterations.iter().map(|&it| span(it)).max().unwrap_or(0);
    assert_eq!(span(tl.visits[first].iteration.unwrap_or(0)), longest);
    // A window zooms: the same width spans less time, and the window's start is at x0.
    opts.window = Some((tl.duration_ms / 4, tl.duration_ms / 2));
    let zoomed = gantt(tl, &opts);
    assert!(
        zoomed.scale > folded.scale * 3.9,
        "{} vs {}",
        zoomed.scale,
        folded.scale
    );
    assert_eq!(zoomed.from_ms, tl.duration_ms / 4);
}

/// The overlay at t agrees with the events up to t: a state shows as entered exactly when a
/// `*StateEntered` event for it has happened, and final statuses only once it has exited.
fn assert_overlay_agrees(history: &str, definition: Option<&str>, label: &str) {
    use stepscope::replay::OverlayIndex;
    let (h, _) = parse_history(history);
    let Some(h) = h else { return };
    let tl = timeline_of(history, definition);
    let index = SnapshotIndex::new(&tl);
    let ov = OverlayIndex::new(&tl);
    let start = h.events.iter().find_map(|e| e.at).unwrap_or(0);
    let times: Vec<i64> = (0..=8).map(|k| tl.duration_ms * k / 8).collect();
    let mut taken_before = 0;
    for t in times {
        let snap = index.snapshot_at(t);
        let o = ov.at(&tl, &index, &snap, t, 300);
        let mut entered: std::collections::BTreeSet<String> = Default::default();
        for e in &h.events {
            let at = if tl.timed {
                e.at.map_or(0, |a| a - start)
            } else {
                0
            };
            if e.kind.ends_with("StateEntered") && (!tl.timed || at <= t) {
                if let Some(n) = e.detail_str("name") {
                    entered.insert(n.to_string());
                }
            }
        }
        if tl.timed {
            let shown: std::collections::BTreeSet<String> =
                o.states.iter().map(|s| s.name.clone()).collect();
            assert_eq!(shown, entered, "{label} at {t}");
        }
        for tk in &o.tokens {
            assert!((0.0..=1.0).contains(&tk.at), "{label}");
        }
        assert!(o.taken.len() >= taken_before, "{label}: taken edges shrank");
        taken_before = o.taken.len();
    }
    let share: f64 = ov.heat.iter().map(|h| h.share).sum();
    assert!(
        ov.heat.is_empty() || (share - 1.0).abs() < 1e-6,
        "{label}: {share}"
    );
    assert!(
        ov.heat.iter().all(|h| (1..=4).contains(&h.level)),
        "{label}"
    );
    // Every top-level visit is on the critical path.
    for v in tl.visits.iter().filter(|v| v.parent.is_none()) {
        assert!(
            ov.critical_states.contains(&v.state),
            "{label}: {}",
            v.state
        );
    }
}

fn at_the_end(
    ov: &stepscope::replay::OverlayIndex,
    tl: &Timeline,
    index: &SnapshotIndex,
) -> stepscope::replay::Overlay {
    ov.at(
        tl,
        index,
        &index.snapshot_at(tl.duration_ms),
        tl.duration_ms,
        300,
    )
}

#[test]
fn the_overlay_agrees_with_the_events_and_counts_progress() {
    use stepscope::replay::{format_duration, OverlayIndex};
    assert_overlay_agrees(
        stepscope::demo::HISTORY,
        Some(stepscope::demo::DEFINITION),
        "demo",
    );
    assert_eq!(format_duration(2400), "2.4 s");
    assert_eq!(format_duration(350), "350 ms");
    assert_eq!(format_duration(65_000), "1m 05s");
    assert_eq!(format_duration(7_380_000), "2h 03m");
    assert_eq!(format_duration(-5), "0 ms");
    let exact = stepscope::replay::format_duration_exact;
    assert_eq!(exact(2400), "2.40 s");
    assert_eq!(exact(3_660_000), "61m 00s");
    assert_eq!(exact(-1500), "-1.50 s");
    // The demo's ChargeCard failed once and then succeeded: its badge says so at the end.
    let tl = timeline_of(stepscope::demo::HISTORY, Some(stepscope::demo::DEFINITION));
    let index = SnapshotIndex::new(&tl);
    let ov = OverlayIndex::new(&tl);
    let end = at_the_end(&ov, &tl, &index);
    let charge = end
        .states
        .iter()
        .find(|s| s.name == "ChargeCard")
        .expect("ChargeCard");
    assert!(charge.badge.ends_with("· ×2"), "{}", charge.badge);
    // Before anything happens nothing has run; at the end every transition has been taken.
    let start = ov.at(&tl, &index, &index.snapshot_at(-1), -1, 300);
    assert!(start.states.is_empty() && start.taken.is_empty());
    assert!(!end.taken.is_empty());
    // A Map counts iterations done of all, and the failed ones.
    let (tl, map, failed_iterations) = big_map();
    let map = *map;
    let index = SnapshotIndex::new(tl);
    let ov = OverlayIndex::new(tl);
    let at_end = at_the_end(&ov, tl, &index);
    let progress = at_end
        .states
        .iter()
        .find(|s| s.name == tl.visits[map].state)
        .and_then(|s| s.progress.clone())
        .expect("progress");
    let want = if failed_iterations.is_empty() {
        "1000/1000".to_string()
    } else {
        format!("1000/1000 · {} ✗", failed_iterations.len())
    };
    assert_eq!(progress, want);
    let mid = tl.visits[map].entered_ms
        + (tl.visits[map].exited_ms.unwrap_or(tl.duration_ms) - tl.visits[map].entered_ms) / 2;
    let halfway = ov.at(tl, &index, &index.snapshot_at(mid), mid, 300);
    let p = halfway
        .states
        .iter()
        .find(|s| s.name == tl.visits[map].state)
        .and_then(|s| s.progress.clone())
        .expect("progress");
    let done: usize = p
        .split('/')
        .next()
        .and_then(|d| d.parse().ok())
        .expect("a count");
    assert!(done > 0 && done < 1000, "{p}");
}

#[test]
fn the_overlay_agrees_with_every_corpus_history() {
    let Some(corpus) = corpus() else { return };
    for path in files(&corpus.join("histories"), &[".history.json"]) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let def_path = path.to_string_lossy().replace(".history.json", ".asl.json");
        let def = std::fs::read_to_string(&def_path).ok();
        assert_overlay_agrees(&text, def.as_deref(), &path.display().to_string());
    }
}

#[test]
fn one_rule_matches_errors_for_the_timeline_and_the_generator() {
    use stepscope::asl::error_matches;
    assert!(error_matches(
        "Payments.GatewayTimeout",
        "Payments.GatewayTimeout"
    ));
    assert!(!error_matches(
        "Payments.GatewayTimeout",
        "Payments.Declined"
    ));
    assert!(error_matches("States.ALL", "States.Timeout"));
    assert!(error_matches(
        "States.TaskFailed",
        "Lambda.ServiceException"
    ));
    assert!(!error_matches("States.TaskFailed", "States.Timeout"));
}

/// The 62 event types of ASL-REFERENCE §7.2, each parsed to its family and phase once; a type
/// AWS may add later is kept as `Other`.
#[test]
fn every_event_type_parses_to_its_family() {
    use stepscope::asl::StateType as S;
    use stepscope::history::{EventType as E, Phase as P, Worker as W};
    let mut want: Vec<(String, E)> = Vec::new();
    for p in [
        P::Started,
        P::Succeeded,
        P::Failed,
        P::Aborted,
        P::TimedOut,
        P::Redriven,
    ] {
        want.push((format!("Execution{}", p.as_str()), E::Execution(p)));
    }
    for s in [
        S::Task,
        S::Pass,
        S::Choice,
        S::Wait,
        S::Succeed,
        S::Map,
        S::Parallel,
    ] {
        want.push((format!("{}StateEntered", s.as_str()), E::Entered(s)));
        want.push((format!("{}StateExited", s.as_str()), E::Exited(s)));
    }
    want.push(("FailStateEntered".into(), E::Entered(S::Fail)));
    let work = [
        (
            W::Task,
            "Task",
            &[
                P::Scheduled,
                P::Started,
                P::StartFailed,
                P::Submitted,
                P::SubmitFailed,
                P::Succeeded,
                P::Failed,
                P::TimedOut,
            ][..],
        ),
        (
            W::LambdaFunction,
            "LambdaFunction",
            &[
                P::Scheduled,
                P::ScheduleFailed,
                P::Started,
                P::StartFailed,
                P::Succeeded,
                P::Failed,
                P::TimedOut,
            ][..],
        ),
        (
            W::Activity,
            "Activity",
            &[
                P::Scheduled,
                P::ScheduleFailed,
                P::Started,
                P::Succeeded,
                P::Failed,
                P::TimedOut,
            ][..],
        ),
    ];
    for (w, name, phases) in work {
        for &p in phases {
            want.push((format!("{name}{}", p.as_str()), E::Work(w, p)));
        }
    }
    want.push(("TaskStateAborted".into(), E::StateAborted(S::Task)));
    want.push(("WaitStateAborted".into(), E::StateAborted(S::Wait)));
    for p in [P::Started, P::Succeeded, P::Failed, P::Aborted] {
        want.push((format!("MapState{}", p.as_str()), E::Container(S::Map, p)));
        want.push((
            format!("ParallelState{}", p.as_str()),
            E::Container(S::Parallel, p),
        ));
        want.push((format!("MapIteration{}", p.as_str()), E::Iteration(p)));
    }
    for p in [P::Started, P::Succeeded, P::Failed, P::Aborted, P::Redriven] {
        want.push((format!("MapRun{}", p.as_str()), E::MapRun(p)));
    }
    want.push(("EvaluationFailed".into(), E::EvaluationFailed));
    assert_eq!(want.len(), 62, "ASL-REFERENCE §7.2 lists 62 types");
    for (name, ty) in &want {
        assert_eq!(E::parse(name), *ty, "{name}");
    }
    for other in [
        "",
        "Failed",
        "TaskScheduleFailed",
        "PassStateAborted",
        "ActivitySubmitted",
        "SomeFutureEvent",
    ] {
        assert_eq!(E::parse(other), E::Other, "{other:?}");
    }
    assert_eq!(E::parse("FooStateEntered"), E::Entered(S::Unknown));
}
