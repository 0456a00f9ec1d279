//! A generator of synthetic histories: walks a definition and emits the events a real run would,
//! with real-looking timestamps, retries with backoff, caught errors, nested Maps and Parallels,
//! up to the service's 25,000 events. It also says what run it meant, so tests can check that
//! the timeline rebuilt from its history is that run. Deterministic for a seed.

/// The longest a Standard run lasts, in seconds: no generated wait is longer.
const RUN_SECONDS: f64 = 366.0 * 86_400.0;

use crate::asl::{MapMode, ScopeId, State, StateKind, StateMachine, WaitFor};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenOptions {
    pub seed: u64,
    /// Items for every inline Map.
    pub map_items: usize,
    /// Chance that a Task try fails (when it has a Retry or Catch that can handle it).
    pub failure_rate: f64,
    /// Stop once this many events are written (the service's limit is 25,000).
    pub max_events: usize,
    /// Epoch milliseconds of ExecutionStarted.
    pub start_ms: i64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            seed: 1,
            map_items: 3,
            failure_rate: 0.2,
            max_events: 25_000,
            start_ms: 1_767_261_600_000,
        }
    }
}

/// What the generator meant to happen to one state visit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IntendedVisit {
    pub state: String,
    pub outcome: &'static str,
    pub attempts: usize,
    pub branch: Option<usize>,
    pub iteration: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// `get-execution-history` output as CLI v2 prints it.
    pub history: String,
    pub status: super::ExecutionStatus,
    pub visits: Vec<IntendedVisit>,
    pub events: usize,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo).max(1) as u64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
}

struct Emitted {
    at: i64,
    seq: usize,
    parent: Option<usize>,
    kind: String,
    details: Option<(String, Value)>,
}

struct Gen<'a> {
    m: &'a StateMachine,
    o: GenOptions,
    rng: Rng,
    out: Vec<Emitted>,
    visits: Vec<IntendedVisit>,
    full: bool,
}

/// The result of running a scope: when it ended, the last event of its thread, and a failure.
/// Where a state's run has got to: the time, the last event emitted, and the failure, if any.
type Step = (i64, usize, Option<(String, String)>);

struct Ran {
    at: i64,
    last: usize,
    failure: Option<(String, String)>,
}

