//! One run of the simplicity-bias lab: an ensemble of seeds ("worlds"), each training GD,
//! SAM, USEFUL and USEFUL + SAM from one initialization. USEFUL's runs start when GD reaches
//! the clustering step and its outputs have been read back and split; they then catch up at
//! two steps per step. A lab step is one step of every run of every world, done one run at
//! a time (a unit), so that the page's frame can stop between runs.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::{TensorData, Transaction};
use phenomena_charts::{ChartSpec, Color, palette};

use super::charts::{Drawn, alignment_chart, fast_split_chart, per_run_chart, randomized_chart};
use super::data::{self, Data, PatchModel, Split};
use super::forks::FORKS;
use super::model::{
    Arch, Net, Run, blend, example_losses, greedy_soup_weights, lerp, logistic_loss, slow_examples,
};
use super::{ID, info};
use crate::batches::Batches;
use crate::fork::{Change, FORK_RUN, ForkPlan};
use crate::harness::{Divergence, Experiment, Recorder, Schedule};
use crate::lab::{
    LabError, LabInfo, ParamError, Params, RunSummary, Series, ShardRecord, Snapshot, fmt_num,
};
use crate::optim::Optimizer;
use crate::rng::{Stream, rng_indexed};
use crate::tensors::{column, indices, matrix};

/// Floats the data of one ensemble may hold on a device (training and test sets, all seeds).
const ENSEMBLE_FLOATS: usize = 20_000_000;
const SHOWN_DOMINOES: usize = 6;

/// Each run's key, label and colour: four Okabe–Ito hues far apart (black, orange, blue,
/// reddish purple), so no two runs read alike.
pub const RUNS: [(&str, &str, Color); 4] = [
    ("gd", "GD", palette::BLACK),
    ("sam", "SAM", palette::ORANGE),
    ("useful", "USEFUL", palette::BLUE),
    ("useful_sam", "USEFUL + SAM", palette::PURPLE),
];

/// The order in which the runs' lines are drawn, and their widths: USEFUL and USEFUL + SAM
/// often coincide, so USEFUL + SAM goes first and wide and USEFUL on top of it and thin —
/// where they overlap, both stay visible.
pub const DRAW_ORDER: [(usize, f64); 4] = [(0, 2.0), (1, 2.0), (3, 4.5), (2, 1.8)];

/// The runs each choice of the `runs` parameter trains, as indices into [`RUNS`]: a preset
/// whose story needs two of them finishes in a third to a half of the time.
/// Each has GD and at least one other run, so the soups and the weight-space path apply.
pub const RUN_SETS: [&[usize]; 3] = [&[0, 1, 2, 3], &[0, 2], &[0, 1]];

/// Networks made from the runs' weights (Wortsman et al. 2022), recorded beside them from the
/// first step all the runs trained have reached, four times a decade, and at the last step:
/// their mean (the uniform soup) and the greedy soup, chosen on a validation set.
pub const SOUPS: [(&str, &str, Color); 2] = [
    ("soup", "uniform soup", palette::GREEN),
    ("greedy", "greedy soup", palette::VERMILLION),
];

/// Points on the weight-space path from GD (t = 0) to USEFUL, or to SAM where USEFUL is not
/// trained (t = 1): t = 0, 0.1, …, 1.
pub const PATH_POINTS: usize = 11;

/// Per point of the path: accuracy on the standard test set (`id_i`), out of distribution
/// (`ood_i`: see [`SimplicityBias::path_metrics`]), and the share of the out-of-distribution
/// examples both ends get wrong and the point gets right (`fixed_i`); then the share both ends
/// get wrong.
const PATH_METRICS: [&str; 3 * PATH_POINTS + 1] = [
    "id_0",
    "id_1",
    "id_2",
    "id_3",
    "id_4",
    "id_5",
    "id_6",
    "id_7",
    "id_8",
    "id_9",
    "id_10",
    "ood_0",
    "ood_1",
    "ood_2",
    "ood_3",
    "ood_4",
    "ood_5",
    "ood_6",
    "ood_7",
    "ood_8",
    "ood_9",
    "ood_10",
    "fixed_0",
    "fixed_1",
    "fixed_2",
    "fixed_3",
    "fixed_4",
    "fixed_5",
    "fixed_6",
    "fixed_7",
    "fixed_8",
    "fixed_9",
    "fixed_10",
    "both_wrong",
];

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

