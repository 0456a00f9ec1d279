//! The SVG writer: a laid-out flow graph as a self-contained, escaped, deterministic SVG.
//!
//! The app shows this same SVG and the CLI's `render` writes it, so the two cannot drift apart.
//! Every user string is escaped; element ids are namespaced by a per-diagram prefix; meaning is
//! carried by classes (`state task`, `edge catch`), styled by the inline stylesheet for light and
//! dark themes. Numbers have at most two decimals, and items come in source order.

use crate::asl::StateType;
use crate::graph::{ellipsize, FlowGraph};
use crate::layout::{Layout, Rect, FONT, SMALL_FONT};
use std::fmt::Write as _;

pub struct SvgOptions<'a> {
    /// Prefix of every element id, so two diagrams can share a page.
    pub id_prefix: &'a str,
    /// Include the stylesheet (exports); the app may style the SVG from its own CSS instead.
    pub inline_style: bool,
    /// Problem counts per state (indexed by `StateId`), drawn as badges.
    pub problems: &'a [Problems],
    /// A theme class for the root (`theme-dark`, `theme-light`): an export keeps the one chosen.
    pub theme: Option<&'a str>,
    /// A share fragment kept in `<metadata id="stepscope-source">`, so the file reopens its view.
    pub source: Option<&'a str>,
    /// A run's marks at one moment: status classes, taken edges, badges.
    pub run: Option<&'a RunMarks>,
    /// Where the run comes from, `simulated` or `recorded`: the root's `data-run-source`.
    pub run_source: Option<&'a str>,
}

/// How many errors and warnings a state has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Problems {
    pub errors: usize,
    pub warnings: usize,
}

/// What a run looks like at one moment, for the writer: by state name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunMarks {
    /// Each state's `status-*` class; a state not named here has not run.
    pub status: std::collections::HashMap<String, &'static str>,
    /// Transitions taken so far, as (from, to).
    pub taken: std::collections::HashSet<(String, String)>,
    /// Each state's badge (time and attempt) and, for Map and Parallel, its progress.
    pub badges: std::collections::HashMap<String, (String, Option<String>)>,
}

/// The class of a state that has not run.
pub const NOT_RUN: &str = "status-notrun";

impl Default for SvgOptions<'_> {
    fn default() -> Self {
        SvgOptions {
            id_prefix: "ss",
            inline_style: true,
            problems: &[],
            theme: None,
            source: None,
            run: None,
            run_source: None,
        }
    }
}

