//! CloudFormation, SAM and Serverless templates: a state machine's `Definition` (a tree),
//! `DefinitionString` (a string, `Fn::Sub` or `Fn::Join`), `DefinitionUri`, and
//! `DefinitionSubstitutions`, expanded within the byte budget.

use super::*;
use crate::diag::DiagnosticCode;

/// `DefinitionSubstitutions` (and `Fn::Sub` variables) by name.
type Subs = std::collections::HashMap<String, String>;

/// Builds a text from pieces, each with its own map, plus substitutions, within
/// `limits::MAX_EXPANDED_BYTES` (each `${Name}` is replaced once, never re-scanned, as
/// CloudFormation does, so a chain of values naming each other can't double the text).
#[derive(Default)]
struct ExpandedText {
    text: String,
    map: OffsetMap,
    /// Set when a substitution would take the text past the budget; the text stops there.
    overflow: bool,
}

impl ExpandedText {
    fn piece(&mut self, piece: &str, piece_map: &OffsetMap, subs: &Subs) {
        // Apply `${Name}` substitutions whose value is a literal; `${!X}` is a literal `${X}`.
        let mut i = 0;
        let bytes = piece.as_bytes();
        // The next `}` at or after i, found once and reused while it lies ahead (searching from
        // every `${` was quadratic in `${${${…`).
        let mut close_at: Option<Option<usize>> = None;
        while i < bytes.len() && !self.overflow {
            if self.text.len() + piece.len() - i > crate::limits::MAX_EXPANDED_BYTES {
                self.overflow = true;
                break;
            }
            self.map.push(self.text.len(), piece_map.map(i));
            if bytes.get(i) == Some(&b'$') && bytes.get(i + 1) == Some(&b'{') {
                let next = match close_at {
                    Some(Some(c)) if c >= i => Some(c),
                    Some(None) => None,
                    _ => {
                        let found = piece.get(i..).and_then(|r| r.find('}')).map(|c| i + c);
                        close_at = Some(found);
                        found
                    }
                };
                if let Some(close) = next.map(|c| c - i) {
                    let name = piece.get(i + 2..i + close).unwrap_or("");
                    if let Some(lit) = name.strip_prefix('!') {
                        self.text.push_str("${");
                        self.text.push_str(lit);
                        self.text.push('}');
                        i += close + 1;
                        continue;
                    }
                    if let Some(v) = subs.get(name) {
                        if self.text.len() + v.len() > crate::limits::MAX_EXPANDED_BYTES {
                            self.overflow = true;
                            break;
                        }
                        self.text.push_str(v);
                        i += close + 1;
                        self.map.push(self.text.len(), piece_map.map(i));
                        continue;
                    }
                }
            }
            let ch = piece
                .get(i..)
                .and_then(|r| r.chars().next())
                .unwrap_or('\u{fffd}');
            self.text.push(ch);
            i += ch.len_utf8().max(1);
        }
    }

    fn opaque(&mut self, placeholder: &str, outer: usize) {
        if self.overflow || self.text.len() + placeholder.len() > crate::limits::MAX_EXPANDED_BYTES
        {
            self.overflow = true;
            return;
        }
        self.map.push(self.text.len(), outer);
        self.text.push_str(placeholder);
    }
}

/// A placeholder for an intrinsic function we can't evaluate (`Ref`, `Fn::GetAtt`, ...).
fn intrinsic_placeholder(node: &Node) -> Option<String> {
    if let Some(tag) = &node.tag {
        let arg = node
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| node.to_json().to_string());
        return Some(format!("${{{}:{}}}", tag.trim_start_matches('!'), arg));
    }
    let m = node.members().first()?;
    if node.members().len() != 1 || !(m.key == "Ref" || m.key.starts_with("Fn::")) {
        return None;
    }
    let arg = match &m.value.value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join("."),
        _ => m.value.to_json().to_string(),
    };
    Some(format!("${{{}:{}}}", m.key.trim_start_matches("Fn::"), arg))
}

