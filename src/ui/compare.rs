//! Runs side by side in the page (issue 18). Two views over the graph:
//!
//! - **Compare**: the history in the editor is run A; "Compare with…" (or a drop of two
//!   histories) gives run B. The graph marks where each ran (`compare::marks`), the panel under
//!   it gives the first divergence and A/B lanes per state, and the inspector a JSON diff.
//! - **Many runs**: a drop of many files, or a folder, goes to the second module's worker
//!   (`runs_client`), which reads them with a progress bar; the panel gives counts, per-state
//!   numbers, error groups and the slowest runs, each of which opens, or compares with the
//!   median run.
//!
//! What the views mean is decided in the core (`crate::compare`); this is the shell.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{use_app, AppState};
use crate::pipeline::{self, Comparison, Marks, Replay, RunsView, SourceText};

/// What the two views hold (a part of [`AppState`]).
#[derive(Clone, Copy)]
pub struct CompareState {
    /// Run B: its name and history text. Run A is the history in the editor.
    pub b_text: RwSignal<Option<(String, String)>>,
    pub b: RwSignal<Option<Replay>>,
    /// What A is called in the panel (a file name), when known.
    pub a_name: RwSignal<Option<String>>,
    /// Why B could not be read.
    pub b_problem: RwSignal<Option<String>>,
    /// The state the lanes line up at (None: the runs' starts).
    pub align: RwSignal<Option<String>>,
    pub comparison: Memo<Option<Comparison>>,
    /// Many runs: the view, whether it is shown, and how far reading got.
    pub runs: RwSignal<Option<RunsView>>,
    pub runs_open: RwSignal<bool>,
    pub progress: RwSignal<Option<(usize, usize)>>,
    pub runs_problem: RwSignal<Option<String>>,
    /// The files the runs came from, to open one.
    pub files: StoredValue<Vec<(String, web_sys::File)>, LocalStorage>,
    /// The run whose details are shown (an index into the view's rows).
    pub pick: RwSignal<Option<usize>>,
    /// Which runs the list shows.
    pub filter: RwSignal<RunsFilter>,
    /// How many of them.
    pub shown: RwSignal<usize>,
}

/// Which runs the many-runs list shows (slowest first in each).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum RunsFilter {
    #[default]
    All,
    Status(String),
    /// The runs of one failure group: error and cause.
    Error(String, Option<String>),
    /// The runs whose history was dropped: those open.
    Openable,
}

impl RunsFilter {
    fn keeps(&self, r: &pipeline::RunRow) -> bool {
        match self {
            RunsFilter::All => true,
            RunsFilter::Status(s) => &r.status == s,
            RunsFilter::Error(e, c) => r.error.as_ref() == Some(e) && &r.cause == c,
            RunsFilter::Openable => r.history_file.is_some(),
        }
    }
    fn value(&self) -> String {
        match self {
            RunsFilter::All => String::new(),
            RunsFilter::Status(s) => format!("status:{s}"),
            RunsFilter::Error(..) => "error".into(),
            RunsFilter::Openable => "openable".into(),
        }
    }
}

/// How many runs the list shows at first, and adds with each *More*.
const PAGE: usize = 25;

impl CompareState {
    pub fn new(replayed: RwSignal<Option<Replay>>) -> Self {
        let b = RwSignal::new(None::<Replay>);
        let comparison = Memo::new(move |_| {
            replayed.with(|a| {
                b.with(|b| match (a, b) {
                    (Some(a), Some(b)) => Some(pipeline::compare(&a.timeline, &b.timeline)),
                    _ => None,
                })
            })
        });
        CompareState {
            b_text: RwSignal::new(None),
            b,
            a_name: RwSignal::new(None),
            b_problem: RwSignal::new(None),
            align: RwSignal::new(None),
            comparison,
            runs: RwSignal::new(None),
            runs_open: RwSignal::new(false),
            progress: RwSignal::new(None),
            runs_problem: RwSignal::new(None),
            files: StoredValue::new_local(Vec::new()),
            pick: RwSignal::new(None),
            filter: RwSignal::new(RunsFilter::All),
            shown: RwSignal::new(PAGE),
        }
    }

    /// Comparing two runs now.
    pub fn comparing(self) -> bool {
        self.comparison.with(|c| c.is_some())
    }

