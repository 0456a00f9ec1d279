//! In-browser tests (wasm-bindgen-test in headless Chromium): mount the app and look at the DOM.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

#[wasm_bindgen_test]
async fn app_mounts_with_the_demo_definition() {
    leptos::mount::mount_to_body(stepscope::ui::App);
    // Let reactive effects (which set the textarea's value and draw the graph) run.
    let doc = document();
    for _ in 0..100 {
        gloo_timers::future::TimeoutFuture::new(20).await;
        if doc
            .query_selector("[data-testid=graph] svg")
            .ok()
            .flatten()
            .is_some()
        {
            break;
        }
    }
    let editor = doc
        .query_selector("[data-testid=definition-input]")
        .unwrap()
        .expect("definition editor")
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .unwrap();
    assert!(editor.value().contains("\"StartAt\": \"ValidateOrder\""));
    let states = doc
        .query_selector_all("[data-testid=graph] [data-state]")
        .unwrap();
    assert_eq!(states.length(), 16, "one node per state of the demo");
    // The catch from ValidateOrder ends at a stub of NotifyFailure, which never carries data-state.
    let stubs = doc
        .query_selector_all("[data-testid=graph] [data-stub-for]")
        .unwrap();
    assert!(stubs.length() >= 1);
}
