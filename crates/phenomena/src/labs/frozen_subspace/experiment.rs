//! One run of the frozen-subspace lab: the linear student and the network student trained in
//! lockstep on the same data, the theory recorded beside them at every recorded step.

use std::collections::BTreeMap;

use burn::prelude::*;
use phenomena_charts::ChartSpec;

use super::data::{Dataset, Spectrum};
use super::forks::FORKS;
use super::model::{
    DeviceData, LINEAR_METRICS, LinearStudent, LinearSweep, NETWORK_METRICS, NetworkStudent,
    SweepRun,
};
use super::theory::{Problem, Time, decay_stops_mattering};
use super::{ID, charts, info};
use crate::batches::Batches;
use crate::fork::{Change, FORK_RUN, ForkPlan};
use crate::harness::{Divergence, DivergenceCheck, Experiment, Recorder};
use crate::lab::{LabError, LabInfo, ParamError, Params, RunSummary, Series, Snapshot, fmt_num};
use crate::rng::{Stream, rng_indexed};

/// Errors past this count as divergence.
const DIVERGED_ABOVE: f64 = 1e6;
/// The α sweep: α = 0.25, 0.5, …, 4, each on this many seeds (the run's seed and the ones
/// after it).
const SWEEP_ALPHAS: usize = 16;
const SWEEP_STEP: f64 = 0.25;
const SWEEP_SEEDS: usize = 4;
/// Floats the sweep's training data may hold on a device.
const SWEEP_FLOATS: usize = 20_000_000;

/// The α sweep's students and what each run is.
pub struct Sweep {
    students: LinearSweep,
    /// (α as realised, P/N, and the seed) of each run, in the batch's order: α-major, the
    /// seeds of one α side by side.
    pub(super) runs: Vec<(f64, u64)>,
    names: Vec<String>,
    /// With weight decay set, the same runs without it, on the same data (Xiao's comparison:
    /// where the two sweeps meet, weight decay has stopped mattering), and their names.
    plain: Option<(LinearSweep, Vec<String>)>,
}

impl Sweep {
    fn new(params: &Params, device: &Device) -> Result<Self, LabError> {
        let n = params.usize("n");
        let first_seed = params.get("seed") as u64;
        let snr = params.get("snr");
        let alphas: Vec<f64> = (1..=SWEEP_ALPHAS).map(|i| i as f64 * SWEEP_STEP).collect();
        let p_of = |alpha: f64| ((alpha * n as f64).round() as usize).max(1);
        let p_max = p_of(alphas[SWEEP_ALPHAS - 1]);
        let floats = SWEEP_ALPHAS * SWEEP_SEEDS * p_max * n;
        if floats > SWEEP_FLOATS {
            let largest_n = ((SWEEP_FLOATS as f64
                / (SWEEP_ALPHAS * SWEEP_SEEDS) as f64
                / (SWEEP_STEP * SWEEP_ALPHAS as f64))
                .sqrt()) as usize;
            return Err(LabError::Params(vec![ParamError {
                name: "sweep".into(),
                message: format!(
                    "the α sweep (`sweep`) at N = {n} needs {floats} floats of training data; \
                     the limit is {SWEEP_FLOATS}, so it runs at N ≤ {largest_n}"
                ),
            }]));
        }
        let seeds: Vec<u64> = (0..SWEEP_SEEDS as u64).map(|k| first_seed + k).collect();
        let datasets: Vec<(u64, Dataset)> = seeds
            .iter()
            .map(|seed| (*seed, Dataset::generate(*seed, n, p_max, snr)))
            .collect();
        let mut runs = Vec::new();
        let mut batch = Vec::new();
        for alpha in &alphas {
            for seed in &seeds {
                let p = p_of(*alpha);
                runs.push((p as f64 / n as f64, *seed));
                batch.push(SweepRun { seed: *seed, p });
            }
        }
        let named = |prefix: &str| -> Vec<String> {
            runs.iter()
                .map(|(alpha, seed)| format!("{prefix}.alpha{alpha}.seed{seed}"))
                .collect()
        };
        let names = named("sweep");
        let plain = LinearSweep::new(
            &batch,
            &datasets,
            params.get("init_scale"),
            params.get("lr"),
            device,
        );
        let decay = params.get("weight_decay");
        let (students, plain) = if decay > 0.0 {
            (
                plain.clone().with_weight_decay(decay),
                Some((plain, named("sweep_plain"))),
            )
        } else {
            (plain, None)
        };
        Ok(Self {
            students,
            runs,
            names,
            plain,
        })
    }

