//! The page's first module: the first view (`ui::first_view`), which draws the graph and then
//! loads the app. Trunk builds it as the page's main module (`data-bin="stepscope-view"`).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    stepscope::ui::first_view::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("stepscope-view is the browser's first view; run it with `make serve`.");
}
