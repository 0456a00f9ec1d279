//! The simulator's own wasm. The page starts it in a Web Worker (`src/sim-worker.js`) the first
//! time someone runs a simulation, so the first view does not carry the engine (JSONata,
//! JSONPath, the intrinsics). Each job is a [`stepscope::sim::request::Request`] as JSON; the
//! answer is a [`stepscope::sim::request::Response`] as JSON.

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

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("stepscope-sim is the simulator's browser build; the CLI is `stepscope simulate`.");
}