    /// One step of every run, with weight decay and (where set) without.
    fn step(&mut self) {
        self.students.step();
        if let Some((plain, _)) = &mut self.plain {
            plain.step();
        }
    }

    fn record(&self, step: u64, recorder: &mut Recorder) {
        recorder.record(
            step,
            &self.names,
            &["E_g"],
            self.students.generalization_errors(),
        );
        if let Some((plain, names)) = &self.plain {
            recorder.record(step, names, &["E_g"], plain.generalization_errors());
        }
    }

    /// The (α, seed) of the run named `name` in the recorder, and whether it trains with the
    /// lab's weight decay (false: the twin without it).
    fn run_of(&self, name: &str) -> Option<(f64, u64, bool)> {
        let find = |names: &[String]| names.iter().position(|n| n == name);
        if let Some(i) = find(&self.names) {
            return Some((self.runs[i].0, self.runs[i].1, true));
        }
        let (_, plain) = self.plain.as_ref()?;
        find(plain).map(|i| (self.runs[i].0, self.runs[i].1, false))
    }

    /// Each α's E_g at the last recorded step, averaged over the seeds: (α, mean, step).
    pub(super) fn latest(&self, snapshot: &Snapshot) -> Vec<(f64, f64, f64)> {
        Self::latest_of(&self.runs, &self.names, snapshot)
    }

    /// As [`Sweep::latest`] for the twin without weight decay, if it trains.
    pub(super) fn latest_plain(&self, snapshot: &Snapshot) -> Option<Vec<(f64, f64, f64)>> {
        let (_, names) = self.plain.as_ref()?;
        Some(Self::latest_of(&self.runs, names, snapshot))
    }

    fn latest_of(
        runs: &[(f64, u64)],
        names: &[String],
        snapshot: &Snapshot,
    ) -> Vec<(f64, f64, f64)> {
        let mut out: Vec<(f64, f64, f64)> = Vec::new();
        for chunk in runs.chunks(SWEEP_SEEDS).zip(names.chunks(SWEEP_SEEDS)) {
            let ((alpha, _), names) = (chunk.0[0], chunk.1);
            let last: Vec<(f64, f64)> = names
                .iter()
                .filter_map(|name| snapshot.series.get(&format!("{name}.E_g")))
                .filter_map(|s| Some((*s.x.last()?, *s.y.last()?)))
                .collect();
            if last.is_empty() {
                continue;
            }
            let mean = last.iter().map(|(_, e)| e).sum::<f64>() / last.len() as f64;
            out.push((alpha, mean, last[0].0));
        }
        out
    }
}

/// The stability limit of gradient descent on the linear student, as a formula.
fn limit_formula(decayed: bool) -> &'static str {
    if decayed { "2/(λ₊ + γ)" } else { "2/λ₊" }
}

/// Hoffer, Hubara & Soudry's (2017) comparison: two network students trained by mini-batch
/// SGD from the full-batch student's initialization, one for as many epochs as it (P/B updates
/// a lab step), one for as many updates (one a step). If E_g against the number of updates
/// is the same for all three, the batch size matters only through the updates it allows.
pub(super) struct BatchStudy {
    pub(super) size: usize,
    /// Updates per epoch, ⌊P/B⌋ (the examples left over wait for the next epoch's shuffle).
    pub(super) per_epoch: usize,
    equal_epochs: (NetworkStudent, Batches),
    equal_updates: (NetworkStudent, Batches),
}

/// The most updates the same-epochs student may take in one lab step.
const MAX_UPDATES_PER_STEP: usize = 100;

/// The batch study's runs: their recorder names and labels.
pub const BATCH_RUNS: [(&str, &str); 2] = [
    ("small_epochs", "small batch, same epochs"),
    ("small_updates", "small batch, same updates"),
];

