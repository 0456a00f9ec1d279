//! Input forms: finding the state machine(s) inside whatever the user pasted.
//!
//! Users paste bare ASL (JSON or YAML), `describe-state-machine` output (the definition is a JSON
//! string inside), CloudFormation and SAM templates (`Definition`, `DefinitionString` with
//! `Fn::Sub`/`Fn::Join`, `DefinitionUri`), Serverless Framework files and Terraform. Each machine
//! found becomes a [`Candidate`]. A definition held in a string is parsed on its own, and an
//! [`OffsetMap`] carries its byte offsets back to the pasted text, so diagnostics still point at
//! the right line and column.

use crate::diag::{pointer, Diagnostic};
use crate::source::{self, Node, Span, Syntax, Value};

/// The detected form of the input, shown to the user and printed by `stepscope check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    AslJson,
    AslYaml,
    DescribeStateMachine,
    DescribeStateMachineForExecution,
    CloudFormation,
    Sam,
    Serverless,
    Terraform,
    Unknown,
}

impl Form {
    /// A stable identifier, used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::AslJson => "asl-json",
            Form::AslYaml => "asl-yaml",
            Form::DescribeStateMachine => "describe-state-machine",
            Form::DescribeStateMachineForExecution => "describe-state-machine-for-execution",
            Form::CloudFormation => "cloudformation",
            Form::Sam => "sam",
            Form::Serverless => "serverless",
            Form::Terraform => "terraform",
            Form::Unknown => "unknown",
        }
    }

    /// A label for people: "SAM template", "ASL · JSON".
    pub fn label(self) -> &'static str {
        match self {
            Form::AslJson => "ASL · JSON",
            Form::AslYaml => "ASL · YAML",
            Form::DescribeStateMachine => "describe-state-machine output",
            Form::DescribeStateMachineForExecution => "describe-state-machine-for-execution output",
            Form::CloudFormation => "CloudFormation template",
            Form::Sam => "SAM template",
            Form::Serverless => "Serverless Framework file",
            Form::Terraform => "Terraform file",
            Form::Unknown => "unrecognised input",
        }
    }
}

/// Maps byte offsets of an extracted text back to the pasted text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OffsetMap {
    /// (offset in the extracted text, offset in the pasted text), sorted by the first.
    segments: Vec<(usize, usize)>,
}

impl OffsetMap {
    pub fn identity() -> Self {
        OffsetMap {
            segments: vec![(0, 0)],
        }
    }

    pub fn map(&self, inner: usize) -> usize {
        let i = self.segments.partition_point(|&(s, _)| s <= inner);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(s, o)) => o + (inner - s),
            None => 0,
        }
    }

    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map(span.start);
        // The end maps like an offset of its own: the place right after the last character,
        // which for an escaped character is after its whole escape sequence.
        let end = self.map(span.end);
        Span::new(start, end.max(start))
    }

    fn push(&mut self, inner: usize, outer: usize) {
        if let Some(&(s, o)) = self.segments.last() {
            if inner >= s && o + (inner - s) == outer {
                return; // already continuous
            }
        }
        self.segments.push((inner, outer));
    }
}

/// Where a candidate's definition comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A definition written inline as an object; its spans are already in the pasted text.
    Tree(Node),
    /// A definition held in a string (or built from pieces): parse `text`, map spans with `map`.
    Text { text: String, map: OffsetMap },
    /// No definition here, only a message saying what to paste instead.
    Message(Diagnostic),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub name: String,
    pub body: Body,
}

/// What detection found in one pasted text.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub form: Form,
    pub machines: Vec<Candidate>,
    /// Problems with the text as a whole (a syntax error, an unrecognised shape).
    pub diagnostics: Vec<Diagnostic>,
}

