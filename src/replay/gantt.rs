//! The Gantt chart of a run as SVG: one lane per visit, nested under its Parallel branch or Map
//! item, with each try as a segment (failed tries red), the waits between tries hatched, and Wait
//! states drawn as waits. The app overlays the playhead; lanes carry `data-lane-state` for clicks.

use super::timeline::{Outcome, Timeline};
use crate::svg::{escape, num};
use std::fmt::Write as _;

pub const LANE_H: f64 = 20.0;
pub const LABEL_W: f64 = 190.0;
const AXIS_H: f64 = 22.0;
/// Past this many lanes the chart says how many it left out instead of drawing them all.
pub const MAX_LANES: usize = 600;

/// Lays out the chart `width` pixels wide; returns the SVG and the x of time 0 and its scale.
pub fn gantt_svg(tl: &Timeline, width: f64) -> (String, f64, f64) {
    let chart_w = (width - LABEL_W - 16.0).max(100.0);
    let dur = tl.duration_ms.max(1) as f64;
    let scale = chart_w / dur;
    let x = |ms: i64| LABEL_W + (ms.max(0) as f64) * scale;
    let lanes = tl.visits.len().min(MAX_LANES);
    let height = AXIS_H
        + lanes as f64 * LANE_H
        + if tl.visits.len() > MAX_LANES {
            LANE_H
        } else {
            0.0
        }
        + 4.0;
    let mut out = String::with_capacity(256 + lanes * 300);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">"#,
        num(width),
        num(height),
        num(width),
        num(height),
        escape(&format!(
            "Timeline of {} visits over {:.2} s",
            tl.visits.len(),
            dur / 1000.0
        ))
    );
    out.push_str(r#"<defs><pattern id="gantt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>"#);
    // Axis: about eight ticks at round numbers.
    let step = [
        1i64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000,
        600_000, 3_600_000,
    ]
    .into_iter()
    .find(|s| dur / (*s as f64) <= 8.0)
    .unwrap_or(3_600_000);
    let mut tick = 0i64;
    while (tick as f64) <= dur {
        let tx = x(tick);
        let label = if step >= 1000 {
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
        tick += step;
    }
    for (i, v) in tl.visits.iter().take(lanes).enumerate() {
        let y = AXIS_H + i as f64 * LANE_H;
        let depth = tl.depth(i);
        let mut label = format!("{}{}", "  ".repeat(depth), v.state);
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
        let _ = write!(
            out,
            r#"<rect class="lane-bg" x="0" y="{}" width="{}" height="{}"/>"#,
            num(y),
            num(width),
            num(LANE_H)
        );
        let _ = write!(
            out,
            r#"<text class="lane-label" x="{}" y="{}">{}</text>"#,
            num(6.0 + depth as f64 * 8.0),
            num(y + LANE_H / 2.0),
            escape(&crate::graph::ellipsize(&label, 34))
        );
        let end = v.exited_ms.unwrap_or(tl.duration_ms);
        let (x0, x1) = (x(v.entered_ms), x(end).max(x(v.entered_ms) + 2.0));
        let bar_class = if v.kind == "Wait" { "bar wait" } else { "bar" };
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
        out.push_str("</g>");
    }
    if tl.visits.len() > MAX_LANES {
        let y = AXIS_H + lanes as f64 * LANE_H;
        let _ = write!(
            out,
            r#"<text class="lane-label more" x="6" y="{}">{}</text>"#,
            num(y + LANE_H / 2.0),
            escape(&format!(
                "… and {} more visits",
                tl.visits.len() - MAX_LANES
            ))
        );
    }
    out.push_str("</svg>");
    (out, LABEL_W, scale)
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
