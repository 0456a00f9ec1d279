//! Getting data in: the definition and history editors (line numbers, big-input previews, the
//! paste that skips the textarea), opened and dropped files sorted by content, and the list of
//! problems with their places in the definition.

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;

use super::simulate::{use_sim, SimState, SimulatePanel, TwoTabs};
use super::state::{use_app, AppState, Debounced};
use crate::pipeline::LineIndex;

/// Inputs past this size are parsed and laid out in the Web Worker, and their editor shows a
/// read-only preview: a textarea holding megabytes freezes the page for most of a second.
pub const BIG: usize = 256 * 1024;
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

/// More files than this in one drop are many runs: they go to the runs' worker unread. Up to
/// this many are sorted by content here (a definition, mocks, one or two histories).
const MANY: usize = 8;

/// Reads dropped or opened files and sorts them by content: definition, history, mocks, a
/// replay file. Two histories are compared; many files, or a map run's lists, are many runs.
fn take_files(list: Vec<(String, web_sys::File)>, app: AppState, sim: SimState) {
    let AppState {
        definition,
        history,
        notice,
        ..
    } = app;
    if list.len() > MANY {
        super::compare::take_runs(app, list);
        return;
    }
    leptos::task::spawn_local(async move {
        let mut histories: Vec<(String, String)> = Vec::new();
        let mut texts: Vec<(String, web_sys::File)> = Vec::new();
        for (path, f) in list {
            if f.size() > crate::pipeline::MAX_INPUT_BYTES as f64 {
                notice.set(Some(crate::pipeline::input_too_big(
                    &f.name(),
                    f.size() as usize,
                )));
                continue;
            }
            let Ok(text) = wasm_bindgen_futures::JsFuture::from(f.text()).await else {
                continue;
            };
            let Some(text) = text.as_string() else {
                continue;
            };
            // A map run's manifest, result files or ListExecutions output: many runs.
            if crate::pipeline::is_run_list(&text) {
                texts.push((path, f));
                continue;
            }
            // A replay file or an exported SVG reopens its whole view.
            match crate::pipeline::open_file(&text) {
                Some(Ok(shared)) => {
                    app.open_shared(shared);
                    continue;
                }
                Some(Err(e)) => {
                    notice.set(Some(format!("{} could not be opened: {e}", f.name())));
                    continue;
                }
                None => {}
            }
            // A MockConfigFile or a case file (`stepscope record`) fills the Simulate panel.
            if super::simulate::take_sim_file(sim, &text) {
                app.editors_open.set(true);
                continue;
            }
            if crate::pipeline::is_history(&text) {
                histories.push((f.name(), text));
                texts.push((path, f));
            } else {
                definition.set_now(text);
            }
        }
        if texts.len() > histories.len() || histories.len() > 2 {
            // Lists of runs, with any histories beside them, or more histories than two.
            super::compare::take_runs(app, texts);
            return;
        }
        let mut histories = histories.into_iter();
        match (histories.next(), histories.next()) {
            (Some(a), Some(b)) => super::compare::compare_texts(app, a, b),
            (Some((name, text)), None) => {
                app.cmp.stop_comparing();
                app.cmp.runs_open.set(false);
                app.cmp.a_name.set(Some(name));
                history.set_now(text);
            }
            _ => {}
        }
    });
}

fn file_list(files: web_sys::FileList) -> Vec<(String, web_sys::File)> {
    (0..files.length())
        .filter_map(|i| files.get(i))
        .map(|f| (super::compare::path_of(&f), f))
        .collect()
}

/// Files dropped on the page (an embedded view is read-only); a folder is many runs.
pub fn on_drop(app: AppState, sim: SimState, ev: web_sys::DragEvent) {
    ev.prevent_default();
    app.dragging.set(false);
    if app.embed {
        return;
    }
    let Some(dt) = ev.data_transfer() else { return };
    let folders = super::compare::drop_entries(&dt);
    if !folders.is_empty() {
        leptos::task::spawn_local(async move {
            let files = super::compare::dropped_files(folders).await;
            super::compare::take_runs(app, files);
        });
        return;
    }
    if let Some(files) = dt.files() {
        take_files(file_list(files), app, sim);
    }
}

/// The files a file input's change picked; the input is emptied, so picking the same files
/// again is a change too.
fn picked(ev: &web_sys::Event) -> Option<Vec<(String, web_sys::File)>> {
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    // Taken before the input is emptied, which replaces its list.
    let files = input.files().map(file_list);
    input.set_value("");
    files
}

/// Files picked with *Open files…*.
pub fn on_open(app: AppState, sim: SimState, ev: web_sys::Event) {
    if let Some(files) = picked(&ev) {
        take_files(files, app, sim);
    }
}

/// A folder picked with *Open runs…*: every file in it is a run (or a map run's list).
pub fn on_open_runs(app: AppState, ev: web_sys::Event) {
    if let Some(files) = picked(&ev) {
        super::compare::take_runs(app, files);
    }
}

/// A history picked with *Compare with…*.
pub fn on_compare_with(app: AppState, ev: web_sys::Event) {
    if let Some((_, f)) = picked(&ev).and_then(|l| l.into_iter().next()) {
        super::compare::compare_with(app, f);
    }
}

