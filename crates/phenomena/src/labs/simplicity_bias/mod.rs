//! Simplicity bias: gradient descent, SAM, USEFUL and USEFUL + SAM, trained in lockstep on the
//! same data from the same initialization, on LMS, the patch model or digit dominoes.
//!
//! Read in order: `data.rs` (the data sets and their randomized test sets), `model.rs` (the
//! networks, SAM and USEFUL's split), then this file (schema, presets, the loop that pauses at
//! the clustering step, the ensemble over seeds, snapshots and charts).

mod charts;
pub mod data;
pub mod model;

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::Transaction;
use phenomena_charts::{ChartSpec, Color, palette};

use crate::batches::Batches;
use crate::lab::{
    Condition, Lab, LabError, LabInfo, LocalFuture, ParamError, ParamSpec, Params, Preset,
    RunSummary, Series, Snapshot, fmt_num, records_at,
};
use crate::optim::Optimizer;
use crate::rng::{Stream, rng_indexed};
use charts::{alignment_chart, fast_split_chart, per_run_chart, randomized_chart};
use data::{Data, PatchModel, Split};
use model::{Arch, Net, Run, example_losses, logistic_loss, slow_examples};

pub const ID: &str = "simplicity-bias";
const CITATION: &str = "Nguyen, D., Haddad, P., Gan, E. & Mirzasoleiman, B. (2024). Changing the \
Training Data Distribution to Reduce Simplicity Bias Improves In-distribution Generalization. \
NeurIPS (arXiv:2404.17768). Shah, H. et al. (2020). The Pitfalls of Simplicity Bias in Neural \
Networks. NeurIPS.";

const RECORDS_PER_DECADE: f64 = 16.0;
/// Floats the data of one ensemble may hold on a device (training and test sets, all seeds).
const ENSEMBLE_FLOATS: usize = 20_000_000;
const SHOWN_DOMINOES: usize = 6;

/// Each run's key, label and colour: four Okabe–Ito hues far apart (black, orange, blue,
/// reddish purple), so no two runs read alike.
const RUNS: [(&str, &str, Color); 4] = [
    ("gd", "GD", palette::BLACK),
    ("sam", "SAM", palette::ORANGE),
    ("useful", "USEFUL", palette::BLUE),
    ("useful_sam", "USEFUL + SAM", palette::PURPLE),
];

/// The order in which the runs' lines are drawn, and their widths: USEFUL and USEFUL + SAM
/// often coincide, so USEFUL + SAM goes first and wide and USEFUL on top of it and thin —
/// where they overlap, both stay visible.
const DRAW_ORDER: [(usize, f64); 4] = [(0, 2.0), (1, 2.0), (3, 4.5), (2, 1.8)];

const METRICS: [&str; 8] = [
    "accuracy",
    "s_randomized",
    "sc_randomized",
    "align_fast",
    "align_slow",
    "accuracy_with_fast",
    "accuracy_without_fast",
    "train_loss",
];

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    vec![
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
            name: "rho",
            label: "ρ (SAM radius)",
            max: 2.0,
            step: 0.01,
            default: 0.05,
            help: "SAM ascends ρ along the normalised gradient before each step.",
            source: "SAM ρ",
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
        ParamSpec {
            name: "steps",
            label: "training steps",
            min: 10.0,
            max: 50_000.0,
            step: 10.0,
            default: 1500.0,
            log: true,
            integer: true,
            help: "Steps of every run. USEFUL restarts from the initial weights at the \
                   clustering step and then takes two steps for each of the others' until it has \
                   caught up, so every run ends at this step (unless the clustering step is past \
                   half of it: then USEFUL finishes later, and the step counter runs on).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "seed",
            label: "first seed",
            max: 1e9,
            step: 1.0,
            integer: true,
            help: "The ensemble uses this seed and the ones after it.",
            source: "",
            ..n
        },
    ]
}

