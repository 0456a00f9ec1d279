//! A YAML reader over libyaml-safer (a Rust port of libyaml) that builds the same spanned tree
//! as JSON.
//!
//! libyaml is what CloudFormation, SAM and the AWS CLI read YAML with, so a template they accept
//! is read here too (yaml-rust2, which we used before, refused flow collections closed left of
//! their block's indentation, which libyaml allows). We use its event API because only events
//! carry positions (byte offsets, start and end) and tags: CloudFormation short forms (`!Sub`,
//! `!GetAtt`) arrive as tags and must be kept. The parser is iterative; our builder keeps its own
//! stack and refuses nesting past `MAX_DEPTH` in either style, block or flow. Anchors and aliases
//! are expanded within `limits::MAX_EXPANDED_BYTES`, counted in bytes (every node and every
//! string it holds), so an alias bomb is an error before it allocates, not a hang or a trap. Merge keys (`<<: *base`)
//! are applied, as the Serverless Framework and SAM users write them.

use super::{Member, Node, Span, SyntaxError, Value};
use libyaml_safer::{Event, EventData, Parser, ScalarStyle};

use crate::limits::{size, MAX_DEPTH, MAX_EXPANDED_BYTES};

/// What a node costs in the tree beyond its strings: its own struct (a member's, at most).
const NODE_BYTES: usize = std::mem::size_of::<Member>();

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    // Refuse absurd flow nesting before the parser keeps a state per level.
    if let Some(at) = too_deep(text) {
        return Err(SyntaxError {
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            span: Span::new(at, at + 1),
        });
    }
    let mut builder = Builder {
        len: text.len(),
        stack: Vec::new(),
        anchors: std::collections::HashMap::new(),
        docs: Vec::new(),
        bytes: 0,
        error: None,
    };
    // libyaml-safer 0.3 panics ("unexpected end of input") when the text ends inside a block
    // scalar or an escape without a line break, where libyaml itself reads on into its padding.
    // A line break after the end changes no value and no offset before it; it is read after the
    // text, not copied onto it.
    use std::io::Read;
    let tail: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
    let mut parser = Parser::new();
    parser.set_input(text.as_bytes().chain(tail));
    for ev in parser {
        match ev {
            Ok(ev) => {
                builder.on_event(ev);
                if builder.error.is_some() {
                    break;
                }
            }
            Err(e) => {
                let at = e
                    .problem_mark()
                    .map_or(0, |m| (m.index as usize).min(text.len()));
                let message = match e.context() {
                    Some(c) => format!("{} {c}", e.problem()),
                    None => e.problem().to_string(),
                };
                return Err(SyntaxError {
                    message,
                    span: Span::new(at, at + 1),
                });
            }
        }
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    let mut docs = builder.docs.into_iter();
    match docs.next() {
        Some(doc) => Ok(doc),
        None => Ok(Node::new(Value::Null, Span::new(0, 0))),
    }
}

/// A cheap pre-scan for flow-style nesting so deep that the recursive parser could overflow.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

enum Frame {
    Seq {
        start: usize,
        anchor: Option<String>,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: Option<String>,
        tag: Option<String>,
        members: Vec<Member>,
        key: Option<Node>,
    },
}

struct Builder {
    len: usize,
    stack: Vec<Frame>,
    /// Each anchor's node and its weight in bytes; a later anchor of the same name wins.
    anchors: std::collections::HashMap<String, (Node, usize)>,
    docs: Vec<Node>,
    /// Bytes the tree holds so far (see [`Builder::weight`]).
    bytes: usize,
    error: Option<SyntaxError>,
}

/// Core-schema tags in their short form (`!!str`); CloudFormation's (`!Sub`) as written.
fn tag_name(tag: Option<String>) -> Option<String> {
    let tag = tag?;
    Some(match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(core) => format!("!!{core}"),
        None => tag,
    })
}

fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" => {
            return Value::Number(f64::INFINITY, s.to_string());
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Number(f64::NEG_INFINITY, s.to_string()),
        _ => {}
    }
    let looks_numeric = s
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.');
    if looks_numeric {
        if let Some(hex) = s.strip_prefix("0x") {
            if let Ok(n) = i64::from_str_radix(hex, 16) {
                return Value::Number(n as f64, n.to_string());
            }
        }
        if let Some(oct) = s.strip_prefix("0o") {
            if let Ok(n) = i64::from_str_radix(oct, 8) {
                return Value::Number(n as f64, n.to_string());
            }
        }
        let numeric_chars = s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        if numeric_chars {
            if let Ok(n) = s.parse::<f64>() {
                if n.is_finite() {
                    let raw = s.trim_start_matches('+').to_string();
                    return Value::Number(n, raw);
                }
            }
        }
    }
    Value::String(s.to_string())
}

