//! The simplicity-bias lab's parameters and presets.

use super::forks::{FORK_OPTIONS, LR_FORK, SAM_FORK};
use super::{CITATION, quiz};
use crate::fork::fork_params;
use crate::lab::{Condition, ParamSpec, Preset};

/// ρ matters to a GD → SAM fork too, whatever runs train.
const SAM_FORKED: Condition = Condition::clause("fork", &SAM_FORK);

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    let mut schema = vec![
        ParamSpec {
            name: "dataset",
            label: "data set",
            max: 2.0,
            step: 1.0,
            integer: true,
            options: &["LMS (linear + slabs)", "patch model", "digit dominoes"],
            help: "LMS: one linear coordinate and slab coordinates with equal margins (Shah et \
                   al.). Patch model: a fast feature in most examples and a slow one in all \
                   (USEFUL). Dominoes: a 0-vs-1 digit beside a 3-vs-5 digit.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "dim",
            label: "dimension (LMS) / patch size",
            min: 2.0,
            max: 200.0,
            step: 1.0,
            default: 10.0,
            integer: true,
            help: "LMS: number of coordinates (1 linear + the rest slabs). Patch model: \
                   coordinates per patch.",
            source: "Shah et al. d; USEFUL d",
            visible_when: Condition::when("dataset", &[0.0, 1.0]),
            ..n
        },
        ParamSpec {
            name: "slabs",
            label: "slabs (LMS)",
            min: 3.0,
            max: 5.0,
            step: 2.0,
            default: 5.0,
            integer: true,
            help: "3 or 5 slabs per slab coordinate.",
            source: "Shah et al. LMS-k",
            visible_when: Condition::when("dataset", &[0.0]),
            ..n
        },
        ParamSpec {
            name: "beta_fast",
            label: "β_e (fast feature strength)",
            min: 0.05,
            max: 3.0,
            step: 0.05,
            default: 1.0,
            help: "Patch model: strength of the fast-learnable feature; must exceed β_d.",
            source: "USEFUL β_e",
            visible_when: Condition::when("dataset", &[1.0]),
            ..n
        },
        ParamSpec {
            name: "beta_slow",
            label: "β_d (slow feature strength)",
            min: 0.05,
            max: 3.0,
            step: 0.05,
            default: 0.4,
            help: "Patch model: strength of the slow-learnable feature, present in every example.",
            source: "USEFUL β_d",
            visible_when: Condition::when("dataset", &[1.0]),
            ..n
        },
        ParamSpec {
            name: "alpha",
            label: "α (share with the fast feature)",
            max: 1.0,
            step: 0.01,
            default: 0.9,
            help: "Patch model: probability that an example carries the fast feature.",
            source: "USEFUL α",
            visible_when: Condition::when("dataset", &[1.0]),
            ..n
        },
        ParamSpec {
            name: "runs",
            label: "runs trained",
            max: 2.0,
            step: 1.0,
            integer: true,
            options: &[
                "GD, SAM, USEFUL, USEFUL + SAM",
                "GD and USEFUL",
                "GD and SAM",
            ],
            help: "Which runs each seed trains from the shared initialization. Fewer runs finish \
                   sooner: SAM costs two gradients a step, and USEFUL retrains from the start.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "rho",
            label: "ρ (SAM radius)",
            max: 2.0,
            step: 0.01,
            default: 0.05,
            help: "SAM ascends ρ along the normalised gradient before each step (so does a \
                   GD → SAM fork).",
            source: "SAM ρ",
            visible_when: Condition::clause("runs", &[0.0, 2.0]).or(&SAM_FORKED),
            ..n
        },
        ParamSpec {
            name: "cluster_step",
            label: "clustering step",
            min: 1.0,
            max: 5000.0,
            step: 1.0,
            default: 60.0,
            log: true,
            integer: true,
            help: "USEFUL clusters GD's outputs at this step, then retrains from the start.",
            source: "USEFUL",
            visible_when: Condition::when("runs", &[0.0, 1.0]),
            ..n
        },
        ParamSpec {
            name: "upsample",
            label: "upsampling factor",
            min: 1.0,
            max: 5.0,
            step: 1.0,
            default: 2.0,
            integer: true,
            help: "How many times each slow example appears in USEFUL's training set (2 = \
                   duplicated once).",
            source: "USEFUL",
            visible_when: Condition::when("runs", &[0.0, 1.0]),
            ..n
        },
        ParamSpec {
            name: "optimizer",
            label: "optimizer",
            max: 1.0,
            step: 1.0,
            default: 1.0,
            integer: true,
            options: &["gradient descent", "Adam"],
            help: "SGD/GD or Adam; SAM uses the same optimizer on its ascent-point gradient.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "lr",
            label: "learning rate",
            min: 1e-4,
            max: 5.0,
            step: 1e-4,
            default: 1e-3,
            log: true,
            help: "Step size of every run.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "width",
            label: "width (hidden units / filters)",
            min: 1.0,
            max: 512.0,
            step: 1.0,
            default: 100.0,
            log: true,
            integer: true,
            help: "Hidden units of the MLP, or filters of the patch model.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "batch",
            label: "batch size (0 = full batch)",
            max: 10_000.0,
            step: 1.0,
            default: 128.0,
            integer: true,
            help: "Examples per step, without replacement each epoch.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "seeds",
            label: "seeds (ensemble size)",
            min: 1.0,
            max: 16.0,
            step: 1.0,
            default: 1.0,
            integer: true,
            help: "Number of seeds trained side by side; curves show their mean and a band of \
                   ± one standard deviation.",
            source: "",
            ..n
        },
        ParamSpec::steps(
            50_000.0,
            1500.0,
            "Steps of every run. USEFUL restarts from the initial weights at the \
                   clustering step and then takes two steps for each of the others' until it has \
                   caught up, so every run ends at this step (unless the clustering step is past \
                   half of it: then USEFUL finishes later, and the step counter runs on).",
        ),
        ParamSpec::seed(
            "first seed",
            "The ensemble uses this seed and the ones after it.",
        ),
    ];
    schema.extend(fork_params(&FORK_OPTIONS, &LR_FORK, (1e-4, 5.0, 1e-3)));
    schema
}