const PATCH_VALUES: [(&str, f64); 9] = [
    ("dataset", 1.0),
    ("dim", 100.0),
    ("width", 50.0),
    ("optimizer", 0.0),
    ("lr", 1.0),
    ("batch", 0.0),
    ("steps", 600.0),
    ("cluster_step", 60.0),
    ("seeds", 8.0),
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
            values: &[],
        },
        Preset {
            id: "useful",
            title: "USEFUL learns the slow feature",
            caption: "Patch model, 8 seeds. GD learns the fast feature and mostly stops; the 10 % \
                      of examples without it are fitted by memorizing noise. USEFUL clusters GD's \
                      early outputs, finds exactly those examples, upsamples them and retrains: \
                      its alignment with the slow feature grows sooner on most seeds and its \
                      accuracy without the fast feature is higher.",
            citation: CITATION,
            values: &PATCH_VALUES,
        },
        Preset {
            id: "sam-vs-gd",
            title: "SAM vs GD",
            caption: "SAM at a larger radius (ρ = 0.3) on the patch model. In our runs SAM mainly \
                      slows the fast feature rather than aligning with the slow one; compare its \
                      curves with GD's and see the notes for what it did on 8 seeds.",
            citation: CITATION,
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
            ],
        },
        Preset {
            id: "dominoes",
            title: "dominoes: the easy half decides",
            caption: "Each image pairs a 0-or-1 digit (left) with a 3-or-5 digit (right), both \
                      agreeing with the label in training. Randomize the easy half at test time and accuracy drops \
                      near chance: the network read the easy digit and ignored the hard one.",
            citation: CITATION,
            values: &[
                ("dataset", 2.0),
                ("lr", 1e-3),
                ("steps", 800.0),
                ("cluster_step", 20.0),
            ],
        },
    ]
}

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Simplicity bias: GD vs SAM vs USEFUL",
        summary: "Networks latch onto the simplest feature that fits and ignore harder ones; \
                  SAM and USEFUL (upsampling the slowly learned examples) push back.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Measured natively on flex, seeds 0–7 for the patch model (3 patches of 100, \
                50 filters, init 0.05, β_e 1, β_d 0.4, noise 0.1, α 0.9, GD lr 1, 600 steps, \
                clustering at step 60). Seeds whose slow-feature alignment passes 0.5, and \
                accuracy without the fast feature (mean): GD 2/8, 0.68; SAM ρ = 0.05 2/8, 0.69; \
                SAM ρ = 0.3 0/8, 0.77; USEFUL 6/8, 0.82; USEFUL + SAM (ρ = 0.05) 6/8, 0.83, \
                (ρ = 0.3) 7/8, 0.96. USEFUL's slow cluster was exactly the examples without the \
                fast feature (purity and recall 1.0). SAM at small ρ is indistinguishable from \
                GD; at ρ = 0.3 it raises the accuracy without the fast feature without aligning \
                with the slow feature — it slows the fast one (alignment 1.46 against GD's \
                2.15). LMS-5 (d = 10, Adam 1e-3, batch 128): test accuracy 1.00, S-randomized \
                0.49, Sᶜ-randomized 1.00 for every run. Dominoes (0/1 over 3/5): test 1.00, \
                easy half randomized 0.53, hard half randomized 0.96.",
    }
}

/// One seed's data on the device, its runs, and USEFUL's split once made.
struct World {
    x: Tensor<2>,
    y: Tensor<2>,
    tests: [(Tensor<2>, Tensor<2>); 3],
    with_fast: Tensor<2>,
    without_fast: Tensor<2>,
    labels: Vec<f32>,
    has_fast: Vec<bool>,
    init: Net,
    runs: Vec<Option<Run>>,
    batches: Vec<Option<Batches>>,
    /// USEFUL's training pool (indices, slow ones repeated) for full-batch steps.
    pool: Option<Tensor<1, Int>>,
    /// Per training example: in a slow cluster; and the early outputs that were clustered.
    split: Option<(Vec<bool>, Vec<f64>)>,
    /// Dominoes shown in the image grid (randomized easy half).
    shown: Option<(Tensor<2>, Vec<f32>, Vec<f32>)>,
}

pub struct SimplicityBiasLab {
    params: Params,
    seed: u64,
    backend: String,
    arch: Arch,
    worlds: Vec<World>,
    steps: u64,
    /// The next (world, run) slot to advance within the current step: world × 4 + run.
    cursor: usize,
    run_steps: u64,
    cluster_step: u64,
    pending: Vec<(usize, usize, u64, Tensor<1>)>,
    per_seed: Vec<BTreeMap<String, Series>>,
    shown_predictions: Vec<Vec<f64>>,
    diverged: Option<String>,
}

