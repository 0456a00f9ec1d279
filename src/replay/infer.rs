//! A definition inferred from a run, for histories pasted without one: every state seen, with its
//! type, and every transition observed (Next, the routes a Choice took, caught errors).

use super::timeline::{Outcome, Timeline};
use serde_json::{json, Map, Value};

/// An ASL definition (JSON text) that draws the states and transitions this run shows.
pub fn infer_definition(tl: &Timeline) -> String {
    let value = scope(tl, None, None);
    serde_json::to_string_pretty(&json!({
        "Comment": "Inferred from an execution history: only the states and transitions this run took",
        "StartAt": value.get("StartAt").cloned().unwrap_or(Value::Null),
        "States": value.get("States").cloned().unwrap_or(Value::Null),
    }))
    .unwrap_or_default()
}

fn scope(tl: &Timeline, parent: Option<usize>, branch: Option<usize>) -> Value {
    let members: Vec<usize> = (0..tl.visits.len())
        .filter(|&i| {
            tl.visits
                .get(i)
                .is_some_and(|v| v.parent == parent && (branch.is_none() || v.branch == branch))
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut states: Map<String, Value> = Map::new();
    for &i in &members {
        let Some(v) = tl.visits.get(i) else { continue };
        if !order.contains(&v.state) {
            order.push(v.state.clone());
        }
        let next = v
            .next
            .and_then(|n| tl.visits.get(n))
            .map(|n| n.state.clone());
        let entry = states.entry(v.state.clone()).or_insert_with(|| {
            let mut s = Map::new();
            s.insert("Type".into(), json!(v.kind.as_str()));
            if v.kind == crate::asl::StateType::Task {
                let res = v.resource.clone().unwrap_or_else(|| "inferred:task".into());
                s.insert("Resource".into(), json!(format!("arn:aws:states:::{res}")));
            }
            if v.kind == crate::asl::StateType::Wait {
                // The observed wait, in whole seconds.
                let secs = v.exited_ms.map_or(0, |x| (x - v.entered_ms).max(0) / 1000);
                s.insert("Seconds".into(), json!(secs));
            }
            Value::Object(s)
        });
        let Some(obj) = entry.as_object_mut() else {
            continue;
        };
        let Some(next) = next else { continue };
        if v.outcome == Outcome::Caught {
            let error = v.error.clone().unwrap_or_else(|| "States.ALL".into());
            let catches = obj.entry("Catch").or_insert_with(|| json!([]));
            if let Some(list) = catches.as_array_mut() {
                if !list.iter().any(|c| c["Next"] == json!(next)) {
                    list.push(json!({"ErrorEquals": [error], "Next": next}));
                }
            }
        } else if v.kind == crate::asl::StateType::Choice {
            let choices = obj.entry("Choices").or_insert_with(|| json!([]));
            if let Some(list) = choices.as_array_mut() {
                if !list.iter().any(|c| c["Next"] == json!(next)) {
                    list.push(json!({"Variable": "$", "StringEquals": "observed", "Next": next}));
                }
            }
        } else if !obj.contains_key("Next") {
            obj.insert("Next".into(), json!(next));
        }
    }
    // Nested scopes, and End where nothing followed.
    for &i in &members {
        let Some(v) = tl.visits.get(i) else { continue };
        let Some(obj) = states.get_mut(&v.state).and_then(Value::as_object_mut) else {
            continue;
        };
        if v.kind == crate::asl::StateType::Parallel && !obj.contains_key("Branches") {
            let mut branches: Vec<usize> = tl
                .visits
                .iter()
                .filter(|c| c.parent == Some(i))
                .filter_map(|c| c.branch)
                .collect();
            branches.sort_unstable();
            branches.dedup();
            let list: Vec<Value> = branches
                .iter()
                .map(|&b| scope(tl, Some(i), Some(b)))
                .filter(|s| s.get("StartAt").is_some_and(|x| !x.is_null()))
                .collect();
            obj.insert("Branches".into(), json!(list));
        }
        if v.kind == crate::asl::StateType::Map && !obj.contains_key("ItemProcessor") {
            let inner = scope(tl, Some(i), None);
            if inner.get("StartAt").is_some_and(|x| !x.is_null()) {
                obj.insert("ItemProcessor".into(), inner);
            } else {
                let mode = if v.map_run.is_some() {
                    "DISTRIBUTED"
                } else {
                    "INLINE"
                };
                obj.insert("ItemProcessor".into(), json!({"ProcessorConfig": {"Mode": mode}, "StartAt": "Item", "States": {"Item": {"Type": "Pass", "Comment": "not in this history", "End": true}}}));
            }
        }
    }
    for (_, s) in states.iter_mut() {
        let Some(obj) = s.as_object_mut() else {
            continue;
        };
        let ty = obj
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let ends = crate::asl::StateType::parse(&ty).is_some_and(crate::asl::StateType::continues);
        if ends && !obj.contains_key("Next") {
            obj.insert("End".into(), json!(true));
        }
        if ty == "Choice" && !obj.contains_key("Choices") {
            obj.insert("Type".into(), json!("Pass"));
            obj.insert("End".into(), json!(true));
        }
    }
    // Merging a map of parallel scopes can't fail; states keep first-seen order.
    let ordered: Map<String, Value> = order
        .iter()
        .filter_map(|n| states.get(n).map(|v| (n.clone(), v.clone())))
        .collect();
    json!({"StartAt": order.first(), "States": ordered})
}
