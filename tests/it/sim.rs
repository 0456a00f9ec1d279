//! The simulator: data flow, intrinsics, JSONata, mocks, and fidelity against the runs the
//! corpus recorded on AWS (record each, simulate it, compare).

use crate::support::{corpus, files, repo};
use serde_json::{json, Value};
use stepscope::history::{parse_history, EventType, History, Phase};
use stepscope::sim::{self, record, SimOptions};
use stepscope::source::SourceText;

/// A value with every string that holds JSON decoded (the recordings decoded object strings).
fn norm(v: &Value) -> Value {
    match v {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(x) if x.is_object() || x.is_array() => norm(&x),
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        // Keys in one order, so exits compare as text whatever order the service wrote.
        Value::Object(m) => {
            let sorted: std::collections::BTreeMap<&String, Value> =
                m.iter().map(|(k, x)| (k, norm(x))).collect();
            Value::Object(sorted.into_iter().map(|(k, x)| (k.clone(), x)).collect())
        }
        // -0 and 0 are one number.
        Value::Number(n) if n.as_f64() == Some(0.0) => json!(0),
        other => other.clone(),
    }
}

/// What a run must give back: its terminal event, its output or error and cause, the states
/// entered (as a sorted multiset), and every (state, output) on exit (sorted).
#[derive(Debug, PartialEq)]
struct Outcome {
    terminal: String,
    result: Value,
    entered: Vec<String>,
    exits: Vec<(String, Value)>,
}

impl Outcome {
    /// Whether `got`, a simulated run, gives back this recorded one. The recordings replaced
    /// volatile values with placeholders such as `<json-input:1>` or `<ArnPart_0idx>`: a
    /// placeholder stands for any text.
    fn given_back_by(&self, got: &Outcome) -> bool {
        let mut unused: Vec<&(String, Value)> = got.exits.iter().collect();
        self.terminal == got.terminal
            && self.entered == got.entered
            && recorded_matches(&self.result, &got.result)
            && self.exits.len() == got.exits.len()
            && self.exits.iter().all(|(name, out)| {
                match unused
                    .iter()
                    .position(|(n, o)| n == name && recorded_matches(out, o))
                {
                    Some(i) => {
                        unused.remove(i);
                        true
                    }
                    None => false,
                }
            })
    }
}

/// The placeholders LocalStack's snapshots put in place of volatile values: `<` a word `>`.
fn placeholder_pieces(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = s;
    let mut start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let tail = &s[i + 1..];
            let len = tail
                .find(|c: char| c.is_whitespace() || "<>\"'{}".contains(c))
                .unwrap_or(tail.len());
            if len > 0 && tail[len..].starts_with('>') {
                pieces.push(&s[start..i]);
                i += len + 2;
                start = i;
                continue;
            }
        }
        i += 1;
    }
    rest = &rest[start..];
    pieces.push(rest);
    pieces
}

/// Whether `got` is `want` with each placeholder standing for any text.
fn recorded_text_matches(want: &str, got: &str) -> bool {
    let pieces = placeholder_pieces(want);
    if pieces.len() == 1 {
        return want == got;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !got.starts_with(first) || got.len() < first.len() + last.len() || !got.ends_with(last) {
        return false;
    }
    let mut at = first.len();
    let end = got.len() - last.len();
    for p in &pieces[1..pieces.len() - 1] {
        match got[at..end].find(p) {
            Some(k) => at += k + p.len(),
            None => return false,
        }
    }
    true
}

fn recorded_matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(w), _) if placeholder_pieces(w) == ["", ""] => true,
        (Value::String(w), Value::String(g)) => recorded_text_matches(w, g),
        (Value::Array(w), Value::Array(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| recorded_matches(a, b))
        }
        (Value::Object(w), Value::Object(g)) => {
            w.len() == g.len()
                && w.iter()
                    .all(|(k, a)| g.get(k).is_some_and(|b| recorded_matches(a, b)))
        }
        _ => want == got,
    }
}

fn outcome(h: &History) -> Outcome {
    let end = h.events.iter().rev().find(
        |e| matches!(e.ty, EventType::Execution(p) if p != Phase::Started && p != Phase::Redriven),
    );
    let result = match end {
        Some(e) if e.ty == EventType::Execution(Phase::Succeeded) => {
            norm(&record::decoded(e.detail("output")))
        }
        Some(e) => {
            json!({"error": e.detail_str("error"), "cause": norm(&record::decoded(e.detail("cause")))})
        }
        None => Value::Null,
    };
    let mut entered: Vec<String> = h
        .events
        .iter()
        .filter(|e| e.ty.is_entered())
        .filter_map(|e| e.detail_str("name").map(String::from))
        .collect();
    entered.sort();
    let exits: Vec<(String, Value)> = h
        .events
        .iter()
        .filter(|e| e.ty.is_exited())
        .map(|e| {
            (
                e.detail_str("name").unwrap_or("").to_string(),
                norm(&record::decoded(e.detail("output"))),
            )
        })
        .collect();
    Outcome {
        terminal: end.map(|e| e.kind.clone()).unwrap_or_default(),
        result,
        entered,
        exits,
    }
}

