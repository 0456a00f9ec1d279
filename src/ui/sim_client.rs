//! The page's side of the simulator: requests go to the second module's Web Worker
//! ([`super::job_worker`]), started the first time someone runs a simulation. A run asked for
//! while another is going replaces it.

use super::job_worker::{Channel, Client};
use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    static SLOT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

static SIMULATOR: Channel = Channel {
    slot: &SLOT,
    what: "the simulator",
};

/// Sends a simulation request (JSON text) to the worker; `done` gets the response's JSON text,
/// or why there is none. A later request replaces an unanswered one.
pub fn simulate(request: String, done: impl FnOnce(Result<String, String>) + 'static) {
    SIMULATOR.send(
        &[("request", JsValue::from_str(&request))],
        None,
        Box::new(done),
    );
}
