//! Stepscope: see AWS Step Functions workflows and replay their runs.
//!
//! The crate is a pure core plus a thin browser shell. The core turns pasted text into diagnostics,
//! a model, a graph, a layout, a scene and SVG, and turns an execution history into a timeline.
//! It builds and tests natively and never touches the browser. Only `ui` (compiled for
//! `wasm32` alone) and `src/main.rs` know about Leptos, `web_sys` and `wasm_bindgen`.
//!
//! See ARCHITECTURE.md at the repository root for the bird's-eye view, the code map and the
//! invariants that `tests/it/tidy.rs` enforces.

pub mod asl;
pub mod compare;
pub mod demo;
pub mod diag;
pub mod forms;
pub mod graph;
pub mod history;
pub mod layout;
pub mod limits;
pub mod pipeline;
pub mod replay;
pub mod share;
pub mod sim;
pub mod source;
pub mod svg;
pub mod view;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod ui;
