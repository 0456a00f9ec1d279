//! The Simulate panel: an execution input, a MockConfigFile and a seed, run through the simulator
//! (in its own Web Worker, loaded on first use) into a history that replays like a recorded one.
//! The panel takes the history editor's place in the inputs pane while it is open.

use leptos::prelude::*;

use super::sim_client;
use super::state::{use_app, AppState};
use std::collections::BTreeMap;

use crate::pipeline::{MockAnswer, MockRow, SimCase, SimOverride, SimRequest, SimResponse};

/// What the panel holds (a part of [`AppState`]).
#[derive(Clone, Copy)]
pub struct SimState {
    pub open: RwSignal<bool>,
    pub input: RwSignal<String>,
    pub mocks: RwSignal<String>,
    pub test_case: RwSignal<Option<String>>,
    pub seed: RwSignal<u64>,
    pub running: RwSignal<bool>,
    /// What the last run gave: "SUCCEEDED · 14 events", and the states it defaulted.
    pub status: RwSignal<Option<String>>,
    /// Why the last run could not be made: (field, line, column, message).
    pub problem: RwSignal<Option<(String, usize, usize, String)>>,
    /// The history text the simulator last produced: while the history is this text, the run
    /// shown is a simulated one.
    pub produced: RwSignal<Option<String>>,
    /// A link opened a simulation: it runs once the page is up.
    pub run_on_open: StoredValue<bool>,
    /// The request the shown run was made from: when the panel no longer matches it, the status
    /// says the run is out of date.
    pub ran: RwSignal<Option<String>>,
    /// How many runs have come back (the status line's `data-runs`, for tests and tools).
    pub runs: RwSignal<u32>,
    /// The mocks shown as a table (one row per Task state) rather than as the file's text.
    pub table: RwSignal<bool>,
    /// What-ifs from the inspector, by state: each change re-simulates.
    pub overrides: RwSignal<BTreeMap<String, SimOverride>>,
    /// What each visit of the last simulated run did with its data, by its Entered event id.
    pub flow: RwSignal<std::collections::HashMap<u64, serde_json::Map<String, serde_json::Value>>>,
}

impl SimState {
    pub fn new() -> Self {
        SimState {
            open: RwSignal::new(false),
            input: RwSignal::new("{}".to_string()),
            mocks: RwSignal::new(String::new()),
            test_case: RwSignal::new(None),
            seed: RwSignal::new(1),
            running: RwSignal::new(false),
            status: RwSignal::new(None),
            problem: RwSignal::new(None),
            produced: RwSignal::new(None),
            run_on_open: StoredValue::new(false),
            flow: RwSignal::new(std::collections::HashMap::new()),
            overrides: RwSignal::new(BTreeMap::new()),
            table: RwSignal::new(false),
            ran: RwSignal::new(None),
            runs: RwSignal::new(0),
        }
    }

    /// The panel's case, as links and replay files carry it.
    pub fn case(self) -> SimCase {
        SimCase {
            input: self.input.get(),
            mocks: self.mocks.get(),
            test_case: self.test_case.get(),
            seed: self.seed.get(),
            overrides: self.overrides.with(|o| {
                if o.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(o).unwrap_or_default()
                }
            }),
        }
    }

    /// Fills the panel with a link's or a file's case.
    pub fn fill(self, case: SimCase) {
        let pretty = |t: &str| {
            serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| t.to_string())
        };
        self.input.set(pretty(&case.input));
        self.mocks.set(if case.mocks.trim().is_empty() {
            String::new()
        } else {
            pretty(&case.mocks)
        });
        self.test_case.set(case.test_case);
        self.seed.set(case.seed);
        self.overrides
            .set(serde_json::from_str(&case.overrides).unwrap_or_default());
    }
}

pub fn use_sim() -> SimState {
    use_app().sim
}

/// Whether the run shown was simulated (its history is the one the simulator produced).
pub fn simulated(app: AppState, sim: SimState) -> bool {
    sim.produced.with(|p| {
        p.as_ref()
            .is_some_and(|p| app.history.value.with(|h| h == p))
    })
}

