//! Record to mock: a case file from a real run, so any run becomes a repeatable test case. The
//! execution's input, the context the history holds (role, start time), and a MockConfigFile with
//! every task's results in the order they were asked for (errors as Throw), with their latencies.

use crate::history::{EventType, History, Phase};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The name of the test case a recording makes.
pub const RECORDED: &str = "Recorded";

/// A value the history holds as JSON text (or, in some recordings, already decoded); Null when
/// it is absent.
pub fn decoded(v: Option<&Value>) -> Value {
    crate::history::decode_json_text(v).unwrap_or(Value::Null)
}

/// The case file (`{"stepscopeCase": 1, …}`) that replays `history` as state machine `name`.
pub fn record(history: &History, name: &str) -> Value {
    let by_id: HashMap<u64, usize> = history
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i))
        .collect();
    // Walks back from event `i` along previousEventId (the id order when it is missing) to
    // the first event `want` accepts.
    let back = |i: usize, want: &dyn Fn(EventType) -> bool| -> Option<usize> {
        let mut k = i;
        for _ in 0..100_000 {
            let e = history.events.get(k)?;
            let prev = by_id
                .get(&e.previous)
                .copied()
                .or_else(|| k.checked_sub(1))?;
            let p = history.events.get(prev)?;
            if want(p.ty) {
                return Some(prev);
            }
            if prev >= k && e.previous == 0 {
                return None;
            }
            k = prev;
        }
        None
    };
    let started = history
        .events
        .iter()
        .find(|e| e.ty == EventType::Execution(Phase::Started));
    let input = decoded(started.and_then(|e| e.detail("input")));
    let mut context = Map::new();
    if let Some(role) = started.and_then(|e| e.detail_str("roleArn")) {
        context.insert("RoleArn".into(), json!(role));
    }
    if let Some(at) = started.and_then(|e| e.at) {
        context.insert("StartTime".into(), json!(crate::history::format_iso(at)));
    }
    if let Some(n) = history.execution.as_ref().and_then(|x| x.name.clone()) {
        context.insert("Name".into(), json!(n));
    }
    // Every task's end, in the order its attempt was scheduled.
    let mut calls: Vec<(usize, String, Value)> = Vec::new();
    for (i, e) in history.events.iter().enumerate() {
        let EventType::Work(_, phase) = e.ty else {
            continue;
        };
        let entry = match phase {
            Phase::Succeeded => json!({"Return": decoded(e.detail("output"))}),
            Phase::Failed
            | Phase::TimedOut
            | Phase::StartFailed
            | Phase::SubmitFailed
            | Phase::ScheduleFailed => {
                // A task that failed without naming an error (SendTaskFailure with no fields)
                // is a Throw without Error: its catcher sees {"Error": null, "Cause": null}.
                let error = e
                    .detail_str("error")
                    .map(String::from)
                    .or_else(|| (phase == Phase::TimedOut).then(|| "States.Timeout".to_string()));
                let cause = e.detail("cause").map(|c| match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                let mut throw = serde_json::Map::new();
                if let Some(error) = error {
                    throw.insert("Error".into(), json!(error));
                }
                if let Some(cause) = cause {
                    throw.insert("Cause".into(), json!(cause));
                }
                json!({ "Throw": throw })
            }
            _ => continue,
        };
        let scheduled = back(i, &|t| matches!(t, EventType::Work(_, Phase::Scheduled)));
        let entered = back(i, &|t| matches!(t, EventType::Entered(_)));
        let Some(state) = entered
            .and_then(|k| history.events.get(k))
            .and_then(|x| x.detail_str("name"))
        else {
            continue;
        };
        let mut entry = entry;
        if let (Some(s), Some(end), Some(o)) = (
            scheduled
                .and_then(|k| history.events.get(k))
                .and_then(|x| x.at),
            e.at,
            entry.as_object_mut(),
        ) {
            o.insert("Latency".into(), json!((end - s).max(0)));
        }
        calls.push((scheduled.unwrap_or(i), state.to_string(), entry));
    }
    calls.sort_by_key(|c| c.0);
    let mut responses: Map<String, Value> = Map::new();
    let mut mapping = Map::new();
    for (_, state, entry) in calls {
        let r = responses
            .entry(state.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = r.as_object_mut() {
            m.insert(m.len().to_string(), entry);
        }
        mapping.insert(state.clone(), json!(state));
    }
    json!({
        "stepscopeCase": 1,
        "input": input,
        "context": context,
        "mockConfig": {
            "StateMachines": {name: {"TestCases": {RECORDED: mapping}}},
            "MockedResponses": responses,
        },
        "testCase": RECORDED,
        "stateMachine": name,
    })
}