impl BatchStudy {
    fn new(
        size: usize,
        network: &NetworkStudent,
        data: &DeviceData,
        seed: u64,
        device: &Device,
    ) -> Result<Self, LabError> {
        let refuse = |message: String| {
            Err(LabError::Params(vec![ParamError {
                name: "small_batch".into(),
                message,
            }]))
        };
        if size >= data.p {
            return refuse(format!(
                "the small batch (`small_batch` = {size}) must be smaller than the P = {} \
                 training examples (α·N)",
                data.p
            ));
        }
        // The same-epochs student takes ⌊P/B⌋ updates in one lab step, which must stay short.
        if data.p / size > MAX_UPDATES_PER_STEP {
            return refuse(format!(
                "a small batch of {size} (`small_batch`) takes {} updates per step at P = {}; \
                 at most {MAX_UPDATES_PER_STEP} keep the page responsive, so B ≥ {}",
                data.p / size,
                data.p,
                data.p / (MAX_UPDATES_PER_STEP + 1) + 1
            ));
        }
        let batches = |k: u64| {
            Batches::new(
                size,
                (0..data.p).collect(),
                rng_indexed(seed, Stream::BatchOrder, k),
                device,
            )
        };
        Ok(Self {
            size,
            per_epoch: data.p / size,
            equal_epochs: (network.clone(), batches(0)),
            equal_updates: (network.clone(), batches(1)),
        })
    }

    fn step(&mut self, data: &DeviceData) {
        for _ in 0..self.per_epoch {
            let batch = self.equal_epochs.1.next_batch();
            self.equal_epochs.0.step_on(data, batch);
        }
        let batch = self.equal_updates.1.next_batch();
        self.equal_updates.0.step_on(data, batch);
    }

    fn record(&self, step: u64, data: &DeviceData, recorder: &mut Recorder) {
        for ((name, _), (student, _)) in BATCH_RUNS
            .iter()
            .zip([&self.equal_epochs, &self.equal_updates])
        {
            recorder.record_run(step, name, &NETWORK_METRICS, student.metrics(data));
        }
    }
}

/// The theory curves that depend only on the parameters, computed once per run.
pub struct TheoryCurves {
    /// (step, E_g, E_t) on a log grid up to the planned number of steps.
    pub over_time: Vec<(f64, f64, f64)>,
    /// (α, best early-stopped E_g, E_g after infinite training).
    pub over_alpha: Vec<(f64, f64, f64)>,
    /// The step of the lowest E_g within the run, and that E_g (the optimal stopping time).
    pub best_stop: (f64, f64),
}

impl TheoryCurves {
    /// E_g after training forever without weight decay on the α grid of `over_alpha`, and the
    /// α past 1 from which weight decay gains under 5 % over it (Xiao's data-rich regime: the
    /// benefit of L2 vanishes as α grows).
    pub fn without_decay(&self, problem: &Problem) -> (Vec<(f64, f64)>, Option<f64>) {
        let plain: Vec<(f64, f64)> = self
            .over_alpha
            .iter()
            .map(|(alpha, _, _)| {
                let p = Problem {
                    alpha: *alpha,
                    weight_decay: 0.0,
                    ..*problem
                };
                (*alpha, p.asymptotic_generalization_error())
            })
            .collect();
        let points: Vec<(f64, f64, f64)> = self
            .over_alpha
            .iter()
            .zip(&plain)
            .map(|((alpha, _, with), (_, without))| (*alpha, *with, *without))
            .collect();
        (plain, decay_stops_mattering(&points))
    }

    fn new(problem: Problem, lr: f64, max_steps: u64) -> Self {
        let decades = (max_steps as f64).log10();
        // Whole steps: gradient descent has no state between them, and (1 − ηλ)^k with
        // ηλ > 1 (a rate above 1/λ₊, still stable) has no real value at a fractional k.
        let mut steps: Vec<f64> = (0..=120)
            .map(|i| 10f64.powf(decades * i as f64 / 120.0).round())
            .collect();
        steps.dedup();
        let over_time = steps
            .into_iter()
            .map(|k| {
                let t = Time::Steps { lr, steps: k };
                (
                    k,
                    problem.generalization_error(t),
                    problem.training_error(t),
                )
            })
            .collect();
        // Skip α = 1 exactly, where E_g(∞) is infinite.
        let over_alpha = (1..=80)
            .map(|i| i as f64 * 0.05 + 0.0125)
            .map(|alpha| {
                let p = Problem { alpha, ..problem };
                (
                    alpha,
                    p.best_generalization_error(),
                    p.asymptotic_generalization_error(),
                )
            })
            .collect();
        Self {
            over_time,
            over_alpha,
            best_stop: problem.best_stopping_step(lr, max_steps as f64),
        }
    }
}

