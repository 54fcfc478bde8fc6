//! The early-learning lab's parameters and presets.

use super::drawn;
use super::forks::{FORK_OPTIONS, LR_FORK};
use super::{CITATION, RACE_CITATION, quiz};
use crate::fork::fork_params;
use crate::lab::{Condition, ParamSpec, Preset, Requirement};

/// What the dropout methods need: a hidden layer to drop units of.
const NEEDS_HIDDEN: Requirement = Requirement {
    param: "hidden",
    above: 0.0,
    note: "needs a hidden layer: set hidden units above 0",
};

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    let mut schema = vec![
        ParamSpec {
            name: "dataset",
            label: "data set",
            max: 2.0,
            step: 1.0,
            integer: true,
            options: &[
                "high-dimensional mixture",
                "2-D blobs",
                "handwritten digits",
            ],
            help: "Five Gaussian classes in R⁶⁰⁰ with 200 points (the paper's theory setting); \
                   Gaussian blobs in 2-D, to watch the decision boundary and add points of \
                   your own; or 1 797 real 8×8 digits (UCI, CC BY 4.0).",
            source: "ELR paper §3; UCI digits",
            ..n
        },
        ParamSpec {
            name: "noise_type",
            label: "label noise",
            max: 1.0,
            step: 1.0,
            integer: true,
            options: &["symmetric (to another class)", "asymmetric (k → k + 1)"],
            help: "Symmetric noise moves a label to a random other class (never the true one); \
                   asymmetric noise moves class k to k + 1.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "noise",
            label: "noise rate",
            max: 0.8,
            step: 0.05,
            default: 0.4,
            help: "Probability that a training label is flipped.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "lambda",
            label: "λ (ELR strength)",
            max: 10.0,
            step: 0.1,
            default: 2.0,
            help: "Weight of λ·mean log(1 − ⟨t, p⟩). The authors report it needs tuning: too \
                   strong locks a class in.",
            source: "ELR, λ",
            ..n
        },
        ParamSpec {
            name: "beta",
            label: "β (target averaging)",
            max: 0.999,
            step: 0.01,
            default: 0.7,
            help: "Momentum of the per-example target average t ← β·t + (1 − β)·p̂. If the \
                   average is slower than memorization, ELR fails.",
            source: "ELR, β",
            ..n
        },
        ParamSpec {
            name: "lr",
            label: "learning rate",
            min: 1e-4,
            max: 5.0,
            step: 1e-4,
            default: 0.2,
            log: true,
            help: "Step size of the optimizer (full batch).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "optimizer",
            label: "optimizer",
            max: 1.0,
            step: 1.0,
            integer: true,
            options: &["gradient descent", "Adam"],
            help: "Full-batch gradient descent, or Adam (β₁ 0.9, β₂ 0.999).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "batch",
            label: "batch size (0 = full batch)",
            max: 2000.0,
            step: 1.0,
            integer: true,
            help: "Examples per step, drawn without replacement each epoch; 0 uses the whole \
                   training set every step. ELR updates the targets of the examples in the \
                   batch.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "hidden",
            label: "hidden units (0 = linear)",
            max: 512.0,
            step: 1.0,
            integer: true,
            help: "Width of the one-hidden-layer ReLU network; 0 trains a linear softmax \
                   classifier.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "classes",
            label: "classes (mixture, blobs)",
            min: 3.0,
            max: 5.0,
            step: 1.0,
            default: 5.0,
            integer: true,
            help: "Number of classes of the synthetic data sets (the digits have 10).",
            source: "",
            visible_when: Condition::when("dataset", &[0.0, 1.0]),
            ..n
        },
        ParamSpec::text(
            "points",
            "your points",
            "Points you add to the 2-D training set (click the boundary chart) and labels you \
             change (shift-click a point), as compact text. A point you add belongs to the blob \
             whose centre is nearest; given another class it counts as mislabeled.",
            drawn::read,
            Condition::when("dataset", &[1.0]),
        ),
        ParamSpec::switch(
            "pskd",
            "PS-KD",
            "Progressive self-knowledge distillation: the target mixes the noisy label with the \
             network's own prediction from the epoch before, (1 − α)·ỹ + α·p', with α rising to \
             α_T.",
            "Kim et al. 2021",
            None,
        ),
        ParamSpec {
            name: "pskd_alpha",
            label: "α_T (PS-KD)",
            min: 0.05,
            max: 1.0,
            step: 0.05,
            default: 0.8,
            help: "The weight of the network's own prediction in the target at the last epoch; \
                   it grows linearly from α_T/E in the first.",
            source: "PS-KD, α_T = 0.8",
            visible_when: Condition::when("pskd", &[1.0]),
            ..n
        },
        ParamSpec::switch(
            "msd",
            "multi-sample dropout",
            "K dropout masks on the hidden layer each step, one shared output layer, the loss \
             averaged over the K samples; no dropout when evaluating.",
            "Inoue 2019",
            Some(NEEDS_HIDDEN),
        ),
        ParamSpec {
            name: "msd_samples",
            label: "K (dropout samples)",
            min: 1.0,
            max: 16.0,
            step: 1.0,
            default: 8.0,
            integer: true,
            help: "Dropout masks drawn per step; the loss is their average.",
            source: "multi-sample dropout, 8 samples",
            visible_when: Condition::when("msd", &[1.0]),
            ..n
        },
        ParamSpec {
            name: "msd_rate",
            label: "dropout rate (multi-sample)",
            min: 0.05,
            max: 0.9,
            step: 0.05,
            default: 0.5,
            help: "Probability that a hidden unit is dropped in one sample; kept units are \
                   scaled by 1/(1 − rate).",
            source: "multi-sample dropout, ratio 0.5",
            visible_when: Condition::when("msd", &[1.0]),
            ..n
        },
        ParamSpec::switch(
            "nested",
            "nested dropout",
            "Each step keeps only the first c hidden units, c drawn with p(c) ∝ exp(−(c/σ)²): \
             the network learns ordered, compressed features.",
            "Chen et al. 2022",
            Some(NEEDS_HIDDEN),
        ),
        ParamSpec {
            name: "nested_sigma",
            label: "σ (nested dropout)",
            min: 1.0,
            max: 512.0,
            step: 1.0,
            default: 10.0,
            log: true,
            help: "Scale of the number of kept units; most steps keep fewer than about σ \
                   units.",
            source: "nested dropout, σ = 10 on CIFAR-10",
            visible_when: Condition::when("nested", &[1.0]),
            ..n
        },
        ParamSpec::steps(
            50_000.0,
            500.0,
            "The run stops after this many full-batch steps.",
        ),
        ParamSpec::seed(
            "seed",
            "One seed fixes the data, the label noise and the initialization.",
        ),
    ];
    schema.extend(fork_params(&FORK_OPTIONS, &LR_FORK, (1e-4, 5.0, 0.2)));
    schema
}

