//! The baseline for `sim_size.rs`: the same program, reading and writing the JSON, without the
//! simulator.

fn main() {
    let text = std::hint::black_box(stepscope::demo::DEFINITION);
    let def: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    std::hint::black_box(def.to_string());
}
