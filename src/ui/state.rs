//! The app's state in one place: every signal the shell's parts share, made once in
//! `AppState::new` and provided as a context (`use_app`). Derived values are memos here too, so
//! each part reads the same one. What the state means for the domain is decided in the core
//! (`crate::view`); what runs in the background is in `jobs`.

use leptos::prelude::*;
use std::time::Duration;

use super::compare::CompareState;
use super::simulate::SimState;
use super::{browser, embed_api, overlay, share_dialog, storage};
use crate::pipeline;
use crate::pipeline::{Direction, LayoutOptions};
use crate::pipeline::{LineIndex, SourceText};
use crate::pipeline::{OverlayIndex, SnapshotIndex};
use crate::pipeline::{Shared, ViewMode};

/// How long typing must pause before the graph redraws.
const DEBOUNCE: Duration = Duration::from_millis(180);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

/// What the page opens with, the same for the first view (`first_view`) and the app: a share
/// link's view (exactly: its data, time, selection, mode and theme), else the work saved in this
/// browser, else the demo.
pub struct Opening {
    pub link: Shared,
    /// Why the link could not be opened.
    pub link_error: Option<String>,
    pub embed: bool,
    /// Framed by a page without `embed=1`.
    pub framed: bool,
    /// The texts come from the link (an embed without data waits for its host's instead).
    pub from_link: bool,
    pub saved: Option<storage::Work>,
    /// A saved record this version can't read (a newer Stepscope's, or damaged): kept as it is.
    pub unreadable: bool,
    pub definition: String,
    /// Empty for the demo, whose run only the app reads (see [`Opening::history`]).
    history: String,
    demo: bool,
}

impl Opening {
    /// The history the page opens with.
    pub fn history(&self) -> String {
        if self.demo {
            crate::pipeline::DEMO_HISTORY.to_string()
        } else {
            self.history.clone()
        }
    }
}

pub fn opening() -> Opening {
    let (link, link_error) = match web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .filter(|h| h.len() > 1)
        .map(|h| crate::pipeline::decode_fragment(&h))
    {
        Some(Ok(s)) => (s, None),
        Some(Err(e)) => (Shared::default(), Some(e)),
        None => (Shared::default(), None),
    };
    let embed = link.embed;
    // Framed by a page without `embed=1` (it may be another origin on the same site): the
    // user's saved work stays out of its reach.
    let framed = !embed && embed_api::framed();
    let from_link = link.definition.is_some() || link.history.is_some() || embed;
    let saved = if from_link || framed {
        None
    } else {
        storage::load_work()
    };
    let unreadable = !from_link && !framed && saved.is_none() && storage::has_unreadable_work();
    let (definition, history) = if from_link {
        (
            link.definition.clone().map(readable).unwrap_or_default(),
            link.history.clone().unwrap_or_default(),
        )
    } else {
        match &saved {
            Some(w) => (w.definition.clone(), w.history.clone()),
            None => (crate::pipeline::DEMO_DEFINITION.to_string(), String::new()),
        }
    };
    let demo = !from_link && saved.is_none();
    Opening {
        link,
        link_error,
        embed,
        framed,
        from_link,
        saved,
        unreadable,
        definition,
        history,
        demo,
    }
}

/// A definition analysed in the worker: what it analysed, and what it found.
pub struct Analysed {
    pub definition: String,
    pub pick: Option<String>,
    pub analysis: pipeline::Analysis,
}

/// What is known of a definition not yet analysed: nothing.
fn unknown() -> pipeline::Analysis {
    pipeline::Analysis {
        form: pipeline::Form::Unknown,
        machines: Vec::new(),
        selected: 0,
        machine: None,
        diagnostics: Vec::new(),
    }
}

/// The theme a link names, else the one chosen in this browser.
pub fn opening_theme(link: &Shared) -> Theme {
    Theme::named(
        link.theme
            .clone()
            .or_else(|| storage::load("theme"))
            .as_deref(),
    )
}

