//! The header: the machine's title, state count and run status, and the menus: examples (built
//! from `demo::EXAMPLE_NAMES`), files, direction, theme, view, share, embed and export.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::editors::{on_compare_with, on_open, on_open_runs};
use super::simulate::{simulated, use_sim};
use super::state::{use_app, AppState, Theme};
use super::storage;
use crate::pipeline::Direction;

#[component]
pub fn Header() -> impl IntoView {
    let app = use_app();
    let AppState {
        analysis,
        last_svg,
        replayed,
        direction,
        theme,
        view,
        dialog,
        ..
    } = app;
    let file_input = NodeRef::<leptos::html::Input>::new();
    let compare_input = NodeRef::<leptos::html::Input>::new();
    let runs_input = NodeRef::<leptos::html::Input>::new();
    let cmp = app.cmp;
    // A folder picker (`webkitdirectory`, which the view macro has no name for).
    Effect::new(move |_| {
        if let Some(i) = runs_input.get() {
            let _ = i.set_attribute("webkitdirectory", "");
        }
    });
    let sim = use_sim();
    let count = move || {
        if app.empty_definition() {
            return String::new();
        }
        analysis.with(|a| match a.machine.as_ref() {
            Some(m) => {
                let n = m.states.len();
                format!(" · {n} state{}", if n == 1 { "" } else { "s" })
            }
            // A big definition, still being read in the worker.
            None if app.drawing.with(Option::is_some) => " · reading…".to_string(),
            None if last_svg.with(|s| !s.is_empty()) => {
                " · can't be read: the last good drawing is shown".to_string()
            }
            None => " · can't be read".to_string(),
        })
    };
    let errors = move || {
        if app.empty_definition() {
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
        // Many runs shown: the header speaks of them, not of the one underneath.
        if let Some(text) = cmp.runs.with(|v| {
            v.as_ref().filter(|_| cmp.runs_open.get()).map(|v| {
                let failed: usize = v
                    .status
                    .iter()
                    .filter(|(s, _)| !matches!(s.as_str(), "SUCCEEDED" | "RUNNING"))
                    .map(|(_, n)| n)
                    .sum();
                format!("{} runs · {failed} not succeeded", v.rows.len())
            })
        }) {
            return Some(("run-status runs".to_string(), text));
        }
        replayed.with(|r| {
            r.as_ref().map(|r| {
                let tl = &r.timeline;
                use crate::pipeline::ExecutionStatus as S;
                let icon = match tl.status {
                    S::Succeeded => "✓",
                    S::Failed | S::TimedOut => "✗",
                    S::Aborted => "■",
                    S::Running | S::PendingRedrive => "●",
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
                    format!("run-status {}", tl.status.class()),
                    if tl.timed {
                        format!(
                            "{icon} {name}{} · {:.2} s",
                            tl.status,
                            tl.duration_ms as f64 / 1000.0
                        )
                    } else {
                        format!("{icon} {name}{} · {}", tl.status, crate::pipeline::UNTIMED)
                    },
                )
            })
        })
    }; // Examples are built when picked: runs other than the demo's are generated.
    let load_example = move |ev: web_sys::Event| {
        let Some(sel) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        if let Some(ex) = sel
            .value()
            .parse::<usize>()
            .ok()
            .and_then(crate::pipeline::example)
        {
            app.load(ex.definition, ex.history);
        }
        sel.set_value("");
    };
    view! {
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Stepscope"</span>
                </div>
                <div class="machine-title" data-testid="machine-title">
                    <span class="machine-name">{move || app.title()}</span>
                    <span class="muted">{count}</span>
                    {move || run_status().map(|(class, text)| view! { <span class=class data-testid="run-status">{text}</span> })}
                    {move || replayed.with(|r| r.is_some()).then(|| {
                        let source = if simulated(app, sim) { "simulated" } else { "recorded" };
                        view! { <span class=format!("run-source {source}") data-testid="run-source" title="Where this run comes from: the simulator, or a history you loaded">{source}</span> }
                    })}
                </div>
                <div class="actions">
                    <select class="examples" aria-label="Load example" on:change=load_example>
                        <option value="" selected>"Load example…"</option>
                        {crate::pipeline::EXAMPLE_NAMES.iter().enumerate().map(|(i, name)| view! { <option value=i.to_string()>{*name}</option> }).collect_view()}
                    </select>
                    <button class="toggle" on:click=move |_| { if let Some(i) = file_input.get_untracked() { i.click(); } }>"Open files…"</button>
                    <input type="file" multiple class="hidden" data-testid="open-files-input" node_ref=file_input on:change=move |ev| on_open(app, sim, ev) />
                    <button class="toggle" data-testid="open-runs" title="A folder of runs: histories, or a Distributed Map's manifest and result files, or ListExecutions output"
                        on:click=move |_| { if let Some(i) = runs_input.get_untracked() { i.click(); } }>"Runs…"</button>
                    <input type="file" multiple class="hidden" data-testid="open-runs-input" node_ref=runs_input on:change=move |ev| on_open_runs(app, ev) />
                    {move || (replayed.with(|r| r.is_some()) && !cmp.comparing() && !cmp.many()).then(|| view! {
                        <button class="toggle" data-testid="compare-with" title="Compare the run shown (A) with another history of the same machine (B)"
                            on:click=move |_| { if let Some(i) = compare_input.get_untracked() { i.click(); } }>"Compare with…"</button>
                    })}
                    {move || (cmp.runs.with(|r| r.is_some()) && !cmp.runs_open.get()).then(|| view! {
                        <button class="toggle" data-testid="runs-back" title="Back to the many runs" on:click=move |_| { cmp.stop_comparing(); cmp.runs_open.set(true) }>
                            {move || format!("← {} runs", cmp.runs.with(|r| r.as_ref().map_or(0, |r| r.rows.len())))}
                        </button>
                    })}
                    <input type="file" class="hidden" data-testid="compare-input" node_ref=compare_input on:change=move |ev| on_compare_with(app, ev) />
                    <button class="toggle" data-testid="simulate" title="Run this definition here, from an input and mocks, without AWS"
                        aria-pressed=move || sim.open.get().to_string()
                        on:click=move |_| { let open = !sim.open.get_untracked(); sim.open.set(open); if open { app.editors_open.set(true); } }>"▶ Simulate"</button>
                    <button class="toggle" title="Top-to-bottom or left-to-right"
                        on:click=move |_| direction.update(|d| *d = if *d == Direction::TopToBottom { Direction::LeftToRight } else { Direction::TopToBottom })>
                        {move || if direction.get() == Direction::TopToBottom { "↓ Top to bottom" } else { "→ Left to right" }}
                    </button>
                    <button class="toggle" data-testid="theme-toggle" title="Theme: system, light or dark"
                        on:click=move |_| {
                            let next = match theme.get_untracked() { Theme::System => Theme::Dark, Theme::Dark => Theme::Light, Theme::Light => Theme::System };
                            // A framed page keeps its hands off this browser's settings too.
                            if !app.framed && !app.embed {
                                storage::save("theme", next.name().unwrap_or("system"));
                            }
                            theme.set(next);
                        }>
                        {move || match theme.get() { Theme::System => "◐ System", Theme::Dark => "● Dark", Theme::Light => "○ Light" }}
                    </button>
                    <select class="view-select" data-testid="view-mode" aria-label="View"
                        on:change=move |ev| view.set(match event_target_value(&ev).as_str() {
                            "graph" => crate::pipeline::ViewMode::Graph,
                            "timeline" => crate::pipeline::ViewMode::Timeline,
                            _ => crate::pipeline::ViewMode::Split,
                        })
                        prop:value=move || view.get().as_str()>
                        <option value="split">"Graph and timeline"</option>
                        <option value="graph">"Graph only"</option>
                        <option value="timeline">"Timeline only"</option>
                    </select>
                    <button class="toggle" data-testid="share" title="A link to this exact view" on:click=move |_| dialog.set(Some("share"))>"Share…"</button>
                    <button class="toggle" data-testid="embed" title="An <iframe> for a docs page" on:click=move |_| dialog.set(Some("embed"))>"Embed…"</button>
                    <button class="toggle" data-testid="export-svg" title="The graph with the run at this moment, as SVG (drop it back here to reopen it)" on:click=move |_| app.export_svg()>"SVG"</button>
                    <button class="toggle" data-testid="export-png" title="The graph as it is shown, as PNG" on:click=move |_| app.export_png()>"PNG"</button>
                    <button class="toggle" title="Forget what you pasted and load the demo" on:click=move |_| app.start_over()>"Start over"</button>
                    <div class=status_class>
                        {move || match errors() {
                            0 => "✓ valid".to_string(),
                            1 => "✗ 1 error".to_string(),
                            n => format!("✗ {n} errors"),
                        }}
                    </div>
                </div>
            </header>
    }
}
