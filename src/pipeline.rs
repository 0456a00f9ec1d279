//! The façade: the only functions the UI and the CLI call to analyse what the user gave us.
//!
//! `analyze` never fails: whatever it could understand comes back with every problem it found,
//! with spans in the text the user pasted (even when the definition sat inside a string).

use crate::asl;
use crate::diag::Severity;
use crate::forms::{self, Body};
use crate::source;

// ---- What the shell may use ---------------------------------------------------------------------
// The page and the worker reach the core only through this module (tests/it/tidy.rs checks it):
// the functions above and the plain data and helpers below, each named here once.
pub use crate::asl::{Integration, StateKind, StateMachine};
pub use crate::compare::diff::{diff as json_diff, Change};
pub use crate::compare::lanes::{lanes as compare_lanes, Lanes};
pub use crate::compare::marks as compare_marks;
pub use crate::compare::marks::{
    comparison as comparison_marks, divergence_text, many as many_marks, Marks,
};
pub use crate::compare::runs::{is_run_list, RunRow, RunsView};
pub use crate::compare::{compare, Comparison};
pub use crate::demo::{
    example, is_demo, DEFINITION as DEMO_DEFINITION, EXAMPLE_NAMES, HISTORY as DEMO_HISTORY,
    NAME as DEMO_NAME,
};
pub use crate::diag::{Diagnostic, DiagnosticCode};
pub use crate::forms::Form;
pub use crate::graph::{describe as describe_state, ellipsize};
pub use crate::history::format_iso;
pub use crate::layout::{Direction, EstimateMeasure, LayoutCache, LayoutOptions, TextMeasure};
pub use crate::limits::{check_input, input_too_big, size as size_text, MAX_INPUT_BYTES};
pub use crate::replay::{
    format_duration, format_duration_exact, gantt, ExecutionStatus, GanttOptions, Heat, Overlay,
    OverlayIndex, SnapshotIndex, SortBy, StateAt, Visit, VisitStatus, LABEL_W, UNTIMED,
};
pub use crate::share::{
    decode_fragment, encode_fragment, length_advice, link as share_link, open_file, percent_decode,
    replay_file, Redaction, Shared, SimCase, ViewMode,
};
pub use crate::sim::request::{
    test_cases as sim_test_cases, Request as SimRequest, Response as SimResponse,
};
pub use crate::sim::table::{
    rows as mock_rows, write as write_mock_rows, Answer as MockAnswer, Row as MockRow,
};
pub use crate::sim::Override as SimOverride;
pub use crate::source::{LineIndex, SourceText};
pub use crate::svg::{escape as escape_xml, progressive, split_top_level, Progressive};
pub use crate::view::{
    first_failure, form_label, inferred, is_history, missing_states, name_some, neighbour,
    recorded_flow, state_at_offset,
};
pub use crate::wire::{decode_analysis, decode_replay, encode_analysis, encode_replay};

/// Everything we know about one definition text. Plain data: the worker sends it to the page
/// ([`crate::wire::encode_analysis`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub form: Form,
    /// Names of the state machines found (templates may hold several; bare ASL has one, unnamed).
    pub machines: Vec<String>,
    /// Index into `machines` of the one analysed.
    pub selected: usize,
    pub machine: Option<StateMachine>,
    /// Sorted by position.
    #[serde(with = "crate::wire::diagnostics")]
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// The selected machine's definition as plain JSON (what the simulator reads), with its
/// analysis; None when the text holds no definition, or one with errors.
pub fn definition_value(
    src: &SourceText,
    machine: Option<&str>,
) -> (Analysis, Option<serde_json::Value>) {
    let analysis = analyze_machine(src, machine);
    if analysis.machine.is_none() || analysis.has_errors() {
        return (analysis, None);
    }
    let detected = forms::detect(&src.text);
    let value = detected
        .machines
        .get(analysis.selected)
        .and_then(|c| match &c.body {
            Body::Tree(node) => Some(node.to_json()),
            Body::Text { text, .. } => source::parse_tree(text).1.ok().map(|n| n.to_json()),
            Body::Message(_) => None,
        });
    (analysis, value)
}