/// The machine's title: `given` (a link's), a template's machine name, the demo's, its Comment.
pub fn title_for(definition: &str, given: Option<String>, a: &pipeline::Analysis) -> String {
    if let Some(t) = given {
        return t;
    }
    let name = a
        .machines
        .get(a.selected)
        .filter(|n| !n.is_empty())
        .cloned();
    name.or_else(|| {
        crate::pipeline::is_demo(definition).then(|| crate::pipeline::DEMO_NAME.to_string())
    })
    .or_else(|| {
        a.machine
            .as_ref()
            .and_then(|m| m.comment.clone())
            .map(|c| crate::pipeline::ellipsize(&c, 40))
    })
    .unwrap_or_else(|| "state machine".into())
}

impl Theme {
    /// The theme a link or the stored choice names.
    fn named(name: Option<&str>) -> Self {
        match name {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The name links and storage keep; none for the system's.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
            Theme::System => None,
        }
    }
}

pub fn apply_theme(t: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let list = root.class_list();
    let _ = list.remove_2("theme-light", "theme-dark");
    match t {
        Theme::Light => {
            let _ = list.add_1("theme-light");
        }
        Theme::Dark => {
            let _ = list.add_1("theme-dark");
        }
        Theme::System => {}
    }
}

/// A text input that follows its editor after a pause in typing.
#[derive(Clone, Copy)]
pub struct Debounced {
    pub draft: RwSignal<String>,
    pub value: RwSignal<String>,
    pending: RwSignal<Option<leptos::leptos_dom::helpers::TimeoutHandle>>,
}

impl Debounced {
    fn new(initial: String) -> Self {
        Debounced {
            draft: RwSignal::new(initial.clone()),
            value: RwSignal::new(initial),
            pending: RwSignal::new(None),
        }
    }
    pub fn type_in(self, text: String) {
        self.draft.set(text);
        if let Some(h) = self.pending.get_untracked() {
            h.clear();
        }
        let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
            move || self.value.set(self.draft.get_untracked()),
            DEBOUNCE,
        )
        .ok();
        self.pending.set(handle);
    }
    pub fn set_now(self, text: String) {
        if let Some(h) = self.pending.get_untracked() {
            h.clear();
        }
        self.draft.set(text.clone());
        self.value.set(text);
    }
}

/// A definition from a link travels minified: the editor shows it indented again.
fn readable(definition: String) -> String {
    // Past a megabyte (the service's limit) a JSON tree costs too much for a nicety.
    if definition.len() > 1024 * 1024 {
        return definition;
    }
    serde_json::from_str::<serde_json::Value>(&definition)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(definition)
}

/// The analysis the graph, the keys and the inspector follow: the definition's, or with an empty
/// definition and a run, the one inferred from the run.
#[derive(Clone, Copy)]
pub struct Shown {
    analysis: Memo<pipeline::Analysis>,
    inferred: Memo<Option<pipeline::Analysis>>,
}

impl Shown {
    pub fn with<T>(self, f: impl FnOnce(&pipeline::Analysis) -> T) -> T {
        self.inferred.with(|i| match i {
            Some(a) => f(a),
            None => self.analysis.with(f),
        })
    }
    pub fn with_untracked<T>(self, f: impl FnOnce(&pipeline::Analysis) -> T) -> T {
        self.inferred.with_untracked(|i| match i {
            Some(a) => f(a),
            None => self.analysis.with_untracked(f),
        })
    }
}