/// The stylesheet, shared by exports and the app.
pub const STYLE: &str = r#"
.stepscope-graph { --ss-bg:#ffffff; --ss-fg:#1c2430; --ss-muted:#5b6675; --ss-line:#8a94a3; --ss-box:#ffffff; --ss-border:#b7c0cc;
  --ss-task:#e8f0fe; --ss-task-b:#4f7fd9; --ss-choice:#fff4d6; --ss-choice-b:#c79100; --ss-pass:#eef1f4; --ss-pass-b:#8a94a3;
  --ss-wait:#f3ecff; --ss-wait-b:#8a63d2; --ss-ok:#e6f4ea; --ss-ok-b:#1e8e3e; --ss-fail:#fde8e7; --ss-fail-b:#c5221f;
  --ss-cont:#f8f9fb; --ss-cont-b:#9aa5b4; --ss-catch:#c5221f; --ss-label:#ffffff; --ss-run:#5b4bdb; --ss-running:#2f6fde; --ss-warn:#b26a00; --ss-crit:#c2410c; --ss-heat1:#fff3e0; --ss-heat2:#ffd8a8; --ss-heat3:#ffa94d; --ss-heat4:#f76707;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) { .stepscope-graph:not(.theme-light) { --ss-bg:#161b22; --ss-fg:#e6edf3; --ss-muted:#9aa7b4; --ss-line:#7d8896; --ss-box:#1f2630; --ss-border:#4a5563;
  --ss-task:#1d2b45; --ss-task-b:#6d9bf0; --ss-choice:#3a300f; --ss-choice-b:#e0b43a; --ss-pass:#262d36; --ss-pass-b:#8a94a3; --ss-wait:#2c2342; --ss-wait-b:#a887e8;
  --ss-ok:#15301f; --ss-ok-b:#48b86a; --ss-fail:#3d1c1b; --ss-fail-b:#f0716b; --ss-cont:#1a2029; --ss-cont-b:#566173; --ss-catch:#f0716b; --ss-label:#161b22; --ss-run:#9d90ff; --ss-running:#6d9bf0; --ss-warn:#e0a030; --ss-crit:#ff8a4c; --ss-heat1:#2e2416; --ss-heat2:#4d3312; --ss-heat3:#7a4210; --ss-heat4:#a8430c; } }
.theme-dark .stepscope-graph, .stepscope-graph.theme-dark { --ss-bg:#161b22; --ss-fg:#e6edf3; --ss-muted:#9aa7b4; --ss-line:#7d8896; --ss-box:#1f2630; --ss-border:#4a5563;
  --ss-task:#1d2b45; --ss-task-b:#6d9bf0; --ss-choice:#3a300f; --ss-choice-b:#e0b43a; --ss-pass:#262d36; --ss-pass-b:#8a94a3; --ss-wait:#2c2342; --ss-wait-b:#a887e8;
  --ss-ok:#15301f; --ss-ok-b:#48b86a; --ss-fail:#3d1c1b; --ss-fail-b:#f0716b; --ss-cont:#1a2029; --ss-cont-b:#566173; --ss-catch:#f0716b; --ss-label:#161b22; --ss-run:#9d90ff; --ss-running:#6d9bf0; --ss-warn:#e0a030; --ss-crit:#ff8a4c; --ss-heat1:#2e2416; --ss-heat2:#4d3312; --ss-heat3:#7a4210; --ss-heat4:#a8430c; }
.stepscope-graph .state > .box { fill:var(--ss-box); stroke:var(--ss-border); stroke-width:1.4; }
.stepscope-graph .state.task > .box { fill:var(--ss-task); stroke:var(--ss-task-b); }
.stepscope-graph .state.choice > .box { fill:var(--ss-choice); stroke:var(--ss-choice-b); }
.stepscope-graph .state.pass > .box { fill:var(--ss-pass); stroke:var(--ss-pass-b); }
.stepscope-graph .state.wait > .box { fill:var(--ss-wait); stroke:var(--ss-wait-b); }
.stepscope-graph .state.succeed > .box { fill:var(--ss-ok); stroke:var(--ss-ok-b); }
.stepscope-graph .state.fail > .box { fill:var(--ss-fail); stroke:var(--ss-fail-b); }
.stepscope-graph .state.parallel > .box, .stepscope-graph .state.map > .box { fill:var(--ss-cont); stroke:var(--ss-cont-b); stroke-width:1.4; }
.stepscope-graph .state.map > .box { stroke-dasharray:6 3; }
.stepscope-graph .branch { fill:none; stroke:var(--ss-cont-b); stroke-dasharray:3 3; }
.stepscope-graph text { fill:var(--ss-fg); dominant-baseline:central; }
.stepscope-graph .name { font-size:13px; font-weight:600; }
.stepscope-graph .detail, .stepscope-graph .badge text, .stepscope-graph .label text, .stepscope-graph .stub text { font-size:11px; fill:var(--ss-muted); }
.stepscope-graph .kind { font-size:9px; letter-spacing:.06em; fill:var(--ss-muted); text-transform:uppercase; }
.stepscope-graph .edge path { fill:none; stroke:var(--ss-line); stroke-width:1.4; }
.stepscope-graph .edge.catch path { stroke:var(--ss-catch); stroke-dasharray:5 4; }
.stepscope-graph .edge.default path { stroke-dasharray:2 3; }
.stepscope-graph .arrowhead { fill:var(--ss-line); }
.stepscope-graph .label rect { fill:var(--ss-label); stroke:var(--ss-border); stroke-width:.8; }
.stepscope-graph .edge.catch + .label text, .stepscope-graph .label.catch text { fill:var(--ss-catch); }
.stepscope-graph .badge rect { fill:var(--ss-box); stroke:var(--ss-border); stroke-width:.8; }
.stepscope-graph .stub rect { fill:var(--ss-box); stroke:var(--ss-border); stroke-dasharray:3 2; }
.stepscope-graph .marker { fill:var(--ss-fg); }
.stepscope-graph .problems circle { stroke:var(--ss-box); stroke-width:1.5; }
.stepscope-graph .problems.error circle { fill:var(--ss-fail-b); }
.stepscope-graph .problems.warning circle { fill:var(--ss-choice-b); }
.stepscope-graph .problems text { fill:#fff; font-size:11px; font-weight:700; }
.stepscope-graph .marker.end { fill:none; stroke:var(--ss-fg); stroke-width:2.5; }
.stepscope-graph .marker-line { stroke:var(--ss-line); stroke-width:1.2; }
.stepscope-graph .state.status-notrun { opacity:.42; }
.stepscope-graph .state.status-running > .box { stroke:var(--ss-running); stroke-width:3; }
.stepscope-graph .state.status-retrying > .box { stroke:var(--ss-warn); stroke-width:3; stroke-dasharray:8 3; }
.stepscope-graph .state.status-succeeded > .box { stroke:var(--ss-ok-b); stroke-width:2.6; }
.stepscope-graph .state.status-failed > .box { stroke:var(--ss-fail-b); stroke-width:3.4; stroke-dasharray:10 2 2 2; fill:var(--ss-fail); }
.stepscope-graph .state.status-caught > .box { stroke:var(--ss-warn); stroke-width:3; stroke-dasharray:2 2; }
.stepscope-graph .state.status-aborted > .box { stroke:var(--ss-muted); stroke-width:2.6; stroke-dasharray:6 3 1 3; }
.stepscope-graph .edge.taken path { stroke:var(--ss-run); stroke-width:2.4; }
.stepscope-graph .edge.critical path { stroke:var(--ss-crit); stroke-width:3.2; }
.stepscope-graph .state.critical > .box { stroke:var(--ss-crit); stroke-width:3.4; }
.stepscope-graph .state.off-path { opacity:.55; }
.stepscope-graph .state.heat-1 > .box { fill:var(--ss-heat1); }
.stepscope-graph .state.heat-2 > .box { fill:var(--ss-heat2); }
.stepscope-graph .state.heat-3 > .box { fill:var(--ss-heat3); }
.stepscope-graph .state.heat-4 > .box { fill:var(--ss-heat4); }
.stepscope-graph .state[class*=heat-] text { fill:var(--ss-fg); }
.stepscope-graph .run-badge, .stepscope-graph .run-progress { font-size:10.5px; font-weight:600; fill:var(--ss-fg); paint-order:stroke; stroke:var(--ss-bg); stroke-width:3px; stroke-linejoin:round; }
.stepscope-graph .token { fill:var(--ss-run); stroke:var(--ss-bg); stroke-width:1.5; }
.stepscope-graph .state.selected > .box, .stepscope-graph .state.stub-target > .box { stroke-width:3; stroke:#5b4bdb; }
"#;

/// Undoes [`escape`].
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A number with at most two decimals, without trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn rect(out: &mut String, class: &str, r: &Rect, rx: f64) {
    let _ = write!(
        out,
        r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" rx="{}"/>"#,
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num(rx)
    );
}

fn text(out: &mut String, class: &str, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
        num(x),
        num(y),
        escape(s)
    );
}

/// Writes the SVG of a laid-out graph.
pub fn write_svg(g: &FlowGraph, l: &Layout, opts: &SvgOptions) -> String {
    let p = escape(opts.id_prefix);
    let mut out = String::with_capacity(4096 + g.nodes.len() * 600);
    let (w, h) = (l.width.max(1.0), l.height.max(1.0));
    let theme = opts
        .theme
        .map(|t| format!(" {}", escape(t)))
        .unwrap_or_default();
    let run_source = opts
        .run_source
        .map(|s| format!(r#" data-run-source="{}""#, escape(s)))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="stepscope-graph{theme}"{run_source} viewBox="0 0 {} {}" width="{}" height="{}" role="group" aria-label="{}">"#,
        num(w),
        num(h),
        num(w),
        num(h),
        escape(&format!(
            "State machine diagram with {} states",
            g.nodes.len()
        ))
    );
    if let Some(source) = opts.source {
        let _ = write!(
            out,
            "{}{}</metadata>",
            crate::share::SVG_SOURCE_OPEN,
            escape(source)
        );
    }
    if opts.inline_style {
        let _ = write!(out, "<style>{STYLE}</style>");
    }
    let _ = write!(
        out,
        r#"<defs><marker id="{p}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>"#
    );
    // Containers first, so their children sit on top.
    let is_container = |i: usize| g.nodes.get(i).is_some_and(|n| !n.children.is_empty());
    let depth_of = |i: usize| {
        let mut d = 0;
        let mut cur = l.nodes.get(i).and_then(|n| n.parent);
        while let Some(pid) = cur {
            d += 1;
            cur = l.nodes.get(pid.0 as usize).and_then(|n| n.parent);
            if d > 64 {
                break;
            }
        }
        d
    };
    let mut containers: Vec<usize> = (0..g.nodes.len()).filter(|&i| is_container(i)).collect();
    containers.sort_by_key(|&i| depth_of(i));
    for i in containers {
        write_node(
            &mut out,
            g,
            l,
            i,
            &p,
            opts.problems.get(i).copied(),
            opts.run,
        );
    }
    for (owner, r) in &l.branches {
        let _ = write!(
            out,
            r#"<g class="branch-frame" data-owner="{}">"#,
            escape(g.node(*owner).map_or("", |n| n.name.as_str()))
        );
        rect(&mut out, "branch", r, 6.0);
        out.push_str("</g>");
    }
    // Edges, then markers.
    for (i, e) in l.edges.iter().enumerate() {
        let Some(ge) = g.edges.get(e.edge) else {
            continue;
        };
        let from = g.node(ge.from).map_or("", |n| n.name.as_str());
        let to = g.node(ge.to).map_or("", |n| n.name.as_str());
        let taken = opts
            .run
            .is_some_and(|r| r.taken.contains(&(from.to_string(), to.to_string())));
        let _ = write!(
            out,
            r#"<g class="edge {}{}" id="{p}-e{i}" data-from="{}" data-to="{}"{}>"#,
            ge.kind.as_str(),
            if taken { " taken" } else { "" },
            escape(from),
            escape(to),
            if e.to_stub.is_some() {
                r#" data-to-stub="true""#
            } else {
                ""
            }
        );
        if !ge.label.is_empty() {
            let _ = write!(out, "<title>{}</title>", escape(&ge.label));
        }
        out.push_str(r#"<path d=""#);
        for (k, pt) in e.points.iter().enumerate() {
            let _ = write!(
                out,
                "{}{} {}",
                if k == 0 { "M" } else { " L" },
                num(pt.0),
                num(pt.1)
            );
        }
        let _ = write!(out, r#"" marker-end="url(#{p}-arrow)"/></g>"#);
    }
    for (i, e) in l.edges.iter().enumerate() {
        let (Some(ge), Some((r, label))) = (g.edges.get(e.edge), e.label.as_ref()) else {
            continue;
        };
        let _ = write!(
            out,
            r#"<g class="label {}" data-edge="{p}-e{i}"><title>{}</title>"#,
            ge.kind.as_str(),
            escape(&ge.label)
        );
        rect(&mut out, "", r, 4.0);
        text(
            &mut out,
            "",
            r.x + r.w / 2.0,
            r.y + r.h / 2.0,
            "middle",
            label,
        );
        out.push_str("</g>");
    }
    for m in &l.markers {
        if let (Some(a), Some(b)) = (m.points.first(), m.points.last()) {
            let _ = write!(
                out,
                r#"<line class="marker-line" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                num(a.0),
                num(a.1),
                num(b.0),
                num(b.1)
            );
        }
        let (cx, cy, r) = (
            m.rect.x + m.rect.w / 2.0,
            m.rect.y + m.rect.h / 2.0,
            m.rect.w / 2.0,
        );
        let _ = write!(
            out,
            r#"<circle class="marker {}" cx="{}" cy="{}" r="{}"/>"#,
            if m.start { "start" } else { "end" },
            num(cx),
            num(cy),
            num(if m.start { r } else { r - 1.0 })
        );
    }
    // Plain states.
    for i in 0..g.nodes.len() {
        if !is_container(i) {
            write_node(
                &mut out,
                g,
                l,
                i,
                &p,
                opts.problems.get(i).copied(),
                opts.run,
            );
        }
    }
    for (i, s) in l.stubs.iter().enumerate() {
        let name = g.node(s.target).map_or("", |n| n.name.as_str());
        let _ = write!(
            out,
            r#"<g class="stub" id="{p}-stub{i}" data-stub-for="{}"><title>{}</title>"#,
            escape(name),
            escape(&format!("Goes to {name}"))
        );
        rect(&mut out, "", &s.rect, 10.0);
        text(
            &mut out,
            "",
            s.rect.x + s.rect.w / 2.0,
            s.rect.y + s.rect.h / 2.0,
            "middle",
            &format!("→ {}", ellipsize(name, 24)),
        );
        out.push_str("</g>");
    }
    if let Some(run) = opts.run {
        write_run_layer(&mut out, g, l, run);
    }
    out.push_str("</svg>");
    out
}

/// Badges and progress on a layer of their own, over everything, placed from the layout.
fn write_run_layer(out: &mut String, g: &FlowGraph, l: &Layout, run: &RunMarks) {
    out.push_str(r#"<g class="run-overlay">"#);
    for (n, b) in g.nodes.iter().zip(&l.nodes) {
        let Some((badge, progress)) = run.badges.get(&n.name) else {
            continue;
        };
        let r = &b.rect;
        let _ = write!(
            out,
            r#"<text class="run-badge" x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(r.x + r.w),
            num(r.y + r.h + 9.0),
            escape(badge)
        );
        if let Some(p) = progress {
            let _ = write!(
                out,
                r#"<text class="run-progress" x="{}" y="{}" text-anchor="end">{}</text>"#,
                num(r.x + r.w - 10.0),
                num(r.y + 13.0),
                escape(p)
            );
        }
    }
    out.push_str("</g>");
}

fn write_node(
    out: &mut String,
    g: &FlowGraph,
    l: &Layout,
    i: usize,
    p: &str,
    problems: Option<Problems>,
    run: Option<&RunMarks>,
) {
    let (Some(n), Some(b)) = (g.nodes.get(i), l.nodes.get(i)) else {
        return;
    };
    let r = &b.rect;
    let container = !n.children.is_empty();
    let status = run
        .map(|r| format!(" {}", r.status.get(&n.name).copied().unwrap_or(NOT_RUN)))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<g class="state {}{}{status}" data-state="{}" id="{p}-s{i}" role="img" aria-label="{}"><title>{}</title>"#,
        n.kind.class(),
        if container { " container" } else { "" },
        escape(&n.name),
        escape(&n.description),
        escape(&format!("{} ({})", n.name, n.kind.class()))
    );
    let rx = match n.kind {
        StateType::Choice => 14.0,
        StateType::Succeed | StateType::Fail => 18.0,
        _ => 6.0,
    };
    rect(out, "box", r, rx);
    let name = ellipsize(&n.name, 40);
    let detail = ellipsize(&n.detail, 40);
    if container {
        text(out, "kind", r.x + 12.0, r.y + 13.0, "start", n.kind.class());
        text(out, "name", r.x + 12.0, r.y + 27.0, "start", &name);
        if !detail.is_empty() {
            text(out, "detail", r.x + 12.0, r.y + 40.0, "start", &detail);
        }
    } else if detail.is_empty() {
        text(
            out,
            "name",
            r.x + r.w / 2.0,
            r.y + r.h / 2.0,
            "middle",
            &name,
        );
    } else {
        text(
            out,
            "name",
            r.x + r.w / 2.0,
            r.y + r.h / 2.0 - FONT * 0.5,
            "middle",
            &name,
        );
        text(
            out,
            "detail",
            r.x + r.w / 2.0,
            r.y + r.h / 2.0 + SMALL_FONT * 0.75,
            "middle",
            &detail,
        );
    }
    if let Some(Problems { errors, warnings }) = problems.filter(|p| p.errors + p.warnings > 0) {
        let (class, count, what) = if errors > 0 {
            ("problems error", errors, "error")
        } else {
            ("problems warning", warnings, "warning")
        };
        let label = format!("{count} {what}{}", if count == 1 { "" } else { "s" });
        let _ = write!(
            out,
            r#"<g class="{class}"><title>{}</title>"#,
            escape(&label)
        );
        let _ = write!(
            out,
            r#"<circle cx="{}" cy="{}" r="8"/>"#,
            num(r.x),
            num(r.y)
        );
        text(
            out,
            "",
            r.x,
            r.y,
            "middle",
            if errors > 0 { "!" } else { "?" },
        );
        out.push_str("</g>");
    }
    if let Some(crate::graph::RetryBadge {
        text: badge,
        policy: full,
    }) = &n.retry
    {
        let bw = badge.chars().count() as f64 * 6.2 + 10.0;
        let br = Rect {
            x: r.x + r.w - bw + 6.0,
            y: r.y - 9.0,
            w: bw,
            h: 16.0,
        };
        let _ = write!(
            out,
            r#"<g class="badge retry"><title>{}</title>"#,
            escape(full)
        );
        rect(out, "", &br, 8.0);
        text(
            out,
            "",
            br.x + br.w / 2.0,
            br.y + br.h / 2.0,
            "middle",
            badge,
        );
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

/// Splits an SVG we wrote into its root element (emptied) and its top-level children, for putting
/// a big drawing in the page a slice at a time. Our writer escapes every `<` and `>` in text and attributes, so tags are easy to find.
pub fn split_top_level(svg: &str) -> Option<(String, Vec<&str>)> {
    let open = svg.find('>')? + 1;
    let close = svg.rfind("</svg>")?;
    let body = svg.get(open..close)?;
    let mut parts: Vec<&str> = Vec::new();
    let (mut depth, mut start, mut at) = (0usize, 0usize, 0usize);
    while let Some(lt) = body[at..].find('<') {
        let tag_start = at + lt;
        let tag_end = tag_start + body[tag_start..].find('>')? + 1;
        let tag = &body[tag_start..tag_end];
        if tag.starts_with("</") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                parts.push(&body[start..tag_end]);
            }
        } else if tag.ends_with("/>") {
            if depth == 0 {
                parts.push(tag);
            }
        } else {
            if depth == 0 {
                start = tag_start;
            }
            depth += 1;
        }
        at = tag_end;
    }
    if depth != 0 {
        return None;
    }
    let shell = format!("{}</svg>", &svg[..open]);
    Some((shell, parts))
}

/// A big drawing cut up for the page to put in over several frames (`ui::graph_view`).
#[derive(Debug, Clone, PartialEq)]
pub struct Progressive {
    /// The `<svg>` element holding, for each run of top-level parts of one kind (the frames, the
    /// edges, the labels, the states…), an empty marker `<g data-layer="K"></g>` ending it.
    pub shell: String,
    /// What goes in, one slice per frame: groups of parts, each group put in just before its
    /// run's marker, so every part keeps its place in the drawing's stacking order.
    pub slices: Vec<Vec<(usize, String)>>,
}

/// A part's box, from its first `x`/`y`/`width`/`height` or the points of its path.
fn part_box(part: &str) -> Option<(f64, f64, f64, f64)> {
    let number = |key: &str| -> Option<f64> {
        let at = part.find(key)? + key.len();
        let rest = &part[at..];
        rest[..rest.find('"')?].parse().ok()
    };
    if let Some(at) = part.find(" d=\"") {
        let rest = &part[at + 4..];
        let d = &rest[..rest.find('"')?];
        let nums: Vec<f64> = d
            .split(|c: char| c == ' ' || c == ',' || c.is_ascii_alphabetic())
            .filter_map(|n| n.parse().ok())
            .collect();
        let xs = nums.iter().step_by(2);
        let ys = nums.iter().skip(1).step_by(2);
        let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        return (x0 <= x1 && y0 <= y1).then_some((x0, y0, x1, y1));
    }
    let (x, y) = (number(" x=\"")?, number(" y=\"")?);
    let (w, h) = (
        number(" width=\"").unwrap_or(0.0),
        number(" height=\"").unwrap_or(0.0),
    );
    Some((x, y, x + w, y + h))
}

/// The run a part belongs to: its tag and its first class.
fn part_kind(part: &str) -> &str {
    // Bytes, not chars: a part's head is ASCII up to its first `>` or `/`, and this runs over
    // every part of a big drawing.
    let end = part
        .bytes()
        .position(|b| b == b'>' || b == b'/')
        .unwrap_or(part.len());
    let head = &part[..end];
    match head.find(" class=\"") {
        Some(at) => {
            let rest = &head[at + 8..];
            let stop = rest.find([' ', '"']).unwrap_or(rest.len());
            &head[..at + 8 + stop]
        }
        None => head.split(' ').next().unwrap_or(head),
    }
}

/// Cuts `svg` into a shell and slices: the first is what a pane of
/// `view` (width, height, in CSS pixels) opens on, with a margin: the `focus` state at scale 1 as
/// `ui::graph_view` frames it (or the top middle without one; all of it when it is legible whole).
/// It goes in first, so what the user sees is painted at once; the rest follow in the drawing's
/// order, in slices of about `slice_bytes`, then twice that, four times, and so on. `None` when
/// `svg` is not one element.
pub fn progressive(
    svg: &str,
    focus: Option<&str>,
    view: (f64, f64),
    slice_bytes: usize,
) -> Option<Progressive> {
    let (shell, parts) = split_top_level(svg)?;
    let open = shell.strip_suffix("</svg>")?;
    let mut layers = Vec::with_capacity(parts.len());
    let mut k = 0;
    let mut before = None;
    for part in &parts {
        let kind = part_kind(part);
        if before.is_some_and(|b| b != kind) {
            k += 1;
        }
        before = Some(kind);
        layers.push(k);
    }
    let markers: String = (0..=k)
        .filter(|_| !parts.is_empty())
        .map(|k| format!(r#"<g data-layer="{k}"></g>"#))
        .collect();
    let size = |a: &str| -> f64 {
        open.find(&format!(" {a}=\""))
            .and_then(|at| {
                let rest = &open[at + a.len() + 3..];
                rest[..rest.find('"')?].parse().ok()
            })
            .unwrap_or(0.0)
    };
    let (sw, sh) = (size("width"), size("height"));
    let (w, h) = view;
    // The frame `ui::graph_view` opens a drawing too big to read whole with, at scale 1: the
    // focus state's box in the middle across (the drawing's edges kept in), its middle mid-pane
    // or, without one (or one taller than the pane), the top.
    let target = focus
        .and_then(|name| {
            let key = format!("data-state=\"{}\"", escape(name));
            parts.iter().find(|p| p.contains(&key))
        })
        .and_then(|p| part_box(p));
    let (cx, top, bh) = target.map_or((sw / 2.0, 0.0, 0.0), |(x0, y0, x1, y1)| {
        ((x0 + x1) / 2.0, y0, y1 - y0)
    });
    let ox = if sw <= w - 32.0 {
        (w - sw) / 2.0
    } else {
        (w / 2.0 - cx).clamp(w - 16.0 - sw, 16.0)
    };
    let oy = if target.is_none() || bh > h - 80.0 {
        16.0 - (top - 40.0).max(0.0)
    } else {
        (h / 2.0 - (top + bh / 2.0)).min(16.0)
    };
    // Legible whole, the drawing opens whole: all of it is in view.
    let whole = ((w - 32.0) / sw).min((h - 32.0) / sh).min(1.5) >= 11.0 / 13.0;
    let margin = 200.0;
    let (vx0, vx1) = (-ox - margin, w - ox + margin);
    let (vy0, vy1) = (-oy - margin, h - oy + margin);
    // Parts with no place (the arrowhead's `<defs>`, styles) go first, with what is in view.
    let placed = |p: &str| {
        !(p.starts_with("<defs") || p.starts_with("<style") || p.starts_with("<metadata"))
    };
    let seen = |p: &str| {
        whole
            || !placed(p)
            || part_box(p)
                .is_none_or(|(x0, y0, x1, y1)| x1 >= vx0 && x0 <= vx1 && y1 >= vy0 && y0 <= vy1)
    };
    let in_view: Vec<bool> = parts.iter().map(|p| seen(p)).collect();
    let group = |slice: &mut Vec<(usize, String)>, k: usize, part: &str| match slice.last_mut() {
        Some((layer, text)) if *layer == k => text.push_str(part),
        _ => slice.push((k, part.to_string())),
    };
    let mut first = Vec::new();
    for (i, part) in parts.iter().enumerate().filter(|(i, _)| in_view[*i]) {
        group(&mut first, layers[i], part);
    }
    let mut slices = vec![first];
    let mut bytes = 0;
    // Each slice is twice the one before: every slice waits for a frame and has a style and
    // layout pass of its own, so the fewer slices, the sooner the drawing's last part is in.
    let mut budget = slice_bytes.max(1);
    let mut current = Vec::new();
    for (i, part) in parts.iter().enumerate().filter(|(i, _)| !in_view[*i]) {
        if bytes >= budget {
            slices.push(std::mem::take(&mut current));
            bytes = 0;
            budget = budget.saturating_mul(2);
        }
        group(&mut current, layers[i], part);
        bytes += part.len();
    }
    if !current.is_empty() {
        slices.push(current);
    }
    Some(Progressive {
        shell: format!("{open}{markers}</svg>"),
        slices,
    })
}
