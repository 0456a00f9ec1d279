//! Diagnostics: what every stage reports about the user's input instead of failing.
//!
//! A diagnostic has a stable code (tests pin codes, not wording), a severity, a lowercase message
//! without a trailing period, a JSON pointer into the document, and a byte span where known.
//! Lines and columns are computed at the edge, from the span, by [`Diagnostic::line_col`].

use crate::source::{LineIndex, Span};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Every code a diagnostic may have: the one list. A code crosses the worker as text and is
/// matched back to its entry here (`tests/it/check.rs` checks that every code the core writes is
/// listed).
pub const CODES: &[&str] = &[
    "clock-outlier",
    "definition-in-file",
    "distributed-only-field",
    "duplicate-field",
    "duplicate-state-name",
    "duplicate-template-field",
    "dynamic-value",
    "empty-branches",
    "empty-choices",
    "empty-error-equals",
    "empty-name",
    "empty-states",
    "ends-before-start",
    "exclusive-fields",
    "field-not-allowed",
    "heartbeat-too-long",
    "history",
    "invalid-choice-rule",
    "invalid-credentials",
    "invalid-jsonata",
    "invalid-label",
    "invalid-path",
    "invalid-resource",
    "invalid-template-path",
    "invalid-timestamp",
    "invalid-type",
    "invalid-value",
    "jsonata-field-in-jsonpath",
    "jsonpath-field-in-jsonata",
    "map-processor",
    "missing-field",
    "missing-next-or-end",
    "missing-start-at",
    "missing-states",
    "missing-type",
    "name-too-long",
    "nested-rule-next",
    "next-and-end",
    "no-definition",
    "no-events",
    "no-path-to-end",
    "no-state-machine",
    "no-terminal-state",
    "normalised-ids",
    "not-an-object",
    "out-of-range",
    "partial-history",
    "placeholder",
    "query-language-downgrade",
    "resource-not-arn",
    "states-all-not-alone",
    "states-all-not-last",
    "syntax",
    "terraform-jsonencode",
    "too-big",
    "transition-out-of-scope",
    "unexpected-transition",
    "unknown-error-name",
    "unknown-field",
    "unknown-machine",
    "unknown-next-target",
    "unknown-start-at",
    "unknown-state",
    "unknown-type",
    "unreachable-state",
    "unrecognized-input",
    "wait-duration",
];

/// The listed code spelled `text`, if there is one.
pub fn code_named(text: &str) -> Option<&'static str> {
    CODES.iter().find(|c| **c == text).copied()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, kebab-case identifier such as `unknown-next-target`.
    pub code: &'static str,
    pub message: String,
    /// A JSON pointer such as `/States/Foo/Next`; empty for the whole document.
    pub path: String,
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            path: path.into(),
            span,
        }
    }

    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic::new(Severity::Error, code, message, path, span)
    }

    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic::new(Severity::Warning, code, message, path, span)
    }

    pub fn info(
        code: &'static str,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic::new(Severity::Info, code, message, path, span)
    }

    /// 1-based line and column (characters) of the start of the span, or 1:1 without a span.
    pub fn line_col(&self, text: &str, index: &LineIndex) -> (usize, usize) {
        match self.span {
            Some(span) => index.line_col(text, span.start),
            None => (1, 1),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Appends a JSON-pointer segment, escaping `~` and `/` as RFC 6901 says.
pub fn pointer(base: &str, segment: &str) -> String {
    let mut out = String::with_capacity(base.len() + segment.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}
