//! Task states: the resource, its integration pattern, timeouts and heartbeats.

use super::*;
use crate::diag::DiagnosticCode;

impl Lowerer {
    pub(super) fn task(&mut self, node: &Node, path: &str, ql: QueryLanguage, state: &mut State) {
        let resource = match node.member("Resource") {
            None => {
                self.error(
                    DiagnosticCode::MissingField,
                    format!("Task state '{}' has no 'Resource'", state.name),
                    path,
                    state.name_span,
                );
                Resource {
                    arn: String::new(),
                    service: String::new(),
                    action: String::new(),
                    pattern: Integration::Unknown,
                }
            }
            Some(m) => match m.value.as_str() {
                Some(arn) => {
                    let r = parse_resource(arn);
                    let p = pointer(path, "Resource");
                    if let Some(problem) = resource_problem(&r) {
                        self.error(DiagnosticCode::InvalidResource, problem, &p, m.value.span);
                    }
                    match r.pattern {
                        Integration::Placeholder if !arn.starts_with("{%") => self.warning(
                            DiagnosticCode::Placeholder,
                            format!("'{arn}' is a placeholder; the graph shows it as written"),
                            &p,
                            m.value.span,
                        ),
                        Integration::Unknown if !arn.starts_with("arn:") => self.warning(
                            DiagnosticCode::ResourceNotArn,
                            format!("resource '{arn}' is not an ARN yet"),
                            &p,
                            m.value.span,
                        ),
                        _ => {}
                    }
                    r
                }
                None if m.value.members().len() == 1
                    && m.value
                        .members()
                        .iter()
                        .all(|f| f.key == "Ref" || f.key.starts_with("Fn::")) =>
                {
                    self.warning(DiagnosticCode::Placeholder, "'Resource' is a CloudFormation intrinsic function; the graph shows it as a placeholder", &pointer(path, "Resource"), m.value.span);
                    let text = m.value.to_json().to_string();
                    Resource {
                        arn: text.clone(),
                        service: String::new(),
                        action: text,
                        pattern: Integration::Placeholder,
                    }
                }
                None => {
                    self.error(
                        DiagnosticCode::InvalidType,
                        "'Resource' must be a string (an ARN)",
                        &pointer(path, "Resource"),
                        m.value.span,
                    );
                    Resource {
                        arn: String::new(),
                        service: String::new(),
                        action: String::new(),
                        pattern: Integration::Unknown,
                    }
                }
            },
        };
        self.exclusive(node, path, "TimeoutSeconds", "TimeoutSecondsPath");
        self.exclusive(node, path, "HeartbeatSeconds", "HeartbeatSecondsPath");
        if let Some(t) = node.get("TimeoutSeconds") {
            self.check_whole(t, &pointer(path, "TimeoutSeconds"), 1.0, "TimeoutSeconds");
            state.timeout_seconds = t.as_f64();
        }
        if let Some(h) = node.get("HeartbeatSeconds") {
            self.check_whole(
                h,
                &pointer(path, "HeartbeatSeconds"),
                1.0,
                "HeartbeatSeconds",
            );
            state.heartbeat_seconds = h.as_f64();
        }
        if let (Some(t), Some(h)) = (state.timeout_seconds, state.heartbeat_seconds) {
            if h >= t {
                let span = node
                    .get("HeartbeatSeconds")
                    .map_or(state.name_span, |n| n.span);
                self.error(
                    DiagnosticCode::HeartbeatTooLong,
                    format!("'HeartbeatSeconds' ({h}) must be smaller than 'TimeoutSeconds' ({t})"),
                    &pointer(path, "HeartbeatSeconds"),
                    span,
                );
            }
        }
        for field in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
            if ql == QueryLanguage::JsonPath {
                if let Some(v) = node.get(field) {
                    self.check_path_field(v, &pointer(path, field), field, false);
                }
            }
        }
        if let Some(c) = node.get("Credentials") {
            let p = pointer(path, "Credentials");
            match &c.value {
                Value::Object(members) => {
                    if ql == QueryLanguage::JsonPath {
                        self.check_template(c, &p, 0);
                    } else {
                        // Recorded AWS behaviour: a JSONata state's Credentials take 'RoleArn' only.
                        for m in members.iter().filter(|m| m.key != "RoleArn") {
                            self.error(DiagnosticCode::InvalidCredentials, format!("'Credentials' can't have '{}'; the field 'RoleArn' is required", m.key), &pointer(&p, &m.key), m.key_span);
                        }
                    }
                }
                Value::String(s) if s.starts_with("{%") => {}
                _ => self.error(
                    DiagnosticCode::InvalidCredentials,
                    "'Credentials' must be an object with 'RoleArn'",
                    &p,
                    c.span,
                ),
            }
        }
        state.kind = StateKind::Task(Task { resource });
    }
}