/// Every signal the shell shares. Copy: each part takes what it needs.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The view is embedded (`embed=1`): read-only, and it never writes the user's saved work.
    pub embed: bool,
    /// In a frame without `embed=1`: saved work is neither read nor written, no message is
    /// heard, and "Open in Stepscope" continues in a tab of its own.
    pub framed: bool,
    /// Edits are saved. Off while a link is open as a view of its own, until it is edited or kept.
    pub persist: RwSignal<bool>,
    /// A link's view is open over the saved work (`restore-work` goes back to it).
    pub link_view: RwSignal<bool>,
    /// What the link opened with: the view starts saving once the texts differ from it.
    pub link_texts: StoredValue<Option<(String, String)>>,
    /// This tab's name in the records it saves, and a digest of what it last saved or loaded.
    pub tab: StoredValue<String>,
    pub last_saved: StoredValue<Option<u64>>,
    /// Another tab saved different work; this tab stops saving until the user picks.
    pub other_tab: RwSignal<bool>,
    /// Why the latest edits are not (all) saved, when they aren't.
    pub save_note: RwSignal<Option<String>>,
    /// What reading the history found: why it could not be read, clamped clocks, gaps.
    pub history_problems: RwSignal<Vec<crate::pipeline::Diagnostic>>,
    pub definition: Debounced,
    pub history: Debounced,
    /// The machine picked in a file that holds several.
    pub machine_pick: RwSignal<Option<String>>,
    pub selected: RwSignal<Option<String>>,
    /// The title a link or replay file gave its machine, with the definition it belongs to: it
    /// holds until the definition is edited.
    pub shared_title: RwSignal<Option<(String, String)>>,
    pub direction: RwSignal<Direction>,
    pub notice: RwSignal<Option<String>>,
    pub view: RwSignal<ViewMode>,
    pub theme: RwSignal<Theme>,
    /// The time a link asks for, applied once its run has loaded.
    pub pending_t: StoredValue<Option<i64>>,
    pub editor: NodeRef<leptos::html::Textarea>,
    pub analysis: Memo<pipeline::Analysis>,
    /// A big definition's analysis, from the worker (see `analysis`).
    pub analysed: RwSignal<Option<Analysed>>,
    /// A big definition is with the worker, not yet analysed: `analysis` is the last one until it
    /// answers, and a run waits for it rather than be rebuilt twice.
    pub reading: Memo<bool>,
    /// The definition inferred from the run when the definition is empty.
    pub inferred: Memo<Option<pipeline::Analysis>>,
    pub shown: Shown,
    /// The rebuilt run: made here for small histories, in the worker for big ones (see jobs).
    pub replayed: RwSignal<Option<pipeline::Replay>>,
    pub has_run: Memo<bool>,
    /// What the worker is doing for the history, and for the drawing.
    pub busy: RwSignal<Option<String>>,
    pub drawing: RwSignal<Option<String>>,
    /// The last good drawing: it stays up while the text is broken.
    pub last_svg: RwSignal<String>,
    /// Bumped by the graph pane each time a drawing is wholly in the page.
    pub drawn: RwSignal<u64>,
    /// The run's states that the definition lacks, and whether the user said to keep the run.
    pub missing: Memo<Vec<String>>,
    pub mismatch_kept: RwSignal<bool>,
    /// The time cursor.
    pub t: RwSignal<i64>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<f64>,
    pub mode: RwSignal<overlay::Mode>,
    pub snapshot_index: Memo<Option<SnapshotIndex>>,
    pub overlay_index: Memo<Option<OverlayIndex>>,
    /// The run's event times, sorted.
    pub event_times: Memo<Vec<i64>>,
    pub duration: Signal<i64>,
    /// False when the history's timestamps are placeholders.
    pub timed: Signal<bool>,
    pub start_ms: Signal<Option<i64>>,
    /// The state a drawing too big to read whole opens on: the link's selection, the first
    /// failure of a failed run, or the start state.
    pub focus: Memo<Option<String>>,
    /// The graph's text alternative: (state, description) per state.
    pub graph_text: RwSignal<Vec<(String, String)>>,
    /// Which dialog is open: "share" or "embed".
    pub dialog: RwSignal<Option<&'static str>>,
    pub show_help: RwSignal<bool>,
    pub dragging: RwSignal<bool>,
    pub editors_open: RwSignal<bool>,
    /// The editors' width in percent of the window.
    pub editors_width: RwSignal<f64>,
    pub events_open: RwSignal<bool>,
    /// The Simulate panel, and whether the run shown is its.
    pub sim: SimState,
    /// Runs side by side: a second run to compare with, or many runs at once.
    pub cmp: CompareState,
}

/// The app's state, from the context `App` provides.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// The window's inner width in CSS pixels.
pub fn window_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(1280.0)
}

