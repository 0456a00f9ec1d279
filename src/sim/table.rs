//! The Simulate panel's mock table: one row per Task state of the definition, each a sequence of
//! answers (Return or Throw, a latency, how many times), read from and written back to the
//! MockConfigFile text, so editing either keeps the other in step. Plain JSON work: it runs in
//! the page, without the engine.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One answer of a sequence, given `times` invocations in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// `Return` or `Throw`.
    pub kind: String,
    /// For a Return: the result, as JSON text.
    pub value: String,
    /// For a Throw.
    pub error: String,
    pub cause: String,
    pub latency_ms: Option<i64>,
    pub times: u64,
}

impl Answer {
    pub fn returning(value: &str) -> Self {
        Answer {
            kind: "Return".into(),
            value: value.into(),
            error: String::new(),
            cause: String::new(),
            latency_ms: None,
            times: 1,
        }
    }
}

/// A Task state and its answers (none: not mocked, so it returns a default result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub state: String,
    pub answers: Vec<Answer>,
}

fn parse(text: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The (first, last) invocations a MockConfigFile key covers: `"0"` or `"1-2"`.
fn range(key: &str) -> Option<(u64, u64)> {
    match key.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => key.trim().parse().ok().map(|n| (n, n)),
    }
}

/// The rows for `tasks` in test case `case` of state machine `machine` (the file's first, when
/// none is named) of a MockConfigFile text.
pub fn rows(mocks: &str, machine: Option<&str>, case: &str, tasks: &[String]) -> Vec<Row> {
    let file = parse(mocks);
    let machines = file.get("StateMachines").and_then(Value::as_object);
    let cases = machines
        .and_then(|m| match machine {
            Some(name) => m.get(name),
            None => m.values().next(),
        })
        .and_then(|sm| sm.get("TestCases"))
        .and_then(|c| c.get(case))
        .and_then(Value::as_object);
    let responses = file.get("MockedResponses").and_then(Value::as_object);
    tasks
        .iter()
        .map(|state| {
            let response = cases
                .and_then(|c| c.get(state))
                .and_then(Value::as_str)
                .and_then(|name| responses?.get(name))
                .and_then(Value::as_object);
            let mut entries: Vec<((u64, u64), &Value)> = response
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((range(k)?, v)))
                .collect();
            entries.sort_by_key(|(r, _)| *r);
            let answers = entries
                .into_iter()
                .map(|((from, to), e)| {
                    let latency_ms = e.get("Latency").and_then(Value::as_i64);
                    let times = to.saturating_sub(from) + 1;
                    match e.get("Throw") {
                        Some(t) => Answer {
                            kind: "Throw".into(),
                            value: String::new(),
                            error: t.get("Error").and_then(Value::as_str).unwrap_or("").into(),
                            cause: t.get("Cause").and_then(Value::as_str).unwrap_or("").into(),
                            latency_ms,
                            times,
                        },
                        None => Answer {
                            latency_ms,
                            times,
                            ..Answer::returning(
                                &e.get("Return")
                                    .map(|v| v.to_string())
                                    .unwrap_or_else(|| "{}".into()),
                            )
                        },
                    }
                })
                .collect();
            Row {
                state: state.clone(),
                answers,
            }
        })
        .collect()
}

/// The MockConfigFile text with test case `case` (of `machine`, or the file's first machine, or
/// `StateMachine`) set to `rows`: each mocked row's answers become the response named after its
/// state, invocation ranges in order. Other test cases and responses are kept.
pub fn write(mocks: &str, machine: Option<&str>, case: &str, rows: &[Row]) -> String {
    let mut file = parse(mocks);
    let name = machine
        .map(String::from)
        .or_else(|| {
            file.get("StateMachines")
                .and_then(Value::as_object)
                .and_then(|m| m.keys().next().cloned())
        })
        .unwrap_or_else(|| "StateMachine".into());
    // Which responses each (machine, case, state) names now, to reuse a name used only here
    // and to drop the ones this case stops using.
    let mut uses: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut before = Map::new();
    for (m, sm) in file
        .get("StateMachines")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (c, states) in sm
            .get("TestCases")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (st, r) in states.as_object().into_iter().flatten() {
                if let Some(r) = r.as_str() {
                    *uses.entry(r.to_string()).or_default() += 1;
                    if *m == name && c == case {
                        before.insert(st.clone(), Value::String(r.to_string()));
                    }
                }
            }
        }
    }
    let mut mapping = Map::new();
    let mut responses = file
        .get("MockedResponses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for row in rows.iter().filter(|r| !r.answers.is_empty()) {
        let mut entries = Map::new();
        let mut at = 0u64;
        for a in &row.answers {
            let times = a.times.max(1);
            let key = if times == 1 {
                at.to_string()
            } else {
                format!("{at}-{}", at + times - 1)
            };
            at += times;
            let mut e = if a.kind == "Throw" {
                json!({"Throw": {"Error": a.error, "Cause": a.cause}})
            } else {
                let v = serde_json::from_str::<Value>(&a.value)
                    .unwrap_or_else(|_| Value::String(a.value.clone()));
                json!({ "Return": v })
            };
            if let (Some(ms), Some(o)) = (a.latency_ms, e.as_object_mut()) {
                o.insert("Latency".into(), json!(ms));
            }
            entries.insert(key, e);
        }
        let response = before
            .get(&row.state)
            .and_then(Value::as_str)
            .filter(|r| uses.get(*r) == Some(&1))
            .map(String::from)
            .unwrap_or_else(|| format!("{case}.{}", row.state));
        responses.insert(response.clone(), Value::Object(entries));
        mapping.insert(row.state.clone(), Value::String(response));
    }
    let machines = file.entry("StateMachines").or_insert_with(|| json!({}));
    if let Some(m) = machines.as_object_mut() {
        let sm = m.entry(name).or_insert_with(|| json!({"TestCases": {}}));
        if let Some(cases) = sm
            .as_object_mut()
            .map(|o| o.entry("TestCases").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
        {
            cases.insert(case.to_string(), Value::Object(mapping.clone()));
        }
    }
    // A response this case named, that nothing names any more, goes.
    for r in before.values().filter_map(Value::as_str) {
        if uses.get(r) == Some(&1) && !mapping.values().any(|v| v.as_str() == Some(r)) {
            responses.remove(r);
        }
    }
    file.insert("MockedResponses".into(), Value::Object(responses));
    serde_json::to_string_pretty(&Value::Object(file)).unwrap_or_default()
}
