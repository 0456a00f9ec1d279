//! Amazon States Language: the model of a definition, and the rules that check it.
//!
//! `lower` walks the spanned document tree once, builds a [`StateMachine`] of everything it could
//! understand and reports schema problems (field types, exclusive pairs, fields illegal for a type
//! or a query language). `validate` then checks what needs the whole machine: transition targets
//! and scopes, reachability from `StartAt`, terminal states, duplicate names.

mod exprs;
mod fields;
mod jsonata_syntax;
mod lower;
mod model;
mod validate;

pub use exprs::{check_intrinsic, check_jsonata, check_path, is_placeholder, Jsonata};
pub use lower::lower;
pub use model::*;
pub use validate::validate;
