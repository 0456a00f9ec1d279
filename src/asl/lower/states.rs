//! Scopes and states: the fields every state shares, the simple types (Pass, Wait, Succeed,
//! Fail), and the scopes nested in Parallel and Map states.

use super::*;
use crate::diag::DiagnosticCode;

impl Lowerer {
    pub(super) fn scope(
        &mut self,
        node: &Node,
        path: &str,
        kind: ScopeKind,
        ql: QueryLanguage,
    ) -> ScopeId {
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
                DiagnosticCode::InvalidType,
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
                        DiagnosticCode::InvalidType,
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
                        DiagnosticCode::InvalidValue,
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
                    DiagnosticCode::InvalidType,
                    "'Comment' must be a string",
                    &pointer(path, "Comment"),
                    c.value.span,
                );
            }
        }
        match node.member("StartAt") {
            None => self.error(
                DiagnosticCode::MissingStartAt,
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
                    DiagnosticCode::InvalidType,
                    "'StartAt' must be a state name (a string)",
                    &pointer(path, "StartAt"),
                    m.value.span,
                ),
            },
        }
        let states_path = pointer(path, "States");
        match node.member("States") {
            None => self.error(
                DiagnosticCode::MissingStates,
                format!("{what} has no 'States'"),
                path,
                Span::new(node.span.start, node.span.start + 1),
            ),
            Some(m) if !m.value.is_object() => self.error(
                DiagnosticCode::InvalidType,
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
                        DiagnosticCode::EmptyStates,
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn state(
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
        self.check_name(name, name_span, path);
        if !node.is_object() {
            self.error(
                DiagnosticCode::InvalidType,
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

        self.state_query_language(node, path, &mut state);
        let ql = state.query_language;

        let ty = self.state_type(node, path, name, name_span, &mut state);

        if let Some(ty) = ty {
            self.field_legality(node, path, ty, ql, &mut state);
        }

        self.payload_fields(node, path, ql);

        self.next_or_end(node, path, name, name_span, ty, &mut state);

        match ty {
            Some(StateType::Task) => self.task(node, path, ql, &mut state),
            Some(StateType::Pass) => state.kind = StateKind::Pass,
            Some(StateType::Wait) => self.wait(node, path, ql, &mut state),
            Some(StateType::Choice) => self.choice(node, path, ql, &mut state),
            Some(StateType::Succeed) => state.kind = StateKind::Succeed,
            Some(StateType::Fail) => self.fail(node, path, &mut state),
            Some(StateType::Parallel) => {
                state.kind = StateKind::Parallel {
                    branches: Vec::new(),
                }
            }
            Some(StateType::Map) => state.kind = StateKind::Map(self.map_fields(node, path, ql)),
            Some(StateType::Unknown) | None => {}
        }
        if ty.is_some_and(StateType::recovers) {
            state.retriers = self.retriers(node, path);
            state.catchers = self.catchers(node, path, ql);
        }
        self.states.push(state);

        // Nested scopes, after the state itself so ids stay in source order of owners.
        match ty {
            Some(StateType::Parallel) => self.parallel_branches(node, path, id, name, name_span),
            Some(StateType::Map) => self.map_processor(node, path, id, name, name_span),
            _ => {}
        }
        id
    }

    /// A state name's length and emptiness.
    fn check_name(&mut self, name: &str, name_span: Span, path: &str) {
        if name.chars().count() > 80 {
            self.error(
                DiagnosticCode::NameTooLong,
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
                DiagnosticCode::EmptyName,
                "a state name must not be empty",
                path,
                name_span,
            );
        }
    }

    /// A state's `QueryLanguage`.
    fn state_query_language(&mut self, node: &Node, path: &str, state: &mut State) {
        // Query language: a state may upgrade a JSONPath machine to JSONata, never the reverse.
        if let Some(q) = node.member("QueryLanguage") {
            match q.value.as_str() {
                Some("JSONata") => state.query_language = QueryLanguage::Jsonata,
                Some("JSONPath") => {
                    // Only the machine's own QueryLanguage can't be downgraded; AWS accepts JSONPath
                    // states inside a Map that upgraded itself to JSONata.
                    if self.machine_ql == QueryLanguage::Jsonata && self.in_distributed == 0 {
                        self.error(
                            DiagnosticCode::QueryLanguageDowngrade,
                            "'QueryLanguage' can not be 'JSONPath' when the state machine uses JSONata",
                            &pointer(path, "QueryLanguage"),
                            q.value.span,
                        );
                    }
                    state.query_language = QueryLanguage::JsonPath;
                }
                _ => self.error(
                    DiagnosticCode::InvalidValue,
                    "'QueryLanguage' must be \"JSONPath\" or \"JSONata\"",
                    &pointer(path, "QueryLanguage"),
                    q.value.span,
                ),
            }
        }
    }

    /// A state's `Type`, when ASL defines it; an unknown one is kept on the state's kind.
    fn state_type(
        &mut self,
        node: &Node,
        path: &str,
        name: &str,
        name_span: Span,
        state: &mut State,
    ) -> Option<StateType> {
        match node.member("Type") {
            None => {
                self.error(
                    DiagnosticCode::MissingType,
                    format!("state '{name}' has no 'Type'"),
                    path,
                    name_span,
                );
                None
            }
            Some(t) => match t.value.as_str() {
                Some(text) if StateType::parse(text).is_some() => StateType::parse(text),
                Some(other) => {
                    self.error(
                        DiagnosticCode::UnknownType,
                        format!("'Type' should be one of Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map, not \"{other}\""),
                        &pointer(path, "Type"),
                        t.value.span,
                    );
                    state.kind = StateKind::Unknown(other.to_string());
                    None
                }
                None => {
                    self.error(
                        DiagnosticCode::InvalidType,
                        "'Type' must be a string",
                        &pointer(path, "Type"),
                        t.value.span,
                    );
                    None
                }
            },
        }
    }

    /// Which fields a state of type `ty` may have, in its query language.
    fn field_legality(
        &mut self,
        node: &Node,
        path: &str,
        ty: StateType,
        ql: QueryLanguage,
        state: &mut State,
    ) {
        let tn = ty.as_str();
        let allowed = fields::allowed(tn);
        for m in node.members() {
            let key = m.key.as_str();
            let p = pointer(path, key);
            if fields::is_common(key) || allowed.contains(&key) {
                if ql == QueryLanguage::Jsonata && fields::jsonpath_only(key) {
                    self.error(DiagnosticCode::JsonpathFieldInJsonata, format!("'{key}' is a JSONPath field; JSONata states use 'Arguments', 'Output' and 'Items'"), &p, m.key_span);
                } else if ql == QueryLanguage::JsonPath && fields::jsonata_only(key) {
                    self.error(
                        DiagnosticCode::JsonataFieldInJsonpath,
                        format!("'{key}' needs \"QueryLanguage\": \"JSONata\""),
                        &p,
                        m.key_span,
                    );
                }
            } else if fields::is_known_state_field(key) {
                self.error(
                    DiagnosticCode::FieldNotAllowed,
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

    /// Paths and payload templates (JSONPath states), JSONata strings (JSONata states), Assign.
    fn payload_fields(&mut self, node: &Node, path: &str, ql: QueryLanguage) {
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
                    DiagnosticCode::InvalidType,
                    "'Assign' must be an object",
                    &pointer(path, "Assign"),
                    a.value.span,
                );
            }
        }
    }

    /// `Next` and `End`: exactly one, for the types that move on.
    fn next_or_end(
        &mut self,
        node: &Node,
        path: &str,
        name: &str,
        name_span: Span,
        ty: Option<StateType>,
        state: &mut State,
    ) {
        // Next / End.
        let has_next_end = ty.is_some_and(StateType::continues);
        state.next = self.transition(node.get("Next"), &pointer(path, "Next"), "Next");
        if let Some(e) = node.member("End") {
            match e.value.as_bool() {
                Some(b) => state.end = b,
                None => self.error(
                    DiagnosticCode::InvalidType,
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
                    DiagnosticCode::NextAndEnd,
                    format!("state '{name}' has both 'Next' and 'End'; use exactly one"),
                    &pointer(path, "End"),
                    span,
                );
            } else if state.next.is_none() && !state.end && node.get("Next").is_none() {
                self.error(
                    DiagnosticCode::MissingNextOrEnd,
                    format!("state '{name}' needs 'Next' or \"End\": true"),
                    path,
                    name_span,
                );
            }
        }
    }

    /// A Parallel state's `Branches`, each a scope of its own.
    fn parallel_branches(
        &mut self,
        node: &Node,
        path: &str,
        id: StateId,
        name: &str,
        name_span: Span,
    ) {
        let mut scopes = Vec::new();
        match node.member("Branches") {
            None => self.error(
                DiagnosticCode::MissingField,
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
                    DiagnosticCode::EmptyBranches,
                    "'Branches' must have at least one branch",
                    &pointer(path, "Branches"),
                    b.value.span,
                ),
                _ => self.error(
                    DiagnosticCode::InvalidType,
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

    /// A Map state's `ItemProcessor` (or the older `Iterator`), a scope of its own.
    fn map_processor(&mut self, node: &Node, path: &str, id: StateId, name: &str, name_span: Span) {
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
                    DiagnosticCode::MapProcessor,
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
                    DiagnosticCode::MapProcessor,
                    format!("Map state '{name}' needs an 'ItemProcessor'"),
                    path,
                    name_span,
                );
                None
            }
        };
        self.in_distributed -= usize::from(distributed);
        if let Some(StateKind::Map(map)) = self.states.get_mut(id.0 as usize).map(|s| &mut s.kind) {
            map.processor = processor;
        }
    }

    pub(super) fn wait(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
            .into_iter()
            .filter(|f| node.get(f).is_some())
            .collect();
        if present.len() != 1 {
            self.error(
                DiagnosticCode::WaitDuration,
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
                        _ => self.error(DiagnosticCode::InvalidTimestamp, "'Timestamp' must be an RFC 3339 timestamp such as \"2026-03-14T01:59:00Z\"", &pointer(path, "Timestamp"), t.span),
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

    pub(super) fn fail(&mut self, node: &Node, path: &str, state: &mut State) {
        self.exclusive(node, path, "Error", "ErrorPath");
        self.exclusive(node, path, "Cause", "CausePath");
        for f in ["Error", "Cause"] {
            if let Some(v) = node.get(f) {
                if v.as_str().is_none() {
                    self.error(
                        DiagnosticCode::InvalidType,
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
}