impl Builder {
    fn fail(&mut self, message: &str, at: usize) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                message: message.to_string(),
                span: Span::new(at, at + 1),
            });
        }
    }

    fn push_node(&mut self, node: Node, anchor: Option<String>) {
        self.bytes += NODE_BYTES + node.as_str().map_or(0, str::len);
        if let Some(a) = anchor {
            // The anchor keeps a copy: it counts like any other (nested anchors would otherwise
            // store the same big node over and over for free).
            let w = Builder::weight(&node);
            self.bytes += w;
            if self.bytes > MAX_EXPANDED_BYTES {
                let at = node.span.start;
                self.fail(
                    &format!(
                        "anchors and aliases expand this text past {}, the limit for expanded text",
                        size(MAX_EXPANDED_BYTES)
                    ),
                    at,
                );
                return;
            }
            self.anchors.insert(a, (node.clone(), w));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { members, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let key_text = match &k.value {
                        Value::String(s) => s.clone(),
                        Value::Number(_, raw) => raw.clone(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_string(),
                        _ => k.to_json().to_string(),
                    };
                    members.push(Member {
                        key: key_text,
                        key_span: k.span,
                        value: node,
                    });
                }
            },
        }
    }

    /// The bytes a node holds: every node, every string and every key.
    fn weight(node: &Node) -> usize {
        NODE_BYTES
            + match &node.value {
                Value::String(s) => s.len(),
                Value::Number(_, raw) => raw.len(),
                Value::Array(items) => items.iter().map(Builder::weight).sum(),
                Value::Object(members) => members
                    .iter()
                    .map(|m| m.key.len() + Builder::weight(&m.value))
                    .sum(),
                _ => 0,
            }
    }
}

/// Applies YAML merge keys (`<<`) in place: merged members never override explicit ones.
fn apply_merges(members: Vec<Member>) -> Vec<Member> {
    if !members.iter().any(|m| m.key == "<<") {
        return members;
    }
    let mut own: Vec<Member> = Vec::new();
    let mut merged: Vec<Member> = Vec::new();
    for m in members {
        if m.key == "<<" {
            let sources: Vec<Node> = match m.value.value {
                Value::Array(items) => items,
                other => vec![Node::new(other, m.value.span)],
            };
            for src in sources {
                if let Value::Object(src_members) = src.value {
                    merged.extend(src_members);
                }
            }
        } else {
            own.push(m);
        }
    }
    // A set of the keys present: scanning `own` per merged key was quadratic.
    let mut present: std::collections::HashSet<String> =
        own.iter().map(|o| o.key.clone()).collect();
    for m in merged {
        if present.insert(m.key.clone()) {
            own.push(m);
        }
    }
    own
}

impl Builder {
    fn on_event(&mut self, ev: Event) {
        let at = (ev.start_mark.index as usize).min(self.len);
        let end = (ev.end_mark.index as usize).clamp(at, self.len);
        match ev.data {
            EventData::Scalar {
                anchor,
                tag,
                value: text,
                style,
                ..
            } => {
                let tag = tag_name(tag);
                let value = if style == ScalarStyle::Plain && tag.as_deref() != Some("!!str") {
                    resolve_plain(&text)
                } else {
                    Value::String(text)
                };
                let mut node = Node::new(value, Span::new(at, end));
                node.tag = tag.filter(|t| !t.starts_with("!!"));
                self.push_node(node, anchor);
            }
            EventData::SequenceStart { anchor, tag, .. } => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(&format!("nesting deeper than {MAX_DEPTH} levels"), at);
                    return;
                }
                self.stack.push(Frame::Seq {
                    start: at,
                    anchor,
                    tag: tag_name(tag),
                    items: Vec::new(),
                });
            }
            EventData::MappingStart { anchor, tag, .. } => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(&format!("nesting deeper than {MAX_DEPTH} levels"), at);
                    return;
                }
                self.stack.push(Frame::Map {
                    start: at,
                    anchor,
                    tag: tag_name(tag),
                    members: Vec::new(),
                    key: None,
                });
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        tag,
                        items,
                    } => {
                        let mut n =
                            Node::new(Value::Array(items), Span::new(start, end.max(start)));
                        n.tag = tag.filter(|t| !t.starts_with("!!"));
                        (n, anchor)
                    }
                    Frame::Map {
                        start,
                        anchor,
                        tag,
                        members,
                        ..
                    } => {
                        let members = apply_merges(members);
                        let mut n =
                            Node::new(Value::Object(members), Span::new(start, end.max(start)));
                        n.tag = tag.filter(|t| !t.starts_with("!!"));
                        (n, anchor)
                    }
                };
                self.push_node(node, anchor);
            }
            EventData::Alias { anchor } => {
                let Some(weight) = self.anchors.get(&anchor).map(|(_, w)| *w) else {
                    self.fail("alias to an unknown anchor", at);
                    return;
                };
                // Weighed before it is copied: an alias bomb stops here, before it allocates.
                if self.bytes + weight > MAX_EXPANDED_BYTES {
                    self.fail(
                        &format!(
                            "aliases expand this text past {}, the limit for expanded text",
                            size(MAX_EXPANDED_BYTES)
                        ),
                        at,
                    );
                    return;
                }
                // The copy's own nodes are counted here; push_node counts only its top.
                self.bytes += weight.saturating_sub(NODE_BYTES);
                let Some(node) = self.anchors.get(&anchor).map(|(n, _)| n.clone()) else {
                    return;
                };
                self.push_node(node, None);
            }
            EventData::StreamStart { .. }
            | EventData::StreamEnd
            | EventData::DocumentStart { .. }
            | EventData::DocumentEnd { .. } => {}
        }
    }
}
