//! The Leptos shell: wires signals to `pipeline::*` and renders plain data. No domain logic here.

mod browser;
mod graph_view;

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;

use crate::layout::{Direction, LayoutCache, LayoutOptions};
use crate::pipeline;
use crate::source::{LineIndex, SourceText};
use graph_view::GraphView;

/// How long typing must pause before the graph redraws.
const DEBOUNCE: Duration = Duration::from_millis(180);

thread_local! {
    /// Scope layouts by content, so typing in one branch doesn't lay out the others again.
    static LAYOUT_CACHE: std::cell::RefCell<LayoutCache> = std::cell::RefCell::new(LayoutCache::default());
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // `draft` is what the editor shows; `definition` follows it after a pause in typing.
    let draft = RwSignal::new(crate::demo::DEFINITION.to_string());
    let definition = RwSignal::new(crate::demo::DEFINITION.to_string());
    let history = RwSignal::new(crate::demo::HISTORY.to_string());
    let pending = RwSignal::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    let selected = RwSignal::new(None::<String>);
    let editor = NodeRef::<leptos::html::Textarea>::new();

    let analysis = Memo::new(move |_| {
        definition.with(|text| pipeline::analyze(&SourceText::new("definition", text.clone())))
    });
    let direction = RwSignal::new(Direction::TopToBottom);
    // The last good drawing stays up while the text is broken.
    let last_svg = RwSignal::new(String::new());
    Effect::new(move |_| {
        let opts = LayoutOptions {
            direction: direction.get(),
        };
        let svg = analysis.with(|a| {
            let m = a.machine.as_ref()?;
            let graph = crate::graph::build_graph(m);
            let layout = LAYOUT_CACHE.with(|c| {
                let mut c = c.borrow_mut();
                c.trim(512);
                crate::layout::layout_cached(&graph, &opts, &browser::CanvasMeasure::new(), &mut c)
            });
            Some(pipeline::Rendered { graph, layout }.svg_with_problems("g", a))
        });
        if let Some(svg) = svg {
            last_svg.set(svg);
        }
    });

    let on_input = move |ev| {
        draft.set(event_target_value(&ev));
        if let Some(h) = pending.get_untracked() {
            h.clear();
        }
        let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
            move || definition.set(draft.get_untracked()),
            DEBOUNCE,
        )
        .ok();
        pending.set(handle);
    };

    // Clicking a node selects its source in the editor.
    let pick = Callback::new(move |name: String| {
        let Some(ta) = editor.get_untracked() else {
            return;
        };
        let text = draft.get_untracked();
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
            // Scroll the selection into view: put its line near the top.
            let line = text
                .get(..name_span.start)
                .map_or(0, |s| s.matches('\n').count());
            ta.set_scroll_top((line as i32 - 3).max(0) * 18);
        }
    });
    // Moving the cursor in the editor highlights the innermost state around it.
    let on_cursor = move || {
        let Some(ta) = editor.get_untracked() else {
            return;
        };
        let text = draft.get_untracked();
        let at = LineIndex::byte_of_utf16(
            &text,
            ta.selection_start().ok().flatten().unwrap_or(0) as usize,
        );
        let name = analysis.with_untracked(|a| {
            a.machine.as_ref().and_then(|m| {
                m.states
                    .iter()
                    .filter(|s| s.name_span.start <= at && at <= s.span.end)
                    .min_by_key(|s| s.span.end - s.name_span.start)
                    .map(|s| s.name.clone())
            })
        });
        if name.is_some() {
            selected.set(name);
        }
    };

    let count = move || {
        analysis.with(|a| {
            let n = a.machine.as_ref().map_or(0, |m| m.states.len());
            format!(" · {n} state{}", if n == 1 { "" } else { "s" })
        })
    };
    let title = move || {
        analysis.with(|a| {
            let name = a
                .machines
                .get(a.selected)
                .filter(|n| !n.is_empty())
                .cloned();
            name.or_else(|| {
                (definition.with(|d| d == crate::demo::DEFINITION))
                    .then(|| crate::demo::NAME.to_string())
            })
            .unwrap_or_else(|| "state machine".into())
        })
    };
    let errors = move || analysis.with(|a| a.diagnostics.iter().filter(|d| d.is_error()).count());
    let status_class = move || if errors() > 0 { "status bad" } else { "status" };

    view! {
        <div class="app">
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Stepscope"</span>
                </div>
                <div class="machine-title" data-testid="machine-title">
                    <span class="machine-name">{title}</span>
                    <span class="muted">{count}</span>
                </div>
                <button class="toggle" title="Switch between top-to-bottom and left-to-right"
                    on:click=move |_| direction.update(|d| *d = if *d == Direction::TopToBottom { Direction::LeftToRight } else { Direction::TopToBottom })>
                    {move || if direction.get() == Direction::TopToBottom { "↓ Top to bottom" } else { "→ Left to right" }}
                </button>
                <div class=status_class>
                    {move || match errors() {
                        0 => "✓ valid".to_string(),
                        1 => "✗ 1 error".to_string(),
                        n => format!("✗ {n} errors"),
                    }}
                </div>
            </header>
            <main class="workspace">
                <section class="editors" aria-label="Inputs">
                    <label class="pane-title" for="definition-input">
                        "Definition"
                        <span class="badge" data-testid="definition-form">{move || analysis.with(|a| a.form.label())}</span>
                    </label>
                    <textarea
                        id="definition-input"
                        class="editor"
                        data-testid="definition-input"
                        spellcheck="false"
                        wrap="off"
                        node_ref=editor
                        prop:value=move || draft.get()
                        on:input=on_input
                        on:keyup=move |_| on_cursor()
                        on:click=move |_| on_cursor()
                    ></textarea>
                    <label class="pane-title" for="history-input">"Execution history"</label>
                    <textarea
                        id="history-input"
                        class="editor history"
                        data-testid="history-input"
                        spellcheck="false"
                        wrap="off"
                        prop:value=move || history.get()
                        on:input=move |ev| history.set(event_target_value(&ev))
                    ></textarea>
                </section>
                <section class="canvas" aria-label="Graph">
                    <GraphView svg=Signal::derive(move || last_svg.get()) selected=selected on_pick=pick />
                    <ul class="diagnostics" data-testid="diagnostics">
                        {move || {
                            analysis
                                .with(|a| {
                                    let text = definition.get_untracked();
                                    let index = LineIndex::new(&text);
                                    a.diagnostics
                                        .iter()
                                        .map(|d| {
                                            let (line, col) = d.line_col(&text, &index);
                                            let class = format!("diagnostic {}", d.severity.as_str());
                                            let msg = format!("{line}:{col} {}[{}]: {}", d.severity.as_str(), d.code, d.message);
                                            let offset = d.span.map_or(0, |s| s.start);
                                            let jump = move |_| {
                                                if let Some(ta) = editor.get_untracked() {
                                                    let text = draft.get_untracked();
                                                    let at = LineIndex::utf16_offset(&text, offset) as u32;
                                                    let _ = ta.focus();
                                                    let _ = ta.set_selection_range(at, at);
                                                }
                                            };
                                            view! { <li class=class on:click=jump>{msg}</li> }
                                        })
                                        .collect_view()
                                })
                        }}
                    </ul>
                </section>
            </main>
        </div>
    }
}

#[allow(dead_code)]
fn element(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
}