/// Records `history`, simulates the record on `definition`, and says how the two runs differ.
fn replay_differs(history: &str, definition: &str) -> Option<String> {
    let (h, _) = parse_history(history);
    let h = h?;
    let case_json = record::record(&h, "StateMachine");
    let case = sim::case_from_json(&case_json).ok()?;
    let (_, def) = stepscope::pipeline::definition_value(&SourceText::new("d", definition), None);
    let Some(def) = def else {
        return Some("the definition has errors".into());
    };
    let run = sim::simulate(&def, &case, SimOptions::default());
    let (back, _) = parse_history(&run.history_json());
    let back = back?;
    let (want, got) = (outcome(&h), outcome(&back));
    if want.given_back_by(&got) {
        return None;
    }
    Some(
        if want.terminal != got.terminal || want.result != got.result {
            format!(
                "{} {} (recorded {} {})",
                got.terminal, got.result, want.terminal, want.result
            )
        } else if want.entered != got.entered {
            format!(
                "states entered {:?} (recorded {:?})",
                got.entered, want.entered
            )
        } else {
            let extra: Vec<String> = got
                .exits
                .iter()
                .filter(|x| !want.exits.contains(x))
                .map(|(n, o)| format!("{n} → {o}"))
                .collect();
            format!("exits differ: {extra:?}")
        },
    )
}

/// The share of the corpus's recorded runs the simulator must replay as recorded.
const FIDELITY_FLOOR: f64 = 80.5;

#[test]
fn corpus_runs_replay_as_recorded() {
    let Some(corpus) = corpus() else { return };
    let mut total = 0;
    let mut failures = Vec::new();
    for path in files(&corpus.join("histories"), &[".history.json"]) {
        let def_path = path.to_string_lossy().replace(".history.json", ".asl.json");
        let (Ok(history), Ok(definition)) = (
            std::fs::read_to_string(&path),
            std::fs::read_to_string(&def_path),
        ) else {
            continue;
        };
        total += 1;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .replace(".history.json", "");
        if let Some(why) = replay_differs(&history, &definition) {
            failures.push(format!("{name}: {why}"));
        }
    }
    let rate = 100.0 * (total - failures.len()) as f64 / total.max(1) as f64;
    eprintln!(
        "simulator fidelity: {}/{total} recorded runs replay as recorded ({rate:.1}%)",
        total - failures.len()
    );
    std::fs::write(
        repo().join("target/sim-fidelity.txt"),
        failures.join("\n") + "\n",
    )
    .ok();
    assert!(total >= 500, "{total} recorded runs");
    // Every miss is a listed exception, with its reason, and every exception is still a miss.
    let listed = std::fs::read_to_string(repo().join("tests/fixtures/sim-exceptions.txt"))
        .unwrap_or_default();
    let exceptions: std::collections::BTreeSet<&str> = listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split(": ").next())
        .collect();
    let missed: std::collections::BTreeSet<&str> = failures
        .iter()
        .filter_map(|f| f.split(": ").next())
        .collect();
    let unlisted: Vec<&String> = failures
        .iter()
        .filter(|f| {
            f.split(": ")
                .next()
                .is_some_and(|n| !exceptions.contains(n))
        })
        .collect();
    assert!(
        unlisted.is_empty(),
        "{} runs no longer replay as recorded:\n{}",
        unlisted.len(),
        unlisted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let fixed: Vec<&&str> = exceptions
        .iter()
        .filter(|n| !missed.contains(**n))
        .collect();
    assert!(fixed.is_empty(), "these now replay as recorded; remove them from tests/fixtures/sim-exceptions.txt: {fixed:?}");
    // The floor rises with the simulator.
    assert!(
        rate >= FIDELITY_FLOOR,
        "fidelity {rate:.1}%, below {FIDELITY_FLOOR}%"
    );
}

fn run_def(def: Value, case: sim::Case, seed: u64) -> sim::SimRun {
    sim::simulate(
        &def,
        &case,
        SimOptions {
            seed,
            ..SimOptions::default()
        },
    )
}

fn mocks(v: Value) -> Option<sim::MockConfig> {
    Some(sim::MockConfig::parse(&v).expect("a MockConfigFile"))
}

fn case(m: Value, test_case: &str) -> sim::Case {
    sim::Case {
        input: json!({}),
        mocks: mocks(m),
        test_case: Some(test_case.into()),
        ..sim::Case::default()
    }
}

/// The waits between a Task's attempts, from its TaskFailed to its next TaskScheduled, in ms.
fn waits(run: &sim::SimRun) -> Vec<i64> {
    let at = |e: &Value| {
        e["timestamp"]
            .as_str()
            .and_then(stepscope::history::parse_iso)
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    let mut failed = None;
    for e in &run.events {
        match e["type"].as_str() {
            Some("TaskFailed") => failed = Some(at(e)),
            Some("TaskScheduled") => {
                if let Some(f) = failed.take() {
                    out.push(at(e) - f);
                }
            }
            _ => {}
        }
    }
    out
}

fn retrying(retry: Value) -> Value {
    json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [retry], "End": true}}})
}

const ALWAYS_FAILS: &str = r#"{"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}},
  "MockedResponses": {"R": {"0-99": {"Throw": {"Error": "Busy", "Cause": "c"}, "Latency": 10}}}}"#;

