//! What the graph shows of a run at time t beyond each state's status: the edges taken so far,
//! tokens travelling along the transitions just taken, a badge with the time in the state and the
//! attempt (`2.4 s · ×3`), and Map or Parallel progress (`37/120 · 2 ✗`). Also two views of the
//! whole run: heat (each state's share of the time) and the critical path (the chain of visits
//! that set the run's length). Everything is precomputed once per run, so a frame costs binary
//! searches and no allocation beyond the result.

use super::snapshot::{Snapshot, SnapshotIndex, VisitStatus};
use super::timeline::{Outcome, Timeline};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One state at t.
#[derive(Debug, Clone, PartialEq)]
pub struct StateAt {
    pub name: String,
    pub status: VisitStatus,
    /// Time in the state so far and the attempt, for the visit under way or last made.
    pub badge: String,
    /// For Map and Parallel states: iterations or branches done of all, and how many failed.
    pub progress: Option<String>,
}

/// A token on its way along the edge `from → to`, `at` of the way (0 to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub from: String,
    pub to: String,
    pub at: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlay {
    /// States entered by t (the others have not run).
    pub states: Vec<StateAt>,
    /// Transitions (from state, to state) taken by t.
    pub taken: Vec<(String, String)>,
    pub tokens: Vec<Token>,
}