impl AppState {
    /// The state for this page: a share link's view when the URL has one, else the saved work,
    /// else the demo. Returns the history to load a task after the first drawing.
    pub fn new() -> (Self, String) {
        let open = opening();
        let saved_history = open.history();
        let Opening {
            link,
            link_error,
            embed,
            framed,
            from_link,
            saved,
            unreadable,
            definition: first_definition,
            ..
        } = open;
        let save_note = RwSignal::new(if unreadable {
            Some("The work saved in this browser was written by a newer Stepscope (or is damaged): it is kept as it is, and this tab saves nothing.".to_string())
        } else {
            saved.as_ref().filter(|w| w.run_dropped).map(|_| {
                "The last run was too big to keep in this browser's storage: the definition was saved alone. Load the run again to see it.".to_string()
            })
        });
        let link_texts = StoredValue::new(
            (from_link && !embed).then(|| (first_definition.clone(), saved_history.clone())),
        );
        let last_saved = StoredValue::new(
            saved
                .as_ref()
                .map(|w| storage::digest(&w.definition, &w.history)),
        );
        let definition = Debounced::new(first_definition);
        // The history arrives a task after the first drawing: the graph shows first, the run a
        // moment later (the editor has it at once).
        let history = Debounced::new(String::new());
        history.draft.set(saved_history.clone());
        let selected = RwSignal::new(link.sel.clone());
        let shared_title = RwSignal::new(
            link.title
                .clone()
                .map(|t| (definition.value.get_untracked(), t)),
        );
        let machine_pick = RwSignal::new(None::<String>);
        let notice = RwSignal::new(link_error.map(|e| {
            format!("This link could not be opened: {e}. Showing your last work instead.")
        }));
        let theme = RwSignal::new(opening_theme(&link));
        let analysed = RwSignal::new(None::<Analysed>);
        // A big definition the worker has not yet answered for (see `analysis`).
        let reading = Memo::new(move |_| {
            let pick = machine_pick.get();
            definition.value.with(|text| {
                text.len() > super::editors::BIG
                    && !analysed.with(|w| {
                        w.as_ref()
                            .is_some_and(|w| w.definition == *text && w.pick == pick)
                    })
            })
        });
        let analysis = Memo::new(move |last: Option<&pipeline::Analysis>| {
            let pick = machine_pick.get();
            definition.value.with(|text| {
                // A big definition is analysed in the worker, with its drawing (`jobs`). While it
                // reads an edit, the last analysis stands (its problems, states, inspector and
                // export), as the last drawing does; before its first answer, nothing is known.
                if text.len() > super::editors::BIG {
                    if reading.get() {
                        return last.cloned().unwrap_or_else(unknown);
                    }
                    return analysed
                        .with(|w| w.as_ref().map_or_else(unknown, |w| w.analysis.clone()));
                }
                pipeline::analyze_machine(
                    &SourceText::new("definition", text.clone()),
                    pick.as_deref(),
                )
            })
        });
        let replayed = RwSignal::new(None::<pipeline::Replay>);
        // What the graph shows: the definition, or with none, the states and transitions the run
        // took.
        let inferred = Memo::new(move |_| {
            if !definition.value.with(|d| d.trim().is_empty()) {
                return None;
            }
            replayed.with(|r| r.as_ref().map(|r| crate::pipeline::inferred(&r.timeline)))
        });
        let shown = Shown { analysis, inferred };
        let has_run = Memo::new(move |_| replayed.with(|r| r.is_some()));
        // One machine, one run: a run whose states the definition lacks is named as such.
        let missing = Memo::new(move |_| {
            analysis.with(|a| {
                replayed.with(|r| match (a.machine.as_ref(), r) {
                    (Some(m), Some(r)) => crate::pipeline::missing_states(m, &r.timeline),
                    _ => Vec::new(),
                })
            })
        });
        let snapshot_index = Memo::new(move |_| {
            replayed.with(|r| r.as_ref().map(|r| SnapshotIndex::new(&r.timeline)))
        });
        let overlay_index = Memo::new(move |_| {
            replayed.with(|r| r.as_ref().map(|r| OverlayIndex::new(&r.timeline)))
        });
        let event_times = Memo::new(move |_| {
            replayed.with(|r| {
                let mut ts: Vec<i64> = r
                    .as_ref()
                    .map(|r| r.timeline.events.iter().map(|e| e.at_ms).collect())
                    .unwrap_or_default();
                ts.sort_unstable();
                ts
            })
        });
        let duration = Signal::derive(move || {
            replayed.with(|r| r.as_ref().map_or(0, |r| r.timeline.duration_ms))
        });
        let timed =
            Signal::derive(move || replayed.with(|r| r.as_ref().is_none_or(|r| r.timeline.timed)));
        let start_ms = Signal::derive(move || {
            replayed.with(|r| {
                r.as_ref()
                    .and_then(|r| r.timeline.start_epoch_ms.filter(|_| r.timeline.timed))
            })
        });
        let focus = Memo::new(move |_| {
            selected
                .get_untracked()
                .or_else(|| {
                    replayed.with(|r| {
                        r.as_ref()
                            .filter(|r| {
                                r.timeline.status != crate::pipeline::ExecutionStatus::Succeeded
                            })
                            .and_then(|r| crate::pipeline::first_failure(&r.timeline))
                            .map(|f| f.0)
                    })
                })
                .or_else(|| {
                    shown.with(|a| {
                        a.machine
                            .as_ref()
                            .and_then(|m| crate::pipeline::neighbour(m, None, true))
                    })
                })
        });
        let app = AppState {
            embed,
            framed,
            persist: RwSignal::new(!from_link && !framed && !unreadable),
            link_view: RwSignal::new(from_link && !embed && !framed),
            link_texts,
            tab: StoredValue::new(storage::tab_id()),
            last_saved,
            other_tab: RwSignal::new(false),
            save_note,
            history_problems: RwSignal::new(Vec::new()),
            definition,
            history,
            machine_pick,
            selected,
            shared_title,
            direction: RwSignal::new(Direction::TopToBottom),
            notice,
            view: RwSignal::new(link.view.unwrap_or(ViewMode::Split)),
            theme,
            pending_t: StoredValue::new(link.t),
            editor: NodeRef::new(),
            analysis,
            analysed,
            reading,
            inferred,
            shown,
            replayed,
            has_run,
            busy: RwSignal::new(None),
            drawing: RwSignal::new(None),
            last_svg: RwSignal::new(String::new()),
            drawn: RwSignal::new(0),
            missing,
            mismatch_kept: RwSignal::new(false),
            t: RwSignal::new(0),
            playing: RwSignal::new(false),
            speed: RwSignal::new(1.0),
            mode: RwSignal::new(overlay::Mode::from_link(link.mode.as_deref())),
            snapshot_index,
            overlay_index,
            event_times,
            duration,
            timed,
            start_ms,
            focus,
            graph_text: RwSignal::new(Vec::new()),
            dialog: RwSignal::new(None),
            show_help: RwSignal::new(false),
            dragging: RwSignal::new(false),
            editors_open: RwSignal::new(true),
            editors_width: RwSignal::new(26.0),
            // The event list folds to give the chart its width; on a laptop it starts folded.
            events_open: RwSignal::new(window_width() >= 1600.0),
            sim: SimState::new(),
            cmp: CompareState::new(replayed),
        };
        // A simulation's link carries what made the run, not its history: it runs again on open.
        if let Some(case) = link.sim.clone() {
            app.sim.fill(case);
            app.sim.run_on_open.set_value(true);
        }
        (app, saved_history)
    }