pub struct FrozenSubspace {
    pub(super) params: Params,
    pub(super) problem: Problem,
    pub(super) spectrum: Spectrum,
    pub(super) theory: TheoryCurves,
    pub(super) data: DeviceData,
    linear: LinearStudent,
    network: NetworkStudent,
    pub(super) sweep: Option<Sweep>,
    pub(super) batch_study: Option<BatchStudy>,
    max_steps: u64,
    /// The students that diverged (their runs' names, as read back): they stop where they
    /// are while the other trains on.
    pub(super) stopped: Vec<String>,
    /// A fork of the linear student (see [`crate::fork`]) and its name in legends.
    forked: Option<(LinearStudent, String)>,
}

/// The two students' run names and how the messages call them.
const STUDENTS: [(&str, &str); 2] = [("linear", "linear student"), ("network", "network student")];

fn student_label(run: &str) -> &str {
    STUDENTS
        .iter()
        .find(|(id, _)| *id == run)
        .map_or(run, |(_, label)| label)
}

impl FrozenSubspace {
    /// The fork's name in legends, once it is made.
    pub(super) fn fork_label(&self) -> Option<&str> {
        self.forked.as_ref().map(|(_, label)| label.as_str())
    }

    /// Whether `run` trains on its own (a student or the fork): one that diverges stops
    /// while the others train on.
    fn independent(&self, run: &str) -> bool {
        run == FORK_RUN || STUDENTS.iter().any(|(id, _)| *id == run)
    }

    /// Whether student `run` diverged and stopped.
    fn is_stopped(&self, run: &str) -> bool {
        self.stopped.iter().any(|r| r == run)
    }

    /// The linear student's weights, read back asynchronously.
    pub async fn linear_weights(&self) -> Result<Vec<f32>, LabError> {
        let data = self
            .linear
            .w
            .clone()
            .into_data_async()
            .await
            .map_err(LabError::backend)?;
        data.try_to_vec::<f32>().map_err(LabError::backend)
    }

    pub fn spectrum(&self) -> &Spectrum {
        &self.spectrum
    }

    pub fn problem(&self) -> Problem {
        self.problem
    }

    fn lr(&self) -> f64 {
        self.params.get("lr")
    }
}

impl Experiment for FrozenSubspace {
    const ID: &'static str = ID;
    const RECORDS_PER_DECADE: f64 = 24.0;

    fn info() -> LabInfo {
        info()
    }

    /// Builds the problem and both students.
    fn new(params: &Params, device: &Device) -> Result<Self, LabError> {
        let n = params.usize("n");
        let alpha = params.get("alpha");
        let p = ((alpha * n as f64).round() as usize).max(1);
        let seed = params.get("seed") as u64;
        let snr = params.get("snr");
        let init_std = params.get("init_scale");
        let lr = params.get("lr");
        let dataset = Dataset::generate(seed, n, p, snr);
        let spectrum = dataset.spectrum();
        let problem = Problem {
            // The realised ratio, so the theory describes exactly the run on screen.
            alpha: p as f64 / n as f64,
            teacher_var: dataset.teacher_var,
            noise_var: dataset.noise_var,
            init_var: init_std * init_std,
            weight_decay: params.get("weight_decay"),
        };
        let max_steps = params.get("steps") as u64;
        let data = DeviceData::new(&dataset, &spectrum, device);
        let linear = LinearStudent::new(&data, init_std, lr, seed, device)
            .with_weight_decay(problem.weight_decay);
        let network =
            NetworkStudent::new(&data, params.usize("hidden"), init_std, lr, seed, device);
        let sweep = match params.usize("sweep") {
            0 => None,
            _ => Some(Sweep::new(params, device)?),
        };
        let batch_study = match params.usize("small_batch") {
            0 => None,
            size => Some(BatchStudy::new(size, &network, &data, seed, device)?),
        };
        Ok(Self {
            sweep,
            batch_study,
            theory: TheoryCurves::new(problem, lr, max_steps),
            params: params.clone(),
            problem,
            spectrum,
            data,
            linear,
            network,
            max_steps,
            stopped: Vec::new(),
            forked: None,
        })
    }

    fn planned_steps(&self) -> u64 {
        self.max_steps
    }