/// Analyses a definition text, picking the first state machine it holds.
pub fn analyze(src: &SourceText) -> Analysis {
    analyze_machine(src, None)
}

/// Analyses a definition text, picking the machine named `machine` when the text holds several.
pub fn analyze_machine(src: &SourceText, machine: Option<&str>) -> Analysis {
    if let Err(message) = crate::limits::check_input("this definition", src.text.len()) {
        return Analysis {
            form: forms::Form::AslJson,
            machines: Vec::new(),
            selected: 0,
            machine: None,
            diagnostics: vec![Diagnostic::error(DiagnosticCode::TooBig, message, "", None)],
        };
    }
    let detected = forms::detect(&src.text);
    let mut diagnostics = detected.diagnostics;
    let names: Vec<String> = detected.machines.iter().map(|c| c.name.clone()).collect();
    let selected = match machine {
        Some(want) => match names.iter().position(|n| n == want) {
            Some(i) => i,
            None => {
                diagnostics.push(Diagnostic::error(
                    DiagnosticCode::UnknownMachine,
                    format!(
                        "no state machine named '{want}' here; found: {}",
                        names.join(", ")
                    ),
                    "",
                    None,
                ));
                usize::MAX
            }
        },
        None => 0,
    };
    let mut model = None;
    if let Some(candidate) = detected.machines.get(selected) {
        match &candidate.body {
            Body::Tree(node) => {
                let (m, diags) = asl::lower(node);
                diagnostics.extend(diags);
                if let Some(m) = &m {
                    diagnostics.extend(asl::validate(m));
                }
                model = m;
            }
            Body::Text { text, map } => {
                let (_, tree) = source::parse_tree(text);
                let mut inner = Vec::new();
                match tree {
                    Ok(node) => {
                        let (m, diags) = asl::lower(&node);
                        inner.extend(diags);
                        if let Some(m) = &m {
                            inner.extend(asl::validate(m));
                        }
                        // States point into the pasted text too, so the editor can select them.
                        model = m.map(|mut m| {
                            for st in &mut m.states {
                                st.name_span = map.map_span(st.name_span);
                                st.span = map.map_span(st.span);
                            }
                            m
                        });
                    }
                    Err(e) => inner.push(Diagnostic::error(
                        DiagnosticCode::Syntax,
                        format!("in the embedded definition: {}", e.message),
                        "",
                        Some(e.span),
                    )),
                }
                for mut d in inner {
                    d.span = d.span.map(|s| map.map_span(s));
                    diagnostics.push(d);
                }
            }
            Body::Message(d) => diagnostics.push(d.clone()),
        }
    }
    // Past the state budget nothing is drawn: the message says why.
    if let Some(m) = model
        .as_ref()
        .filter(|m| m.states.len() > crate::limits::MAX_STATES)
    {
        diagnostics.push(Diagnostic::error(
            DiagnosticCode::TooBig,
            format!(
                "this definition has {} states; Stepscope draws at most {}",
                crate::limits::count(m.states.len()),
                crate::limits::count(crate::limits::MAX_STATES)
            ),
            "",
            None,
        ));
        model = None;
    }
    // Other machines' messages (e.g. a DefinitionUri) are not this machine's problems.
    diagnostics.sort_by_key(|d| d.span.map_or(0, |s| s.start));
    diagnostics.dedup();
    Analysis {
        form: detected.form,
        machines: names,
        selected: selected.min(detected.machines.len().saturating_sub(1)),
        machine: model,
        diagnostics,
    }
}

/// A definition drawn: its flow graph and layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub graph: crate::graph::FlowGraph,
    pub layout: crate::layout::Layout,
}

/// Lays out the analysed machine, if there is one.
pub fn render(
    a: &Analysis,
    opts: &crate::layout::LayoutOptions,
    measure: &dyn crate::layout::TextMeasure,
) -> Option<Rendered> {
    render_cached(a, opts, measure, &mut crate::layout::LayoutCache::default())
}