    /// Showing many runs now.
    pub fn many(self) -> bool {
        self.runs_open.get() && self.runs.with(|r| r.is_some())
    }

    /// Back to one run and no set: another run or definition was opened.
    pub fn leave(self) {
        self.stop_comparing();
        self.runs_open.set(false);
        self.a_name.set(None);
    }

    pub fn stop_comparing(self) {
        self.b_text.set(None);
        self.b.set(None);
        self.align.set(None);
    }
}

/// Reads a file's text.
async fn text_of(f: &web_sys::File) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(f.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
}

/// The effects behind both views: B read when it changes, the marks painted on each drawing.
pub fn start(app: AppState) {
    let cmp = app.cmp;
    let job = StoredValue::new(0u32);
    Effect::new(move |_| {
        let Some((name, text)) = cmp.b_text.get() else {
            cmp.b.set(None);
            cmp.b_problem.set(None);
            return;
        };
        job.update_value(|n| *n += 1);
        let me = job.get_value();
        let done = move |run: Result<Replay, String>| {
            if job.get_value() != me {
                return;
            }
            match run {
                Ok(r) => {
                    cmp.b_problem.set(None);
                    cmp.b.set(Some(r));
                }
                Err(why) => {
                    cmp.b.set(None);
                    cmp.b_problem
                        .set(Some(format!("{name} could not be read: {why}")));
                }
            }
        };
        if text.len() <= super::editors::BIG {
            let run = app
                .analysis
                .with(|a| pipeline::replay(&SourceText::new("history", text), a.machine.as_ref()));
            done(run.map_err(|d| {
                d.first()
                    .map(|d| d.message.clone())
                    .unwrap_or_else(|| "not a history".into())
            }));
            return;
        }
        // A big B is read in the page's worker, as a big A is.
        let job_text = super::worker::Job::Replay {
            definition: app.definition.value.get_untracked(),
            pick: app.machine_pick.get_untracked(),
            history: text,
        };
        super::worker::submit(
            job_text,
            |_| {},
            move |result| {
                let run = result.and_then(|v| {
                    v.dyn_into::<js_sys::Uint8Array>()
                        .ok()
                        .and_then(|b| pipeline::decode_replay(&b.to_vec()))
                        .ok_or_else(|| "not a history".to_string())
                });
                done(run);
            },
        );
    });
    // The marks: from the comparison, or from the many runs' numbers, on the graph shown.
    let marks = Memo::new(move |_| -> Option<Marks> {
        let names = |a: &pipeline::Analysis| -> Vec<String> {
            a.machine
                .as_ref()
                .map(|m| m.states.iter().map(|s| s.name.clone()).collect())
                .unwrap_or_default()
        };
        if cmp.many() {
            let names = app.shown.with(names);
            return cmp.runs.with(|r| {
                r.as_ref()
                    .map(|r| pipeline::many_marks(names.iter().map(String::as_str), &r.stats))
            });
        }
        let c = cmp.comparison.get()?;
        let names = app.shown.with(names);
        app.replayed.with(|a| {
            cmp.b.with(|b| match (a, b) {
                (Some(a), Some(b)) => Some(pipeline::comparison_marks(
                    names.iter().map(String::as_str),
                    &a.timeline,
                    &b.timeline,
                    &c,
                )),
                _ => None,
            })
        })
    });
    Effect::new(move |_| {
        app.drawn.track();
        let m = marks.get();
        request_animation_frame(move || super::jobs::paint_marks(m.as_ref()));
    });
}

/// Compares the run shown with the history in `file` (*Compare with…*).
pub fn compare_with(app: AppState, file: web_sys::File) {
    leptos::task::spawn_local(async move {
        let Some(text) = text_of(&file).await else {
            return;
        };
        app.cmp.runs_open.set(false);
        app.cmp.b_text.set(Some((file.name(), text)));
    });
}

/// Two histories dropped together: the first is A, the second B.
pub fn compare_texts(app: AppState, a: (String, String), b: (String, String)) {
    app.cmp.runs_open.set(false);
    app.cmp.a_name.set(Some(a.0));
    app.history.set_now(a.1);
    app.cmp.b_text.set(Some(b));
}