/// Assembles a `DefinitionString` value: a string, `Fn::Sub`/`!Sub` (string or [string, vars]),
/// or `Fn::Join`/`!Join` of strings and intrinsics.
fn expand_definition_string(
    outer: &str,
    node: &Node,
    subs: &Subs,
    out: &mut ExpandedText,
    depth: usize,
) -> bool {
    if depth > 16 {
        return false;
    }
    let tag = node.tag.as_deref();
    // `!Sub` / `Fn::Sub`.
    let sub_arg = match tag {
        Some("!Sub") => Some(node),
        _ => node.get("Fn::Sub").filter(|_| node.members().len() == 1),
    };
    if let Some(arg) = sub_arg {
        let (template, vars) = match &arg.value {
            Value::Array(items) => (items.first(), items.get(1)),
            _ => (Some(arg), None),
        };
        // The template's own variables over the machine's substitutions; copied only when there
        // are some (a Join of many `!Sub` parts would copy the map for each).
        let own: Vec<(String, String)> = vars
            .map(|vars| {
                vars.members()
                    .iter()
                    .filter_map(|m| literal(&m.value).map(|v| (m.key.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        let with_own;
        let all = if own.is_empty() {
            subs
        } else {
            let mut all = subs.clone();
            all.extend(own);
            with_own = all;
            &with_own
        };
        return match template {
            Some(t) if t.as_str().is_some() => {
                let (s, map) = string_with_offsets(outer, t);
                out.piece(&s, &map, all);
                true
            }
            _ => false,
        };
    }
    // `!Join` / `Fn::Join`.
    let join_arg = match tag {
        Some("!Join") => Some(node),
        _ => node.get("Fn::Join").filter(|_| node.members().len() == 1),
    };
    if let Some(arg) = join_arg {
        let items = arg.items();
        let sep = items
            .first()
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let parts = items.get(1).map(|p| p.items()).unwrap_or(&[]);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 && !sep.is_empty() {
                out.opaque(&sep, part.span.start);
            }
            if part.as_str().is_some() && part.tag.is_none() {
                let (s, map) = string_with_offsets(outer, part);
                out.piece(&s, &map, subs);
            } else if !expand_definition_string(outer, part, subs, out, depth + 1) {
                let ph = intrinsic_placeholder(part).unwrap_or_else(|| "${?}".to_string());
                out.opaque(&ph, part.span.start);
            }
        }
        return true;
    }
    if node.as_str().is_some() && node.tag.is_none() {
        let (s, map) = string_with_offsets(outer, node);
        out.piece(&s, &map, subs);
        return true;
    }
    if let Some(ph) = intrinsic_placeholder(node) {
        out.opaque(&ph, node.span.start);
        return true;
    }
    false
}

fn literal(node: &Node) -> Option<String> {
    if node.tag.is_some() {
        return None;
    }
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_, raw) => Some(raw.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Replaces `${Name}` in every string of an inline `Definition` tree with literal substitutions,
/// once each, as `DefinitionString` does. `total` counts the bytes written; false past the budget.
fn substitute_tree(node: &mut Node, subs: &Subs, depth: usize, total: &mut usize) -> bool {
    if depth > crate::limits::MAX_DEPTH || subs.is_empty() {
        return true;
    }
    match &mut node.value {
        Value::String(s) if s.contains("${") => {
            let mut a = ExpandedText::default();
            a.piece(s, &OffsetMap::identity(), subs);
            *total += a.text.len();
            if a.overflow || *total > crate::limits::MAX_EXPANDED_BYTES {
                return false;
            }
            *s = a.text;
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .all(|i| substitute_tree(i, subs, depth + 1, total)),
        Value::Object(members) => members
            .iter_mut()
            .all(|m| substitute_tree(&mut m.value, subs, depth + 1, total)),
        _ => true,
    }
}

/// The message for substitutions that expand past the budget.
fn expands_too_far(field: &crate::source::Member, path: &str) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::TooBig,
        format!(
            "'DefinitionSubstitutions' expand this definition past {}, the limit for expanded text",
            crate::limits::size(crate::limits::MAX_EXPANDED_BYTES)
        ),
        path.to_string(),
        Some(field.key_span),
    )
}

/// A definition held in a string (or built with `Fn::Sub` / `Fn::Join`), or a message saying why not.
fn definition_string_body(
    outer: &str,
    field: &crate::source::Member,
    subs: &Subs,
    path: &str,
) -> Body {
    let mut a = ExpandedText::default();
    let whole = expand_definition_string(outer, &field.value, subs, &mut a, 0);
    if a.overflow {
        return Body::Message(expands_too_far(field, path));
    }
    if whole {
        Body::Text {
            text: a.text,
            map: a.map,
        }
    } else {
        Body::Message(Diagnostic::error(
            DiagnosticCode::NoDefinition,
            format!(
                "'{}' uses an intrinsic function we can't expand; paste the definition itself",
                field.key
            ),
            path.to_string(),
            Some(field.key_span),
        ))
    }
}

pub(super) fn template(outer: &str, root: &Node, resources: &Node) -> Detected {
    let is_sam = root.get("Transform").is_some_and(|t| {
        t.as_str().is_some_and(|s| s.contains("Serverless"))
            || t.items()
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.contains("Serverless")))
    });
    let mut machines = Vec::new();
    let mut any_sam_machine = false;
    for r in resources.members() {
        let ty = r.value.get("Type").and_then(Node::as_str).unwrap_or("");
        if ty != "AWS::StepFunctions::StateMachine" && ty != "AWS::Serverless::StateMachine" {
            continue;
        }
        any_sam_machine |= ty == "AWS::Serverless::StateMachine";
        let props = r.value.get("Properties");
        let path = format!("/Resources/{}/Properties", r.key);
        let subs: Subs = props
            .and_then(|p| p.get("DefinitionSubstitutions"))
            .map(|s| {
                s.members()
                    .iter()
                    .filter_map(|m| literal(&m.value).map(|v| (m.key.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        let get = |k: &str| props.and_then(|p| p.member(k));
        let body = if let Some(d) = get("Definition") {
            if d.value.is_object() {
                let mut tree = d.value.clone();
                if substitute_tree(&mut tree, &subs, 0, &mut 0) {
                    Body::Tree(tree)
                } else {
                    Body::Message(expands_too_far(d, &pointer(&path, "Definition")))
                }
            } else {
                definition_string_body(outer, d, &subs, &pointer(&path, "Definition"))
            }
        } else if let Some(d) = get("DefinitionString") {
            definition_string_body(outer, d, &subs, &pointer(&path, "DefinitionString"))
        } else if let Some(d) = get("DefinitionUri") {
            let file = d.value.as_str().map(String::from).unwrap_or_else(|| {
                let b = d.value.get("Bucket").and_then(Node::as_str).unwrap_or("?");
                let k = d.value.get("Key").and_then(Node::as_str).unwrap_or("?");
                format!("s3://{b}/{k}")
            });
            Body::Message(Diagnostic::error(
                DiagnosticCode::DefinitionInFile,
                format!(
                    "'{}' keeps its definition in {file}: paste that file instead",
                    r.key
                ),
                pointer(&path, "DefinitionUri"),
                Some(d.key_span),
            ))
        } else if let Some(d) = get("DefinitionS3Location") {
            let b = d.value.get("Bucket").and_then(Node::as_str).unwrap_or("?");
            let k = d.value.get("Key").and_then(Node::as_str).unwrap_or("?");
            Body::Message(Diagnostic::error(
                DiagnosticCode::DefinitionInFile,
                format!(
                    "'{}' keeps its definition in s3://{b}/{k}: paste that file instead",
                    r.key
                ),
                pointer(&path, "DefinitionS3Location"),
                Some(d.key_span),
            ))
        } else {
            Body::Message(Diagnostic::error(
                DiagnosticCode::NoDefinition,
                format!("'{}' has no definition", r.key),
                format!("/Resources/{}", r.key),
                Some(r.key_span),
            ))
        };
        machines.push(Candidate {
            name: r.key.clone(),
            body,
        });
    }
    let form = if is_sam || any_sam_machine {
        Form::Sam
    } else {
        Form::CloudFormation
    };
    let diagnostics = if machines.is_empty() {
        vec![Diagnostic::error(
            DiagnosticCode::NoStateMachine,
            "this template has no AWS::StepFunctions::StateMachine or AWS::Serverless::StateMachine resource",
            "/Resources",
            Some(Span::new(resources.span.start, resources.span.start + 1)),
        )]
    } else {
        Vec::new()
    };
    Detected {
        form,
        machines,
        diagnostics,
    }
}
