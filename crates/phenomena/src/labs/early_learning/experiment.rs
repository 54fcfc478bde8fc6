//! One run of the early-learning lab: cross-entropy, CE + ELR and the methods switched on,
//! trained in lockstep on the same noisy labels, from the same initialization and on the same
//! batches, plus what the data set's picture needs.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::{TensorData, Transaction};
use phenomena_charts::ChartSpec;

use super::charts::{self, GRID, grid_coord};
use super::data::{self, Dataset, NoiseKind};
use super::drawn;
use super::forks::FORKS;
use super::methods::{METHODS, MethodEntry, MethodSetup, Progress};
use super::model::{Classifier, DeviceData, METRICS, Run};
use super::{ID, info};
use crate::batches::Batches;
use crate::digits::DIGIT_PIXELS;
use crate::fork::{Change, FORK_RUN, ForkPlan};
use crate::harness::{Divergence, Experiment, Recorder};
use crate::lab::{
    LabError, LabInfo, ParamError, Params, RunSummary, Series, ShardRecord, Snapshot, fmt_num,
};
use crate::optim::Optimizer;
use crate::rng::{Stream, rng};
use crate::tensors::matrix;

/// Mislabeled digits shown in the image grid.
const SHOWN_DIGITS: usize = 8;

/// What the data set's own chart needs besides the metrics.
enum View {
    None,
    /// 2-D: grid points and the training points with their noisy labels.
    Boundary {
        grid: Tensor<2>,
        train: charts::TrainingPoints,
    },
    /// Digits: a few mislabeled training images.
    Digits {
        images: Tensor<2>,
        pixels: Vec<f32>,
        noisy: Vec<usize>,
        truth: Vec<usize>,
    },
}

/// A run forked from one of the others (see [`crate::fork`]).
struct Forked {
    run: Run,
    /// Its name in legends: what changed, and from which step.
    label: String,
}

pub struct EarlyLearning {
    params: Params,
    device: Device,
    classes: usize,
    data: DeviceData,
    runs: Vec<Run>,
    /// Indices into [`METHODS`] of the runs shown (every run the parameters switch on), in
    /// the order of the charts.
    shown: Vec<usize>,
    /// Indices into [`METHODS`] of the runs this engine trains, in the order of `runs`: all
    /// of `shown`, or one share of them (see [`Experiment::train_only`]).
    own: Vec<usize>,
    /// The series of the runs other engines train (their shard records).
    others: BTreeMap<String, Series>,
    view: View,
    lr: f64,
    max_steps: u64,
    forked: Option<Forked>,
    /// Latest predictions for the view, per run this engine trains (the fork's last).
    view_predictions: Vec<Vec<usize>>,
    flipped: usize,
    /// What your own points changed (the 2-D set only).
    drawn: Option<drawn::Applied>,
    batches: Option<Batches>,
    steps_per_epoch: u64,
}

impl EarlyLearning {
    /// Every run this engine trains, the fork last.
    fn all_runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().chain(self.forked.as_ref().map(|f| &f.run))
    }

    /// The recorder names of [`EarlyLearning::all_runs`], in the same order.
    fn own_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let fork = self.forked.as_ref().map(|_| FORK_RUN);
        self.own.iter().map(|i| METHODS[*i].id).chain(fork)
    }

    /// The names of every run shown, this engine's or not, the fork last.
    fn shown_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let fork = self.forked.as_ref().map(|_| FORK_RUN);
        self.shown.iter().map(|i| METHODS[*i].id).chain(fork)
    }

    /// The series of the runs this engine trains, with their view's predictions.
    fn own_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let mut series = recorder.series().clone();
        // Only a method that keeps targets (ELR) has an agreement with them to show.
        for (name, run) in self.own_names().zip(self.all_runs()) {
            if run.method.targets().is_none() {
                series.remove(&format!("{name}.target_agreement"));
            }
        }
        for (name, preds) in self.own_names().zip(&self.view_predictions) {
            series.insert(
                format!("{name}.view_prediction"),
                Series::indexed(preds.iter().map(|p| *p as f64).collect()),
            );
        }
        series
    }
}

/// The methods `params` switches on, as indices into [`METHODS`].
fn methods_trained(params: &Params) -> Vec<usize> {
    (0..METHODS.len())
        .filter(|i| METHODS[*i].switch.is_none_or(|s| params.get(s) != 0.0))
        .collect()
}

/// A point set that cannot be read (parameters that did not come through `resolve_params`).
fn drawn_error(why: &str) -> LabError {
    LabError::Params(vec![ParamError {
        name: "points".into(),
        message: format!("your points (`points`): {why}"),
    }])
}

impl Experiment for EarlyLearning {
    const ID: &'static str = ID;
    const RECORDS_PER_DECADE: f64 = 24.0;

    fn info() -> LabInfo {
        info()
    }