/// What a text that did not parse looks like it meant to be, from the words templates begin with.
fn sniff_template(text: &str) -> Option<Form> {
    let has = |w: &str| text.contains(w);
    if has("AWS::Serverless") {
        Some(Form::Sam)
    } else if has("AWSTemplateFormatVersion") || has("AWS::StepFunctions::StateMachine") {
        Some(Form::CloudFormation)
    } else if has("stepFunctions:") && has("stateMachines:") {
        Some(Form::Serverless)
    } else {
        None
    }
}

pub fn detect(text: &str) -> Detected {
    if text.contains("resource \"aws_sfn_state_machine\"") {
        return terraform(text);
    }
    if looks_like_hcl(text) {
        return Detected {
            form: Form::Terraform,
            machines: Vec::new(),
            diagnostics: vec![Diagnostic::error(
                "no-state-machine",
                "this Terraform file declares no resource \"aws_sfn_state_machine\"; paste the file that does, or the definition itself",
                "",
                Some(Span::new(0, 1)),
            )],
        };
    }
    let (syntax, tree) = source::parse_tree(text);
    let root = match tree {
        Ok(root) => root,
        Err(e) => {
            // A broken file is still named for what it is: a template whose YAML breaks partway
            // is a template, not ASL.
            let form = sniff_template(text).unwrap_or(if syntax == Syntax::Json {
                Form::AslJson
            } else {
                Form::AslYaml
            });
            return Detected {
                form,
                machines: Vec::new(),
                diagnostics: vec![Diagnostic::error("syntax", e.message, "", Some(e.span))],
            };
        }
    };
    let asl_form = if syntax == Syntax::Json {
        Form::AslJson
    } else {
        Form::AslYaml
    };
    if root.get("StartAt").is_some() || root.get("States").is_some() {
        return Detected {
            form: asl_form,
            machines: vec![Candidate {
                name: String::new(),
                body: Body::Tree(root),
            }],
            diagnostics: Vec::new(),
        };
    }
    if let Some(def) = root.get("definition") {
        if def.as_str().is_some()
            && (root.get("stateMachineArn").is_some()
                || root.get("roleArn").is_some()
                || root.get("name").is_some())
        {
            let form = if root.get("updateDate").is_some()
                || root.get("mapRunArn").is_some()
                || root.get("status").is_none()
            {
                Form::DescribeStateMachineForExecution
            } else {
                Form::DescribeStateMachine
            };
            let (text, map) = string_source(text, def);
            let name = root
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            return Detected {
                form,
                machines: vec![Candidate {
                    name,
                    body: Body::Text { text, map },
                }],
                diagnostics: Vec::new(),
            };
        }
    }
    if let Some(resources) = root.get("Resources") {
        return template(text, &root, resources);
    }
    if let Some(sf) = root.get("stepFunctions") {
        let mut machines = Vec::new();
        if let Some(sms) = sf.get("stateMachines") {
            for m in sms.members() {
                match m.value.get("definition") {
                    Some(d) if d.is_object() => machines.push(Candidate {
                        name: m.key.clone(),
                        body: Body::Tree(d.clone()),
                    }),
                    Some(d) if d.as_str().is_some() => {
                        let (t, map) = string_source(text, d);
                        machines.push(Candidate {
                            name: m.key.clone(),
                            body: Body::Text { text: t, map },
                        });
                    }
                    _ => machines.push(Candidate {
                        name: m.key.clone(),
                        body: Body::Message(Diagnostic::error(
                            "no-definition",
                            format!("state machine '{}' has no inline 'definition'", m.key),
                            format!("/stepFunctions/stateMachines/{}", m.key),
                            Some(m.key_span),
                        )),
                    }),
                }
            }
        }
        return Detected {
            form: Form::Serverless,
            machines,
            diagnostics: Vec::new(),
        };
    }
    Detected {
        form: Form::Unknown,
        machines: Vec::new(),
        diagnostics: vec![Diagnostic::error(
            "unrecognized-input",
            describe_other(&root),
            "",
            Some(Span::new(root.span.start, root.span.start + 1)),
        )],
    }
}