#[test]
fn the_same_case_and_seed_give_the_same_run() {
    let def: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/simulate/order.asl.json")).unwrap(),
    )
    .unwrap();
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/simulate/order.mocks.json")).unwrap(),
    )
    .unwrap();
    let a = run_def(def.clone(), case(m.clone(), "RetriesThenShips"), 7);
    let b = run_def(def.clone(), case(m.clone(), "RetriesThenShips"), 7);
    assert_eq!(a.history_json(), b.history_json());
    // The mocks' latencies set the times, and backoff doubles: 2 s, then 4 s.
    assert_eq!(
        waits(&a)
            .iter()
            .map(|w| (w + 500) / 1000)
            .collect::<Vec<_>>(),
        vec![2, 4]
    );
    // The simulated history reads as a run, with no warnings, and the retries are attempts.
    let (h, d) = parse_history(&a.history_json());
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let m_def = stepscope::pipeline::analyze(&SourceText::new("d", def.to_string())).machine;
    let tl = stepscope::replay::build_timeline(&h.expect("history"), m_def.as_ref());
    assert!(tl.warnings.is_empty(), "{:?}", tl.warnings);
    assert_eq!(tl.status.as_str(), "SUCCEEDED");
    assert_eq!(tl.visits.first().map(|v| v.attempts.len()), Some(3));
}

#[test]
fn full_jitter_is_seeded_and_max_delay_caps_the_backoff() {
    let m: Value = serde_json::from_str(ALWAYS_FAILS).unwrap();
    let jitter = retrying(
        json!({"ErrorEquals": ["Busy"], "IntervalSeconds": 4, "MaxAttempts": 4, "JitterStrategy": "FULL"}),
    );
    let a = waits(&run_def(jitter.clone(), case(m.clone(), "C"), 3));
    let b = waits(&run_def(jitter.clone(), case(m.clone(), "C"), 3));
    let c = waits(&run_def(jitter, case(m.clone(), "C"), 4));
    assert_eq!(a, b, "the same seed jitters the same");
    assert_ne!(a, c, "another seed jitters otherwise");
    for (n, w) in a.iter().enumerate() {
        let cap = 4000 * 2i64.pow(n as u32);
        assert!(*w >= 0 && *w <= cap + 20, "wait {n}: {w} ms over {cap}");
    }
    let capped = retrying(
        json!({"ErrorEquals": ["Busy"], "IntervalSeconds": 3, "MaxAttempts": 4, "BackoffRate": 3, "MaxDelaySeconds": 10}),
    );
    let w: Vec<i64> = waits(&run_def(capped, case(m, "C"), 1))
        .iter()
        .map(|w| (w + 500) / 1000)
        .collect();
    assert_eq!(w, vec![3, 9, 10, 10]);
}

#[test]
fn tolerated_failures_heartbeats_and_data_limits() {
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
        "End": true}}});
    let m = json!({"StateMachines": {"M": {"TestCases": {"One": {"T": "R1"}, "Two": {"T": "R2"}}}},
        "MockedResponses": {
            "R1": {"0": {"Throw": {"Error": "E", "Cause": "c"}}, "1-2": {"Return": 1}},
            "R2": {"0-1": {"Throw": {"Error": "E", "Cause": "c"}}, "2": {"Return": 1}}}});
    let with = |c: &str| sim::Case {
        input: json!([1, 2, 3]),
        ..case(m.clone(), c)
    };
    assert_eq!(
        run_def(def.clone(), with("One"), 1).status.as_str(),
        "SUCCEEDED"
    );
    let two = run_def(def, with("Two"), 1);
    assert_eq!(
        two.failure.map(|f| f.error),
        Some("States.ExceedToleratedFailureThreshold".into())
    );
    // A mock slower than HeartbeatSeconds misses its heartbeat.
    let hb = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "HeartbeatSeconds": 5, "TimeoutSeconds": 60, "End": true}}});
    let slow = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": {}, "Latency": 9000}}}});
    let run = run_def(hb, case(slow, "C"), 1);
    assert_eq!(
        run.failure.map(|f| f.error),
        Some("States.HeartbeatTimeout".into())
    );
    assert!(run.events.iter().any(|e| e["type"] == "TaskTimedOut"));
    // A result over 256 KiB: States.DataLimitExceeded, which States.ALL catches.
    let big = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": "x".repeat(300_000)}}}});
    let caught = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "End": true}, "Done": {"Type": "Succeed"}}});
    let run = run_def(caught, case(big, "C"), 1);
    assert_eq!(run.status.as_str(), "SUCCEEDED");
    assert_eq!(
        run.output.as_ref().and_then(|o| o["Error"].as_str()),
        Some("States.DataLimitExceeded")
    );
}

