//! Text measurement, an input to layout: layout-rs never measures our labels.

/// Measures the width of a text line in pixels at a font size.
pub trait TextMeasure {
    fn width(&self, text: &str, font_px: f64) -> f64;
}

/// A deterministic estimate (used natively and in tests): average glyph widths of a sans-serif
/// face, by character class. Good to a few percent for Latin text.
pub struct EstimateMeasure;

impl TextMeasure for EstimateMeasure {
    fn width(&self, text: &str, font_px: f64) -> f64 {
        let em: f64 = text
            .chars()
            .map(|c| match c {
                'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.28,
                'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '-' => 0.36,
                'm' | 'w' | 'M' | 'W' | '@' => 0.86,
                c if c.is_ascii_uppercase() => 0.66,
                c if c.is_ascii_digit() => 0.56,
                c if c.is_ascii() => 0.52,
                // Wide scripts and emoji.
                c if (c as u32) >= 0x1100 => 1.0,
                _ => 0.6,
            })
            .sum();
        let w = em * font_px;
        if w.is_finite() {
            w
        } else {
            0.0
        }
    }
}