    fn step(&mut self) {
        if !self.is_stopped("linear") {
            self.linear.step(&self.data);
        }
        if !self.is_stopped("network") {
            self.network.step(&self.data);
        }
        if let Some((fork, _)) = &mut self.forked
            && !self.stopped.iter().any(|r| r == FORK_RUN)
        {
            fork.step(&self.data);
        }
        if let Some(sweep) = &mut self.sweep {
            sweep.step();
        }
        if let Some(study) = &mut self.batch_study {
            study.step(&self.data);
        }
    }

    fn record(&self, step: u64, recorder: &mut Recorder) {
        if !self.is_stopped("linear") {
            recorder.record_run(
                step,
                "linear",
                &LINEAR_METRICS,
                self.linear.metrics(&self.data),
            );
        }
        if !self.is_stopped("network") {
            recorder.record_run(
                step,
                "network",
                &NETWORK_METRICS,
                self.network.metrics(&self.data),
            );
        }
        self.record_fork(step, recorder);
        if let Some(sweep) = &self.sweep {
            sweep.record(step, recorder);
        }
        if let Some(study) = &self.batch_study {
            study.record(step, &self.data, recorder);
        }
        let x = step as f64;
        let t = Time::Steps {
            lr: self.lr(),
            steps: x,
        };
        recorder.push("theory.E_g", x, self.problem.generalization_error(t));
        recorder.push("theory.E_t", x, self.problem.training_error(t));
    }

    fn record_fork(&self, step: u64, recorder: &mut Recorder) {
        if let Some((fork, _)) = &self.forked
            && !self.is_stopped(FORK_RUN)
        {
            recorder.record_run(step, FORK_RUN, &LINEAR_METRICS, fork.metrics(&self.data));
        }
    }

    fn fork(&mut self, plan: &ForkPlan) {
        let Some(entry) = plan.entry(&FORKS) else {
            return;
        };
        let student = self.linear.clone();
        let student = match entry.change {
            Change::WeightDecay => student.with_weight_decay(plan.decay),
            Change::LearningRate => {
                let mut s = student;
                s.set_lr(plan.lr);
                s
            }
            Change::To(()) => unreachable!("this lab's FORKS change no method"),
        };
        self.forked = Some((student, plan.describe(&FORKS, "linear student")));
    }

    fn divergence_check(&self) -> DivergenceCheck {
        DivergenceCheck {
            metrics: Some(&["E_g", "E_t"]),
            above: DIVERGED_ABOVE,
        }
    }

    fn divergence_message(&self, d: &Divergence) -> String {
        if let (Some((_, label)), Some(study)) = (
            BATCH_RUNS.iter().find(|(id, _)| *id == d.run),
            &self.batch_study,
        ) {
            return format!(
                "the network student trained with the {label} diverged at step {} — lower the \
                 learning rate (η = {}) or raise the small batch (B = {}): its steps are scaled \
                 by P/B, so their noise grows as B shrinks",
                d.step,
                fmt_num(self.lr()),
                study.size
            );
        }
        if let Some((alpha, _, decayed)) = self.sweep.as_ref().and_then(|s| s.run_of(&d.run)) {
            let limit = Problem {
                alpha,
                weight_decay: if decayed {
                    self.problem.weight_decay
                } else {
                    0.0
                },
                ..self.problem
            }
            .stability_limit();
            return format!(
                "the α sweep{} diverged at step {} (α = {}) — lower the learning rate (η = {}; \
                 at that α gradient descent is stable below {} ≈ {}), or turn the sweep off",
                if decayed { "" } else { " without weight decay" },
                d.step,
                fmt_num(alpha),
                fmt_num(self.lr()),
                limit_formula(decayed && self.problem.weight_decay > 0.0),
                fmt_num(limit)
            );
        }
        format!(
            "diverged at step {}: both students, the {} first — lower the learning rate \
             (η = {}; the linear student is stable below {} ≈ {})",
            d.step,
            student_label(&d.run),
            fmt_num(self.lr()),
            limit_formula(self.problem.weight_decay > 0.0),
            fmt_num(self.problem.stability_limit())
        )
    }