/// A file's path in what was opened: its folder's path when a folder was picked.
pub fn path_of(f: &web_sys::File) -> String {
    js_sys::Reflect::get(f, &wasm_bindgen::JsValue::from_str("webkitRelativePath"))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| f.name())
}

/// Many files (or a folder) dropped or opened, with their paths: read in the worker, with a
/// progress bar.
pub fn take_runs(app: AppState, files: Vec<(String, web_sys::File)>) {
    let cmp = app.cmp;
    let files: Vec<(String, web_sys::File)> = files
        .into_iter()
        .filter(|(_, f)| !f.name().starts_with('.'))
        .collect();
    if files.is_empty() {
        return;
    }
    let total = files.len();
    cmp.stop_comparing();
    cmp.pick.set(None);
    cmp.filter.set(RunsFilter::All);
    cmp.shown.set(PAGE);
    // The view of an earlier set goes: its buttons would open this set's files.
    cmp.runs.set(None);
    cmp.runs_problem.set(None);
    cmp.progress.set(Some((0, total)));
    cmp.runs_open.set(true);
    cmp.files.set_value(files.clone());
    super::runs_client::read(
        &files,
        move |done, total| cmp.progress.set(Some((done, total))),
        move |answer| {
            cmp.progress.set(None);
            let view = answer.and_then(|json| {
                serde_json::from_str::<RunsView>(&json).map_err(|e| format!("the runs' view: {e}"))
            });
            match view {
                Ok(v) => {
                    if let Some(d) = &v.definition {
                        app.definition.set_now(d.clone());
                    }
                    // The median run underneath: the graph it needs when no definition came,
                    // and the run that opens first.
                    let median = v
                        .median
                        .and_then(|i| v.rows.get(i))
                        .and_then(|r| r.history_file.clone());
                    cmp.runs.set(Some(v));
                    if let Some(file) = median {
                        open_file(app, &file, None);
                    }
                }
                Err(e) => {
                    cmp.runs_problem.set(Some(e));
                }
            }
        },
    );
}

fn file_named(app: AppState, name: &str) -> Option<web_sys::File> {
    app.cmp
        .files
        .with_value(|fs| fs.iter().find(|(p, _)| p == name).map(|(_, f)| f.clone()))
}

/// Opens one of the runs (its history file) as A; with `b`, compares it with that one as B.
fn open_file(app: AppState, a: &str, b: Option<String>) {
    let (Some(fa), fb) = (file_named(app, a), b.and_then(|b| file_named(app, &b))) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Some(ta) = text_of(&fa).await else { return };
        app.cmp.a_name.set(Some(fa.name()));
        app.history.set_now(ta);
        match fb {
            Some(fb) => {
                if let Some(tb) = text_of(&fb).await {
                    app.cmp.b_text.set(Some((fb.name(), tb)));
                }
            }
            None => app.cmp.stop_comparing(),
        }
    });
}

/// Every file of a drop, folders walked (a dropped folder's entries are read as they come).
/// The entries must be taken during the drop event: call [`drop_entries`] there, then this.
pub async fn dropped_files(entries: Vec<web_sys::FileSystemEntry>) -> Vec<(String, web_sys::File)> {
    let mut files = Vec::new();
    let mut stack = entries;
    while let Some(e) = stack.pop() {
        if e.is_file() {
            let path = e.full_path();
            let fe: web_sys::FileSystemFileEntry = e.unchecked_into();
            let p =
                js_sys::Promise::new(&mut |ok, bad| fe.file_with_callback_and_callback(&ok, &bad));
            if let Ok(f) = wasm_bindgen_futures::JsFuture::from(p).await {
                if let Ok(f) = f.dyn_into::<web_sys::File>() {
                    files.push((path.trim_start_matches('/').to_string(), f));
                }
            }
        } else if e.is_directory() {
            let de: web_sys::FileSystemDirectoryEntry = e.unchecked_into();
            let reader = de.create_reader();
            // readEntries gives a batch at a time, and an empty batch at the end.
            loop {
                let p = js_sys::Promise::new(&mut |ok, bad| {
                    let _ = reader.read_entries_with_callback_and_callback(&ok, &bad);
                });
                let Ok(batch) = wasm_bindgen_futures::JsFuture::from(p).await else {
                    break;
                };
                let batch = js_sys::Array::from(&batch);
                if batch.length() == 0 {
                    break;
                }
                for x in batch.iter() {
                    stack.push(x.unchecked_into());
                }
            }
        }
    }
    files
}