/// The file a Terraform `data "template_file" "NAME"` block renders, if it says `file("...")`.
fn template_file_source(text: &str, name: &str) -> Option<String> {
    let header = format!("data \"template_file\" \"{name}\"");
    let at = text.find(&header)?;
    let block = text.get(at..)?;
    let block = block.get(..block.find("\n}").unwrap_or(block.len()))?;
    let line = block
        .lines()
        .find(|l| l.trim_start().starts_with("template"))?;
    line.split('"').nth(1).map(String::from)
}

/// Terraform (HCL) blocks at the start of a line: `resource "x"`, `output "y" {`, ...
fn looks_like_hcl(text: &str) -> bool {
    text.lines().any(|l| {
        [
            "resource \"",
            "output \"",
            "variable \"",
            "module \"",
            "provider \"",
            "data \"",
            "locals {",
            "terraform {",
        ]
        .iter()
        .any(|k| l.starts_with(k))
    })
}

/// Says what a non-definition looks like, so the message helps.
fn describe_other(root: &Node) -> String {
    let looks_like_events = |n: &Node| {
        n.items().first().is_some_and(|e| {
            e.get("type").is_some() && (e.get("id").is_some() || e.get("details").is_some())
        })
    };
    if root.get("events").is_some_and(looks_like_events) || looks_like_events(root) {
        return "this is an execution history, not a definition: paste it into the history editor"
            .into();
    }
    if root.get("executionArn").is_some() {
        return "this is describe-execution output, not a definition: paste it with the history"
            .into();
    }
    "no state machine found: expected an ASL definition (with 'StartAt' and 'States'), describe-state-machine output, or a CloudFormation, SAM, Serverless or Terraform file".into()
}

/// The text of a string node and a map back to the pasted text. JSON string literals are
/// decoded escape by escape; YAML scalars are matched line by line.
pub fn string_source(outer: &str, node: &Node) -> (String, OffsetMap) {
    let value = node.as_str().unwrap_or("").to_string();
    let mut map = OffsetMap::default();
    let start = node.span.start;
    if outer.as_bytes().get(start) == Some(&b'"')
        && outer
            .get(start..node.span.end)
            .is_some_and(|s| s.len() >= 2)
    {
        // A JSON string literal: walk the raw text, one decoded character at a time.
        let raw = outer
            .get(start + 1..node.span.end.saturating_sub(1))
            .unwrap_or("");
        let mut decoded = String::with_capacity(raw.len());
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let outer_at = start + 1 + i;
            map.push(decoded.len(), outer_at);
            if bytes.get(i) == Some(&b'\\') {
                match crate::source::decode_escape(bytes.get(i + 1..).unwrap_or(&[])) {
                    Ok((c, used)) => {
                        decoded.push(c);
                        i += 1 + used;
                    }
                    // Not JSON (YAML's `\ ` and `\<TAB>`): the character itself, as YAML reads it.
                    Err(_) => {
                        let ch = raw
                            .get(i + 1..)
                            .and_then(|r| r.chars().next())
                            .unwrap_or('\u{fffd}');
                        decoded.push(ch);
                        i += 1 + ch.len_utf8();
                    }
                }
                // Keep every decoded char mapped to its escape's start.
                map.push(decoded.len(), start + 1 + i);
            } else {
                let ch = raw
                    .get(i..)
                    .and_then(|r| r.chars().next())
                    .unwrap_or('\u{fffd}');
                decoded.push(ch);
                i += ch.len_utf8().max(1);
            }
        }
        if decoded == value {
            return (decoded, map);
        }
        return (value, OffsetMap::identity_at(start));
    }
    // YAML (block or flow scalar): find each line in the pasted text after the previous one.
    let mut search_from = start;
    let mut inner = 0;
    let mut map = OffsetMap::default();
    for line in value.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let trimmed = content.trim_start();
        let lead = content.len() - trimmed.len();
        let found = if trimmed.is_empty() {
            None
        } else {
            // The next line starts within a few bytes of the last (indentation, a line break, an
            // escape): a bounded window keeps a scalar whose lines aren't found linear.
            let mut window = (search_from + 2 * trimmed.len() + 1024).min(outer.len());
            while !outer.is_char_boundary(window) {
                window += 1;
            }
            outer
                .get(search_from..window)
                .or_else(|| outer.get(search_from..))
                .and_then(|rest| rest.find(trimmed))
                .map(|p| search_from + p)
        };
        match found {
            Some(at) => {
                map.push(inner + lead, at);
                search_from = at + trimmed.len();
            }
            None => map.push(inner, search_from.min(outer.len())),
        }
        inner += line.len();
    }
    if map.segments.is_empty() {
        map.push(0, start);
    }
    (value, map)
}

