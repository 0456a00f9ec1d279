//! Whole-machine rules: transition targets and scopes, duplicate names across scopes,
//! reachability walked from `StartAt`, terminal states, and states that can never finish.

use super::fields::did_you_mean;
use super::model::*;
use crate::diag::Diagnostic;
use crate::diag::DiagnosticCode;

pub fn validate(m: &StateMachine) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    targets(m, &mut out);
    duplicate_names(m, &mut out);
    for scope in &m.scopes {
        reachability(m, scope, &mut out);
    }
    out
}

fn missing_target(
    m: &StateMachine,
    t: &Transition,
    scope: ScopeId,
    field: &str,
    out: &mut Vec<Diagnostic>,
) {
    if t.target.is_some() {
        return;
    }
    if m.states
        .iter()
        .any(|s| s.name == t.name && s.scope != scope)
    {
        out.push(Diagnostic::error(
            DiagnosticCode::TransitionOutOfScope,
            format!("'{}' is in another scope: a Parallel branch or Map processor can only move between its own states", t.name),
            t.path.clone(),
            Some(t.span),
        ));
        return;
    }
    let in_scope = m
        .states
        .iter()
        .filter(|s| s.scope == scope)
        .map(|s| s.name.as_str());
    let hint = did_you_mean(&t.name, in_scope)
        .map(|g| format!(" (did you mean '{g}'?)"))
        .unwrap_or_default();
    let code = if field == "StartAt" {
        DiagnosticCode::UnknownStartAt
    } else {
        DiagnosticCode::UnknownNextTarget
    };
    out.push(Diagnostic::error(
        code,
        format!(
            "{field} names '{}', but there is no state with that name{hint}",
            t.name
        ),
        t.path.clone(),
        Some(t.span),
    ));
}

fn targets(m: &StateMachine, out: &mut Vec<Diagnostic>) {
    for (i, scope) in m.scopes.iter().enumerate() {
        if let Some(t) = &scope.start_at {
            missing_target(m, t, ScopeId(i as u32), "StartAt", out);
        }
    }
    for s in &m.states {
        for (kind, t) in m.transitions(s) {
            let field = match kind {
                TransitionKind::ChoiceDefault => "Default",
                _ => "Next",
            };
            missing_target(m, t, s.scope, field, out);
        }
    }
}

fn duplicate_names(m: &StateMachine, out: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::HashMap<&str, &State> = std::collections::HashMap::new();
    for s in &m.states {
        match seen.get(s.name.as_str()) {
            // Duplicates within one `States` object were reported as duplicate keys already.
            Some(first) if first.scope != s.scope => out.push(Diagnostic::error(
                DiagnosticCode::DuplicateStateName,
                format!("state '{}' is also defined at {}; names must be unique in the whole definition", s.name, first.path),
                s.path.clone(),
                Some(s.name_span),
            )),
            Some(_) => {}
            None => {
                seen.insert(&s.name, s);
            }
        }
    }
}

fn is_terminal(s: &State) -> bool {
    s.end || matches!(s.kind, StateKind::Succeed | StateKind::Fail { .. })
}

fn reachability(m: &StateMachine, scope: &Scope, out: &mut Vec<Diagnostic>) {
    if scope.states.is_empty() {
        return;
    }
    // Local indexes by a map: a scan per edge was quadratic in a long chain.
    let index: std::collections::HashMap<StateId, usize> = scope
        .states
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, i))
        .collect();
    let local = |sid: StateId| index.get(&sid).copied();
    let n = scope.states.len();
    // Edges within the scope, by local index.
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut referenced = vec![false; n];
    for (li, &sid) in scope.states.iter().enumerate() {
        let Some(s) = m.state(sid) else { continue };
        for (_, t) in m.transitions(s) {
            if let Some(target) = t.target.and_then(local) {
                if let Some(v) = succ.get_mut(li) {
                    v.push(target);
                }
                if target != li {
                    if let Some(r) = referenced.get_mut(target) {
                        *r = true;
                    }
                }
            }
        }
    }
    // Forward from StartAt.
    let mut reached = vec![false; n];
    if let Some(start) = scope
        .start_at
        .as_ref()
        .and_then(|t| t.target)
        .and_then(local)
    {
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if reached.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some(r) = reached.get_mut(i) {
                *r = true;
            }
            stack.extend(succ.get(i).into_iter().flatten().copied());
        }
        for (li, &sid) in scope.states.iter().enumerate() {
            if reached.get(li).copied().unwrap_or(true) {
                continue;
            }
            let Some(s) = m.state(sid) else { continue };
            if referenced.get(li).copied().unwrap_or(false) {
                out.push(Diagnostic::error(
                    DiagnosticCode::UnreachableState,
                    format!("state '{}' can't be reached from StartAt: only unreachable states lead to it", s.name),
                    s.path.clone(),
                    Some(s.name_span),
                ));
            } else {
                out.push(Diagnostic::error(
                    DiagnosticCode::UnreachableState,
                    format!(
                        "state '{}' is never reached: no state transitions to it",
                        s.name
                    ),
                    s.path.clone(),
                    Some(s.name_span),
                ));
            }
        }
    }
    // Terminal states.
    let terminals: Vec<usize> = (0..n)
        .filter(|&li| {
            scope
                .states
                .get(li)
                .and_then(|&sid| m.state(sid))
                .is_some_and(is_terminal)
        })
        .collect();
    if terminals.is_empty() {
        let what = match scope.kind {
            ScopeKind::Machine => "the state machine".to_string(),
            ScopeKind::Branch { owner, index } => format!(
                "branch {index} of '{}'",
                m.state(owner).map_or("", |s| s.name.as_str())
            ),
            ScopeKind::Processor { owner } => format!(
                "the processor of '{}'",
                m.state(owner).map_or("", |s| s.name.as_str())
            ),
        };
        out.push(Diagnostic::error(
            DiagnosticCode::NoTerminalState,
            format!("{what} has no terminal state (End, Succeed or Fail)"),
            scope.path.clone(),
            Some(scope.span),
        ));
        return;
    }
    // Backward from the terminals: reached states that can never finish loop forever.
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, targets) in succ.iter().enumerate() {
        for &t in targets {
            if let Some(p) = pred.get_mut(t) {
                p.push(i);
            }
        }
    }
    let mut finishes = vec![false; n];
    let mut stack = terminals;
    while let Some(i) = stack.pop() {
        if finishes.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(f) = finishes.get_mut(i) {
            *f = true;
        }
        stack.extend(pred.get(i).into_iter().flatten().copied());
    }
    for (li, &sid) in scope.states.iter().enumerate() {
        if reached.get(li).copied().unwrap_or(false) && !finishes.get(li).copied().unwrap_or(true) {
            if let Some(s) = m.state(sid) {
                out.push(Diagnostic::warning(
                    DiagnosticCode::NoPathToEnd,
                    format!(
                        "no terminal state can be reached from '{}': it can only loop",
                        s.name
                    ),
                    s.path.clone(),
                    Some(s.name_span),
                ));
            }
        }
    }
}