    fn new(params: &Params, device: &Device) -> Result<Self, LabError> {
        let seed = params.get("seed") as u64;
        let classes = params.usize("classes");
        let mut dataset: Dataset = match params.usize("dataset") {
            0 => data::gaussian_mixture(seed, classes, 600, 200, 1000, 3.0),
            1 => data::blobs(seed, classes, drawn::BLOB_TRAIN, 1000, 0.75),
            _ => data::digits(seed, 500),
        };
        let kind = match params.usize("noise_type") {
            0 => NoiseKind::Symmetric,
            _ => NoiseKind::Asymmetric,
        };
        let noisy = data::corrupt(
            &dataset.train.labels,
            dataset.classes,
            params.get("noise"),
            kind,
            seed,
        );
        // Your own points change the 2-D set after its labels were flipped.
        let (noisy, drawn) = match params.usize("dataset") {
            1 => {
                let edits = drawn::decode(params.text("points"))
                    .map_err(|why| drawn_error(why.as_str()))?;
                let train = &mut dataset.train;
                let (noisy, applied) =
                    drawn::apply(&edits, classes, &mut train.x, &mut train.labels, noisy);
                (noisy, Some(applied))
            }
            _ => (noisy, None),
        };
        let flipped: Vec<bool> = noisy
            .iter()
            .zip(&dataset.train.labels)
            .map(|(a, b)| a != b)
            .collect();
        let d = DeviceData::new(
            &dataset.train.x,
            &dataset.train.labels,
            &noisy,
            &dataset.test.x,
            &dataset.test.labels,
            dataset.dim,
            dataset.classes,
            device,
        );
        let hidden = params.usize("hidden");
        let lr = params.get("lr");
        let optimizer = || Optimizer::from_choice(params.usize("optimizer"), lr as f32);
        let classifier = Classifier::new(dataset.dim, dataset.classes, hidden, seed, device);
        let setup = MethodSetup {
            params,
            data: &d,
            hidden,
            seed,
            device,
        };
        let shown = methods_trained(params);
        let runs = shown
            .iter()
            .map(|i| Run {
                classifier: classifier.clone(),
                optimizer: optimizer(),
                method: (METHODS[*i].build)(&setup),
            })
            .collect();
        let view = match params.usize("dataset") {
            1 => {
                let mut grid = Vec::with_capacity(GRID * GRID * 2);
                for j in 0..GRID {
                    for i in 0..GRID {
                        grid.push(grid_coord(i) as f32);
                        grid.push(grid_coord(j) as f32);
                    }
                }
                View::Boundary {
                    grid: matrix(&grid, GRID * GRID, 2, device),
                    train: charts::TrainingPoints {
                        points: dataset
                            .train
                            .x
                            .chunks(2)
                            .map(|p| (p[0] as f64, p[1] as f64))
                            .collect(),
                        noisy: noisy.clone(),
                        flipped: flipped.clone(),
                        yours: drawn.as_ref().map(|d| d.marked.clone()).unwrap_or_default(),
                    },
                }
            }
            2 => {
                let shown: Vec<usize> = (0..flipped.len())
                    .filter(|i| flipped[*i])
                    .take(SHOWN_DIGITS)
                    .collect();
                let pixels: Vec<f32> = shown
                    .iter()
                    .flat_map(|i| dataset.train.image(*i).to_vec())
                    .collect();
                View::Digits {
                    images: matrix(&pixels, shown.len(), DIGIT_PIXELS, device),
                    pixels,
                    noisy: shown.iter().map(|i| noisy[*i]).collect(),
                    truth: shown.iter().map(|i| dataset.train.labels[*i]).collect(),
                }
            }
            _ => View::None,
        };
        let batch = params.usize("batch");
        let batches = (batch > 0 && batch < d.n).then(|| {
            Batches::new(
                batch,
                (0..d.n).collect(),
                rng(seed, Stream::BatchOrder),
                device,
            )
        });
        // An epoch is one pass over the training set: one step in full batch.
        let steps_per_epoch = batches.as_ref().map_or(1, |_| (d.n / batch).max(1)) as u64;
        Ok(Self {
            params: params.clone(),
            device: device.clone(),
            forked: None,
            batches,
            own: shown.clone(),
            others: BTreeMap::new(),
            shown,
            steps_per_epoch,
            max_steps: params.get("steps") as u64,
            lr,
            classes: dataset.classes,
            data: d,
            runs,
            view,
            view_predictions: Vec::new(),
            flipped: flipped.iter().filter(|f| **f).count(),
            drawn,
        })
    }

    fn planned_steps(&self) -> u64 {
        self.max_steps
    }

