//! The Leptos shell: wires signals to `pipeline::*` and renders plain data. No domain logic here.

use leptos::prelude::*;

use crate::pipeline;
use crate::source::{LineIndex, SourceText};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let definition = RwSignal::new(crate::demo::DEFINITION.to_string());
    let history = RwSignal::new(crate::demo::HISTORY.to_string());
    let analysis = Memo::new(move |_| {
        definition.with(|text| pipeline::analyze(&SourceText::new("definition", text.clone())))
    });

    view! {
        <div class="app">
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Stepscope"</span>
                </div>
                <div class="machine-title" data-testid="machine-title">
                    <span class="machine-name">{crate::demo::NAME}</span>
                    <span class="muted">
                        {move || analysis.with(|a| format!(" · {} states", a.machine.as_ref().map_or(0, |m| m.states.len())))}
                    </span>
                </div>
            </header>
            <main class="workspace">
                <section class="editors" aria-label="Inputs">
                    <label class="pane-title" for="definition-input">
                        "Definition"
                        <span class="badge">
                            {move || analysis.with(|a| a.form.label())}
                        </span>
                    </label>
                    <textarea
                        id="definition-input"
                        class="editor"
                        data-testid="definition-input"
                        spellcheck="false"
                        wrap="off"
                        prop:value=move || definition.get()
                        on:input=move |ev| definition.set(event_target_value(&ev))
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
                    <div class="graph" data-testid="graph">
                        <ul class="state-list">
                            {move || {
                                analysis
                                    .with(|a| {
                                        a.machine
                                            .iter()
                                            .flat_map(|m| m.states.iter())
                                            .map(|st| {
                                                let class = format!("state {}", st.kind.type_name());
                                                let kind = st.kind.asl_type().to_string();
                                                view! {
                                                    <li class=class data-state=st.name.clone()>
                                                        <span class="kind">{kind}</span>
                                                        {st.name.clone()}
                                                    </li>
                                                }
                                            })
                                            .collect_view()
                                    })
                            }}
                        </ul>
                    </div>
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
                                            view! { <li class=class>{msg}</li> }
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
