//! The Gantt chart of a run as SVG: one lane per visit, nested under its Parallel branch or Map
//! iteration, with each try as a segment (failed tries red), the waits between tries hatched, and
//! Wait states drawn as waits. Containers fold: a Map with many iterations starts as one summary
//! lane ("120 iterations: 118 ✓ 2 ✗"), and its iterations sort by start, duration or status. The
//! chart shows a window of the run (zoom and pan). The app overlays the playhead; lanes carry
//! `data-lane-state` and `data-visit` for clicks, fold toggles `data-fold`.

use super::timeline::{Outcome, Timeline};
use crate::svg::{escape, num};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

pub const LANE_H: f64 = 20.0;
/// What the app and the chart say of a history whose timestamps are placeholders.
pub const UNTIMED: &str = "order only: this history has no timestamps";
pub const LABEL_W: f64 = 190.0;
pub(crate) const AXIS_H: f64 = 22.0;
/// Past this many lanes the chart says how many it left out instead of drawing them all.
pub const MAX_LANES: usize = 600;
/// Maps with more iterations than this start folded into a summary lane.
pub const FOLD_OVER: usize = 10;

/// How a Map's iterations are ordered when it is unfolded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// In the order they started.
    #[default]
    Start,
    /// Longest first.
    Duration,
    /// Failed first, then caught, aborted, running, succeeded.
    Status,
}

/// What to draw: the width, the window of time, which containers are folded, the sort order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GanttOptions {
    pub width: f64,
    /// The shown window in ms from the start; `None` shows the whole run.
    pub window: Option<(i64, i64)>,
    /// Containers whose fold state is the opposite of their default.
    pub toggled: BTreeSet<usize>,
    pub sort: SortBy,
}

/// A drawn chart, and how to place the playhead on it: `x = x0 + (t - from_ms) * scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gantt {
    pub svg: String,
    pub x0: f64,
    pub scale: f64,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Lanes drawn (summary lanes count as one).
    pub lanes: usize,
}

enum Row {
    Visit {
        i: usize,
        depth: usize,
    },
    /// A folded Map's iterations as one lane.
    Summary {
        map: usize,
        depth: usize,
    },
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Failed | Outcome::TimedOut => 0,
        Outcome::Caught => 1,
        Outcome::Aborted => 2,
        Outcome::Running => 3,
        Outcome::Succeeded => 4,
    }
}

/// Per iteration (or branch) of a container: its visits, in order.
fn groups(tl: &Timeline, children: &[usize]) -> Vec<Vec<usize>> {
    let mut by: BTreeMap<(u64, u64), Vec<usize>> = BTreeMap::new();
    for &c in children {
        let v = &tl.visits[c];
        let key = (v.iteration.unwrap_or(0), v.branch.unwrap_or(0) as u64);
        by.entry(key).or_default().push(c);
    }
    by.into_values().collect()
}

fn group_span(tl: &Timeline, g: &[usize]) -> (i64, i64) {
    let start = g
        .iter()
        .map(|&i| tl.visits[i].entered_ms)
        .min()
        .unwrap_or(0);
    let end = g
        .iter()
        .map(|&i| tl.visits[i].exited_ms.unwrap_or(tl.duration_ms))
        .max()
        .unwrap_or(start);
    (start, end)
}

fn group_outcome(tl: &Timeline, g: &[usize]) -> Outcome {
    g.iter()
        .map(|&i| tl.visits[i].outcome)
        .min_by_key(|o| rank(*o))
        .unwrap_or(Outcome::Succeeded)
}

/// True when a container starts folded: a Map with more than [`FOLD_OVER`] iterations.
pub fn folded_by_default(tl: &Timeline, children: &[Vec<usize>], i: usize) -> bool {
    tl.visits[i].kind == crate::asl::StateType::Map && groups(tl, &children[i]).len() > FOLD_OVER
}

struct Rows<'a> {
    tl: &'a Timeline,
    children: Vec<Vec<usize>>,
    opts: &'a GanttOptions,
    rows: Vec<Row>,
    /// Lanes not drawn past [`MAX_LANES`].
    left_out: usize,
}

