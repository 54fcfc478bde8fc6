//! The forks the early-learning lab offers, one line each: a copy of one run that goes on
//! under another method, or at another learning rate (see [`crate::fork`]).

use crate::fork::{Change, Fork, fork_options};

/// Every fork; a method change names the method by its id in [`super::methods::METHODS`].
#[rustfmt::skip]
pub const FORKS: [Fork<&str>; 3] = [
    Fork { label: "CE → ELR", base: "ce", change: Change::To("elr") },
    Fork { label: "ELR → CE", base: "elr", change: Change::To("ce") },
    Fork { label: "CE, new learning rate", base: "ce", change: Change::LearningRate },
];

/// The `fork` parameter's options.
pub static FORK_OPTIONS: [&str; 4] = fork_options(&FORKS);
/// The `fork` value of the new-learning-rate fork.
pub const LR_FORK: [f64; 1] = [3.0];