/// Simulates the panel's case on the current definition, and loads the run it gives.
pub fn run(app: AppState, sim: SimState) {
    let request = SimRequest {
        definition: app.definition.value.get_untracked(),
        machine: app.machine_pick.get_untracked(),
        input: sim.input.get_untracked(),
        mocks: sim.mocks.get_untracked(),
        test_case: sim.test_case.get_untracked(),
        state_machine: None,
        seed: sim.seed.get_untracked(),
        overrides: sim.overrides.get_untracked(),
    };
    let Ok(text) = serde_json::to_string(&request) else {
        return;
    };
    let asked = text.clone();
    sim.running.set(true);
    sim.problem.set(None);
    sim_client::simulate(text, move |answer| {
        sim.running.set(false);
        let response = answer.and_then(|a| {
            serde_json::from_str::<SimResponse>(&a)
                .map_err(|e| format!("an answer it can't read: {e}"))
        });
        match response {
            Ok(SimResponse {
                problem: Some(p), ..
            }) => {
                sim.status.set(None);
                sim.problem
                    .set(Some((p.field, p.line, p.column, p.message)));
            }
            Ok(SimResponse {
                history: Some(h),
                status,
                defaulted,
                flow,
                error,
                cause,
                ..
            }) => {
                sim.flow.set(flow.into_iter().collect());
                sim.ran.set(Some(asked));
                sim.runs.update(|n| *n += 1);
                let events = h.lines().filter(|l| l.starts_with("  {")).count();
                let defaulted = if defaulted.is_empty() {
                    String::new()
                } else {
                    format!(
                        " · defaulted (no mock): {}",
                        crate::pipeline::name_some(&defaulted, 4)
                    )
                };
                // A failed run says why, as its ExecutionFailed does.
                let why = match (error, cause) {
                    (Some(e), Some(c)) => format!(" · {e}: {c}"),
                    (Some(e), None) => format!(" · {e}"),
                    (None, Some(c)) => format!(" · {c}"),
                    (None, None) => String::new(),
                };
                sim.status.set(Some(format!(
                    "{}{why} · {events} events{defaulted}",
                    status.unwrap_or_default()
                )));
                sim.produced.set(Some(h.clone()));
                app.mismatch_kept.set(false);
                app.history.set_now(h);
            }
            Ok(_) => sim.problem.set(Some((
                "request".into(),
                1,
                1,
                "the simulator gave no run".into(),
            ))),
            Err(e) => sim.problem.set(Some(("request".into(), 1, 1, e))),
        }
    });
}

/// Fills the panel from a dropped or opened file, if it is a MockConfigFile or a case file
/// (`{"stepscopeCase": 1, "input", "mockConfig", "testCase", ...}`); says whether it was.
pub fn take_sim_file(sim: SimState, text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    if v.get("stepscopeCase").is_some() {
        if let Some(i) = v.get("input") {
            sim.input.set(pretty(i));
        }
        match v.get("mockConfig").filter(|m| !m.is_null()) {
            Some(m) => sim.mocks.set(pretty(m)),
            None => sim.mocks.set(String::new()),
        }
        sim.test_case
            .set(v.get("testCase").and_then(|c| c.as_str()).map(String::from));
    } else if v.get("StateMachines").is_some() && v.get("MockedResponses").is_some() {
        sim.mocks.set(text.to_string());
    } else {
        return false;
    }
    sim.open.set(true);
    true
}

/// Ctrl+Enter (or ⌘+Enter) in the panel's editors runs the simulation.
fn run_on_ctrl_enter(app: AppState, sim: SimState, ev: web_sys::KeyboardEvent) {
    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
        ev.prevent_default();
        run(app, sim);
    }
}

