//! The one native integration-test binary. Each module tests one stage or one invariant.
#![cfg(not(target_arch = "wasm32"))]

mod support;

mod check;
mod cli;
mod compare;
mod contrast;
mod limits;
mod props;
mod render;
mod replay;
mod share;
mod sim;
mod source;
mod tidy;
mod view;
