//! The browser entry point: install the panic hook and mount the app. Nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(stepscope::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "stepscope-web is the browser build; run it with `make serve`. The CLI is `stepscope`."
    );
}