/// One seed's data on the device, its runs, and USEFUL's split once made.
pub(super) struct World {
    x: Tensor<2>,
    y: Tensor<2>,
    tests: [(Tensor<2>, Tensor<2>); 3],
    /// Held-out examples from the training distribution: the greedy soup's choices.
    validation: (Tensor<2>, Tensor<2>),
    /// Whether the soups and the weight-space path have been recorded yet: each is recorded at
    /// the first step all runs share, whatever its place on the log schedule.
    soups_started: bool,
    path_started: bool,
    with_fast: Tensor<2>,
    without_fast: Tensor<2>,
    labels: Vec<f32>,
    has_fast: Vec<bool>,
    init: Net,
    pub(super) runs: Vec<Option<Run>>,
    batches: Vec<Option<Batches>>,
    /// USEFUL's training pool (indices, slow ones repeated) for full-batch steps.
    pool: Option<Tensor<1, Int>>,
    /// Per training example: in a slow cluster; and the early outputs that were clustered.
    pub(super) split: Option<(Vec<bool>, Vec<f64>)>,
    /// Dominoes shown in the image grid (randomized easy half).
    pub(super) shown: Option<(Tensor<2>, Vec<f32>, Vec<f32>)>,
    /// The fork of GD (see [`crate::fork`]) and its batches, once made.
    fork: Option<(Run, Option<Batches>)>,
}

pub struct SimplicityBias {
    params: Params,
    seed: u64,
    pub(super) arch: Arch,
    /// The runs trained, as indices into [`RUNS`] (always GD, which USEFUL's split reads).
    pub(super) runs: &'static [usize],
    pub(super) worlds: Vec<World>,
    run_steps: u64,
    pub(super) cluster_step: u64,
    shown_predictions: Vec<Vec<f64>>,
    /// True between the slots of a lab step: USEFUL's split waits for a step boundary, where
    /// every world's GD has taken the same steps, whenever the page reads back.
    mid_step: bool,
    /// The other shards of the ensemble shown here, whose seeds follow this lab's.
    others: Vec<ShardRecord>,
    /// The fork's name in legends and the step it branched at, once made.
    pub(super) fork: Option<(String, u64)>,
}

fn bad(name: &str, message: String) -> LabError {
    LabError::Params(vec![ParamError {
        name: name.into(),
        message,
    }])
}

/// The step at which `series` first rises past `level`, interpolated linearly between the
/// recorded points on either side: the points are log-spaced, so the first point past the
/// level can be up to 15 % of the way past the crossing. `None` if it never does.
pub(super) fn crossing(series: &Series, level: f64) -> Option<f64> {
    let i = series.y.iter().position(|v| *v > level)?;
    if i == 0 {
        return Some(series.x[0]);
    }
    let (x0, y0, x1, y1) = (series.x[i - 1], series.y[i - 1], series.x[i], series.y[i]);
    Some(x0 + (level - y0) / (y1 - y0) * (x1 - x0))
}

/// Key of world `w`'s run `r` in the recorder: `"{w}/{run}"`.
fn run_key(w: usize, r: usize) -> String {
    format!("{w}/{}", RUNS[r].0)
}