/// The panel itself.
#[component]
pub fn SimulatePanel() -> impl IntoView {
    let app = use_app();
    let sim = use_sim();
    let SimState {
        input,
        mocks,
        test_case,
        seed,
        running,
        status,
        problem,
        ..
    } = sim;
    let cases = Memo::new(move |_| mocks.with(|m| crate::pipeline::sim_test_cases(m)));
    // A picked case the mock file no longer has falls back to its first.
    Effect::new(move |_| {
        let list = cases.get();
        let picked = test_case.get_untracked();
        if picked
            .as_ref()
            .is_none_or(|p| !list.iter().any(|(_, c)| c == p))
        {
            test_case.set(list.first().map(|(_, c)| c.clone()));
        }
    });
    let problem_in = move |field: &'static str| {
        move || {
            problem.with(|p| {
                p.as_ref().filter(|p| p.0 == field).map(|(_, line, col, msg)| {
                    view! { <li class="diagnostic error">{format!("{line}:{col} error: {msg}")}</li> }
                })
            })
        }
    };
    let other_problem = move || {
        problem.with(|p| {
            p.as_ref()
                .filter(|p| p.0 != "input" && p.0 != "mocks")
                .map(|(_, _, _, msg)| view! { <li class="diagnostic error">{msg.clone()}</li> })
        })
    };
    view! {
        <div class="sim-panel" data-testid="sim-panel">
            <div class="sim-controls">
                {move || (cases.with(Vec::len) > 0).then(|| view! {
                    <label class="sim-field">"Test case "
                        <select data-testid="sim-test-case" aria-label="Test case"
                            on:change=move |ev| {
                                test_case.set(Some(event_target_value(&ev)));
                                // Another case of a run shown: show its run.
                                if simulated(app, sim) { run(app, sim); }
                            }
                            prop:value=move || test_case.get().unwrap_or_default()>
                            {move || cases.get().into_iter().map(|(_, c)| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                <label class="sim-field">"Seed "
                    <input type="number" min="0" class="sim-seed" data-testid="sim-seed" aria-label="Seed"
                        prop:value=move || seed.get().to_string()
                        on:input=move |ev| { if let Ok(s) = event_target_value(&ev).trim().parse::<u64>() { seed.set(s) } } />
                </label>
                <button class="toggle primary" data-testid="sim-run" disabled=move || running.get() title="Run the simulation (Ctrl+Enter in the editors)"
                    on:click=move |_| run(app, sim)>
                    {move || if running.get() { "Running…" } else { "▶ Run" }}
                </button>
            </div>
            {move || status.get().map(|s| view! { <p class="sim-status" data-testid="sim-status" role="status" data-runs=move || sim.runs.get().to_string()>{format!("Simulated · {s}")}</p> })}
            {move || {
                // The panel changed since the run shown: say so, until Run.
                let now = SimRequest {
                    definition: app.definition.value.get(),
                    machine: app.machine_pick.get(),
                    input: input.get(),
                    mocks: mocks.get(),
                    test_case: test_case.get(),
                    state_machine: None,
                    seed: seed.get(),
                    overrides: sim.overrides.get(),
                };
                let stale = sim.ran.with(|r| r.as_ref().is_some_and(|r| serde_json::to_string(&now).ok().as_ref() != Some(r)));
                (stale && !running.get()).then(|| view! { <p class="sim-stale" data-testid="sim-stale">"Edited since this run: press Run to see the change."</p> })
            }}
            <label class="pane-title" for="sim-input">"Execution input"<span class="badge">"JSON"</span></label>
            <ul class="diagnostics sim" data-testid="sim-diagnostics">{problem_in("input")}{problem_in("mocks")}{other_problem}</ul>
            <div class="editor-wrap sim-input">
                <textarea id="sim-input" class="editor" data-testid="sim-input" spellcheck="false" wrap="off"
                    prop:value=move || input.get()
                    on:keydown=move |ev| run_on_ctrl_enter(app, sim, ev)
                    on:input=move |ev| input.set(event_target_value(&ev))></textarea>
            </div>
            <label class="pane-title" for="sim-mocks">
                "Mocks"
                <span class="badge">{move || match cases.with(Vec::len) {
                    0 if mocks.with(|m| m.trim().is_empty()) => "none: every task returns a default".to_string(),
                    0 => "not a MockConfigFile".to_string(),
                    1 => "MockConfigFile · 1 test case".to_string(),
                    n => format!("MockConfigFile · {n} test cases"),
                }}</span>
            </label>
            <TwoTabs class="pane-tabs small" label="Mocks as" second=sim.table
                first_tab=("sim-mocks-as-text", "File") second_tab=("sim-mocks-as-table", "Table") />
            <div class="editor-wrap sim-mocks" class:hidden=move || sim.table.get()>
                <textarea id="sim-mocks" class="editor" data-testid="sim-mocks" spellcheck="false" wrap="off"
                    placeholder="A MockConfigFile: {\"StateMachines\": {…}, \"MockedResponses\": {…}}"
                    prop:value=move || mocks.get()
                    on:keydown=move |ev| run_on_ctrl_enter(app, sim, ev)
                    on:input=move |ev| mocks.set(event_target_value(&ev))></textarea>
            </div>
            {move || sim.table.get().then(|| view! { <MockTable /> })}
        </div>
    }
}

/// Two tabs over one switch: the first shows while `second` is false.
#[component]
pub fn TwoTabs(
    class: &'static str,
    label: &'static str,
    second: RwSignal<bool>,
    /// (test id, text) of each tab.
    first_tab: (&'static str, &'static str),
    second_tab: (&'static str, &'static str),
) -> impl IntoView {
    view! {
        <div class=class role="tablist" aria-label=label>
            <button role="tab" class="pane-tab" data-testid=first_tab.0 aria-selected=move || (!second.get()).to_string()
                on:click=move |_| second.set(false)>{first_tab.1}</button>
            <button role="tab" class="pane-tab" data-testid=second_tab.0 aria-selected=move || second.get().to_string()
                on:click=move |_| second.set(true)>{second_tab.1}</button>
        </div>
    }
}

/// The Task states of the definition, in its order.
fn task_states(app: AppState) -> Vec<String> {
    app.analysis.with(|a| {
        a.machine
            .as_ref()
            .map(|m| {
                m.states
                    .iter()
                    .filter(|s| matches!(s.kind, crate::pipeline::StateKind::Task(_)))
                    .map(|s| s.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The mocks as a table: a row per Task state, each a sequence of answers (Return a result or
/// Throw an error, a latency, how many times in a row). Each change rewrites the file's text, and
/// the table is read back from it, so the two never disagree.
#[component]
fn MockTable() -> impl IntoView {
    let app = use_app();
    let sim = use_sim();
    // The case the table edits: the picked one, or a new one named "Simulate".
    let case = move || {
        sim.test_case
            .get()
            .unwrap_or_else(|| "Simulate".to_string())
    };
    let rows = Memo::new(move |_| {
        let tasks = task_states(app);
        sim.mocks
            .with(|m| crate::pipeline::mock_rows(m, None, &case(), &tasks))
    });
    let edit = move |state: String, f: &dyn Fn(&mut Vec<MockAnswer>)| {
        let mut all: Vec<MockRow> = rows.get_untracked();
        if let Some(r) = all.iter_mut().find(|r| r.state == state) {
            f(&mut r.answers);
        }
        let c = case();
        let text = sim
            .mocks
            .with_untracked(|m| crate::pipeline::write_mock_rows(m, None, &c, &all));
        sim.mocks.set(text);
        if sim.test_case.get_untracked().is_none() {
            sim.test_case.set(Some(c));
        }
    };
    view! {
        <div class="mock-table" data-testid="sim-mock-table">
            {move || rows.get().is_empty().then(|| view! { <p class="muted">"The definition has no Task states to mock."</p> })}
            {move || rows.get().into_iter().map(|row| {
                let state = StoredValue::new(row.state.clone());
                let n = row.answers.len();
                view! {
                    <div class="mock-row" data-testid="sim-mock-row" data-state=row.state.clone()>
                        <div class="mock-state">{row.state.clone()}
                            {(n == 0).then(|| view! { <span class="muted">" · default result"</span> })}
                        </div>
                        {(n > 0).then(|| view! { <div class="mock-head">"invocations in order: answer · result (JSON) or error and cause · latency ms · times in a row"</div> })}
                        {row.answers.into_iter().enumerate().map(|(i, a)| {
                            let throw = a.kind == "Throw";
                            view! {
                                <div class="mock-answer">
                                    <select aria-label="Answer" data-testid="sim-mock-kind" prop:value=a.kind.clone()
                                        on:change=move |ev| { let k = event_target_value(&ev); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.kind = k.clone(); if x.kind == "Throw" && x.error.is_empty() { x.error = "States.TaskFailed".into(); } }) }>
                                        <option value="Return">"Return"</option>
                                        <option value="Throw">"Throw"</option>
                                    </select>
                                    {if throw {
                                        view! {
                                            <input class="mock-text" aria-label="Error" data-testid="sim-mock-error" prop:value=a.error.clone()
                                                on:change=move |ev| { let e = event_target_value(&ev); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.error = e.clone(); }) } />
                                            <input class="mock-text" aria-label="Cause" placeholder="cause" prop:value=a.cause.clone()
                                                on:change=move |ev| { let c = event_target_value(&ev); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.cause = c.clone(); }) } />
                                        }.into_any()
                                    } else {
                                        view! {
                                            <input class="mock-text wide" aria-label="Result (JSON)" data-testid="sim-mock-value" prop:value=a.value.clone()
                                                on:change=move |ev| { let r = event_target_value(&ev); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.value = r.clone(); }) } />
                                        }.into_any()
                                    }}
                                    <input type="number" min="0" class="mock-num" aria-label="Latency in ms" placeholder="ms" prop:value=a.latency_ms.map(|l| l.to_string()).unwrap_or_default()
                                        on:change=move |ev| { let l = event_target_value(&ev).trim().parse::<i64>().ok(); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.latency_ms = l; }) } />
                                    <label class="mock-times">"×"
                                        <input type="number" min="1" class="mock-num" aria-label="Times in a row" data-testid="sim-mock-times" prop:value=a.times.to_string()
                                            on:change=move |ev| { let t = event_target_value(&ev).trim().parse::<u64>().unwrap_or(1).max(1); edit(state.get_value(), &|v: &mut Vec<MockAnswer>| if let Some(x) = v.get_mut(i) { x.times = t; }) } />
                                    </label>
                                    <button class="link" aria-label="Remove this answer" on:click=move |_| edit(state.get_value(), &|v: &mut Vec<MockAnswer>| { if i < v.len() { v.remove(i); } })>"×"</button>
                                </div>
                            }
                        }).collect_view()}
                        <button class="link" data-testid="sim-mock-add" on:click=move |_| edit(state.get_value(), &|v: &mut Vec<MockAnswer>| v.push(MockAnswer::returning("{}")))>"+ answer"</button>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// The steps of a visit's data flow, in the order the service applies them, with their labels.
pub const FLOW_STEPS: [(&str, &str); 10] = [
    ("input", "Input"),
    ("afterInputPath", "After InputPath"),
    ("parameters", "Parameters"),
    ("arguments", "Arguments"),
    ("result", "Result"),
    ("afterResultSelector", "After ResultSelector"),
    ("afterResultPath", "After ResultPath"),
    ("errorOutput", "Error output (caught)"),
    ("output", "Output"),
    ("assigned", "Variables assigned"),
];

/// "What if" in the inspector of a simulated run: make a Task fail (with an error its Retry or
/// Catch names, or another), give it a latency, or edit the input a Choice's rules see. Each
/// change re-simulates at once.
#[component]
pub fn WhatIf(
    state: String,
    /// Task or Choice.
    kind: &'static str,
    /// The errors the state's Retry and Catch rules name.
    errors: Vec<String>,
    /// The input the state saw in this run (for a Choice).
    seen: Option<String>,
) -> impl IntoView {
    let app = use_app();
    let sim = use_sim();
    let name = StoredValue::new(state);
    let current = move || {
        sim.overrides
            .with(|o| name.with_value(|n| o.get(n).cloned()).unwrap_or_default())
    };
    let set = move |f: &dyn Fn(&mut SimOverride)| {
        sim.overrides.update(|o| {
            let n = name.get_value();
            let entry = o.entry(n.clone()).or_default();
            f(entry);
            if *entry == SimOverride::default() {
                o.remove(&n);
            }
        });
        run(app, sim);
    };
    let custom = RwSignal::new(String::new());
    let choice_text = RwSignal::new(
        current()
            .input
            .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
            .or(seen)
            .unwrap_or_default(),
    );
    let choice_problem = RwSignal::new(None::<String>);
    let error_list = StoredValue::new(errors);
    view! {
        <section class="what-if" data-testid="what-if">
            <h3>"What if"</h3>
            {(kind == "Task").then(|| view! {
                <div class="what-if-row">
                    <label>"Fail this state with "
                        <select data-testid="what-if-error" aria-label="Error to fail with"
                            prop:value=move || current().error.unwrap_or_default()
                            on:change=move |ev| {
                                let e = event_target_value(&ev);
                                set(&|o: &mut SimOverride| { o.error = (!e.is_empty()).then(|| e.clone()); o.cause = o.error.as_ref().map(|_| "failed by a what-if".to_string()); });
                            }>
                            <option value="">"— (as mocked)"</option>
                            {move || error_list.get_value().into_iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                            {move || current().error.filter(|e| !error_list.with_value(|l| l.contains(e))).map(|e| view! { <option value=e.clone()>{e.clone()}</option> })}
                        </select>
                    </label>
                </div>
                <div class="what-if-row">
                    <input class="what-if-custom" data-testid="what-if-custom" placeholder="or another error, e.g. Lambda.ServiceException"
                        prop:value=move || custom.get() on:input=move |ev| custom.set(event_target_value(&ev)) />
                    <button class="toggle" data-testid="what-if-fail" on:click=move |_| {
                        let e = custom.get_untracked().trim().to_string();
                        if !e.is_empty() { set(&|o: &mut SimOverride| { o.error = Some(e.clone()); o.cause = Some("failed by a what-if".into()); }); }
                    }>"Fail with this error"</button>
                </div>
                <div class="what-if-row">
                    <label>"Latency "
                        <input type="number" min="0" class="what-if-latency" data-testid="what-if-latency" aria-label="Latency in ms"
                            prop:value=move || current().latency_ms.map(|l| l.to_string()).unwrap_or_default()
                            on:change=move |ev| {
                                let v = event_target_value(&ev).trim().parse::<u64>().ok();
                                set(&|o: &mut SimOverride| o.latency_ms = v);
                            } />
                        " ms"
                    </label>
                </div>
            })}
            {(kind == "Choice").then(|| view! {
                <div class="what-if-row column">
                    <label for="what-if-input">"The input its rules see"</label>
                    <textarea id="what-if-input" class="editor what-if-input" data-testid="what-if-input" spellcheck="false"
                        prop:value=move || choice_text.get() on:input=move |ev| choice_text.set(event_target_value(&ev))></textarea>
                    {move || choice_problem.get().map(|p| view! { <div class="diagnostic error">{p}</div> })}
                    <button class="toggle" data-testid="what-if-take" on:click=move |_| {
                        match serde_json::from_str::<serde_json::Value>(&choice_text.get_untracked()) {
                            Ok(v) => { choice_problem.set(None); set(&|o: &mut SimOverride| o.input = Some(v.clone())); }
                            Err(e) => choice_problem.set(Some(format!("{}:{} {e}", e.line(), e.column()))),
                        }
                    }>"Re-simulate with this input"</button>
                </div>
            })}
            {move || (current() != SimOverride::default()).then(|| view! {
                <button class="link" data-testid="what-if-clear" on:click=move |_| set(&|o: &mut SimOverride| *o = SimOverride::default())>"Undo this what-if"</button>
            })}
        </section>
    }
}