/// How many scope layouts a long-lived cache keeps.
const CACHED_SCOPES: usize = 512;

/// [`render`] with a cache that lives across calls (the page's, the worker's): each scope is laid
/// out again only when its content changed, so typing in one branch doesn't lay out the others.
pub fn render_cached(
    a: &Analysis,
    opts: &crate::layout::LayoutOptions,
    measure: &dyn crate::layout::TextMeasure,
    cache: &mut crate::layout::LayoutCache,
) -> Option<Rendered> {
    let m = a.machine.as_ref()?;
    let graph = crate::graph::build_graph(m);
    cache.trim(CACHED_SCOPES);
    let layout = crate::layout::layout_cached(&graph, opts, measure, cache);
    Some(Rendered { graph, layout })
}

impl Rendered {
    pub fn svg(&self, id_prefix: &str) -> String {
        let opts = crate::svg::SvgOptions {
            id_prefix,
            ..Default::default()
        };
        crate::svg::write_svg(&self.graph, &self.layout, &opts)
    }

    /// The SVG with a badge on every state that has problems.
    pub fn svg_with_problems(&self, id_prefix: &str, a: &Analysis) -> String {
        self.svg_for(
            a,
            crate::svg::SvgOptions {
                id_prefix,
                ..Default::default()
            },
        )
    }

    /// The SVG with `opts` and the analysis's problem badges, stylesheet inline.
    fn svg_for(&self, a: &Analysis, opts: crate::svg::SvgOptions) -> String {
        let problems = a
            .machine
            .as_ref()
            .map(|m| problems_per_state(m, &a.diagnostics))
            .unwrap_or_default();
        let opts = crate::svg::SvgOptions {
            inline_style: true,
            problems: &problems,
            ..opts
        };
        crate::svg::write_svg(&self.graph, &self.layout, &opts)
    }

    /// The geometry as `stepscope render --format json` prints it.
    pub fn geometry_json(&self) -> serde_json::Value {
        use serde_json::json;
        let r2 = |v: f64| (v * 100.0).round() / 100.0;
        let name = |id: crate::asl::StateId| self.graph.node(id).map(|n| n.name.clone());
        let nodes: Vec<_> = self
            .graph
            .nodes
            .iter()
            .zip(self.layout.nodes.iter())
            .map(|(n, b)| json!({"state": n.name, "kind": n.kind.class(), "x": r2(b.rect.x), "y": r2(b.rect.y), "width": r2(b.rect.w), "height": r2(b.rect.h), "parent": b.parent.and_then(name)}))
            .collect();
        let stubs: Vec<_> = self
            .layout
            .stubs
            .iter()
            .map(|s| json!({"state": name(s.target), "x": r2(s.rect.x), "y": r2(s.rect.y), "width": r2(s.rect.w), "height": r2(s.rect.h), "parent": s.parent.and_then(name)}))
            .collect();
        let edges: Vec<_> = self
            .layout
            .edges
            .iter()
            .filter_map(|e| {
                let ge = self.graph.edges.get(e.edge)?;
                Some(json!({
                    "from": name(ge.from), "to": name(ge.to), "kind": ge.kind.as_str(), "label": ge.label,
                    "to_stub": e.to_stub.is_some(),
                    "points": e.points.iter().map(|p| [r2(p.0), r2(p.1)]).collect::<Vec<_>>(),
                }))
            })
            .collect();
        json!({"width": r2(self.layout.width), "height": r2(self.layout.height), "nodes": nodes, "stubs": stubs, "edges": edges})
    }
}

