//! Runs side by side (issue 18): two runs of one machine compared state by state, with the first
//! place they went different ways; and many runs read at once, with each state's duration
//! percentiles, its failures grouped by error and cause, and how many runs took each edge.
//! Both work on rebuilt timelines, so every history form the viewer reads can be compared.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::replay::{Outcome, Timeline, Visit};

pub mod diff;
pub mod lanes;
pub mod marks;
pub mod runs;

/// A run's status and length.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    pub status: String,
    pub duration_ms: i64,
}

/// One state in two runs: visits and total time in each (`None`: never visited).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateDelta {
    pub state: String,
    pub a_visits: usize,
    pub b_visits: usize,
    pub a_ms: Option<i64>,
    pub b_ms: Option<i64>,
    /// `b_ms − a_ms`, when both ran it.
    pub delta_ms: Option<i64>,
}

/// Where two runs first went different ways: after `state`, A went to `a_next`, B to `b_next`
/// (`None`: the run ended there).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Divergence {
    pub state: String,
    pub a_next: Option<String>,
    pub b_next: Option<String>,
}

/// `stepscope compare`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub a: RunSummary,
    pub b: RunSummary,
    pub states: Vec<StateDelta>,
    pub first_divergence: Option<Divergence>,
}

fn summary(t: &Timeline) -> RunSummary {
    RunSummary {
        status: t.status.as_str().to_string(),
        duration_ms: t.duration_ms,
    }
}

/// A visit's length, when it ended.
pub(crate) fn length(v: &Visit) -> Option<i64> {
    v.exited_ms
        .or_else(|| v.attempts.last().and_then(|a| a.ended_ms))
        .map(|x| (x - v.entered_ms).max(0))
}

/// The states of the run's top-level thread, in the order it entered them.
fn path(t: &Timeline) -> Vec<&str> {
    let mut top: Vec<&Visit> = t.visits.iter().filter(|v| v.parent.is_none()).collect();
    top.sort_by_key(|v| v.entered_ms);
    top.into_iter().map(|v| v.state.as_str()).collect()
}

/// Compares run `a` with run `b` of the same machine. States are listed in the order A first
/// entered them, then those only B entered.
pub fn compare(a: &Timeline, b: &Timeline) -> Comparison {
    let mut order: Vec<String> = Vec::new();
    let mut per: BTreeMap<String, [(usize, Option<i64>); 2]> = BTreeMap::new();
    for (side, t) in [a, b].into_iter().enumerate() {
        let mut visits: Vec<&Visit> = t.visits.iter().collect();
        visits.sort_by_key(|v| v.entered_ms);
        for v in visits {
            if !per.contains_key(&v.state) {
                order.push(v.state.clone());
            }
            let e = per.entry(v.state.clone()).or_insert([(0, None), (0, None)]);
            e[side].0 += 1;
            if let Some(ms) = length(v) {
                e[side].1 = Some(e[side].1.unwrap_or(0) + ms);
            }
        }
    }
    let states = order
        .into_iter()
        .map(|s| {
            let [(av, ams), (bv, bms)] = per.get(&s).copied().unwrap_or([(0, None), (0, None)]);
            let (a_ms, b_ms) = (ams.filter(|_| av > 0), bms.filter(|_| bv > 0));
            StateDelta {
                delta_ms: a_ms.zip(b_ms).map(|(x, y)| y - x),
                state: s,
                a_visits: av,
                b_visits: bv,
                a_ms,
                b_ms,
            }
        })
        .collect();
    let (pa, pb) = (path(a), path(b));
    let first_divergence = pa
        .iter()
        .zip(&pb)
        .enumerate()
        .take_while(|(_, (x, y))| x == y)
        .find(|(i, _)| pa.get(i + 1) != pb.get(i + 1))
        .map(|(i, (s, _))| Divergence {
            state: s.to_string(),
            a_next: pa.get(i + 1).map(|n| n.to_string()),
            b_next: pb.get(i + 1).map(|n| n.to_string()),
        });
    Comparison {
        a: summary(a),
        b: summary(b),
        states,
        first_divergence,
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted values: the value at rank ⌈p/100 · n⌉.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// Nearest-rank p50, p95 and max.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Spread {
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub max: Option<i64>,
}

pub(crate) fn spread(mut values: Vec<i64>) -> Spread {
    values.sort_unstable();
    Spread {
        p50: percentile(&values, 50.0),
        p95: percentile(&values, 95.0),
        max: values.last().copied(),
    }
}

/// Failures of one state that share an error and a cause.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorGroup {
    pub error: String,
    pub cause: Option<String>,
    pub count: usize,
}

/// Counts by (error, cause) as groups, most first.
pub(crate) fn error_groups(counts: BTreeMap<(String, Option<String>), usize>) -> Vec<ErrorGroup> {
    let mut groups: Vec<ErrorGroup> = counts
        .into_iter()
        .map(|((error, cause), count)| ErrorGroup {
            error,
            cause,
            count,
        })
        .collect();
    groups.sort_by_key(|e| std::cmp::Reverse(e.count));
    groups
}

/// One state across many runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateStats {
    pub state: String,
    /// How many runs visited it.
    pub runs: usize,
    pub visits: usize,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
    pub max_ms: Option<i64>,
    /// The time of all its visits over all runs: its share of where the runs spend their time.
    pub total_ms: i64,
    pub errors: Vec<ErrorGroup>,
}