impl Rows<'_> {
    fn push(&mut self, row: Row) {
        if self.rows.len() < MAX_LANES {
            self.rows.push(row);
        } else {
            self.left_out += 1;
        }
    }

    fn visit(&mut self, i: usize, depth: usize) {
        self.push(Row::Visit { i, depth });
        if self.children[i].is_empty() {
            return;
        }
        let folded =
            folded_by_default(self.tl, &self.children, i) != self.opts.toggled.contains(&i);
        if folded {
            if self.tl.visits[i].kind == crate::asl::StateType::Map {
                self.push(Row::Summary {
                    map: i,
                    depth: depth + 1,
                });
            }
            return;
        }
        let mut gs = groups(self.tl, &self.children[i]);
        let tl = self.tl;
        match self.opts.sort {
            SortBy::Start => gs.sort_by_key(|g| group_span(tl, g).0),
            SortBy::Duration => gs.sort_by_key(|g| {
                let (s, e) = group_span(tl, g);
                std::cmp::Reverse(e - s)
            }),
            SortBy::Status => gs.sort_by_key(|g| (rank(group_outcome(tl, g)), group_span(tl, g).0)),
        }
        for g in gs {
            for c in g {
                self.visit(c, depth + 1);
            }
        }
    }
}

/// Draws the chart.
pub fn gantt(tl: &Timeline, opts: &GanttOptions) -> Gantt {
    let width = opts.width.max(LABEL_W + 116.0);
    let mut children = vec![Vec::new(); tl.visits.len()];
    let mut tops = Vec::new();
    for (i, v) in tl.visits.iter().enumerate() {
        match v.parent.filter(|p| *p < tl.visits.len() && *p != i) {
            Some(p) => children[p].push(i),
            None => tops.push(i),
        }
    }
    let mut rows = Rows {
        tl,
        children,
        opts,
        rows: Vec::new(),
        left_out: 0,
    };
    for i in tops {
        rows.visit(i, 0);
    }
    let (from, to) = opts
        .window
        .filter(|(a, b)| b > a)
        .unwrap_or((0, tl.duration_ms.max(1)));
    let chart_w = width - LABEL_W - 16.0;
    let scale = chart_w / (to - from) as f64;
    let x = |ms: i64| LABEL_W + (ms - from) as f64 * scale;
    let n = rows.rows.len();
    let height = AXIS_H + n as f64 * LANE_H + if rows.left_out > 0 { LANE_H } else { 0.0 } + 4.0;
    let mut out = String::with_capacity(512 + n * 300);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        escape(&if tl.timed {
            format!(
                "Timeline of {} visits over {:.2} s",
                tl.visits.len(),
                tl.duration_ms as f64 / 1000.0
            )
        } else {
            format!(
                "Timeline of {} visits in event order: {UNTIMED}",
                tl.visits.len()
            )
        }),
        w = num(width),
        h = num(height),
    );
    let _ = write!(
        out,
        r#"<defs><pattern id="gantt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern><clipPath id="gantt-clip"><rect x="{}" y="0" width="{}" height="{}"/></clipPath></defs>"#,
        num(LABEL_W),
        num(chart_w + 16.0),
        num(height)
    );
    axis(&mut out, from, to, height, tl.timed, &x);
    for (k, row) in rows.rows.iter().enumerate() {
        let y = AXIS_H + k as f64 * LANE_H;
        match *row {
            Row::Visit { i, depth } => {
                let foldable = !rows.children[i].is_empty();
                let open = foldable
                    && folded_by_default(tl, &rows.children, i) == opts.toggled.contains(&i);
                lane(
                    &mut out,
                    tl,
                    i,
                    depth,
                    y,
                    width,
                    foldable.then_some(open),
                    &x,
                );
            }
            Row::Summary { map, depth } => {
                summary(&mut out, tl, &rows.children[map], map, depth, y, width, &x)
            }
        }
    }
    if rows.left_out > 0 {
        let y = AXIS_H + n as f64 * LANE_H;
        let _ = write!(
            out,
            r#"<text class="lane-label more" x="6" y="{}">{}</text>"#,
            num(y + LANE_H / 2.0),
            escape(&format!(
                "… and {} more lanes: fold a container to see them",
                rows.left_out
            ))
        );
    }
    out.push_str("</svg>");
    Gantt {
        svg: out,
        x0: LABEL_W,
        scale,
        from_ms: from,
        to_ms: to,
        lanes: n,
    }
}

