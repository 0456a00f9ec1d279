//! Value checks shared by every kind of state: whole numbers within the service's limits,
//! paths, payload templates, JSONata strings and exclusive pairs of fields.

use super::*;
use crate::diag::DiagnosticCode;

impl Lowerer {
    pub(super) fn check_whole(&mut self, node: &Node, path: &str, min: f64, field: &str) {
        if let Some(s) = node.as_str() {
            match check_jsonata(s) {
                Jsonata::NotExpression => {}
                Jsonata::Valid => return,
                Jsonata::Invalid(e) => {
                    self.error(DiagnosticCode::InvalidJsonata, e, path, node.span);
                    return;
                }
            }
            if is_placeholder(s) {
                return;
            }
            if s.starts_with('$') {
                // AWS accepts a reference here and fails at run time if it isn't a number.
                self.warning(
                    DiagnosticCode::DynamicValue,
                    format!("'{field}' holds \"{s}\", which is only known at run time"),
                    path,
                    node.span,
                );
                return;
            }
        }
        let max = largest(field);
        match node.as_f64() {
            Some(n) if n.is_finite() && is_whole(n) && n > max => self.error(
                DiagnosticCode::OutOfRange,
                format!(
                    "'{field}' must be at most {}, the largest the service takes, not {}",
                    crate::limits::count(max as usize),
                    render_value(node)
                ),
                path,
                node.span,
            ),
            Some(n) if n.is_finite() && !is_whole(n) && n > max => self.error(
                DiagnosticCode::InvalidType,
                format!(
                    "'{field}' must be a whole number, not {} (and at most {})",
                    render_value(node),
                    crate::limits::count(max as usize)
                ),
                path,
                node.span,
            ),
            Some(n) if n.is_infinite() => self.error(
                DiagnosticCode::OutOfRange,
                format!(
                    "'{field}' is {}, {} to be a number here; the service takes {min} to {}",
                    render_value(node),
                    if n > 0.0 {
                        "too large"
                    } else {
                        "too far below zero"
                    },
                    crate::limits::count(max as usize)
                ),
                path,
                node.span,
            ),
            Some(n) if is_whole(n) && n >= min => {}
            Some(n) if is_whole(n) => self.error(
                DiagnosticCode::OutOfRange,
                format!("'{field}' must be at least {min}, not {n}"),
                path,
                node.span,
            ),
            _ => self.error(
                DiagnosticCode::InvalidType,
                format!(
                    "'{field}' must be a whole number, not {}",
                    render_value(node)
                ),
                path,
                node.span,
            ),
        }
    }

    pub(super) fn check_path_field(
        &mut self,
        node: &Node,
        path: &str,
        field: &str,
        nullable: bool,
    ) {
        match &node.value {
            Value::Null if nullable => {}
            Value::String(s) => {
                if is_placeholder(s) {
                    return;
                }
                let result = if field.ends_with("Path")
                    && !matches!(
                        field,
                        "InputPath" | "OutputPath" | "ResultPath" | "ItemsPath"
                    ) {
                    check_path_or_intrinsic(s)
                } else {
                    check_path(s)
                };
                if let Err(e) = result {
                    self.error(
                        DiagnosticCode::InvalidPath,
                        format!("'{field}' is not a valid path: {e}"),
                        path,
                        node.span,
                    );
                } else if field == "ResultPath"
                    && !(s == "$" || s.starts_with("$.") || s.starts_with("$["))
                {
                    self.error(DiagnosticCode::InvalidPath, "'ResultPath' must point into the state's input ('$' or '$.x'); it can't name a variable or the context object", path, node.span);
                }
            }
            _ => self.error(
                DiagnosticCode::InvalidType,
                format!(
                    "'{field}' must be a path string{}, not {}",
                    if nullable { " or null" } else { "" },
                    article(node.type_name())
                ),
                path,
                node.span,
            ),
        }
    }

    /// Checks a JSONPath payload template: `.$` keys hold paths or intrinsics, and no key
    /// appears both plain and with `.$`.
    pub(super) fn check_template(&mut self, node: &Node, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Object(members) => {
                // The keys, once: a scan per `.$` key was quadratic in a wide template.
                let keys: std::collections::HashSet<&str> =
                    members.iter().map(|o| o.key.as_str()).collect();
                for m in members {
                    let p = pointer(path, &m.key);
                    if let Some(base) = m.key.strip_suffix(".$") {
                        if keys.contains(base) {
                            self.error(
                                DiagnosticCode::DuplicateTemplateField,
                                format!("'{base}' and '{}' in one template", m.key),
                                &p,
                                m.key_span,
                            );
                        }
                        match m.value.as_str() {
                            Some(s) if is_placeholder(s) => {}
                            Some(s) => {
                                if let Err(e) = check_path_or_intrinsic(s) {
                                    self.error(DiagnosticCode::InvalidTemplatePath, format!("'{}': {e}", m.key), &p, m.value.span);
                                }
                            }
                            None => self.error(
                                DiagnosticCode::InvalidTemplatePath,
                                format!("'{}' must hold a path or intrinsic function (a string), not {}", m.key, article(m.value.type_name())),
                                &p,
                                m.value.span,
                            ),
                        }
                    } else {
                        self.check_template(&m.value, &p, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_template(item, &pointer(path, &i.to_string()), depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Checks every `{% %}` string below a node of a JSONata state.
    pub(super) fn check_jsonata_strings(&mut self, node: &Node, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::String(s) => {
                if let Jsonata::Invalid(e) = check_jsonata(s) {
                    self.error(DiagnosticCode::InvalidJsonata, e, path, node.span);
                }
            }
            Value::Object(members) => {
                for m in members.iter().filter(|m| m.key != "Comment") {
                    self.check_jsonata_strings(&m.value, &pointer(path, &m.key), depth + 1);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_jsonata_strings(item, &pointer(path, &i.to_string()), depth + 1);
                }
            }
            _ => {}
        }
    }

    pub(super) fn exclusive(&mut self, node: &Node, path: &str, a: &str, b: &str) {
        if let (Some(_), Some(mb)) = (node.member(a), node.member(b)) {
            self.error(
                DiagnosticCode::ExclusiveFields,
                format!("use only one of '{a}' and '{b}'"),
                &pointer(path, b),
                mb.key_span,
            );
        }
    }
}