/// Heat of one state: its share of the time spent in states, and a level from 1 (cool) to 4.
#[derive(Debug, Clone, PartialEq)]
pub struct Heat {
    pub name: String,
    pub share: f64,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverlayIndex {
    /// Per state: its visits in order of entry.
    states: Vec<(String, Vec<usize>)>,
    /// Each distinct transition between states, with the first time it was taken.
    first_taken: Vec<(String, String, i64)>,
    /// Per container visit: when each branch or iteration ended and whether it failed, by end
    /// time; and how many there are in all.
    containers: HashMap<usize, (Vec<(i64, bool)>, usize)>,
    pub heat: Vec<Heat>,
    pub critical_states: BTreeSet<String>,
    pub critical_edges: BTreeSet<(String, String)>,
}

/// "350 ms", "2.4 s", "1m 05s", "2h 03m": a duration as badges and summaries give it.
pub fn format_duration(ms: i64) -> String {
    duration_text(ms.max(0), false)
}

/// "350 ms", "2.40 s", "1m 05s", "61m 00s": a duration as the inspector and `stepscope
/// timeline` give it, to the hundredth of a second under a minute and in minutes above.
pub fn format_duration_exact(ms: i64) -> String {
    duration_text(ms, true)
}

/// The one duration formatter behind both.
fn duration_text(ms: i64, exact: bool) -> String {
    let neg = if ms < 0 { "-" } else { "" };
    let ms = ms.saturating_abs();
    if ms < 1000 {
        format!("{neg}{ms} ms")
    } else if ms < 60_000 {
        if exact {
            format!("{neg}{:.2} s", ms as f64 / 1000.0)
        } else {
            format!("{neg}{:.1} s", ms as f64 / 1000.0)
        }
    } else if ms < 3_600_000 || exact {
        format!("{neg}{}m {:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{neg}{}h {:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// A branch or iteration of a container: (iteration, branch).
type GroupKey = (u64, usize);

fn failed(o: Outcome) -> bool {
    matches!(o, Outcome::Failed | Outcome::TimedOut)
}

impl OverlayIndex {
    pub fn new(tl: &Timeline) -> Self {
        let mut by_state: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, v) in tl.visits.iter().enumerate() {
            by_state.entry(v.state.as_str()).or_default().push(i);
        }
        let states: Vec<(String, Vec<usize>)> = by_state
            .into_iter()
            .map(|(n, mut vs)| {
                vs.sort_by_key(|&i| (tl.visits[i].entered_ms, i));
                (n.to_string(), vs)
            })
            .collect();
        let mut first: BTreeMap<(String, String), i64> = BTreeMap::new();
        for v in &tl.visits {
            if let Some(n) = v.next.and_then(|n| tl.visits.get(n)) {
                let e = first
                    .entry((v.state.clone(), n.state.clone()))
                    .or_insert(n.entered_ms);
                *e = (*e).min(n.entered_ms);
            }
        }
        let first_taken = first.into_iter().map(|((a, b), t)| (a, b, t)).collect();
        // Branches and iterations of each container, by (iteration, branch).
        let mut groups: HashMap<usize, BTreeMap<GroupKey, (i64, bool)>> = HashMap::new();
        for v in &tl.visits {
            if let Some(p) = v.parent {
                let key = (v.iteration.unwrap_or(0), v.branch.unwrap_or(0));
                let end = v.exited_ms.unwrap_or(i64::MAX);
                let g = groups
                    .entry(p)
                    .or_default()
                    .entry(key)
                    .or_insert((end, false));
                g.0 = if g.0 == i64::MAX || end == i64::MAX {
                    i64::MAX
                } else {
                    g.0.max(end)
                };
                g.1 |= failed(v.outcome);
            }
        }
        let containers = groups
            .into_iter()
            .map(|(p, g)| {
                let total = tl.visits[p]
                    .items
                    .map_or(g.len(), |n| (n as usize).max(g.len()));
                let mut ends: Vec<(i64, bool)> = g.into_values().collect();
                ends.sort_by_key(|e| e.0);
                (p, (ends, total))
            })
            .collect();
        let spent: Vec<(String, i64)> = states
            .iter()
            .map(|(n, vs)| {
                let total: i64 = vs
                    .iter()
                    .map(|&i| {
                        let v = &tl.visits[i];
                        v.exited_ms.unwrap_or(tl.duration_ms) - v.entered_ms
                    })
                    .sum();
                (n.clone(), total.max(0))
            })
            .collect();
        let all: i64 = spent.iter().map(|s| s.1).sum();
        let hottest = spent.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
        let heat = spent
            .iter()
            .map(|(n, ms)| Heat {
                name: n.clone(),
                // A run that took no time at all shares it out evenly.
                share: if all > 0 {
                    *ms as f64 / all as f64
                } else {
                    1.0 / spent.len() as f64
                },
                level: 1 + ((*ms as f64 / hottest) * 3.999).floor() as u8,
            })
            .collect();
        let (critical_states, critical_edges) = critical_path(tl);
        OverlayIndex {
            states,
            first_taken,
            containers,
            heat,
            critical_states,
            critical_edges,
        }
    }

    /// The overlay at t. Tokens travel for `token_ms` of run time after each transition.
    pub fn at(
        &self,
        tl: &Timeline,
        index: &SnapshotIndex,
        snap: &Snapshot,
        t: i64,
        token_ms: i64,
    ) -> Overlay {
        let mut states = Vec::new();
        for (name, vs) in &self.states {
            let n = vs.partition_point(|&i| tl.visits[i].entered_ms <= t);
            let Some(&v) = n.checked_sub(1).and_then(|k| vs.get(k)) else {
                continue;
            };
            let visit = &tl.visits[v];
            let status = snap.status.get(v).copied().unwrap_or(VisitStatus::NotRun);
            let end = if status.is_final() {
                visit.exited_ms.unwrap_or(t).min(t)
            } else {
                t
            };
            // Without real timestamps the times are event order: say how many events, not ms.
            let mut badge = if tl.timed {
                format_duration(end - visit.entered_ms)
            } else {
                let n = end - visit.entered_ms;
                format!("{n} event{}", if n == 1 { "" } else { "s" })
            };
            let attempt = snap.attempt.get(v).copied().unwrap_or(0);
            if attempt > 1 {
                badge.push_str(&format!(" · ×{attempt}"));
            }
            let progress = self.containers.get(&v).map(|(ends, total)| {
                let done = ends.partition_point(|e| e.0 <= t);
                let bad = ends[..done].iter().filter(|e| e.1).count();
                if bad > 0 {
                    format!("{done}/{total} · {bad} ✗")
                } else {
                    format!("{done}/{total}")
                }
            });
            states.push(StateAt {
                name: name.clone(),
                status,
                badge,
                progress,
            });
        }
        let taken = self
            .first_taken
            .iter()
            .filter(|x| x.2 <= t)
            .map(|(a, b, _)| (a.clone(), b.clone()))
            .collect();
        let token_ms = token_ms.max(1);
        let hi = index.transitions.partition_point(|x| x.0 <= t);
        let lo = index.transitions.partition_point(|x| x.0 < t - token_ms);
        let tokens = index.transitions[lo.min(hi)..hi]
            .iter()
            .rev()
            .take(40)
            .filter_map(|&(at, a, b)| {
                Some(Token {
                    from: tl.visits.get(a)?.state.clone(),
                    to: tl.visits.get(b)?.state.clone(),
                    at: ((t - at) as f64 / token_ms as f64).clamp(0.0, 1.0),
                })
            })
            .collect();
        Overlay {
            states,
            taken,
            tokens,
        }
    }
}

/// The chain that set the run's length: every top-level visit (they run one after another), and
/// inside each container on the chain, the branch or iteration that ended last.
fn critical_path(tl: &Timeline) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
    let mut children: HashMap<usize, BTreeMap<(u64, usize), Vec<usize>>> = HashMap::new();
    let mut on = vec![false; tl.visits.len()];
    let mut todo: Vec<usize> = Vec::new();
    for (i, v) in tl.visits.iter().enumerate() {
        match v.parent {
            Some(p) => children
                .entry(p)
                .or_default()
                .entry((v.iteration.unwrap_or(0), v.branch.unwrap_or(0)))
                .or_default()
                .push(i),
            None => todo.push(i),
        }
    }
    while let Some(i) = todo.pop() {
        if on[i] {
            continue;
        }
        on[i] = true;
        if let Some(groups) = children.get(&i) {
            let end = |g: &Vec<usize>| {
                g.iter()
                    .map(|&c| tl.visits[c].exited_ms.unwrap_or(tl.duration_ms))
                    .max()
                    .unwrap_or(0)
            };
            if let Some(last) = groups.values().max_by_key(|g| end(g)) {
                todo.extend(last.iter().copied());
            }
        }
    }
    let states = tl
        .visits
        .iter()
        .zip(&on)
        .filter(|(_, on)| **on)
        .map(|(v, _)| v.state.clone())
        .collect();
    let edges = tl
        .visits
        .iter()
        .enumerate()
        .filter(|(i, _)| on[*i])
        .filter_map(|(_, v)| {
            let n = v.next?;
            on.get(n)
                .copied()
                .unwrap_or(false)
                .then(|| (v.state.clone(), tl.visits[n].state.clone()))
        })
        .collect();
    (states, edges)
}
