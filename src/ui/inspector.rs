//! The inspector: everything about the selected state, from the definition and from the run.

use leptos::prelude::*;

use crate::pipeline::Replay;
use crate::pipeline::Visit;
use crate::pipeline::{Integration, StateKind, StateMachine};

/// How many visits the inspector lists at once, around the one at t.
const VISIT_WINDOW: usize = 40;

fn explain_resource(kind: &StateKind) -> Option<(String, String, String)> {
    let StateKind::Task(t) = kind else {
        return None;
    };
    let r = &t.resource;
    let service = if r.service.is_empty() {
        "—".to_string()
    } else {
        r.service.clone()
    };
    Some((service, r.action.clone(), r.pattern.describe().to_string()))
}

fn fmt_ms(ms: i64) -> String {
    crate::pipeline::format_duration_exact(ms)
}

fn copy(text: String) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(&text);
    }
}

fn json_block(label: &'static str, value: Option<serde_json::Value>) -> impl IntoView {
    let text = value.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default());
    text.map(|t| {
        let for_copy = t.clone();
        view! {
            <div class="json-block">
                <div class="json-head">
                    <span>{label}</span>
                    <button class="copy" title="Copy" on:click=move |_| copy(for_copy.clone())>"Copy"</button>
                </div>
                <pre>{t}</pre>
            </div>
        }
    })
}

/// What a visit did with its data, step by step: the simulator's record for a simulated run;
/// for a recorded one, what the history holds (input, parameters, result, output, variables).
fn data_flow(
    v: &Visit,
    flow: Option<&serde_json::Map<String, serde_json::Value>>,
    recorded: Vec<(&'static str, serde_json::Value)>,
) -> impl IntoView {
    let steps: Vec<(&'static str, serde_json::Value)> = match flow {
        Some(f) => super::simulate::FLOW_STEPS
            .iter()
            .filter_map(|(key, _)| f.get(*key).map(|x| (*key, x.clone())))
            .collect(),
        None if !recorded.is_empty() => recorded,
        None => [("input", v.input_value()), ("output", v.output_value())]
            .into_iter()
            .filter_map(|(k, x)| x.map(|x| (k, x)))
            .collect(),
    };
    let label = |key: &str| {
        super::simulate::FLOW_STEPS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, l)| *l)
    };
    let title = if flow.is_some() {
        "Data flow (simulated)"
    } else {
        "Data flow (as recorded)"
    };
    view! {
        <div class="data-flow" data-testid="data-flow">
            <div class="flow-title">{title}</div>
            {steps.into_iter().map(|(k, x)| json_block(label(k), Some(x))).collect_view()}
        </div>
    }
}

fn visit_view(
    v: &Visit,
    n: usize,
    active: bool,
    flow: Option<&serde_json::Map<String, serde_json::Value>>,
    recorded: Vec<(&'static str, serde_json::Value)>,
) -> impl IntoView {
    let dur = v
        .exited_ms
        .map(|x| fmt_ms(x - v.entered_ms))
        .unwrap_or_else(|| "still running".into());
    let mut where_ = String::new();
    if let Some(b) = v.branch {
        where_.push_str(&format!(" · branch {b}"));
    }
    if let Some(i) = v.iteration {
        where_.push_str(&format!(" · item {i}"));
    }
    if v.segment > 0 {
        where_.push_str(&format!(" · redrive {}", v.segment));
    }
    let outcome = v.outcome.as_str().replace('_', " ");
    let class = format!("outcome {}", v.outcome.as_str());
    let attempts: Vec<_> = v
        .attempts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let run = a.ended_ms.map(|e| fmt_ms(e - a.scheduled_ms)).unwrap_or_else(|| "…".into());
            let err = a.error.clone().map(|e| format!(" · {e}")).unwrap_or_default();
            let cause = a.cause.clone();
            view! { <li>{format!("try {} at +{} · {run}{err}", i + 1, fmt_ms(a.scheduled_ms))}{cause.map(|c| view! { <div class="cause">{c}</div> })}</li> }
        })
        .collect();
    let backoffs = v.backoffs();
    let decision = v.decision.clone();
    let error = v.error.clone();
    let cause = v.cause.clone();
    view! {
        <div class=if active { "visit active" } else { "visit" } data-testid=if active { "active-visit" } else { "visit" }>
            <div class="visit-head">
                <span class="visit-n">{format!("Visit {n}")}</span>
                <span class=class>{outcome}</span>
            </div>
            <div class="muted">{format!("entered +{} · {dur}{where_}", fmt_ms(v.entered_ms))}</div>
            {decision.map(|d| view! { <div>{format!("Choice took {d}")}</div> })}
            {error.map(|e| view! { <div class="error-line">{e}</div> })}
            {cause.map(|c| view! { <div class="cause">{c}</div> })}
            {(!attempts.is_empty()).then(|| view! { <ul class="attempts">{attempts}</ul> })}
            {(!backoffs.is_empty()).then(|| view! { <div class="muted">{format!("waited {} before retrying", backoffs.iter().map(|b| fmt_ms(*b)).collect::<Vec<_>>().join(", "))}</div> })}
            {data_flow(v, flow, recorded)}
        </div>
    }
}

