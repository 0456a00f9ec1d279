//! The Leptos shell: wires signals to `pipeline::*` and renders plain data. No domain logic here.

mod browser;
mod embed_api;
mod event_list;
mod graph_view;
mod inspector;
mod overlay;
mod replay_bar;
mod share_dialog;
mod storage;
mod timeline_view;
pub mod worker;

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;

use crate::layout::{Direction, LayoutOptions};
use crate::pipeline;
use crate::replay::SnapshotIndex;
use crate::source::{LineIndex, SourceText};
use event_list::EventList;
use graph_view::GraphView;
use inspector::Inspector;
use replay_bar::ReplayBar;
use share_dialog::ShareDialog;
use timeline_view::TimelineView;

/// How long typing must pause before the graph redraws.
const DEBOUNCE: Duration = Duration::from_millis(180);
/// Inputs larger than this get a message instead of an attempt.
const MAX_INPUT: usize = 50 * 1024 * 1024;
/// Inputs past this size are parsed and laid out in the Web Worker, and their editor shows a
/// read-only preview: a textarea holding megabytes freezes the page for most of a second.
const BIG: usize = 256 * 1024;
/// How much of a big input the preview shows.
const PREVIEW: usize = 48 * 1024;

/// The start of a big text, cut at a line end; None when the whole text fits in the editor.
fn preview(text: &str) -> Option<String> {
    if text.len() <= BIG {
        return None;
    }
    let mut end = PREVIEW.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
    Some(text[..end].to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Theme {
    System,
    Light,
    Dark,
}

fn apply_theme(t: Theme) {
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
struct Debounced {
    draft: RwSignal<String>,
    value: RwSignal<String>,
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
    fn type_in(self, text: String) {
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
    fn set_now(self, text: String) {
        if let Some(h) = self.pending.get_untracked() {
            h.clear();
        }
        self.draft.set(text.clone());
        self.value.set(text);
    }
}

/// A definition from a link travels minified: the editor shows it indented again.
fn readable(definition: String) -> String {
    serde_json::from_str::<serde_json::Value>(&definition)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(definition)
}

/// Reads dropped or opened files and sorts them into definition and history by content.
fn take_files(
    files: web_sys::FileList,
    definition: Debounced,
    history: Debounced,
    notice: RwSignal<Option<String>>,
    on_replay: Callback<crate::share::Shared>,
) {
    let list: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    leptos::task::spawn_local(async move {
        for f in list {
            if f.size() > MAX_INPUT as f64 {
                notice.set(Some(format!(
                    "{} is {:.0} MB; Stepscope reads files up to 50 MB",
                    f.name(),
                    f.size() / 1e6
                )));
                continue;
            }
            let Ok(text) = wasm_bindgen_futures::JsFuture::from(f.text()).await else {
                continue;
            };
            let Some(text) = text.as_string() else {
                continue;
            };
            // A replay file or an exported SVG reopens its whole view.
            match crate::share::open_file(&text) {
                Some(Ok(shared)) => {
                    on_replay.run(shared);
                    continue;
                }
                Some(Err(e)) => {
                    notice.set(Some(format!("{} could not be opened: {e}", f.name())));
                    continue;
                }
                None => {}
            }
            if crate::view::is_history(&text) {
                history.set_now(text);
            } else {
                definition.set_now(text);
            }
        }
    });
}

/// The analysis the graph, the keys and the inspector follow: the definition's, or with an empty
/// definition and a run, the one inferred from the run.
#[derive(Clone, Copy)]
struct Shown {
    analysis: Memo<pipeline::Analysis>,
    inferred: Memo<Option<pipeline::Analysis>>,
}

impl Shown {
    fn with<T>(self, f: impl FnOnce(&pipeline::Analysis) -> T) -> T {
        self.inferred.with(|i| match i {
            Some(a) => f(a),
            None => self.analysis.with(f),
        })
    }
    fn with_untracked<T>(self, f: impl FnOnce(&pipeline::Analysis) -> T) -> T {
        self.inferred.with_untracked(|i| match i {
            Some(a) => f(a),
            None => self.analysis.with_untracked(f),
        })
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // A share link opens exactly its view: its data, time, selection, mode and theme.
    let (link, link_error) = match web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .filter(|h| h.len() > 1)
        .map(|h| crate::share::decode_fragment(&h))
    {
        Some(Ok(s)) => (s, None),
        Some(Err(e)) => (crate::share::Shared::default(), Some(e)),
        None => (crate::share::Shared::default(), None),
    };
    let embed = link.embed;
    // An embed without data waits for its host's `load` message instead of showing the demo.
    let from_link = link.definition.is_some() || link.history.is_some() || embed;
    let definition = Debounced::new(link.definition.clone().map(readable).unwrap_or_else(|| {
        if from_link {
            String::new()
        } else {
            storage::load("definition").unwrap_or_else(|| crate::demo::DEFINITION.to_string())
        }
    }));
    // The history arrives a task after the first drawing: the graph shows first, the run a moment
    // later (the editor has it at once).
    let history = Debounced::new(String::new());
    let saved_history = match (&link.history, from_link) {
        (Some(h), _) => h.clone(),
        (None, true) => String::new(),
        (None, false) => {
            storage::load("history").unwrap_or_else(|| crate::demo::HISTORY.to_string())
        }
    };
    history.draft.set(saved_history.clone());
    {
        let first = saved_history.clone();
        set_timeout(
            move || {
                // Unless something (a host's `load`, a drop) came first.
                if history.draft.with_untracked(|d| *d == first) {
                    history.set_now(first);
                }
            },
            Duration::ZERO,
        );
    }
    let selected = RwSignal::new(link.sel.clone());
    // The title a link or replay file gave its machine, with the definition it belongs to: it
    // holds until the definition is edited.
    let shared_title = RwSignal::new(
        link.title
            .clone()
            .map(|t| (definition.value.get_untracked(), t)),
    );
    let machine_pick = RwSignal::new(None::<String>);
    let direction = RwSignal::new(Direction::TopToBottom);
    let notice =
        RwSignal::new(link_error.map(|e| {
            format!("This link could not be opened: {e}. Showing your last work instead.")
        }));
    let view = RwSignal::new(link.view.unwrap_or(crate::share::ViewMode::Split));
    // The time the link asks for, applied once its run has loaded.
    let pending_t = StoredValue::new(link.t);
    let theme = RwSignal::new(
        match link
            .theme
            .clone()
            .or_else(|| storage::load("theme"))
            .as_deref()
        {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        },
    );
    Effect::new(move |_| apply_theme(theme.get()));
    let editor = NodeRef::<leptos::html::Textarea>::new();
    let file_input = NodeRef::<leptos::html::Input>::new();

    let analysis = Memo::new(move |_| {
        let pick = machine_pick.get();
        definition.value.with(|text| {
            pipeline::analyze_machine(
                &SourceText::new("definition", text.clone()),
                pick.as_deref(),
            )
        })
    });
    // The rebuilt run: here for small histories, in the worker for big ones.
    let replayed = RwSignal::new(None::<pipeline::Replay>);
    let busy = RwSignal::new(None::<String>);
    let replay_job = StoredValue::new(0u32);
    Effect::new(move |_| {
        let pick = machine_pick.get();
        let big = history.value.with(|h| h.len() > BIG);
        replay_job.update_value(|n| *n += 1);
        let job = replay_job.get_value();
        if history.value.with(|h| h.trim().is_empty()) {
            busy.set(None);
            replayed.set(None);
            return;
        }
        let here = move || {
            history.value.with_untracked(|h| {
                analysis.with_untracked(|a| {
                    pipeline::replay(&SourceText::new("history", h.clone()), a.machine.as_ref()).0
                })
            })
        };
        if !big {
            analysis.track();
            replayed.set(here());
            return;
        }
        let mb = history.value.with_untracked(|h| h.len() as f64 / 1e6);
        busy.set(Some(format!(
            "Reading the {mb:.1} MB history in the background…"
        )));
        let job_text = worker::Job::Replay {
            definition: definition.value.get(),
            pick,
            history: history.value.get_untracked(),
        };
        worker::submit(
            job_text,
            move |stage| {
                if replay_job.get_value() == job {
                    busy.set(Some(format!(
                        "Reading the {mb:.1} MB history in the background: {stage}…"
                    )));
                }
            },
            move |result| {
                if replay_job.get_value() != job {
                    return;
                }
                busy.set(None);
                let run = match result {
                    Ok(v) => v
                        .dyn_into::<js_sys::Uint8Array>()
                        .ok()
                        .and_then(|b| crate::wire::decode_replay(&b.to_vec())),
                    Err(e) => {
                        notice.set(Some(format!("{e}; reading the history here instead")));
                        here()
                    }
                };
                replayed.set(run);
            },
        );
    });
    // Persist what was pasted; an embedded view never writes over what the user keeps here.
    // Writing megabytes to localStorage takes a while: in a task of its own.
    Effect::new(move |_| {
        definition.value.track();
        if !embed {
            set_timeout(
                move || {
                    definition
                        .value
                        .with_untracked(|d| storage::save("definition", d))
                },
                Duration::ZERO,
            );
        }
    });
    Effect::new(move |_| {
        history.value.track();
        if !embed {
            set_timeout(
                move || {
                    history
                        .value
                        .with_untracked(|h| storage::save("history", h))
                },
                Duration::ZERO,
            );
        }
    });

    // What the graph shows: the definition, or with none, the states and transitions the run took.
    let inferred = Memo::new(move |_| {
        if !definition.value.with(|d| d.trim().is_empty()) {
            return None;
        }
        replayed.with(|r| r.as_ref().map(|r| crate::view::inferred(&r.timeline)))
    });
    let shown = Shown { analysis, inferred };
    let has_run = Memo::new(move |_| replayed.with(|r| r.is_some()));
    // The selection goes when its state does: the inspector never shows a state the graph lacks.
    Effect::new(move |_| {
        let gone = shown.with(|a| {
            selected.with_untracked(|s| {
                s.as_ref()
                    .zip(a.machine.as_ref())
                    .is_some_and(|(n, m)| m.find(n).is_none())
            })
        });
        if gone {
            selected.set(None);
        }
    });
    // One machine, one run: a run whose states the definition lacks is named as such.
    let mismatch_kept = RwSignal::new(false);
    Effect::new(move |_| {
        replayed.track();
        mismatch_kept.set(false);
    });
    let missing = Memo::new(move |_| {
        analysis.with(|a| {
            replayed.with(|r| match (a.machine.as_ref(), r) {
                (Some(m), Some(r)) => crate::view::missing_states(m, &r.timeline),
                _ => Vec::new(),
            })
        })
    });
    // The last good drawing stays up while the text is broken.
    let last_svg = RwSignal::new(String::new());
    // Bumped by the graph pane each time a drawing is wholly in the page.
    let drawn = RwSignal::new(0u64);
    let drawing = RwSignal::new(None::<String>);
    let draw_job = StoredValue::new(0u32);
    Effect::new(move |_| {
        let opts = LayoutOptions {
            direction: direction.get(),
        };
        // A history pasted without a definition draws the states and transitions it shows.
        let from_run = inferred.with(Option::is_some);
        let big = !from_run && definition.value.with(|d| d.len() > BIG);
        draw_job.update_value(|n| *n += 1);
        if !big {
            let svg = shown.with(|a| browser::draw(a, &opts));
            if let Some(svg) = svg {
                last_svg.set(svg);
            }
            drawing.set(None);
            return;
        }
        let job = draw_job.get_value();
        let kb = definition.value.with_untracked(|d| d.len() / 1024);
        drawing.set(Some(format!(
            "Drawing the {kb} KB definition in the background…"
        )));
        worker::submit(
            worker::Job::Draw {
                definition: definition.value.get_untracked(),
                pick: machine_pick.get_untracked(),
                direction: opts.direction,
            },
            move |stage| {
                if draw_job.get_value() == job {
                    drawing.set(Some(format!(
                        "Drawing the {kb} KB definition in the background: {stage}…"
                    )));
                }
            },
            move |result| {
                if draw_job.get_value() != job {
                    return;
                }
                drawing.set(None);
                match result {
                    Ok(v) => {
                        if let Some(svg) = v.as_string() {
                            last_svg.set(svg);
                        }
                    }
                    Err(e) => {
                        notice.set(Some(format!("{e}; drawing here instead")));
                        if let Some(svg) = analysis.with_untracked(|a| browser::draw(a, &opts)) {
                            last_svg.set(svg);
                        }
                    }
                }
            },
        );
    });
    // The time cursor: a new run opens at its end, showing how it finished.
    let t = RwSignal::new(0i64);
    let playing = RwSignal::new(false);
    let speed = RwSignal::new(1.0f64);
    let snapshot_index =
        Memo::new(move |_| replayed.with(|r| r.as_ref().map(|r| SnapshotIndex::new(&r.timeline))));
    let duration =
        Signal::derive(move || replayed.with(|r| r.as_ref().map_or(0, |r| r.timeline.duration_ms)));
    let timed =
        Signal::derive(move || replayed.with(|r| r.as_ref().is_none_or(|r| r.timeline.timed)));
    let start_ms = Signal::derive(move || {
        replayed.with(|r| {
            r.as_ref()
                .and_then(|r| r.timeline.start_epoch_ms.filter(|_| r.timeline.timed))
        })
    });
    Effect::new(move |_| {
        playing.set(false);
        let end = duration.get();
        let from_link = if replayed.with_untracked(|r| r.is_some()) {
            pending_t.try_update_value(|p| p.take()).flatten()
        } else {
            None
        };
        t.set(from_link.map_or(end, |at| at.clamp(0, end)));
    });
    // The overlay at t: status, badges, progress, taken edges and tokens (not reached: dimmed).
    let overlay_index = Memo::new(move |_| {
        replayed.with(|r| {
            r.as_ref()
                .map(|r| crate::replay::OverlayIndex::new(&r.timeline))
        })
    });
    let mode = RwSignal::new(overlay::Mode::from_link(link.mode.as_deref()));
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
    Effect::new(move |_| {
        drawn.track();
        let now = t.get();
        let m = mode.get();
        // Tokens take about a third of a second of wall time along their edge, at any speed.
        let token_ms = (350.0 * speed.get()).round() as i64;
        let ov = replayed.with(|r| {
            snapshot_index.with(|ix| {
                overlay_index.with(|oi| match (r, ix, oi) {
                    (Some(r), Some(ix), Some(oi)) => {
                        Some(oi.at(&r.timeline, ix, &ix.snapshot_at(now), now, token_ms))
                    }
                    _ => None,
                })
            })
        });
        request_animation_frame(move || {
            let perf = web_sys::window().and_then(|w| w.performance());
            let _ = perf.as_ref().map(|p| p.mark("stepscope-paint-start"));
            overlay_index.with_untracked(|oi| paint_overlay(ov.as_ref(), oi.as_ref(), m));
            if let Some(p) = perf {
                let _ = p.measure_with_start_mark("stepscope-paint", "stepscope-paint-start");
                p.clear_marks_with_mark_name("stepscope-paint-start");
                if p.get_entries_by_name("stepscope-paint").length() > 2000 {
                    p.clear_measures_with_measure_name("stepscope-paint");
                }
            }
        });
    });

    let pick = Callback::new(move |name: String| {
        let Some(ta) = editor.get_untracked() else {
            return;
        };
        let text = definition.draft.get_untracked();
        let span = analysis.with_untracked(|a| {
            a.machine
                .as_ref()
                .and_then(|m| m.find(&name))
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
    });
    let on_cursor = move || {
        let Some(ta) = editor.get_untracked() else {
            return;
        };
        let text = definition.draft.get_untracked();
        let at = LineIndex::byte_of_utf16(
            &text,
            ta.selection_start().ok().flatten().unwrap_or(0) as usize,
        );
        let name = analysis.with_untracked(|a| {
            a.machine
                .as_ref()
                .and_then(|m| crate::view::state_at_offset(m, at))
        });
        if name.is_some() {
            selected.set(name);
        }
    };

    let count = move || {
        if definition.value.with(|d| d.trim().is_empty()) {
            return String::new();
        }
        analysis.with(|a| match a.machine.as_ref() {
            Some(m) => {
                let n = m.states.len();
                format!(" · {n} state{}", if n == 1 { "" } else { "s" })
            }
            None if last_svg.with(|s| !s.is_empty()) => {
                " · can't be read: the last good drawing is shown".to_string()
            }
            None => " · can't be read".to_string(),
        })
    };
    let title = move || {
        if definition.value.with(|d| d.trim().is_empty()) {
            return "inferred from the history".to_string();
        }
        let given = shared_title.with(|st| {
            st.as_ref()
                .filter(|(d, _)| definition.value.with(|v| v == d))
                .map(|(_, t)| t.clone())
        });
        if let Some(t) = given {
            return t;
        }
        analysis.with(|a| {
            let name = a
                .machines
                .get(a.selected)
                .filter(|n| !n.is_empty())
                .cloned();
            name.or_else(|| {
                definition
                    .value
                    .with(|d| crate::demo::is_demo(d))
                    .then(|| crate::demo::NAME.to_string())
            })
            .or_else(|| {
                a.machine
                    .as_ref()
                    .and_then(|m| m.comment.clone())
                    .map(|c| crate::graph::ellipsize(&c, 40))
            })
            .unwrap_or_else(|| "state machine".into())
        })
    };
    // An empty definition is not a mistake: the history alone still draws.
    let empty_definition = move || definition.value.with(|d| d.trim().is_empty());
    let errors = move || {
        if empty_definition() {
            0
        } else {
            analysis.with(|a| a.diagnostics.iter().filter(|d| d.is_error()).count())
        }
    };
    let status_class = move || {
        if errors() > 0 {
            "validity bad"
        } else {
            "validity"
        }
    };
    let run_status = move || {
        replayed.with(|r| {
            r.as_ref().map(|r| {
                let tl = &r.timeline;
                let icon = match tl.status.as_str() {
                    "SUCCEEDED" => "✓",
                    "FAILED" | "TIMED_OUT" => "✗",
                    "ABORTED" => "■",
                    _ => "●",
                };
                // The execution's name, when the history says it (describe-execution, logs).
                let name = r
                    .history
                    .execution
                    .as_ref()
                    .and_then(|e| e.name.clone())
                    .map(|n| format!("{n} · "))
                    .unwrap_or_default();
                (
                    format!("run-status {}", tl.status.to_lowercase()),
                    if tl.timed {
                        format!(
                            "{icon} {name}{} · {:.2} s",
                            tl.status,
                            tl.duration_ms as f64 / 1000.0
                        )
                    } else {
                        format!("{icon} {name}{} · {}", tl.status, crate::replay::UNTIMED)
                    },
                )
            })
        })
    };
    let history_form = move || {
        replayed.with(|r| match r {
            Some(r) => format!(
                "{} · {} events{}",
                r.history.form.label(),
                r.timeline.events.len(),
                if r.history.partial { " · partial" } else { "" }
            ),
            None => history.value.with(|h| {
                if h.trim().is_empty() {
                    "empty".to_string()
                } else {
                    "not a history".to_string()
                }
            }),
        })
    };
    let definition_form = move || {
        if definition.value.with(|d| d.trim().is_empty()) {
            return if replayed.with(|r| r.is_some()) {
                "empty · graph inferred from the history".to_string()
            } else {
                "empty".to_string()
            };
        }
        analysis.with(|a| definition.value.with(|d| crate::view::form_label(a, d)))
    };
    let machines = move || {
        analysis.with(|a| {
            if a.machines.len() > 1 {
                a.machines.clone()
            } else {
                Vec::new()
            }
        })
    };

    let examples = StoredValue::new(Vec::<crate::demo::Example>::new());
    let load_example = move |ev: web_sys::Event| {
        let Some(sel) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let Ok(i) = sel.value().parse::<usize>() else {
            return;
        };
        if examples.with_value(|e| e.is_empty()) {
            examples.set_value(crate::demo::examples());
        }
        if let Some(ex) = examples.with_value(|e| e.get(i).cloned()) {
            machine_pick.set(None);
            selected.set(None);
            definition.set_now(ex.definition);
            history.set_now(ex.history);
        }
        sel.set_value("");
    };
    let start_over = move |_| {
        storage::clear();
        machine_pick.set(None);
        selected.set(None);
        theme.set(Theme::System);
        definition.set_now(crate::demo::DEFINITION.to_string());
        history.set_now(crate::demo::HISTORY.to_string());
    };
    // Share, Embed and export.
    let dialog = RwSignal::new(None::<&'static str>);
    let shared_now = Signal::derive(move || crate::share::Shared {
        definition: Some(definition.value.get()).filter(|d| !d.trim().is_empty()),
        history: Some(history.value.get()).filter(|h| !h.trim().is_empty()),
        t: replayed.with(|r| r.is_some()).then(|| t.get()),
        sel: selected.get(),
        view: Some(view.get()).filter(|v| *v != crate::share::ViewMode::Split),
        theme: match theme.get() {
            Theme::Light => Some("light".to_string()),
            Theme::Dark => Some("dark".to_string()),
            Theme::System => None,
        },
        embed: false,
        mode: mode.get().link_name().map(String::from),
        title: Some(title()).filter(|t| t != "state machine"),
    });
    // The export: the graph with the run at t, its source inside (see pipeline::export_svg).
    let export_text = move || -> Option<String> {
        let opts = LayoutOptions {
            direction: direction.get_untracked(),
        };
        let shared = shared_now.get_untracked();
        let source = crate::share::encode_fragment(
            &shared,
            crate::share::Redaction {
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
                ))
            })
        })?;
        // The theme chosen here, not the viewer's.
        let class = match theme.get_untracked() {
            Theme::Dark => r#"class="stepscope-graph theme-dark""#,
            Theme::Light => r#"class="stepscope-graph theme-light""#,
            Theme::System => r#"class="stepscope-graph""#,
        };
        Some(svg.replacen(r#"class="stepscope-graph""#, class, 1))
    };
    let file_stem = move || {
        let name = title();
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
    };
    let export_svg = move || {
        if let Some(svg) = export_text() {
            share_dialog::download(&format!("{}.svg", file_stem()), "image/svg+xml", &svg);
        }
    };
    let export_png = move || {
        if let Some(svg) = export_text() {
            share_dialog::download_png(format!("{}.png", file_stem()), svg);
        }
    };
    // Opens a replay file or an exported SVG: its data, time and selection.
    let open_shared = Callback::new(move |s: crate::share::Shared| {
        machine_pick.set(None);
        pending_t.set_value(s.t);
        selected.set(s.sel.clone());
        let text = s.definition.map(readable).unwrap_or_default();
        shared_title.set(s.title.map(|t| (text.clone(), t)));
        definition.set_now(text);
        history.set_now(s.history.unwrap_or_default());
    });
    // A visible drop target while files are dragged over the page.
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        // An embedded view is read-only.
        if embed {
            return;
        }
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            take_files(files, definition, history, notice, open_shared);
        }
    };
    let on_open = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(files) = input.files() {
            take_files(files, definition, history, notice, open_shared);
        }
        input.set_value("");
    };
    let show_help = RwSignal::new(false);
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" {
            if dialog.get_untracked().is_some() {
                dialog.set(None);
                return;
            }
            selected.set(None);
            show_help.set(false);
            return;
        }
        // Typing in an editor or a control is not a shortcut.
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
        if typing {
            return;
        }
        match key.as_str() {
            "?" => show_help.update(|h| *h = !*h),
            " " if replayed.with_untracked(|r| r.is_some()) => {
                ev.prevent_default();
                if !playing.get_untracked() && t.get_untracked() >= duration.get_untracked() {
                    t.set(0);
                }
                playing.update(|p| *p = !*p);
            }
            "f" => {
                // Jump to the first failure (or caught error) and select its state.
                let first = replayed.with_untracked(|r| {
                    r.as_ref()
                        .and_then(|r| crate::view::first_failure(&r.timeline))
                });
                if let Some((name, at)) = first {
                    playing.set(false);
                    t.set(at);
                    selected.set(Some(name));
                }
            }
            "ArrowLeft" | "ArrowRight" if replayed.with_untracked(|r| r.is_some()) => {
                // With a run: the previous or next event; with Shift, state change.
                ev.prevent_default();
                let forward = key == "ArrowRight";
                let now = t.get_untracked();
                let next = if ev.shift_key() {
                    snapshot_index.with_untracked(|ix| {
                        ix.as_ref()
                            .and_then(|ix| step_time(ix.change_times(), now, forward))
                    })
                } else {
                    // The run's event times, already sorted for the replay bar.
                    event_times.with_untracked(|ts| step_time(ts.iter().copied(), now, forward))
                };
                if let Some(at) = next {
                    playing.set(false);
                    t.set(at);
                }
            }
            "h" if replayed.with_untracked(|r| r.is_some()) => mode.update(|m| {
                *m = if *m == overlay::Mode::Heat {
                    overlay::Mode::Status
                } else {
                    overlay::Mode::Heat
                }
            }),
            "c" if replayed.with_untracked(|r| r.is_some()) => mode.update(|m| {
                *m = if *m == overlay::Mode::Critical {
                    overlay::Mode::Status
                } else {
                    overlay::Mode::Critical
                }
            }),
            "ArrowDown" | "ArrowRight" | "ArrowUp" | "ArrowLeft" => {
                let forward = key == "ArrowDown" || key == "ArrowRight";
                let next = shown.with_untracked(|a| {
                    a.machine.as_ref().and_then(|m| {
                        crate::view::neighbour(m, selected.get_untracked().as_deref(), forward)
                    })
                });
                if next.is_some() {
                    ev.prevent_default();
                    selected.set(next);
                }
            }
            "Enter" if selected.get_untracked().is_some() => {
                // Focus the panel, not its close button: Enter would press it.
                ev.prevent_default();
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.query_selector("[data-testid=inspector]").ok().flatten())
                {
                    if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
                        let _ = h.focus();
                    }
                }
            }
            _ => {}
        }
    };
    // Big inputs show a read-only preview (see BIG).
    let def_preview = Memo::new(move |_| definition.draft.with(|t| preview(t)));
    let hist_preview = Memo::new(move |_| history.draft.with(|t| preview(t)));
    let def_shown =
        Signal::derive(move || def_preview.get().unwrap_or_else(|| definition.draft.get()));
    let hist_shown =
        Signal::derive(move || hist_preview.get().unwrap_or_else(|| history.draft.get()));
    // The graph's text alternative, built in a task of its own (big machines have thousands).
    let graph_text = RwSignal::new(Vec::<(String, String)>::new());
    Effect::new(move |_| {
        analysis.track();
        set_timeout(
            move || {
                let list = analysis.with_untracked(|a| {
                    a.machine.as_ref().map_or_else(Vec::new, |m| {
                        m.states
                            .iter()
                            .map(|st| (st.name.clone(), crate::graph::describe(m, st)))
                            .collect()
                    })
                });
                graph_text.set(list);
            },
            Duration::ZERO,
        );
    });
    // In a frame: the host drives the view through postMessage (see embed_api).
    if embed_api::framed() {
        embed_api::listen(move |action| match action {
            embed_api::Action::Load {
                definition: d,
                history: h,
            } => {
                machine_pick.set(None);
                selected.set(None);
                definition.set_now(d.unwrap_or_default());
                history.set_now(h.unwrap_or_default());
            }
            embed_api::Action::Seek(at) => {
                playing.set(false);
                t.set(at.clamp(0, duration.get_untracked()));
            }
            embed_api::Action::Select(name) => selected.set(name),
            embed_api::Action::SetTheme(name) => theme.set(if name == "dark" {
                Theme::Dark
            } else {
                Theme::Light
            }),
        });
        // `ready` goes first: nothing else is sent before it.
        let ready = StoredValue::new(false);
        Effect::new(move |_| {
            let name = selected.get();
            if !ready.get_value() {
                return;
            }
            embed_api::post(
                "selectionChanged",
                Some((
                    "state",
                    name.map_or(wasm_bindgen::JsValue::NULL, |n| n.into()),
                )),
            );
        });
        // Time: every change while paused, at most ten a second while playing.
        let last_sent = StoredValue::new(0.0f64);
        Effect::new(move |_| {
            let now = t.get();
            if !ready.get_value() {
                return;
            }
            let clock = web_sys::window()
                .and_then(|w| w.performance())
                .map_or(0.0, |p| p.now());
            if playing.get_untracked() && clock - last_sent.get_value() < 100.0 {
                return;
            }
            last_sent.set_value(clock);
            embed_api::post("timeChanged", Some(("t", (now as f64).into())));
        });
        // After the first drawing and run: a host's `load` must come after them.
        set_timeout(
            move || {
                embed_api::post("ready", None);
                ready.set_value(true);
            },
            Duration::ZERO,
        );
    }
    // Shortcuts work wherever the focus is, the page body included.
    let key_listener = window_event_listener(leptos::ev::keydown, on_key);
    on_cleanup(move || key_listener.remove());
    let def_scroll = RwSignal::new(0i32);
    let hist_scroll = RwSignal::new(0i32);
    let editors_width = RwSignal::new(26.0f64);
    let editors_open = RwSignal::new(true);
    let resizing = RwSignal::new(false);
    // The event list folds to give the chart its width; on a laptop screen it starts folded.
    let events_open = RwSignal::new(window_width() >= 1600.0);
    // The state a drawing too big to read whole opens on (see GraphView): the link's selection,
    // the first failure of a failed run, or the start state.
    let focus = Memo::new(move |_| {
        selected
            .get_untracked()
            .or_else(|| {
                replayed.with(|r| {
                    r.as_ref()
                        .filter(|r| r.timeline.status != "SUCCEEDED")
                        .and_then(|r| crate::view::first_failure(&r.timeline))
                        .map(|f| f.0)
                })
            })
            .or_else(|| {
                shown.with(|a| {
                    a.machine
                        .as_ref()
                        .and_then(|m| crate::view::neighbour(m, None, true))
                })
            })
    });

    let on_resize_move = move |ev: web_sys::MouseEvent| {
        if resizing.get_untracked() {
            let total = window_width();
            editors_width.set((f64::from(ev.client_x()) / total * 100.0).clamp(18.0, 70.0));
        }
    };

    view! {
        <div class=if embed { "app embed" } else { "app" }
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); if !embed && !dragging.get_untracked() { dragging.set(true); } }
            on:dragleave=move |ev: web_sys::DragEvent| if ev.related_target().is_none() { dragging.set(false); }
            on:drop=on_drop
            on:mousemove=on_resize_move on:mouseup=move |_| resizing.set(false)>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Stepscope"</span>
                </div>
                <div class="machine-title" data-testid="machine-title">
                    <span class="machine-name">{title}</span>
                    <span class="muted">{count}</span>
                    {move || run_status().map(|(class, text)| view! { <span class=class data-testid="run-status">{text}</span> })}
                </div>
                <div class="actions">
                    <select class="examples" aria-label="Load example" on:change=load_example>
                        <option value="" selected>"Load example…"</option>
                        <option value="0">"Order processing (succeeds)"</option>
                        <option value="1">"Order processing (fails)"</option>
                        <option value="2">"Big Map (1,000 items)"</option>
                        <option value="3">"JSONata refund routing"</option>
                    </select>
                    <button class="toggle" on:click=move |_| { if let Some(i) = file_input.get_untracked() { i.click(); } }>"Open files…"</button>
                    <input type="file" multiple class="hidden" node_ref=file_input on:change=on_open />
                    <button class="toggle" title="Top-to-bottom or left-to-right"
                        on:click=move |_| direction.update(|d| *d = if *d == Direction::TopToBottom { Direction::LeftToRight } else { Direction::TopToBottom })>
                        {move || if direction.get() == Direction::TopToBottom { "↓ Top to bottom" } else { "→ Left to right" }}
                    </button>
                    <button class="toggle" data-testid="theme-toggle" title="Theme: system, light or dark"
                        on:click=move |_| {
                            let next = match theme.get_untracked() { Theme::System => Theme::Dark, Theme::Dark => Theme::Light, Theme::Light => Theme::System };
                            storage::save("theme", match next { Theme::Dark => "dark", Theme::Light => "light", Theme::System => "system" });
                            theme.set(next);
                        }>
                        {move || match theme.get() { Theme::System => "◐ System", Theme::Dark => "● Dark", Theme::Light => "○ Light" }}
                    </button>
                    <select class="view-select" data-testid="view-mode" aria-label="View"
                        on:change=move |ev| view.set(match event_target_value(&ev).as_str() {
                            "graph" => crate::share::ViewMode::Graph,
                            "timeline" => crate::share::ViewMode::Timeline,
                            _ => crate::share::ViewMode::Split,
                        })
                        prop:value=move || view.get().as_str()>
                        <option value="split">"Graph and timeline"</option>
                        <option value="graph">"Graph only"</option>
                        <option value="timeline">"Timeline only"</option>
                    </select>
                    <button class="toggle" data-testid="share" title="A link to this exact view" on:click=move |_| dialog.set(Some("share"))>"Share…"</button>
                    <button class="toggle" data-testid="embed" title="An <iframe> for a docs page" on:click=move |_| dialog.set(Some("embed"))>"Embed…"</button>
                    <button class="toggle" data-testid="export-svg" title="The graph with the run at this moment, as SVG (drop it back here to reopen it)" on:click=move |_| export_svg()>"SVG"</button>
                    <button class="toggle" data-testid="export-png" title="The graph as it is shown, as PNG" on:click=move |_| export_png()>"PNG"</button>
                    <button class="toggle" title="Forget what you pasted and load the demo" on:click=start_over>"Start over"</button>
                    <div class=status_class>
                        {move || match errors() {
                            0 => "✓ valid".to_string(),
                            1 => "✗ 1 error".to_string(),
                            n => format!("✗ {n} errors"),
                        }}
                    </div>
                </div>
            </header>
            {move || dragging.get().then(|| view! {
                <div class="drop-target" data-testid="drop-target" aria-hidden="true">
                    <div>"Drop a definition, a history, or both"<small>"ASL JSON or YAML, templates, execution histories, replay files, exported SVGs"</small></div>
                </div>
            })}
            {move || notice.get().map(|n| view! { <div class="notice" role="status">{n}<button on:click=move |_| notice.set(None)>"×"</button></div> })}
            {move || (!mismatch_kept.get()).then(|| missing.with(|m| (!m.is_empty()).then(|| {
                let names = crate::view::name_some(m, 4);
                let n = m.len();
                view! {
                    <div class="notice mismatch" role="alert" data-testid="run-mismatch">
                        <span>{format!("The run doesn't belong to this definition: {n} of its states {} not in it ({names}).", if n == 1 { "is" } else { "are" })}</span>
                        <button class="toggle" data-testid="run-mismatch-clear" on:click=move |_| history.set_now(String::new())>"Clear run"</button>
                        <button class="toggle" data-testid="run-mismatch-keep" on:click=move |_| mismatch_kept.set(true)>"Keep"</button>
                    </div>
                }
            }))).flatten()}
            <main class="workspace">
                <section class="editors" aria-label="Inputs" class:collapsed=move || !editors_open.get()
                    style=move || format!("width:{:.1}%", editors_width.get())>
                    <label class="pane-title" for="definition-input">
                        "Definition"
                        <span class="badge" data-testid="definition-form">{definition_form}</span>
                    </label>
                    {move || {
                        let list = machines();
                        (!list.is_empty()).then(|| view! {
                            <select class="machine-picker" data-testid="machine-picker" aria-label="State machine"
                                on:change=move |ev| machine_pick.set(Some(event_target_value(&ev)))>
                                {list.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                            </select>
                        })
                    }}
                    <BigNote input=definition shown=def_preview />
                    <div class="editor-wrap">
                    <Gutter text=def_shown editor=def_scroll />
                    <textarea id="definition-input" class="editor" data-testid="definition-input" spellcheck="false" wrap="off"
                        on:scroll=move |ev| def_scroll.set(event_target::<web_sys::HtmlTextAreaElement>(&ev).scroll_top())
                        node_ref=editor
                        prop:value=def_shown
                        prop:readOnly=move || def_preview.with(|p| p.is_some())
                        on:paste=move |ev| paste_big(ev, definition, notice)
                        on:input=move |ev| if def_preview.with_untracked(|p| p.is_none()) { definition.type_in(event_target_value(&ev)) }
                        on:keyup=move |ev: web_sys::KeyboardEvent| if ev.key() != "Escape" { on_cursor() }
                        on:click=move |_| on_cursor()
                    ></textarea>
                    </div>
                    <label class="pane-title" for="history-input">
                        "Execution history"
                        <span class="badge" data-testid="history-form">{history_form}</span>
                    </label>
                    <BigNote input=history shown=hist_preview />
                    <div class="editor-wrap history">
                    <Gutter text=hist_shown editor=hist_scroll />
                    <textarea id="history-input" class="editor" data-testid="history-input" spellcheck="false" wrap="off"
                        on:scroll=move |ev| hist_scroll.set(event_target::<web_sys::HtmlTextAreaElement>(&ev).scroll_top())
                        prop:value=hist_shown
                        prop:readOnly=move || hist_preview.with(|p| p.is_some())
                        on:paste=move |ev| paste_big(ev, history, notice)
                        on:input=move |ev| if hist_preview.with_untracked(|p| p.is_none()) { history.type_in(event_target_value(&ev)) }
                    ></textarea>
                    </div>
                </section>
                <div class="splitter" class:folded=move || !editors_open.get() role="separator" aria-orientation="vertical"
                    title=move || if editors_open.get() { "Drag to resize; click ⟨ to hide the editors" } else { "Show the definition and history editors" }
                    on:mousedown=move |ev: web_sys::MouseEvent| { ev.prevent_default(); if editors_open.get_untracked() { resizing.set(true); } }
                    on:click=move |_| if !editors_open.get_untracked() { editors_open.set(true) }>
                    <button class="collapse" data-testid="editors-toggle" aria-label=move || if editors_open.get() { "Hide the editors" } else { "Show the editors" }
                        on:click=move |ev| { ev.stop_propagation(); editors_open.update(|o| *o = !*o) }>
                        {move || if editors_open.get() { "⟨" } else { "⟩" }}
                    </button>
                    {move || (!editors_open.get()).then(|| view! { <span class="splitter-label" aria-hidden="true">"Definition · history"</span> })}
                </div>
                {move || dialog.get().map(|which| view! {
                    <ShareDialog shared=shared_now embed_snippet=which == "embed" on_close=Callback::new(move |_| dialog.set(None)) />
                })}
                <section class=move || share_dialog::view_class(view.get()) aria-label="Graph">
                    {move || busy.get().or_else(|| drawing.get()).map(|text| {
                        let label = text.clone();
                        view! {
                            <div class="progress" role="progressbar" aria-busy="true" aria-label=label data-testid="progress">
                                <span class="progress-bar" aria-hidden="true"></span>
                                <span>{text}</span>
                            </div>
                        }
                    })}
                    <GraphView svg=Signal::derive(move || last_svg.get()) selected=selected on_pick=pick drawn=drawn focus=Signal::from(focus) />
                    {move || has_run.get().then(|| view! { <ReplayBar duration=duration timed=timed start_ms=start_ms t=t playing=playing speed=speed mode=mode event_times=event_times /> })}
                    {move || has_run.get().then(|| view! {
                        <div class="run-panels">
                            <TimelineView replayed=replayed t=t playing=playing selected=selected />
                            <EventList replayed=replayed t=t playing=playing open=events_open />
                        </div>
                    })}
                    <ol class="sr-only" aria-label="States of the workflow" data-testid="graph-text">
                        {move || graph_text.get().into_iter().map(|(name, text)| {
                            view! { <li><button tabindex="-1" on:click=move |_| selected.set(Some(name.clone()))>{text}</button></li> }
                        }).collect_view()}
                    </ol>
                    {move || show_help.get().then(|| view! {
                        <div class="help" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts">
                            <h2>"Keyboard"</h2>
                            <dl>
                                <dt>"Tab"</dt><dd>"every control, then the graph"</dd>
                                <dt>"↓"</dt><dd>"next state along the first transition (into a branch)"</dd>
                                <dt>"↑"</dt><dd>"a state that leads here"</dd>
                                <dt>"← →"</dt><dd>"previous or next event (without a run: like ↑ ↓)"</dd>
                                <dt>"Shift ← →"</dt><dd>"previous or next change of a state's status"</dd>
                                <dt>"h / c"</dt><dd>"heat or critical-path view, again for status"</dd>
                                <dt>"Enter"</dt><dd>"go to the inspector"</dd>
                                <dt>"Esc"</dt><dd>"close the inspector or this help"</dd>
                                <dt>"+ − 0"</dt><dd>"zoom in, zoom out, fit (graph focused)"</dd>
                                <dt>"Space"</dt><dd>"play or pause the run"</dd>
                                <dt>"f"</dt><dd>"jump to the first failure or caught error"</dd>
                                <dt>"?"</dt><dd>"show or hide this help"</dd>
                            </dl>
                        </div>
                    })}
                    <ul class="diagnostics" data-testid="diagnostics">
                        {move || {
                            (!empty_definition()).then(|| analysis.with(|a| {
                                let text = definition.value.get_untracked();
                                let index = LineIndex::new(&text);
                                a.diagnostics
                                    .iter()
                                    .map(|d| {
                                        let (line, col) = d.line_col(&text, &index);
                                        let class = format!("diagnostic {}", d.severity.as_str());
                                        let msg = format!("{line}:{col} {}[{}]: {}", d.severity.as_str(), d.code, d.message);
                                        let offset = d.span.map_or(0, |s| s.start);
                                        let owner = a.machine.as_ref().and_then(|m| m.states.iter().filter(|s| d.path == s.path || d.path.starts_with(&format!("{}/", s.path))).max_by_key(|s| s.path.len()).map(|s| s.name.clone()));
                                        let jump = move |_| {
                                            if let Some(ta) = editor.get_untracked() {
                                                let text = definition.draft.get_untracked();
                                                let at = LineIndex::utf16_offset(&text, offset) as u32;
                                                let _ = ta.focus();
                                                let _ = ta.set_selection_range(at, at);
                                            }
                                            if let Some(o) = owner.clone() {
                                                selected.set(Some(o));
                                            }
                                        };
                                        view! { <li class=class tabindex="0" on:click=jump>{msg}</li> }
                                    })
                                    .collect_view()
                            }))
                        }}
                    </ul>
                </section>
                {move || selected.get().map(|name| {
                    replayed.track();
                    let machine = shown.with(|a| a.machine.clone());
                    let source = definition.value.get();
                    view! { <Inspector name=name machine=machine source=source replayed=replayed t=t on_close=Callback::new(move |_| selected.set(None)) /> }
                })}
            </main>
        </div>
    }
}