/// The folders of a drop (none: only files were dropped), taken while the event lasts.
pub fn drop_entries(dt: &web_sys::DataTransfer) -> Vec<web_sys::FileSystemEntry> {
    let items = dt.items();
    let entries: Vec<web_sys::FileSystemEntry> = (0..items.length())
        .filter_map(|i| {
            items
                .get(i)
                .and_then(|it| it.webkit_get_as_entry().ok().flatten())
        })
        .collect();
    if entries.iter().any(|e| e.is_directory()) {
        entries
    } else {
        Vec::new()
    }
}

/// A long run name cut in its middle: a map run's children differ at their ends.
fn short_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 20 {
        return name.to_string();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 9..].iter().collect();
    format!("{head}…{tail}")
}

fn ms(v: Option<i64>) -> String {
    v.map_or("–".to_string(), pipeline::format_duration)
}

/// The panel under the graph while two runs are compared.
#[component]
pub fn ComparePanel() -> impl IntoView {
    let app = use_app();
    let cmp = app.cmp;
    let width = RwSignal::new(0.0f64);
    let host = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = host.get() {
            super::browser::track_width(&el, width);
        }
    });
    let lanes = Memo::new(move |_| {
        let w = width.get();
        if w <= 0.0 {
            return None;
        }
        let align = cmp.align.get();
        let c = cmp.comparison.get()?;
        app.replayed.with(|a| {
            cmp.b.with(|b| match (a, b) {
                (Some(a), Some(b)) => Some(
                    pipeline::compare_lanes(&a.timeline, &b.timeline, &c, w, align.as_deref()).svg,
                ),
                _ => None,
            })
        })
    });
    let side = move |b: bool| {
        cmp.comparison.with(|c| {
            c.as_ref().map(|c| {
                let r = if b { &c.b } else { &c.a };
                let timed = if b {
                    cmp.b.with(|r| r.as_ref().is_none_or(|r| r.timeline.timed))
                } else {
                    app.replayed
                        .with(|r| r.as_ref().is_none_or(|r| r.timeline.timed))
                };
                if timed {
                    format!(
                        "{} · {}",
                        r.status,
                        pipeline::format_duration(r.duration_ms)
                    )
                } else {
                    format!("{} · order only, no timestamps", r.status)
                }
            })
        })
    };
    let name = move |b: bool| {
        if b {
            cmp.b_text.with(|t| t.as_ref().map(|t| t.0.clone()))
        } else {
            cmp.a_name.get()
        }
        .unwrap_or_else(|| {
            if b {
                "run B".into()
            } else {
                "the run in the editor".into()
            }
        })
    };
    let divergence = move || {
        cmp.comparison.with(|c| {
            c.as_ref().map(|c| {
                if !c.states.iter().any(|s| s.a_visits > 0 && s.b_visits > 0) {
                    return "The two runs share no state: are they runs of one machine?"
                        .to_string();
                }
                match &c.first_divergence {
                    Some(d) => pipeline::divergence_text(d),
                    None => {
                        "The two runs took the same path (in their top-level states).".to_string()
                    }
                }
            })
        })
    };
    let states = move || {
        cmp.comparison.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.states
                        .iter()
                        .filter(|s| s.a_visits > 0 && s.b_visits > 0)
                        .map(|s| s.state.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        let lane = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-lane-state]").ok().flatten())
            .and_then(|e| e.get_attribute("data-lane-state"));
        if let Some(s) = lane {
            app.selected.set(Some(s));
        }
    };
    view! {
        <div class="compare-panel" data-testid="compare-panel">
            <div class="compare-head">
                <span class="cmp-side"><span class="cmp-key cmp-key-a" title="Run A">"A"</span>
                <span class="cmp-run" data-testid="compare-a">{move || name(false)}" · "{move || side(false)}</span></span>
                <span class="cmp-side"><span class="cmp-key cmp-key-b" title="Run B">"B"</span>
                <span class="cmp-run" data-testid="compare-b">{move || name(true)}" · "{move || side(true)}</span></span>
                <span class="cmp-legend" aria-hidden="true">
                    <span class="swatch both"></span>"both"
                    <span class="swatch only-a"></span>"only A"
                    <span class="swatch only-b"></span>"only B"
                </span>
                <label class="cmp-align">"Line up at "
                    <select data-testid="compare-align" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        cmp.align.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=move || cmp.align.with(|a| a.is_none())>"the start"</option>
                        {move || states().into_iter().map(|s| {
                            let sel = s.clone();
                            view! { <option value=s.clone() selected=move || cmp.align.with(|a| a.as_deref() == Some(sel.as_str()))>{s.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button class="toggle" data-testid="compare-swap" title="Make B the run in the editor, and A the one compared with it"
                    on:click=move |_| {
                        let b = cmp.b_text.get_untracked();
                        let a = app.history.value.get_untracked();
                        let a_name = cmp.a_name.get_untracked().unwrap_or_else(|| "run A".into());
                        if let Some((bn, bt)) = b {
                            cmp.a_name.set(Some(bn));
                            app.history.set_now(bt);
                            cmp.b_text.set(Some((a_name, a)));
                        }
                    }>"⇄ Swap"</button>
                <button class="toggle" data-testid="compare-stop" on:click=move |_| cmp.stop_comparing()>"Stop comparing"</button>
            </div>
            <p class="cmp-divergence" data-testid="compare-divergence">{divergence}</p>
            <div class="compare-lanes-host gantt-bars" node_ref=host on:click=on_click inner_html=move || lanes.get().unwrap_or_default()></div>
        </div>
    }
}

/// The inspector's A/B section: each side's input and output, and what changed between them.
#[component]
pub fn CompareInspect(name: String) -> impl IntoView {
    let app = use_app();
    let cmp = app.cmp;
    let data = move || {
        if !cmp.comparing() {
            return None;
        }
        let first = |r: &Replay| {
            r.timeline
                .visits
                .iter()
                .find(|v| v.state == name)
                .map(|v| (v.input_value(), v.output_value(), v.error.clone()))
        };
        let a = app.replayed.with(|r| r.as_ref().and_then(first));
        let b = cmp.b.with(|r| r.as_ref().and_then(first));
        Some((a, b))
    };
    let block = |label: &'static str, v: Option<serde_json::Value>| {
        v.map(|v| {
            view! {
                <div class="json-block"><div class="json-head"><span>{label}</span></div>
                <pre>{serde_json::to_string_pretty(&v).unwrap_or_default()}</pre></div>
            }
        })
    };
    let changes = |label: &'static str,
                   a: &Option<serde_json::Value>,
                   b: &Option<serde_json::Value>| {
        let (Some(a), Some(b)) = (a, b) else {
            return None;
        };
        let (list, cut) = pipeline::json_diff(a, b);
        let text = |v: &Option<serde_json::Value>| {
            v.as_ref().map_or("(none)".to_string(), |v| v.to_string())
        };
        Some(view! {
            <div class="json-diff" data-testid="compare-diff">
                <div class="json-head"><span>{format!("{label}: {}", match list.len() { 0 => "the same in A and B".to_string(), 1 => "1 difference".to_string(), n => format!("{n} differences{}", if cut { " (the first shown)" } else { "" }) })}</span></div>
                <ul>
                    {list.into_iter().map(|c| view! {
                        <li><code class="diff-path">{c.path.clone()}</code>
                            <span class="diff-a">{text(&c.a)}</span>" → "<span class="diff-b">{text(&c.b)}</span></li>
                    }).collect_view()}
                </ul>
            </div>
        })
    };
    move || {
        data().map(|(a, b)| {
            let (ai, ao, ae) = a.clone().unwrap_or((None, None, None));
            let (bi, bo, be) = b.clone().unwrap_or((None, None, None));
            view! {
                <section class="compare-inspect" data-testid="compare-inspect">
                    <h3>"A and B (first visit of each)"</h3>
                    {(a.is_none() || b.is_none()).then(|| view! {
                        <p class="muted">{match (a.is_some(), b.is_some()) { (true, false) => "Only A ran this state.", (false, true) => "Only B ran this state.", _ => "Neither run reached this state." }}</p>
                    })}
                    {changes("Input", &ai, &bi)}
                    {changes("Output", &ao, &bo)}
                    {(ae != be).then(|| view! { <p class="diff-error">{format!("Error: A {} · B {}", ae.clone().unwrap_or_else(|| "none".into()), be.clone().unwrap_or_else(|| "none".into()))}</p> })}
                    <div class="ab-grid">
                        <div><div class="ab-title">"A"</div>{block("Input", ai.clone())}{block("Output", ao.clone())}</div>
                        <div><div class="ab-title">"B"</div>{block("Input", bi.clone())}{block("Output", bo.clone())}</div>
                    </div>
                </section>
            }
        })
    }
}

/// The panel under the graph while many runs are shown.
#[component]
pub fn RunsPanel() -> impl IntoView {
    let app = use_app();
    let cmp = app.cmp;
    let with_view = move |f: &dyn Fn(&RunsView) -> AnyView| cmp.runs.with(|r| r.as_ref().map(f));
    let status = move || {
        with_view(&|v| {
            let total = v.rows.len();
            view! {
                <div class="runs-summary" data-testid="runs-status">
                    <strong>{format!("{total} run{}", if total == 1 { "" } else { "s" })}</strong>
                    {v.status.iter().map(|(s, n)| view! {
                        <span class=format!("runs-chip {}", s.to_ascii_lowercase()) data-status=s.clone()>{format!("{n} {s}")}</span>
                    }).collect_view()}
                    <span class="muted">{format!("p50 {} · p95 {} · max {}", ms(v.duration_ms.p50), ms(v.duration_ms.p95), ms(v.duration_ms.max))}</span>
                    {v.map_run.as_ref().map(|m| view! {
                        <span class="muted" data-testid="runs-map-run" title=m.arn.clone().unwrap_or_default()>
                            {format!("Map run · {} result file{}{}", m.result_files, if m.result_files == 1 { "" } else { "s" },
                                if m.missing.is_empty() { String::new() } else { format!(" · not dropped: {}", m.missing.iter().map(|k| k.rsplit('/').next().unwrap_or(k)).collect::<Vec<_>>().join(", ")) })}
                        </span>
                    })}
                </div>
            }
            .into_any()
        })
    };
    let errors = move || {
        with_view(&|v| {
            (!v.errors.is_empty())
                .then(|| view! {
                    <div class="runs-errors" data-testid="runs-errors">
                        <h3>"Failures"</h3>
                        <ul>{v.errors.iter().take(8).map(|e| {
                            let f = RunsFilter::Error(e.error.clone(), e.cause.clone());
                            let on = f.clone();
                            view! {
                                <li><button class="link err-group" title="List these runs" aria-pressed=move || (cmp.filter.get() == on).to_string()
                                    on:click=move |_| { cmp.filter.set(f.clone()); cmp.shown.set(PAGE); }>
                                    <span class="err-name">{e.error.clone()}</span>{e.cause.as_ref().map(|c| format!(": {c}"))}<span class="err-count">{format!(" ×{}", e.count)}</span>
                                </button></li>
                            }
                        }).collect_view()}</ul>
                    </div>
                })
                .into_any()
        })
    };
    // Every run, slowest first, filtered by status, failure group, or whether it opens.
    let slowest = move || {
        let filter = cmp.filter.get();
        let shown = cmp.shown.get();
        with_view(&|v| {
            let median = v
                .median
                .and_then(|i| v.rows.get(i))
                .and_then(|r| r.history_file.clone());
            let mut order: Vec<usize> = (0..v.rows.len())
                .filter(|&i| filter.keeps(&v.rows[i]))
                .collect();
            order.sort_by_key(|&i| {
                (
                    v.rows[i].duration_ms.is_none(),
                    std::cmp::Reverse(v.rows[i].duration_ms),
                )
            });
            let total = order.len();
            let openable = v.rows.iter().filter(|r| r.history_file.is_some()).count();
            let error_label = match &filter {
                RunsFilter::Error(e, c) => Some(format!(
                    "{e}{}",
                    c.as_ref().map(|c| format!(": {c}")).unwrap_or_default()
                )),
                _ => None,
            };
            view! {
                <div class="runs-slowest" data-testid="runs-slowest">
                    <div class="runs-list-head">
                        <h3>"Runs, slowest first"</h3>
                        <select data-testid="runs-filter" aria-label="Which runs" prop:value=filter.value()
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                cmp.shown.set(PAGE);
                                cmp.filter.set(match v.as_str() {
                                    "" => RunsFilter::All,
                                    "openable" => RunsFilter::Openable,
                                    "error" => cmp.filter.get_untracked(),
                                    s => RunsFilter::Status(s.trim_start_matches("status:").to_string()),
                                });
                            }>
                            <option value="">{format!("all ({})", v.rows.len())}</option>
                            {v.status.iter().map(|(s, n)| view! { <option value=format!("status:{s}")>{format!("{s} ({n})")}</option> }).collect_view()}
                            <option value="openable">{format!("with a history ({openable})")}</option>
                            {error_label.map(|l| view! { <option value="error">{l}</option> })}
                        </select>
                    </div>
                    <table>
                        <tbody>
                            {order.iter().take(shown).map(|&i| {
                                let r = v.rows[i].clone();
                                let file = r.history_file.clone();
                                let (f1, f2) = (file.clone(), file.clone());
                                let m = median.clone();
                                let is_median = m.is_some() && m == file;
                                let icon = match r.status.as_str() {
                                    "SUCCEEDED" => "✓",
                                    "FAILED" => "✗",
                                    "TIMED_OUT" => "⏱",
                                    "ABORTED" => "■",
                                    _ => "●",
                                };
                                view! {
                                    <tr class=format!("run-row {}", r.status.to_ascii_lowercase()) data-testid="runs-row" data-status=r.status.clone()>
                                        <td class="run-name" title=format!("{} · {}", r.name, r.status)><span class="run-icon" aria-label=r.status.clone()>{icon}</span>
                                            <button class="link" title="Details" on:click=move |_| cmp.pick.set(Some(i))>{short_name(&r.name)}</button></td>
                                        <td class="num">{ms(r.duration_ms)}</td>
                                        <td class="run-actions">
                                            <button class="toggle" data-testid="runs-open" disabled=f1.is_none() title=if f1.is_some() { "Open this run" } else { "No history was dropped for this run" }
                                                on:click=move |_| if let Some(f) = f1.clone() { cmp.runs_open.set(false); open_file(app, &f, None) }>"Open"</button>
                                            <button class="toggle" data-testid="runs-compare" disabled=f2.is_none() || m.is_none() || is_median title="Compare with the median run (A: the median, B: this run)"
                                                on:click=move |_| if let (Some(f), Some(m)) = (f2.clone(), m.clone()) { cmp.runs_open.set(false); open_file(app, &m, Some(f)) }>"vs median"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(total > shown).then(|| view! {
                        <button class="toggle more" data-testid="runs-more" on:click=move |_| cmp.shown.update(|n| *n += PAGE)>
                            {format!("Show {} more of {}", PAGE.min(total - shown), total - shown)}
                        </button>
                    })}
                </div>
            }
            .into_any()
        })
    };
    // Runs whose states the definition shown lacks: drawing the graph from a run is the user's
    // choice (it empties the definition editor).
    let foreign = move || {
        let missing = cmp.runs.with(|v| {
            app.analysis.with(|a| {
                let v = v.as_ref()?;
                let m = a.machine.as_ref()?;
                let n = v
                    .stats
                    .states
                    .iter()
                    .filter(|s| m.find(&s.state).is_none())
                    .count();
                (n > 0).then_some(n)
            })
        })?;
        Some(view! {
            <div class="notice runs-foreign" role="status" data-testid="runs-foreign">
                <span>{format!("{missing} of the runs' states are not in the definition shown (a Distributed Map's children run its item processor).")}</span>
                <button class="toggle" data-testid="runs-draw-from-runs" title="Empty the definition editor: the graph is then drawn from the run shown"
                    on:click=move |_| app.definition.set_now(String::new())>"Draw the graph from the runs"</button>
            </div>
        })
    };
    let detail = move || {
        let i = cmp.pick.get()?;
        cmp.runs.with(|v| {
            let r = v.as_ref()?.rows.get(i)?.clone();
            Some(view! {
                <div class="runs-detail" data-testid="runs-detail">
                    <div class="json-head"><strong>{r.name.clone()}</strong><button class="close" aria-label="Close" on:click=move |_| cmp.pick.set(None)>"×"</button></div>
                    <dl class="facts">
                        <dt>"Status"</dt><dd>{r.status.clone()}</dd>
                        <dt>"Duration"</dt><dd>{ms(r.duration_ms)}</dd>
                        <dt>"Started"</dt><dd>{r.start_ms.map(pipeline::format_iso).unwrap_or_else(|| "–".into())}</dd>
                        <dt>"From"</dt><dd>{r.file.clone()}</dd>
                        {r.error.clone().map(|e| view! { <dt>"Error"</dt><dd>{e}</dd> })}
                        {r.cause.clone().map(|c| view! { <dt>"Cause"</dt><dd>{c}</dd> })}
                    </dl>
                    {r.input.clone().map(|t| view! { <div class="json-block"><div class="json-head"><span>"Input"</span></div><pre>{t}</pre></div> })}
                    {r.output.clone().map(|t| view! { <div class="json-block"><div class="json-head"><span>"Output"</span></div><pre>{t}</pre></div> })}
                </div>
            })
        })
    };
    let states = move || {
        with_view(&|v| {
            let rows: Vec<_> = v.stats.states.clone();
            view! {
                <div class="runs-states" data-testid="runs-states">
                    <h3>{format!("States, over {} histor{}", v.stats.runs, if v.stats.runs == 1 { "y" } else { "ies" })}</h3>
                    <table>
                        <thead><tr><th>"State"</th><th class="num">"Runs"</th><th class="num">"Visits"</th><th class="num">"p50"</th><th class="num">"p95"</th><th class="num">"Max"</th><th>"Failures"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|s| {
                                let name = s.state.clone();
                                let errs = s.errors.iter().take(2).map(|e| format!("{}{} ×{}", e.error, e.cause.as_ref().map(|c| format!(": {c}")).unwrap_or_default(), e.count)).collect::<Vec<_>>().join("; ");
                                view! {
                                    <tr data-state=s.state.clone() on:click=move |_| app.selected.set(Some(name.clone()))>
                                        <td class="state-name">{s.state.clone()}</td>
                                        <td class="num">{s.runs}</td>
                                        <td class="num">{s.visits}</td>
                                        <td class="num">{ms(s.p50_ms)}</td>
                                        <td class="num">{ms(s.p95_ms)}</td>
                                        <td class="num">{ms(s.max_ms)}</td>
                                        <td class="errs">{errs}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };
    let problems = move || {
        with_view(&|v| {
            (!v.problems.is_empty())
                .then(|| view! {
                    <details class="runs-problems" data-testid="runs-problems">
                        <summary>{format!("{} file{} not read", v.problems.len(), if v.problems.len() == 1 { "" } else { "s" })}</summary>
                        <ul>{v.problems.iter().take(50).map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                    </details>
                })
                .into_any()
        })
    };
    view! {
        <div class="runs-panel" data-testid="runs-view">
            <div class="runs-head">
                {status}
                <button class="toggle" data-testid="runs-close" title="Back to the run shown" on:click=move |_| cmp.runs_open.set(false)>"Close"</button>
            </div>
            <div class="runs-body">
                <div class="runs-col">{foreign}{states}</div>
                <div class="runs-col side">{errors}{slowest}{detail}{problems}</div>
            </div>
        </div>
    }
}

/// The bar while runs are being read, or why they could not be.
#[component]
pub fn RunsProgress() -> impl IntoView {
    let cmp = use_app().cmp;
    view! {
        {move || cmp.progress.get().map(|(done, total)| {
            let pct = if total == 0 { 0.0 } else { done as f64 * 100.0 / total as f64 };
            view! {
                <div class="progress runs-progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string() aria-valuenow=done.to_string()
                    data-testid="runs-progress" aria-label="Reading the runs">
                    <span class="bar-fill" style=format!("width:{pct:.1}%")></span>
                    <span>{format!("Reading runs in the background: {done} of {total} files")}</span>
                </div>
            }
        })}
        {move || cmp.runs_problem.get().map(|p| view! { <div class="notice" role="alert" data-testid="runs-problem">{p}<button on:click=move |_| cmp.runs_problem.set(None)>"×"</button></div> })}
        {move || cmp.b_problem.get().map(|p| view! { <div class="notice" role="alert" data-testid="compare-problem">{p}<button on:click=move |_| cmp.b_problem.set(None)>"×"</button></div> })}
    }
}
