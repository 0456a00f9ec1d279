//! Replay: a history rebuilt into a timeline of state visits, and the status of every visit at
//! any time t.
//!
//! Events are attributed to visits, Parallel branches and Map iterations by walking
//! previousEventId (each event points at the one before it in its own thread), with id order as
//! the fallback. Times are milliseconds from ExecutionStarted; the core never reads a clock.

pub(crate) mod gantt;
mod generate;
mod infer;
mod overlay;
mod snapshot;
mod timeline;

pub use gantt::{
    gantt, Gantt, GanttOptions, SortBy, FOLD_OVER, LABEL_W, LANE_H, MAX_LANES, UNTIMED,
};
pub use generate::{generate, GenOptions, Generated, IntendedVisit};
pub use infer::infer_definition;
pub use overlay::{
    format_duration, format_duration_exact, Heat, Overlay, OverlayIndex, StateAt, Token,
};
pub use snapshot::{Snapshot, SnapshotIndex, VisitStatus};
pub use timeline::{
    build_timeline, Attempt, ExecutionStatus, Outcome, TimedEvent, Timeline, Visit,
};
