//! Frozen-subspace dynamics (Advani & Saxe): a linear student trained by gradient descent
//! beside the closed-form theory, and a one-hidden-layer student beside the linear one.
//!
//! Read in order: `data.rs` (the teacher and the inputs), `model.rs` (the students and their
//! updates), `theory.rs` (the random-matrix formulas), then this file (schema, presets, the
//! lockstep loop, snapshots and charts).

pub mod data;
pub mod model;
pub mod theory;

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::Transaction;
use phenomena_charts::{Axis, ChartSpec, Series as ChartSeries, palette};

use crate::lab::{
    Lab, LabError, LabInfo, LocalFuture, ParamSpec, Params, Preset, RunSummary, Series, Snapshot,
    fmt_num, records_at,
};
use data::{Dataset, Spectrum};
use model::{DeviceData, LINEAR_METRICS, LinearStudent, NETWORK_METRICS, NetworkStudent};
use theory::{Problem, Time, mp_density, mp_edges};

pub const ID: &str = "frozen-subspace";
const CITATION: &str = "Advani, M. S., Saxe, A. M. & Sompolinsky, H. (2020). High-dimensional \
dynamics of generalization error in neural networks. Neural Networks 132, 428–446 (arXiv:1710.03667).";

/// Errors past this count as divergence.
const DIVERGED_ABOVE: f64 = 1e6;
/// Recorded points per decade of steps.
const RECORDS_PER_DECADE: f64 = 24.0;

pub fn schema() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "alpha",
            label: "α = P/N (examples per parameter)",
            min: 0.05,
            max: 4.0,
            step: 0.05,
            default: 0.5,
            log: false,
            integer: false,
            help: "Number of training examples divided by the number of inputs. Below 1 part of \
                   weight space is never seen by the data (the frozen subspace); at 1 the error \
                   after long training diverges.",
            source: "Advani & Saxe, α = P/N",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "n",
            label: "N (input dimension)",
            min: 20.0,
            max: 800.0,
            step: 10.0,
            default: 200.0,
            log: true,
            integer: true,
            help: "Number of inputs and of linear-student weights. Larger N follows the theory \
                   more closely but trains slower.",
            source: "Advani & Saxe, N",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "snr",
            label: "SNR = σ_w̄²/σ_ε²",
            min: 0.1,
            max: 100.0,
            step: 0.1,
            default: 5.0,
            log: true,
            integer: false,
            help: "Signal-to-noise ratio of the teacher: σ_w̄² = 1 and label noise σ_ε² = 1/SNR.",
            source: "Advani & Saxe, SNR",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "init_scale",
            label: "initial weight scale σ_w0",
            min: 0.0,
            max: 3.0,
            step: 0.05,
            default: 0.5,
            log: false,
            integer: false,
            help: "Standard deviation of the student's initial weights. Whatever lands in the \
                   null space of the data stays there forever and adds to the error.",
            source: "Advani & Saxe, σ_w0",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "lr",
            label: "learning rate η",
            min: 1e-4,
            max: 2.0,
            step: 1e-4,
            default: 0.1,
            log: true,
            integer: false,
            help: "Gradient-descent step on ½Σ(y − ŷ)². Stable below 2/λ₊ = 2/(1 + √α)².",
            source: "discrete-time gradient descent",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "hidden",
            label: "hidden units (network student)",
            min: 1.0,
            max: 2048.0,
            step: 1.0,
            default: 256.0,
            log: true,
            integer: true,
            help: "Width of the one-hidden-layer tanh student trained beside the linear one.",
            source: "Advani & Saxe §6, nonlinear students",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "steps",
            label: "training steps",
            min: 10.0,
            max: 200_000.0,
            step: 10.0,
            default: 4000.0,
            log: true,
            integer: true,
            help: "The run stops after this many gradient steps.",
            source: "",
            options: &[],
            visible_when: None,
        },
        ParamSpec {
            name: "seed",
            label: "seed",
            min: 0.0,
            max: 1e9,
            step: 1.0,
            default: 0.0,
            log: false,
            integer: true,
            help: "One seed fixes the data, the teacher, the noise and both initializations.",
            source: "",
            options: &[],
            visible_when: None,
        },
    ]
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "frozen",
            title: "α = 0.5 (frozen subspace)",
            caption: "With half as many examples as weights, the null-space part of w (orange-red, \
                      chart 3) never moves: gradient descent cannot see it, so its error stays \
                      in E_g forever. The simulated E_g follows the theory's shape; with seed 0 it \
                      ends 9 % above the theory line for the linear model and within 2 % for the \
                      wide network (one seed at N = 200 scatters by several percent). The \
                      eigenvalue histogram follows Marchenko–Pastur with half the mass at zero.",
            citation: CITATION,
            values: &[("alpha", 0.5), ("init_scale", 0.5)],
        },
        Preset {
            id: "peak",
            title: "α = 1 (overtraining peak)",
            caption: "With as many examples as weights the smallest eigenvalues approach zero, \
                      so the noise is fitted along directions the teacher barely constrains: E_g \
                      falls, then climbs for a long time. Early stopping at the minimum avoids \
                      the peak; the wide network does not overtrain more than the linear one.",
            citation: CITATION,
            values: &[("alpha", 1.0), ("init_scale", 0.0), ("steps", 20000.0)],
        },
        Preset {
            id: "well",
            title: "α = 4 (well-determined)",
            caption: "With four examples per weight every direction is constrained and the \
                      spectrum stays away from zero: E_g falls monotonically to σ_ε²·α/(α−1). \
                      There is no frozen subspace and little to gain from early stopping.",
            citation: CITATION,
            values: &[("alpha", 4.0), ("init_scale", 0.0)],
        },
        Preset {
            id: "large-init",
            title: "large init hurts",
            caption: "Large initial weights put error into the null space that training can \
                      never remove: the orange-red curve in chart 3 is flat and E_g stays above \
                      (1−α)(σ_w0² + σ_w̄²). Small initial weights are the cure.",
            citation: CITATION,
            values: &[("alpha", 0.5), ("init_scale", 1.5)],
        },
    ]
}

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Frozen-subspace dynamics",
        summary: "In high dimension gradient descent never touches the weights the data cannot \
                  see, and the generalization error follows random-matrix theory, peaking when \
                  examples ≈ parameters.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Tested: at N = 400, averaged over seeds 0–4, the simulated E_g lies within 5 % of \
                the theory at α = 0.5, 2 and 4 after 10, 100 and 1 000 steps; the null-space part \
                of w changes by less than 1e-5 (relative) over 4 000 steps at α = 0.5. A single \
                seed at N = 200 scatters around the theory by several percent, most visibly at \
                α = 1, where the finite-N peak is smeared.",
    }
}