#[test]
fn mocks_count_invocations_and_say_what_they_lack() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 5}], "Next": "U"},
        "U": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}});
    let m = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}},
        "MockedResponses": {"R": {"0-1": {"Throw": {"Error": "E", "Cause": "c"}}}}});
    // The third invocation has no entry: the run fails with States.Runtime, as LocalStack does.
    let run = run_def(def.clone(), case(m, "C"), 1);
    let f = run.failure.expect("a failure");
    assert_eq!(f.error, "States.Runtime");
    assert!(f.cause.contains("invocation 2"), "{}", f.cause);
    // Without mocks every task answers a default, and the run names them.
    let run = run_def(
        def,
        sim::Case {
            input: json!({"a": 1}),
            ..sim::Case::default()
        },
        1,
    );
    assert_eq!(run.status.as_str(), "SUCCEEDED");
    assert_eq!(run.defaulted, vec!["T".to_string(), "U".to_string()]);
    assert!(sim::MockConfig::parse(&json!({"StateMachines": {}})).is_err());
}

#[test]
fn intrinsics_and_jsonata_give_the_services_values() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
        "f.$": "States.Format('{} has {} items', $.name, States.ArrayLength($.items))",
        "sum.$": "States.MathAdd($.a, $.b)",
        "parts.$": "States.ArrayPartition($.items, 2)",
        "hash.$": "States.Hash('abc', 'SHA-256')",
        "b64.$": "States.Base64Encode('Hello World')",
        "json.$": "States.StringToJson('{\"k\":[1]}')",
        "name.$": "$['name']"}, "Next": "J"},
        "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"n": "{% $count($states.input.parts) %}", "r": "{% $range(1, 3) %}"}, "End": true}}});
    let run = run_def(
        def,
        sim::Case {
            input: json!({"name": "cart", "items": [1, 2, 3], "a": 1.5, "b": 2}),
            ..sim::Case::default()
        },
        1,
    );
    assert_eq!(run.status.as_str(), "SUCCEEDED", "{:?}", run.failure);
    assert_eq!(run.output, Some(json!({"n": 2, "r": [1, 2, 3]})));
    let exits: Vec<Value> = run
        .events
        .iter()
        .filter(|e| e["type"] == "PassStateExited")
        .map(|e| norm(&e["stateExitedEventDetails"]["output"]))
        .collect();
    assert_eq!(
        exits.first(),
        Some(&norm(&json!({
        "f": "cart has 3 items", "sum": 4, "parts": [[1, 2], [3]],
        "hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "b64": "SGVsbG8gV29ybGQ=", "json": {"k": [1]}, "name": "cart"})))
    );
}

#[test]
fn values_nested_a_level_a_loop_stop_at_the_nesting_limit() {
    // A Pass that wraps its input once more each time round (a property test found it): the
    // value would nest a thousand levels before the event limit, deeper than anything can walk.
    let def = json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {"x.$": "$"}, "Next": "S"}}});
    let run = sim::simulate(
        &def,
        &sim::Case::default(),
        SimOptions {
            max_events: 2000,
            ..SimOptions::default()
        },
    );
    let last = run.events.last().expect("events");
    assert_eq!(last["type"], "ExecutionFailed");
    assert_eq!(
        last["executionFailedEventDetails"]["error"],
        "States.Runtime"
    );
    // About two events a level: it stopped at the limit, not at the event budget.
    assert!(
        run.events.len() < 2 * stepscope::sim::MAX_VALUE_DEPTH + 20,
        "{}",
        run.events.len()
    );
    // The same through a variable.
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Assign": {"v": "{% {'x': $v} %}"}, "Next": "S"}}});
    let run = sim::simulate(
        &def,
        &sim::Case::default(),
        SimOptions {
            max_events: 2000,
            ..SimOptions::default()
        },
    );
    let last = run.events.last().expect("events");
    assert_eq!(
        last["executionFailedEventDetails"]["error"], "States.Runtime",
        "{last}"
    );
    assert!(
        run.events.len() < 2 * stepscope::sim::MAX_VALUE_DEPTH + 20,
        "{}",
        run.events.len()
    );
}

