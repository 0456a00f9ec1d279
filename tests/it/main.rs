//! The one native integration-test binary. Each module tests one stage or one invariant.

mod support;

mod check;
mod cli;
mod props;
mod source;
mod tidy;
