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

/// A set of runs being read (`sim-worker.js`, for a drop of many files): each file added in
/// turn, then the view of them all.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
#[derive(Default)]
pub struct RunsReader(stepscope::compare::runs::RunSet);

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
impl RunsReader {
    #[wasm_bindgen::prelude::wasm_bindgen(constructor)]
    pub fn new() -> RunsReader {
        RunsReader::default()
    }

    /// Adds one file; returns what it was read as.
    pub fn add(&mut self, file: &str, text: &str) -> String {
        self.0.add(file, text).to_string()
    }

    /// The view of every run added, as JSON ([`stepscope::compare::runs::RunsView`]).
    pub fn finish(&mut self) -> String {
        let set = std::mem::take(&mut self.0);
        serde_json::to_string(&set.finish()).unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("stepscope-sim is the simulator's browser build; the CLI is `stepscope simulate`.");
}
