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

/// Declares [`DiagnosticCode`]: each variant with its kebab-case text, which is what the CLI,
/// the JSON output and the worker's messages carry.
macro_rules! codes {
    ($($variant:ident = $text:literal,)*) => {
        /// Every code a diagnostic may have: the one list. It crosses the worker as its text and
        /// comes back the same variant.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum DiagnosticCode {
            $(#[serde(rename = $text)] $variant,)*
        }

        impl DiagnosticCode {
            pub const ALL: &'static [DiagnosticCode] = &[$(DiagnosticCode::$variant,)*];

            /// The kebab-case text: `unknown-next-target`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosticCode::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    ClockOutlier = "clock-outlier",
    DefinitionInFile = "definition-in-file",
    DistributedOnlyField = "distributed-only-field",
    DuplicateField = "duplicate-field",
    DuplicateStateName = "duplicate-state-name",
    DuplicateTemplateField = "duplicate-template-field",
    DynamicValue = "dynamic-value",
    EmptyBranches = "empty-branches",
    EmptyChoices = "empty-choices",
    EmptyErrorEquals = "empty-error-equals",
    EmptyName = "empty-name",
    EmptyStates = "empty-states",
    EndsBeforeStart = "ends-before-start",
    ExclusiveFields = "exclusive-fields",
    FieldNotAllowed = "field-not-allowed",
    HeartbeatTooLong = "heartbeat-too-long",
    History = "history",
    InvalidChoiceRule = "invalid-choice-rule",
    InvalidCredentials = "invalid-credentials",
    InvalidJsonata = "invalid-jsonata",
    InvalidLabel = "invalid-label",
    InvalidPath = "invalid-path",
    InvalidResource = "invalid-resource",
    InvalidTemplatePath = "invalid-template-path",
    InvalidTimestamp = "invalid-timestamp",
    InvalidType = "invalid-type",
    InvalidValue = "invalid-value",
    JsonataFieldInJsonpath = "jsonata-field-in-jsonpath",
    JsonpathFieldInJsonata = "jsonpath-field-in-jsonata",
    MapProcessor = "map-processor",
    MissingField = "missing-field",
    MissingNextOrEnd = "missing-next-or-end",
    MissingStartAt = "missing-start-at",
    MissingStates = "missing-states",
    MissingType = "missing-type",
    NameTooLong = "name-too-long",
    NestedRuleNext = "nested-rule-next",
    NextAndEnd = "next-and-end",
    NoDefinition = "no-definition",
    NoEvents = "no-events",
    NoPathToEnd = "no-path-to-end",
    NoStateMachine = "no-state-machine",
    NoTerminalState = "no-terminal-state",
    NormalisedIds = "normalised-ids",
    NotAnObject = "not-an-object",
    OutOfRange = "out-of-range",
    PartialHistory = "partial-history",
    Placeholder = "placeholder",
    QueryLanguageDowngrade = "query-language-downgrade",
    ResourceNotArn = "resource-not-arn",
    StatesAllNotAlone = "states-all-not-alone",
    StatesAllNotLast = "states-all-not-last",
    Syntax = "syntax",
    TerraformJsonencode = "terraform-jsonencode",
    TooBig = "too-big",
    TransitionOutOfScope = "transition-out-of-scope",
    UnexpectedTransition = "unexpected-transition",
    UnknownErrorName = "unknown-error-name",
    UnknownField = "unknown-field",
    UnknownMachine = "unknown-machine",
    UnknownNextTarget = "unknown-next-target",
    UnknownStartAt = "unknown-start-at",
    UnknownState = "unknown-state",
    UnknownType = "unknown-type",
    UnreachableState = "unreachable-state",
    UnrecognizedInput = "unrecognized-input",
    WaitDuration = "wait-duration",
}

impl DiagnosticCode {
    /// The code spelled `text`, if there is one.
    pub fn parse(text: &str) -> Option<DiagnosticCode> {
        DiagnosticCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Codes compare with their text, so tests and tools can write `d.code == "syntax"`.
impl PartialEq<&str> for DiagnosticCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code such as `unknown-next-target`.
    pub code: DiagnosticCode,
    pub message: String,
    /// A JSON pointer such as `/States/Foo/Next`; empty for the whole document.
    pub path: String,
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: DiagnosticCode,
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
        code: DiagnosticCode,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic::new(Severity::Error, code, message, path, span)
    }

    pub fn warning(
        code: DiagnosticCode,
        message: impl Into<String>,
        path: impl Into<String>,
        span: Option<Span>,
    ) -> Self {
        Diagnostic::new(Severity::Warning, code, message, path, span)
    }

    pub fn info(
        code: DiagnosticCode,
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
