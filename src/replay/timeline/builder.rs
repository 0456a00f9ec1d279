//! The builder: reads a history's events in order, one method per event family. Each event
//! belongs to a thread of the run (the visit it reports on, inside which Map iteration or
//! Parallel branch), found from the event it follows (`previousEventId`).

use super::{Attempt, ExecutionStatus, Outcome, TimedEvent, Visit};
use crate::asl::{StateKind, StateMachine, StateType};
use crate::diag::Diagnostic;
use crate::diag::DiagnosticCode;
use crate::history::{decode_json_text as decode, Event, EventType, Phase};
use serde_json::Value;
use std::collections::HashMap;

/// Where a visit sits: inside which Map or Parallel visit, which branch, which iteration.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Nesting {
    parent: Option<usize>,
    branch: Option<usize>,
    iteration: Option<u64>,
}

/// The thread an event belongs to: the visit it reports on (if any), and where that sits.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Thread {
    visit: Option<usize>,
    nesting: Nesting,
}

/// Times relative to the run's start; events without a timestamp take their predecessor's
/// (or, when no event has one, their order).
pub(super) struct Clock {
    pub t0: Option<i64>,
    times: Vec<i64>,
}

impl Clock {
    pub fn of(events: &[Event]) -> Clock {
        let t0 = events
            .iter()
            .find(|e| e.ty == EventType::Execution(Phase::Started))
            .and_then(|e| e.at)
            .or_else(|| events.iter().find_map(|e| e.at));
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
        Clock { t0, times }
    }

    pub fn at(&self, pos: usize) -> i64 {
        self.times.get(pos).copied().unwrap_or(0)
    }

    pub fn last(&self) -> i64 {
        self.times.last().copied().unwrap_or(0)
    }
}

/// A value as the history wrote it: a JSON string's text, or another value's JSON.
fn raw_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// An event's `error` and `cause`.
fn error_and_cause(e: &Event) -> (Option<String>, Option<String>) {
    let cause = match e.detail("cause") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) if !v.is_null() => Some(v.to_string()),
        _ => None,
    };
    (e.detail_str("error").map(String::from), cause)
}

pub(super) struct Builder<'a> {
    machine: Option<&'a StateMachine>,
    pub visits: Vec<Visit>,
    pub events: Vec<TimedEvent>,
    pub warnings: Vec<Diagnostic>,
    pub status: ExecutionStatus,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Redrives so far: visits of each redrive are a segment of their own.
    pub segment: usize,
    /// Each event's thread, by position.
    threads: Vec<Thread>,
    /// Each event's position, by id.
    pos_of: HashMap<u64, usize>,
    /// Per Parallel visit without a definition: first state names seen, in order.
    branch_starts: HashMap<usize, Vec<String>>,
}

impl<'a> Builder<'a> {
    pub fn new(machine: Option<&'a StateMachine>, events: usize) -> Self {
        Builder {
            machine,
            visits: Vec::new(),
            events: Vec::with_capacity(events),
            warnings: Vec::new(),
            status: ExecutionStatus::Running,
            error: None,
            cause: None,
            segment: 0,
            threads: Vec::with_capacity(events),
            pos_of: HashMap::with_capacity(events),
            branch_starts: HashMap::new(),
        }
    }

    /// Reads event `e`, at position `pos` of `events`, at time `t`.
    pub fn read(&mut self, pos: usize, e: &Event, events: &[Event], t: i64) {
        let prev_pos = self
            .pos_of
            .get(&e.previous)
            .copied()
            .or_else(|| pos.checked_sub(1));
        let prev = prev_pos
            .and_then(|p| self.threads.get(p))
            .copied()
            .unwrap_or_default();
        let prev_ty = prev_pos
            .and_then(|p| events.get(p))
            .map_or(EventType::Other, |p| p.ty);
        let thread = match e.ty {
            EventType::Execution(Phase::Started) => Thread::default(),
            EventType::Execution(Phase::Redriven) => {
                self.segment += 1;
                self.status = ExecutionStatus::Running;
                Thread::default()
            }
            EventType::Execution(phase) => {
                self.execution_ended(e, phase, t);
                prev
            }
            EventType::Entered(kind) => self.entered(e, kind, t, prev, prev_ty),
            EventType::Exited(_) => self.exited(e, t, prev),
            EventType::Iteration(Phase::Started) => self.iteration_started(e, prev),
            EventType::Iteration(phase) => {
                self.iteration_ended(e, phase, prev);
                prev
            }
            EventType::Container(kind, Phase::Started) => self.container_started(e, kind, t, prev),
            EventType::Container(kind, phase) => {
                self.container_event(e, kind, phase, true, t, prev)
            }
            EventType::MapRun(phase) => {
                self.container_event(e, StateType::Map, phase, false, t, prev)
            }
            EventType::Work(_, Phase::Scheduled) => self.task_scheduled(e, t, prev),
            EventType::Work(_, Phase::Started | Phase::Submitted) => self.task_started(t, prev),
            EventType::Work(_, phase) => self.task_ended(e, phase, t, prev),
            EventType::EvaluationFailed => {
                self.evaluation_failed(e, t, prev);
                prev
            }
            EventType::StateAborted(kind) => {
                self.state_aborted(kind, t, prev);
                prev
            }
            EventType::Other => prev,
        };
        self.pos_of.insert(e.id, pos);
        self.threads.push(thread);
        self.events.push(TimedEvent {
            id: e.id,
            at_ms: t,
            kind: e.kind.clone(),
            visit: thread.visit,
        });
    }

