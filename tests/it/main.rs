//! The one native integration-test binary. Each module tests one stage or one invariant.

mod support;

mod cli;
mod source;
mod tidy;
