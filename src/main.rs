//! The browser entry point: install the panic hook and mount the app. The same wasm runs in the
//! Web Worker (`src/worker.js`), where there is no window: there it mounts nothing and answers
//! jobs through [`stepscope_worker_job`].

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    if web_sys::window().is_some() {
        leptos::mount::mount_to_body(stepscope::ui::App);
    }
}

/// Called by `worker.js` for each job the page sends.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn stepscope_worker_job(job: wasm_bindgen::JsValue) -> wasm_bindgen::JsValue {
    stepscope::ui::worker::run_job(&job)
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "stepscope-web is the browser build; run it with `make serve`. The CLI is `stepscope`."
    );
}
