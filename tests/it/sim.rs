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
    exits: Vec<String>,
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
    let mut exits: Vec<String> = h
        .events
        .iter()
        .filter(|e| e.ty.is_exited())
        .map(|e| {
            format!(
                "{} → {}",
                e.detail_str("name").unwrap_or(""),
                norm(&record::decoded(e.detail("output")))
            )
        })
        .collect();
    exits.sort();
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
    if want == got {
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
            let extra: Vec<&String> = got
                .exits
                .iter()
                .filter(|x| !want.exits.contains(x))
                .collect();
            format!("exits differ: {extra:?}")
        },
    )
}

/// The share of the corpus's recorded runs the simulator must replay as recorded.
const FIDELITY_FLOOR: f64 = 78.5;

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
