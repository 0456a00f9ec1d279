//! `make bench` builds this for wasm32 to weigh the simulator alone: the demo run through
//! `sim::simulate`. `json_size.rs` is the same program without the simulator, so the difference is
//! the engine's share (the app will load the engine on first use, outside the first view).

fn main() {
    let text = std::hint::black_box(stepscope::demo::DEFINITION);
    let def: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let run = stepscope::sim::simulate(
        &def,
        &stepscope::sim::Case::default(),
        stepscope::sim::SimOptions::default(),
    );
    std::hint::black_box(run.history_json());
}
