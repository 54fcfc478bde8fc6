//! The forks the simplicity-bias lab offers, one line each: a copy of GD, in every seed, that
//! goes on with SAM's ascent (at the lab's ρ) or at another learning rate (see
//! [`crate::fork`]). GD is the base because every setting trains it.

use crate::fork::{Change, Fork, fork_options};

/// Every fork; a change of optimizer names the run by its id in
/// [`super::experiment::RUNS`].
#[rustfmt::skip]
pub const FORKS: [Fork<&str>; 2] = [
    Fork { label: "GD → SAM", base: "gd", change: Change::To("sam") },
    Fork { label: "GD, new learning rate", base: "gd", change: Change::LearningRate },
];

/// The `fork` parameter's options.
pub static FORK_OPTIONS: [&str; 3] = fork_options(&FORKS);
/// The `fork` value of the new-learning-rate fork.
pub const LR_FORK: [f64; 1] = [2.0];
/// The `fork` value of GD → SAM, which steps at the lab's ρ.
pub const SAM_FORK: [f64; 1] = [1.0];
