//! The bundled demo: an order-processing state machine and one recorded-looking run of it.
//!
//! The app loads these on the first visit, and tests use them as a realistic fixture.

/// The demo definition (Amazon States Language, JSON).
pub const DEFINITION: &str = include_str!("demo/order-processing.asl.json");

/// A `get-execution-history` output (CLI v2 style, ISO-8601 timestamps) for one run of [`DEFINITION`].
pub const HISTORY: &str = include_str!("demo/order-processing.history.json");

/// The name shown for the demo machine.
pub const NAME: &str = "order-processing";
