//! Building the timeline from a history (and, when given, the definition).

use crate::asl::{StateKind, StateMachine, StateType};
use crate::diag::Diagnostic;
use crate::history::{Event, History};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Succeeded,
    Failed,
    Caught,
    Aborted,
    TimedOut,
    Running,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Caught => "caught",
            Outcome::Aborted => "aborted",
            Outcome::TimedOut => "timed_out",
            Outcome::Running => "running",
        }
    }
}

/// One try of a Task (or one run of a Map or Parallel state) inside a visit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attempt {
    pub scheduled_ms: i64,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub timed_out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub state: String,
    /// `Task`, `Choice`, ... from the Entered event's type.
    pub kind: StateType,
    pub entered_event: u64,
    pub exited_event: Option<u64>,
    pub entered_ms: i64,
    pub exited_ms: Option<i64>,
    pub outcome: Outcome,
    pub attempts: Vec<Attempt>,
    /// The enclosing Parallel or Map visit.
    pub parent: Option<usize>,
    pub branch: Option<usize>,
    pub iteration: Option<u64>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Input and output, decoded for display when they are JSON held in strings. They don't cross
    /// to the page from the worker: [`Visit::input_value`] decodes them from the text on demand.
    #[serde(skip)]
    pub input: Option<Value>,
    #[serde(skip)]
    pub output: Option<Value>,
    /// The original text of input and output, as the history gave it.
    pub input_text: Option<String>,
    pub output_text: Option<String>,
    pub resource: Option<String>,
    /// The visit entered next in the same thread, and for Choice states which rule led there.
    pub next: Option<usize>,
    pub decision: Option<String>,
    /// For a caught error: the catcher's index in the definition, when it can be matched.
    pub catcher: Option<usize>,
    /// Redrive segment: 0 for the first run, n after the n-th ExecutionRedriven.
    pub segment: usize,
    /// Map runs (distributed Map): the run's ARN. Its children are separate executions.
    pub map_run: Option<String>,
    /// Inline Map: the number of items, and per iteration index its outcome.
    pub items: Option<u64>,
    pub iterations: Vec<(u64, Outcome)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedEvent {
    pub id: u64,
    pub at_ms: i64,
    pub kind: String,
    pub visit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// AWS's execution status string.
    pub status: String,
    pub start_epoch_ms: Option<i64>,
    pub duration_ms: i64,
    pub visits: Vec<Visit>,
    pub events: Vec<TimedEvent>,
    #[serde(with = "crate::wire::diagnostics")]
    pub warnings: Vec<Diagnostic>,
    pub redrives: usize,
    pub partial: bool,
    /// False when the history had no real timestamps (times are then event order).
    pub timed: bool,
    pub error: Option<String>,
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Scope {
    parent: Option<usize>,
    branch: Option<usize>,
    iteration: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Ctx {
    visit: Option<usize>,
    scope: Scope,
}

/// JSON strings holding JSON are decoded for display; other values are kept as they are.
fn decode(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => {
            Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
        }
        other => Some(other.clone()),
    }
}

fn decode_text(text: Option<&str>) -> Option<Value> {
    let text = text?;
    Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
}

fn raw_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl Visit {
    /// The input for display: decoded already, or decoded now from the history's text.
    pub fn input_value(&self) -> Option<Value> {
        self.input
            .clone()
            .or_else(|| decode_text(self.input_text.as_deref()))
    }
    /// The output for display, like [`Visit::input_value`].
    pub fn output_value(&self) -> Option<Value> {
        self.output
            .clone()
            .or_else(|| decode_text(self.output_text.as_deref()))
    }
    /// The wait before each retry: from one attempt's end to the next one's start.
    pub fn backoffs(&self) -> Vec<i64> {
        self.attempts
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => a.ended_ms.map(|end| b.scheduled_ms - end),
                _ => None,
            })
            .collect()
    }
}

fn err_of(e: &Event) -> (Option<String>, Option<String>) {
    let cause = match e.detail("cause") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) if !v.is_null() => Some(v.to_string()),
        _ => None,
    };
    (e.detail_str("error").map(String::from), cause)
}