impl SimplicityBias {
    fn build(params: &Params, device: &Device) -> Result<Self, LabError> {
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
        let floats = seeds
            * (sample.train.x.len() + 3 * sample.test.standard.x.len() + sample.validation.x.len());
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
        let optimizer = || Optimizer::from_choice(params.usize("optimizer"), lr);
        let rho = params.get("rho") as f32;
        let batch = params.usize("batch");
        let width = params.usize("width");
        let runs = RUN_SETS[params.usize("runs").min(RUN_SETS.len() - 1)];
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
            let test = |s: &Split| (matrix(&s.x, s.len(), d.dim, device), column(&s.y, device));
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
                    matrix(&pixels, SHOWN_DOMINOES, d.dim, device),
                    pixels,
                    s.y[..SHOWN_DOMINOES].to_vec(),
                )
            });
            worlds.push(World {
                x: matrix(&d.train.x, n, d.dim, device),
                y: column(&d.train.y, device),
                tests: [
                    test(&d.test.standard),
                    test(&d.test.s_randomized),
                    test(&d.test.sc_randomized),
                ],
                validation: test(&d.validation),
                soups_started: false,
                path_started: false,
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
                    runs.contains(&1).then(|| Run {
                        net: init.clone(),
                        optimizer: optimizer(),
                        rho,
                        steps: 0,
                    }),
                    None,
                    None,
                ],
                // GD and SAM draw the same batches.
                batches: vec![
                    batches(0),
                    runs.contains(&1).then(|| batches(0)).flatten(),
                    None,
                    None,
                ],
                init,
                pool: None,
                split: None,
                shown,
                fork: None,
            });
        }
        let run_steps = params.get("steps") as u64;
        Ok(Self {
            cluster_step: (params.get("cluster_step") as u64).min(run_steps),
            run_steps,
            params: params.clone(),
            seed: first_seed,
            arch,
            runs,
            worlds,
            shown_predictions: Vec::new(),
            mid_step: false,
            others: Vec::new(),
            fork: None,
        })
    }

    /// Steps run `r` in world `w` (with its recording), if that run is training; returns how
    /// many steps it took. USEFUL's runs restart at the clustering step, so while they trail
    /// the lab's clock they take two steps per slot (the same steps in the same order, only
    /// sooner) and finish with GD and SAM.
    fn step_run(&mut self, steps: u64, w: usize, r: usize, recorder: &mut Recorder) -> u64 {
        let mut taken = 0;
        while taken < 2 {
            let behind = self.worlds[w].runs[r]
                .as_ref()
                .is_some_and(|run| run.steps < steps + 1);
            if (taken > 0 && !behind) || !self.step_run_once(w, r, recorder) {
                break;
            }
            taken += 1;
        }
        taken
    }

    /// One step of run `r` in world `w` (with its recording), if that run is training.
    fn step_run_once(&mut self, w: usize, r: usize, recorder: &mut Recorder) -> bool {
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
        let step = run.steps;
        let schedule = Schedule {
            last: self.run_steps,
            per_decade: Self::RECORDS_PER_DECADE,
        };
        if schedule.records_at(step) {
            self.record_run(w, r, recorder);
            self.record_soups(w, step, recorder);
        }
        true
    }

    /// One step of world `w`'s fork (with its recording), if it has one still training; it
    /// steps as GD does, on its own copy of GD's batches.
    fn step_fork(&mut self, w: usize, recorder: &mut Recorder) -> u64 {
        let world = &mut self.worlds[w];
        let Some((run, batches)) = world.fork.as_mut() else {
            return 0;
        };
        if run.steps >= self.run_steps {
            return 0;
        }
        let (x, y) = match batches.as_mut() {
            Some(b) => {
                let idx = b.next_batch();
                (
                    world.x.clone().select(0, idx.clone()),
                    world.y.clone().select(0, idx),
                )
            }
            None => (world.x.clone(), world.y.clone()),
        };
        run.step(x, y);
        let schedule = Schedule {
            last: self.run_steps,
            per_decade: Self::RECORDS_PER_DECADE,
        };
        if schedule.records_at(run.steps) {
            self.record_world_fork(w, recorder);
        }
        1
    }

    fn record_world_fork(&self, w: usize, recorder: &mut Recorder) {
        let world = &self.worlds[w];
        if let Some((run, _)) = &world.fork {
            let m = self.metrics(world, &run.net.params);
            recorder.record_run(run.steps, &format!("{w}/{FORK_RUN}"), &METRICS, m);
        }
    }

    /// Runs stepped in each world: the runs trained, and the fork once made.
    fn runs_per_world(&self) -> usize {
        self.runs.len() + usize::from(self.fork.is_some())
    }

    /// The parameters of every run trained in world `w` if all of them are at run step
    /// `step` (USEFUL trails GD until it has caught up; weights are averaged at equal steps).
    fn synced(&self, w: usize, step: u64) -> Option<Vec<&[Tensor<2>]>> {
        let world = &self.worlds[w];
        self.runs
            .iter()
            .map(|r| {
                world.runs[*r]
                    .as_ref()
                    .filter(|run| run.steps == step)
                    .map(|run| run.net.params.as_slice())
            })
            .collect()
    }

    /// The end of the weight-space path: USEFUL where it is trained, else SAM.
    pub(super) fn path_end(&self) -> usize {
        if self.runs.contains(&2) { 2 } else { 1 }
    }

    /// Records the soups of world `w`'s runs at the first step all of them have reached, four
    /// times a decade after it, and at the last step; the weight-space path between two of
    /// them the same way at two points a decade. A soup costs 4 test-set passes, the path 11
    /// to 22: at every recorded step they would double the lab's evaluation work.
    fn record_soups(&mut self, w: usize, step: u64, recorder: &mut Recorder) {
        let Some(nets) = self.synced(w, step) else {
            return;
        };
        let world = &self.worlds[w];
        let crosses = |per_decade: f64| {
            Schedule {
                last: self.run_steps,
                per_decade,
            }
            .crosses(step)
        };
        let last = step == self.run_steps;
        if !(!world.soups_started || last || crosses(4.0)) {
            return;
        }
        let k = nets.len();
        let uniform = blend(&nets, Tensor::full([k], 1.0 / k as f32, &world.x.device()));
        recorder.record_run(
            step,
            &format!("{w}/soup"),
            &METRICS,
            self.metrics(world, &uniform),
        );
        let weights = greedy_soup_weights(self.arch, &nets, &world.validation);
        let size = weights.clone().greater_elem(0.0).float().sum();
        let greedy = blend(&nets, weights);
        recorder.record_run(
            step,
            &format!("{w}/greedy"),
            &METRICS,
            self.metrics(world, &greedy),
        );
        recorder.record_run(step, &format!("{w}/greedy"), &["size"], size);
        let path_due = !world.path_started || last || crosses(2.0);
        if path_due {
            let end = self.path_end();
            let path = self.path_metrics(
                world,
                nets[0],
                world.runs[end]
                    .as_ref()
                    .map(|r| r.net.params.as_slice())
                    .expect("synced"),
            );
            recorder.record_run(step, &format!("{w}/path"), &PATH_METRICS, path);
        }
        self.worlds[w].soups_started = true;
        self.worlds[w].path_started |= path_due;
    }

    /// [`PATH_METRICS`] on the path from `a` (t = 0) to `b` (t = 1). Out of distribution
    /// means, on the patch model, the test examples without the fast feature; on LMS and the
    /// dominoes, the test set with the simple feature randomized.
    fn path_metrics(&self, world: &World, a: &[Tensor<2>], b: &[Tensor<2>]) -> Tensor<1> {
        let right = |params: &[Tensor<2>], (x, y): &(Tensor<2>, Tensor<2>)| -> Tensor<2> {
            let pred = Net::logits_with(self.arch, params, x.clone())
                .greater_elem(0.0)
                .float();
            (pred - y.clone()).abs().neg().add_scalar(1.0)
        };
        let points: Vec<Vec<Tensor<2>>> = (0..PATH_POINTS)
            .map(|i| lerp(a, b, i as f64 / (PATH_POINTS - 1) as f64))
            .collect();
        let id: Vec<Tensor<2>> = points.iter().map(|p| right(p, &world.tests[0])).collect();
        let (ood, within) = match self.arch {
            Arch::Patch { .. } => (id.clone(), world.without_fast.clone()),
            Arch::Mlp => {
                let ood: Vec<Tensor<2>> =
                    points.iter().map(|p| right(p, &world.tests[1])).collect();
                let within = Tensor::ones_like(&ood[0]);
                (ood, within)
            }
        };
        let count = within.clone().sum().clamp_min(1.0);
        let share = |t: Tensor<2>| (t * within.clone()).sum() / count.clone();
        let both_wrong = ood[0].clone().neg().add_scalar(1.0)
            * ood[PATH_POINTS - 1].clone().neg().add_scalar(1.0);
        let mut values: Vec<Tensor<1>> = id.into_iter().map(|r| r.mean()).collect();
        values.extend(ood.iter().map(|r| share(r.clone())));
        values.extend(ood.iter().map(|r| share(r.clone() * both_wrong.clone())));
        values.push(share(both_wrong));
        Tensor::cat(values, 0)
    }

    /// Whether this lab trains USEFUL (alone or with SAM), and so splits GD's outputs.
    pub(super) fn trains_useful(&self) -> bool {
        self.runs.iter().any(|r| *r >= 2)
    }

    /// True while GD has reached the clustering step and USEFUL's split is not made yet; the
    /// split needs a read-back, which happens in `snapshot`.
    fn awaiting_split(&self) -> bool {
        self.trains_useful()
            && self.worlds.iter().any(|w| {
                w.split.is_none()
                    && w.runs[0]
                        .as_ref()
                        .is_some_and(|r| r.steps >= self.cluster_step)
            })
    }

    /// [`METRICS`] of a network of this lab's architecture with `params` (a run's, a soup's).
    fn metrics(&self, w: &World, params: &[Tensor<2>]) -> Tensor<1> {
        let logits = |x: Tensor<2>| Net::logits_with(self.arch, params, x);
        let accuracy = |x: &Tensor<2>, y: &Tensor<2>| -> Tensor<2> {
            let pred = logits(x.clone()).greater_elem(0.0).float();
            (pred - y.clone()).abs().neg().add_scalar(1.0)
        };
        let mean = |t: Tensor<2>| t.mean();
        let standard = accuracy(&w.tests[0].0, &w.tests[0].1);
        let masked = |mask: &Tensor<2>| {
            (standard.clone() * mask.clone()).sum() / mask.clone().sum().clamp_min(1.0)
        };
        let (align_fast, align_slow) = match self.arch {
            Arch::Patch { .. } => {
                let wt = params[0].clone();
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
        let loss = logistic_loss(logits(w.x.clone()), w.y.clone());
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

    fn record_run(&self, w: usize, r: usize, recorder: &mut Recorder) {
        let world = &self.worlds[w];
        if let Some(run) = &world.runs[r] {
            let m = self.metrics(world, &run.net.params);
            recorder.record_run(run.steps, &run_key(w, r), &METRICS, m);
        }
    }

    /// Clusters GD's outputs in every world and starts the USEFUL runs from the same init.
    fn make_splits(
        &mut self,
        outputs: Vec<Vec<f64>>,
        losses: Vec<Vec<f64>>,
        recorder: &mut Recorder,
    ) {
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
                if !self.runs.contains(&r) {
                    continue;
                }
                world.runs[r] = Some(Run {
                    net: world.init.clone(),
                    optimizer: Optimizer::from_choice(usize::from(adam), lr),
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
            world.pool = Some(indices(&pool, &device));
            world.split = Some((slow, out));
        }
        for w in 0..self.worlds.len() {
            for r in 2..4 {
                self.record_run(w, r, recorder);
            }
        }
    }

    /// Whether this read-back makes USEFUL's split: at a step boundary where GD has reached
    /// the clustering step and no split is made yet.
    fn split_due(&self) -> bool {
        !self.mid_step && self.awaiting_split()
    }

    /// How many of world 0's runs have logits to show (the dominoes' image grid).
    fn shown_count(&self) -> usize {
        let w = &self.worlds[0];
        w.shown
            .as_ref()
            .map_or(0, |_| w.runs.iter().flatten().count())
    }

    /// The logits of world 0's runs on the dominoes shown in the image grid.
    fn shown_logits(&self) -> Vec<Tensor<2>> {
        self.worlds[0]
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
            .unwrap_or_default()
    }

    /// Purity (share of world `w`'s slow clusters without the fast feature) and recall (share
    /// of its examples without it that were put in a slow cluster), once its split is made.
    fn world_split_quality(w: &World) -> Option<(f64, f64)> {
        let (slow, _) = w.split.as_ref()?;
        let slow_count = slow.iter().filter(|s| **s).count();
        let missing = w.has_fast.iter().filter(|f| !**f).count();
        let hits = slow
            .iter()
            .zip(&w.has_fast)
            .filter(|(s, f)| **s && !**f)
            .count();
        Some((
            hits as f64 / slow_count.max(1) as f64,
            hits as f64 / missing.max(1) as f64,
        ))
    }

    /// Split purity and recall averaged over every seed shown, once every seed has its split.
    fn split_quality(&self) -> Option<(f64, f64)> {
        let mut purity = Vec::new();
        let mut recall = Vec::new();
        for w in &self.worlds {
            let (p, r) = Self::world_split_quality(w)?;
            purity.push(p);
            recall.push(r);
        }
        for shard in &self.others {
            purity.extend(shard.per_seed.get("split_purity")?);
            recall.extend(shard.per_seed.get("split_recall")?);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        Some((mean(&purity), mean(&recall)))
    }

    /// Seeds shown: this lab's own and the other shards'.
    pub(super) fn total_seeds(&self) -> usize {
        self.worlds.len() + self.others.iter().map(|s| s.seeds).sum::<usize>()
    }

    /// Mean and standard deviation over seeds of every recorded series.
    fn aggregate(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let recorded = recorder.series();
        let mut out = BTreeMap::new();
        let seeds = self.total_seeds();
        for name in recorded.keys().filter_map(|k| k.strip_prefix("0/")) {
            let all: Vec<&Series> = self.per_seed(recorded, name).collect();
            // A shard that has not recorded this series yet (USEFUL's split comes at a step
            // boundary of each shard's own) leaves it out until every seed has it.
            if all.len() < seeds {
                continue;
            }
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
                name.to_string(),
                Series {
                    x: x.clone(),
                    y: mean,
                },
            );
            if seeds > 1 {
                out.insert(format!("{name}.std"), Series { x, y: std });
            }
        }
        out
    }

    /// Series `name` (like `gd.accuracy`) of every seed that has recorded it, this lab's seeds
    /// first, then the other shards' in order.
    fn per_seed<'a>(
        &'a self,
        recorded: &'a BTreeMap<String, Series>,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Series> {
        let own = (0..self.worlds.len()).filter_map(move |w| recorded.get(&format!("{w}/{name}")));
        let others = self.others.iter().flat_map(move |shard| {
            (0..shard.seeds).filter_map(move |w| shard.series.get(&format!("{w}/{name}")))
        });
        own.chain(others)
    }
}

impl Experiment for SimplicityBias {
    const ID: &'static str = ID;
    const RECORDS_PER_DECADE: f64 = 16.0;

    fn info() -> LabInfo {
        info()
    }

    fn new(params: &Params, device: &Device) -> Result<Self, LabError> {
        Self::build(params, device)
    }

    /// The lab's clock at which every run has finished: USEFUL starts at the clustering step
    /// `c` and catches up at two steps per step, which takes `c` steps; when `2c` exceeds the
    /// run length `n` it finishes `⌈n / 2⌉` steps after the restart instead.
    fn planned_steps(&self) -> u64 {
        let (n, c) = (self.run_steps, self.cluster_step);
        if self.trains_useful() {
            n.max(c + n.div_ceil(2))
        } else {
            n
        }
    }

    /// A slot is one run's step: a lab step with up to 16 seeds × 4 runs, each recording its
    /// metrics on the test sets, is too much work for one call that must stay short.
    fn slots_per_step(&self) -> u64 {
        (self.worlds.len() * self.runs_per_world()) as u64
    }

    fn step_slot(&mut self, steps: u64, slot: u64, recorder: &mut Recorder) -> u64 {
        self.mid_step = slot + 1 < self.slots_per_step();
        let slot = slot as usize;
        let k = self.runs_per_world();
        match self.runs.get(slot % k) {
            Some(r) => self.step_run(steps, slot / k, *r, recorder),
            None => self.step_fork(slot / k, recorder),
        }
    }

    /// Copies GD in every world at the lab's step (GD's own step: GD never trails the clock).
    fn fork(&mut self, plan: &ForkPlan) {
        let Some(entry) = plan.entry(&FORKS) else {
            return;
        };
        let rho = self.params.get("rho") as f32;
        for world in &mut self.worlds {
            let Some(mut run) = world.runs[0].clone() else {
                continue;
            };
            match entry.change {
                Change::To(_) => run.rho = rho,
                Change::LearningRate => run.optimizer.set_lr(plan.lr as f32),
                Change::WeightDecay => unreachable!("this lab's FORKS offer no weight decay"),
            }
            world.fork = Some((run, world.batches[0].clone()));
        }
        self.fork = Some((plan.describe(&FORKS, RUNS[0].1), plan.step));
    }

    fn can_step(&self) -> bool {
        !self.awaiting_split()
    }

    fn start(&self, recorder: &mut Recorder) {
        for w in 0..self.worlds.len() {
            for r in 0..2 {
                self.record_run(w, r, recorder);
            }
        }
    }

    /// Nothing on the lab's schedule: each run records on its own clock, in `step_slot`; the
    /// lab's clock only marks the fork's first point (this is also its `record_fork`).
    fn record(&self, step: u64, recorder: &mut Recorder) {
        if self.fork.as_ref().is_some_and(|(_, at)| *at == step) {
            for w in 0..self.worlds.len() {
                self.record_world_fork(w, recorder);
            }
        }
    }

    fn divergence_message(&self, d: &Divergence) -> String {
        let run = d.run.split_once('/').map_or(d.run.as_str(), |(_, r)| r);
        let fork = self.fork.as_ref().filter(|_| run == FORK_RUN);
        let label = RUNS
            .iter()
            .find(|(id, _, _)| *id == run)
            .map_or(run, |r| r.1);
        let label = fork.map_or(label, |(name, _)| name.as_str());
        format!(
            "diverged at step {} of {label} — lower the learning rate (now {})",
            d.step,
            fmt_num(self.params.get("lr"))
        )
    }

    /// While USEFUL waits for its split, GD's outputs and per-example losses in every world;
    /// then the shown dominoes' logits.
    fn register_reads(&self, mut tx: Transaction) -> Transaction {
        if self.split_due() {
            for w in &self.worlds {
                let gd = w.runs[0].as_ref().expect("GD always runs");
                let out = gd.net.logits(w.x.clone());
                tx = tx
                    .register(out.clone())
                    .register(example_losses(out, w.y.clone()));
            }
        }
        for t in self.shown_logits() {
            tx = tx.register(t);
        }
        tx
    }

    fn absorb(
        &mut self,
        mut reads: Vec<TensorData>,
        recorder: &mut Recorder,
    ) -> Result<(), LabError> {
        let to_f64 = |d: TensorData| -> Result<Vec<f64>, LabError> {
            d.try_to_vec::<f32>()
                .map(|v| v.into_iter().map(|x| x as f64).collect())
                .map_err(LabError::backend)
        };
        let shown = reads.split_off(reads.len() - self.shown_count());
        self.shown_predictions = shown.into_iter().map(to_f64).collect::<Result<_, _>>()?;
        if self.split_due() {
            let mut outputs = Vec::new();
            let mut losses = Vec::new();
            for pair in reads.chunks(2) {
                outputs.push(to_f64(pair[0].clone())?);
                losses.push(to_f64(pair[1].clone())?);
            }
            self.make_splits(outputs, losses, recorder);
        }
        Ok(())
    }

    /// Mean and standard deviation over seeds of every recorded series.
    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        self.aggregate(recorder)
    }

    fn complete(&self, recorder: &Recorder, snapshot: &mut Snapshot) {
        let series = &mut snapshot.series;
        let scalars = &mut snapshot.scalars;
        scalars.insert("seeds".into(), self.total_seeds() as f64);
        if let (Some((purity, recall)), Arch::Patch { .. }) = (self.split_quality(), self.arch) {
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
                    .per_seed(recorder.series(), &name)
                    .map(|s| crossing(s, 0.5).unwrap_or(self.run_steps as f64 + 1.0))
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
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        let seeds = self.total_seeds();
        let drawn = Drawn {
            runs: self.runs,
            fork: self.fork.as_ref().map(|(label, _)| label.as_str()),
        };
        let mut charts = Vec::new();
        match self.arch {
            Arch::Patch { .. } => {
                charts.push(alignment_chart(snapshot, seeds, drawn));
                charts.push(fast_split_chart(snapshot, seeds, drawn));
            }
            Arch::Mlp => {
                charts.push(randomized_chart(snapshot, seeds, drawn));
                charts.push(per_run_chart(
                    snapshot,
                    "accuracy",
                    "accuracy",
                    "Test accuracy",
                    "Standard test accuracy of every run (mean over seeds, band ± one standard \
                     deviation). All runs fit the task; the randomized tests show how.",
                    seeds,
                    drawn,
                ));
            }
        }
        if let Some(grid) = self.dominoes_chart(snapshot) {
            charts.push(grid);
        }
        // Only the patch model knows which examples lack the fast feature, so only there can
        // the chart show whether USEFUL's split found them.
        if matches!(self.arch, Arch::Patch { .. }) && self.trains_useful() {
            charts.push(self.split_chart(snapshot));
        }
        // Every choice of runs trains at least two from one initialization: soups apply.
        charts.push(self.soups_chart(snapshot, seeds));
        charts.push(self.path_chart(snapshot, seeds));
        charts
    }

    /// Every recorded series of this lab's seeds, and each seed's split quality once made.
    fn shard_record(&self, recorder: &Recorder) -> Option<ShardRecord> {
        let mut per_seed = BTreeMap::new();
        let quality: Option<Vec<(f64, f64)>> =
            self.worlds.iter().map(Self::world_split_quality).collect();
        if let Some(quality) = quality {
            per_seed.insert(
                "split_purity".to_string(),
                quality.iter().map(|q| q.0).collect(),
            );
            per_seed.insert(
                "split_recall".to_string(),
                quality.iter().map(|q| q.1).collect(),
            );
        }
        Some(ShardRecord {
            seeds: self.worlds.len(),
            series: recorder.series().clone(),
            per_seed,
            diverged: None,
        })
    }

    fn absorb_shards(&mut self, shards: Vec<ShardRecord>) -> bool {
        self.others = shards;
        true
    }
}