    /// An empty definition is not a mistake: the history alone still draws.
    pub fn empty_definition(self) -> bool {
        self.definition.value.with(|d| d.trim().is_empty())
    }

    /// The machine's title: a link's, a template's machine name, the demo's, its Comment.
    pub fn title(self) -> String {
        let AppState {
            definition,
            shared_title,
            analysis,
            ..
        } = self;
        if self.empty_definition() {
            return "inferred from the history".to_string();
        }
        let given = shared_title.with(|st| {
            st.as_ref()
                .filter(|(d, _)| definition.value.with(|v| v == d))
                .map(|(_, t)| t.clone())
        });
        definition
            .value
            .with(|d| analysis.with(|a| title_for(d, given, a)))
    }

    /// Everything a link to this view carries.
    pub fn shared(self) -> Shared {
        let AppState {
            definition,
            history,
            replayed,
            t,
            selected,
            view,
            theme,
            mode,
            ..
        } = self;
        Shared {
            definition: Some(definition.value.get()).filter(|d| !d.trim().is_empty()),
            history: Some(history.value.get()).filter(|h| !h.trim().is_empty()),
            t: replayed.with(|r| r.is_some()).then(|| t.get()),
            sel: selected.get(),
            view: Some(view.get()).filter(|v| *v != ViewMode::Split),
            theme: theme.get().name().map(String::from),
            embed: false,
            mode: mode.get().link_name().map(String::from),
            title: Some(self.title()).filter(|t| t != "state machine"),
            sim: super::simulate::simulated(self, self.sim).then(|| self.sim.case()),
        }
    }

