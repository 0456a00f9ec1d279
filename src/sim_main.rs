//! The simulator's own wasm. The page starts it in a Web Worker (`src/sim-worker.js`) the first
//! time someone runs a simulation, so the first view does not carry the engine (JSONata,
//! JSONPath, the intrinsics). Each job is a [`stepscope::sim::request::Request`] as JSON; the
//! answer is a [`stepscope::sim::request::Response`] as JSON. It also reads many runs at once
//! (issue 18): `sim-worker.js` hands it each dropped file in turn, and asks for the view at the end.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
}

/// Called by `sim-worker.js` for each simulation the page asks for.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stepscope_simulate(request: &str) -> String {
    stepscope::sim::request::run(request)
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static RUNS: std::cell::RefCell<stepscope::compare::runs::RunSet> = Default::default();
}

/// Starts reading a new set of runs (`sim-worker.js`, for a drop of many files).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stepscope_runs_start() {
    RUNS.with(|r| *r.borrow_mut() = Default::default());
}

/// Adds one file to the set; returns what it was read as.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stepscope_runs_add(file: &str, text: &str) -> String {
    RUNS.with(|r| r.borrow_mut().add(file, text).to_string())
}

/// The view of every run added since the start, as JSON ([`stepscope::compare::runs::RunsView`]).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stepscope_runs_finish() -> String {
    let set = RUNS.with(|r| std::mem::take(&mut *r.borrow_mut()));
    serde_json::to_string(&set.finish()).unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("stepscope-sim is the simulator's browser build; the CLI is `stepscope simulate`.");
}
