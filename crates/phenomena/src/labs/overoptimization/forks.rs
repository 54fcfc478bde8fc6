//! The forks the overoptimization lab offers, one line each: a copy of one policy that goes on
//! under the other preference objective, or at another learning rate (see [`crate::fork`]).

use crate::fork::{Change, Fork, fork_options};

/// Every fork; an objective change names the objective by its run's id in
/// [`super::experiment::RUNS`].
#[rustfmt::skip]
pub const FORKS: [Fork<&str>; 3] = [
    Fork { label: "DPO → RPO", base: "dpo", change: Change::To("rpo") },
    Fork { label: "RPO → DPO", base: "rpo", change: Change::To("dpo") },
    Fork { label: "DPO, new learning rate", base: "dpo", change: Change::LearningRate },
];

/// The `fork` parameter's options.
pub static FORK_OPTIONS: [&str; 4] = fork_options(&FORKS);
/// The `fork` value of the new-learning-rate fork.
pub const LR_FORK: [f64; 1] = [3.0];
