//! The domain model of a state machine: states in one arena, addressed by `StateId`, grouped in
//! scopes (the machine itself, each Parallel branch, each Map processor). Plain data, all serde: a
//! definition analysed in the worker crosses to the page whole ([`crate::wire::encode_analysis`]).

use crate::source::Span;

/// Index of a state in [`StateMachine::states`]. It crosses the worker inside a timeline's
/// visits, as a bare number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct StateId(pub u32);

/// Index of a scope in [`StateMachine::scopes`]. Scope 0 is the machine itself.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ScopeId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum QueryLanguage {
    #[default]
    JsonPath,
    Jsonata,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StateMachine {
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub timeout_seconds: Option<f64>,
    pub version: Option<String>,
    pub states: Vec<State>,
    pub scopes: Vec<Scope>,
    /// Each name's first state, for [`StateMachine::find`] (the timeline asks once per event).
    /// Built by [`StateMachine::index_names`]; empty, `find` scans. Not sent across the worker
    /// (the page indexes what it receives).
    #[serde(skip)]
    pub names: std::collections::HashMap<String, usize>,
}

/// What a scope belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScopeKind {
    Machine,
    /// Branch `index` of the Parallel state `owner`.
    Branch {
        owner: StateId,
        index: usize,
    },
    /// The item processor (or legacy Iterator) of the Map state `owner`.
    Processor {
        owner: StateId,
    },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scope {
    pub kind: ScopeKind,
    pub start_at: Option<Transition>,
    /// States of this scope in source order.
    pub states: Vec<StateId>,
    /// JSON pointer of the scope object.
    pub path: String,
    pub span: Span,
}

/// A reference to a state by name, resolved within its scope when possible.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    pub name: String,
    pub target: Option<StateId>,
    pub path: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    pub id: StateId,
    pub name: String,
    pub scope: ScopeId,
    pub kind: StateKind,
    pub next: Option<Transition>,
    pub end: bool,
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub retriers: Vec<Retrier>,
    pub catchers: Vec<Catcher>,
    /// JSON pointer of the state object, e.g. `/States/Foo`.
    pub path: String,
    /// Span of the state's name (its key).
    pub name_span: Span,
    /// Span of the whole state object.
    pub span: Span,
    pub timeout_seconds: Option<f64>,
    pub heartbeat_seconds: Option<f64>,
    pub has_assign: bool,
    /// Fields no ASL version defines, kept for display.
    pub unknown_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum StateKind {
    Task(Task),
    Pass,
    Wait(Wait),
    Choice(Choice),
    Parallel {
        branches: Vec<ScopeId>,
    },
    Map(Map),
    Succeed,
    Fail {
        error: Option<String>,
        cause: Option<String>,
    },
    /// A state whose `Type` is missing or not one we know.
    Unknown(String),
}

/// The ASL state types: the one list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateType {
    Task,
    Pass,
    Wait,
    Choice,
    Parallel,
    Map,
    Succeed,
    Fail,
    /// A `Type` that is missing or not one of the others.
    Unknown,
}

/// As its ASL name (`"Task"`), the way a history's event types spell it.
impl serde::Serialize for StateType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for StateType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(StateType::parse(&text).unwrap_or(StateType::Unknown))
    }
}

impl StateType {
    /// Every type ASL defines.
    pub const ALL: [StateType; 8] = [
        StateType::Task,
        StateType::Pass,
        StateType::Wait,
        StateType::Choice,
        StateType::Parallel,
        StateType::Map,
        StateType::Succeed,
        StateType::Fail,
    ];

    /// The `Type` value as ASL writes it: `Task`, `Choice`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            StateType::Task => "Task",
            StateType::Pass => "Pass",
            StateType::Wait => "Wait",
            StateType::Choice => "Choice",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Unknown => "Unknown",
        }
    }

    /// The CSS class and the JSON `kind`: the name in lowercase.
    pub fn class(self) -> &'static str {
        match self {
            StateType::Task => "task",
            StateType::Pass => "pass",
            StateType::Wait => "wait",
            StateType::Choice => "choice",
            StateType::Parallel => "parallel",
            StateType::Map => "map",
            StateType::Succeed => "succeed",
            StateType::Fail => "fail",
            StateType::Unknown => "unknown",
        }
    }

    /// The type a `Type` value names, if ASL defines it.
    pub fn parse(text: &str) -> Option<StateType> {
        StateType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Types that may have `Retry` and `Catch`.
    pub fn recovers(self) -> bool {
        matches!(self, StateType::Task | StateType::Parallel | StateType::Map)
    }

    /// Types that move on with `Next` or stop with `End`.
    pub fn continues(self) -> bool {
        matches!(
            self,
            StateType::Task
                | StateType::Pass
                | StateType::Wait
                | StateType::Parallel
                | StateType::Map
        )
    }
}