#[test]
fn no_definition_input_or_mock_file_panics_the_engine() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    let shapes = prop_oneof![
        Just("Pass"),
        Just("Task"),
        Just("Choice"),
        Just("Wait"),
        Just("Map"),
        Just("Parallel"),
        Just("Fail"),
        Just("Succeed"),
        Just("Nope")
    ];
    runner
        .run(&(shapes, any::<u8>(), ".{0,30}"), |(ty, n, text)| {
            let def = json!({"StartAt": "S", "States": {"S": {"Type": ty, "Seconds": n, "Choices": [{"Variable": text, "IsPresent": true, "Next": "S"}],
                "Items": text, "ItemsPath": text, "ResultPath": text, "Parameters": {"x.$": text}, "Branches": [{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}],
                "ItemProcessor": {"StartAt": "S", "States": {"S": {"Type": ty, "Next": "S"}}}, "Next": "S"}}});
            let m = json!({"StateMachines": {"M": {"TestCases": {"C": {"S": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": text}}}});
            let run = sim::simulate(&def, &case(m, "C"), SimOptions { max_events: 2000, ..SimOptions::default() });
            prop_assert!(run.events.len() <= 2000);
            Ok(())
        })
        .expect("no panic, bounded histories");
    // Every corpus definition runs, without mocks, to an end within the event limit.
    let Some(corpus) = corpus() else { return };
    for path in files(&corpus.join("definitions").join("valid"), &[".json"])
        .into_iter()
        .step_by(3)
    {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (_, def) = stepscope::pipeline::definition_value(&SourceText::new("d", text), None);
        if let Some(def) = def {
            let run = sim::simulate(&def, &sim::Case::default(), SimOptions::default());
            assert!(run.events.len() <= 25_000, "{}", path.display());
        }
    }
}

/// The checker's JSONata syntax check agrees with jsonata-core's parser (the oracle) on every
/// `{% … %}` expression in the corpus, so the first view can check JSONata without the engine.
#[test]
fn the_jsonata_checker_agrees_with_the_parser() {
    use stepscope::asl::{check_jsonata, Jsonata};
    let mut exprs: Vec<String> = vec![
        "{% $.store.book[?(@.price < 10)].title %}".into(),
        "{% $states.input.a + 1 %}".into(),
        "{% $sum([1, 2 %}".into(),
    ];
    if let Some(corpus) = corpus() {
        let mut seen = std::collections::BTreeSet::new();
        for path in files(&corpus, &[".json", ".yaml"]) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut rest = text.as_str();
            while let Some(i) = rest.find("\"{%") {
                let tail = &rest[i + 1..];
                let Some(j) = tail.find("%}\"") else { break };
                let raw = &tail[..j + 2];
                // The JSON string's text, unescaped.
                if let Ok(s) = serde_json::from_str::<String>(&format!("\"{raw}\"")) {
                    if seen.insert(s.clone()) {
                        exprs.push(s);
                    }
                }
                rest = &tail[j + 2..];
            }
        }
    }
    let mut disagree = Vec::new();
    for e in &exprs {
        let Some(body) = e
            .trim()
            .strip_prefix("{%")
            .and_then(|r| r.strip_suffix("%}"))
        else {
            continue;
        };
        let oracle = jsonata_core::parser::parse(body.trim()).is_ok();
        let ours = matches!(check_jsonata(e), Jsonata::Valid);
        if oracle != ours {
            disagree.push(format!("{e}: parser {oracle}, checker {ours}"));
        }
    }
    assert!(exprs.len() > 150, "{} expressions", exprs.len());
    assert!(
        disagree.is_empty(),
        "{} of {} disagree:\n{}",
        disagree.len(),
        exprs.len(),
        disagree.join("\n")
    );
}

/// A JSONata expression that never ends is stopped (natively, by jsonata-core's clock), and the
/// state fails with States.QueryEvaluationError instead of hanging the run.
#[test]
fn a_jsonata_expression_that_never_ends_is_stopped() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
        "Output": "{% ($f := function($x){ $f($x + 1) }; $f(1)) %}", "End": true}}});
    let run = sim::simulate(&def, &sim::Case::default(), SimOptions::default());
    let f = run.failure.expect("a failure");
    assert_eq!(f.error, "States.QueryEvaluationError");
    assert!(f.cause.contains("D1012"), "{}", f.cause);
}

/// A distributed Map reads its items from the case (S3 is not there), in batches when asked, and
/// with a ResultWriter says where the results went; its iterations stay out of the history.
#[test]
fn item_readers_batches_and_result_writers() {
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": 5}, "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": 1}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    let missing = sim::simulate(&def, &sim::Case::default(), SimOptions::default());
    assert!(missing
        .failure
        .is_some_and(|f| f.cause.contains("itemReader")));
    let mut case = sim::Case::default();
    case.item_reader
        .insert("M".into(), json!([1, 2, 3, 4, 5, 6, 7]));
    let run = sim::simulate(&def, &case, SimOptions::default());
    assert_eq!(
        run.output,
        Some(
            json!([{"BatchInput": {"run": 1}, "Items": [1, 2]}, {"BatchInput": {"run": 1}, "Items": [3, 4]}, {"BatchInput": {"run": 1}, "Items": [5]}])
        )
    );
    assert!(
        !run.events.iter().any(|e| e["type"] == "PassStateEntered"),
        "child executions' events stay out"
    );
    assert!(run.events.iter().any(|e| e["type"] == "MapRunStarted"));
    let mut written = def.clone();
    written["States"]["M"]["ResultWriter"] = json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}});
    let run = sim::simulate(&written, &case, SimOptions::default());
    let out = run.output.expect("an output");
    assert_eq!(out["ResultWriterDetails"]["Bucket"], "out");
    assert!(out["ResultWriterDetails"]["Key"]
        .as_str()
        .is_some_and(|k| k.starts_with("runs/") && k.ends_with("/manifest.json")));
}