pub const PATCH_VALUES: [(&str, f64); 10] = [
    ("dataset", 1.0),
    ("dim", 100.0),
    ("width", 50.0),
    ("optimizer", 0.0),
    ("lr", 1.0),
    ("batch", 0.0),
    ("steps", 600.0),
    ("cluster_step", 60.0),
    ("seeds", 8.0),
    ("runs", 1.0),
];

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "slabs",
            title: "a network ignores the slabs",
            caption: "On LMS the linear coordinate and the slab coordinates each separate the \
                      classes with the same margin. The network reaches full accuracy through the \
                      linear one alone: shuffle it across test examples (S-randomized) and it \
                      falls to chance, while shuffling every slab (Sᶜ-randomized) changes nothing.",
            citation: CITATION,
            quiz: quiz::SLABS,
            values: &[],
        },
        Preset {
            id: "useful",
            title: "USEFUL learns the slow feature",
            caption: "Patch model, 8 seeds. GD learns the fast feature within 10 steps; on half \
                      the seeds it never aligns with the slow one and gets only 52–62 % of the \
                      examples without the fast feature right, having fitted them by memorizing \
                      noise. USEFUL clusters GD's early outputs, finds exactly those examples on \
                      every seed, upsamples them and retrains: its slow-feature alignment passes \
                      0.5 on 8 of 10 seeds (GD: 5, and later), and its mean accuracy without the \
                      fast feature is higher in every 8-seed run (0.75–0.85 against GD's \
                      0.65–0.77).",
            citation: CITATION,
            quiz: quiz::USEFUL,
            values: &PATCH_VALUES,
        },
        Preset {
            id: "sam-vs-gd",
            title: "SAM vs GD",
            caption: "SAM at a larger radius (ρ = 0.3) on the patch model. In our runs SAM \
                      mainly slows the fast feature rather than aligning with the slow one; \
                      compare its curves with GD's and see the notes for what it did on seeds \
                      0–9.",
            citation: CITATION,
            quiz: quiz::SAM_VS_GD,
            values: &[
                ("dataset", 1.0),
                ("dim", 100.0),
                ("width", 50.0),
                ("optimizer", 0.0),
                ("lr", 1.0),
                ("batch", 0.0),
                ("steps", 600.0),
                ("seeds", 8.0),
                ("rho", 0.3),
                ("runs", 2.0),
            ],
        },
        Preset {
            id: "soups",
            title: "model soups",
            caption: "Patch model, GD, SAM, USEFUL and USEFUL + SAM at ρ = 0.3 from one \
                      initialization, 4 seeds; the soups average their weights with no extra \
                      training. Accuracy without the fast feature at step 600 on these seeds \
                      (0–3): the uniform soup of all four 0.887, pulled down by GD (0.725); the \
                      greedy soup, which keeps a run only if validation accuracy holds, 0.969, \
                      beside the best run, USEFUL + SAM (0.978). On seeds 0–9: 0.918, 0.765, \
                      0.977 and 0.982. On the straight path from GD to USEFUL (seeds 0–9) the \
                      best point (t = 0.3, 0.840) is barely above USEFUL (0.834), and at most \
                      0.1 % of the examples are wrong at both ends and right in between, where \
                      both ends get 12.8 % wrong: this toy does not show Lin et al.'s effect.",
            citation: CITATION,
            quiz: quiz::SOUPS,
            values: &[
                ("dataset", 1.0),
                ("dim", 100.0),
                ("width", 50.0),
                ("optimizer", 0.0),
                ("lr", 1.0),
                ("batch", 0.0),
                ("steps", 600.0),
                ("cluster_step", 60.0),
                ("seeds", 4.0),
                ("rho", 0.3),
                ("runs", 0.0),
            ],
        },
        Preset {
            id: "dominoes",
            title: "dominoes: the easy half decides",
            caption: "Each image pairs a 0-or-1 digit (left) with a 3-or-5 digit (right), both \
                      agreeing with the label in training. Randomize the easy half at test time and accuracy drops \
                      near chance: the network read the easy digit and ignored the hard one.",
            citation: CITATION,
            quiz: quiz::DOMINOES,
            values: &[
                ("dataset", 2.0),
                ("lr", 1e-3),
                ("steps", 800.0),
                ("cluster_step", 20.0),
            ],
        },
    ]
}
