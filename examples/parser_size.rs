//! `make bench` builds this for wasm32 to weigh jsonata-core's parser alone, against
//! `json_size.rs`: the reason the first view checks JSONata with its own parser
//! (`src/asl/jsonata_syntax.rs`) instead.

fn main() {
    let text = std::hint::black_box(stepscope::demo::DEFINITION);
    let def: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    std::hint::black_box(def.to_string());
    std::hint::black_box(jsonata_core::parser::parse(std::hint::black_box("a.b")).is_ok());
}
