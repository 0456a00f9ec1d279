//! Choice states: rules, their comparisons and their Next, and the Default.

use super::*;
use crate::diag::DiagnosticCode;

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

impl Lowerer {
    pub(super) fn choice(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let mut rules = Vec::new();
        let cp = pointer(path, "Choices");
        match node.member("Choices") {
            None => self.error(
                DiagnosticCode::MissingField,
                format!("Choice state '{}' has no 'Choices'", state.name),
                path,
                state.name_span,
            ),
            Some(m) => match &m.value.value {
                Value::Array(items) if items.is_empty() => self.error(
                    DiagnosticCode::EmptyChoices,
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
                                DiagnosticCode::MissingField,
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
                    DiagnosticCode::InvalidType,
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
    pub(super) fn rule(
        &mut self,
        node: &Node,
        path: &str,
        ql: QueryLanguage,
        top: bool,
        depth: usize,
    ) -> Condition {
        if depth > 32 {
            self.error(
                DiagnosticCode::InvalidChoiceRule,
                "Choice rules nested too deeply",
                path,
                node.span,
            );
            return Condition::Invalid;
        }
        if !node.is_object() {
            self.error(
                DiagnosticCode::InvalidChoiceRule,
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
                    DiagnosticCode::NestedRuleNext,
                    "a rule inside 'And', 'Or' or 'Not' must not have 'Next'",
                    &pointer(path, "Next"),
                    n.key_span,
                );
            }
        }
        if ql == QueryLanguage::Jsonata {
            return self.jsonata_rule(node, path);
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
                    DiagnosticCode::JsonataFieldInJsonpath,
                    format!("'{key}' needs \"QueryLanguage\": \"JSONata\""),
                    &p,
                    m.key_span,
                ),
                k if is_comparison(k) => ops.push(m),
                k if is_placeholder(k) => self.warning(
                    DiagnosticCode::Placeholder,
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
                            DiagnosticCode::InvalidChoiceRule,
                            format!("unknown field '{key}' in a Choice rule (did you mean '{g}'?)"),
                            &p,
                            m.key_span,
                        ),
                        None => self.error(
                            DiagnosticCode::InvalidChoiceRule,
                            format!("unknown field '{key}' in a Choice rule"),
                            &p,
                            m.key_span,
                        ),
                    }
                }
            }
        }
        if let Some(c) = combinators.first() {
            let more = combinators.len() > 1 || !ops.is_empty() || node.get("Variable").is_some();
            return self.combinator_rule(node, path, c, more, ql, depth);
        }
        let variable = match node.member("Variable") {
            None => {
                self.error(
                    DiagnosticCode::InvalidChoiceRule,
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
                                DiagnosticCode::InvalidPath,
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
                        DiagnosticCode::InvalidType,
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
                DiagnosticCode::InvalidChoiceRule,
                "a Choice rule needs one comparison operator, such as 'StringEquals'",
                path,
                node.span,
            );
            return Condition::Invalid;
        };
        if ops.len() > 1 {
            self.error(
                DiagnosticCode::InvalidChoiceRule,
                "each Choice rule can only have one comparison operator",
                &pointer(path, &ops[1].key),
                ops[1].key_span,
            );
        }
        let (op, value) = self.comparison(op, path);
        Condition::Compare {
            variable,
            op,
            value,
        }
    }

    /// A JSONata rule: only `Condition` (and `Next`, `Assign`, `Output`, `Comment`).
    fn jsonata_rule(&mut self, node: &Node, path: &str) -> Condition {
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
                    DiagnosticCode::JsonpathFieldInJsonata
                } else {
                    DiagnosticCode::UnknownField
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
        match node.get("Condition") {
            Some(c) => match c.as_str() {
                Some(s) => Condition::Jsonata(s.to_string()),
                None => match c.as_bool() {
                    Some(b) => Condition::Jsonata(b.to_string()),
                    None => {
                        self.error(
                            DiagnosticCode::InvalidType,
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
                    DiagnosticCode::MissingField,
                    "a JSONata Choice rule needs 'Condition'",
                    path,
                    node.span,
                );
                Condition::Invalid
            }
        }
    }

    /// `And`, `Or` or `Not` (`c`), each holding rules; `more` says the rule also has another
    /// combinator, a comparison or a `Variable`, which it can't.
    fn combinator_rule(
        &mut self,
        node: &Node,
        path: &str,
        c: &crate::source::Member,
        more: bool,
        ql: QueryLanguage,
        depth: usize,
    ) -> Condition {
        if more {
            self.error(
                DiagnosticCode::InvalidChoiceRule,
                "a Choice rule with 'And', 'Or' or 'Not' can't also compare a 'Variable'",
                path,
                node.span,
            );
        }
        let cp = pointer(path, &c.key);
        match (c.key.as_str(), &c.value.value) {
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
                    DiagnosticCode::InvalidChoiceRule,
                    "'Not' must hold one rule object",
                    &cp,
                    c.value.span,
                );
                Condition::Invalid
            }
            _ => {
                self.error(
                    DiagnosticCode::InvalidChoiceRule,
                    format!("'{}' must hold a non-empty array of rules", c.key),
                    &cp,
                    c.value.span,
                );
                Condition::Invalid
            }
        }
    }

    /// A comparison operator and its value: the value's type checked against the operator's,
    /// paths and timestamps checked. Returns the operator and the value as shown.
    fn comparison(&mut self, op: &crate::source::Member, path: &str) -> (String, String) {
        let key = op.key.as_str();
        let p = pointer(path, key);
        let v = &op.value;
        let type_ok = if key.ends_with("Path") && !key.starts_with("Is") {
            match v.as_str() {
                Some(s) => {
                    if let Err(e) = check_path(s) {
                        self.error(
                            DiagnosticCode::InvalidPath,
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
                            DiagnosticCode::InvalidTimestamp,
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
                DiagnosticCode::InvalidType,
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
        (key.to_string(), value)
    }
}