/// What the review of the first cut found, pinned: States.Runtime is never caught; a `.sync:2`
/// resource keeps its action whole and is submitted; the machine's TimeoutSeconds times the run
/// out; a Choice's assignments are on its exit; an oversized result fails the task event itself.
#[test]
fn review_findings_stay_fixed() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "$.missing"},
        "Next": "E"}, "E": {"Type": "Succeed"}}});
    let mut catching = def.clone();
    catching["States"]["P"]["Type"] = json!("Task");
    catching["States"]["P"]["Resource"] = json!("arn:aws:states:::states:startExecution.sync:2");
    catching["States"]["P"]["Catch"] =
        json!([{"ErrorEquals": ["States.Runtime", "States.ALL"], "Next": "E"}]);
    let run = sim::simulate(&catching, &sim::Case::default(), SimOptions::default());
    assert_eq!(run.status.as_str(), "FAILED");
    // The same task, with its input present: resource type `states`, submitted before it succeeds.
    let run = sim::simulate(
        &catching,
        &sim::Case {
            input: json!({"missing": 1}),
            ..sim::Case::default()
        },
        SimOptions::default(),
    );
    let types: Vec<&str> = run
        .events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(
        types
            .windows(3)
            .any(|w| w == ["TaskStarted", "TaskSubmitted", "TaskSucceeded"]),
        "{types:?}"
    );
    let sched = run
        .events
        .iter()
        .find(|e| e["type"] == "TaskScheduled")
        .expect("scheduled");
    assert_eq!(sched["taskScheduledEventDetails"]["resourceType"], "states");
    assert_eq!(
        sched["taskScheduledEventDetails"]["resource"],
        "startExecution.sync:2"
    );
    // TimeoutSeconds on the machine: a 10 s wait in a 5 s machine times out at 5 s.
    let slow = json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}});
    let run = sim::simulate(&slow, &sim::Case::default(), SimOptions::default());
    assert_eq!(run.status.as_str(), "TIMED_OUT");
    let last = run.events.last().expect("events");
    assert_eq!(last["type"], "ExecutionTimedOut");
    assert!(!run.events.iter().any(|e| e["type"] == "WaitStateExited"));
    // A Choice's Assign shows on its exit, and the next state sees it.
    let choice = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Assign": {"picked": "yes"}, "Next": "S"}]},
        "S": {"Type": "Pass", "Output": "{% $picked %}", "End": true}}});
    let run = sim::simulate(&choice, &sim::Case::default(), SimOptions::default());
    assert_eq!(run.output, Some(json!("yes")));
    let exit = run
        .events
        .iter()
        .find(|e| e["type"] == "ChoiceStateExited")
        .expect("exit");
    assert_eq!(
        exit["stateExitedEventDetails"]["assignedVariables"]["picked"],
        "\"yes\""
    );
    // A result over 256 KiB: the task's own event is the failure.
    let big = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": "x".repeat(300_000)}}}});
    let task = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
    let run = run_def(task, case(big, "C"), 1);
    let failed = run
        .events
        .iter()
        .find(|e| e["type"] == "TaskFailed")
        .expect("TaskFailed");
    assert_eq!(
        failed["taskFailedEventDetails"]["error"],
        "States.DataLimitExceeded"
    );
    assert!(!run.events.iter().any(|e| e["type"] == "TaskSucceeded"));
}

/// Failing Parallel and Map states write `*StateFailed` once, after their retries, without
/// details; a JSONata error writes `EvaluationFailed` with its field; a recorded timeout
/// replays as a timeout.
#[test]
fn failures_write_the_events_aws_writes() {
    let types = |run: &sim::SimRun| -> Vec<String> {
        run.events
            .iter()
            .filter_map(|e| e["type"].as_str().map(String::from))
            .collect()
    };
    let par = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 1}],
        "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}], "End": true}}});
    let run = sim::simulate(&par, &sim::Case::default(), SimOptions::default());
    let t = types(&run);
    assert_eq!(
        t.iter().filter(|x| *x == "ParallelStateStarted").count(),
        2,
        "{t:?}"
    );
    assert_eq!(
        t.iter().filter(|x| *x == "ParallelStateFailed").count(),
        1,
        "{t:?}"
    );
    let failed = run
        .events
        .iter()
        .find(|e| e["type"] == "ParallelStateFailed")
        .expect("failed");
    assert!(failed
        .as_object()
        .is_some_and(|o| !o.keys().any(|k| k.ends_with("EventDetails"))));
    let (h, _) = parse_history(&run.history_json());
    let tl = stepscope::replay::build_timeline(&h.expect("history"), None);
    assert!(tl.warnings.is_empty(), "{:?}", tl.warnings);
    let bad = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"x": "{% $nothing %}"}, "End": true}}});
    let run = sim::simulate(&bad, &sim::Case::default(), SimOptions::default());
    let ev = run
        .events
        .iter()
        .find(|e| e["type"] == "EvaluationFailed")
        .expect("EvaluationFailed");
    assert_eq!(ev["evaluationFailedEventDetails"]["location"], "Output/x");
    assert_eq!(ev["evaluationFailedEventDetails"]["state"], "P");
    assert!(ev["evaluationFailedEventDetails"]["cause"]
        .as_str()
        .is_some_and(|c| c.contains("entered at the event id #2")));
    let timeout = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}}, "MockedResponses": {"R": {"0": {"Throw": {"Error": "States.Timeout", "Cause": ""}}}}});
    let task = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
    assert!(types(&run_def(task, case(timeout, "C"), 1)).contains(&"TaskTimedOut".to_string()));
}

/// After retries, ResultSelector and the rest see the last attempt's `$$.State.RetryCount`.
#[test]
fn the_context_counts_retries() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 3}],
        "ResultSelector": {"tries.$": "$$.State.RetryCount"}, "End": true}}});
    let m = json!({"StateMachines": {"M": {"TestCases": {"C": {"T": "R"}}}},
        "MockedResponses": {"R": {"0-1": {"Throw": {"Error": "E", "Cause": ""}}, "2": {"Return": {}}}}});
    let run = run_def(def, case(m, "C"), 1);
    assert_eq!(run.output, Some(json!({"tries": 2})));
}