fn tensor(values: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

fn column(values: &[f32], device: &Device) -> Tensor<2> {
    tensor(values, values.len(), 1, device)
}

fn bad(name: &str, message: String) -> LabError {
    LabError::Params(vec![ParamError {
        name: name.into(),
        message,
    }])
}

impl SimplicityBiasLab {
    pub fn new(params: Params, device: &Device, backend: &str) -> Result<Self, LabError> {
        let first_seed = params.get("seed") as u64;
        let dataset = params.usize("dataset");
        let seeds = params.usize("seeds");
        let dim = params.usize("dim");
        let model = PatchModel {
            patches: 3,
            dim,
            beta_fast: params.get("beta_fast"),
            beta_slow: params.get("beta_slow"),
            alpha: params.get("alpha"),
            noise: 0.1,
        };
        if dataset == 1 && model.beta_slow >= model.beta_fast {
            return Err(bad(
                "beta_slow",
                format!(
                    "β_d (`beta_slow`) must be smaller than β_e (`beta_fast`) = {}: the slow \
                     feature is the weaker one",
                    fmt_num(model.beta_fast)
                ),
            ));
        }
        let make = |seed: u64| -> Data {
            match dataset {
                0 => data::lms(seed, dim, params.usize("slabs"), 10_000, 2_000),
                1 => data::patches(seed, model, 200, 1_000),
                _ => data::dominoes(seed, 1_000, 500),
            }
        };
        let sample = make(first_seed);
        let floats = seeds * (sample.train.x.len() + 3 * sample.test.standard.x.len());
        if floats > ENSEMBLE_FLOATS {
            let per_seed = floats / seeds;
            return Err(bad(
                "seeds",
                format!(
                    "{seeds} seeds of this data set need {floats} floats on the device; the limit \
                     is {ENSEMBLE_FLOATS}, so at most {} seeds",
                    (ENSEMBLE_FLOATS / per_seed).max(1)
                ),
            ));
        }
        let arch = match dataset {
            1 => Arch::Patch { patches: 3, dim },
            _ => Arch::Mlp,
        };
        let lr = params.get("lr") as f32;
        let optimizer = || match params.usize("optimizer") {
            0 => Optimizer::Gd { lr },
            _ => Optimizer::Adam {
                lr,
                m: Vec::new(),
                v: Vec::new(),
                t: 0,
            },
        };
        let rho = params.get("rho") as f32;
        let batch = params.usize("batch");
        let width = params.usize("width");
        let mut worlds = Vec::with_capacity(seeds);
        for k in 0..seeds {
            let seed = first_seed + k as u64;
            let d = if k == 0 { sample.clone() } else { make(seed) };
            let n = d.train.len();
            let init = match arch {
                Arch::Patch { .. } => Net::patch(3, dim, width, 0.05, seed, device),
                Arch::Mlp => Net::mlp(d.dim, width, seed, device),
            };
            let batches = |stream_offset: u64| {
                (batch > 0 && batch < n).then(|| {
                    Batches::new(
                        batch,
                        (0..n).collect(),
                        rng_indexed(seed, Stream::BatchOrder, stream_offset),
                        device,
                    )
                })
            };
            let test = |s: &Split| (tensor(&s.x, s.len(), d.dim, device), column(&s.y, device));
            let with_fast: Vec<f32> = d
                .test
                .standard
                .has_fast
                .iter()
                .map(|f| if *f { 1.0 } else { 0.0 })
                .collect();
            let without_fast: Vec<f32> = with_fast.iter().map(|v| 1.0 - v).collect();
            let shown = (dataset == 2).then(|| {
                let s = &d.test.s_randomized;
                let pixels = s.x[..SHOWN_DOMINOES * d.dim].to_vec();
                (
                    tensor(&pixels, SHOWN_DOMINOES, d.dim, device),
                    pixels,
                    s.y[..SHOWN_DOMINOES].to_vec(),
                )
            });
            worlds.push(World {
                x: tensor(&d.train.x, n, d.dim, device),
                y: column(&d.train.y, device),
                tests: [
                    test(&d.test.standard),
                    test(&d.test.s_randomized),
                    test(&d.test.sc_randomized),
                ],
                with_fast: column(&with_fast, device),
                without_fast: column(&without_fast, device),
                labels: d.train.y.clone(),
                has_fast: d.train.has_fast.clone(),
                runs: vec![
                    Some(Run {
                        net: init.clone(),
                        optimizer: optimizer(),
                        rho: 0.0,
                        steps: 0,
                    }),
                    Some(Run {
                        net: init.clone(),
                        optimizer: optimizer(),
                        rho,
                        steps: 0,
                    }),
                    None,
                    None,
                ],
                // GD and SAM draw the same batches.
                batches: vec![batches(0), batches(0), None, None],
                init,
                pool: None,
                split: None,
                shown,
            });
        }
        let run_steps = params.get("steps") as u64;
        let mut lab = Self {
            cluster_step: (params.get("cluster_step") as u64).min(run_steps),
            run_steps,
            params,
            seed: first_seed,
            backend: backend.to_string(),
            arch,
            per_seed: vec![BTreeMap::new(); worlds.len()],
            worlds,
            steps: 0,
            cursor: 0,
            pending: Vec::new(),
            shown_predictions: Vec::new(),
            diverged: None,
        };
        for w in 0..lab.worlds.len() {
            for r in 0..2 {
                lab.record(w, r);
            }
        }
        Ok(lab)
    }

    /// Moves the cursor over one (world, run) slot of the current lab step, stepping that run
    /// if it is training. `None` at a step boundary where training cannot go on (finished,
    /// diverged, or waiting for USEFUL's split); else how many run steps were taken.
    fn advance_cursor(&mut self) -> Option<u64> {
        if self.cursor == 0
            && (self.steps >= self.max_steps() || self.diverged.is_some() || self.awaiting_split())
        {
            return None;
        }
        let (w, r) = (self.cursor / RUNS.len(), self.cursor % RUNS.len());
        let stepped = self.step_run(w, r);
        self.cursor += 1;
        if self.cursor == self.worlds.len() * RUNS.len() {
            self.cursor = 0;
            self.steps += 1;
        }
        Some(stepped)
    }

    /// Steps run `r` in world `w` (with its recording), if that run is training; returns how
    /// many steps it took. USEFUL's runs restart at the clustering step, so while they trail
    /// the lab's clock they take two steps per slot (the same steps in the same order, only
    /// sooner) and finish with GD and SAM.
    fn step_run(&mut self, w: usize, r: usize) -> u64 {
        let mut taken = 0;
        while taken < 2 {
            let behind = self.worlds[w].runs[r]
                .as_ref()
                .is_some_and(|run| run.steps < self.steps + 1);
            if (taken > 0 && !behind) || !self.step_run_once(w, r) {
                break;
            }
            taken += 1;
        }
        taken
    }

    /// One step of run `r` in world `w` (with its recording), if that run is training.
    fn step_run_once(&mut self, w: usize, r: usize) -> bool {
        let world = &mut self.worlds[w];
        let Some(run) = world.runs[r].as_mut() else {
            return false;
        };
        if run.steps >= self.run_steps {
            return false;
        }
        let (x, y) = match (world.batches[r].as_mut(), r >= 2, &world.pool) {
            (Some(b), _, _) => {
                let idx = b.next_batch();
                (
                    world.x.clone().select(0, idx.clone()),
                    world.y.clone().select(0, idx),
                )
            }
            (None, true, Some(pool)) => (
                world.x.clone().select(0, pool.clone()),
                world.y.clone().select(0, pool.clone()),
            ),
            _ => (world.x.clone(), world.y.clone()),
        };
        run.step(x, y);
        if records_at(run.steps, self.run_steps, RECORDS_PER_DECADE) {
            self.record(w, r);
        }
        true
    }

    /// True while GD has reached the clustering step and USEFUL's split is not made yet; the
    /// split needs a read-back, which happens in `snapshot`.
    fn awaiting_split(&self) -> bool {
        self.worlds.iter().any(|w| {
            w.split.is_none()
                && w.runs[0]
                    .as_ref()
                    .is_some_and(|r| r.steps >= self.cluster_step)
        })
    }

    fn metrics(&self, w: &World, run: &Run) -> Tensor<1> {
        let accuracy = |x: &Tensor<2>, y: &Tensor<2>| -> Tensor<2> {
            let pred = run.net.logits(x.clone()).greater_elem(0.0).float();
            (pred - y.clone()).abs().neg().add_scalar(1.0)
        };
        let mean = |t: Tensor<2>| t.mean();
        let standard = accuracy(&w.tests[0].0, &w.tests[0].1);
        let masked = |mask: &Tensor<2>| {
            (standard.clone() * mask.clone()).sum() / mask.clone().sum().clamp_min(1.0)
        };
        let (align_fast, align_slow) = match self.arch {
            Arch::Patch { .. } => {
                let wt = run.net.params[0].clone();
                let filters = wt.dims()[1];
                (
                    wt.clone().slice([0..1, 0..filters]).abs().max(),
                    wt.slice([1..2, 0..filters]).abs().max(),
                )
            }
            Arch::Mlp => {
                let zero = Tensor::zeros([1], &w.x.device());
                (zero.clone(), zero)
            }
        };
        let loss = logistic_loss(run.net.logits(w.x.clone()), w.y.clone());
        Tensor::cat(
            vec![
                mean(standard.clone()),
                mean(accuracy(&w.tests[1].0, &w.tests[1].1)),
                mean(accuracy(&w.tests[2].0, &w.tests[2].1)),
                align_fast,
                align_slow,
                masked(&w.with_fast),
                masked(&w.without_fast),
                loss,
            ],
            0,
        )
    }

    fn record(&mut self, w: usize, r: usize) {
        let world = &self.worlds[w];
        if let Some(run) = &world.runs[r] {
            let m = self.metrics(world, run);
            self.pending.push((w, r, run.steps, m));
        }
    }

    /// Clusters GD's outputs in every world and starts the USEFUL runs from the same init.
    fn make_splits(&mut self, outputs: Vec<Vec<f64>>, losses: Vec<Vec<f64>>) {
        let factor = self.params.usize("upsample").max(1);
        let batch = self.params.usize("batch");
        let lr = self.params.get("lr") as f32;
        let rho = self.params.get("rho") as f32;
        let adam = self.params.usize("optimizer") == 1;
        for (k, (world, (out, loss))) in self
            .worlds
            .iter_mut()
            .zip(outputs.into_iter().zip(losses))
            .enumerate()
        {
            let slow = slow_examples(&out, &loss, &world.labels);
            let n = world.labels.len();
            let mut pool: Vec<usize> = (0..n).collect();
            for _ in 1..factor {
                pool.extend((0..n).filter(|i| slow[*i]));
            }
            let device = world.x.device();
            let seed = self.seed + k as u64;
            for (r, run_rho) in [(2usize, 0.0f32), (3, rho)] {
                world.runs[r] = Some(Run {
                    net: world.init.clone(),
                    optimizer: if adam {
                        Optimizer::Adam {
                            lr,
                            m: Vec::new(),
                            v: Vec::new(),
                            t: 0,
                        }
                    } else {
                        Optimizer::Gd { lr }
                    },
                    rho: run_rho,
                    steps: 0,
                });
                world.batches[r] = (batch > 0 && batch < pool.len()).then(|| {
                    Batches::new(
                        batch,
                        pool.clone(),
                        rng_indexed(seed, Stream::BatchOrder, 1),
                        &device,
                    )
                });
            }
            let idx: Vec<i64> = pool.iter().map(|i| *i as i64).collect();
            world.pool = Some(Tensor::from_data(
                TensorData::new(idx, [pool.len()]),
                &device,
            ));
            world.split = Some((slow, out));
        }
        for w in 0..self.worlds.len() {
            for r in 2..4 {
                self.record(w, r);
            }
        }
    }

    async fn read_back(&mut self) -> Result<(), LabError> {
        let pending = std::mem::take(&mut self.pending);
        let splitting = self.awaiting_split();
        let mut tx = Transaction::default();
        for (_, _, _, t) in &pending {
            tx = tx.register(t.clone());
        }
        if splitting {
            for w in &self.worlds {
                let gd = w.runs[0].as_ref().expect("GD always runs");
                let out = gd.net.logits(w.x.clone());
                tx = tx
                    .register(out.clone())
                    .register(example_losses(out, w.y.clone()));
            }
        }
        let shown: Vec<Tensor<2>> = self.worlds[0]
            .shown
            .as_ref()
            .map(|(x, _, _)| {
                self.worlds[0]
                    .runs
                    .iter()
                    .flatten()
                    .map(|r| r.net.logits(x.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for t in &shown {
            tx = tx.register(t.clone());
        }
        let mut values = tx
            .execute_async()
            .await
            .map_err(|e| LabError::Backend(format!("reading metrics failed: {e:?}")))?;
        let to_f64 = |d: TensorData| -> Result<Vec<f64>, LabError> {
            d.try_to_vec::<f32>()
                .map(|v| v.into_iter().map(|x| x as f64).collect())
                .map_err(LabError::backend)
        };
        let shown_values = values.split_off(values.len() - shown.len());
        self.shown_predictions = shown_values
            .into_iter()
            .map(to_f64)
            .collect::<Result<_, _>>()?;
        let split_values = values.split_off(pending.len());
        for ((w, r, step, _), data) in pending.iter().zip(values) {
            let row = to_f64(data)?;
            if self.diverged.is_none() && row.iter().any(|v| !v.is_finite()) {
                self.diverged = Some(format!(
                    "diverged at step {step} of {} — lower the learning rate (now {})",
                    RUNS[*r].1,
                    fmt_num(self.params.get("lr"))
                ));
            }
            for (metric, v) in METRICS.iter().zip(row) {
                self.per_seed[*w]
                    .entry(format!("{}.{metric}", RUNS[*r].0))
                    .or_default()
                    .push(*step as f64, v);
            }
        }
        if splitting {
            let mut outputs = Vec::new();
            let mut losses = Vec::new();
            for pair in split_values.chunks(2) {
                outputs.push(to_f64(pair[0].clone())?);
                losses.push(to_f64(pair[1].clone())?);
            }
            self.make_splits(outputs, losses);
        }
        Ok(())
    }

    /// Purity (share of the slow clusters without the fast feature) and recall (share of the
    /// examples without it that were put in a slow cluster), averaged over seeds.
    fn split_quality(&self) -> Option<(f64, f64)> {
        let mut purity = Vec::new();
        let mut recall = Vec::new();
        for w in &self.worlds {
            let (slow, _) = w.split.as_ref()?;
            let slow_count = slow.iter().filter(|s| **s).count();
            let missing = w.has_fast.iter().filter(|f| !**f).count();
            let hits = slow
                .iter()
                .zip(&w.has_fast)
                .filter(|(s, f)| **s && !**f)
                .count();
            purity.push(hits as f64 / slow_count.max(1) as f64);
            recall.push(hits as f64 / missing.max(1) as f64);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        Some((mean(&purity), mean(&recall)))
    }

    /// Mean and standard deviation over seeds of every recorded series.
    fn aggregate(&self) -> BTreeMap<String, Series> {
        let mut out = BTreeMap::new();
        for name in self.per_seed[0].keys() {
            let all: Vec<&Series> = self.per_seed.iter().filter_map(|m| m.get(name)).collect();
            let len = all.iter().map(|s| s.y.len()).min().unwrap_or(0);
            let x = all[0].x[..len].to_vec();
            let k = all.len() as f64;
            let mean: Vec<f64> = (0..len)
                .map(|i| all.iter().map(|s| s.y[i]).sum::<f64>() / k)
                .collect();
            let std: Vec<f64> = (0..len)
                .map(|i| (all.iter().map(|s| (s.y[i] - mean[i]).powi(2)).sum::<f64>() / k).sqrt())
                .collect();
            out.insert(
                name.clone(),
                Series {
                    x: x.clone(),
                    y: mean,
                },
            );
            if self.worlds.len() > 1 {
                out.insert(format!("{name}.std"), Series { x, y: std });
            }
        }
        out
    }
}

impl Lab for SimplicityBiasLab {
    fn info(&self) -> LabInfo {
        info()
    }

    fn step(&mut self, k: u64) {
        let target = self.steps + k;
        while self.steps < target && self.advance_cursor().is_some() {}
    }

    /// A unit is one run's step: a lab step with 8 seeds × 4 runs, each recording its
    /// metrics on the test sets, is too much work for one call that must stay short.
    fn step_work(&mut self, units: u64) {
        let mut done = 0;
        while done < units {
            match self.advance_cursor() {
                None => break,
                Some(stepped) => done += stepped,
            }
        }
    }

    fn steps_done(&self) -> u64 {
        self.steps
    }

    /// The lab's clock at which every run has finished: USEFUL starts at the clustering step
    /// `c` and catches up at two steps per step, which takes `c` steps; when `2c` exceeds the
    /// run length `n` it finishes `⌈n / 2⌉` steps after the restart instead.
    fn max_steps(&self) -> u64 {
        let (n, c) = (self.run_steps, self.cluster_step);
        n.max(c + n.div_ceil(2))
    }

    fn snapshot(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>> {
        Box::pin(async move {
            self.read_back().await?;
            let mut series = self.aggregate();
            let mut scalars = BTreeMap::new();
            scalars.insert("seeds".into(), self.worlds.len() as f64);
            if let (Some((purity, recall)), Arch::Patch { .. }) = (self.split_quality(), self.arch)
            {
                scalars.insert("useful.split_purity".into(), purity);
                scalars.insert("useful.split_recall".into(), recall);
            }
            for (r, logits) in self.shown_predictions.iter().enumerate() {
                series.insert(format!("shown.{r}"), Series::indexed(logits.clone()));
            }
            if let Some((slow, out)) = &self.worlds[0].split {
                let w = &self.worlds[0];
                series.insert(
                    "split.outputs".into(),
                    Series {
                        x: out.clone(),
                        y: w.labels.iter().map(|v| *v as f64).collect(),
                    },
                );
                series.insert(
                    "split.slow".into(),
                    Series::indexed(slow.iter().map(|s| f64::from(u8::from(*s))).collect()),
                );
                series.insert(
                    "split.has_fast".into(),
                    Series::indexed(w.has_fast.iter().map(|s| f64::from(u8::from(*s))).collect()),
                );
            }
            // Steps until the slow-feature alignment passes 0.5, per run, averaged over seeds
            // (never = the run's length + 1).
            if matches!(self.arch, Arch::Patch { .. }) {
                for (run, _, _) in RUNS {
                    let name = format!("{run}.align_slow");
                    let firsts: Vec<f64> = self
                        .per_seed
                        .iter()
                        .filter_map(|m| m.get(&name))
                        .map(|s| {
                            s.x.iter()
                                .zip(&s.y)
                                .find(|(_, v)| **v > 0.5)
                                .map(|(x, _)| *x)
                                .unwrap_or(self.run_steps as f64 + 1.0)
                        })
                        .collect();
                    if !firsts.is_empty() {
                        let passed = firsts
                            .iter()
                            .filter(|f| **f <= self.run_steps as f64)
                            .count();
                        scalars.insert(
                            format!("{run}.slow_alignment_step"),
                            firsts.iter().sum::<f64>() / firsts.len() as f64,
                        );
                        scalars.insert(format!("{run}.seeds_aligned"), passed as f64);
                    }
                }
            }
            Ok(Snapshot {
                lab: ID.into(),
                step: self.steps,
                params: self.params.clone(),
                seed: self.seed,
                backend: self.backend.clone(),
                series,
                scalars,
                diverged: self.diverged.clone(),
                warnings: Vec::new(),
            })
        })
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        let seeds = self.worlds.len();
        let mut charts = Vec::new();
        match self.arch {
            Arch::Patch { .. } => {
                charts.push(alignment_chart(snapshot, seeds));
                charts.push(fast_split_chart(snapshot, seeds));
            }
            Arch::Mlp => {
                charts.push(randomized_chart(snapshot, seeds));
                charts.push(per_run_chart(
                    snapshot,
                    "accuracy",
                    "accuracy",
                    "Test accuracy",
                    "Standard test accuracy of every run (mean over seeds, band ± one standard \
                     deviation). All runs fit the task; the randomized tests show how.",
                    seeds,
                ));
            }
        }
        if let Some(grid) = self.dominoes_chart(snapshot) {
            charts.push(grid);
        }
        // Only the patch model knows which examples lack the fast feature, so only there can
        // the chart show whether USEFUL's split found them.
        if matches!(self.arch, Arch::Patch { .. }) {
            charts.push(self.split_chart(snapshot));
        }
        charts
    }

    fn summary(&self, _snapshot: &Snapshot) -> Option<RunSummary> {
        None
    }
}

#[cfg(test)]
mod tests;
