//! Phenomena's science: labs that train small networks with burn and report what they see.
//! Nothing here knows about the browser; the same code runs natively and in wasm.

pub mod batches;
pub mod digits;
pub mod fork;
pub mod harness;
pub mod lab;
pub mod labs;
pub mod mlp;
pub mod ops;
pub mod optim;
pub mod quiz;
pub mod rng;
pub mod tensors;

pub use lab::{
    Condition, Lab, LabError, LabInfo, OutOfRange, ParamSpec, Params, Requirement, RunSummary,
    ShardRecord, Snapshot,
};

/// Runs a future to completion on the current thread (native tools and tests only; the
/// browser awaits instead).
#[cfg(not(target_family = "wasm"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}
