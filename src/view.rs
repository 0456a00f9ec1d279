//! What the app decides about what it shows, kept here in the core where tests reach it: which
//! state the arrow keys go to, which state an editor offset is in, a run's first failure, whether
//! a dropped text is a history, whether a run belongs to a definition, and the graph inferred
//! from a run pasted alone. The UI calls these and renders the answers.

use crate::asl::{ScopeKind, StateKind, StateMachine};
use crate::pipeline::{self, Analysis};
use crate::replay::{Outcome, Timeline};
use crate::source::SourceText;

/// The state the arrow keys move to from `current`. Forward is the first way out (a container
/// leads into its first branch or its item processor); backward is a state that leads here, or
/// the container at the start of a branch. With nothing selected, both start at `StartAt`.
pub fn neighbour(m: &StateMachine, current: Option<&str>, forward: bool) -> Option<String> {
    let Some(cur) = current.and_then(|n| m.find(n)) else {
        return m
            .scopes
            .first()
            .and_then(|sc| sc.start_at.as_ref())
            .map(|t| t.name.clone());
    };
    if forward {
        let inner = match &cur.kind {
            StateKind::Parallel { branches } => branches.first().copied(),
            StateKind::Map(map) => map.processor,
            _ => None,
        };
        return inner
            .and_then(|sc| m.scope(sc))
            .and_then(|sc| sc.start_at.as_ref().map(|t| t.name.clone()))
            .or_else(|| m.transitions(cur).first().map(|(_, t)| t.name.clone()));
    }
    m.states
        .iter()
        .find(|s| {
            m.transitions(s)
                .iter()
                .any(|(_, t)| t.target == Some(cur.id))
        })
        .map(|s| s.name.clone())
        .or_else(|| match m.scope(cur.scope)?.kind {
            ScopeKind::Branch { owner, .. } | ScopeKind::Processor { owner } => {
                m.state(owner).map(|s| s.name.clone())
            }
            ScopeKind::Machine => None,
        })
}

/// The innermost state whose text holds byte `offset` of the definition (from its name on).
pub fn state_at_offset(m: &StateMachine, offset: usize) -> Option<String> {
    m.states
        .iter()
        .filter(|s| s.name_span.start <= offset && offset <= s.span.end)
        .min_by_key(|s| s.span.end - s.name_span.start)
        .map(|s| s.name.clone())
}

/// The run's first failure or caught error: its state and when it happened.
pub fn first_failure(tl: &Timeline) -> Option<(String, i64)> {
    tl.visits
        .iter()
        .filter(|v| {
            matches!(
                v.outcome,
                Outcome::Failed | Outcome::Caught | Outcome::TimedOut
            )
        })
        .min_by_key(|v| v.exited_ms.unwrap_or(v.entered_ms))
        .map(|v| (v.state.clone(), v.exited_ms.unwrap_or(v.entered_ms)))
}

/// Whether a dropped or opened text is an execution history rather than a definition.
pub fn is_history(text: &str) -> bool {
    !text.contains("\"StartAt\"") && crate::history::parse_history(text).0.is_some()
}

/// The run's states that the definition lacks, in the order the run first entered them.
/// Empty when the run belongs to the definition.
pub fn missing_states(m: &StateMachine, tl: &Timeline) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tl.visits
        .iter()
        .filter(|v| m.find(&v.state).is_none())
        .filter(|v| seen.insert(v.state.as_str()))
        .map(|v| v.state.clone())
        .collect()
}

/// How the header names a list of missing states: the first few, then how many more.
pub fn name_some(names: &[String], shown: usize) -> String {
    let mut out = names
        .iter()
        .take(shown)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > shown {
        out.push_str(&format!(" and {} more", names.len() - shown));
    }
    out
}

/// The definition a run pasted alone implies: the states and transitions it took, analysed.
pub fn inferred(tl: &Timeline) -> Analysis {
    pipeline::analyze(&SourceText::new(
        "inferred",
        crate::replay::infer_definition(tl),
    ))
}

/// What the definition editor says it holds: "SAM template · 2 state machines", or where its
/// text broke ("SAM template · YAML error at 564:5").
pub fn form_label(a: &Analysis, text: &str) -> String {
    let base = a.form.label();
    if let Some(d) = a.diagnostics.iter().find(|d| d.code == "syntax") {
        let (line, col) = d.line_col(text, &crate::source::LineIndex::new(text));
        let json = text.trim_start().starts_with(['{', '[']);
        return format!(
            "{base} · {} error at {line}:{col}",
            if json { "JSON" } else { "YAML" }
        );
    }
    match a.machines.len() {
        n if n > 1 => format!("{base} · {n} state machines"),
        _ => base.to_string(),
    }
}

/// What a recorded history holds of a visit's data flow, by the data-flow inspector's keys
/// (`input`, `parameters`, `result`, `output`, `assigned`): the state's input, its task's
/// parameters and result (the last attempt's), its output and the variables it assigned. A run
/// read in the worker comes without its events: then only the input and the output.
pub fn recorded_flow(
    history: &crate::history::History,
    visit: &crate::replay::Visit,
) -> Vec<(&'static str, serde_json::Value)> {
    use crate::history::{decode_json_text, EventType, Phase};
    let by_id: std::collections::HashMap<u64, &crate::history::Event> =
        history.events.iter().map(|e| (e.id, e)).collect();
    // Whether `e` follows, through its previousEventIds, this visit's Entered event.
    let ours = |e: &crate::history::Event| {
        let mut at = e.previous;
        for _ in 0..64 {
            if at == visit.entered_event {
                return true;
            }
            match by_id.get(&at) {
                Some(p) if !p.ty.is_entered() => at = p.previous,
                _ => return false,
            }
        }
        false
    };
    let within = |e: &&crate::history::Event| {
        e.id > visit.entered_event && visit.exited_event.is_none_or(|x| e.id <= x)
    };
    let mut out = Vec::new();
    if let Some(v) = visit.input_value() {
        out.push(("input", v));
    }
    let last = |phase: Phase, key: &str| {
        history
            .events
            .iter()
            .filter(within)
            .filter(|e| matches!(e.ty, EventType::Work(_, p) if p == phase) && ours(e))
            .filter_map(|e| decode_json_text(e.detail(key)))
            .next_back()
    };
    if let Some(p) = last(Phase::Scheduled, "parameters") {
        out.push(("parameters", p));
    }
    if let Some(r) = last(Phase::Succeeded, "output") {
        out.push(("result", r));
    }
    if let Some(v) = visit.output_value() {
        out.push(("output", v));
    }
    let assigned = visit
        .exited_event
        .and_then(|x| by_id.get(&x))
        .and_then(|e| e.detail("assignedVariables"))
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), decode_json_text(Some(v)).unwrap_or_default()))
                .collect::<serde_json::Map<_, _>>()
        });
    if let Some(a) = assigned.filter(|a| !a.is_empty()) {
        out.push(("assigned", serde_json::Value::Object(a)));
    }
    out
}
