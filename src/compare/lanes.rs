//! The comparison's Gantt: two lanes per state, A above B, on one time axis. The runs line up
//! at their starts, or at a chosen state (each run's first entry into it is 0), so the time a
//! state took before and after the chosen point reads straight across.

use std::fmt::Write as _;

use super::Comparison;
use crate::replay::gantt::{axis, AXIS_H, LABEL_W, LANE_H};
use crate::replay::{format_duration, Timeline};
use crate::svg::{escape, num};

/// Past this many states the chart says how many it left out.
pub const MAX_STATES: usize = 300;

/// A drawn comparison chart, and where each run's time 0 is: `x = x0 + (t − from_ms) · scale`
/// for A's times; B's times are shifted by `b_shift_ms` first.
#[derive(Debug, Clone, PartialEq)]
pub struct Lanes {
    pub svg: String,
    pub x0: f64,
    pub scale: f64,
    pub from_ms: i64,
    pub to_ms: i64,
    /// What B's times are moved by to line up with A's (A's offset minus B's).
    pub b_shift_ms: i64,
    pub rows: usize,
}

/// When `state` was first entered in `t`.
fn first_entry(t: &Timeline, state: &str) -> Option<i64> {
    t.visits
        .iter()
        .filter(|v| v.state == state)
        .map(|v| v.entered_ms)
        .min()
}

fn bars(out: &mut String, t: &Timeline, state: &str, y: f64, side: &str, x: &dyn Fn(i64) -> f64) {
    for v in t.visits.iter().filter(|v| v.state == state) {
        let end = v.exited_ms.unwrap_or(t.duration_ms);
        let (x0, x1) = (x(v.entered_ms), x(end).max(x(v.entered_ms) + 2.0));
        let _ = write!(
            out,
            r#"<rect class="bar {} cmp-{side}" x="{}" y="{}" width="{}" height="{}" rx="3"><title>{}: {} · {}</title></rect>"#,
            v.outcome.as_str(),
            num(x0),
            num(y + 4.0),
            num(x1 - x0),
            num(LANE_H - 8.0),
            side.to_uppercase(),
            escape(&v.state),
            escape(&format_duration(end - v.entered_ms))
        );
        for a in v.attempts.iter().filter(|a| a.error.is_some()) {
            let a_end = a.ended_ms.unwrap_or(end);
            let _ = write!(
                out,
                r#"<rect class="try failed" x="{}" y="{}" width="{}" height="{}"/>"#,
                num(x(a.scheduled_ms)),
                num(y + 6.0),
                num((x(a_end) - x(a.scheduled_ms)).max(1.5)),
                num(LANE_H - 12.0)
            );
        }
    }
}

/// Draws A and B state by state, `width` wide, lined up at `align` (a state both runs entered)
/// or at their starts.
pub fn lanes(a: &Timeline, b: &Timeline, c: &Comparison, width: f64, align: Option<&str>) -> Lanes {
    let (off_a, off_b) = align
        .and_then(|s| Some((first_entry(a, s)?, first_entry(b, s)?)))
        .unwrap_or((0, 0));
    let b_shift_ms = off_a - off_b;
    // Times on the axis are A's, less A's offset: the aligned state starts at 0.
    let from = (-off_a).min(-off_b);
    let to = (a.duration_ms - off_a)
        .max(b.duration_ms - off_b)
        .max(from + 1);
    let width = width.max(LABEL_W + 120.0);
    let scale = (width - LABEL_W - 12.0) / (to - from) as f64;
    let x = move |t: i64| LABEL_W + (t - from) as f64 * scale;
    let xa = move |t: i64| x(t - off_a);
    let xb = move |t: i64| x(t - off_b);
    let shown = c.states.len().min(MAX_STATES);
    let left_out = c.states.len() - shown;
    let height =
        AXIS_H + (shown * 2) as f64 * LANE_H + if left_out > 0 { LANE_H } else { 0.0 } + 4.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt compare-lanes" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        escape(&format!(
            "Runs A and B, two lanes per state, lined up at {}",
            align.map_or("their starts".to_string(), |s| s.to_string())
        )),
        w = num(width),
        h = num(height)
    );
    axis(&mut out, from, to, height, a.timed && b.timed, &x);
    if align.is_some() {
        let _ = write!(
            out,
            r#"<line class="align-line" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            num(x(0)),
            num(AXIS_H - 4.0),
            num(x(0)),
            num(height)
        );
    }
    for (i, d) in c.states.iter().take(shown).enumerate() {
        let y = AXIS_H + (i * 2) as f64 * LANE_H;
        // Histories without timestamps have an order, not times: no delta.
        let delta = d
            .delta_ms
            .filter(|_| a.timed && b.timed)
            .map(super::marks::signed)
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<g class="lane cmp-pair" data-lane-state="{}"><rect class="lane-bg" x="0" y="{}" width="{}" height="{}"/><text class="lane-label" x="6" y="{}">{}</text><text class="lane-label cmp-delta" x="6" y="{}">{}</text><text class="lane-side" x="{}" y="{}">A</text><text class="lane-side" x="{}" y="{}">B</text>"#,
            escape(&d.state),
            num(y),
            num(width),
            num(LANE_H * 2.0),
            num(y + LANE_H / 2.0),
            escape(&crate::graph::ellipsize(&d.state, 26)),
            num(y + LANE_H * 1.5),
            escape(&delta),
            num(LABEL_W - 14.0),
            num(y + LANE_H / 2.0),
            num(LABEL_W - 14.0),
            num(y + LANE_H * 1.5),
        );
        bars(&mut out, a, &d.state, y, "a", &xa);
        bars(&mut out, b, &d.state, y + LANE_H, "b", &xb);
        out.push_str("</g>");
    }
    if left_out > 0 {
        let _ = write!(
            out,
            r#"<text class="lane-label more" x="6" y="{}">… and {left_out} more states</text>"#,
            num(height - LANE_H / 2.0)
        );
    }
    out.push_str("</svg>");
    Lanes {
        svg: out,
        x0: LABEL_W,
        scale,
        from_ms: from,
        to_ms: to,
        b_shift_ms,
        rows: shown * 2,
    }
}
