//! Lowering: the spanned document tree to a [`StateMachine`], with schema diagnostics.
//!
//! One walk over the tree. Every field is looked at once: its type, its legality for the state
//! type and the query language, exclusive pairs, numeric bounds, and the syntax of paths,
//! intrinsic functions and JSONata expressions inside it. Transition targets are resolved here
//! within their scope; what they mean for the graph is `validate`'s job.
//!
//! One `Lowerer` walks the tree; its `impl` is spread over files by what they read:
//! - this file: the entry point, diagnostics, duplicate and unknown fields, transitions, and
//!   resolving them once every scope is read;
//! - `states.rs`: scopes, the fields every state shares, Pass, Wait, Succeed and Fail, and the
//!   scopes nested in Parallel and Map states;
//! - `task.rs`: Task states and their resources;
//! - `choice.rs`: Choice states and their rules;
//! - `map.rs`: Map states' fields;
//! - `recovery.rs`: Retry and Catch;
//! - `checks.rs`: value checks shared by all of them (whole numbers, paths, templates,
//!   JSONata strings, exclusive pairs).

mod checks;
mod choice;
mod map;
mod recovery;
mod states;
mod task;

use super::exprs::{check_jsonata, check_path, check_path_or_intrinsic, is_placeholder, Jsonata};
use super::fields;
use super::model::*;
use crate::diag::DiagnosticCode;
use crate::diag::{pointer, Diagnostic};
use crate::source::{Node, Span, Value};

/// Builds the model of a definition tree. Returns `None` only when the root is not an object.
pub fn lower(root: &Node) -> (Option<StateMachine>, Vec<Diagnostic>) {
    let mut l = Lowerer::default();
    if !root.is_object() {
        l.error(
            DiagnosticCode::NotAnObject,
            format!(
                "a state machine definition is an object, not {}",
                article(root.type_name())
            ),
            "",
            root.span,
        );
        return (None, l.diags);
    }
    let ql = match root.get("QueryLanguage").and_then(Node::as_str) {
        Some("JSONata") => QueryLanguage::Jsonata,
        _ => QueryLanguage::JsonPath,
    };
    l.machine_ql = ql;
    l.scope(root, "", ScopeKind::Machine, ql);
    l.resolve();
    let mut machine = StateMachine {
        comment: root.get("Comment").and_then(Node::as_str).map(String::from),
        query_language: ql,
        timeout_seconds: root.get("TimeoutSeconds").and_then(Node::as_f64),
        version: root.get("Version").and_then(Node::as_str).map(String::from),
        states: l.states,
        scopes: l.scopes,
        names: Default::default(),
    };
    machine.index_names();
    (Some(machine), l.diags)
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_string(),
        other => format!("a {other}"),
    }
}

#[derive(Default)]
struct Lowerer {
    states: Vec<State>,
    scopes: Vec<Scope>,
    diags: Vec<Diagnostic>,
    machine_ql: QueryLanguage,
    /// Inside a DISTRIBUTED Map's processor, whose states run as separate child executions.
    in_distributed: usize,
}

fn is_whole(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0
}

/// The largest value the service takes for a whole-number field: 99,999,999 for counts and
/// seconds, and a year and a day for `MaxDelaySeconds`.
fn largest(field: &str) -> f64 {
    match field {
        "MaxDelaySeconds" => 31_622_400.0,
        _ => 99_999_999.0,
    }
}

fn render_value(node: &Node) -> String {
    match &node.value {
        Value::String(s) => format!("\"{s}\""),
        // As written: 1e400 is not "null" (what JSON makes of an infinite number).
        Value::Number(_, raw) => raw.clone(),
        _ => node.to_json().to_string(),
    }
}

fn looks_like_timestamp(s: &str) -> bool {
    // RFC 3339: 2016-03-14T01:59:00Z, with optional fraction and offset.
    let b = s.as_bytes();
    b.len() >= 20
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't'))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':')
        && (s.ends_with('Z')
            || s.ends_with('z')
            || s.get(s.len() - 6..)
                .is_some_and(|t| t.starts_with('+') || t.starts_with('-')))
}

