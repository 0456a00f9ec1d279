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
