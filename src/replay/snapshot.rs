//! The status of every visit at time t.
//!
//! Built once from a timeline: a list of status changes in time order, with a full copy of the
//! statuses every `CHECKPOINT` changes. `snapshot_at(t)` is a binary search, a copy of the nearest
//! checkpoint and at most `CHECKPOINT` changes, which is what playback and scrubbing use each
//! frame.

use super::timeline::{Outcome, Timeline};

const CHECKPOINT: usize = 128;

/// A visit's status at a moment: the `status-*` classes of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VisitStatus {
    NotRun,
    Running,
    Retrying,
    Succeeded,
    Failed,
    Caught,
    Aborted,
}

impl VisitStatus {
    pub fn class(self) -> &'static str {
        match self {
            VisitStatus::NotRun => "status-notrun",
            VisitStatus::Running => "status-running",
            VisitStatus::Retrying => "status-retrying",
            VisitStatus::Succeeded => "status-succeeded",
            VisitStatus::Failed => "status-failed",
            VisitStatus::Caught => "status-caught",
            VisitStatus::Aborted => "status-aborted",
        }
    }

    /// Whether this status is final (the visit is over).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            VisitStatus::Succeeded
                | VisitStatus::Failed
                | VisitStatus::Caught
                | VisitStatus::Aborted
        )
    }

    fn of(o: Outcome) -> Self {
        match o {
            Outcome::Succeeded => VisitStatus::Succeeded,
            Outcome::Failed | Outcome::TimedOut => VisitStatus::Failed,
            Outcome::Caught => VisitStatus::Caught,
            Outcome::Aborted => VisitStatus::Aborted,
            Outcome::Running => VisitStatus::Running,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Change {
    at: i64,
    visit: usize,
    status: VisitStatus,
    attempt: u16,
    before: VisitStatus,
    before_attempt: u16,
}

/// Everything at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub t: i64,
    /// Per visit (indexes of `Timeline::visits`).
    pub status: Vec<VisitStatus>,
    /// Per visit: the attempt under way or last made (1-based; 0 before it starts).
    pub attempt: Vec<u16>,
    /// How many of `SnapshotIndex::transitions` had happened by t.
    pub transitions: usize,
}

/// The precomputed index for snapshots of one timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotIndex {
    changes: Vec<Change>,
    checkpoints: Vec<(Vec<VisitStatus>, Vec<u16>)>,
    /// (time, from visit, to visit): every transition taken, in time order.
    pub transitions: Vec<(i64, usize, usize)>,
    visits: usize,
}

impl SnapshotIndex {
    pub fn new(tl: &Timeline) -> Self {
        let mut raw: Vec<(i64, usize, usize, VisitStatus, u16)> = Vec::new();
        let mut seq = 0usize;
        let mut push = |raw: &mut Vec<_>, at: i64, v: usize, s: VisitStatus, a: u16| {
            raw.push((at, seq, v, s, a));
            seq += 1;
        };
        for (v, x) in tl.visits.iter().enumerate() {
            push(
                &mut raw,
                x.entered_ms,
                v,
                VisitStatus::Running,
                u16::from(!x.attempts.is_empty()),
            );
            for (k, pair) in x.attempts.windows(2).enumerate() {
                if let [prev, next] = pair {
                    let a = (k + 2).min(u16::MAX as usize) as u16;
                    push(
                        &mut raw,
                        prev.ended_ms.unwrap_or(next.scheduled_ms).max(x.entered_ms),
                        v,
                        VisitStatus::Retrying,
                        a - 1,
                    );
                    push(
                        &mut raw,
                        next.scheduled_ms.max(x.entered_ms),
                        v,
                        VisitStatus::Running,
                        a,
                    );
                }
            }
            if x.outcome != Outcome::Running {
                let end = x.exited_ms.unwrap_or(tl.duration_ms).max(x.entered_ms);
                push(
                    &mut raw,
                    end,
                    v,
                    VisitStatus::of(x.outcome),
                    x.attempts.len().min(u16::MAX as usize) as u16,
                );
            }
        }
        raw.sort_by_key(|&(at, seq, ..)| (at, seq));
        let mut status = vec![VisitStatus::NotRun; tl.visits.len()];
        let mut attempt = vec![0u16; tl.visits.len()];
        let mut changes = Vec::with_capacity(raw.len());
        let mut checkpoints = vec![(status.clone(), attempt.clone())];
        for (at, _, v, s, a) in raw {
            let (Some(bs), Some(ba)) = (status.get(v).copied(), attempt.get(v).copied()) else {
                continue;
            };
            changes.push(Change {
                at,
                visit: v,
                status: s,
                attempt: a,
                before: bs,
                before_attempt: ba,
            });
            if let (Some(ss), Some(aa)) = (status.get_mut(v), attempt.get_mut(v)) {
                *ss = s;
                *aa = a;
            }
            if changes.len() % CHECKPOINT == 0 {
                checkpoints.push((status.clone(), attempt.clone()));
            }
        }
        let mut transitions: Vec<(i64, usize, usize)> = tl
            .visits
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                x.next
                    .and_then(|n| tl.visits.get(n).map(|y| (y.entered_ms, i, n)))
            })
            .collect();
        transitions.sort_by_key(|&(t, a, b)| (t, a, b));
        SnapshotIndex {
            changes,
            checkpoints,
            transitions,
            visits: tl.visits.len(),
        }
    }

    /// Number of changes at or before t.
    fn count_at(&self, t: i64) -> usize {
        self.changes.partition_point(|c| c.at <= t)
    }

    pub fn snapshot_at(&self, t: i64) -> Snapshot {
        let n = self.count_at(t);
        let cp = n / CHECKPOINT;
        let (mut status, mut attempt) = self
            .checkpoints
            .get(cp)
            .cloned()
            .unwrap_or_else(|| (vec![VisitStatus::NotRun; self.visits], vec![0; self.visits]));
        for c in self.changes.get(cp * CHECKPOINT..n).unwrap_or(&[]) {
            if let (Some(s), Some(a)) = (status.get_mut(c.visit), attempt.get_mut(c.visit)) {
                *s = c.status;
                *a = c.attempt;
            }
        }
        Snapshot {
            t,
            status,
            attempt,
            transitions: self.transitions.partition_point(|x| x.0 <= t),
        }
    }

    /// Times at which anything changes, for stepping from change to change.
    pub fn change_times(&self) -> impl Iterator<Item = i64> + '_ {
        self.changes.iter().map(|c| c.at)
    }
}
