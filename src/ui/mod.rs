//! The Leptos shell: wires the app's state to `pipeline::*` and renders plain data. No domain
//! logic here (that is `crate::view`). The parts: `state` (every shared signal, one context),
//! `jobs` (the effects behind the view), `keys`, `header`, `editors`, and the panes.

mod browser;
mod compare;
mod editors;
mod embed_api;
mod event_list;
pub mod first_view;
mod graph_view;
mod header;
mod inspector;
mod job_worker;
mod jobs;
mod keys;
mod overlay;
mod replay_bar;
mod runs_client;
mod share_dialog;
mod sim_client;
mod simulate;
mod state;
mod storage;
mod timeline_view;
pub mod worker;

use leptos::prelude::*;

use editors::{Diagnostics, Editors};
use event_list::EventList;
use graph_view::GraphView;
use header::Header;
use inspector::Inspector;
use replay_bar::ReplayBar;
use share_dialog::ShareDialog;
use state::AppState;
use timeline_view::TimelineView;

/// What happens to the user's saved work: a link's view over it, another tab's change, a save
/// that could not be made, a frame that keeps its hands off it.
#[component]
fn WorkNotes() -> impl IntoView {
    let app = state::use_app();
    let here = || {
        web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default()
    };
    view! {
        {move || app.framed.then(|| view! {
            <div class="notice work info" role="status" data-testid="framed-note">
                <span>"This view is framed by another page: your saved work stays out of its reach."</span>
                <a class="toggle" data-testid="open-in-stepscope" href=here() target="_blank" rel="noopener noreferrer">"Open in Stepscope"</a>
            </div>
        })}
        {move || app.link_view.get().then(|| view! {
            <div class="notice work info" role="status" data-testid="link-view">
                <span>"You are looking at a shared link. Your own work is kept as it was; nothing here is saved unless you edit it or keep it."</span>
                <button class="toggle" data-testid="keep-link" on:click=move |_| app.keep_link()>"Keep this"</button>
                <button class="toggle" data-testid="restore-work" on:click=move |_| app.restore_work()>"Back to my work"</button>
            </div>
        })}
        {move || app.other_tab.get().then(|| view! {
            <div class="notice work" role="alert" data-testid="other-tab">
                <span>"Your work was changed in another tab. This tab stops saving until you choose."</span>
                <button class="toggle" data-testid="other-tab-reload" on:click=move |_| app.reload_other_tab()>"Reload theirs"</button>
                <button class="toggle" data-testid="other-tab-keep" on:click=move |_| app.keep_mine()>"Keep mine"</button>
            </div>
        })}
        {move || app.save_note.get().map(|n| view! {
            <div class="notice work" role="alert" data-testid="save-note">
                <span>{n}</span>
                <button on:click=move |_| app.save_note.set(None) aria-label="Dismiss">"×"</button>
            </div>
        })}
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let (app, first_history) = AppState::new();
    provide_context(app);
    let sim = app.sim;
    // A simulation's link runs its simulation once the first drawing is up.
    if sim.run_on_open.get_value() {
        request_animation_frame(move || simulate::run(app, sim));
    }
    jobs::start(app, first_history);
    // The worker for big inputs loads while the user reads the first drawing (not in embeds: a
    // documentation page may hold several).
    if !app.embed {
        set_timeout(worker::warm_up, std::time::Duration::from_millis(500));
    }
    compare::start(app);
    let cmp = app.cmp;
    let AppState {
        embed,
        definition,
        history,
        selected,
        notice,
        view,
        shown,
        replayed,
        has_run,
        busy,
        drawing,
        last_svg,
        drawn,
        missing,
        mismatch_kept,
        t,
        playing,
        speed,
        mode,
        event_times,
        duration,
        timed,
        start_ms,
        focus,
        graph_text,
        dialog,
        show_help,
        dragging,
        editors_open,
        editors_width,
        events_open,
        ..
    } = app;
    let pick = Callback::new(move |name: String| app.select_source(&name));
    // Shortcuts work wherever the focus is, the page body included.
    let key_listener = window_event_listener(leptos::ev::keydown, move |ev| keys::on_key(app, ev));
    on_cleanup(move || key_listener.remove());
    let resizing = RwSignal::new(false);
    let on_resize_move = move |ev: web_sys::MouseEvent| {
        if resizing.get_untracked() {
            let total = state::window_width();
            editors_width.set((f64::from(ev.client_x()) / total * 100.0).clamp(18.0, 70.0));
        }
    };

    view! {
        <div class=if embed { "app embed" } else { "app" }
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); if !embed && !dragging.get_untracked() { dragging.set(true); } }
            on:dragleave=move |ev: web_sys::DragEvent| if ev.related_target().is_none() { dragging.set(false); }
            on:drop=move |ev| editors::on_drop(app, sim, ev)
            on:mousemove=on_resize_move on:mouseup=move |_| resizing.set(false)>
            <Header />
            {move || dragging.get().then(|| view! {
                <div class="drop-target" data-testid="drop-target" aria-hidden="true">
                    <div>"Drop a definition, a history, or both"<small>"ASL JSON or YAML, templates, execution histories, replay files, exported SVGs"</small></div>
                </div>
            })}
            {move || notice.get().map(|n| view! { <div class="notice" role="status">{n}<button on:click=move |_| notice.set(None)>"×"</button></div> })}
            <WorkNotes />
            {move || (!mismatch_kept.get()).then(|| missing.with(|m| (!m.is_empty()).then(|| {
                let names = crate::pipeline::name_some(m, 4);
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
                <Editors />
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
                    <ShareDialog shared=Signal::derive(move || app.shared()) embed_snippet=which == "embed" on_close=Callback::new(move |_| dialog.set(None)) />
                })}
                <section class=move || format!("{}{}", share_dialog::view_class(view.get()), if cmp.many() { " many-runs" } else if cmp.comparing() { " comparing" } else { "" }) aria-label="Graph">
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
                    <compare::RunsProgress />
                    {move || (has_run.get() && !cmp.many()).then(|| view! { <ReplayBar duration=duration timed=timed start_ms=start_ms t=t playing=playing speed=speed mode=mode event_times=event_times /> })}
                    {move || if cmp.many() {
                        Some(view! { <compare::RunsPanel /> }.into_any())
                    } else if cmp.comparing() {
                        Some(view! { <compare::ComparePanel /> }.into_any())
                    } else {
                        has_run.get().then(|| view! {
                            <div class="run-panels">
                                <TimelineView replayed=replayed t=t playing=playing selected=selected />
                                <EventList replayed=replayed t=t playing=playing open=events_open />
                            </div>
                        }.into_any())
                    }}
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
                    <Diagnostics />
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
