//! Simplicity bias: gradient descent, SAM, USEFUL and USEFUL + SAM, trained in lockstep on the
//! same data from the same initialization, on LMS, the patch model or digit dominoes.
//!
//! Read in order: `params.rs` (schema and presets), `data.rs` (the data sets and their
//! randomized test sets), `model.rs` (the networks, SAM and USEFUL's split), `experiment.rs`
//! (the ensemble over seeds, the step that pauses at the clustering step, what is recorded),
//! `forks.rs` (what a fork may change), `charts.rs`. Beside the runs, the lab evaluates model soups of their weights and the
//! weight-space path between two of them, without extra training.

mod charts;
pub mod data;
pub mod experiment;
pub mod forks;
pub mod model;
pub mod params;
pub mod quiz;

pub use experiment::SimplicityBias;

use crate::harness::Lockstep;
use crate::lab::LabInfo;
use params::{presets, schema};

pub const ID: &str = "simplicity-bias";
const CITATION: &str = "Nguyen, D., Haddad, P., Gan, E. & Mirzasoleiman, B. (2024). Changing the \
Training Data Distribution to Reduce Simplicity Bias Improves In-distribution Generalization. \
NeurIPS (arXiv:2404.17768). Shah, H. et al. (2020). The Pitfalls of Simplicity Bias in Neural \
Networks. NeurIPS. Wortsman, M. et al. (2022). Model soups: averaging weights of multiple \
fine-tuned models improves accuracy without increasing inference time. ICML \
(arXiv:2203.05482). Lin, Y. et al. (2023). Spurious Feature Diversification Improves \
Out-of-distribution Generalization (arXiv:2309.17230).";

/// The experiment under the shared driver, as the registry starts it.
pub type SimplicityBiasLab = Lockstep<SimplicityBias>;

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Simplicity bias: GD vs SAM vs USEFUL",
        summary: "Networks latch onto the simplest feature that fits and ignore harder ones; \
                  SAM and USEFUL (upsampling the slowly learned examples) push back.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Measured natively on flex, seeds 0–9 one at a time, for the patch model (3 \
                patches of 100, 50 filters, init 0.05, β_e 1, β_d 0.4, noise 0.1, α 0.9, GD lr \
                1, 600 steps, clustering at step 60). Seeds whose slow-feature alignment passes \
                0.5, and mean accuracy without the fast feature: GD 5/10, 0.77; SAM ρ = 0.05 \
                4/10, 0.77; SAM ρ = 0.3 2/10, 0.82; USEFUL 8/10, 0.83; USEFUL + SAM (ρ = 0.05) \
                9/10, 0.85, (ρ = 0.3) 10/10, 0.98. USEFUL's slow cluster was exactly the \
                examples without the fast feature on every seed (purity and recall 1.0). SAM at \
                small ρ is indistinguishable from GD; at ρ = 0.3 it slows the fast feature \
                (alignment passes 0.5 at step 43–75 instead of 5–10 and ends at 1.15–1.61 \
                against GD's 1.69–2.26) without aligning with the slow one, and raises the \
                accuracy without the fast feature on 6 of 10 seeds and in every 8-seed mean. \
                LMS-5 (d = 10, Adam 1e-3, batch 128): test accuracy 1.00, S-randomized \
                0.48–0.51, Sᶜ-randomized 1.00 for every run. Dominoes (0/1 over 3/5): test 1.00, \
                easy half randomized 0.50–0.55, hard half randomized 0.94–0.98. Model soups \
                (seeds 0–9 as one ensemble, accuracy without the fast feature at step 600): at \
                ρ = 0.3 the uniform soup of the four runs 0.918 and the greedy soup 0.977, \
                against GD 0.765 and USEFUL + SAM 0.982; of GD and SAM alone, uniform 0.808, \
                greedy 0.846 (GD 0.765, SAM 0.819). On LMS and dominoes every soup stays at \
                chance with the simple feature randomized, like its runs. The straight path from \
                GD to USEFUL peaks at t = 0.3 (0.840, USEFUL 0.834). Both ends get 12.8 % of \
                the examples without the fast feature wrong, and at most 0.1 % of all of them \
                are wrong at both ends and right at a point between: Lin et al.'s \
                FalseFalseTrue cases hardly appear in this toy.",
        seed_shards: true,
        run_shards: false,
    }
}

#[cfg(test)]
mod tests;
