//! One run of the frozen-subspace lab: the linear student and the network student trained in
//! lockstep on the same data, the theory recorded beside them at every recorded step.

use std::collections::BTreeMap;

use burn::prelude::*;
use phenomena_charts::ChartSpec;

use super::data::{Dataset, Spectrum};
use super::model::{DeviceData, LINEAR_METRICS, LinearStudent, NETWORK_METRICS, NetworkStudent};
use super::theory::{Problem, Time};
use super::{ID, charts, info};
use crate::harness::{Divergence, DivergenceCheck, Experiment, Recorder};
use crate::lab::{LabError, LabInfo, Params, RunSummary, Series, Snapshot, fmt_num};

/// Errors past this count as divergence.
const DIVERGED_ABOVE: f64 = 1e6;

/// The theory curves that depend only on the parameters, computed once per run.
pub struct TheoryCurves {
    /// (step, E_g, E_t) on a log grid up to the planned number of steps.
    pub over_time: Vec<(f64, f64, f64)>,
    /// (α, best early-stopped E_g, E_g after infinite training).
    pub over_alpha: Vec<(f64, f64, f64)>,
}

impl TheoryCurves {
    fn new(problem: Problem, lr: f64, max_steps: u64) -> Self {
        let decades = (max_steps as f64).log10();
        let over_time = (0..=120)
            .map(|i| 10f64.powf(decades * i as f64 / 120.0))
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
    max_steps: u64,
}

impl FrozenSubspace {
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
        };
        let max_steps = params.get("steps") as u64;
        let data = DeviceData::new(&dataset, &spectrum, device);
        let linear = LinearStudent::new(&data, init_std, lr, seed, device);
        let network =
            NetworkStudent::new(&data, params.usize("hidden"), init_std, lr, seed, device);
        Ok(Self {
            theory: TheoryCurves::new(problem, lr, max_steps),
            params: params.clone(),
            problem,
            spectrum,
            data,
            linear,
            network,
            max_steps,
        })
    }

    fn planned_steps(&self) -> u64 {
        self.max_steps
    }

    fn step(&mut self) {
        self.linear.step(&self.data);
        self.network.step(&self.data);
    }

    fn record(&self, step: u64, recorder: &mut Recorder) {
        recorder.record_run(
            step,
            "linear",
            &LINEAR_METRICS,
            self.linear.metrics(&self.data),
        );
        recorder.record_run(
            step,
            "network",
            &NETWORK_METRICS,
            self.network.metrics(&self.data),
        );
        let x = step as f64;
        let t = Time::Steps {
            lr: self.lr(),
            steps: x,
        };
        recorder.push("theory.E_g", x, self.problem.generalization_error(t));
        recorder.push("theory.E_t", x, self.problem.training_error(t));
    }

    fn divergence_check(&self) -> DivergenceCheck {
        DivergenceCheck {
            metrics: Some(&["E_g", "E_t"]),
            above: DIVERGED_ABOVE,
        }
    }

    fn divergence_message(&self, d: &Divergence) -> String {
        format!(
            "diverged at step {} — lower the learning rate (η = {}; the linear student is \
             stable below 2/λ₊ ≈ {})",
            d.step,
            fmt_num(self.lr()),
            fmt_num(self.problem.stability_limit())
        )
    }

    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let mut series = recorder.series().clone();
        series.insert(
            "spectrum.eigenvalues".into(),
            Series::indexed(self.spectrum.eigenvalues.clone()),
        );
        series
    }

    fn complete(&self, _: &Recorder, snapshot: &mut Snapshot) {
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
        vec![
            charts::errors(self, snapshot),
            charts::spectrum(self),
            charts::projection(snapshot),
            charts::alpha(self, snapshot, history),
        ]
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
