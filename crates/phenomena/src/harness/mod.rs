//! The harness every lab runs on: the [`Recorder`] (metrics read back and named) and the
//! [`Lockstep`] driver (the run loop). A lab implements [`Experiment`] and nothing else of
//! the loop.

mod driver;
mod recorder;

pub use driver::{Experiment, Lockstep, Schedule};
pub use recorder::{Divergence, DivergenceCheck, Recorder, RunHeader};
