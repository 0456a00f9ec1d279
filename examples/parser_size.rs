fn main() {
    let text = std::hint::black_box(stepscope::demo::DEFINITION);
    let def: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    std::hint::black_box(def.to_string());
    std::hint::black_box(jsonata_core::parser::parse(std::hint::black_box("a.b")).is_ok());
}