/// How many runs went from one state to the next.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EdgeCount {
    pub from: String,
    pub to: String,
    pub runs: usize,
}

/// `stepscope stats`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub runs: usize,
    pub status: BTreeMap<String, usize>,
    pub duration_ms: Spread,
    pub states: Vec<StateStats>,
    pub edges: Vec<EdgeCount>,
}

/// Reads many runs at once. States are in the order they were first entered; errors by count,
/// most first; edges by how many runs took them.
pub fn stats<'a>(runs: impl IntoIterator<Item = &'a Timeline>) -> Stats {
    let mut b = StatsBuilder::default();
    for t in runs {
        b.add(t);
    }
    b.finish()
}

struct Acc {
    runs: usize,
    visits: usize,
    ms: Vec<i64>,
    errors: BTreeMap<(String, Option<String>), usize>,
}

/// [`stats`] one run at a time: a run can be dropped once it is added, so a thousand big
/// histories never need to be held at once (the page's worker reads them this way).
#[derive(Default)]
pub struct StatsBuilder {
    n: usize,
    status: BTreeMap<String, usize>,
    durations: Vec<i64>,
    order: Vec<String>,
    acc: BTreeMap<String, Acc>,
    edges: BTreeMap<(String, String), usize>,
}

impl StatsBuilder {
    /// Adds one run.
    pub fn add(&mut self, t: &Timeline) {
        self.n += 1;
        *self
            .status
            .entry(t.status.as_str().to_string())
            .or_default() += 1;
        if t.timed {
            self.durations.push(t.duration_ms);
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut taken = std::collections::BTreeSet::new();
        let mut visits: Vec<&Visit> = t.visits.iter().collect();
        visits.sort_by_key(|v| v.entered_ms);
        for v in &visits {
            if !self.acc.contains_key(&v.state) {
                self.order.push(v.state.clone());
            }
            let a = self.acc.entry(v.state.clone()).or_insert_with(|| Acc {
                runs: 0,
                visits: 0,
                ms: Vec::new(),
                errors: BTreeMap::new(),
            });
            if seen.insert(v.state.as_str()) {
                a.runs += 1;
            }
            a.visits += 1;
            // A history without timestamps has an order, not durations.
            if let Some(ms) = length(v).filter(|_| t.timed) {
                a.ms.push(ms);
            }
            // A top-level state still open when the execution failed (the service failed it
            // before it could exit, as a Wait with a bad SecondsPath) failed with the run.
            let ended_the_run = v.outcome == Outcome::Aborted
                && v.parent.is_none()
                && v.exited_event.is_none()
                && matches!(
                    t.status,
                    crate::replay::ExecutionStatus::Failed
                        | crate::replay::ExecutionStatus::TimedOut
                );
            if ended_the_run
                || matches!(
                    v.outcome,
                    Outcome::Failed | Outcome::Caught | Outcome::TimedOut
                )
            {
                // A Fail state's error, and that of a state the service failed (States.Runtime,
                // a path that matched nothing), is the execution's: the visit holds none.
                let fail = v.error.is_none() && t.error.is_some();
                let error = v
                    .error
                    .clone()
                    .or_else(|| t.error.clone().filter(|_| fail))
                    .unwrap_or_else(|| "(no error)".into());
                let cause = if fail {
                    t.cause.clone()
                } else {
                    v.cause.clone()
                };
                *a.errors.entry((error, cause)).or_default() += 1;
            }
            if let Some(next) = v.next.and_then(|i| t.visits.get(i)) {
                taken.insert((v.state.as_str(), next.state.as_str()));
            }
        }
        for (from, to) in taken {
            *self
                .edges
                .entry((from.to_string(), to.to_string()))
                .or_default() += 1;
        }
    }

    /// The numbers.
    pub fn finish(self) -> Stats {
        let mut acc = self.acc;
        let states = self
            .order
            .into_iter()
            .filter_map(|s| {
                let a = acc.remove(&s)?;
                let total_ms = a.ms.iter().sum();
                let sp = spread(a.ms);
                let errors = error_groups(a.errors);
                Some(StateStats {
                    state: s,
                    runs: a.runs,
                    visits: a.visits,
                    p50_ms: sp.p50,
                    p95_ms: sp.p95,
                    max_ms: sp.max,
                    total_ms,
                    errors,
                })
            })
            .collect();
        let mut edges: Vec<EdgeCount> = self
            .edges
            .into_iter()
            .map(|((from, to), runs)| EdgeCount { from, to, runs })
            .collect();
        edges.sort_by_key(|e| std::cmp::Reverse(e.runs));
        Stats {
            runs: self.n,
            status: self.status,
            duration_ms: spread(self.durations),
            states,
            edges,
        }
    }
}

/// One visit as a line of `stepscope stats --format ndjson`, for DuckDB or Athena.
pub fn visit_line(run: &str, v: &Visit) -> serde_json::Value {
    serde_json::json!({
        "run": run,
        "state": v.state,
        "entered_ms": v.entered_ms,
        "exited_ms": v.exited_ms,
        "outcome": v.outcome.as_str(),
        "attempts": v.attempts.len(),
        "error": v.error,
    })
}
