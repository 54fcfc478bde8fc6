//! The overoptimization lab's parameters and presets.

use super::forks::{FORK_OPTIONS, LR_FORK};
use super::{CITATION, quiz};
use crate::fork::fork_params;
use crate::lab::{ParamSpec, Preset};

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    let mut schema = vec![
        ParamSpec {
            name: "beta",
            label: "β (KL strength)",
            min: 0.001,
            max: 2.0,
            step: 0.001,
            default: 0.1,
            log: true,
            help: "Strength of the KL tie to the reference policy, in RLHF and in DPO/RPO's \
                   implicit reward. For the log-linear policy β only rescales θ.",
            source: "DPO / RPO, β",
            ..n
        },
        ParamSpec {
            name: "eta",
            label: "η (RPO's SFT weight)",
            min: 0.0,
            max: 5.0,
            step: 0.01,
            default: 0.2,
            help: "Weight of the SFT term η·β·mean[−log π(y_w)] that RPO adds to DPO. η = 0 is \
                   plain DPO; too large over-regularizes towards the chosen responses.",
            source: "RPO, η",
            ..n
        },
        ParamSpec {
            name: "lr",
            label: "learning rate",
            min: 0.001,
            max: 20.0,
            step: 0.001,
            default: 0.5,
            log: true,
            help: "Full-batch gradient-descent step for every run.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "pairs",
            label: "preference pairs",
            min: 10.0,
            max: 2000.0,
            step: 10.0,
            default: 300.0,
            log: true,
            integer: true,
            help: "Number of labelled pairs (a ≻ b) the policies and the reward model learn from.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "temperature",
            label: "label sharpness",
            min: 0.1,
            max: 30.0,
            step: 0.1,
            default: 3.0,
            log: true,
            help: "a ≻ b with probability σ(t·(q_a − q_b)): larger t, cleaner labels.",
            source: "Bradley–Terry labels",
            ..n
        },
        ParamSpec {
            name: "coverage",
            label: "coverage (pairs with OOD responses)",
            min: 0.0,
            max: 1.0,
            step: 0.05,
            default: 0.0,
            help: "Fraction of pairs drawn over all responses instead of the in-data ones only. \
                   At full coverage the data separates quality from length and DPO stops \
                   overoptimizing.",
            source: "RPO paper, partial coverage",
            ..n
        },
        ParamSpec {
            name: "ood",
            label: "OOD responses",
            min: 1.0,
            max: 10.0,
            step: 1.0,
            default: 5.0,
            integer: true,
            help: "Number of long, low-quality responses the data never shows (q = 0, ℓ on [3, 5]).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "policy",
            label: "policy",
            min: 0.0,
            max: 1.0,
            step: 1.0,
            default: 0.0,
            integer: true,
            help: "Log-linear π ∝ π_ref·exp(θ·φ), or a small ReLU MLP score over the same features.",
            source: "",
            options: &["log-linear", "MLP"],
            ..n
        },
        ParamSpec {
            name: "hidden",
            label: "MLP hidden units",
            min: 2.0,
            max: 256.0,
            step: 1.0,
            default: 16.0,
            log: true,
            integer: true,
            help: "Width of the MLP policy's hidden layer (used when policy = MLP).",
            source: "",
            ..n
        },
        ParamSpec::steps(
            50_000.0,
            2000.0,
            "The run stops after this many gradient steps.",
        ),
        ParamSpec::seed(
            "seed",
            "One seed fixes the preference pairs and the MLP's initialization.",
        ),
    ];
    schema.extend(fork_params(&FORK_OPTIONS, &LR_FORK, (0.001, 20.0, 0.5)));
    schema
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "dpo-drifts",
            title: "DPO drifts off the data",
            caption: "DPO's gold reward (orange-red) rises to 1.58 at step 100–134, then \
                      collapses to 0 while its mass moves to long responses the data never \
                      showed (OOD chart) — yet preference accuracy stays flat. RPO (blue), the \
                      same loss plus an SFT term, keeps the mass home and ends at a gold reward \
                      of 1.91–1.94 of a possible 2 (chart 1; chart 2 plots the change since the \
                      start, +0.92 to +0.95).",
            citation: CITATION,
            quiz: quiz::DPO_DRIFTS,
            values: &[],
        },
        Preset {
            id: "rpo-home",
            title: "RPO keeps it home",
            caption: "With η = 0.2 the SFT term on the chosen responses acts as an adversarial \
                      regularizer: it pays to keep mass where the data is. Over 5 000 steps \
                      RPO's gold reward ends at 1.93–1.96 and its OOD mass, after a brief rise \
                      to 5–7 % near step 200, settles at 0.2 % (π_ref puts 1 % there), while \
                      DPO's chosen log-ratio keeps falling, to between −20 and −29.",
            citation: CITATION,
            quiz: quiz::RPO_HOME,
            values: &[("eta", 0.2), ("steps", 5000.0)],
        },
        Preset {
            id: "too-much-eta",
            title: "too much η",
            caption: "With η = 1 the SFT term dominates: RPO stays close to the chosen \
                      responses' distribution and stops short of the best gold reward (1.51–1.61 \
                      instead of 1.91–1.94). The regularizer needs tuning like any other.",
            citation: CITATION,
            quiz: quiz::TOO_MUCH_ETA,
            values: &[("eta", 1.0)],
        },
        Preset {
            id: "full-coverage",
            title: "full coverage fixes DPO",
            caption: "When every pair may include an OOD response, the data itself shows that \
                      length without quality loses: DPO's gold reward climbs to ≈ 2 and never \
                      falls. Overoptimization is a coverage problem.",
            citation: CITATION,
            quiz: quiz::FULL_COVERAGE,
            values: &[("coverage", 1.0)],
        },
        Preset {
            id: "gao",
            title: "Gao: best-of-n vs RL",
            caption: "Gold reward against √KL for best-of-n (green dots, n = 1…1024) and for RL on \
                      the proxy (orange), with Gao et al.'s fitted forms. Both rise then fall; a \
                      smaller learning rate spreads RL's rise and fall over visible time.",
            citation: CITATION,
            quiz: quiz::GAO,
            values: &[("lr", 0.02), ("steps", 5000.0)],
        },
    ]
}
