//! Building the timeline from a history (and, when given, the definition).
//!
//! Three parts: the types (this file); the builder (`builder.rs`), which reads the events in
//! order with one method per event family and opens and closes visits; and the reconciliation
//! passes (`reconcile.rs`), which settle what only the whole run tells: visits a failure left
//! open, Catches and Choice decisions from the definition, clocks that went backwards.

mod builder;
mod reconcile;

use crate::asl::{StateId, StateMachine, StateType};
use crate::diag::Diagnostic;
use crate::history::History;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// An execution's status, as AWS names it (`RUNNING`, `SUCCEEDED`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
    TimedOut,
    PendingRedrive,
}

impl ExecutionStatus {
    pub const ALL: [ExecutionStatus; 6] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::Aborted,
        ExecutionStatus::TimedOut,
        ExecutionStatus::PendingRedrive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        }
    }

    /// The status `describe-execution` names; `None` for one Stepscope doesn't know.
    pub fn parse(text: &str) -> Option<ExecutionStatus> {
        ExecutionStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The CSS class: `running`, `succeeded`, `timed_out`, …
    pub fn class(self) -> String {
        self.as_str().to_ascii_lowercase()
    }
}

impl std::fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The state in the definition, when one was given and names it.
    pub id: Option<StateId>,
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
    pub status: ExecutionStatus,
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

/// A JSON text decoded for display; text that isn't JSON is kept as a string.
fn decode_text(text: Option<&str>) -> Option<Value> {
    let text = text?;
    Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
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

/// Rebuilds the run. Never fails: problems are warnings on the timeline.
pub fn build_timeline(history: &History, machine: Option<&StateMachine>) -> Timeline {
    let clock = builder::Clock::of(&history.events);
    let mut b = builder::Builder::new(machine, history.events.len());
    for (pos, e) in history.events.iter().enumerate() {
        b.read(pos, e, &history.events, clock.at(pos));
    }
    let duration = clock.last().max(0);
    if b.status == ExecutionStatus::Running {
        if let Some(s) = history
            .execution
            .as_ref()
            .and_then(|info| info.status.as_deref())
            .and_then(ExecutionStatus::parse)
        {
            b.status = s;
        }
    }
    let mut tl = Timeline {
        status: b.status,
        start_epoch_ms: clock.t0,
        duration_ms: duration,
        redrives: b.segment,
        visits: b.visits,
        events: b.events,
        warnings: b.warnings,
        partial: history.partial,
        timed: clock.t0.is_some(),
        error: b.error,
        cause: b.cause,
    };
    reconcile::close_nested(&mut tl);
    if let Some(m) = machine {
        reconcile::decisions(&mut tl, m);
    }
    reconcile::clock_warnings(&mut tl);
    tl
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
        json!({"status": self.status.as_str(), "duration_ms": self.duration_ms, "visits": visits, "warnings": warnings})
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