    /// The export: the graph with the run at t, its source inside (see pipeline::export_svg).
    pub fn export_text(self) -> Option<String> {
        let AppState {
            direction,
            t,
            analysis,
            replayed,
            theme,
            ..
        } = self;
        let opts = LayoutOptions {
            direction: direction.get_untracked(),
        };
        let shared = untrack(|| self.shared());
        let source = crate::pipeline::encode_fragment(
            &shared,
            crate::pipeline::Redaction {
                payloads: true,
                accounts: false,
            },
        );
        let now = t.get_untracked();
        let svg = analysis.with_untracked(|a| {
            let rendered = browser::rendered(a, &opts)?;
            replayed.with_untracked(|r| {
                Some(pipeline::export_svg(
                    &rendered,
                    a,
                    r.as_ref().map(|r| (&r.timeline, now)),
                    &source,
                    // The theme chosen here, not the viewer's.
                    match theme.get_untracked() {
                        Theme::Dark => Some("theme-dark"),
                        Theme::Light => Some("theme-light"),
                        Theme::System => None,
                    },
                ))
            })
        })?;
        Some(svg)
    }

    /// A file name from the title.
    fn file_stem(self) -> String {
        let name = untrack(|| self.title());
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if clean.trim_matches('-').is_empty() {
            "stepscope".to_string()
        } else {
            clean
        }
    }

    pub fn export_svg(self) {
        if let Some(svg) = self.export_text() {
            share_dialog::download(&format!("{}.svg", self.file_stem()), "image/svg+xml", &svg);
        }
    }

    pub fn export_png(self) {
        if let Some(svg) = self.export_text() {
            share_dialog::download_png(format!("{}.png", self.file_stem()), svg);
        }
    }

    /// Opens a replay file or an exported SVG: its data, time, selection and title.
    pub fn open_shared(self, s: Shared) {
        self.cmp.leave();
        self.machine_pick.set(None);
        self.pending_t.set_value(s.t);
        self.selected.set(s.sel.clone());
        let text = s.definition.map(readable).unwrap_or_default();
        self.shared_title.set(s.title.map(|t| (text.clone(), t)));
        self.definition.set_now(text);
        let history = s.history.unwrap_or_default();
        match s.sim {
            Some(case) => {
                self.sim.fill(case);
                if history.trim().is_empty() {
                    // A link's simulation: made again, with its seed.
                    self.history.set_now(String::new());
                    super::simulate::run(self, self.sim);
                } else {
                    // A replay file holds the run it made too.
                    self.sim.produced.set(Some(history.clone()));
                    self.history.set_now(history);
                }
            }
            None => self.history.set_now(history),
        }
    }

    /// Loads a definition and a history as one: a host's `load`, an example.
    pub fn load(self, definition: String, history: String) {
        self.cmp.leave();
        self.machine_pick.set(None);
        self.selected.set(None);
        self.definition.set_now(definition);
        self.history.set_now(history);
    }

