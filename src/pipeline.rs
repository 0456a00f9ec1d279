//! The façade: the only functions the UI and the CLI call to analyse what the user gave us.
//!
//! `analyze` never fails: whatever it could understand comes back with every problem it found.

use crate::diag::Diagnostic;
use crate::source::{self, SourceText, Syntax};

/// Everything we know about one definition text.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub syntax: Syntax,
    /// Every state name, in source order, nested scopes included.
    pub states: Vec<String>,
    pub comment: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Analyses a definition text.
pub fn analyze(src: &SourceText) -> Analysis {
    let (syntax, tree) = source::parse_tree(&src.text);
    let mut analysis = Analysis {
        syntax,
        states: Vec::new(),
        comment: None,
        diagnostics: Vec::new(),
    };
    match tree {
        Ok(root) => {
            analysis.comment = root
                .get("Comment")
                .and_then(|c| c.as_str())
                .map(String::from);
            collect_states(&root, &mut analysis.states);
        }
        Err(e) => {
            analysis
                .diagnostics
                .push(Diagnostic::error("syntax", e.message, "", Some(e.span)))
        }
    }
    analysis
}

fn collect_states(scope: &source::Node, out: &mut Vec<String>) {
    let Some(states) = scope.get("States") else {
        return;
    };
    for m in states.members() {
        out.push(m.key.clone());
        for b in m.value.get("Branches").map(|b| b.items()).unwrap_or(&[]) {
            collect_states(b, out);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(p) = m.value.get(key) {
                collect_states(p, out);
            }
        }
    }
}
