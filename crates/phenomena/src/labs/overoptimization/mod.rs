//! Overoptimization: RLHF on a learned proxy reward, DPO and RPO side by side, and best-of-n,
//! on discrete responses whose preference data never separates quality from length.
//!
//! Read in order: `params.rs` (schema and presets), `data.rs` (responses, reference policy,
//! pairs, the reward model), `model.rs` (the policies and the three objectives), `theory.rs`
//! (the exact best-of-n policy and the Gao et al. fits), `experiment.rs` (one step, what is
//! recorded), `forks.rs` (what a fork may change), `charts.rs`.

mod charts;
pub mod data;
pub mod experiment;
pub mod forks;
pub mod model;
pub mod params;
pub mod quiz;
pub mod theory;

pub use experiment::Overoptimization;

use crate::harness::Lockstep;
use crate::lab::LabInfo;
use params::{presets, schema};

pub const ID: &str = "overoptimization";
const CITATION: &str = "Liu, Z. et al. (2024). Provably Mitigating Overoptimization in RLHF: Your \
SFT Loss is Implicitly an Adversarial Regularizer (arXiv:2405.16436). Gao, L., Schulman, J. & \
Hilton, J. (2023). Scaling Laws for Reward Model Overoptimization. ICML.";

/// The experiment under the shared driver, as the registry starts it.
pub type OveroptimizationLab = Lockstep<Overoptimization>;

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Overoptimization: DPO vs RPO",
        summary: "A policy tuned on preferences climbs a proxy reward while the true reward \
                  collapses, because the data never separates quality from length; adding an \
                  SFT term (RPO) prevents it.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Measured over seeds 0–9 with the defaults (log-linear policy, β = 0.1, lr 0.5, \
                300 pairs, 2 000 steps; natively, flex): DPO's gold reward goes 0.99 → peak 1.58 \
                at step 100–134 → 0.00, its OOD mass 0.01 → 1.00 and its chosen log-ratio to \
                between −16 and −20; RLHF on the proxy peaks at 1.44–1.47 after 2–3 steps and \
                ends at 0.00; RPO (η = 0.2) ends at 1.91–1.94 with 0.8–1.0 % OOD mass, after a \
                transient rise to 5–7 % near step 200; with η = 1 it stops at 1.51–1.61. Full \
                coverage: DPO 1.97–1.98, no fall. Preference accuracy is the same for every run \
                of a seed, 0.79–0.88 across seeds. Best-of-n peaks at n = 16 (gold 1.76) on \
                every seed. With the MLP policy DPO drifts off the data on 8 of 10 seeds (not on \
                seeds 2 and 9); RPO ends with under 0.1 % OOD mass and gold 1.68–1.80 on all \
                ten, though its OOD mass passes through 1–39 % on the way.",
        seed_shards: false,
        run_shards: false,
    }
}

#[cfg(test)]
mod tests;
