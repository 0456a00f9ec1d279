//! Input forms: finding the state machine(s) inside whatever the user pasted.
//!
//! Users paste bare ASL (JSON or YAML), `describe-state-machine` output (the definition is a JSON
//! string inside), CloudFormation and SAM templates (`Definition`, `DefinitionString` with
//! `Fn::Sub`/`Fn::Join`, `DefinitionUri`), Serverless Framework files and Terraform. Each machine
//! found becomes a [`Candidate`]. A definition held in a string is parsed on its own, and an
//! [`OffsetMap`] carries its byte offsets back to the pasted text, so diagnostics still point at
//! the right line and column.

//!
//! Files: this one detects the form and holds the types; `offsets.rs` maps an extracted text's
//! offsets back to the pasted text; `cloudformation.rs` reads CloudFormation, SAM and
//! Serverless templates (substitutions, `Fn::Sub`, `Fn::Join`); `terraform.rs` reads Terraform.

mod cloudformation;
mod offsets;
mod terraform;

pub use offsets::{string_with_offsets, OffsetMap};

use crate::diag::DiagnosticCode;
use crate::diag::{pointer, Diagnostic};
use crate::source::{self, Node, Span, Syntax, Value};
use cloudformation::template;
use terraform::{looks_like_hcl, terraform};

/// The detected form of the input, shown to the user and printed by `stepscope check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
                DiagnosticCode::NoStateMachine,
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
                diagnostics: vec![Diagnostic::error(
                    DiagnosticCode::Syntax,
                    e.message,
                    "",
                    Some(e.span),
                )],
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
            let (text, map) = string_with_offsets(text, def);
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
                        let (t, map) = string_with_offsets(text, d);
                        machines.push(Candidate {
                            name: m.key.clone(),
                            body: Body::Text { text: t, map },
                        });
                    }
                    _ => machines.push(Candidate {
                        name: m.key.clone(),
                        body: Body::Message(Diagnostic::error(
                            DiagnosticCode::NoDefinition,
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
            DiagnosticCode::UnrecognizedInput,
            describe_other(&root),
            "",
            Some(Span::new(root.span.start, root.span.start + 1)),
        )],
    }
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