/// The JSONata reference suite (jsonata-js's test-suite, as the jsonata-rs crate ships it; the
/// Makefile unpacks it into target/jsonata-suite). Every expression in it, with its file.
fn jsonata_reference_expressions() -> Option<Vec<(String, String)>> {
    let dir = repo().join("target/jsonata-suite/tests/testsuite");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("STEPSCOPE_CI").is_none(),
            "target/jsonata-suite is absent; `make test` unpacks it"
        );
        eprintln!("notice: target/jsonata-suite is absent; run `make jsonata-suite`");
        return None;
    }
    let mut out = Vec::new();
    for path in files(&dir, &[".json"]) {
        if path.components().any(|c| c.as_os_str() == "datasets") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a suite file");
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let cases = match v {
            Value::Array(a) => a,
            one => vec![one],
        };
        for case in cases {
            let expr = match (case.get("expr"), case.get("expr-file")) {
                (Some(Value::String(e)), _) => e.clone(),
                (_, Some(Value::String(f))) => {
                    match std::fs::read_to_string(path.parent()?.join(f)) {
                        Ok(e) => e,
                        Err(_) => continue,
                    }
                }
                _ => continue,
            };
            out.push((path.display().to_string(), expr));
        }
    }
    Some(out)
}

/// The checker agrees with jsonata-core's parser on every expression of the JSONata reference
/// suite: the valid ones and the syntax errors (S0xxx) alike.
#[test]
fn the_jsonata_checker_agrees_with_the_parser_on_the_reference_suite() {
    use stepscope::asl::{check_jsonata, Jsonata};
    let Some(exprs) = jsonata_reference_expressions() else {
        return;
    };
    let mut disagree = Vec::new();
    let mut rejected = 0;
    for (file, body) in &exprs {
        let oracle = jsonata_core::parser::parse(body.trim()).is_ok();
        rejected += usize::from(!oracle);
        let ours = matches!(check_jsonata(&format!("{{% {body} %}}")), Jsonata::Valid);
        if oracle != ours {
            disagree.push(format!("{file}: {body:?}: parser {oracle}, checker {ours}"));
        }
    }
    assert!(exprs.len() > 1500, "{} expressions", exprs.len());
    assert!(rejected > 30, "{rejected} syntax errors");
    assert!(
        disagree.is_empty(),
        "{} of {} disagree:\n{}",
        disagree.len(),
        exprs.len(),
        disagree.join("\n")
    );
}

/// A failing branch or iteration stops its siblings as the service does: what they would have
/// done later is not in the history, what was still running is aborted (TaskStateAborted,
/// MapIterationAborted) after the failing event, and the Parallel's or Map's failure follows
/// that event too.
#[test]
fn a_failure_aborts_the_running_siblings() {
    let mocks = json!({"StateMachines": {"M": {"TestCases": {"C": {"Slow": "Slow", "Fast": "Boom"}}}},
        "MockedResponses": {"Slow": {"0-9": {"Return": {"ok": true}, "Latency": 60000}},
                            "Boom": {"0-9": {"Throw": {"Error": "Boom", "Cause": "c"}, "Latency": 10}}}});
    let task = |next: &str| json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": next});
    let par = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Slow", "States": {"Slow": task("After"), "After": {"Type": "Pass", "End": true}}},
        {"StartAt": "Fast", "States": {"Fast": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}]}}});
    let run = run_def(par, case(mocks.clone(), "C"), 1);
    let types: Vec<&str> = run
        .events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(run.status.as_str(), "FAILED");
    assert!(!types.contains(&"TaskSucceeded"), "{types:?}");
    assert!(
        !run.visited.contains(&"After".to_string()),
        "{:?}",
        run.visited
    );
    assert_eq!(
        types.iter().filter(|t| **t == "TaskStateAborted").count(),
        2,
        "{types:?}"
    );
    let id_of = |ty: &str| {
        run.events
            .iter()
            .find(|e| e["type"] == ty)
            .map(|e| e["id"].clone())
    };
    let failed = id_of("TaskFailed").expect("TaskFailed");
    for e in &run.events {
        if e["type"] == "TaskStateAborted" || e["type"] == "ParallelStateFailed" {
            assert_eq!(e["previousEventId"], failed, "{e}");
        }
    }
    // The first state's Entered points at nothing, as ExecutionStarted does.
    assert_eq!(run.events[1]["previousEventId"], 0);

    // An inline Map, one at a time: the failing iteration stops the Map, and later items never start.
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "Pick", "States": {
            "Pick": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Fast"}], "Default": "Slow"},
            "Slow": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true},
            "Fast": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}});
    let mut c = case(mocks, "C");
    c.input = json!([0, 1, 2, 3]);
    let run = run_def(map, c, 1);
    let started: Vec<i64> = run
        .events
        .iter()
        .filter(|e| e["type"] == "MapIterationStarted")
        .filter_map(|e| e["mapIterationStartedEventDetails"]["index"].as_i64())
        .collect();
    assert_eq!(started, vec![0, 1], "{:?}", run.events);
    let types: Vec<&str> = run
        .events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(types.contains(&"MapIterationFailed"), "{types:?}");
    assert!(types.contains(&"MapStateFailed"), "{types:?}");
}