    /// One lab step (one slot), after `steps` completed ones: the harness's count gives the
    /// epoch PS-KD's schedule needs.
    fn step_slot(&mut self, steps: u64, _slot: u64, _recorder: &mut Recorder) -> u64 {
        // Every run sees the same batch: one knob changed, nothing else.
        let batch = self.batches.as_mut().map(Batches::next_batch);
        let at = Progress {
            epoch: steps / self.steps_per_epoch,
            epochs: self.max_steps.div_ceil(self.steps_per_epoch),
        };
        for run in self
            .runs
            .iter_mut()
            .chain(self.forked.as_mut().map(|f| &mut f.run))
        {
            run.step(&self.data, batch.as_ref(), at);
        }
        1
    }

    fn fork(&mut self, plan: &ForkPlan) {
        let Some(entry) = plan.entry(&FORKS) else {
            return;
        };
        let Some(slot) = self.own.iter().position(|i| METHODS[*i].id == entry.base) else {
            return;
        };
        let mut run = self.runs[slot].clone();
        match entry.change {
            Change::To(id) => {
                let setup = MethodSetup {
                    params: &self.params,
                    data: &self.data,
                    hidden: self.params.usize("hidden"),
                    seed: self.params.get("seed") as u64,
                    device: &self.device,
                };
                if let Some(m) = METHODS.iter().find(|m| m.id == id) {
                    run.method = (m.build)(&setup);
                }
            }
            Change::LearningRate => run.optimizer.set_lr(plan.lr as f32),
            Change::WeightDecay => unreachable!("this lab's FORKS offer no weight decay"),
        }
        self.forked = Some(Forked {
            run,
            label: plan.describe(&FORKS, METHODS[self.own[slot]].label),
        });
    }

    fn record(&self, step: u64, recorder: &mut Recorder) {
        let metrics = self.runs.iter().map(|r| r.metrics(&self.data)).collect();
        let names: Vec<&str> = self.own.iter().map(|i| METHODS[*i].id).collect();
        recorder.record(step, &names, &METRICS, Tensor::stack(metrics, 0));
        self.record_fork(step, recorder);
    }

    fn record_fork(&self, step: u64, recorder: &mut Recorder) {
        if let Some(f) = &self.forked {
            recorder.record_run(step, FORK_RUN, &METRICS, f.run.metrics(&self.data));
        }
    }

    fn divergence_message(&self, d: &Divergence) -> String {
        match &self.forked {
            Some(f) if d.run == FORK_RUN => format!(
                "the fork ({}) diverged at step {} — fork at a lower learning rate",
                f.label, d.step
            ),
            _ => format!(
                "diverged at step {} — lower the learning rate (now {})",
                d.step,
                fmt_num(self.lr)
            ),
        }
    }

    fn register_reads(&self, mut tx: Transaction) -> Transaction {
        let input = match &self.view {
            View::Boundary { grid, .. } => Some(grid),
            View::Digits { images, .. } => Some(images),
            View::None => None,
        };
        if let Some(x) = input {
            for run in self.all_runs() {
                tx = tx.register(run.predict(x.clone()));
            }
        }
        tx
    }

