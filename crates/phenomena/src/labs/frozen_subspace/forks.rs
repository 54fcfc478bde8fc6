//! The forks the frozen-subspace lab offers, one line each: a copy of the linear student that
//! goes on with weight decay, or at another learning rate (see [`crate::fork`]). Weight decay
//! is the one change that reaches the frozen subspace.

use crate::fork::{Change, Fork, fork_options};

/// Every fork; the linear student is the run the theory describes.
#[rustfmt::skip]
pub const FORKS: [Fork<()>; 2] = [
    Fork { label: "linear student, weight decay on", base: "linear", change: Change::WeightDecay },
    Fork { label: "linear student, new learning rate", base: "linear", change: Change::LearningRate },
];

/// The `fork` parameter's options.
pub static FORK_OPTIONS: [&str; 3] = fork_options(&FORKS);
/// The `fork` value of the weight-decay fork.
pub const DECAY_FORK: [f64; 1] = [1.0];
/// The `fork` value of the new-learning-rate fork.
pub const LR_FORK: [f64; 1] = [2.0];