impl Lowerer {
    fn error(&mut self, code: DiagnosticCode, msg: impl Into<String>, path: &str, span: Span) {
        self.diags
            .push(Diagnostic::error(code, msg, path, Some(span)));
    }

    fn warning(&mut self, code: DiagnosticCode, msg: impl Into<String>, path: &str, span: Span) {
        self.diags
            .push(Diagnostic::warning(code, msg, path, Some(span)));
    }

    /// Reports keys that appear twice in one object.
    fn check_duplicate_keys(&mut self, node: &Node, path: &str, what: &str) {
        let members = node.members();
        // A set, not a scan of the keys before: a big machine's States has thousands.
        let mut seen = std::collections::HashSet::with_capacity(members.len());
        for m in members {
            if !seen.insert(m.key.as_str()) {
                let code = if what == "state" {
                    DiagnosticCode::DuplicateStateName
                } else {
                    DiagnosticCode::DuplicateField
                };
                let msg = if what == "state" {
                    format!("state '{}' is defined twice", m.key)
                } else {
                    format!("field '{}' appears twice", m.key)
                };
                self.error(code, msg, &pointer(path, &m.key), m.key_span);
            }
        }
    }

    fn unknown_field(
        &mut self,
        key: &str,
        path: &str,
        span: Span,
        candidates: &[&str],
        context: &str,
    ) {
        match fields::did_you_mean(key, candidates.iter().copied()) {
            Some(guess) => self.error(
                DiagnosticCode::UnknownField,
                format!("unknown field '{key}' in {context} (did you mean '{guess}'?)"),
                path,
                span,
            ),
            None => self.warning(
                DiagnosticCode::UnknownField,
                format!("unknown field '{key}' in {context}"),
                path,
                span,
            ),
        }
    }

    fn transition(&mut self, node: Option<&Node>, path: &str, field: &str) -> Option<Transition> {
        let node = node?;
        match node.as_str() {
            Some(name) => Some(Transition {
                name: name.to_string(),
                target: None,
                path: path.to_string(),
                span: node.span,
            }),
            None => {
                self.error(
                    DiagnosticCode::InvalidType,
                    format!(
                        "'{field}' must be a state name (a string), not {}",
                        article(node.type_name())
                    ),
                    path,
                    node.span,
                );
                None
            }
        }
    }

    /// Resolves every transition to a state of its own scope.
    fn resolve(&mut self) {
        // Index states by (scope, name) once, so resolution stays linear. Only looked up, never
        // iterated, so the HashMap cannot make output order depend on hashing.
        let mut index: std::collections::HashMap<(ScopeId, String), StateId> =
            std::collections::HashMap::new();
        for s in &self.states {
            index.entry((s.scope, s.name.clone())).or_insert(s.id);
        }
        let lookup = |scope: ScopeId, name: &str| index.get(&(scope, name.to_string())).copied();
        for (i, scope) in self.scopes.iter_mut().enumerate() {
            if let Some(t) = scope.start_at.as_mut() {
                t.target = lookup(ScopeId(i as u32), &t.name);
            }
        }
        for state in self.states.iter_mut() {
            let scope = state.scope;
            if let Some(t) = state.next.as_mut() {
                t.target = lookup(scope, &t.name);
            }
            if let StateKind::Choice(choice) = &mut state.kind {
                for rule in choice.rules.iter_mut() {
                    if let Some(t) = rule.next.as_mut() {
                        t.target = lookup(scope, &t.name);
                    }
                }
                if let Some(t) = choice.default.as_mut() {
                    t.target = lookup(scope, &t.name);
                }
            }
            for c in state.catchers.iter_mut() {
                if let Some(t) = c.next.as_mut() {
                    t.target = lookup(scope, &t.name);
                }
            }
        }
    }
}