impl OffsetMap {
    fn identity_at(outer: usize) -> Self {
        OffsetMap {
            segments: vec![(0, outer)],
        }
    }
}

/// `DefinitionSubstitutions` (and `Fn::Sub` variables) by name.
type Subs = std::collections::HashMap<String, String>;

/// Builds a text from pieces, each with its own map, plus substitutions, within
/// `limits::MAX_EXPANDED_BYTES` (each `${Name}` is replaced once, never re-scanned, as
/// CloudFormation does, so a chain of values naming each other can't double the text).
#[derive(Default)]
struct Assembler {
    text: String,
    map: OffsetMap,
    /// Set when a substitution would take the text past the budget; the text stops there.
    overflow: bool,
}

impl Assembler {
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
fn assemble(outer: &str, node: &Node, subs: &Subs, out: &mut Assembler, depth: usize) -> bool {
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
                let (s, map) = string_source(outer, t);
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
                let (s, map) = string_source(outer, part);
                out.piece(&s, &map, subs);
            } else if !assemble(outer, part, subs, out, depth + 1) {
                let ph = intrinsic_placeholder(part).unwrap_or_else(|| "${?}".to_string());
                out.opaque(&ph, part.span.start);
            }
        }
        return true;
    }
    if node.as_str().is_some() && node.tag.is_none() {
        let (s, map) = string_source(outer, node);
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
            let mut a = Assembler::default();
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
        "too-big",
        format!(
            "'DefinitionSubstitutions' expand this definition past {}, the limit for expanded text",
            crate::limits::size(crate::limits::MAX_EXPANDED_BYTES)
        ),
        path.to_string(),
        Some(field.key_span),
    )
}

/// A definition held in a string (or built with `Fn::Sub` / `Fn::Join`), or a message saying why not.
fn assembled(outer: &str, field: &crate::source::Member, subs: &Subs, path: &str) -> Body {
    let mut a = Assembler::default();
    let whole = assemble(outer, &field.value, subs, &mut a, 0);
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
            "no-definition",
            format!(
                "'{}' uses an intrinsic function we can't expand; paste the definition itself",
                field.key
            ),
            path.to_string(),
            Some(field.key_span),
        ))
    }
}

