//! Browser adapters: canvas text measurement for layout.

use crate::layout::{EstimateMeasure, TextMeasure};
use wasm_bindgen::JsCast;

/// Measures text with a canvas 2D context in the page's font; falls back to the estimate.
pub struct CanvasMeasure {
    ctx: Option<web_sys::CanvasRenderingContext2d>,
}

impl CanvasMeasure {
    pub fn new() -> Self {
        let ctx = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .and_then(|c| c.get_context("2d").ok().flatten())
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        CanvasMeasure { ctx }
    }
}

impl TextMeasure for CanvasMeasure {
    fn width(&self, text: &str, font_px: f64) -> f64 {
        let Some(ctx) = &self.ctx else {
            return EstimateMeasure.width(text, font_px);
        };
        ctx.set_font(&format!(
            "{font_px}px system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif"
        ));
        match ctx.measure_text(text) {
            Ok(m) if m.width().is_finite() => m.width(),
            _ => EstimateMeasure.width(text, font_px),
        }
    }
}
