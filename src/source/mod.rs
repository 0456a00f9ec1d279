//! Source text as the user gave it, and the spanned document tree every reader works on.
//!
//! This module owns turning bytes into a [`Node`] tree with byte spans, for JSON and YAML alike,
//! so that every later stage can point a diagnostic at a line and column. It knows nothing of ASL.

mod json;
mod span;
mod tree;
mod yaml;

pub use json::decode_escape;
pub use span::{LineIndex, Span};
pub use tree::{Member, Node, Value};

/// A text the user pasted, dropped or named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// A display name: a file name, or "definition" for pasted text.
    pub name: String,
    /// The text itself.
    pub text: String,
}

impl SourceText {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceText {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// The syntax a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

/// A syntax error with the place it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Guesses the syntax: JSON when the first meaningful character opens an object or array.
///
/// YAML is a superset of JSON, but our JSON reader gives far better messages for JSON input,
/// and a text that starts with `{` or `[` is meant as JSON in practice.
pub fn sniff(text: &str) -> Syntax {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    match trimmed.as_bytes().first() {
        Some(b'{') | Some(b'[') => Syntax::Json,
        _ => Syntax::Yaml,
    }
}

/// Parses a text as JSON or YAML (sniffed) into a spanned tree.
pub fn parse_tree(text: &str) -> (Syntax, Result<Node, SyntaxError>) {
    let syntax = sniff(text);
    let result = match syntax {
        Syntax::Json => json::parse(text),
        Syntax::Yaml => yaml::parse(text),
    };
    (syntax, result)
}

/// Parses a text as JSON.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    json::parse(text)
}

/// Parses a text as YAML (which includes JSON-like flow syntax).
pub fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    yaml::parse(text)
}