struct Builder<'a> {
    machine: Option<&'a StateMachine>,
    visits: Vec<Visit>,
    ctx: Vec<Ctx>,
    pos_of: HashMap<u64, usize>,
    segment: usize,
    /// Per Parallel visit without a definition: first state names seen, in order.
    branch_starts: HashMap<usize, Vec<String>>,
    warnings: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn is_open(&self, v: usize) -> bool {
        self.visits
            .get(v)
            .is_some_and(|x| x.exited_ms.is_none() && x.outcome == Outcome::Running)
    }

    /// Walks from a context up through enclosing Map/Parallel visits.
    fn chain(&self, ctx: Ctx) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(v) = ctx.visit {
            out.push(v);
        }
        let mut p = ctx.scope.parent;
        while let Some(v) = p {
            if out.len() > 256 {
                break;
            }
            out.push(v);
            p = self.visits.get(v).and_then(|x| x.parent);
        }
        out
    }

    fn find_open(&self, ctx: Ctx, pred: impl Fn(&Visit) -> bool) -> Option<usize> {
        self.chain(ctx)
            .into_iter()
            .find(|&v| self.is_open(v) && self.visits.get(v).is_some_and(&pred))
    }

    fn scope_of_visit(&self, v: usize) -> Scope {
        self.visits
            .get(v)
            .map(|x| Scope {
                parent: x.parent,
                branch: x.branch,
                iteration: x.iteration,
            })
            .unwrap_or_default()
    }

    fn branch_index(&mut self, parallel: usize, name: &str) -> Option<usize> {
        let pstate = self.visits.get(parallel)?.state.clone();
        if let Some(m) = self.machine {
            if let Some(StateKind::Parallel { branches }) = m.find(&pstate).map(|s| &s.kind) {
                for (i, b) in branches.iter().enumerate() {
                    if m.scope(*b).is_some_and(|sc| {
                        sc.states
                            .iter()
                            .any(|&s| m.state(s).is_some_and(|st| st.name == name))
                    }) {
                        return Some(i);
                    }
                }
            }
        }
        let seen = self.branch_starts.entry(parallel).or_default();
        match seen.iter().position(|n| n == name) {
            Some(i) => Some(i),
            None => {
                seen.push(name.to_string());
                Some(seen.len() - 1)
            }
        }
    }
}