    fn absorb(&mut self, reads: Vec<TensorData>, _: &mut Recorder) -> Result<(), LabError> {
        self.view_predictions = reads
            .into_iter()
            .map(|d| {
                d.convert::<i64>()
                    .try_to_vec::<i64>()
                    .map(|v| v.into_iter().map(|c| c.max(0) as usize).collect())
                    .map_err(LabError::backend)
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let mut series = self.own_series(recorder);
        debug_assert!(
            self.others.keys().all(|k| !series.contains_key(k)),
            "another engine's share recorded a run trained here"
        );
        series.extend(self.others.clone());
        series
    }

    fn complete(&self, _: &Recorder, snapshot: &mut Snapshot) {
        let scalars = &mut snapshot.scalars;
        scalars.insert("mislabeled".into(), self.flipped as f64);
        scalars.insert("train_examples".into(), self.data.n as f64);
        scalars.insert("classes".into(), self.classes as f64);
        if let Some(drawn) = &self.drawn {
            scalars.insert("drawn.added".into(), drawn.added as f64);
            scalars.insert("drawn.relabelled".into(), drawn.relabelled as f64);
            if drawn.left_out > 0 {
                snapshot.warnings.push(format!(
                    "{} of your points or labels name a class this data set does not have (it \
                     has {}); they are left out.",
                    drawn.left_out, self.classes
                ));
            }
        }
        for run in self.shown_names() {
            if let Some(s) = snapshot.series.get(&format!("{run}.test_accuracy")) {
                let peak = s.y.iter().copied().fold(0.0, f64::max);
                scalars.insert(format!("{run}.peak_test_accuracy"), peak);
            }
        }
    }

    /// Shares as even in work as they go (largest run first, each to the lightest share),
    /// the lightest share first: the engine that also draws every run trains it. A fork
    /// trains in one engine, and so do CE and ELR alone on a linear model: measured in the
    /// page on two cores, a second worker brought `boundary` from 7.1 s to 4.6 s and `digits`
    /// from 11.9 s to 7.9 s, and left `linear` at 1.2 s (BENCHMARKS.md).
    fn run_shares(params: &Params, shares: usize) -> Option<Vec<Vec<&'static str>>> {
        let mut methods = methods_trained(params);
        let linear_pair = methods.len() == 2 && params.usize("hidden") == 0;
        if shares < 2 || linear_pair || ForkPlan::from_params(params).is_some() {
            return None;
        }
        let cost = |i: &usize| (METHODS[*i].cost)(params);
        methods.sort_by(|a, b| cost(b).total_cmp(&cost(a)));
        let mut split: Vec<(f64, Vec<usize>)> = vec![(0.0, Vec::new()); shares.min(methods.len())];
        for m in methods {
            let lightest = split
                .iter_mut()
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .expect("at least two shares");
            lightest.0 += cost(&m);
            lightest.1.push(m);
        }
        split.sort_by(|a, b| a.0.total_cmp(&b.0));
        Some(
            split
                .into_iter()
                .map(|(_, mut share)| {
                    share.sort_unstable();
                    share.into_iter().map(|i| METHODS[i].id).collect()
                })
                .collect(),
        )
    }

    fn train_only(&mut self, runs: &[String]) -> Result<(), LabError> {
        let refuse = |why: String| Err(LabError::Backend(why));
        if runs.is_empty() {
            return refuse("a share of the early-learning lab's runs needs a run".into());
        }
        if ForkPlan::from_params(&self.params).is_some() {
            // The fork's base run may train in another engine.
            return refuse("a run with a fork trains every run in one engine".into());
        }
        let mut own = Vec::new();
        for name in runs {
            let found = self.own.iter().find(|i| METHODS[**i].id == name);
            let Some(i) = found else {
                return refuse(format!(
                    "the early-learning lab trains no run `{name}` here with these settings"
                ));
            };
            own.push(*i);
        }
        let runs = std::mem::take(&mut self.runs);
        self.runs = self
            .own
            .iter()
            .zip(runs)
            .filter(|(i, _)| own.contains(i))
            .map(|(_, run)| run)
            .collect();
        self.own.retain(|i| own.contains(i));
        Ok(())
    }

    /// The series of the runs trained here, under their own names.
    fn shard_record(&self, recorder: &Recorder) -> Option<ShardRecord> {
        Some(ShardRecord {
            seeds: 0,
            series: self.own_series(recorder),
            per_seed: BTreeMap::new(),
            diverged: None,
        })
    }

    fn absorb_shards(&mut self, shards: Vec<ShardRecord>) -> bool {
        self.others = shards.into_iter().flat_map(|s| s.series).collect();
        true
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        let fork = self.forked.as_ref().map(|f| f.label.as_str());
        let extra: Vec<&MethodEntry> = self
            .shown
            .iter()
            .map(|i| &METHODS[*i])
            .filter(|m| m.switch.is_some())
            .collect();
        let mut out = Vec::new();
        if extra.is_empty() {
            out.push(charts::fractions(snapshot, fork));
            out.push(charts::accuracy(snapshot, &self.shown, fork));
        } else {
            // A race: every method on one chart first, then each one's own fractions.
            out.push(charts::race(snapshot, &self.shown, fork));
            out.push(charts::accuracy(snapshot, &self.shown, fork));
            out.push(charts::accuracy_of(
                "clean_train_accuracy",
                "clean-accuracy",
                snapshot,
                &self.shown,
                fork,
            ));
            out.push(charts::fractions(snapshot, fork));
            out.extend(extra.iter().map(|m| charts::method_fractions(snapshot, m)));
        }
        // The pictures (boundaries side by side, or the digits) before the ELR detail.
        match &self.view {
            View::Boundary { train, .. } => {
                let runs = self
                    .shown
                    .iter()
                    .map(|i| (METHODS[*i].id, METHODS[*i].label));
                for (id, label) in runs.chain(fork.map(|label| (FORK_RUN, label))) {
                    let preds = charts::view_predictions(snapshot, id);
                    out.push(charts::boundary(id, label, self.classes, &preds, train));
                }
            }
            View::Digits {
                pixels,
                noisy,
                truth,
                ..
            } => {
                let shorts = self.shown.iter().map(|i| METHODS[*i].short);
                let preds: Vec<(&str, Vec<usize>)> = shorts
                    .chain(fork.map(|_| "fork"))
                    .zip(self.shown_names())
                    .map(|(short, id)| (short, charts::view_predictions(snapshot, id)))
                    .collect();
                out.push(charts::digits(pixels, noisy, truth, &preds))
            }
            View::None => {}
        }
        out.push(charts::agreement(snapshot, fork));
        out
    }
}