/// A big paste goes straight to the input, never through the textarea (see BIG).
fn paste_big(ev: web_sys::ClipboardEvent, input: Debounced, notice: RwSignal<Option<String>>) {
    let Some(text) = ev.clipboard_data().and_then(|d| d.get_data("text").ok()) else {
        return;
    };
    if text.len() > MAX_INPUT {
        ev.prevent_default();
        notice.set(Some(format!(
            "The pasted text is {:.0} MB; Stepscope reads inputs up to 50 MB",
            text.len() as f64 / 1e6
        )));
        return;
    }
    if text.len() > BIG {
        ev.prevent_default();
        // In a task of its own: the paste event returns at once.
        set_timeout(move || input.set_now(text), Duration::ZERO);
    }
}

/// Above a big input's preview: its size, and a way to edit it all or clear it.
#[component]
fn BigNote(input: Debounced, shown: Memo<Option<String>>) -> impl IntoView {
    move || {
        shown.with(|p| {
            p.as_ref().map(|p| {
                let (bytes, lines) = input.draft.with(|t| (t.len(), t.bytes().filter(|&b| b == b'\n').count() + 1));
                let showing = p.len().div_ceil(1024);
                view! {
                    <div class="big-note" data-testid="big-note">
                        {format!("{:.1} MB in {lines} lines: the first {showing} KB shown, read-only. ", bytes as f64 / 1e6)}
                        <button class="link" on:click=move |_| input.set_now(String::new())>"Clear"</button>
                    </div>
                }
            })
        })
    }
}