fn template(outer: &str, root: &Node, resources: &Node) -> Detected {
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
                assembled(outer, d, &subs, &pointer(&path, "Definition"))
            }
        } else if let Some(d) = get("DefinitionString") {
            assembled(outer, d, &subs, &pointer(&path, "DefinitionString"))
        } else if let Some(d) = get("DefinitionUri") {
            let file = d.value.as_str().map(String::from).unwrap_or_else(|| {
                let b = d.value.get("Bucket").and_then(Node::as_str).unwrap_or("?");
                let k = d.value.get("Key").and_then(Node::as_str).unwrap_or("?");
                format!("s3://{b}/{k}")
            });
            Body::Message(Diagnostic::error(
                "definition-in-file",
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
                "definition-in-file",
                format!(
                    "'{}' keeps its definition in s3://{b}/{k}: paste that file instead",
                    r.key
                ),
                pointer(&path, "DefinitionS3Location"),
                Some(d.key_span),
            ))
        } else {
            Body::Message(Diagnostic::error(
                "no-definition",
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
            "no-state-machine",
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

fn terraform(text: &str) -> Detected {
    let mut machines = Vec::new();
    let marker = "resource \"aws_sfn_state_machine\"";
    let mut from = 0;
    while let Some(pos) = text
        .get(from..)
        .and_then(|r| r.find(marker))
        .map(|p| from + p)
    {
        from = pos + marker.len();
        let rest = text.get(from..).unwrap_or("");
        let name = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string();
        // The block ends at the next resource; look for `definition` within it.
        let block_end = text
            .get(from..)
            .and_then(|r| r.find("\nresource "))
            .map_or(text.len(), |p| from + p);
        let block = text.get(from..block_end).unwrap_or("");
        let def_at = block
            .lines()
            .scan(0usize, |off, line| {
                let here = *off;
                *off += line.len() + 1;
                Some((here, line))
            })
            .find(|(_, l)| {
                let t = l.trim_start();
                t.starts_with("definition")
                    && t.get(10..).is_some_and(|r| r.trim_start().starts_with('='))
            });
        let Some((line_off, line)) = def_at else {
            machines.push(Candidate {
                name: name.clone(),
                body: Body::Message(Diagnostic::error(
                    "no-definition",
                    format!("'{name}' has no 'definition'"),
                    "",
                    Some(Span::new(pos, pos + marker.len())),
                )),
            });
            continue;
        };
        let abs = from + line_off;
        let value = line.split_once('=').map_or("", |(_, v)| v).trim();
        let span = Span::new(abs, abs + line.len());
        let body = if let Some(tag) = value.strip_prefix("<<") {
            let tag = tag.trim_start_matches('-').trim();
            let body_start = abs + line.len() + 1;
            let after = text.get(body_start..).unwrap_or("");
            let mut end = after.len();
            let mut off = 0;
            for l in after.split_inclusive('\n') {
                if l.trim() == tag {
                    end = off;
                    break;
                }
                off += l.len();
            }
            let body = after.get(..end).unwrap_or("").to_string();
            Body::Text {
                text: body,
                map: OffsetMap::identity_at(body_start),
            }
        } else if value.starts_with("jsonencode(") {
            Body::Message(Diagnostic::error(
                "terraform-jsonencode",
                format!("'{name}' builds its definition with jsonencode(), which is HCL, not JSON: paste the output of `terraform show -json` or the definition file instead"),
                "",
                Some(span),
            ))
        } else if value.starts_with("templatefile(") || value.starts_with("file(") {
            let file = value.split('"').nth(1).unwrap_or("the referenced file");
            Body::Message(Diagnostic::error(
                "definition-in-file",
                format!("'{name}' reads its definition from {file}: paste that file instead"),
                "",
                Some(span),
            ))
        } else if let Some(file) = value
            .strip_prefix("data.template_file.")
            .and_then(|r| r.split('.').next())
            .and_then(|d| template_file_source(text, d))
        {
            // `data "template_file" "X" { template = file("path") }`: name the file it renders.
            Body::Message(Diagnostic::error(
                "definition-in-file",
                format!("'{name}' reads its definition from {file} (through data.template_file): paste that file instead"),
                "",
                Some(span),
            ))
        } else {
            Body::Message(Diagnostic::error(
                "no-definition",
                format!("'{name}' sets its definition from an expression Stepscope can't evaluate: paste the definition itself"),
                "",
                Some(span),
            ))
        };
        machines.push(Candidate { name, body });
    }
    Detected {
        form: Form::Terraform,
        machines,
        diagnostics: Vec::new(),
    }
}