/// The 2-D preset: an MLP on four blobs with 30 % of labels flipped.
pub const BOUNDARY_VALUES: [(&str, f64); 8] = [
    ("dataset", 1.0),
    ("classes", 4.0),
    ("noise", 0.3),
    ("hidden", 256.0),
    ("optimizer", 1.0),
    ("lr", 0.01),
    ("lambda", 3.0),
    ("steps", 3000.0),
];

/// The digits preset: an MLP on the UCI digits with 40 % of labels flipped.
pub const DIGITS_VALUES: [(&str, f64); 6] = [
    ("dataset", 2.0),
    ("hidden", 128.0),
    ("optimizer", 1.0),
    ("lr", 0.003),
    ("lambda", 3.0),
    // CE has memorized every flipped label by step 1 000 on seeds 0–9.
    ("steps", 1000.0),
];

/// The mixture race: a small MLP trained by Adam, at the step size where CE learns early and
/// then memorizes within 1 000 steps (found by the reference script's search,
/// docs/reference/early_learning_race.py).
pub const MIXTURE_RACE_VALUES: [(&str, f64); 7] = [
    ("hidden", 48.0),
    ("optimizer", 1.0),
    ("lr", 0.03),
    ("steps", 1000.0),
    ("pskd", 1.0),
    ("msd", 1.0),
    ("nested", 1.0),
];