/// Line numbers beside an editor, scrolled with it. Only the count of lines is tracked, so typing
/// within a line does not rebuild them.
#[component]
fn Gutter(text: Signal<String>, editor: RwSignal<i32>) -> impl IntoView {
    let lines = Memo::new(move |_| text.with(|t| t.bytes().filter(|&b| b == b'\n').count() + 1));
    let numbers = Memo::new(move |_| {
        let n = lines.get().min(500_000);
        let mut s = String::with_capacity(n * 6);
        for i in 1..=n {
            s.push_str(&i.to_string());
            s.push('\n');
        }
        s
    });
    let gutter = NodeRef::<leptos::html::Pre>::new();
    Effect::new(move |_| {
        let top = editor.get();
        if let Some(g) = gutter.get() {
            g.set_scroll_top(top);
        }
    });
    view! { <pre class="gutter" aria-hidden="true" node_ref=gutter>{move || numbers.get()}</pre> }
}

/// The window's inner width in CSS pixels.
fn window_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(1280.0)
}

/// The first time after `now` (or the last before it) in a sorted sequence of times.
fn step_time(times: impl Iterator<Item = i64>, now: i64, forward: bool) -> Option<i64> {
    if forward {
        times.into_iter().find(|&x| x > now)
    } else {
        times.into_iter().filter(|&x| x < now).last()
    }
}

thread_local! {
    static PAINTER: std::cell::RefCell<Option<overlay::Painter>> = const { std::cell::RefCell::new(None) };
}

/// Paints the overlay on the graph, with a painter made once per drawing.
fn paint_overlay(
    ov: Option<&crate::replay::Overlay>,
    oi: Option<&crate::replay::OverlayIndex>,
    mode: overlay::Mode,
) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-testid=graph]").ok().flatten())
    else {
        return;
    };
    // A big drawing still arriving is painted once it is all there (the pane bumps `drawn`).
    let complete = root
        .first_element_child()
        .is_some_and(|svg| svg.has_attribute("data-complete"));
    if !complete {
        return;
    }
    PAINTER.with(|p| {
        let mut p = p.borrow_mut();
        if !p.as_ref().is_some_and(|p| p.is_for(&root)) {
            // A fresh drawing carries no overlay: without a run there is nothing to do.
            if ov.is_none() {
                *p = None;
                return;
            }
            *p = Some(overlay::Painter::new(&root));
        }
        if let Some(p) = p.as_mut() {
            p.paint(ov, oi, mode);
        }
    });
}