/// The selected state's definition fragment, resource, policies and visits.
#[component]
pub fn Inspector(
    name: String,
    machine: Option<StateMachine>,
    source: String,
    replayed: RwSignal<Option<Replay>>,
    t: RwSignal<i64>,
    on_close: Callback<()>,
) -> impl IntoView {
    let state = machine.as_ref().and_then(|m| m.find(&name)).cloned();
    let fragment = state
        .as_ref()
        .and_then(|s| source.get(s.name_span.start..s.span.end))
        .map(String::from);
    let resource = state.as_ref().and_then(|s| explain_resource(&s.kind));
    let retries: Vec<String> = state
        .as_ref()
        .map(|s| s.retriers.iter().map(|r| r.describe()).collect())
        .unwrap_or_default();
    let catches: Vec<String> = state
        .as_ref()
        .map(|s| {
            s.catchers
                .iter()
                .map(|c| {
                    let to = c.next.as_ref().map_or("?", |n| n.name.as_str());
                    let at = c
                        .result_path
                        .as_ref()
                        .map(|p| format!(", error at {p}"))
                        .unwrap_or_default();
                    format!("{} → {to}{at}", c.error_equals.join(", "))
                })
                .collect()
        })
        .unwrap_or_default();
    let kind = state
        .as_ref()
        .map(|s| s.kind.asl_type().to_string())
        .unwrap_or_default();
    // This state's visits (indexes into the timeline), in order of entry.
    let visits: Vec<usize> = replayed.with_untracked(|r| {
        r.as_ref()
            .map(|r| {
                let mut vs: Vec<usize> = (0..r.timeline.visits.len())
                    .filter(|&i| r.timeline.visits[i].state == name)
                    .collect();
                vs.sort_by_key(|&i| (r.timeline.visits[i].entered_ms, i));
                vs
            })
            .unwrap_or_default()
    });
    let n_visits = visits.len();
    let app = super::state::use_app();
    let simulated = super::simulate::simulated(app, app.sim);
    // What-ifs for a simulated run's Task or Choice.
    let what_if = state.as_ref().filter(|_| simulated).and_then(|s| {
        let kind = match &s.kind {
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            _ => return None,
        };
        let mut errors: Vec<String> = s
            .retriers
            .iter()
            .flat_map(|r| r.error_equals.iter().cloned())
            .chain(
                s.catchers
                    .iter()
                    .flat_map(|c| c.error_equals.iter().cloned()),
            )
            .filter(|e| e != "States.ALL")
            .collect();
        errors.extend([
            "States.TaskFailed".to_string(),
            "States.Timeout".to_string(),
        ]);
        errors.dedup();
        let mut seen_list = Vec::new();
        for e in errors {
            if !seen_list.contains(&e) {
                seen_list.push(e);
            }
        }
        Some((s.name.clone(), kind, seen_list))
    });
    let seen_input = replayed.with_untracked(|r| {
        r.as_ref().and_then(|r| {
            visits.last().map(|&i| &r.timeline.visits[i]).and_then(|v| {
                app.sim
                    .flow
                    .with_untracked(|f| {
                        f.get(&v.entered_event)
                            .and_then(|m| m.get("input").cloned())
                    })
                    .or_else(|| v.input_value())
                    .map(|x| serde_json::to_string_pretty(&x).unwrap_or_default())
            })
        })
    });
    let has_run = replayed.with_untracked(|r| r.is_some());
    // Selection follows time: the visit under way at t, or the last one entered by then.
    let visits = StoredValue::new(visits);
    let active = Memo::new(move |_| {
        let now = t.get();
        replayed.with(|r| {
            let r = r.as_ref()?;
            visits.with_value(|vs| {
                let n = vs.partition_point(|&i| r.timeline.visits[i].entered_ms <= now);
                n.checked_sub(1)
            })
        })
    });
    let list = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let _ = active.get();
        request_animation_frame(move || {
            // The inspector may be gone by the next frame.
            if let Some(el) = list
                .try_get_untracked()
                .flatten()
                .and_then(|l| l.query_selector(".visit.active").ok().flatten())
            {
                el.scroll_into_view_with_bool(false);
            }
        });
    });
    let pattern_note = state.as_ref().and_then(|s| match &s.kind {
        StateKind::Task(t) if t.resource.pattern == Integration::WaitForTaskToken => {
            Some("Waits for SendTaskSuccess or SendTaskFailure with the task token.")
        }
        StateKind::Task(t) if t.resource.pattern == Integration::Sync => {
            Some("Starts a job and waits for it to finish.")
        }
        _ => None,
    });
    view! {
        <aside class="inspector" data-testid="inspector" aria-label="Inspector" tabindex="-1">
            <div class="inspector-head">
                <div>
                    <div class="kind-label">{kind}</div>
                    <h2>{name.clone()}</h2>
                </div>
                <button class="close" title="Close (Esc)" on:click=move |_| on_close.run(())>"×"</button>
            </div>
            {resource.map(|(service, action, pattern)| view! {
                <section>
                    <h3>"Resource"</h3>
                    <dl class="facts">
                        <dt>"Service"</dt><dd>{service}</dd>
                        <dt>"Action"</dt><dd>{action}</dd>
                        <dt>"Pattern"</dt><dd>{pattern}</dd>
                    </dl>
                    {pattern_note.map(|n| view! { <p class="muted">{n}</p> })}
                </section>
            })}
            {(!retries.is_empty()).then(|| view! { <section><h3>"Retry"</h3><ul>{retries.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul></section> })}
            {(!catches.is_empty()).then(|| view! { <section><h3>"Catch"</h3><ul>{catches.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul></section> })}
            {what_if.map(|(state, kind, errors)| view! { <super::simulate::WhatIf state=state kind=kind errors=errors seen=seen_input /> })}
            <super::compare::CompareInspect name=name.clone() />
            <section>
                <h3>{move || if has_run { format!("In this run: {n_visits} visit{}", if n_visits == 1 { "" } else { "s" }) } else { "No run loaded".to_string() }}</h3>
                <div class="visits" node_ref=list>
                    {move || {
                        let at = active.get();
                        // Long lists show the visits around the one at t.
                        let centre = at.unwrap_or(0);
                        let from = centre.saturating_sub(VISIT_WINDOW / 2);
                        replayed.with(|r| {
                            r.as_ref().map(|r| {
                                visits.with_value(|vs| {
                                    vs.iter()
                                        .enumerate()
                                        .skip(from)
                                        .take(VISIT_WINDOW)
                                        .map(|(k, &i)| {
                                            let v = &r.timeline.visits[i];
                                            app.sim.flow.with(|f| {
                                                let flow = f.get(&v.entered_event).filter(|_| simulated);
                                                // The history's side only for the visit at t: it scans the events.
                                                let recorded = if flow.is_none() && Some(k) == at {
                                                    crate::pipeline::recorded_flow(&r.history, v)
                                                } else {
                                                    Vec::new()
                                                };
                                                visit_view(v, k + 1, Some(k) == at, flow, recorded).into_any()
                                            })
                                        })
                                        .collect_view()
                                })
                            })
                        })
                    }}
                </div>
            </section>
            {fragment.map(|f| view! { <section><h3>"Definition"</h3><pre class="fragment">{f}</pre></section> })}
        </aside>
    }
}
