//! The JS boundary. Everything here is plumbing: which backend, which lab, when to read
//! back, where to draw. The science lives in the `phenomena` crate.
//!
//! [`Session`] compiles natively too (so its logic is tested with plain `cargo test`); only
//! the `wasm` module binds it to JavaScript.

#[cfg(target_family = "wasm")]
mod canvas;
mod session;
#[cfg(target_family = "wasm")]
mod wasm;

pub use session::{Backend, Session};
#[cfg(target_family = "wasm")]
pub use wasm::ensure_constructors;