/// The theory curves that depend only on the parameters, computed once per run.
struct TheoryCurves {
    /// (step, E_g, E_t) on a log grid up to the planned number of steps.
    over_time: Vec<(f64, f64, f64)>,
    /// (α, best early-stopped E_g, E_g after infinite training).
    over_alpha: Vec<(f64, f64, f64)>,
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

pub struct FrozenSubspaceLab {
    params: Params,
    seed: u64,
    backend: String,
    problem: Problem,
    spectrum: Spectrum,
    theory: TheoryCurves,
    data: DeviceData,
    linear: LinearStudent,
    network: NetworkStudent,
    steps: u64,
    max_steps: u64,
    /// Metric tensors recorded on the device and not yet read back.
    pending: Vec<(u64, Tensor<1>)>,
    series: BTreeMap<String, Series>,
    diverged: Option<String>,
}

impl FrozenSubspaceLab {
    /// Builds the problem and both students. `params` must come from [`schema`] validation.
    pub fn new(params: Params, device: &Device, backend: &str) -> Result<Self, LabError> {
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
        let mut lab = Self {
            theory: TheoryCurves::new(problem, lr, max_steps),
            params,
            seed,
            backend: backend.to_string(),
            problem,
            spectrum,
            data,
            linear,
            network,
            steps: 0,
            max_steps,
            pending: Vec::new(),
            series: BTreeMap::new(),
            diverged: None,
        };
        lab.record();
        Ok(lab)
    }

    fn record(&mut self) {
        let metrics = Tensor::cat(
            vec![
                self.linear.metrics(&self.data),
                self.network.metrics(&self.data),
            ],
            0,
        );
        self.pending.push((self.steps, metrics));
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

    async fn read_back(&mut self) -> Result<(), LabError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let mut tx = Transaction::default();
        for (_, t) in &pending {
            tx = tx.register(t.clone());
        }
        let values = tx
            .execute_async()
            .await
            .map_err(|e| LabError::Backend(format!("reading metrics failed: {e:?}")))?;
        let names: Vec<String> = LINEAR_METRICS
            .iter()
            .map(|m| format!("linear.{m}"))
            .chain(NETWORK_METRICS.iter().map(|m| format!("network.{m}")))
            .collect();
        for ((step, _), data) in pending.iter().zip(values) {
            let row = data.try_to_vec::<f32>().map_err(LabError::backend)?;
            let x = *step as f64;
            for (name, v) in names.iter().zip(&row) {
                self.series
                    .entry(name.clone())
                    .or_default()
                    .push(x, *v as f64);
            }
            let t = Time::Steps {
                lr: self.params.get("lr"),
                steps: x,
            };
            self.series
                .entry("theory.E_g".into())
                .or_default()
                .push(x, self.problem.generalization_error(t));
            self.series
                .entry("theory.E_t".into())
                .or_default()
                .push(x, self.problem.training_error(t));
            if self.diverged.is_none() {
                let bad = row[0..2]
                    .iter()
                    .chain(&row[4..6])
                    .any(|v| !v.is_finite() || (*v as f64) > DIVERGED_ABOVE);
                if bad {
                    self.diverged = Some(format!(
                        "diverged at step {step} — lower the learning rate (η = {}; the linear \
                         student is stable below 2/λ₊ ≈ {})",
                        fmt_num(self.params.get("lr")),
                        fmt_num(self.problem.stability_limit())
                    ));
                }
            }
        }
        Ok(())
    }