/// Errors and warnings per state (indexed by `StateId`): a diagnostic belongs to the innermost
/// state whose JSON path is a prefix of its own. Its path's prefixes are looked up in a map, so
/// this is linear in the diagnostics (a scan of every state per diagnostic was quadratic).
pub fn problems_per_state(
    m: &StateMachine,
    diagnostics: &[Diagnostic],
) -> Vec<crate::svg::Problems> {
    let mut out = vec![crate::svg::Problems::default(); m.states.len()];
    let by_path: std::collections::HashMap<&str, usize> = m
        .states
        .iter()
        .map(|s| (s.path.as_str(), s.id.0 as usize))
        .collect();
    for d in diagnostics {
        let mut path = d.path.as_str();
        let owner = loop {
            if let Some(&i) = by_path.get(path) {
                break Some(i);
            }
            match path.rfind('/') {
                Some(cut) => path = &path[..cut],
                None => break None,
            }
        };
        if let Some(slot) = owner.and_then(|i| out.get_mut(i)) {
            match d.severity {
                Severity::Error => slot.errors += 1,
                Severity::Warning => slot.warnings += 1,
                Severity::Info => {}
            }
        }
    }
    out
}

/// A history rebuilt: the parsed events, the timeline, and every problem found.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub history: crate::history::History,
    pub timeline: crate::replay::Timeline,
    pub diagnostics: Vec<Diagnostic>,
}

/// Rebuilds a run from a history text, matched against the machine when there is one. The run
/// carries what reading it found (`Replay::diagnostics`); with no run, the error says why.
pub fn replay(
    history: &SourceText,
    machine: Option<&StateMachine>,
) -> Result<Replay, Vec<Diagnostic>> {
    replay_with_progress(history, machine, &mut |_| {})
}

/// [`replay`], telling `stage` what it starts on ("parsing", "rebuilding") as it goes.
pub fn replay_with_progress(
    history: &SourceText,
    machine: Option<&StateMachine>,
    stage: &mut dyn FnMut(&str),
) -> Result<Replay, Vec<Diagnostic>> {
    stage("parsing");
    let (h, mut diagnostics) = crate::history::parse_history(&history.text);
    let Some(h) = h else { return Err(diagnostics) };
    stage("rebuilding");
    let timeline = crate::replay::build_timeline(&h, machine);
    diagnostics.extend(timeline.warnings.iter().cloned());
    Ok(Replay {
        history: h,
        timeline,
        diagnostics,
    })
}

/// The SVG the app exports and `stepscope render --history H --at MS` writes: the drawing with its
/// styles, the run's overlay at `t` (status classes, taken edges, time badges, progress), and
/// `source` (a share fragment) in `<metadata id="stepscope-source">`, so dropping the file on the
/// app reopens the view.
pub fn export_svg(
    rendered: &Rendered,
    analysis: &Analysis,
    run: Option<(&crate::replay::Timeline, i64)>,
    source: &str,
    theme: Option<&str>,
) -> String {
    let marks = run.map(|(tl, t)| run_marks(tl, t));
    // A simulated run's fragment carries its case (`s=`), a recorded one its history.
    let simulated = source.split('&').any(|p| p.starts_with("s="));
    rendered.svg_for(
        analysis,
        crate::svg::SvgOptions {
            id_prefix: "g",
            theme,
            source: Some(source),
            run: marks.as_ref(),
            run_source: marks
                .as_ref()
                .map(|_| if simulated { "simulated" } else { "recorded" }),
            ..Default::default()
        },
    )
}

/// A run's marks at `t`, as the SVG writer draws them.
fn run_marks(tl: &crate::replay::Timeline, t: i64) -> crate::svg::RunMarks {
    let index = crate::replay::SnapshotIndex::new(tl);
    let ov = crate::replay::OverlayIndex::new(tl).at(tl, &index, &index.snapshot_at(t), t, 0);
    crate::svg::RunMarks {
        status: ov
            .states
            .iter()
            .map(|s| (s.name.clone(), s.status.class()))
            .collect(),
        taken: ov.taken.iter().cloned().collect(),
        badges: ov
            .states
            .iter()
            .map(|s| (s.name.clone(), (s.badge.clone(), s.progress.clone())))
            .collect(),
    }
}
