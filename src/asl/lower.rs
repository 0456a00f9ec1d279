//! Lowering: the spanned document tree to a [`StateMachine`], with schema diagnostics.
//!
//! One walk over the tree. Every field is looked at once: its type, its legality for the state
//! type and the query language, exclusive pairs, numeric bounds, and the syntax of paths,
//! intrinsic functions and JSONata expressions inside it. Transition targets are resolved here
//! within their scope; what they mean for the graph is `validate`'s job.

use super::exprs::{check_jsonata, check_path, check_path_or_intrinsic, is_placeholder};
use super::fields;
use super::model::*;
use crate::diag::{pointer, Diagnostic};
use crate::source::{Node, Span, Value};

/// Builds the model of a definition tree. Returns `None` only when the root is not an object.
pub fn lower(root: &Node) -> (Option<StateMachine>, Vec<Diagnostic>) {
    let mut l = Lowerer::default();
    if !root.is_object() {
        l.error(
            "not-an-object",
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

const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];
const CATCHER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "Next",
    "ResultPath",
    "Output",
    "Assign",
    "Comment",
];
const KNOWN_ERRORS: &[&str] = &[
    "States.ALL",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
    "States.BranchFailed",
    "States.QueryEvaluationError",
];
const COMPARISONS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

fn is_comparison(op: &str) -> bool {
    COMPARISONS.contains(&op)
        || op.strip_suffix("Path").is_some_and(|b| {
            COMPARISONS.contains(&b) && !b.starts_with("Is") && b != "StringMatches"
        })
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

impl Lowerer {
    fn error(&mut self, code: &'static str, msg: impl Into<String>, path: &str, span: Span) {
        self.diags
            .push(Diagnostic::error(code, msg, path, Some(span)));
    }

    fn warning(&mut self, code: &'static str, msg: impl Into<String>, path: &str, span: Span) {
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
                    "duplicate-state-name"
                } else {
                    "duplicate-field"
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
                "unknown-field",
                format!("unknown field '{key}' in {context} (did you mean '{guess}'?)"),
                path,
                span,
            ),
            None => self.warning(
                "unknown-field",
                format!("unknown field '{key}' in {context}"),
                path,
                span,
            ),
        }
    }

    fn scope(&mut self, node: &Node, path: &str, kind: ScopeKind, ql: QueryLanguage) -> ScopeId {
        let id = ScopeId(self.scopes.len() as u32);
        self.scopes.push(Scope {
            kind,
            start_at: None,
            states: Vec::new(),
            path: path.to_string(),
            span: node.span,
        });
        let what = match kind {
            ScopeKind::Machine => "the state machine",
            ScopeKind::Branch { .. } => "a Parallel branch",
            ScopeKind::Processor { .. } => "a Map processor",
        };
        if !node.is_object() {
            self.error(
                "invalid-type",
                format!(
                    "{what} must be an object, not {}",
                    article(node.type_name())
                ),
                path,
                node.span,
            );
            return id;
        }
        self.check_duplicate_keys(node, path, "field");
        let allowed: &[&str] = match kind {
            ScopeKind::Machine => &[
                "StartAt",
                "States",
                "Comment",
                "Version",
                "TimeoutSeconds",
                "QueryLanguage",
            ],
            ScopeKind::Branch { .. } => &["StartAt", "States", "Comment"],
            ScopeKind::Processor { .. } => &["StartAt", "States", "Comment", "ProcessorConfig"],
        };
        for m in node.members() {
            if !allowed.contains(&m.key.as_str()) {
                self.unknown_field(&m.key, &pointer(path, &m.key), m.key_span, allowed, what);
            }
        }
        if let ScopeKind::Machine = kind {
            if let Some(v) = node.member("Version") {
                if v.value.as_str().is_none() {
                    self.error(
                        "invalid-type",
                        "'Version' must be a string",
                        &pointer(path, "Version"),
                        v.value.span,
                    );
                }
            }
            if let Some(t) = node.member("TimeoutSeconds") {
                self.check_whole(
                    &t.value,
                    &pointer(path, "TimeoutSeconds"),
                    0.0,
                    "TimeoutSeconds",
                );
            }
            if let Some(q) = node.member("QueryLanguage") {
                match q.value.as_str() {
                    Some("JSONPath" | "JSONata") => {}
                    _ => self.error(
                        "invalid-value",
                        "'QueryLanguage' must be \"JSONPath\" or \"JSONata\"",
                        &pointer(path, "QueryLanguage"),
                        q.value.span,
                    ),
                }
            }
        }
        if let Some(c) = node.member("Comment") {
            if c.value.as_str().is_none() {
                self.error(
                    "invalid-type",
                    "'Comment' must be a string",
                    &pointer(path, "Comment"),
                    c.value.span,
                );
            }
        }
        match node.member("StartAt") {
            None => self.error(
                "missing-start-at",
                format!("{what} has no 'StartAt'"),
                path,
                Span::new(node.span.start, node.span.start + 1),
            ),
            Some(m) => match m.value.as_str() {
                Some(name) => {
                    if let Some(scope) = self.scopes.get_mut(id.0 as usize) {
                        scope.start_at = Some(Transition {
                            name: name.to_string(),
                            target: None,
                            path: pointer(path, "StartAt"),
                            span: m.value.span,
                        });
                    }
                }
                None => self.error(
                    "invalid-type",
                    "'StartAt' must be a state name (a string)",
                    &pointer(path, "StartAt"),
                    m.value.span,
                ),
            },
        }
        let states_path = pointer(path, "States");
        match node.member("States") {
            None => self.error(
                "missing-states",
                format!("{what} has no 'States'"),
                path,
                Span::new(node.span.start, node.span.start + 1),
            ),
            Some(m) if !m.value.is_object() => self.error(
                "invalid-type",
                format!(
                    "'States' must be an object of named states, not {}",
                    article(m.value.type_name())
                ),
                &states_path,
                m.value.span,
            ),
            Some(m) => {
                if m.value.members().is_empty() {
                    self.error(
                        "empty-states",
                        "'States' has no states",
                        &states_path,
                        m.value.span,
                    );
                }
                self.check_duplicate_keys(&m.value, &states_path, "state");
                for s in m.value.members() {
                    let sid = self.state(
                        &s.key,
                        s.key_span,
                        &s.value,
                        &pointer(&states_path, &s.key),
                        id,
                        ql,
                    );
                    if let Some(scope) = self.scopes.get_mut(id.0 as usize) {
                        scope.states.push(sid);
                    }
                }
            }
        }
        id
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
                    "invalid-type",
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

    fn check_whole(&mut self, node: &Node, path: &str, min: f64, field: &str) {
        if let Some(s) = node.as_str() {
            if let Some(r) = check_jsonata(s) {
                if let Err(e) = r {
                    self.error("invalid-jsonata", e, path, node.span);
                }
                return;
            }
            if is_placeholder(s) {
                return;
            }
            if s.starts_with('$') {
                // AWS accepts a reference here and fails at run time if it isn't a number.
                self.warning(
                    "dynamic-value",
                    format!("'{field}' holds \"{s}\", which is only known at run time"),
                    path,
                    node.span,
                );
                return;
            }
        }
        let max = largest(field);
        match node.as_f64() {
            Some(n) if n.is_finite() && is_whole(n) && n > max => self.error(
                "out-of-range",
                format!(
                    "'{field}' must be at most {}, the largest the service takes, not {}",
                    crate::limits::count(max as usize),
                    render_value(node)
                ),
                path,
                node.span,
            ),
            Some(n) if n.is_finite() && !is_whole(n) && n > max => self.error(
                "invalid-type",
                format!(
                    "'{field}' must be a whole number, not {} (and at most {})",
                    render_value(node),
                    crate::limits::count(max as usize)
                ),
                path,
                node.span,
            ),
            Some(n) if n.is_infinite() => self.error(
                "out-of-range",
                format!(
                    "'{field}' is {}, {} to be a number here; the service takes {min} to {}",
                    render_value(node),
                    if n > 0.0 {
                        "too large"
                    } else {
                        "too far below zero"
                    },
                    crate::limits::count(max as usize)
                ),
                path,
                node.span,
            ),
            Some(n) if is_whole(n) && n >= min => {}
            Some(n) if is_whole(n) => self.error(
                "out-of-range",
                format!("'{field}' must be at least {min}, not {n}"),
                path,
                node.span,
            ),
            _ => self.error(
                "invalid-type",
                format!(
                    "'{field}' must be a whole number, not {}",
                    render_value(node)
                ),
                path,
                node.span,
            ),
        }
    }

    fn check_path_field(&mut self, node: &Node, path: &str, field: &str, nullable: bool) {
        match &node.value {
            Value::Null if nullable => {}
            Value::String(s) => {
                if is_placeholder(s) {
                    return;
                }
                let result = if field.ends_with("Path")
                    && !matches!(
                        field,
                        "InputPath" | "OutputPath" | "ResultPath" | "ItemsPath"
                    ) {
                    check_path_or_intrinsic(s)
                } else {
                    check_path(s)
                };
                if let Err(e) = result {
                    self.error(
                        "invalid-path",
                        format!("'{field}' is not a valid path: {e}"),
                        path,
                        node.span,
                    );
                } else if field == "ResultPath"
                    && !(s == "$" || s.starts_with("$.") || s.starts_with("$["))
                {
                    self.error("invalid-path", "'ResultPath' must point into the state's input ('$' or '$.x'); it can't name a variable or the context object", path, node.span);
                }
            }
            _ => self.error(
                "invalid-type",
                format!(
                    "'{field}' must be a path string{}, not {}",
                    if nullable { " or null" } else { "" },
                    article(node.type_name())
                ),
                path,
                node.span,
            ),
        }
    }

    /// Checks a JSONPath payload template: `.$` keys hold paths or intrinsics, and no key
    /// appears both plain and with `.$`.
    fn check_template(&mut self, node: &Node, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Object(members) => {
                // The keys, once: a scan per `.$` key was quadratic in a wide template.
                let keys: std::collections::HashSet<&str> =
                    members.iter().map(|o| o.key.as_str()).collect();
                for m in members {
                    let p = pointer(path, &m.key);
                    if let Some(base) = m.key.strip_suffix(".$") {
                        if keys.contains(base) {
                            self.error(
                                "duplicate-template-field",
                                format!("'{base}' and '{}' in one template", m.key),
                                &p,
                                m.key_span,
                            );
                        }
                        match m.value.as_str() {
                            Some(s) if is_placeholder(s) => {}
                            Some(s) => {
                                if let Err(e) = check_path_or_intrinsic(s) {
                                    self.error("invalid-template-path", format!("'{}': {e}", m.key), &p, m.value.span);
                                }
                            }
                            None => self.error(
                                "invalid-template-path",
                                format!("'{}' must hold a path or intrinsic function (a string), not {}", m.key, article(m.value.type_name())),
                                &p,
                                m.value.span,
                            ),
                        }
                    } else {
                        self.check_template(&m.value, &p, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_template(item, &pointer(path, &i.to_string()), depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Checks every `{% %}` string below a node of a JSONata state.
    fn check_jsonata_strings(&mut self, node: &Node, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::String(s) => {
                if let Some(Err(e)) = check_jsonata(s) {
                    self.error("invalid-jsonata", e, path, node.span);
                }
            }
            Value::Object(members) => {
                for m in members.iter().filter(|m| m.key != "Comment") {
                    self.check_jsonata_strings(&m.value, &pointer(path, &m.key), depth + 1);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_jsonata_strings(item, &pointer(path, &i.to_string()), depth + 1);
                }
            }
            _ => {}
        }
    }

    fn exclusive(&mut self, node: &Node, path: &str, a: &str, b: &str) {
        if let (Some(_), Some(mb)) = (node.member(a), node.member(b)) {
            self.error(
                "exclusive-fields",
                format!("use only one of '{a}' and '{b}'"),
                &pointer(path, b),
                mb.key_span,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn state(
        &mut self,
        name: &str,
        name_span: Span,
        node: &Node,
        path: &str,
        scope: ScopeId,
        machine_ql: QueryLanguage,
    ) -> StateId {
        let id = StateId(self.states.len() as u32);
        let mut state = State {
            id,
            name: name.to_string(),
            scope,
            kind: StateKind::Unknown(String::new()),
            next: None,
            end: false,
            comment: node.get("Comment").and_then(Node::as_str).map(String::from),
            query_language: machine_ql,
            retriers: Vec::new(),
            catchers: Vec::new(),
            path: path.to_string(),
            name_span,
            span: node.span,
            timeout_seconds: None,
            heartbeat_seconds: None,
            has_assign: node.get("Assign").is_some(),
            unknown_fields: Vec::new(),
        };
        if name.chars().count() > 80 {
            self.error(
                "name-too-long",
                format!(
                    "state name is {} characters long; the limit is 80",
                    name.chars().count()
                ),
                path,
                name_span,
            );
        }
        if name.is_empty() {
            self.error(
                "empty-name",
                "a state name must not be empty",
                path,
                name_span,
            );
        }
        if !node.is_object() {
            self.error(
                "invalid-type",
                format!(
                    "state '{name}' must be an object, not {}",
                    article(node.type_name())
                ),
                path,
                node.span,
            );
            self.states.push(state);
            return id;
        }
        self.check_duplicate_keys(node, path, "field");

        // Query language: a state may upgrade a JSONPath machine to JSONata, never the reverse.
        if let Some(q) = node.member("QueryLanguage") {
            match q.value.as_str() {
                Some("JSONata") => state.query_language = QueryLanguage::Jsonata,
                Some("JSONPath") => {
                    // Only the machine's own QueryLanguage can't be downgraded; AWS accepts JSONPath
                    // states inside a Map that upgraded itself to JSONata.
                    if self.machine_ql == QueryLanguage::Jsonata && self.in_distributed == 0 {
                        self.error(
                            "query-language-downgrade",
                            "'QueryLanguage' can not be 'JSONPath' when the state machine uses JSONata",
                            &pointer(path, "QueryLanguage"),
                            q.value.span,
                        );
                    }
                    state.query_language = QueryLanguage::JsonPath;
                }
                _ => self.error(
                    "invalid-value",
                    "'QueryLanguage' must be \"JSONPath\" or \"JSONata\"",
                    &pointer(path, "QueryLanguage"),
                    q.value.span,
                ),
            }
        }
        let ql = state.query_language;

        let type_name = match node.member("Type") {
            None => {
                self.error(
                    "missing-type",
                    format!("state '{name}' has no 'Type'"),
                    path,
                    name_span,
                );
                None
            }
            Some(t) => match t.value.as_str() {
                Some(
                    tn @ ("Task" | "Pass" | "Wait" | "Choice" | "Succeed" | "Fail" | "Parallel"
                    | "Map"),
                ) => Some(tn),
                Some(other) => {
                    self.error(
                        "unknown-type",
                        format!("'Type' should be one of Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map, not \"{other}\""),
                        &pointer(path, "Type"),
                        t.value.span,
                    );
                    state.kind = StateKind::Unknown(other.to_string());
                    None
                }
                None => {
                    self.error(
                        "invalid-type",
                        "'Type' must be a string",
                        &pointer(path, "Type"),
                        t.value.span,
                    );
                    None
                }
            },
        };

        // Field legality, by type and by query language.
        if let Some(tn) = type_name {
            let allowed = fields::allowed(tn);
            for m in node.members() {
                let key = m.key.as_str();
                let p = pointer(path, key);
                if fields::is_common(key) || allowed.contains(&key) {
                    if ql == QueryLanguage::Jsonata && fields::jsonpath_only(key) {
                        self.error("jsonpath-field-in-jsonata", format!("'{key}' is a JSONPath field; JSONata states use 'Arguments', 'Output' and 'Items'"), &p, m.key_span);
                    } else if ql == QueryLanguage::JsonPath && fields::jsonata_only(key) {
                        self.error(
                            "jsonata-field-in-jsonpath",
                            format!("'{key}' needs \"QueryLanguage\": \"JSONata\""),
                            &p,
                            m.key_span,
                        );
                    }
                } else if fields::is_known_state_field(key) {
                    self.error(
                        "field-not-allowed",
                        format!("a {tn} state can't have '{key}'"),
                        &p,
                        m.key_span,
                    );
                } else {
                    let candidates: Vec<&str> = allowed
                        .iter()
                        .copied()
                        .chain(["Type", "Comment", "QueryLanguage"])
                        .collect();
                    self.unknown_field(key, &p, m.key_span, &candidates, &format!("a {tn} state"));
                    state.unknown_fields.push(key.to_string());
                }
            }
        }

        // Paths and templates (JSONPath states).
        if ql == QueryLanguage::JsonPath {
            for (field, nullable) in [
                ("InputPath", true),
                ("OutputPath", true),
                ("ResultPath", true),
                ("ItemsPath", false),
            ] {
                if let Some(v) = node.get(field) {
                    self.check_path_field(v, &pointer(path, field), field, nullable);
                }
            }
            for field in ["Parameters", "ResultSelector", "ItemSelector"] {
                if let Some(v) = node.get(field) {
                    self.check_template(v, &pointer(path, field), 0);
                }
            }
        } else {
            self.check_jsonata_strings(node, path, 0);
        }
        if let Some(a) = node.member("Assign") {
            if !a.value.is_object() {
                self.error(
                    "invalid-type",
                    "'Assign' must be an object",
                    &pointer(path, "Assign"),
                    a.value.span,
                );
            }
        }

        // Next / End.
        let has_next_end = matches!(
            type_name,
            Some(t) if StateType::parse(t).is_some_and(StateType::continues)
        );
        state.next = self.transition(node.get("Next"), &pointer(path, "Next"), "Next");
        if let Some(e) = node.member("End") {
            match e.value.as_bool() {
                Some(b) => state.end = b,
                None => self.error(
                    "invalid-type",
                    "'End' must be true or false",
                    &pointer(path, "End"),
                    e.value.span,
                ),
            }
        }
        if has_next_end {
            if state.next.is_some() && node.get("End").is_some() {
                let span = node.member("End").map_or(name_span, |m| m.key_span);
                self.error(
                    "next-and-end",
                    format!("state '{name}' has both 'Next' and 'End'; use exactly one"),
                    &pointer(path, "End"),
                    span,
                );
            } else if state.next.is_none() && !state.end && node.get("Next").is_none() {
                self.error(
                    "missing-next-or-end",
                    format!("state '{name}' needs 'Next' or \"End\": true"),
                    path,
                    name_span,
                );
            }
        }

        match type_name {
            Some("Task") => self.task(node, path, ql, &mut state),
            Some("Pass") => state.kind = StateKind::Pass,
            Some("Wait") => self.wait(node, path, ql, &mut state),
            Some("Choice") => self.choice(node, path, ql, &mut state),
            Some("Succeed") => state.kind = StateKind::Succeed,
            Some("Fail") => self.fail(node, path, &mut state),
            Some("Parallel") => {
                state.kind = StateKind::Parallel {
                    branches: Vec::new(),
                }
            }
            Some("Map") => state.kind = StateKind::Map(self.map_fields(node, path, ql)),
            _ => {}
        }
        if type_name
            .and_then(StateType::parse)
            .is_some_and(StateType::recovers)
        {
            state.retriers = self.retriers(node, path);
            state.catchers = self.catchers(node, path, ql);
        }
        self.states.push(state);

        // Nested scopes, after the state itself so ids stay in source order of owners.
        match type_name {
            Some("Parallel") => {
                let mut scopes = Vec::new();
                match node.member("Branches") {
                    None => self.error(
                        "missing-field",
                        format!("Parallel state '{name}' has no 'Branches'"),
                        path,
                        name_span,
                    ),
                    Some(b) => match &b.value.value {
                        Value::Array(items) if !items.is_empty() => {
                            for (i, item) in items.iter().enumerate() {
                                let sp = pointer(&pointer(path, "Branches"), &i.to_string());
                                scopes.push(self.scope(
                                    item,
                                    &sp,
                                    ScopeKind::Branch {
                                        owner: id,
                                        index: i,
                                    },
                                    self.machine_ql,
                                ));
                            }
                        }
                        Value::Array(_) => self.error(
                            "empty-branches",
                            "'Branches' must have at least one branch",
                            &pointer(path, "Branches"),
                            b.value.span,
                        ),
                        _ => self.error(
                            "invalid-type",
                            "'Branches' must be an array of branches",
                            &pointer(path, "Branches"),
                            b.value.span,
                        ),
                    },
                }
                if let Some(StateKind::Parallel { branches }) =
                    self.states.get_mut(id.0 as usize).map(|s| &mut s.kind)
                {
                    *branches = scopes;
                }
            }
            Some("Map") => {
                let distributed = matches!(self.states.get(id.0 as usize).map(|s| &s.kind), Some(StateKind::Map(m)) if m.mode == MapMode::Distributed);
                self.in_distributed += usize::from(distributed);
                let processor = match (node.member("ItemProcessor"), node.member("Iterator")) {
                    (Some(p), None) | (None, Some(p)) => Some(self.scope(
                        &p.value,
                        &pointer(path, &p.key),
                        ScopeKind::Processor { owner: id },
                        self.machine_ql,
                    )),
                    (Some(p), Some(it)) => {
                        self.error(
                            "map-processor",
                            "use only one of 'ItemProcessor' and 'Iterator'",
                            &pointer(path, "Iterator"),
                            it.key_span,
                        );
                        Some(self.scope(
                            &p.value,
                            &pointer(path, &p.key),
                            ScopeKind::Processor { owner: id },
                            self.machine_ql,
                        ))
                    }
                    (None, None) => {
                        self.error(
                            "map-processor",
                            format!("Map state '{name}' needs an 'ItemProcessor'"),
                            path,
                            name_span,
                        );
                        None
                    }
                };
                self.in_distributed -= usize::from(distributed);
                if let Some(StateKind::Map(map)) =
                    self.states.get_mut(id.0 as usize).map(|s| &mut s.kind)
                {
                    map.processor = processor;
                }
            }
            _ => {}
        }
        id
    }

    fn task(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let resource = match node.member("Resource") {
            None => {
                self.error(
                    "missing-field",
                    format!("Task state '{}' has no 'Resource'", state.name),
                    path,
                    state.name_span,
                );
                Resource {
                    arn: String::new(),
                    service: String::new(),
                    action: String::new(),
                    pattern: Integration::Unknown,
                }
            }
            Some(m) => match m.value.as_str() {
                Some(arn) => {
                    let r = parse_resource(arn);
                    let p = pointer(path, "Resource");
                    if let Some(problem) = resource_problem(&r) {
                        self.error("invalid-resource", problem, &p, m.value.span);
                    }
                    match r.pattern {
                        Integration::Placeholder if !arn.starts_with("{%") => self.warning(
                            "placeholder",
                            format!("'{arn}' is a placeholder; the graph shows it as written"),
                            &p,
                            m.value.span,
                        ),
                        Integration::Unknown if !arn.starts_with("arn:") => self.warning(
                            "resource-not-arn",
                            format!("resource '{arn}' is not an ARN yet"),
                            &p,
                            m.value.span,
                        ),
                        _ => {}
                    }
                    r
                }
                None if m.value.members().len() == 1
                    && m.value
                        .members()
                        .iter()
                        .all(|f| f.key == "Ref" || f.key.starts_with("Fn::")) =>
                {
                    self.warning("placeholder", "'Resource' is a CloudFormation intrinsic function; the graph shows it as a placeholder", &pointer(path, "Resource"), m.value.span);
                    let text = m.value.to_json().to_string();
                    Resource {
                        arn: text.clone(),
                        service: String::new(),
                        action: text,
                        pattern: Integration::Placeholder,
                    }
                }
                None => {
                    self.error(
                        "invalid-type",
                        "'Resource' must be a string (an ARN)",
                        &pointer(path, "Resource"),
                        m.value.span,
                    );
                    Resource {
                        arn: String::new(),
                        service: String::new(),
                        action: String::new(),
                        pattern: Integration::Unknown,
                    }
                }
            },
        };
        self.exclusive(node, path, "TimeoutSeconds", "TimeoutSecondsPath");
        self.exclusive(node, path, "HeartbeatSeconds", "HeartbeatSecondsPath");
        if let Some(t) = node.get("TimeoutSeconds") {
            self.check_whole(t, &pointer(path, "TimeoutSeconds"), 1.0, "TimeoutSeconds");
            state.timeout_seconds = t.as_f64();
        }
        if let Some(h) = node.get("HeartbeatSeconds") {
            self.check_whole(
                h,
                &pointer(path, "HeartbeatSeconds"),
                1.0,
                "HeartbeatSeconds",
            );
            state.heartbeat_seconds = h.as_f64();
        }
        if let (Some(t), Some(h)) = (state.timeout_seconds, state.heartbeat_seconds) {
            if h >= t {
                let span = node
                    .get("HeartbeatSeconds")
                    .map_or(state.name_span, |n| n.span);
                self.error(
                    "heartbeat-too-long",
                    format!("'HeartbeatSeconds' ({h}) must be smaller than 'TimeoutSeconds' ({t})"),
                    &pointer(path, "HeartbeatSeconds"),
                    span,
                );
            }
        }
        for field in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
            if ql == QueryLanguage::JsonPath {
                if let Some(v) = node.get(field) {
                    self.check_path_field(v, &pointer(path, field), field, false);
                }
            }
        }
        if let Some(c) = node.get("Credentials") {
            let p = pointer(path, "Credentials");
            match &c.value {
                Value::Object(members) => {
                    if ql == QueryLanguage::JsonPath {
                        self.check_template(c, &p, 0);
                    } else {
                        // Recorded AWS behaviour: a JSONata state's Credentials take 'RoleArn' only.
                        for m in members.iter().filter(|m| m.key != "RoleArn") {
                            self.error("invalid-credentials", format!("'Credentials' can't have '{}'; the field 'RoleArn' is required", m.key), &pointer(&p, &m.key), m.key_span);
                        }
                    }
                }
                Value::String(s) if s.starts_with("{%") => {}
                _ => self.error(
                    "invalid-credentials",
                    "'Credentials' must be an object with 'RoleArn'",
                    &p,
                    c.span,
                ),
            }
        }
        state.kind = StateKind::Task(Task { resource });
    }

    fn wait(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
            .into_iter()
            .filter(|f| node.get(f).is_some())
            .collect();
        if present.len() != 1 {
            self.error(
                "wait-duration",
                format!(
                    "a Wait state needs exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'{}",
                    if present.is_empty() { String::new() } else { format!(" (found {})", present.join(", ")) }
                ),
                path,
                state.name_span,
            );
        }
        let text = |f: &str| {
            node.get(f)
                .map(|n| {
                    n.as_str()
                        .map_or_else(|| n.to_json().to_string(), String::from)
                })
                .unwrap_or_default()
        };
        let duration = match present.first().copied() {
            Some("Seconds") => {
                if let Some(s) = node.get("Seconds") {
                    self.check_whole(s, &pointer(path, "Seconds"), 0.0, "Seconds");
                }
                WaitFor::Seconds(text("Seconds"))
            }
            Some("Timestamp") => {
                if let Some(t) = node.get("Timestamp") {
                    match t.as_str() {
                        Some(s) if s.starts_with("{%") || is_placeholder(s) || looks_like_timestamp(s) => {}
                        _ => self.error("invalid-timestamp", "'Timestamp' must be an RFC 3339 timestamp such as \"2026-03-14T01:59:00Z\"", &pointer(path, "Timestamp"), t.span),
                    }
                }
                WaitFor::Timestamp(text("Timestamp"))
            }
            Some(f @ ("SecondsPath" | "TimestampPath")) => {
                if ql == QueryLanguage::JsonPath {
                    if let Some(v) = node.get(f) {
                        self.check_path_field(v, &pointer(path, f), f, false);
                    }
                }
                if f == "SecondsPath" {
                    WaitFor::SecondsPath(text(f))
                } else {
                    WaitFor::TimestampPath(text(f))
                }
            }
            _ => WaitFor::Missing,
        };
        state.kind = StateKind::Wait(Wait { duration });
    }

    fn fail(&mut self, node: &Node, path: &str, state: &mut State) {
        self.exclusive(node, path, "Error", "ErrorPath");
        self.exclusive(node, path, "Cause", "CausePath");
        for f in ["Error", "Cause"] {
            if let Some(v) = node.get(f) {
                if v.as_str().is_none() {
                    self.error(
                        "invalid-type",
                        format!("'{f}' must be a string"),
                        &pointer(path, f),
                        v.span,
                    );
                }
            }
        }
        if state.query_language == QueryLanguage::JsonPath {
            for f in ["ErrorPath", "CausePath"] {
                if let Some(v) = node.get(f) {
                    self.check_path_field(v, &pointer(path, f), f, false);
                }
            }
        }
        state.kind = StateKind::Fail {
            error: node.get("Error").and_then(Node::as_str).map(String::from),
            cause: node.get("Cause").and_then(Node::as_str).map(String::from),
        };
    }

    fn choice(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let mut rules = Vec::new();
        let cp = pointer(path, "Choices");
        match node.member("Choices") {
            None => self.error(
                "missing-field",
                format!("Choice state '{}' has no 'Choices'", state.name),
                path,
                state.name_span,
            ),
            Some(m) => match &m.value.value {
                Value::Array(items) if items.is_empty() => self.error(
                    "empty-choices",
                    "'Choices' must have at least one rule",
                    &cp,
                    m.value.span,
                ),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let rp = pointer(&cp, &i.to_string());
                        let condition = self.rule(item, &rp, ql, true, 0);
                        let next = self.transition(item.get("Next"), &pointer(&rp, "Next"), "Next");
                        if item.is_object() && item.get("Next").is_none() {
                            self.error(
                                "missing-field",
                                "a Choice rule needs 'Next'",
                                &rp,
                                item.span,
                            );
                        }
                        rules.push(ChoiceRule {
                            condition,
                            next,
                            path: rp,
                            span: item.span,
                        });
                    }
                }
                _ => self.error(
                    "invalid-type",
                    "'Choices' must be an array of rules",
                    &cp,
                    m.value.span,
                ),
            },
        }
        let default = self.transition(node.get("Default"), &pointer(path, "Default"), "Default");
        state.kind = StateKind::Choice(Choice { rules, default });
    }

    /// Reads one Choice rule (top-level when `top`), reporting problems; returns its condition.
    fn rule(
        &mut self,
        node: &Node,
        path: &str,
        ql: QueryLanguage,
        top: bool,
        depth: usize,
    ) -> Condition {
        if depth > 32 {
            self.error(
                "invalid-choice-rule",
                "Choice rules nested too deeply",
                path,
                node.span,
            );
            return Condition::Invalid;
        }
        if !node.is_object() {
            self.error(
                "invalid-choice-rule",
                format!(
                    "a Choice rule must be an object, not {}",
                    article(node.type_name())
                ),
                path,
                node.span,
            );
            return Condition::Invalid;
        }
        self.check_duplicate_keys(node, path, "field");
        if !top {
            if let Some(n) = node.member("Next") {
                self.error(
                    "nested-rule-next",
                    "a rule inside 'And', 'Or' or 'Not' must not have 'Next'",
                    &pointer(path, "Next"),
                    n.key_span,
                );
            }
        }
        if ql == QueryLanguage::Jsonata {
            for m in node.members() {
                let ok = matches!(
                    m.key.as_str(),
                    "Condition" | "Next" | "Comment" | "Assign" | "Output"
                );
                if !ok {
                    let code = if m.key == "Variable"
                        || is_comparison(&m.key)
                        || matches!(m.key.as_str(), "And" | "Or" | "Not")
                    {
                        "jsonpath-field-in-jsonata"
                    } else {
                        "unknown-field"
                    };
                    self.error(
                        code,
                        format!(
                            "a JSONata Choice rule can't have '{}'; use 'Condition'",
                            m.key
                        ),
                        &pointer(path, &m.key),
                        m.key_span,
                    );
                }
            }
            return match node.get("Condition") {
                Some(c) => match c.as_str() {
                    Some(s) => Condition::Jsonata(s.to_string()),
                    None => match c.as_bool() {
                        Some(b) => Condition::Jsonata(b.to_string()),
                        None => {
                            self.error(
                                "invalid-type",
                                "'Condition' must be a JSONata expression string",
                                &pointer(path, "Condition"),
                                c.span,
                            );
                            Condition::Invalid
                        }
                    },
                },
                None => {
                    self.error(
                        "missing-field",
                        "a JSONata Choice rule needs 'Condition'",
                        path,
                        node.span,
                    );
                    Condition::Invalid
                }
            };
        }
        // JSONPath rules.
        let mut combinators = Vec::new();
        let mut ops = Vec::new();
        for m in node.members() {
            let key = m.key.as_str();
            let p = pointer(path, key);
            match key {
                "And" | "Or" | "Not" => combinators.push(m),
                "Variable" | "Next" | "Comment" => {}
                "Assign" if top => {}
                "Condition" | "Output" => self.error(
                    "jsonata-field-in-jsonpath",
                    format!("'{key}' needs \"QueryLanguage\": \"JSONata\""),
                    &p,
                    m.key_span,
                ),
                k if is_comparison(k) => ops.push(m),
                k if is_placeholder(k) => self.warning(
                    "placeholder",
                    format!("'{k}' is a placeholder"),
                    &p,
                    m.key_span,
                ),
                _ => {
                    let candidates: Vec<&str> = COMPARISONS
                        .iter()
                        .copied()
                        .chain(["Variable", "Next", "And", "Or", "Not", "Comment"])
                        .collect();
                    match fields::did_you_mean(key, candidates.iter().copied()) {
                        Some(g) => self.error(
                            "invalid-choice-rule",
                            format!("unknown field '{key}' in a Choice rule (did you mean '{g}'?)"),
                            &p,
                            m.key_span,
                        ),
                        None => self.error(
                            "invalid-choice-rule",
                            format!("unknown field '{key}' in a Choice rule"),
                            &p,
                            m.key_span,
                        ),
                    }
                }
            }
        }
        if let Some(c) = combinators.first() {
            if combinators.len() > 1 || !ops.is_empty() || node.get("Variable").is_some() {
                self.error(
                    "invalid-choice-rule",
                    "a Choice rule with 'And', 'Or' or 'Not' can't also compare a 'Variable'",
                    path,
                    node.span,
                );
            }
            let cp = pointer(path, &c.key);
            return match (c.key.as_str(), &c.value.value) {
                ("Not", Value::Object(_)) => {
                    Condition::Not(Box::new(self.rule(&c.value, &cp, ql, false, depth + 1)))
                }
                ("And" | "Or", Value::Array(items)) if !items.is_empty() => {
                    let inner: Vec<Condition> = items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            self.rule(item, &pointer(&cp, &i.to_string()), ql, false, depth + 1)
                        })
                        .collect();
                    if c.key == "And" {
                        Condition::And(inner)
                    } else {
                        Condition::Or(inner)
                    }
                }
                ("Not", _) => {
                    self.error(
                        "invalid-choice-rule",
                        "'Not' must hold one rule object",
                        &cp,
                        c.value.span,
                    );
                    Condition::Invalid
                }
                _ => {
                    self.error(
                        "invalid-choice-rule",
                        format!("'{}' must hold a non-empty array of rules", c.key),
                        &cp,
                        c.value.span,
                    );
                    Condition::Invalid
                }
            };
        }
        let variable = match node.member("Variable") {
            None => {
                self.error(
                    "invalid-choice-rule",
                    "a Choice rule needs 'Variable' and a comparison, or 'And', 'Or' or 'Not'",
                    path,
                    node.span,
                );
                return Condition::Invalid;
            }
            Some(v) => match v.value.as_str() {
                Some(s) => {
                    if !is_placeholder(s) {
                        if let Err(e) = check_path(s) {
                            self.error(
                                "invalid-path",
                                format!("'Variable' is not a valid path: {e}"),
                                &pointer(path, "Variable"),
                                v.value.span,
                            );
                        }
                    }
                    s.to_string()
                }
                None => {
                    self.error(
                        "invalid-type",
                        "'Variable' must be a path string",
                        &pointer(path, "Variable"),
                        v.value.span,
                    );
                    return Condition::Invalid;
                }
            },
        };
        let Some(op) = ops.first() else {
            if node.members().iter().any(|m| is_placeholder(&m.key)) {
                return Condition::Invalid;
            }
            self.error(
                "invalid-choice-rule",
                "a Choice rule needs one comparison operator, such as 'StringEquals'",
                path,
                node.span,
            );
            return Condition::Invalid;
        };
        if ops.len() > 1 {
            self.error(
                "invalid-choice-rule",
                "each Choice rule can only have one comparison operator",
                &pointer(path, &ops[1].key),
                ops[1].key_span,
            );
        }
        let key = op.key.as_str();
        let p = pointer(path, key);
        let v = &op.value;
        let type_ok = if key.ends_with("Path") && !key.starts_with("Is") {
            match v.as_str() {
                Some(s) => {
                    if let Err(e) = check_path(s) {
                        self.error(
                            "invalid-path",
                            format!("'{key}' is not a valid path: {e}"),
                            &p,
                            v.span,
                        );
                    }
                    true
                }
                None => false,
            }
        } else if key.starts_with("String") {
            v.as_str().is_some()
        } else if key.starts_with("Numeric") {
            v.as_f64().is_some()
        } else if key.starts_with("Timestamp") {
            match v.as_str() {
                Some(s) => {
                    if !looks_like_timestamp(s) && !is_placeholder(s) {
                        self.error(
                            "invalid-timestamp",
                            format!("'{key}' needs an RFC 3339 timestamp, not \"{s}\""),
                            &p,
                            v.span,
                        );
                    }
                    true
                }
                None => false,
            }
        } else {
            v.as_bool().is_some()
        };
        if !type_ok {
            let want = if key.ends_with("Path") && !key.starts_with("Is") {
                "a path string"
            } else if key.starts_with("String") || key.starts_with("Timestamp") {
                "a string"
            } else if key.starts_with("Numeric") {
                "a number"
            } else {
                "true or false"
            };
            self.error(
                "invalid-type",
                format!("'{key}' must be {want}, not {}", render_value(v)),
                &p,
                v.span,
            );
        }
        let value = if key.ends_with("Path") && !key.starts_with("Is") {
            v.as_str().unwrap_or("").to_string()
        } else {
            render_value(v)
        };
        Condition::Compare {
            variable,
            op: key.to_string(),
            value,
        }
    }

    fn map_fields(&mut self, node: &Node, path: &str, ql: QueryLanguage) -> Map {
        self.exclusive(node, path, "ItemsPath", "Items");
        self.exclusive(node, path, "ItemSelector", "Parameters");
        self.exclusive(node, path, "MaxConcurrency", "MaxConcurrencyPath");
        self.exclusive(
            node,
            path,
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
        );
        self.exclusive(
            node,
            path,
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        );
        let processor = node.get("ItemProcessor").or_else(|| node.get("Iterator"));
        let config = processor.and_then(|p| p.get("ProcessorConfig"));
        let mode = match config.and_then(|c| c.get("Mode")).and_then(Node::as_str) {
            Some("DISTRIBUTED") => MapMode::Distributed,
            Some("INLINE") | None => MapMode::Inline,
            Some(other) => {
                let span = config
                    .and_then(|c| c.get("Mode"))
                    .map_or(node.span, |n| n.span);
                self.error(
                    "invalid-value",
                    format!("'Mode' must be \"INLINE\" or \"DISTRIBUTED\", not \"{other}\""),
                    &pointer(path, "ItemProcessor/ProcessorConfig/Mode"),
                    span,
                );
                MapMode::Inline
            }
        };
        let execution_type = config
            .and_then(|c| c.get("ExecutionType"))
            .and_then(Node::as_str)
            .map(String::from);
        if let Some(et) = config.and_then(|c| c.get("ExecutionType")) {
            if !matches!(et.as_str(), Some("STANDARD" | "EXPRESS")) {
                self.error(
                    "invalid-value",
                    "'ExecutionType' must be \"STANDARD\" or \"EXPRESS\"",
                    &pointer(path, "ItemProcessor/ProcessorConfig/ExecutionType"),
                    et.span,
                );
            }
        }
        if let Some(m) = node.get("MaxConcurrency") {
            self.check_whole(m, &pointer(path, "MaxConcurrency"), 0.0, "MaxConcurrency");
        }
        if let Some(t) = node.get("ToleratedFailureCount") {
            self.check_whole(
                t,
                &pointer(path, "ToleratedFailureCount"),
                0.0,
                "ToleratedFailureCount",
            );
        }
        if let Some(t) = node.get("ToleratedFailurePercentage") {
            match t.as_f64() {
                Some(n) if (0.0..=100.0).contains(&n) => {}
                Some(n) => self.error(
                    "out-of-range",
                    format!("'ToleratedFailurePercentage' must be between 0 and 100, not {n}"),
                    &pointer(path, "ToleratedFailurePercentage"),
                    t.span,
                ),
                None if t.as_str().is_some_and(|s| s.starts_with("{%")) => {}
                None => self.error(
                    "invalid-type",
                    "'ToleratedFailurePercentage' must be a number",
                    &pointer(path, "ToleratedFailurePercentage"),
                    t.span,
                ),
            }
        }
        if ql == QueryLanguage::JsonPath {
            for f in [
                "MaxConcurrencyPath",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentagePath",
            ] {
                if let Some(v) = node.get(f) {
                    self.check_path_field(v, &pointer(path, f), f, false);
                }
            }
        }
        let mut item_source = node
            .get("ItemsPath")
            .and_then(Node::as_str)
            .map(String::from)
            .or_else(|| {
                node.get("Items").map(|i| {
                    i.as_str()
                        .map_or_else(|| "literal items".to_string(), String::from)
                })
            });
        if let Some(reader) = node.get("ItemReader") {
            let rp = pointer(path, "ItemReader");
            let res = reader.get("Resource").and_then(Node::as_str).unwrap_or("");
            let action = res.rsplit(':').next().unwrap_or(res);
            let input = reader
                .get("ReaderConfig")
                .and_then(|c| c.get("InputType"))
                .and_then(Node::as_str);
            item_source = Some(match input {
                Some(t) => format!("s3:{action} ({t})"),
                None => format!("s3:{action}"),
            });
            if let Some(rc) = reader.get("ReaderConfig") {
                self.exclusive(
                    rc,
                    &pointer(&rp, "ReaderConfig"),
                    "MaxItems",
                    "MaxItemsPath",
                );
            }
            if ql == QueryLanguage::JsonPath {
                if let Some(p) = reader.get("Parameters") {
                    self.check_template(p, &pointer(&rp, "Parameters"), 0);
                }
            }
        }
        if let Some(b) = node.get("ItemBatcher") {
            let bp = pointer(path, "ItemBatcher");
            self.check_duplicate_keys(b, &bp, "field");
            self.exclusive(b, &bp, "MaxItemsPerBatch", "MaxItemsPerBatchPath");
            self.exclusive(b, &bp, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath");
        }
        if let Some(w) = node.get("ResultWriter") {
            if ql == QueryLanguage::JsonPath {
                if let Some(p) = w.get("Parameters") {
                    self.check_template(
                        p,
                        &pointer(&pointer(path, "ResultWriter"), "Parameters"),
                        0,
                    );
                }
            }
        }
        if let Some(items) = node.member("ItemsPath") {
            if items.value.is_null() {
                self.error(
                    "invalid-type",
                    "'ItemsPath' must be a path, not null",
                    &pointer(path, "ItemsPath"),
                    items.value.span,
                );
            }
        }
        let label = node.get("Label").and_then(Node::as_str).map(String::from);
        if let Some(l) = node.get("Label") {
            let lp = pointer(path, "Label");
            match l.as_str() {
                Some("") => self.error("invalid-label", "'Label' cannot be empty", &lp, l.span),
                Some(s) if s.chars().count() > 40 => self.error(
                    "invalid-label",
                    "'Label' cannot exceed 40 characters",
                    &lp,
                    l.span,
                ),
                Some(s)
                    if s.chars().any(|c| {
                        c.is_whitespace() || c.is_control() || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c)
                    }) =>
                {
                    self.error(
                        "invalid-label",
                        "'Label' contains an invalid character",
                        &lp,
                        l.span,
                    )
                }
                Some(_) => {}
                None => self.error("invalid-type", "'Label' must be a string", &lp, l.span),
            }
        }
        if mode == MapMode::Inline {
            for f in [
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailureCount",
                "ToleratedFailurePercentage",
                "Label",
            ] {
                if let Some(m) = node.member(f) {
                    self.warning(
                        "distributed-only-field",
                        format!("'{f}' only applies to a DISTRIBUTED Map"),
                        &pointer(path, f),
                        m.key_span,
                    );
                }
            }
        }
        Map {
            processor: None,
            mode,
            execution_type,
            max_concurrency: node
                .get("MaxConcurrency")
                .map(|n| {
                    n.as_str()
                        .map_or_else(|| n.to_json().to_string(), String::from)
                })
                .or_else(|| {
                    node.get("MaxConcurrencyPath")
                        .and_then(Node::as_str)
                        .map(String::from)
                }),
            item_source,
            label,
            tolerated_failures: node
                .get("ToleratedFailurePercentage")
                .map(|n| format!("{}%", n.to_json()))
                .or_else(|| {
                    node.get("ToleratedFailureCount")
                        .map(|n| n.to_json().to_string())
                }),
            has_item_batcher: node.get("ItemBatcher").is_some(),
            has_result_writer: node.get("ResultWriter").is_some(),
        }
    }

    fn error_equals(&mut self, node: &Node, path: &str) -> Vec<String> {
        let p = pointer(path, "ErrorEquals");
        match node.get("ErrorEquals") {
            None => {
                self.error(
                    "missing-field",
                    "'ErrorEquals' is required",
                    path,
                    node.span,
                );
                Vec::new()
            }
            Some(e) => match &e.value {
                Value::Array(items) if items.is_empty() => {
                    self.error(
                        "empty-error-equals",
                        "'ErrorEquals' must be a non-empty array",
                        &p,
                        e.span,
                    );
                    Vec::new()
                }
                Value::Array(items) => {
                    let mut out = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match item.as_str() {
                            Some(s) => {
                                if s.starts_with("States.") && !KNOWN_ERRORS.contains(&s) {
                                    self.warning(
                                        "unknown-error-name",
                                        format!("'{s}' is not an error name the service defines"),
                                        &pointer(&p, &i.to_string()),
                                        item.span,
                                    );
                                }
                                out.push(s.to_string());
                            }
                            None => self.error(
                                "invalid-type",
                                "error names must be strings",
                                &pointer(&p, &i.to_string()),
                                item.span,
                            ),
                        }
                    }
                    if out.iter().any(|s| s == "States.ALL") && out.len() > 1 {
                        self.error(
                            "states-all-not-alone",
                            "'States.ALL' must appear alone in 'ErrorEquals'",
                            &p,
                            e.span,
                        );
                    }
                    out
                }
                _ => {
                    self.error(
                        "invalid-type",
                        "'ErrorEquals' must be an array of error names",
                        &p,
                        e.span,
                    );
                    Vec::new()
                }
            },
        }
    }

    fn retriers(&mut self, node: &Node, path: &str) -> Vec<Retrier> {
        let Some(r) = node.get("Retry") else {
            return Vec::new();
        };
        let rp = pointer(path, "Retry");
        let Value::Array(items) = &r.value else {
            self.error(
                "invalid-type",
                "'Retry' must be an array of retriers",
                &rp,
                r.span,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = pointer(&rp, &i.to_string());
            if !item.is_object() {
                self.error("invalid-type", "a retrier must be an object", &p, item.span);
                continue;
            }
            self.check_duplicate_keys(item, &p, "field");
            for m in item.members() {
                if !RETRIER_FIELDS.contains(&m.key.as_str()) {
                    self.unknown_field(
                        &m.key,
                        &pointer(&p, &m.key),
                        m.key_span,
                        RETRIER_FIELDS,
                        "a retrier",
                    );
                }
            }
            let error_equals = self.error_equals(item, &p);
            if error_equals.iter().any(|e| e == "States.ALL") && i + 1 != items.len() {
                self.error(
                    "states-all-not-last",
                    "a retrier with 'States.ALL' must be the last one",
                    &pointer(&p, "ErrorEquals"),
                    item.span,
                );
            }
            let num = |k: &str| item.get(k).and_then(Node::as_f64);
            if let Some(v) = item.get("IntervalSeconds") {
                self.check_whole(v, &pointer(&p, "IntervalSeconds"), 1.0, "IntervalSeconds");
            }
            if let Some(v) = item.get("MaxAttempts") {
                self.check_whole(v, &pointer(&p, "MaxAttempts"), 0.0, "MaxAttempts");
            }
            if let Some(v) = item.get("MaxDelaySeconds") {
                self.check_whole(v, &pointer(&p, "MaxDelaySeconds"), 1.0, "MaxDelaySeconds");
            }
            if let Some(v) = item.get("BackoffRate") {
                match v.as_f64() {
                    None if v.as_str().is_some_and(|s| s.starts_with('$')) => {
                        self.warning(
                            "dynamic-value",
                            "'BackoffRate' holds a reference, which is only known at run time",
                            &pointer(&p, "BackoffRate"),
                            v.span,
                        );
                    }
                    Some(b) if b.is_infinite() => self.error(
                        "out-of-range",
                        format!(
                            "'BackoffRate' is {}, {} to be a number here",
                            render_value(v),
                            if b > 0.0 {
                                "too large"
                            } else {
                                "too far below zero"
                            }
                        ),
                        &pointer(&p, "BackoffRate"),
                        v.span,
                    ),
                    Some(b) if b >= 1.0 => {}
                    Some(b) => self.error(
                        "out-of-range",
                        format!(
                            "'BackoffRate' must be at least 1 (the allowed minimum is 1), not {b}"
                        ),
                        &pointer(&p, "BackoffRate"),
                        v.span,
                    ),
                    None => self.error(
                        "invalid-type",
                        "'BackoffRate' must be a number",
                        &pointer(&p, "BackoffRate"),
                        v.span,
                    ),
                }
            }
            if let Some(v) = item.get("JitterStrategy") {
                if !matches!(v.as_str(), Some("FULL" | "NONE")) {
                    self.error("invalid-value", format!("'JitterStrategy' {} is not one of the allowed values [\"FULL\", \"NONE\"]", render_value(v)), &pointer(&p, "JitterStrategy"), v.span);
                }
            }
            out.push(Retrier {
                error_equals,
                interval_seconds: num("IntervalSeconds").unwrap_or(1.0),
                max_attempts: num("MaxAttempts").unwrap_or(3.0),
                backoff_rate: num("BackoffRate").unwrap_or(2.0),
                max_delay_seconds: num("MaxDelaySeconds"),
                jitter: item
                    .get("JitterStrategy")
                    .and_then(Node::as_str)
                    .map(String::from),
                path: p,
            });
        }
        out
    }

    fn catchers(&mut self, node: &Node, path: &str, ql: QueryLanguage) -> Vec<Catcher> {
        let Some(c) = node.get("Catch") else {
            return Vec::new();
        };
        let cp = pointer(path, "Catch");
        let Value::Array(items) = &c.value else {
            self.error(
                "invalid-type",
                "'Catch' must be an array of catchers",
                &cp,
                c.span,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = pointer(&cp, &i.to_string());
            if !item.is_object() {
                self.error("invalid-type", "a catcher must be an object", &p, item.span);
                continue;
            }
            self.check_duplicate_keys(item, &p, "field");
            for m in item.members() {
                let key = m.key.as_str();
                let mp = pointer(&p, key);
                if !CATCHER_FIELDS.contains(&key) {
                    self.unknown_field(key, &mp, m.key_span, CATCHER_FIELDS, "a catcher");
                } else if ql == QueryLanguage::Jsonata && key == "ResultPath" {
                    self.error(
                        "jsonpath-field-in-jsonata",
                        "'ResultPath' is a JSONPath field; a JSONata catcher uses 'Output'",
                        &mp,
                        m.key_span,
                    );
                } else if ql == QueryLanguage::JsonPath && key == "Output" {
                    self.error(
                        "jsonata-field-in-jsonpath",
                        "'Output' needs \"QueryLanguage\": \"JSONata\"",
                        &mp,
                        m.key_span,
                    );
                }
            }
            let error_equals = self.error_equals(item, &p);
            if error_equals.iter().any(|e| e == "States.ALL") && i + 1 != items.len() {
                self.error(
                    "states-all-not-last",
                    "a catcher with 'States.ALL' must be the last one",
                    &pointer(&p, "ErrorEquals"),
                    item.span,
                );
            }
            if ql == QueryLanguage::JsonPath {
                if let Some(rp) = item.get("ResultPath") {
                    self.check_path_field(rp, &pointer(&p, "ResultPath"), "ResultPath", true);
                }
            }
            let next = self.transition(item.get("Next"), &pointer(&p, "Next"), "Next");
            if item.get("Next").is_none() {
                self.error("missing-field", "a catcher needs 'Next'", &p, item.span);
            }
            out.push(Catcher {
                error_equals,
                next,
                result_path: item
                    .get("ResultPath")
                    .and_then(Node::as_str)
                    .map(String::from),
                path: p,
            });
        }
        out
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

/// Splits a Task resource ARN for display.
pub fn parse_resource(arn: &str) -> Resource {
    let make = |service: &str, action: &str, pattern| Resource {
        arn: arn.to_string(),
        service: service.to_string(),
        action: action.to_string(),
        pattern,
    };
    if arn.starts_with("{%") || is_placeholder(arn) {
        return make("", arn, Integration::Placeholder);
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts.first() != Some(&"arn") {
        return make("", arn, Integration::Unknown);
    }
    let service = parts.get(2).copied().unwrap_or("");
    let region = parts.get(3).copied().unwrap_or("");
    let rest = parts.get(5).copied().unwrap_or("");
    match service {
        "lambda" => {
            let name = rest.strip_prefix("function:").unwrap_or(rest);
            make("lambda", name, Integration::LambdaArn)
        }
        "states" if !region.is_empty() || rest.starts_with("activity:") => {
            let name = rest.strip_prefix("activity:").unwrap_or(rest);
            make("activity", name, Integration::Activity)
        }
        "states" => {
            let (body, pattern) = if let Some(i) = rest.find(".sync") {
                (rest.get(..i).unwrap_or(rest), Integration::Sync)
            } else if let Some(b) = rest.strip_suffix(".waitForTaskToken") {
                (b, Integration::WaitForTaskToken)
            } else {
                (rest, Integration::RequestResponse)
            };
            let segs: Vec<&str> = body.split(':').collect();
            match segs.as_slice() {
                ["aws-sdk", svc, action, ..] => make(&format!("aws-sdk:{svc}"), action, pattern),
                [svc, action, ..] => make(svc, action, pattern),
                [svc] => make(svc, "", pattern),
                [] => make("", "", pattern),
            }
        }
        other => make(other, rest, Integration::Unknown),
    }
}

/// Problems AWS reports for a resource it would not accept: a malformed Lambda function
/// qualifier, or an optimised integration action that does not exist.
fn resource_problem(r: &Resource) -> Option<String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match r.pattern {
        Integration::LambdaArn => {
            let mut parts = r.action.splitn(2, ':');
            let name = parts.next().unwrap_or("");
            let qualifier = parts.next();
            if !name_ok(name) {
                return Some(format!("'{name}' is not a valid Lambda function name"));
            }
            match qualifier {
                Some(q) if q != "$LATEST" && !name_ok(q) => {
                    Some(format!("'{q}' is not a valid Lambda alias or version"))
                }
                _ => None,
            }
        }
        Integration::RequestResponse | Integration::Sync | Integration::WaitForTaskToken => {
            let known: &[&str] = match r.service.as_str() {
                "dynamodb" => &["getItem", "putItem", "updateItem", "deleteItem"],
                "sns" => &["publish"],
                "sqs" => &["sendMessage"],
                "events" => &["putEvents"],
                _ => return None,
            };
            if known.contains(&r.action.as_str()) {
                None
            } else {
                Some(format!(
                    "the resource arn:aws:states:::{}:{} is not recognized; {} supports {}",
                    r.service,
                    r.action,
                    r.service,
                    known.join(", ")
                ))
            }
        }
        _ => None,
    }
}