/// Splits a Task resource ARN for display.
pub(super) fn parse_resource(arn: &str) -> Resource {
    let make = |service: &str, action: &str, pattern| Resource {
        arn: arn.to_string(),
        service: service.to_string(),
        action: action.to_string(),
        pattern,
    };
    if arn.starts_with("{%") || is_placeholder(arn) {
        return make("", arn, Integration::Placeholder);
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts.first() != Some(&"arn") {
        return make("", arn, Integration::Unknown);
    }
    let service = parts.get(2).copied().unwrap_or("");
    let region = parts.get(3).copied().unwrap_or("");
    let rest = parts.get(5).copied().unwrap_or("");
    match service {
        "lambda" => {
            let name = rest.strip_prefix("function:").unwrap_or(rest);
            make("lambda", name, Integration::LambdaArn)
        }
        "states" if !region.is_empty() || rest.starts_with("activity:") => {
            let name = rest.strip_prefix("activity:").unwrap_or(rest);
            make("activity", name, Integration::Activity)
        }
        "states" => {
            let (body, pattern) = if let Some(i) = rest.find(".sync") {
                (rest.get(..i).unwrap_or(rest), Integration::Sync)
            } else if let Some(b) = rest.strip_suffix(".waitForTaskToken") {
                (b, Integration::WaitForTaskToken)
            } else {
                (rest, Integration::RequestResponse)
            };
            let segs: Vec<&str> = body.split(':').collect();
            match segs.as_slice() {
                ["aws-sdk", svc, action, ..] => make(&format!("aws-sdk:{svc}"), action, pattern),
                [svc, action, ..] => make(svc, action, pattern),
                [svc] => make(svc, "", pattern),
                [] => make("", "", pattern),
            }
        }
        other => make(other, rest, Integration::Unknown),
    }
}

/// Problems AWS reports for a resource it would not accept: a malformed Lambda function
/// qualifier, or an optimised integration action that does not exist.
fn resource_problem(r: &Resource) -> Option<String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match r.pattern {
        Integration::LambdaArn => {
            let mut parts = r.action.splitn(2, ':');
            let name = parts.next().unwrap_or("");
            let qualifier = parts.next();
            if !name_ok(name) {
                return Some(format!("'{name}' is not a valid Lambda function name"));
            }
            match qualifier {
                Some(q) if q != "$LATEST" && !name_ok(q) => {
                    Some(format!("'{q}' is not a valid Lambda alias or version"))
                }
                _ => None,
            }
        }
        Integration::RequestResponse | Integration::Sync | Integration::WaitForTaskToken => {
            let known: &[&str] = match r.service.as_str() {
                "dynamodb" => &["getItem", "putItem", "updateItem", "deleteItem"],
                "sns" => &["publish"],
                "sqs" => &["sendMessage"],
                "events" => &["putEvents"],
                _ => return None,
            };
            if known.contains(&r.action.as_str()) {
                None
            } else {
                Some(format!(
                    "the resource arn:aws:states:::{}:{} is not recognized; {} supports {}",
                    r.service,
                    r.action,
                    r.service,
                    known.join(", ")
                ))
            }
        }
        _ => None,
    }
}