impl Gen<'_> {
    fn emit(
        &mut self,
        at: i64,
        parent: Option<usize>,
        kind: &str,
        details: Option<Value>,
    ) -> usize {
        // Stop starting new work a little before the limit, so work under way can finish within it.
        if self.out.len() >= self.o.max_events.saturating_sub(64) {
            self.full = true;
        }
        let key = crate::history::details_key(kind);
        let seq = self.out.len();
        self.out.push(Emitted {
            at,
            seq,
            parent,
            kind: kind.to_string(),
            details: details.map(|d| (key, d)),
        });
        seq
    }

    fn scope(
        &mut self,
        scope: ScopeId,
        at: i64,
        parent: usize,
        branch: Option<usize>,
        iteration: Option<u64>,
    ) -> Ran {
        let Some(sc) = self.m.scope(scope) else {
            return Ran {
                at,
                last: parent,
                failure: None,
            };
        };
        let mut cur = sc.start_at.as_ref().and_then(|t| t.target);
        let (mut t, mut last) = (at, parent);
        let mut visits_here: std::collections::HashMap<u32, usize> =
            std::collections::HashMap::new();
        while let Some(id) = cur {
            if self.full {
                break;
            }
            let Some(st) = self.m.state(id) else { break };
            *visits_here.entry(id.0).or_default() += 1;
            let start = t + self.rng.range(3, 12);
            let (ran, next) = self.state(st, start, last, branch, iteration, &visits_here);
            t = ran.at;
            last = ran.last;
            if ran.failure.is_some() {
                return ran;
            }
            cur = next;
        }
        Ran {
            at: t,
            last,
            failure: None,
        }
    }

    fn state(
        &mut self,
        st: &State,
        at: i64,
        prev: usize,
        branch: Option<usize>,
        iteration: Option<u64>,
        seen: &std::collections::HashMap<u32, usize>,
    ) -> (Ran, Option<crate::asl::StateId>) {
        let kind = st.kind.asl_type().to_string();
        let entered = self.emit(
            at,
            Some(prev),
            &format!("{kind}StateEntered"),
            Some(json!({"name": st.name, "input": "{}", "inputDetails": {"truncated": false}})),
        );
        let vi = self.visits.len();
        self.visits.push(IntendedVisit {
            state: st.name.clone(),
            outcome: "succeeded",
            attempts: 0,
            branch,
            iteration,
        });
        let mut t = at;
        let mut last = entered;
        let mut failure: Option<(String, String)> = None;
        match &st.kind {
            StateKind::Fail { error, cause } => {
                if let Some(v) = self.visits.get_mut(vi) {
                    v.outcome = "failed";
                }
                let e = error.clone().unwrap_or_else(|| "States.Fail".into());
                return (
                    Ran {
                        at: t,
                        last,
                        failure: Some((e, cause.clone().unwrap_or_default())),
                    },
                    None,
                );
            }
            StateKind::Task(task) => {
                (t, last, failure) = self.task(st, task, vi, (t, last, failure));
            }
            StateKind::Wait(w) => {
                let secs = match &w.duration {
                    WaitFor::Seconds(s) => s.parse::<i64>().unwrap_or(1).min(3600),
                    _ => 1,
                };
                t += secs * 1000;
            }
            StateKind::Parallel { branches } => {
                (t, last, failure) = self.parallel(branches, vi, (t, last, failure));
            }
            StateKind::Map(map) => {
                (t, last, failure) = self.map(st, map, vi, (t, last, failure));
            }
            StateKind::Choice(_) | StateKind::Pass | StateKind::Succeed | StateKind::Unknown(_) => {
            }
        }
        // Failure: caught (exit, go to the catcher's target) or passed up (no exit).
        if let Some((error, cause)) = failure {
            let catcher = st
                .catchers
                .iter()
                .find(|c| crate::asl::any_matches(&c.error_equals, &error));
            match catcher.and_then(|c| c.next.as_ref()).and_then(|n| n.target) {
                Some(target) => {
                    t += self.rng.range(3, 10);
                    last = self.emit(t, Some(last), &format!("{kind}StateExited"), Some(json!({"name": st.name, "output": json!({"Error": error, "Cause": cause}).to_string()})));
                    if let Some(v) = self.visits.get_mut(vi) {
                        v.outcome = "caught";
                    }
                    return (
                        Ran {
                            at: t,
                            last,
                            failure: None,
                        },
                        Some(target),
                    );
                }
                None => {
                    if let Some(v) = self.visits.get_mut(vi) {
                        v.outcome = "failed";
                    }
                    return (
                        Ran {
                            at: t,
                            last,
                            failure: Some((error, cause)),
                        },
                        None,
                    );
                }
            }
        }
        t += self.rng.range(2, 12);
        last = self.emit(
            t,
            Some(last),
            &format!("{kind}StateExited"),
            Some(json!({"name": st.name, "output": "{}", "outputDetails": {"truncated": false}})),
        );
        let next = self.choose_next(st, seen);
        (
            Ran {
                at: t,
                last,
                failure: None,
            },
            next,
        )
    }

    /// A Task's attempts, retried as its retriers say, until one succeeds or none may retry.
    fn task(&mut self, st: &State, task: &crate::asl::Task, vi: usize, step: Step) -> Step {
        let (mut t, mut last, _) = step;
        // Each attempt decides it: the loop ends only after one has.
        let mut failure;
        let res = (task.resource.service.clone(), task.resource.action.clone());
        let mut counts = vec![0usize; st.retriers.len()];
        let mut attempts = 0;
        loop {
            attempts += 1;
            t += self.rng.range(5, 20);
            let details = json!({"resourceType": res.0, "resource": res.1, "region": "us-east-1", "parameters": "{}"});
            last = self.emit(t, Some(last), "TaskScheduled", Some(details));
            t += self.rng.range(8, 40);
            last = self.emit(
                t,
                Some(last),
                "TaskStarted",
                Some(json!({"resourceType": res.0, "resource": res.1})),
            );
            t += self.rng.range(40, 1500);
            let handled = !st.retriers.is_empty() || !st.catchers.is_empty();
            let fails =
                handled && self.rng.chance(self.o.failure_rate) && attempts < 6 && !self.full;
            if !fails {
                last = self.emit(
                    t,
                    Some(last),
                    "TaskSucceeded",
                    Some(json!({"resourceType": res.0, "resource": res.1, "output": "{}"})),
                );
                failure = None;
                break;
            }
            let error = st
                .retriers
                .first()
                .and_then(|r| r.error_equals.first())
                .or_else(|| st.catchers.first().and_then(|c| c.error_equals.first()))
                .cloned()
                .unwrap_or_else(|| "States.TaskFailed".into());
            let error = if error == "States.ALL" {
                "States.TaskFailed".to_string()
            } else {
                error
            };
            last = self.emit(t, Some(last), "TaskFailed", Some(json!({"resourceType": res.0, "resource": res.1, "error": error, "cause": "synthetic failure"})));
            failure = Some((error.clone(), "synthetic failure".into()));
            // The first retrier that matches decides.
            let matching = st
                .retriers
                .iter()
                .position(|r| crate::asl::any_matches(&r.error_equals, &error));
            match matching {
                Some(i)
                    if counts.get(i).copied().unwrap_or(0)
                        < st.retriers.get(i).map_or(0, |r| r.max_attempts as usize) =>
                {
                    let r = &st.retriers[i];
                    let n = counts[i];
                    counts[i] += 1;
                    let mut delay = r.interval_seconds * r.backoff_rate.powi(n as i32);
                    if let Some(max) = r.max_delay_seconds {
                        delay = delay.min(max);
                    }
                    // No wait outlasts the longest run (a year), whatever the backoff.
                    delay = delay.clamp(0.0, RUN_SECONDS);
                    t = t.saturating_add((delay * 1000.0).round() as i64);
                }
                _ => break,
            }
        }
        if let Some(v) = self.visits.get_mut(vi) {
            v.attempts = attempts;
        }
        (t, last, failure)
    }

    /// A Parallel state's branches, all from one start; the first failure is the state's.
    fn parallel(&mut self, branches: &[ScopeId], vi: usize, step: Step) -> Step {
        let (mut t, mut last, mut failure) = step;
        t += 2;
        let started = self.emit(t, Some(last), "ParallelStateStarted", None);
        let mut end = t;
        let mut tail = started;
        for (i, b) in branches.iter().enumerate() {
            let ran = self.scope(*b, t + 1 + i as i64, started, Some(i), None);
            if ran.at >= end {
                end = ran.at;
                tail = ran.last;
            }
            if ran.failure.is_some() && failure.is_none() {
                failure = ran.failure;
            }
        }
        t = end + self.rng.range(2, 10);
        if let Some(v) = self.visits.get_mut(vi) {
            v.attempts = 1;
        }
        last = self.emit(
            t,
            Some(tail),
            if failure.is_some() {
                "ParallelStateFailed"
            } else {
                "ParallelStateSucceeded"
            },
            None,
        );
        (t, last, failure)
    }

    /// A Map state's iterations, `MaxConcurrency` at a time (a Distributed Map as one child run).
    fn map(&mut self, st: &State, map: &crate::asl::Map, vi: usize, step: Step) -> Step {
        let (mut t, mut last, mut failure) = step;
        t += 2;
        let items = self.o.map_items;
        let started = self.emit(
            t,
            Some(last),
            "MapStateStarted",
            Some(json!({"length": items})),
        );
        if let Some(v) = self.visits.get_mut(vi) {
            v.attempts = 1;
        }
        if map.mode == MapMode::Distributed {
            let run = self.emit(t + 5, Some(started), "MapRunStarted", Some(json!({"mapRunArn": format!("arn:aws:states:us-east-1:123456789012:mapRun:m/{}:1", st.name)})));
            t += self.rng.range(1000, 5000);
            last = self.emit(t, Some(run), "MapRunSucceeded", None);
            t += 2;
            last = self.emit(t, Some(last), "MapStateSucceeded", None);
        } else {
            let conc = map
                .max_concurrency
                .as_deref()
                .and_then(|c| c.parse::<usize>().ok())
                .filter(|&c| c > 0)
                .unwrap_or(40)
                .min(40);
            let mut slots = vec![t + 2; conc.max(1)];
            let mut end = t;
            let mut tail = started;
            for i in 0..items {
                if self.full {
                    break;
                }
                let (slot, &free) = slots
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, &f)| f)
                    .unwrap_or((0, &t));
                let it = self.emit(
                    free,
                    Some(started),
                    "MapIterationStarted",
                    Some(json!({"name": st.name, "index": i})),
                );
                let ran = match map.processor {
                    Some(p) => self.scope(p, free + 1, it, None, Some(i as u64)),
                    None => Ran {
                        at: free,
                        last: it,
                        failure: None,
                    },
                };
                let done = ran.at + 1;
                let kind = if ran.failure.is_some() {
                    "MapIterationFailed"
                } else {
                    "MapIterationSucceeded"
                };
                let l = self.emit(
                    done,
                    Some(ran.last),
                    kind,
                    Some(json!({"name": st.name, "index": i})),
                );
                if ran.failure.is_some() && failure.is_none() {
                    failure = ran.failure;
                }
                if let Some(s) = slots.get_mut(slot) {
                    *s = done + 1;
                }
                if done >= end {
                    end = done;
                    tail = l;
                }
            }
            t = end + 2;
            last = self.emit(
                t,
                Some(tail),
                if failure.is_some() {
                    "MapStateFailed"
                } else {
                    "MapStateSucceeded"
                },
                None,
            );
        }
        (t, last, failure)
    }

    /// Where to go after `st`: a Choice picks among its targets, preferring ones not yet seen
    /// twice; other states take `Next`. Loops are cut after a few rounds.
    fn choose_next(
        &mut self,
        st: &State,
        seen: &std::collections::HashMap<u32, usize>,
    ) -> Option<crate::asl::StateId> {
        match &st.kind {
            StateKind::Choice(c) => {
                let mut options: Vec<crate::asl::StateId> = c
                    .rules
                    .iter()
                    .filter_map(|r| r.next.as_ref().and_then(|n| n.target))
                    .collect();
                options.extend(c.default.as_ref().and_then(|d| d.target));
                let fresh: Vec<_> = options
                    .iter()
                    .copied()
                    .filter(|o| seen.get(&o.0).copied().unwrap_or(0) < 2)
                    .collect();
                let pool = if fresh.is_empty() { options } else { fresh };
                let k = (self.rng.next() % pool.len().max(1) as u64) as usize;
                pool.get(k).copied()
            }
            _ => st
                .next
                .as_ref()
                .and_then(|n| n.target)
                .filter(|n| seen.get(&n.0).copied().unwrap_or(0) < 3),
        }
    }
}