    fn is_open(&self, v: usize) -> bool {
        self.visits
            .get(v)
            .is_some_and(|x| x.exited_ms.is_none() && x.outcome == Outcome::Running)
    }

    /// Walks from a thread up through enclosing Map/Parallel visits.
    fn chain(&self, thread: Thread) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(v) = thread.visit {
            out.push(v);
        }
        let mut p = thread.nesting.parent;
        while let Some(v) = p {
            if out.len() > 256 {
                break;
            }
            out.push(v);
            p = self.visits.get(v).and_then(|x| x.parent);
        }
        out
    }

    /// The innermost open visit on the thread's way out that `pred` accepts.
    fn find_open(&self, thread: Thread, pred: impl Fn(&Visit) -> bool) -> Option<usize> {
        self.chain(thread)
            .into_iter()
            .find(|&v| self.is_open(v) && self.visits.get(v).is_some_and(&pred))
    }

    fn open_of(&self, thread: Thread, kind: StateType) -> Option<usize> {
        self.find_open(thread, |x| x.kind == kind)
    }

    /// The thread of visit `v`.
    fn thread_of(&self, v: usize) -> Thread {
        let nesting = self
            .visits
            .get(v)
            .map(|x| Nesting {
                parent: x.parent,
                branch: x.branch,
                iteration: x.iteration,
            })
            .unwrap_or_default();
        Thread {
            visit: Some(v),
            nesting,
        }
    }

    /// Which branch of Parallel visit `parallel` state `name` starts: from the definition, or
    /// else in the order first states were seen.
    fn branch_index(&mut self, parallel: usize, name: &str) -> Option<usize> {
        let pid = self.visits.get(parallel)?.id;
        if let Some(m) = self.machine {
            if let Some(StateKind::Parallel { branches }) =
                pid.and_then(|id| m.state(id)).map(|s| &s.kind)
            {
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

    /// Where a state entered after `prev` (an event of type `prev_ty`) sits.
    fn nesting_of_entry(&mut self, name: &str, prev: Thread, prev_ty: EventType) -> Nesting {
        if prev_ty == EventType::Container(StateType::Parallel, Phase::Started) {
            let parallel = prev.visit;
            let branch = parallel.and_then(|p| self.branch_index(p, name));
            return Nesting {
                parent: parallel,
                branch,
                iteration: None,
            };
        }
        let Some(v) = prev
            .visit
            .filter(|_| prev_ty != EventType::Iteration(Phase::Started))
        else {
            return prev.nesting;
        };
        // After another visit of the same thread: that visit's nesting, unless it is a Map or
        // Parallel still open (then this is its first state).
        let kind = self.visits.get(v).map(|x| x.kind);
        if self.is_open(v) && matches!(kind, Some(StateType::Map | StateType::Parallel)) {
            let branch = if kind == Some(StateType::Parallel) {
                self.branch_index(v, name)
            } else {
                None
            };
            Nesting {
                parent: Some(v),
                branch,
                iteration: None,
            }
        } else {
            self.thread_of(v).nesting
        }
    }

    /// `*StateEntered`: a new visit.
    fn entered(
        &mut self,
        e: &Event,
        kind: StateType,
        t: i64,
        prev: Thread,
        prev_ty: EventType,
    ) -> Thread {
        let name = e.detail_str("name").unwrap_or("").to_string();
        let nesting = self.nesting_of_entry(&name, prev, prev_ty);
        let state = self.machine.and_then(|m| m.find(&name));
        if self.machine.is_some() && state.is_none() {
            self.warnings.push(Diagnostic::warning(
                DiagnosticCode::UnknownState,
                format!("event {}: state '{name}' is not in the definition", e.id),
                "",
                None,
            ));
        }
        let idx = self.visits.len();
        // The visit that led here: the thread's previous visit, already exited.
        if let Some(from) = prev
            .visit
            .filter(|&v| !self.is_open(v) && prev_ty.is_exited())
        {
            if let Some(f) = self.visits.get_mut(from) {
                f.next = Some(idx);
            }
        }
        let fail = kind == StateType::Fail;
        let (error, cause) = match state.map(|s| &s.kind) {
            Some(StateKind::Fail { error, cause }) if fail => (error.clone(), cause.clone()),
            _ => (None, None),
        };
        self.visits.push(Visit {
            state: name,
            id: state.map(|s| s.id),
            kind,
            entered_event: e.id,
            exited_event: None,
            entered_ms: t,
            exited_ms: fail.then_some(t),
            outcome: if fail {
                Outcome::Failed
            } else {
                Outcome::Running
            },
            attempts: Vec::new(),
            parent: nesting.parent,
            branch: nesting.branch,
            iteration: nesting.iteration,
            error,
            cause,
            input: decode(e.detail("input")),
            output: None,
            input_text: raw_text(e.detail("input")),
            output_text: None,
            resource: None,
            next: None,
            decision: None,
            catcher: None,
            segment: self.segment,
            map_run: None,
            items: None,
            iterations: Vec::new(),
        });
        Thread {
            visit: Some(idx),
            nesting,
        }
    }

    /// `*StateExited`: the visit is done; caught if its last attempt failed.
    fn exited(&mut self, e: &Event, t: i64, prev: Thread) -> Thread {
        let name = e.detail_str("name").unwrap_or("");
        let Some(v) = self.find_open(prev, |x| x.state == name) else {
            return prev;
        };
        if let Some(x) = self.visits.get_mut(v) {
            let failed_last = x.attempts.last().is_some_and(|a| a.error.is_some());
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
        self.thread_of(v)
    }

    /// `MapIterationStarted`: the thread moves into iteration `index` of its Map.
    fn iteration_started(&mut self, e: &Event, prev: Thread) -> Thread {
        let name = e.detail_str("name").unwrap_or("");
        let map = self.find_open(prev, |x| x.kind == StateType::Map && x.state == name);
        Thread {
            visit: None,
            nesting: Nesting {
                parent: map,
                branch: None,
                iteration: e.detail("index").and_then(Value::as_u64),
            },
        }
    }

    /// `MapIteration{Succeeded,Failed,Aborted}`: the iteration's outcome, on its Map.
    fn iteration_ended(&mut self, e: &Event, phase: Phase, prev: Thread) {
        let name = e.detail_str("name").unwrap_or("");
        let Some(map) = self.find_open(prev, |x| x.kind == StateType::Map && x.state == name)
        else {
            return;
        };
        let outcome = match phase {
            Phase::Succeeded => Outcome::Succeeded,
            Phase::Failed => Outcome::Failed,
            _ => Outcome::Aborted,
        };
        if let (Some(x), Some(i)) = (
            self.visits.get_mut(map),
            e.detail("index").and_then(Value::as_u64),
        ) {
            x.iterations.push((i, outcome));
        }
    }

    /// `{Map,Parallel}StateStarted`: the container's run begins (a Map's knows its length).
    fn container_started(&mut self, e: &Event, kind: StateType, t: i64, prev: Thread) -> Thread {
        let Some(v) = self.open_of(prev, kind) else {
            return prev;
        };
        if let Some(x) = self.visits.get_mut(v) {
            x.attempts.push(Attempt {
                scheduled_ms: t,
                started_ms: Some(t),
                ..Attempt::default()
            });
            if kind == StateType::Map {
                x.items = e.detail("length").and_then(Value::as_u64);
            }
        }
        self.thread_of(v)
    }

    /// `{Map,Parallel}State{Succeeded,Failed,Aborted}` and `MapRun*` (on the Map): the run ends.
    /// `own` is true for the container's own events, false for a Distributed Map's child run.
    fn container_event(
        &mut self,
        e: &Event,
        kind: StateType,
        phase: Phase,
        own: bool,
        t: i64,
        prev: Thread,
    ) -> Thread {
        let Some(v) = self.open_of(prev, kind) else {
            return prev;
        };
        let (error, cause) = error_and_cause(e);
        if let Some(x) = self.visits.get_mut(v) {
            if let Some(arn) = e.detail_str("mapRunArn") {
                x.map_run = Some(arn.to_string());
            }
            if matches!(phase, Phase::Succeeded | Phase::Failed | Phase::Aborted) {
                let failed = phase == Phase::Failed;
                if let Some(a) = x.attempts.last_mut().filter(|a| a.ended_ms.is_none()) {
                    a.ended_ms = Some(t);
                    if failed {
                        a.error = error.clone().or_else(|| Some("States.BranchFailed".into()));
                        a.cause = cause.clone();
                    }
                }
                if failed {
                    x.error = error.or(x.error.take());
                    x.cause = cause.or(x.cause.take());
                }
                if phase == Phase::Aborted && own {
                    x.outcome = Outcome::Aborted;
                    x.exited_ms = Some(t);
                }
            }
        }
        self.thread_of(v)
    }

    /// `*Scheduled`: a new attempt of the open Task.
    fn task_scheduled(&mut self, e: &Event, t: i64, prev: Thread) -> Thread {
        let Some(v) = self.open_of(prev, StateType::Task) else {
            return prev;
        };
        let resource = match (e.detail_str("resourceType"), e.detail_str("resource")) {
            (Some(rt), Some(r)) => Some(format!("{rt}:{r}")),
            (None, Some(r)) => Some(r.to_string()),
            _ => None,
        };
        if let Some(x) = self.visits.get_mut(v) {
            x.attempts.push(Attempt {
                scheduled_ms: t,
                ..Attempt::default()
            });
            if resource.is_some() {
                x.resource = resource;
            }
        }
        self.thread_of(v)
    }

    /// `*Started`, `TaskSubmitted`: the attempt is under way.
    fn task_started(&mut self, t: i64, prev: Thread) -> Thread {
        let Some(v) = self.open_of(prev, StateType::Task) else {
            return prev;
        };
        if let Some(a) = self.visits.get_mut(v).and_then(|x| x.attempts.last_mut()) {
            if a.started_ms.is_none() {
                a.started_ms = Some(t);
            }
        }
        self.thread_of(v)
    }

    /// `*Succeeded`, `*Failed`, `*TimedOut`, `*StartFailed`, …: the attempt ends.
    fn task_ended(&mut self, e: &Event, phase: Phase, t: i64, prev: Thread) -> Thread {
        let Some(v) = self.open_of(prev, StateType::Task) else {
            return prev;
        };
        let (error, cause) = error_and_cause(e);
        let failed = phase != Phase::Succeeded;
        let timed_out = phase == Phase::TimedOut;
        if let Some(x) = self.visits.get_mut(v) {
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
                    a.error = error.or_else(|| {
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
        self.thread_of(v)
    }

    /// `EvaluationFailed`: an expression of the state failed; its visit fails with it.
    fn evaluation_failed(&mut self, e: &Event, t: i64, prev: Thread) {
        let name = e.detail_str("state").unwrap_or("");
        let Some(v) = self.find_open(prev, |x| x.state == name).or(prev.visit) else {
            return;
        };
        let (error, cause) = error_and_cause(e);
        if let Some(x) = self.visits.get_mut(v) {
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

    /// `TaskStateAborted`, `WaitStateAborted`: the open state is cancelled.
    fn state_aborted(&mut self, kind: StateType, t: i64, prev: Thread) {
        if let Some(x) = self
            .open_of(prev, kind)
            .and_then(|v| self.visits.get_mut(v))
        {
            x.outcome = Outcome::Aborted;
            x.exited_ms = Some(t);
        }
    }

    /// `Execution{Succeeded,Failed,Aborted,TimedOut}`: the run (or this redrive of it) ends, and
    /// so does every visit of this segment still open.
    fn execution_ended(&mut self, e: &Event, phase: Phase, t: i64) {
        self.status = match phase {
            Phase::Succeeded => ExecutionStatus::Succeeded,
            Phase::Failed => ExecutionStatus::Failed,
            Phase::Aborted => ExecutionStatus::Aborted,
            _ => ExecutionStatus::TimedOut,
        };
        (self.error, self.cause) = error_and_cause(e);
        let seg = self.segment;
        for x in self
            .visits
            .iter_mut()
            .filter(|x| x.segment == seg && x.outcome == Outcome::Running && x.exited_ms.is_none())
        {
            x.exited_ms = Some(t);
            let failed = x.attempts.last().is_some_and(|a| a.error.is_some()) || x.error.is_some();
            let timed_out = x.attempts.last().is_some_and(|a| a.timed_out);
            let container = matches!(x.kind, StateType::Map | StateType::Parallel);
            x.outcome = match phase {
                Phase::Failed if timed_out => Outcome::TimedOut,
                Phase::Failed if failed || container => Outcome::Failed,
                Phase::TimedOut => Outcome::TimedOut,
                _ => Outcome::Aborted,
            };
        }
    }
}