/// Rebuilds the run. Never fails: problems are warnings on the timeline.
pub fn build_timeline(history: &History, machine: Option<&StateMachine>) -> Timeline {
    let events = &history.events;
    let t0 = events
        .iter()
        .find(|e| e.kind == "ExecutionStarted")
        .and_then(|e| e.at)
        .or_else(|| events.iter().find_map(|e| e.at));
    let timed = t0.is_some();
    // Relative times; events without a timestamp take their predecessor's (or their order).
    let mut times = Vec::with_capacity(events.len());
    let mut last = 0i64;
    for (i, e) in events.iter().enumerate() {
        let t = match (e.at, t0) {
            (Some(a), Some(z)) => a.saturating_sub(z),
            (_, None) => i as i64,
            (None, Some(_)) => last,
        };
        last = t;
        times.push(t);
    }
    let mut b = Builder {
        machine,
        visits: Vec::new(),
        ctx: Vec::with_capacity(events.len()),
        pos_of: HashMap::with_capacity(events.len()),
        segment: 0,
        branch_starts: HashMap::new(),
        warnings: Vec::new(),
    };
    let mut timed_events = Vec::with_capacity(events.len());
    let mut status = "RUNNING".to_string();
    let (mut exec_error, mut exec_cause) = (None, None);
    let mut terminal = false;
    for (pos, e) in events.iter().enumerate() {
        let t = times.get(pos).copied().unwrap_or(0);
        let prev_pos = b
            .pos_of
            .get(&e.previous)
            .copied()
            .or_else(|| pos.checked_sub(1));
        let prev_ctx = prev_pos
            .and_then(|p| b.ctx.get(p))
            .copied()
            .unwrap_or_default();
        let prev_kind = prev_pos
            .and_then(|p| events.get(p))
            .map(|p| p.kind.as_str())
            .unwrap_or("");
        let k = e.kind.as_str();
        let mut ctx = prev_ctx;
        if terminal && k != "ExecutionRedriven" {
            terminal = false;
        }
        match k {
            "ExecutionStarted" => ctx = Ctx::default(),
            "ExecutionRedriven" => {
                b.segment += 1;
                status = "RUNNING".into();
                ctx = Ctx::default();
            }
            _ if k.ends_with("StateEntered") => {
                let name = e.detail_str("name").unwrap_or("").to_string();
                let scope = if prev_kind == "ParallelStateStarted" {
                    let parallel = prev_ctx.visit;
                    let branch = parallel.and_then(|p| b.branch_index(p, &name));
                    Scope {
                        parent: parallel,
                        branch,
                        iteration: None,
                    }
                } else if prev_kind == "MapIterationStarted" || prev_ctx.visit.is_none() {
                    prev_ctx.scope
                } else {
                    // After another visit of the same thread: that visit's scope, unless it is a
                    // Map or Parallel still open (then we are its first state).
                    let v = prev_ctx.visit.unwrap_or(0);
                    let open_container = b.is_open(v)
                        && b.visits.get(v).is_some_and(|x| {
                            x.kind == StateType::Map || x.kind == StateType::Parallel
                        });
                    if open_container {
                        let branch = if b
                            .visits
                            .get(v)
                            .is_some_and(|x| x.kind == StateType::Parallel)
                        {
                            b.branch_index(v, &name)
                        } else {
                            None
                        };
                        Scope {
                            parent: Some(v),
                            branch,
                            iteration: None,
                        }
                    } else {
                        b.scope_of_visit(v)
                    }
                };
                let kind = StateType::parse(k.trim_end_matches("StateEntered"))
                    .unwrap_or(StateType::Unknown);
                if let Some(m) = machine {
                    if m.find(&name).is_none() {
                        b.warnings.push(Diagnostic::warning(
                            "unknown-state",
                            format!("event {}: state '{name}' is not in the definition", e.id),
                            "",
                            None,
                        ));
                    }
                }
                let idx = b.visits.len();
                // The visit that led here: the thread's previous visit, already exited.
                if let Some(from) = prev_ctx
                    .visit
                    .filter(|&v| !b.is_open(v) && prev_kind.ends_with("StateExited"))
                {
                    if let Some(f) = b.visits.get_mut(from) {
                        f.next = Some(idx);
                    }
                }
                let fail = kind == StateType::Fail;
                b.visits.push(Visit {
                    state: name,
                    kind,
                    entered_event: e.id,
                    exited_event: None,
                    entered_ms: t,
                    exited_ms: if fail { Some(t) } else { None },
                    outcome: if fail {
                        Outcome::Failed
                    } else {
                        Outcome::Running
                    },
                    attempts: Vec::new(),
                    parent: scope.parent,
                    branch: scope.branch,
                    iteration: scope.iteration,
                    error: None,
                    cause: None,
                    input: decode(e.detail("input")),
                    output: None,
                    input_text: raw_text(e.detail("input")),
                    output_text: None,
                    resource: None,
                    next: None,
                    decision: None,
                    catcher: None,
                    segment: b.segment,
                    map_run: None,
                    items: None,
                    iterations: Vec::new(),
                });
                if fail {
                    if let Some(st) = machine.and_then(|m| m.find(&b.visits[idx].state)) {
                        if let StateKind::Fail { error, cause } = &st.kind {
                            b.visits[idx].error = error.clone();
                            b.visits[idx].cause = cause.clone();
                        }
                    }
                }
                ctx = Ctx {
                    visit: Some(idx),
                    scope,
                };
            }
            _ if k.ends_with("StateExited") => {
                let name = e.detail_str("name").unwrap_or("");
                if let Some(v) = b.find_open(prev_ctx, |x| x.state == name) {
                    let failed_last = b
                        .visits
                        .get(v)
                        .and_then(|x| x.attempts.last())
                        .is_some_and(|a| a.error.is_some());
                    if let Some(x) = b.visits.get_mut(v) {
                        x.exited_event = Some(e.id);
                        x.exited_ms = Some(t);
                        x.output = decode(e.detail("output"));
                        x.output_text = raw_text(e.detail("output"));
                        x.outcome = if failed_last || x.error.is_some() {
                            Outcome::Caught
                        } else {
                            Outcome::Succeeded
                        };
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "MapIterationStarted" => {
                let name = e.detail_str("name").unwrap_or("");
                let map = b.find_open(prev_ctx, |x| x.kind == StateType::Map && x.state == name);
                ctx = Ctx {
                    visit: None,
                    scope: Scope {
                        parent: map,
                        branch: None,
                        iteration: e.detail("index").and_then(Value::as_u64),
                    },
                };
            }
            "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted" => {
                let name = e.detail_str("name").unwrap_or("");
                if let Some(map) =
                    b.find_open(prev_ctx, |x| x.kind == StateType::Map && x.state == name)
                {
                    let outcome = match k {
                        "MapIterationSucceeded" => Outcome::Succeeded,
                        "MapIterationFailed" => Outcome::Failed,
                        _ => Outcome::Aborted,
                    };
                    if let (Some(x), Some(i)) = (
                        b.visits.get_mut(map),
                        e.detail("index").and_then(Value::as_u64),
                    ) {
                        x.iterations.push((i, outcome));
                    }
                }
            }
            "MapStateStarted" | "ParallelStateStarted" => {
                let want = if k == "MapStateStarted" {
                    StateType::Map
                } else {
                    StateType::Parallel
                };
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == want) {
                    if let Some(x) = b.visits.get_mut(v) {
                        x.attempts.push(Attempt {
                            scheduled_ms: t,
                            started_ms: Some(t),
                            ..Attempt::default()
                        });
                        if k == "MapStateStarted" {
                            x.items = e.detail("length").and_then(Value::as_u64);
                        }
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "MapStateSucceeded"
            | "MapStateFailed"
            | "MapStateAborted"
            | "ParallelStateSucceeded"
            | "ParallelStateFailed"
            | "ParallelStateAborted"
            | "MapRunStarted"
            | "MapRunSucceeded"
            | "MapRunFailed"
            | "MapRunAborted"
            | "MapRunRedriven" => {
                let want = if k.starts_with("Parallel") {
                    StateType::Parallel
                } else {
                    StateType::Map
                };
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == want) {
                    let (error, cause) = err_of(e);
                    if let Some(x) = b.visits.get_mut(v) {
                        if let Some(arn) = e.detail_str("mapRunArn") {
                            x.map_run = Some(arn.to_string());
                        }
                        if k.ends_with("Succeeded")
                            || k.ends_with("Failed")
                            || k.ends_with("Aborted")
                        {
                            if let Some(a) = x.attempts.last_mut().filter(|a| a.ended_ms.is_none())
                            {
                                a.ended_ms = Some(t);
                                if k.ends_with("Failed") {
                                    a.error = error
                                        .clone()
                                        .or_else(|| Some("States.BranchFailed".into()));
                                    a.cause = cause.clone();
                                }
                            }
                            if k.ends_with("Failed") {
                                x.error = error.or(x.error.take());
                                x.cause = cause.or(x.cause.take());
                            }
                            if k.ends_with("Aborted")
                                && k.starts_with(want.as_str())
                                && !k.starts_with("MapRun")
                            {
                                x.outcome = Outcome::Aborted;
                                x.exited_ms = Some(t);
                            }
                        }
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled" => {
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == StateType::Task) {
                    let resource = match (e.detail_str("resourceType"), e.detail_str("resource")) {
                        (Some(rt), Some(r)) => Some(format!("{rt}:{r}")),
                        (None, Some(r)) => Some(r.to_string()),
                        _ => None,
                    };
                    if let Some(x) = b.visits.get_mut(v) {
                        x.attempts.push(Attempt {
                            scheduled_ms: t,
                            ..Attempt::default()
                        });
                        if resource.is_some() {
                            x.resource = resource;
                        }
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "TaskStarted" | "LambdaFunctionStarted" | "ActivityStarted" | "TaskSubmitted" => {
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == StateType::Task) {
                    if let Some(a) = b.visits.get_mut(v).and_then(|x| x.attempts.last_mut()) {
                        if a.started_ms.is_none() {
                            a.started_ms = Some(t);
                        }
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "TaskSucceeded"
            | "LambdaFunctionSucceeded"
            | "ActivitySucceeded"
            | "TaskFailed"
            | "LambdaFunctionFailed"
            | "ActivityFailed"
            | "TaskTimedOut"
            | "LambdaFunctionTimedOut"
            | "ActivityTimedOut"
            | "TaskStartFailed"
            | "TaskSubmitFailed"
            | "LambdaFunctionScheduleFailed"
            | "LambdaFunctionStartFailed"
            | "ActivityScheduleFailed" => {
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == StateType::Task) {
                    let (error, cause) = err_of(e);
                    let failed = !k.ends_with("Succeeded");
                    let timed_out = k.ends_with("TimedOut");
                    if let Some(x) = b.visits.get_mut(v) {
                        // A failure to schedule has no Scheduled event before it: it is an attempt of its own.
                        if x.attempts.last().is_none_or(|a| a.ended_ms.is_some()) {
                            x.attempts.push(Attempt {
                                scheduled_ms: t,
                                ..Attempt::default()
                            });
                        }
                        if let Some(a) = x.attempts.last_mut() {
                            a.ended_ms = Some(t);
                            if failed {
                                a.error = error.clone().or_else(|| {
                                    Some(if timed_out {
                                        "States.Timeout".into()
                                    } else {
                                        "States.TaskFailed".into()
                                    })
                                });
                                a.cause = cause.clone();
                                a.timed_out = timed_out;
                            }
                        }
                        if failed {
                            x.error = x.attempts.last().and_then(|a| a.error.clone());
                            x.cause = cause;
                        } else {
                            x.error = None;
                            x.cause = None;
                        }
                    }
                    ctx = Ctx {
                        visit: Some(v),
                        scope: b.scope_of_visit(v),
                    };
                }
            }
            "EvaluationFailed" => {
                let name = e.detail_str("state").unwrap_or("");
                if let Some(v) = b
                    .find_open(prev_ctx, |x| x.state == name)
                    .or(prev_ctx.visit)
                {
                    let (error, cause) = err_of(e);
                    if let Some(x) = b.visits.get_mut(v) {
                        x.error = error.or_else(|| Some("States.QueryEvaluationError".into()));
                        x.cause = cause;
                        if let Some(a) = x.attempts.last_mut() {
                            a.error = x.error.clone();
                        } else {
                            x.attempts.push(Attempt {
                                scheduled_ms: t,
                                started_ms: Some(t),
                                ended_ms: Some(t),
                                error: x.error.clone(),
                                cause: x.cause.clone(),
                                timed_out: false,
                            });
                        }
                    }
                }
            }
            "TaskStateAborted" | "WaitStateAborted" => {
                let want = if k == "TaskStateAborted" {
                    StateType::Task
                } else {
                    StateType::Wait
                };
                if let Some(v) = b.find_open(prev_ctx, |x| x.kind == want) {
                    if let Some(x) = b.visits.get_mut(v) {
                        x.outcome = Outcome::Aborted;
                        x.exited_ms = Some(t);
                    }
                }
            }
            "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionAborted" | "ExecutionTimedOut" => {
                status = match k {
                    "ExecutionSucceeded" => "SUCCEEDED",
                    "ExecutionFailed" => "FAILED",
                    "ExecutionAborted" => "ABORTED",
                    _ => "TIMED_OUT",
                }
                .to_string();
                let (error, cause) = err_of(e);
                exec_error = error;
                exec_cause = cause;
                terminal = true;
                let seg = b.segment;
                for x in b.visits.iter_mut().filter(|x| {
                    x.segment == seg && x.outcome == Outcome::Running && x.exited_ms.is_none()
                }) {
                    x.exited_ms = Some(t);
                    let failed =
                        x.attempts.last().is_some_and(|a| a.error.is_some()) || x.error.is_some();
                    let timed_out = x.attempts.last().is_some_and(|a| a.timed_out);
                    x.outcome = match k {
                        "ExecutionFailed" if timed_out => Outcome::TimedOut,
                        "ExecutionFailed" if failed => Outcome::Failed,
                        "ExecutionFailed"
                            if x.kind == StateType::Map || x.kind == StateType::Parallel =>
                        {
                            Outcome::Failed
                        }
                        "ExecutionTimedOut" => Outcome::TimedOut,
                        _ => Outcome::Aborted,
                    };
                }
            }
            _ => {}
        }
        b.pos_of.insert(e.id, pos);
        b.ctx.push(ctx);
        timed_events.push(TimedEvent {
            id: e.id,
            at_ms: t,
            kind: e.kind.clone(),
            visit: ctx.visit,
        });
    }
    // Map and Parallel visits that never exited but whose failure ended an iteration or branch:
    // children of a failed container that are still open failed with it or were aborted.
    let duration = times.last().copied().unwrap_or(0).max(0);
    if status == "RUNNING" {
        if let Some(info) = &history.execution {
            if let Some(s) = &info.status {
                status = s.clone();
            }
        }
    }
    // Nested visits left open by a failure inside a branch or iteration.
    let n = b.visits.len();
    for i in 0..n {
        let parent_done = b
            .visits
            .get(i)
            .and_then(|x| x.parent)
            .and_then(|p| b.visits.get(p))
            .is_some_and(|p| p.exited_ms.is_some());
        if let Some(x) = b.visits.get_mut(i) {
            if x.outcome == Outcome::Running && parent_done {
                let failed = x.attempts.last().is_some_and(|a| a.error.is_some());
                x.outcome = if failed {
                    Outcome::Failed
                } else {
                    Outcome::Aborted
                };
                if x.exited_ms.is_none() {
                    x.exited_ms = Some(duration);
                }
            }
        }
    }
    // Catches and Choice decisions, from the definition.
    for i in 0..n {
        let Some(v) = b.visits.get(i) else { continue };
        let next_state = v
            .next
            .and_then(|nx| b.visits.get(nx))
            .map(|x| x.state.clone());
        let (state, outcome, error) = (v.state.clone(), v.outcome, v.error.clone());
        let Some(m) = machine else { continue };
        let Some(st) = m.find(&state) else { continue };
        let Some(next_state) = next_state else {
            continue;
        };
        let allowed = m.transitions(st).iter().any(|(_, t)| t.name == next_state);
        if !allowed {
            let id = v.entered_event;
            b.warnings.push(Diagnostic::warning("unexpected-transition", format!("event {id}: '{state}' went to '{next_state}', which the definition does not allow"), "", None));
        }
        let mut decision = None;
        let mut catcher = None;
        if let StateKind::Choice(c) = &st.kind {
            decision = c
                .rules
                .iter()
                .position(|r| r.next.as_ref().is_some_and(|n| n.name == next_state))
                .map(|i| format!("rule {}", i + 1))
                .or_else(|| {
                    c.default
                        .as_ref()
                        .filter(|d| d.name == next_state)
                        .map(|_| "default".to_string())
                });
        }
        if outcome == Outcome::Caught {
            let err = error.unwrap_or_default();
            catcher = st.catchers.iter().position(|c| {
                c.next.as_ref().is_some_and(|n| n.name == next_state)
                    && crate::asl::any_matches(&c.error_equals, &err)
            });
        }
        if let Some(x) = b.visits.get_mut(i) {
            x.decision = decision;
            x.catcher = catcher;
        }
    }
    // A visit whose exit is stamped before its entry: the clock went backwards.
    if timed {
        for v in &b.visits {
            if let Some(out) = v.exited_ms.filter(|&out| out < v.entered_ms) {
                let (id, back) = (v.entered_event, v.entered_ms - out);
                b.warnings.push(Diagnostic::warning(
                    "ends-before-start",
                    format!(
                        "event {id}: '{}' exits {} before it was entered; its timestamps are out of order",
                        v.state,
                        super::overlay::format_duration(back)
                    ),
                    "",
                    None,
                ));
            }
        }
    }
    let redrives = b.segment;
    Timeline {
        status,
        start_epoch_ms: t0,
        duration_ms: duration,
        visits: b.visits,
        events: timed_events,
        warnings: b.warnings,
        redrives,
        partial: history.partial,
        timed,
        error: exec_error,
        cause: exec_cause,
    }
}

impl Timeline {
    /// The JSON that `stepscope timeline --format json` prints.
    pub fn to_json(&self) -> Value {
        use serde_json::json;
        let visits: Vec<Value> = self
            .visits
            .iter()
            .map(|v| {
                json!({
                    "state": v.state, "entered_event": v.entered_event, "exited_event": v.exited_event,
                    "entered_ms": v.entered_ms, "exited_ms": v.exited_ms, "outcome": v.outcome.as_str(),
                    "attempts": v.attempts.len(), "branch": v.branch, "iteration": v.iteration, "error": v.error,
                })
            })
            .collect();
        let warnings: Vec<Value> = self
            .warnings
            .iter()
            .map(|w| json!({"code": w.code, "message": w.message}))
            .collect();
        json!({"status": self.status, "duration_ms": self.duration_ms, "visits": visits, "warnings": warnings})
    }

    /// Depth of a visit in the nesting of Map and Parallel states.
    pub fn depth(&self, v: usize) -> usize {
        let mut d = 0;
        let mut p = self.visits.get(v).and_then(|x| x.parent);
        while let Some(i) = p {
            d += 1;
            p = self.visits.get(i).and_then(|x| x.parent);
            if d > 256 {
                break;
            }
        }
        d
    }
}