/// Generates one run of a machine.
pub fn generate(m: &StateMachine, o: GenOptions) -> Generated {
    let mut g = Gen {
        m,
        o,
        rng: Rng(o.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        out: Vec::new(),
        visits: Vec::new(),
        full: false,
    };
    let start = g.emit(0, None, "ExecutionStarted", Some(json!({"input": "{}", "inputDetails": {"truncated": false}, "roleArn": "arn:aws:iam::123456789012:role/r"})));
    let ran = g.scope(ScopeId(0), 0, start, None, None);
    let status = match (&ran.failure, g.full) {
        (_, true) => super::ExecutionStatus::Running,
        (Some(_), false) => super::ExecutionStatus::Failed,
        (None, false) => super::ExecutionStatus::Succeeded,
    };
    let t = ran.at + 5;
    match (&ran.failure, g.full) {
        (_, true) => {}
        (Some((e, c)), false) => {
            g.emit(
                t,
                Some(ran.last),
                "ExecutionFailed",
                Some(json!({"error": e, "cause": c})),
            );
        }
        (None, false) => {
            g.emit(
                t,
                Some(ran.last),
                "ExecutionSucceeded",
                Some(json!({"output": "{}"})),
            );
        }
    }
    // Ids in time order; each event points at its thread's previous event.
    let mut order: Vec<usize> = (0..g.out.len()).collect();
    order.sort_by_key(|&i| g.out.get(i).map(|e| (e.at, e.seq)));
    let mut id_of = vec![0u64; g.out.len()];
    for (n, &i) in order.iter().enumerate() {
        if let Some(slot) = id_of.get_mut(i) {
            *slot = n as u64 + 1;
        }
    }
    let events: Vec<Value> = order
        .iter()
        .filter_map(|&i| g.out.get(i))
        .map(|e| {
            let mut v = json!({
                "timestamp": crate::history::format_iso(o.start_ms + e.at).replace('Z', "000+00:00"),
                "type": e.kind,
                "id": id_of.get(e.seq).copied().unwrap_or(0),
                "previousEventId": e.parent.and_then(|p| id_of.get(p).copied()).unwrap_or(0),
            });
            if let (Some((k, d)), Some(map)) = (&e.details, v.as_object_mut()) {
                map.insert(k.clone(), d.clone());
            }
            v
        })
        .collect();
    let n = events.len();
    Generated {
        history: json!({"events": events}).to_string(),
        status,
        visits: g.visits,
        events: n,
    }
}