    /// The two students train independently: one that diverges stops where it is and the
    /// other trains on (a warning says which); the lab stops when both have, or when a run of
    /// the α sweep does.
    fn stopping_divergence<'a>(&self, diverged: &'a [Divergence]) -> Option<&'a Divergence> {
        if let Some(sweep) = diverged.iter().find(|d| !self.independent(&d.run)) {
            return Some(sweep);
        }
        // Every student (and the fork) diverged: nothing trains on.
        let runs = STUDENTS.len() + usize::from(self.forked.is_some());
        diverged.first().filter(|_| diverged.len() >= runs)
    }

    /// Stops stepping and recording a student once its divergence has been read back.
    fn absorb(
        &mut self,
        _reads: Vec<burn::tensor::TensorData>,
        recorder: &mut Recorder,
    ) -> Result<(), LabError> {
        self.stopped = recorder
            .divergences()
            .iter()
            .map(|d| d.run.clone())
            .collect();
        Ok(())
    }

    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let mut series = recorder.series().clone();
        // A student that diverged while the lab trains on ends before its first bad value:
        // values up to 1e30 would leave the other student's curves flat on the chart.
        if self.stopping_divergence(recorder.divergences()).is_none() {
            for d in recorder.divergences() {
                let prefix = format!("{}.", d.run);
                for (_, s) in series.iter_mut().filter(|(k, _)| k.starts_with(&prefix)) {
                    let keep = s.x.iter().take_while(|x| **x < d.step as f64).count();
                    s.x.truncate(keep);
                    s.y.truncate(keep);
                }
            }
        }
        series.insert(
            "spectrum.eigenvalues".into(),
            Series::indexed(self.spectrum.eigenvalues.clone()),
        );
        series
    }

    fn complete(&self, recorder: &Recorder, snapshot: &mut Snapshot) {
        // A student that diverged while the other trains on: said, with what to change.
        if snapshot.diverged.is_none() {
            for d in recorder.divergences() {
                if let Some(label) = self.fork_label().filter(|_| d.run == FORK_RUN) {
                    snapshot.warnings.push(format!(
                        "The fork ({label}) diverged at step {} and stopped there — fork at a \
                         lower learning rate; the students train on.",
                        d.step
                    ));
                    continue;
                }
                let other = STUDENTS
                    .iter()
                    .find(|(id, _)| *id != d.run)
                    .map_or("other student", |(_, label)| label);
                snapshot.warnings.push(format!(
                    "The {} diverged at step {} and stopped there — lower the learning rate \
                     (η = {}) to train it; the {} trains on.",
                    student_label(&d.run),
                    d.step,
                    fmt_num(self.lr()),
                    other
                ));
            }
        }
        let s = &mut snapshot.scalars;
        s.insert("n".into(), self.data.n as f64);
        s.insert("p".into(), self.data.p as f64);
        s.insert("alpha".into(), self.problem.alpha);
        s.insert("noise_var".into(), self.problem.noise_var);
        s.insert("zero_eigenvalues".into(), self.spectrum.zero_count as f64);
        s.insert("lr_stability_limit".into(), self.problem.stability_limit());
        s.insert(
            "theory.best_E_g".into(),
            self.problem.best_generalization_error(),
        );
        s.insert(
            "theory.final_E_g".into(),
            self.problem.asymptotic_generalization_error(),
        );
        let (best_step, best_eg) = self.theory.best_stop;
        s.insert("theory.best_stop_step".into(), best_step);
        s.insert("theory.best_stop_E_g".into(), best_eg);
        if let Some(eg) = snapshot.series.get("linear.E_g") {
            let best =
                eg.y.iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(f64::INFINITY, f64::min);
            if best.is_finite() {
                s.insert("linear.best_E_g".into(), best);
            }
        }
    }

    fn charts(&self, snapshot: &Snapshot, history: &[RunSummary]) -> Vec<ChartSpec> {
        let mut charts = vec![
            charts::errors(self, snapshot),
            charts::spectrum(self),
            charts::projection(snapshot, self.fork_label()),
            charts::alpha(self, snapshot, history),
        ];
        if let Some(study) = &self.batch_study {
            charts.push(charts::batch_size(self, study, snapshot));
        }
        charts
    }

    fn summary(&self, snapshot: &Snapshot) -> Option<RunSummary> {
        let best = *snapshot.scalars.get("linear.best_E_g")?;
        let last = snapshot.series.get("linear.E_g")?.last()?;
        if snapshot.step == 0 || !last.is_finite() {
            return None;
        }
        let mut values = BTreeMap::new();
        values.insert("alpha".into(), self.problem.alpha);
        values.insert("best_E_g".into(), best);
        values.insert("final_E_g".into(), last);
        values.insert("steps".into(), snapshot.step as f64);
        Some(RunSummary {
            params: self.params.clone(),
            values,
        })
    }
}