/// About eight ticks at round numbers across the window, and never more than
/// `limits::MAX_TICKS` whatever the window (a span of centuries steps in whole days).
pub(crate) fn axis(
    out: &mut String,
    from: i64,
    to: i64,
    height: f64,
    timed: bool,
    x: &dyn Fn(i64) -> f64,
) {
    const DAY: i64 = 86_400_000;
    let span = to.saturating_sub(from).max(0) as f64;
    let step = [
        1i64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000,
        600_000, 3_600_000, 21_600_000, DAY,
    ]
    .into_iter()
    .find(|s| span / (*s as f64) <= 8.0)
    .unwrap_or_else(|| {
        ((span / 8.0 / DAY as f64).ceil() as i64)
            .max(1)
            .saturating_mul(DAY)
    });
    // Aligned comparison lanes start before 0: their ticks do too.
    let mut tick = from.div_euclid(step) * step;
    let mut drawn = 0;
    while tick <= to && drawn < crate::limits::MAX_TICKS {
        drawn += 1;
        if tick >= from {
            let tx = x(tick);
            // Without timestamps the axis counts events.
            let label = if !timed {
                format!("#{tick}")
            } else if step >= DAY && step % DAY == 0 {
                format!("{}d", tick / DAY)
            } else if step >= 3_600_000 && step % 3_600_000 == 0 {
                format!("{}h", tick / 3_600_000)
            } else if step >= 1000 {
                format!("{}s", tick / 1000)
            } else {
                format!("{tick}ms")
            };
            let _ = write!(
                out,
                r#"<line class="tick" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="tick-label" x="{}" y="14">{}</text>"#,
                num(tx),
                num(AXIS_H - 4.0),
                num(tx),
                num(height),
                num(tx + 2.0),
                escape(&label)
            );
        }
        tick = tick.saturating_add(step);
        if tick == i64::MAX {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn lane(
    out: &mut String,
    tl: &Timeline,
    i: usize,
    depth: usize,
    y: f64,
    width: f64,
    open: Option<bool>,
    x: &dyn Fn(i64) -> f64,
) {
    let v = &tl.visits[i];
    let mut label = v.state.clone();
    if let Some(b) = v.branch {
        label.push_str(&format!(" · b{b}"));
    }
    if let Some(it) = v.iteration {
        label.push_str(&format!(" · #{it}"));
    }
    let _ = write!(
        out,
        r#"<g class="lane {}" data-lane-state="{}" data-visit="{i}"><title>{}</title>"#,
        v.outcome.as_str(),
        escape(&v.state),
        escape(&lane_title(v))
    );
    lane_bg(out, y, width);
    let indent = 6.0 + depth as f64 * 10.0;
    if let Some(open) = open {
        let _ = write!(
            out,
            r#"<text class="fold" data-fold="{i}" x="{}" y="{}" role="button" aria-label="{} {}">{}</text>"#,
            num(indent),
            num(y + LANE_H / 2.0),
            if open { "Fold" } else { "Unfold" },
            escape(&v.state),
            if open { "▾" } else { "▸" }
        );
    }
    let _ = write!(
        out,
        r#"<text class="lane-label" x="{}" y="{}">{}</text>"#,
        num(indent + 12.0),
        num(y + LANE_H / 2.0),
        escape(&crate::graph::ellipsize(
            &label,
            30usize.saturating_sub(depth)
        ))
    );
    out.push_str(r#"<g clip-path="url(#gantt-clip)">"#);
    let end = v.exited_ms.unwrap_or(tl.duration_ms);
    let (x0, x1) = (x(v.entered_ms), x(end).max(x(v.entered_ms) + 2.0));
    let bar_class = if v.kind == crate::asl::StateType::Wait {
        "bar wait"
    } else {
        "bar"
    };
    let _ = write!(
        out,
        r#"<rect class="{bar_class} {}" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
        v.outcome.as_str(),
        num(x0),
        num(y + 4.0),
        num(x1 - x0),
        num(LANE_H - 8.0)
    );
    for (k, a) in v.attempts.iter().enumerate() {
        let a_end = a.ended_ms.unwrap_or(end);
        let (ax0, ax1) = (x(a.scheduled_ms), x(a_end).max(x(a.scheduled_ms) + 1.5));
        let class = if a.error.is_some() {
            "try failed"
        } else {
            "try"
        };
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}"/>"#,
            num(ax0),
            num(y + 6.0),
            num(ax1 - ax0),
            num(LANE_H - 12.0)
        );
        if let (Some(next), Some(e)) = (v.attempts.get(k + 1), a.ended_ms) {
            let (bx0, bx1) = (x(e), x(next.scheduled_ms));
            if bx1 > bx0 {
                let _ = write!(
                    out,
                    r#"<rect class="backoff" x="{}" y="{}" width="{}" height="{}" fill="url(#gantt-hatch)"/>"#,
                    num(bx0),
                    num(y + 6.0),
                    num(bx1 - bx0),
                    num(LANE_H - 12.0)
                );
            }
        }
    }
    out.push_str("</g></g>");
}

/// A folded Map: how many iterations ended how, over the span they ran, with a mark where each
/// failed iteration ended.
#[allow(clippy::too_many_arguments)]
fn summary(
    out: &mut String,
    tl: &Timeline,
    children: &[usize],
    map: usize,
    depth: usize,
    y: f64,
    width: f64,
    x: &dyn Fn(i64) -> f64,
) {
    let gs = groups(tl, children);
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for g in &gs {
        *counts.entry(rank(group_outcome(tl, g))).or_default() += 1;
    }
    let ok = counts.get(&4).copied().unwrap_or(0);
    let bad = counts.get(&0).copied().unwrap_or(0);
    let other = gs.len() - ok - bad;
    let mut text = format!("{} iterations: {ok} ✓", gs.len());
    if bad > 0 {
        text.push_str(&format!(" {bad} ✗"));
    }
    if other > 0 {
        text.push_str(&format!(" {other} other"));
    }
    let v = &tl.visits[map];
    let _ = write!(
        out,
        r#"<g class="lane summary" data-fold="{map}" data-lane-state="{}"><title>{} (click to unfold)</title>"#,
        escape(&v.state),
        escape(&text)
    );
    lane_bg(out, y, width);
    let _ = write!(
        out,
        r#"<text class="lane-label summary-label" x="{}" y="{}">{}</text>"#,
        num(6.0 + depth as f64 * 10.0 + 12.0),
        num(y + LANE_H / 2.0),
        escape(&text)
    );
    out.push_str(r#"<g clip-path="url(#gantt-clip)">"#);
    let (s, e) = group_span(tl, children);
    let _ = write!(
        out,
        r#"<rect class="bar summary-bar" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
        num(x(s)),
        num(y + 4.0),
        num((x(e) - x(s)).max(2.0)),
        num(LANE_H - 8.0)
    );
    for g in gs
        .iter()
        .filter(|g| rank(group_outcome(tl, g)) == 0)
        .take(200)
    {
        let end = group_span(tl, g).1;
        let _ = write!(
            out,
            r#"<rect class="try failed" x="{}" y="{}" width="2" height="{}"/>"#,
            num(x(end) - 1.0),
            num(y + 3.0),
            num(LANE_H - 6.0)
        );
    }
    out.push_str("</g></g>");
}

/// The background of a lane (it takes the hover).
fn lane_bg(out: &mut String, y: f64, width: f64) {
    let _ = write!(
        out,
        r#"<rect class="lane-bg" x="0" y="{}" width="{}" height="{}"/>"#,
        num(y),
        num(width),
        num(LANE_H)
    );
}

fn lane_title(v: &super::timeline::Visit) -> String {
    let dur = v
        .exited_ms
        .map(|e| format!("{} ms", e - v.entered_ms))
        .unwrap_or_else(|| "running".into());
    let mut s = format!(
        "{} · entered +{} ms · {dur} · {}",
        v.state,
        v.entered_ms,
        v.outcome.as_str()
    );
    if v.attempts.len() > 1 {
        s.push_str(&format!(" · {} tries", v.attempts.len()));
    }
    if let Some(e) = &v.error {
        if v.outcome != Outcome::Succeeded {
            s.push_str(&format!(" · {e}"));
        }
    }
    s
}