impl StateKind {
    pub fn state_type(&self) -> StateType {
        match self {
            StateKind::Task(_) => StateType::Task,
            StateKind::Pass => StateType::Pass,
            StateKind::Wait(_) => StateType::Wait,
            StateKind::Choice(_) => StateType::Choice,
            StateKind::Parallel { .. } => StateType::Parallel,
            StateKind::Map(_) => StateType::Map,
            StateKind::Succeed => StateType::Succeed,
            StateKind::Fail { .. } => StateType::Fail,
            StateKind::Unknown(_) => StateType::Unknown,
        }
    }

    /// The ASL type name, lowercase, as used for CSS classes and JSON output.
    pub fn type_name(&self) -> &str {
        self.state_type().class()
    }

    /// The ASL `Type` value, capitalised.
    /// (The `Type` as written when it is not one ASL defines.)
    pub fn asl_type(&self) -> &str {
        match self {
            StateKind::Unknown(t) => t,
            known => known.state_type().as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    pub resource: Resource,
}

/// A Task's `Resource`, split for display.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resource {
    pub arn: String,
    /// `lambda`, `sns`, `aws-sdk:s3`, `states`, ...; empty when unknown.
    pub service: String,
    /// `invoke`, `publish`, `startExecution`, a function name, an activity name, ...
    pub action: String,
    pub pattern: Integration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Integration {
    RequestResponse,
    Sync,
    WaitForTaskToken,
    Activity,
    /// A Lambda function ARN used directly as the resource.
    LambdaArn,
    /// A template placeholder such as `${LambdaArn}`, or a JSONata expression.
    Placeholder,
    Unknown,
}

impl Integration {
    pub fn describe(self) -> &'static str {
        match self {
            Integration::RequestResponse => "request-response",
            Integration::Sync => "run a job (.sync)",
            Integration::WaitForTaskToken => "wait for callback (.waitForTaskToken)",
            Integration::Activity => "activity",
            Integration::LambdaArn => "Lambda function (direct)",
            Integration::Placeholder => "placeholder",
            Integration::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum WaitFor {
    Seconds(String),
    Timestamp(String),
    SecondsPath(String),
    TimestampPath(String),
    Missing,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Wait {
    pub duration: WaitFor,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub rules: Vec<ChoiceRule>,
    pub default: Option<Transition>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: Option<Transition>,
    pub path: String,
    pub span: Span,
}

/// A Choice rule's condition, kept structured so it can be drawn as a compact label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Condition {
    /// `Variable` compared by `op` (an ASL operator name) with `value` (rendered).
    Compare {
        variable: String,
        op: String,
        value: String,
    },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// A JSONata `Condition` expression, as written.
    Jsonata(String),
    /// Something we could not read; the diagnostics say why.
    Invalid,
}

impl Condition {
    /// A compact, readable form: `$.status == "FAILED"`, `is present $.x`, `not (...)`, `a and b`.
    pub fn label(&self) -> String {
        match self {
            Condition::Compare {
                variable,
                op,
                value,
            } => compare_label(variable, op, value),
            Condition::And(items) => join_conditions(items, " and "),
            Condition::Or(items) => join_conditions(items, " or "),
            Condition::Not(inner) => format!("not ({})", inner.label()),
            Condition::Jsonata(expr) => expr.clone(),
            Condition::Invalid => "?".to_string(),
        }
    }
}

fn join_conditions(items: &[Condition], sep: &str) -> String {
    items
        .iter()
        .map(|c| match c {
            Condition::And(_) | Condition::Or(_) => format!("({})", c.label()),
            _ => c.label(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

fn compare_label(variable: &str, op: &str, value: &str) -> String {
    // `…Path` compares with another field's value; the label is the same.
    let base = match op.strip_suffix("Path") {
        Some(b) if !b.starts_with("Is") => b,
        _ => op,
    };
    let symbol = if base.ends_with("GreaterThanEquals") {
        ">="
    } else if base.ends_with("LessThanEquals") {
        "<="
    } else if base.ends_with("GreaterThan") {
        ">"
    } else if base.ends_with("LessThan") {
        "<"
    } else if base.ends_with("Equals") {
        "=="
    } else if base == "StringMatches" {
        "matches"
    } else {
        ""
    };
    if !symbol.is_empty() {
        return format!("{variable} {symbol} {value}");
    }
    let test = match base {
        "IsPresent" => "present",
        "IsNull" => "null",
        "IsNumeric" => "numeric",
        "IsString" => "string",
        "IsBoolean" => "boolean",
        "IsTimestamp" => "timestamp",
        other => other,
    };
    if value == "false" {
        format!("is not {test} {variable}")
    } else {
        format!("is {test} {variable}")
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Map {
    pub processor: Option<ScopeId>,
    pub mode: MapMode,
    pub execution_type: Option<String>,
    pub max_concurrency: Option<String>,
    /// A short description of where items come from: `$.items`, `s3:getObject (CSV)`, ...
    pub item_source: Option<String>,
    pub label: Option<String>,
    pub tolerated_failures: Option<String>,
    pub has_item_batcher: bool,
    pub has_result_writer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MapMode {
    Inline,
    Distributed,
}

/// Whether an `ErrorEquals` name catches an error, as the service matches them: by name,
/// `States.ALL` anything, and `States.TaskFailed` anything but `States.Timeout`. The one rule the
/// timeline and the generator share.
pub fn error_matches(pattern: &str, error: &str) -> bool {
    pattern == error
        || pattern == "States.ALL"
        || (pattern == "States.TaskFailed" && error != "States.Timeout")
}

/// Whether any of the names in an `ErrorEquals` list catches the error.
pub fn any_matches(error_equals: &[String], error: &str) -> bool {
    error_equals.iter().any(|e| error_matches(e, error))
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: f64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub jitter: Option<String>,
    pub path: String,
}

impl Retrier {
    /// The policy in words, for tooltips and the inspector.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{}: up to {} retr{}, first after {}s, backoff ×{}",
            self.error_equals.join(", "),
            self.max_attempts,
            if self.max_attempts == 1.0 { "y" } else { "ies" },
            self.interval_seconds,
            self.backoff_rate
        );
        if let Some(max) = self.max_delay_seconds {
            s.push_str(&format!(", at most {max}s"));
        }
        if let Some(j) = &self.jitter {
            s.push_str(&format!(", jitter {j}"));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: Option<Transition>,
    pub result_path: Option<String>,
    pub path: String,
}

impl StateMachine {
    pub fn state(&self, id: StateId) -> Option<&State> {
        self.states.get(id.0 as usize)
    }

    pub fn scope(&self, id: ScopeId) -> Option<&Scope> {
        self.scopes.get(id.0 as usize)
    }

    pub fn find(&self, name: &str) -> Option<&State> {
        if self.names.is_empty() {
            return self.states.iter().find(|s| s.name == name);
        }
        self.names.get(name).and_then(|&i| self.states.get(i))
    }

    /// Builds the name index `find` uses; the first state of a name wins, as a scan would find.
    pub fn index_names(&mut self) {
        self.names.clear();
        for (i, s) in self.states.iter().enumerate() {
            self.names.entry(s.name.clone()).or_insert(i);
        }
    }

    /// Every transition out of a state, with what kind it is, in source order.
    pub fn transitions<'a>(&self, state: &'a State) -> Vec<(TransitionKind, &'a Transition)> {
        let mut out = Vec::new();
        if let Some(next) = &state.next {
            out.push((TransitionKind::Next, next));
        }
        if let StateKind::Choice(choice) = &state.kind {
            for (i, rule) in choice.rules.iter().enumerate() {
                if let Some(next) = &rule.next {
                    out.push((TransitionKind::ChoiceRule(i), next));
                }
            }
            if let Some(default) = &choice.default {
                out.push((TransitionKind::ChoiceDefault, default));
            }
        }
        for (i, c) in state.catchers.iter().enumerate() {
            if let Some(next) = &c.next {
                out.push((TransitionKind::Catch(i), next));
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TransitionKind {
    Next,
    ChoiceRule(usize),
    ChoiceDefault,
    Catch(usize),
}