/// The digits race: the digits preset with every method switched on, at twice its step size
/// for half its steps, so the five runs tell their story in half the time: CE still memorizes
/// 99–100 % of the flipped labels by the last step on seeds 0–9 (docs/science.md).
pub const DIGITS_RACE_VALUES: [(&str, f64); 10] = [
    ("dataset", 2.0),
    ("hidden", 128.0),
    ("optimizer", 1.0),
    ("lr", 0.006),
    ("lambda", 3.0),
    ("steps", 500.0),
    ("pskd", 1.0),
    ("msd", 1.0),
    // Half the paper's 8 samples halves multi-sample dropout's share of each step; fewer
    // samples memorize less, not more (docs/science.md).
    ("msd_samples", 4.0),
    ("nested", 1.0),
];

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "linear",
            title: "memorization in a linear model",
            caption: "In the chart of the mislabeled examples, CE (solid lines there) first \
                      predicts the true label (green) for 58–94 % of them — early learning — \
                      then memorizes every wrong label (orange-red) by step 317–384, and its \
                      test accuracy falls from 0.94–1.00 to 0.86–0.94. ELR (dashed lines there) \
                      tracks CE early, but its memorized fraction never climbs more than 0.08 \
                      above where both stood after the first step (0.06–0.30) and ends at \
                      0.01–0.25, with test accuracy 0.98–1.00.",
            citation: CITATION,
            quiz: quiz::LINEAR,
            values: &[],
        },
        Preset {
            id: "boundary",
            title: "ELR stops it (2-D)",
            caption: "Ringed points carry flipped labels. CE's decision boundary first ignores \
                      them, then carves islands around them; ELR's boundary stays smooth because \
                      its targets remember what the network predicted early.",
            citation: CITATION,
            quiz: quiz::BOUNDARY,
            values: &BOUNDARY_VALUES,
        },
        Preset {
            id: "lambda-too-strong",
            title: "λ too strong locks a class in",
            caption: "With λ = 8 the regularizer holds on to whatever the network predicted in \
                      its first steps, mistakes included: on 8 of 10 seeds ELR's test accuracy \
                      collapses to chance (0.19–0.22) within 35 steps, and on the other 2 a \
                      class stays absorbed by a neighbour (0.80–0.81). Either way it ends below \
                      CE's 0.86–0.94, which is why λ needs tuning.",
            citation: CITATION,
            quiz: quiz::LAMBDA_TOO_STRONG,
            values: &[("lambda", 8.0)],
        },
        Preset {
            id: "beta-too-slow",
            title: "β too slow at a high learning rate",
            caption: "At 5× the learning rate CE memorizes half the noisy labels within 22–32 \
                      steps, and the slow target average (β = 0.9) lags behind: ELR memorizes \
                      64–92 % of the noisy labels by step 500. Set β to 0.7 and it memorizes \
                      less on every seed (41–72 %), but at this rate ELR needs a smaller step to \
                      keep up.",
            citation: CITATION,
            quiz: quiz::BETA_TOO_SLOW,
            values: &[("lr", 1.0), ("beta", 0.9)],
        },
        Preset {
            id: "digits",
            title: "digits with 40 % noise",
            caption: "Real handwritten digits, 40 % of training labels moved to another class. \
                      The network learns the digits first, then memorizes the wrong labels under \
                      CE; ELR keeps test accuracy up. The images below are mislabeled training \
                      digits with their noisy label and each run's prediction.",
            citation: CITATION,
            quiz: quiz::DIGITS,
            values: &DIGITS_VALUES,
        },
        Preset {
            id: "race",
            title: "the race on the mixture",
            caption: "A null result. On the mixture with a hidden layer (48 units, Adam) every method \
                      memorizes: on seeds 0–9 each run predicts the wrong label for at least 99 % \
                      of the flipped examples by step 1 000, ELR at λ = 2 included. Multi-sample \
                      dropout still ends with the highest test accuracy on every seed, \
                      0.69–0.84 against CE's 0.48–0.72, while memorizing every flipped label; \
                      PS-KD ends where CE does (0.47–0.72); nested dropout learns less early \
                      (test peak 0.71–0.96, CE's 0.95–0.99) and ends at 0.55–0.72.",
            citation: RACE_CITATION,
            quiz: quiz::RACE,
            values: &MIXTURE_RACE_VALUES,
        },
        Preset {
            id: "race-digits",
            title: "the race on the digits",
            caption: "On the digits at 40 % noise (seeds 0–9), ELR and nested dropout stop \
                      memorization: 1–5 % of the flipped labels memorized, test accuracy \
                      0.93–0.97 and 0.79–0.88 against CE's 0.52–0.66. Multi-sample dropout \
                      (K = 4) memorizes 57–72 % and still keeps test accuracy at 0.75–0.84. \
                      PS-KD, trained full batch with Adam, takes almost CE's steps: it memorizes \
                      79–92 % and ends at 0.58–0.69.",
            citation: RACE_CITATION,
            quiz: quiz::RACE_DIGITS,
            values: &DIGITS_RACE_VALUES,
        },
    ]
}
