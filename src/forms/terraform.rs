//! Terraform (HCL): `definition = jsonencode({...})`, heredocs, and `templatefile`/`file` of a
//! JSON file named in the block.

use super::*;
use crate::diag::DiagnosticCode;

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
pub(super) fn looks_like_hcl(text: &str) -> bool {
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

pub(super) fn terraform(text: &str) -> Detected {
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
                    DiagnosticCode::NoDefinition,
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
                DiagnosticCode::TerraformJsonencode,
                format!("'{name}' builds its definition with jsonencode(), which is HCL, not JSON: paste the output of `terraform show -json` or the definition file instead"),
                "",
                Some(span),
            ))
        } else if value.starts_with("templatefile(") || value.starts_with("file(") {
            let file = value.split('"').nth(1).unwrap_or("the referenced file");
            Body::Message(Diagnostic::error(
                DiagnosticCode::DefinitionInFile,
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
                DiagnosticCode::DefinitionInFile,
                format!("'{name}' reads its definition from {file} (through data.template_file): paste that file instead"),
                "",
                Some(span),
            ))
        } else {
            Body::Message(Diagnostic::error(
                DiagnosticCode::NoDefinition,
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
