//! The reconciliation passes, run once every event is read: what only the whole run tells.

use super::{Outcome, Timeline};
use crate::asl::{StateKind, StateMachine};
use crate::diag::Diagnostic;
use crate::diag::DiagnosticCode;

/// Nested visits left open by a failure inside a branch or iteration: children of a container
/// that has exited failed with it (when their last attempt failed) or were aborted.
pub(super) fn close_nested(tl: &mut Timeline) {
    let end = tl.duration_ms;
    for i in 0..tl.visits.len() {
        let parent_done = tl
            .visits
            .get(i)
            .and_then(|x| x.parent)
            .and_then(|p| tl.visits.get(p))
            .is_some_and(|p| p.exited_ms.is_some());
        if let Some(x) = tl.visits.get_mut(i) {
            if x.outcome == Outcome::Running && parent_done {
                let failed = x.attempts.last().is_some_and(|a| a.error.is_some());
                x.outcome = if failed {
                    Outcome::Failed
                } else {
                    Outcome::Aborted
                };
                if x.exited_ms.is_none() {
                    x.exited_ms = Some(end);
                }
            }
        }
    }
}

/// From the definition: which Catch caught each caught visit, which Choice rule sent each
/// Choice visit on, and a warning for each step the definition doesn't allow.
pub(super) fn decisions(tl: &mut Timeline, m: &StateMachine) {
    for i in 0..tl.visits.len() {
        let Some(v) = tl.visits.get(i) else { continue };
        let Some(st) = v.id.and_then(|id| m.state(id)) else {
            continue;
        };
        let Some(next) = v.next.and_then(|nx| tl.visits.get(nx)) else {
            continue;
        };
        let next_state = next.state.as_str();
        if !m.transitions(st).iter().any(|(_, t)| t.name == next_state) {
            tl.warnings.push(Diagnostic::warning(
                DiagnosticCode::UnexpectedTransition,
                format!(
                    "event {}: '{}' went to '{next_state}', which the definition does not allow",
                    v.entered_event, v.state
                ),
                "",
                None,
            ));
        }
        let decision = match &st.kind {
            StateKind::Choice(c) => c
                .rules
                .iter()
                .position(|r| r.next.as_ref().is_some_and(|n| n.name == next_state))
                .map(|i| format!("rule {}", i + 1))
                .or_else(|| {
                    c.default
                        .as_ref()
                        .filter(|d| d.name == next_state)
                        .map(|_| "default".to_string())
                }),
            _ => None,
        };
        let catcher = (v.outcome == Outcome::Caught)
            .then(|| {
                let err = v.error.as_deref().unwrap_or_default();
                st.catchers.iter().position(|c| {
                    c.next.as_ref().is_some_and(|n| n.name == next_state)
                        && crate::asl::any_matches(&c.error_equals, err)
                })
            })
            .flatten();
        if let Some(x) = tl.visits.get_mut(i) {
            x.decision = decision;
            x.catcher = catcher;
        }
    }
}

/// A visit whose exit is stamped before its entry: the clock went backwards.
pub(super) fn clock_warnings(tl: &mut Timeline) {
    if !tl.timed {
        return;
    }
    for v in &tl.visits {
        if let Some(out) = v.exited_ms.filter(|&out| out < v.entered_ms) {
            tl.warnings.push(Diagnostic::warning(
                DiagnosticCode::EndsBeforeStart,
                format!(
                    "event {}: '{}' exits {} before it was entered; its timestamps are out of order",
                    v.entered_event,
                    v.state,
                    crate::replay::overlay::format_duration(v.entered_ms - out)
                ),
                "",
                None,
            ));
        }
    }
}