/// The page's request (what the Simulate panel sends its worker): texts in, a history and the
/// panel's notes out; a broken input or mock file is a problem at its line and column.
#[test]
fn the_panel_request_gives_a_history_or_a_located_problem() {
    use stepscope::sim::request::{self, Request, Response};
    let dir = repo().join("examples/simulate");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("example");
    let req = Request {
        definition: read("order.asl.json"),
        input: r#"{"order": 1}"#.into(),
        mocks: read("order.mocks.json"),
        test_case: Some("RetriesThenShips".into()),
        seed: 1,
        ..Request::default()
    };
    let out: Response =
        serde_json::from_str(&request::run(&serde_json::to_string(&req).unwrap())).unwrap();
    assert_eq!(out.problem, None);
    assert_eq!(out.status.as_deref(), Some("SUCCEEDED"));
    let (h, _) = parse_history(out.history.as_deref().unwrap_or(""));
    assert!(h.is_some_and(|h| h.events.len() > 10));
    // The same request, the same run.
    assert_eq!(request::simulate(&req), out);
    // Without a test case, the first; with one the file lacks, a problem.
    let first = request::simulate(&Request {
        test_case: None,
        ..req.clone()
    });
    assert_eq!(
        first.status.as_deref(),
        Some("SUCCEEDED"),
        "the file's first case, RetriesThenShips"
    );
    let declined = request::simulate(&Request {
        test_case: Some("CardDeclined".into()),
        ..req.clone()
    });
    assert_eq!(
        (declined.error.as_deref(), declined.cause.as_deref()),
        (Some("OrderDeclined"), Some("insufficient funds"))
    );
    let missing = request::simulate(&Request {
        test_case: Some("Nope".into()),
        ..req.clone()
    });
    assert!(missing
        .problem
        .is_some_and(|p| p.field == "mocks" && p.message.contains("Nope")));
    // A broken input is located.
    let broken = request::simulate(&Request {
        input: "{\"order\":\n  }".into(),
        ..req.clone()
    });
    let p = broken.problem.expect("a problem");
    assert_eq!((p.field.as_str(), p.line), ("input", 2));
    // No mocks: every task defaulted, and said so.
    let bare = request::simulate(&Request {
        mocks: String::new(),
        ..req.clone()
    });
    assert!(
        bare.defaulted.contains(&"ChargeCard".to_string()),
        "{bare:?}"
    );
    // A definition with errors is a problem, not a run.
    let bad = request::simulate(&Request {
        definition: "{\"StartAt\": \"X\", \"States\": {}}".into(),
        ..req
    });
    assert_eq!(bad.problem.map(|p| p.field), Some("definition".into()));
    assert_eq!(request::test_cases(&read("order.mocks.json")).len(), 3);
}

/// The panel's mock table reads a MockConfigFile's test case as rows (one per Task state, its
/// answers in invocation order) and writes edited rows back, keeping the other test cases.
#[test]
fn the_mock_table_and_the_mock_file_stay_in_step() {
    use stepscope::sim::table::{rows, write, Answer};
    let file = std::fs::read_to_string(repo().join("examples/simulate/order.mocks.json")).unwrap();
    let tasks = vec!["ChargeCard".to_string(), "Ship".to_string()];
    let r = rows(&file, None, "RetriesThenShips", &tasks);
    assert_eq!(r.len(), 2);
    let charge = &r[0].answers;
    assert_eq!(
        (
            charge[0].kind.as_str(),
            charge[0].times,
            charge[0].error.as_str()
        ),
        ("Throw", 2, "PaymentServiceBusy")
    );
    assert_eq!(
        (charge[1].kind.as_str(), charge[1].latency_ms),
        ("Return", Some(340))
    );
    // Written back unchanged, it reads back the same, and the run is the same.
    let same = write(&file, None, "RetriesThenShips", &r);
    assert_eq!(rows(&same, None, "RetriesThenShips", &tasks), r);
    let other = rows(&same, None, "CardDeclined", &tasks);
    assert_eq!(
        other,
        rows(&file, None, "CardDeclined", &tasks),
        "other cases are kept"
    );
    // One more busy answer: three Throws, then the Return.
    let mut edited = r.clone();
    edited[0].answers[0].times = 3;
    let text = write(&file, None, "RetriesThenShips", &edited);
    let v: Value = serde_json::from_str(&text).unwrap();
    let name = v["StateMachines"]["Order"]["TestCases"]["RetriesThenShips"]["ChargeCard"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        v["MockedResponses"][&name]["0-2"]["Throw"].is_object(),
        "{text}"
    );
    assert!(
        v["MockedResponses"][&name]["3"]["Return"].is_object(),
        "{text}"
    );
    // A table for a file that has none: a new MockConfigFile.
    let fresh = write(
        "",
        None,
        "Case",
        &[stepscope::sim::table::Row {
            state: "Ship".into(),
            answers: vec![Answer::returning("{\"ok\": true}")],
        }],
    );
    assert_eq!(
        rows(&fresh, None, "Case", &["Ship".to_string()])[0].answers[0].value,
        "{\"ok\":true}"
    );
}
