//! Retry and Catch: retriers, catchers and the errors they match.

use super::*;
use crate::diag::DiagnosticCode;

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
impl Lowerer {
    pub(super) fn error_equals(&mut self, node: &Node, path: &str) -> Vec<String> {
        let p = pointer(path, "ErrorEquals");
        match node.get("ErrorEquals") {
            None => {
                self.error(
                    DiagnosticCode::MissingField,
                    "'ErrorEquals' is required",
                    path,
                    node.span,
                );
                Vec::new()
            }
            Some(e) => match &e.value {
                Value::Array(items) if items.is_empty() => {
                    self.error(
                        DiagnosticCode::EmptyErrorEquals,
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
                                        DiagnosticCode::UnknownErrorName,
                                        format!("'{s}' is not an error name the service defines"),
                                        &pointer(&p, &i.to_string()),
                                        item.span,
                                    );
                                }
                                out.push(s.to_string());
                            }
                            None => self.error(
                                DiagnosticCode::InvalidType,
                                "error names must be strings",
                                &pointer(&p, &i.to_string()),
                                item.span,
                            ),
                        }
                    }
                    if out.iter().any(|s| s == "States.ALL") && out.len() > 1 {
                        self.error(
                            DiagnosticCode::StatesAllNotAlone,
                            "'States.ALL' must appear alone in 'ErrorEquals'",
                            &p,
                            e.span,
                        );
                    }
                    out
                }
                _ => {
                    self.error(
                        DiagnosticCode::InvalidType,
                        "'ErrorEquals' must be an array of error names",
                        &p,
                        e.span,
                    );
                    Vec::new()
                }
            },
        }
    }

    pub(super) fn retriers(&mut self, node: &Node, path: &str) -> Vec<Retrier> {
        let Some(r) = node.get("Retry") else {
            return Vec::new();
        };
        let rp = pointer(path, "Retry");
        let Value::Array(items) = &r.value else {
            self.error(
                DiagnosticCode::InvalidType,
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
                self.error(
                    DiagnosticCode::InvalidType,
                    "a retrier must be an object",
                    &p,
                    item.span,
                );
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
                    DiagnosticCode::StatesAllNotLast,
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
                            DiagnosticCode::DynamicValue,
                            "'BackoffRate' holds a reference, which is only known at run time",
                            &pointer(&p, "BackoffRate"),
                            v.span,
                        );
                    }
                    Some(b) if b.is_infinite() => self.error(
                        DiagnosticCode::OutOfRange,
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
                        DiagnosticCode::OutOfRange,
                        format!(
                            "'BackoffRate' must be at least 1 (the allowed minimum is 1), not {b}"
                        ),
                        &pointer(&p, "BackoffRate"),
                        v.span,
                    ),
                    None => self.error(
                        DiagnosticCode::InvalidType,
                        "'BackoffRate' must be a number",
                        &pointer(&p, "BackoffRate"),
                        v.span,
                    ),
                }
            }
            if let Some(v) = item.get("JitterStrategy") {
                if !matches!(v.as_str(), Some("FULL" | "NONE")) {
                    self.error(DiagnosticCode::InvalidValue, format!("'JitterStrategy' {} is not one of the allowed values [\"FULL\", \"NONE\"]", render_value(v)), &pointer(&p, "JitterStrategy"), v.span);
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

    pub(super) fn catchers(&mut self, node: &Node, path: &str, ql: QueryLanguage) -> Vec<Catcher> {
        let Some(c) = node.get("Catch") else {
            return Vec::new();
        };
        let cp = pointer(path, "Catch");
        let Value::Array(items) = &c.value else {
            self.error(
                DiagnosticCode::InvalidType,
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
                self.error(
                    DiagnosticCode::InvalidType,
                    "a catcher must be an object",
                    &p,
                    item.span,
                );
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
                        DiagnosticCode::JsonpathFieldInJsonata,
                        "'ResultPath' is a JSONPath field; a JSONata catcher uses 'Output'",
                        &mp,
                        m.key_span,
                    );
                } else if ql == QueryLanguage::JsonPath && key == "Output" {
                    self.error(
                        DiagnosticCode::JsonataFieldInJsonpath,
                        "'Output' needs \"QueryLanguage\": \"JSONata\"",
                        &mp,
                        m.key_span,
                    );
                }
            }
            let error_equals = self.error_equals(item, &p);
            if error_equals.iter().any(|e| e == "States.ALL") && i + 1 != items.len() {
                self.error(
                    DiagnosticCode::StatesAllNotLast,
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
                self.error(
                    DiagnosticCode::MissingField,
                    "a catcher needs 'Next'",
                    &p,
                    item.span,
                );
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
}