    /// Saves the definition and its run as one record, and says so when they can't be kept.
    pub fn save_now(self) {
        // Another tab's save waits for the user's pick: nothing is written over it meanwhile.
        if self.embed
            || self.framed
            || !self.persist.get_untracked()
            || self.other_tab.get_untracked()
        {
            return;
        }
        let (d, h) = (
            self.definition.value.get_untracked(),
            self.history.value.get_untracked(),
        );
        let digest = storage::digest(&d, &h);
        if self.last_saved.get_value() == Some(digest) {
            return;
        }
        let tab = self.tab.get_value();
        let note = match storage::save_work(&d, &h, &tab) {
            storage::Saved::Both | storage::Saved::NoStorage => None,
            storage::Saved::DefinitionOnly => Some(format!(
                "This run ({}) is too big for this browser's storage: the definition is saved alone, and after a reload the run must be loaded again.",
                crate::pipeline::size_text(h.len())
            )),
            storage::Saved::Nothing => {
                self.save_note.set(Some("This browser's storage is full: your latest edits are not saved, and a reload would bring back the version saved before. Share… → Download a replay file keeps them.".to_string()));
                return;
            }
        };
        self.save_note.set(note);
        self.last_saved.set_value(Some(digest));
    }

    /// Opens saved work: the user's own (`restore-work`), or another tab's (`other-tab-reload`).
    fn open_work(self, work: Option<storage::Work>) {
        let (d, h) = work.map_or_else(
            || {
                (
                    crate::pipeline::DEMO_DEFINITION.to_string(),
                    crate::pipeline::DEMO_HISTORY.to_string(),
                )
            },
            |w| (w.definition, w.history),
        );
        self.last_saved.set_value(Some(storage::digest(&d, &h)));
        self.shared_title.set(None);
        self.pending_t.set_value(None);
        self.load(d, h);
    }

    /// Leaves a link's view for the saved work, which was never touched.
    pub fn restore_work(self) {
        self.link_view.set(false);
        self.link_texts.set_value(None);
        self.persist.set(true);
        self.open_work(storage::load_work());
        browser::clear_fragment();
    }

    /// Keeps a link's view as the work: it is saved from now on.
    pub fn keep_link(self) {
        self.link_view.set(false);
        self.link_texts.set_value(None);
        self.persist.set(true);
        self.save_now();
        browser::clear_fragment();
    }

    /// Another tab saved different work: show it here.
    pub fn reload_other_tab(self) {
        self.other_tab.set(false);
        self.open_work(storage::load_work());
    }

    /// Another tab saved different work: this tab's replaces it.
    pub fn keep_mine(self) {
        self.other_tab.set(false);
        self.last_saved.set_value(None);
        self.save_now();
    }

    /// Forgets what was pasted and loads the demo.
    pub fn start_over(self) {
        if !self.embed && !self.framed {
            storage::clear();
        }
        self.theme.set(Theme::System);
        self.load(
            crate::pipeline::DEMO_DEFINITION.to_string(),
            crate::pipeline::DEMO_HISTORY.to_string(),
        );
    }

    /// Selects a state's source in the definition editor.
    pub fn select_source(self, name: &str) {
        let Some(ta) = self.editor.get_untracked() else {
            return;
        };
        let text = self.definition.draft.get_untracked();
        let span = self.analysis.with_untracked(|a| {
            a.machine
                .as_ref()
                .and_then(|m| m.find(name))
                .map(|s| (s.name_span, s.span))
        });
        if let Some((name_span, whole)) = span {
            let start = LineIndex::utf16_offset(&text, whole.start.min(name_span.start));
            let end = LineIndex::utf16_offset(&text, whole.end);
            let _ = ta.focus();
            let _ = ta.set_selection_range(start as u32, end as u32);
            let line = text
                .get(..name_span.start)
                .map_or(0, |s| s.matches('\n').count());
            ta.set_scroll_top((line as i32 - 3).max(0) * 18);
        }
    }

    /// Selects the state around the definition editor's cursor.
    pub fn follow_cursor(self) {
        let Some(ta) = self.editor.get_untracked() else {
            return;
        };
        let text = self.definition.draft.get_untracked();
        let at = LineIndex::byte_of_utf16(
            &text,
            ta.selection_start().ok().flatten().unwrap_or(0) as usize,
        );
        let name = self.analysis.with_untracked(|a| {
            a.machine
                .as_ref()
                .and_then(|m| crate::pipeline::state_at_offset(m, at))
        });
        if name.is_some() {
            self.selected.set(name);
        }
    }
}