    fn scalars(&self) -> BTreeMap<String, f64> {
        let mut s = BTreeMap::new();
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
        if let Some(eg) = self.series.get("linear.E_g") {
            let best =
                eg.y.iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(f64::INFINITY, f64::min);
            if best.is_finite() {
                s.insert("linear.best_E_g".into(), best);
            }
        }
        s
    }
}

impl Lab for FrozenSubspaceLab {
    fn info(&self) -> LabInfo {
        info()
    }

    fn step(&mut self, k: u64) {
        for _ in 0..k {
            if self.steps >= self.max_steps || self.diverged.is_some() {
                break;
            }
            self.linear.step(&self.data);
            self.network.step(&self.data);
            self.steps += 1;
            if records_at(self.steps, self.max_steps, RECORDS_PER_DECADE) {
                self.record();
            }
        }
    }

    fn steps_done(&self) -> u64 {
        self.steps
    }

    fn max_steps(&self) -> u64 {
        self.max_steps
    }

    fn snapshot(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>> {
        Box::pin(async move {
            self.read_back().await?;
            let mut series = self.series.clone();
            series.insert(
                "spectrum.eigenvalues".into(),
                Series {
                    x: (0..self.spectrum.eigenvalues.len())
                        .map(|i| i as f64)
                        .collect(),
                    y: self.spectrum.eigenvalues.clone(),
                },
            );
            Ok(Snapshot {
                lab: ID.into(),
                step: self.steps,
                params: self.params.clone(),
                seed: self.seed,
                backend: self.backend.clone(),
                series,
                scalars: self.scalars(),
                diverged: self.diverged.clone(),
                warnings: Vec::new(),
            })
        })
    }

    fn charts(&self, snapshot: &Snapshot, history: &[RunSummary]) -> Vec<ChartSpec> {
        vec![
            self.error_chart(snapshot),
            self.spectrum_chart(),
            projection_chart(snapshot),
            self.alpha_chart(snapshot, history),
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

impl FrozenSubspaceLab {
    fn error_chart(&self, snapshot: &Snapshot) -> ChartSpec {
        let theory_eg = self
            .theory
            .over_time
            .iter()
            .map(|(k, g, _)| (*k, *g))
            .collect();
        let theory_et = self
            .theory
            .over_time
            .iter()
            .map(|(k, _, t)| (*k, *t))
            .collect();
        ChartSpec {
            id: "errors".into(),
            annotations: Vec::new(),
            title: "Training and generalization error".into(),
            caption: "Dots: the linear student trained on this page; lines: the Advani–Saxe \
                      theory for the same α, noise, initialization and learning rate; orange: the \
                      one-hidden-layer network on the same data. E_g below its start then rising \
                      is overtraining; the frozen subspace keeps E_g above zero forever when α < 1."
                .into(),
            x: Axis::log("step"),
            y: Axis::linear("error"),
            series: vec![
                ChartSeries::line("E_g theory", palette::BLACK, theory_eg),
                ChartSeries::dashed("E_t theory", palette::GREY, theory_et),
                ChartSeries::dots("E_g linear", palette::BLUE, snapshot.points("linear.E_g")),
                ChartSeries::dots("E_t linear", palette::SKY, snapshot.points("linear.E_t")),
                ChartSeries::line(
                    "E_g network",
                    palette::ORANGE,
                    snapshot.points("network.E_g"),
                ),
                ChartSeries::dashed(
                    "E_t network",
                    palette::ORANGE,
                    snapshot.points("network.E_t"),
                ),
            ],
            notes: vec![],
        }
    }

    fn spectrum_chart(&self) -> ChartSpec {
        let alpha = self.problem.alpha;
        let n = self.data.n as f64;
        let (lo, hi) = mp_edges(alpha);
        let top = self.spectrum.eigenvalues.iter().copied().fold(hi, f64::max) * 1.02;
        let bins = 40usize;
        let width = top / bins as f64;
        let mut counts = vec![0usize; bins];
        for &l in &self.spectrum.eigenvalues {
            let i = ((l / width) as usize).min(bins - 1);
            counts[i] += 1;
        }
        // Heights as a density per input dimension, the normalization of ρ(λ).
        let bars = counts
            .iter()
            .enumerate()
            .map(|(i, c)| ((i as f64 + 0.5) * width, *c as f64 / (n * width)))
            .collect();
        let density = (0..=300)
            .map(|i| lo + (hi - lo) * i as f64 / 300.0)
            .map(|l| (l, mp_density(alpha, l)))
            .collect();
        let mut notes = vec![format!("λ₋ = {:.3}, λ₊ = {:.3}", lo, hi)];
        if self.spectrum.zero_count > 0 {
            notes.push(format!(
                "+ mass {:.2} at λ = 0 ({} frozen directions)",
                self.spectrum.zero_count as f64 / n,
                self.spectrum.zero_count
            ));
        }
        ChartSpec {
            id: "spectrum".into(),
            annotations: Vec::new(),
            title: "Eigenvalues of XᵀX".into(),
            caption: "Bars: this run's eigenvalues; line: the Marchenko–Pastur density. Each \
                      eigenvalue λ is a direction learned at rate λ; directions with λ = 0 are \
                      never learned, and small λ amplify the label noise by 1/λ."
                .into(),
            x: Axis::linear("eigenvalue λ"),
            y: Axis::linear("density"),
            series: vec![
                ChartSeries::bars("this run", palette::SKY, width * 0.9, bars),
                ChartSeries::line("Marchenko–Pastur", palette::BLACK, density),
            ],
            notes,
        }
    }

    fn alpha_chart(&self, snapshot: &Snapshot, history: &[RunSummary]) -> ChartSpec {
        let best = self
            .theory
            .over_alpha
            .iter()
            .map(|(a, b, _)| (*a, *b))
            .collect();
        let end = self
            .theory
            .over_alpha
            .iter()
            .map(|(a, _, e)| (*a, *e))
            .collect();
        // Only runs with the same noise and initialization share these theory curves.
        let comparable = |p: &Params| {
            ["snr", "init_scale"]
                .iter()
                .all(|k| (p.get(k) - self.params.get(k)).abs() < 1e-9)
        };
        let mut sim_best = Vec::new();
        let mut sim_end = Vec::new();
        let current = self.summary(snapshot);
        for run in history.iter().chain(current.iter()) {
            if !comparable(&run.params) {
                continue;
            }
            let a = run.values["alpha"];
            sim_best.push((a, run.values["best_E_g"]));
            sim_end.push((a, run.values["final_E_g"]));
        }
        // The theory may diverge (α = 1) and is clipped, but every run's dot stays in view.
        let highest_run = sim_best
            .iter()
            .chain(&sim_end)
            .map(|(_, e)| *e)
            .filter(|e| e.is_finite())
            .fold(0.0, f64::max);
        let y_max = (self.problem.asymptotic_generalization_error().min(4.0))
            .max(self.problem.weight_var_plus_noise() * 1.1)
            .max(2.0)
            .max(highest_run * 1.08);
        ChartSpec {
            id: "alpha".into(),
            annotations: Vec::new(),
            title: "Generalization error against α".into(),
            caption: "Lines: theory for the best early-stopping time (green) and after \
                      training forever (black), which diverges at α = 1. Dots: runs on this \
                      page (the current one and earlier ones with the same SNR and initial \
                      scale) — change α and reset to add points."
                .into(),
            x: Axis::linear("α = P/N").with_range(0.0, 4.1),
            y: Axis::linear("E_g").with_range(0.0, y_max),
            series: vec![
                ChartSeries::line("best stopping, theory", palette::GREEN, best),
                ChartSeries::line("t → ∞, theory", palette::BLACK, end),
                ChartSeries::dots("best stopping, runs", palette::GREEN, sim_best),
                ChartSeries::dots("end of run, runs", palette::VERMILLION, sim_end),
            ],
            notes: vec![],
        }
    }
}

impl Problem {
    fn weight_var_plus_noise(&self) -> f64 {
        self.init_var + self.teacher_var + self.noise_var
    }
}

fn projection_chart(snapshot: &Snapshot) -> ChartSpec {
    ChartSpec {
        id: "projection".into(),
        annotations: Vec::new(),
        title: "Where the weights move".into(),
        caption: "Norm of w inside the span of the inputs (blue) and in the null space the data \
                  never sees (orange-red). Gradient steps Xᵀ(y − Xw) lie in the span, so that curve \
                  is flat: that part of the initial weights is frozen."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("norm").from_zero(),
        series: vec![
            ChartSeries::line(
                "‖w‖ in data span",
                palette::BLUE,
                snapshot.points("linear.span_norm"),
            ),
            ChartSeries::line(
                "‖w‖ in null space",
                palette::VERMILLION,
                snapshot.points("linear.null_norm"),
            ),
        ],
        notes: vec![],
    }
}

#[cfg(test)]
mod tests;