/// The two editors, each with what it detected.
#[component]
pub fn Editors() -> impl IntoView {
    let app = use_app();
    let AppState {
        definition,
        history,
        notice,
        machine_pick,
        analysis,
        replayed,
        editor,
        editors_open,
        editors_width,
        ..
    } = app;
    // Big inputs show a read-only preview (see BIG).
    let def_preview = Memo::new(move |_| definition.draft.with(|t| preview(t)));
    let hist_preview = Memo::new(move |_| history.draft.with(|t| preview(t)));
    let def_shown =
        Signal::derive(move || def_preview.get().unwrap_or_else(|| definition.draft.get()));
    let hist_shown =
        Signal::derive(move || hist_preview.get().unwrap_or_else(|| history.draft.get()));
    let def_scroll = RwSignal::new(0i32);
    let hist_scroll = RwSignal::new(0i32);
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
        if app.empty_definition() {
            return if replayed.with(|r| r.is_some()) {
                "empty · graph inferred from the history".to_string()
            } else {
                "empty".to_string()
            };
        }
        analysis.with(|a| definition.value.with(|d| crate::pipeline::form_label(a, d)))
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
    let on_cursor = move || app.follow_cursor();
    let sim = use_sim();
    view! {
                <section class="editors" aria-label="Inputs" class:collapsed=move || !editors_open.get() class:sim-open=move || sim.open.get()
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
                    <TwoTabs class="pane-tabs" label="Run" second=sim.open
                        first_tab=("tab-history", "Execution history") second_tab=("tab-simulate", "Simulate") />
                    {move || sim.open.get().then(|| view! { <SimulatePanel /> })}
                    <div class="history-part" class:hidden=move || sim.open.get()>
                    <label class="pane-title" for="history-input">
                        "Execution history"
                        <span class="badge" data-testid="history-form">{history_form}</span>
                    </label>
                    <HistoryProblems />
                    <BigNote input=history shown=hist_preview />
                    <div class="editor-wrap history">
                    <Gutter text=hist_shown editor=hist_scroll />
                    <textarea id="history-input" class="editor" data-testid="history-input" spellcheck="false" wrap="off"
                        on:scroll=move |ev| hist_scroll.set(event_target::<web_sys::HtmlTextAreaElement>(&ev).scroll_top())
                        prop:value=hist_shown
                        prop:readOnly=move || hist_preview.with(|p| p.is_some())
                        on:paste=move |ev| paste_big(ev, history, notice)
                        on:input=move |ev| if hist_preview.with_untracked(|p| p.is_none()) { app.cmp.a_name.set(None); history.type_in(event_target_value(&ev)) }
                    ></textarea>
                    </div>
                    </div>
                </section>
    }
}

/// What reading the history found, first five: why it could not be read, a clamped clock, gaps.
#[component]
fn HistoryProblems() -> impl IntoView {
    let app = use_app();
    move || {
        app.history_problems.with(|list| {
            (!list.is_empty()).then(|| {
                let more = list.len().saturating_sub(5);
                view! {
                    <ul class="diagnostics history" data-testid="history-diagnostics">
                        {list.iter().take(5).map(|d| {
                            let class = format!("diagnostic {}", d.severity.as_str());
                            view! { <li class=class>{format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message)}</li> }
                        }).collect_view()}
                        {(more > 0).then(|| view! { <li class="diagnostic more">{format!("… and {more} more")}</li> })}
                    </ul>
                }
            })
        })
    }
}

/// The definition's problems with `line:column`; clicking one goes there and selects its state.
#[component]
pub fn Diagnostics() -> impl IntoView {
    let app = use_app();
    let AppState {
        definition,
        analysis,
        editor,
        selected,
        ..
    } = app;
    let empty_definition = move || app.empty_definition();
    view! {
                    <ul class="diagnostics" data-testid="diagnostics">
                        {move || {
                            // While the worker reads a big definition, the last analysis's
                            // problems stand, dimmed: their places were in the text before, so
                            // they are shown without a line and column until the answer comes.
                            let stale = app.reading.get();
                            (!empty_definition()).then(|| analysis.with(|a| {
                                // A megabyte's line index only when there is something to place.
                                let text = if a.diagnostics.is_empty() || stale { String::new() } else { definition.value.get_untracked() };
                                let index = LineIndex::new(&text);
                                a.diagnostics
                                    .iter()
                                    .map(|d| {
                                        let class = format!("diagnostic {}{}", d.severity.as_str(), if stale { " stale" } else { "" });
                                        let msg = if stale {
                                            format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message)
                                        } else {
                                            let (line, col) = d.line_col(&text, &index);
                                            format!("{line}:{col} {}[{}]: {}", d.severity.as_str(), d.code, d.message)
                                        };
                                        let offset = d.span.map_or(0, |s| s.start);
                                        let owner = a.machine.as_ref().and_then(|m| m.states.iter().filter(|s| d.path == s.path || d.path.starts_with(&format!("{}/", s.path))).max_by_key(|s| s.path.len()).map(|s| s.name.clone()));
                                        let jump = move |_| {
                                            if let Some(ta) = editor.get_untracked().filter(|_| !stale) {
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
    }
}

/// A big paste goes straight to the input, never through the textarea (see BIG).
fn paste_big(ev: web_sys::ClipboardEvent, input: Debounced, notice: RwSignal<Option<String>>) {
    let Some(text) = ev.clipboard_data().and_then(|d| d.get_data("text").ok()) else {
        return;
    };
    if text.len() > crate::pipeline::MAX_INPUT_BYTES {
        ev.prevent_default();
        notice.set(Some(crate::pipeline::input_too_big(
            "The pasted text",
            text.len(),
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
