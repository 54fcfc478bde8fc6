//! One run of the overoptimization lab: RLHF on the proxy, DPO and RPO trained in lockstep on
//! the same preference pairs, with best-of-n computed exactly beside them.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::{TensorData, Transaction};
use phenomena_charts::{ChartSpec, Color, palette};

use super::charts::RunLine;
use super::data::{Responses, fit_reward_model, preference_pairs};
use super::forks::FORKS;
use super::model::{DeviceProblem, METRICS, Objective, Run, Score};
use super::theory::{BestOfN, Fit, Form, best_of_n_curve, fit};
use super::{ID, charts, info};
use crate::fork::{Change, FORK_RUN, ForkPlan};
use crate::harness::{Divergence, Experiment, Recorder};
use crate::lab::{LabError, LabInfo, Params, RunSummary, Series, Snapshot, fmt_num};

/// A policy with more than this mass on one response has collapsed.
const COLLAPSED: f64 = 0.999;

/// The runs trained in lockstep: id, label, colour.
pub const RUNS: [(&str, &str, Color); 3] = [
    ("rlhf", "RLHF on proxy", palette::ORANGE),
    ("dpo", "DPO", palette::VERMILLION),
    ("rpo", "RPO", palette::BLUE),
];

/// The fork's colour: one more run beside lines whose colours are taken.
const FORK_COLOR: Color = palette::BLACK;

/// A run forked from one of the others (see [`crate::fork`]).
struct Forked {
    run: Run,
    /// Its name in legends: what changed, and from which step.
    label: String,
    /// The id in [`RUNS`] of the run it was copied from.
    base: &'static str,
}

pub struct Overoptimization {
    pub(super) responses: Responses,
    problem: DeviceProblem,
    /// One per entry of [`RUNS`].
    runs: Vec<Run>,
    forked: Option<Forked>,
    eta: f32,
    pub(super) best_of_n: Vec<BestOfN>,
    beta: f32,
    lr: f64,
    max_steps: u64,
    /// Each run's policy over the responses, as last read back.
    policies: Vec<Vec<f64>>,
}

impl Overoptimization {
    /// Every run as the charts draw it, the fork last.
    fn lines(&self) -> Vec<RunLine> {
        let runs = RUNS.iter().map(|(id, label, color)| RunLine {
            id,
            label: label.to_string(),
            color: *color,
            origin: id,
        });
        let fork = self.forked.as_ref().map(|f| RunLine {
            id: FORK_RUN,
            label: f.label.clone(),
            color: FORK_COLOR,
            origin: f.base,
        });
        runs.chain(fork).collect()
    }

    /// Every run trained, the fork last.
    fn all_runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().chain(self.forked.as_ref().map(|f| &f.run))
    }

    fn warnings(&self) -> Vec<String> {
        self.lines()
            .iter()
            .zip(&self.policies)
            .filter_map(|(RunLine { label, .. }, p)| {
                let (i, top) = p
                    .iter()
                    .enumerate()
                    .fold((0, 0.0), |b, (i, v)| if *v > b.1 { (i, *v) } else { b });
                (top > COLLAPSED).then(|| {
                    format!(
                        "{label}: policy collapsed — {:.1}% of its mass is on response {i}",
                        top * 100.0
                    )
                })
            })
            .collect()
    }

    /// The Gao et al. fits to best-of-n and to the RLHF run.
    pub(super) fn fits(&self, snapshot: &Snapshot) -> (Option<Fit>, Option<Fit>) {
        let gold0 = Responses::expect(&self.responses.reference, &self.responses.gold);
        let relative = |pts: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
            pts.into_iter().map(|(d, g)| (d, g - gold0)).collect()
        };
        let bon = relative(
            self.best_of_n
                .iter()
                .map(|b| (b.kl.sqrt(), b.gold))
                .collect(),
        );
        let rl = relative(gold_vs_root_kl(snapshot, "rlhf"));
        (fit(Form::BestOfN, &bon), fit(Form::Rl, &rl))
    }

    fn scalars(&self, series: &BTreeMap<String, Series>) -> BTreeMap<String, f64> {
        let mut s = BTreeMap::new();
        s.insert("responses".into(), self.responses.len() as f64);
        s.insert(
            "gold.reference".into(),
            Responses::expect(&self.responses.reference, &self.responses.gold),
        );
        s.insert("gold.best_possible".into(), 2.0);
        let peak = self
            .best_of_n
            .iter()
            .max_by(|a, b| a.gold.total_cmp(&b.gold));
        if let Some(p) = peak {
            s.insert("best_of_n.peak_n".into(), p.n as f64);
            s.insert("best_of_n.peak_gold".into(), p.gold);
        }
        for run in RUNS
            .map(|(id, _, _)| id)
            .into_iter()
            .chain(self.forked.as_ref().map(|_| FORK_RUN))
        {
            if let Some(g) = series.get(&format!("{run}.gold")) {
                let max = g.y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                s.insert(format!("{run}.peak_gold"), max);
            }
        }
        s
    }
}

/// Gold reward against √KL along a run, for the Gao fits and chart 1.
pub(super) fn gold_vs_root_kl(snapshot: &Snapshot, run: &str) -> Vec<(f64, f64)> {
    let (Some(gold), Some(kl)) = (
        snapshot.series.get(&format!("{run}.gold")),
        snapshot.series.get(&format!("{run}.kl")),
    ) else {
        return Vec::new();
    };
    kl.y.iter()
        .zip(&gold.y)
        .map(|(k, g)| (k.max(0.0).sqrt(), *g))
        .collect()
}

impl Experiment for Overoptimization {
    const ID: &'static str = ID;
    const RECORDS_PER_DECADE: f64 = 24.0;

    fn info() -> LabInfo {
        info()
    }

    fn new(params: &Params, device: &Device) -> Result<Self, LabError> {
        let seed = params.get("seed") as u64;
        let responses = Responses::new(params.usize("ood"));
        let pairs = preference_pairs(
            &responses,
            params.usize("pairs"),
            params.get("temperature"),
            params.get("coverage"),
            seed,
        );
        let psi = fit_reward_model(&responses, &pairs);
        let proxy: Vec<f64> = responses
            .features
            .iter()
            .map(|f| psi[0] * f[0] + psi[1] * f[1])
            .collect();
        let problem = DeviceProblem::new(&responses, &proxy, &pairs, device);
        let beta = params.get("beta") as f32;
        let eta = params.get("eta") as f32;
        let lr = params.get("lr");
        let score = || match params.usize("policy") {
            0 => Score::linear(device),
            _ => Score::mlp(params.usize("hidden"), seed, device),
        };
        let runs = vec![
            Run::new(Objective::Rlhf { beta }, score(), lr),
            Run::new(Objective::Dpo { beta }, score(), lr),
            Run::new(Objective::Rpo { beta, eta }, score(), lr),
        ];
        Ok(Self {
            forked: None,
            eta,
            best_of_n: best_of_n_curve(&responses, &proxy),
            max_steps: params.get("steps") as u64,
            responses,
            problem,
            runs,
            beta,
            lr,
            policies: Vec::new(),
        })
    }

    fn planned_steps(&self) -> u64 {
        self.max_steps
    }

    fn step(&mut self) {
        for run in self
            .runs
            .iter_mut()
            .chain(self.forked.as_mut().map(|f| &mut f.run))
        {
            run.step(&self.problem);
        }
    }

    fn fork(&mut self, plan: &ForkPlan) {
        let Some(entry) = plan.entry(&FORKS) else {
            return;
        };
        let Some(slot) = RUNS.iter().position(|(id, _, _)| *id == entry.base) else {
            return;
        };
        let mut run = self.runs[slot].clone();
        let beta = self.beta;
        match entry.change {
            Change::To("rpo") => {
                run.objective = Objective::Rpo {
                    beta,
                    eta: self.eta,
                }
            }
            Change::To("dpo") => run.objective = Objective::Dpo { beta },
            Change::To(_) => run.objective = Objective::Rlhf { beta },
            Change::LearningRate => run.set_lr(plan.lr),
            Change::WeightDecay => unreachable!("this lab's FORKS offer no weight decay"),
        }
        let (base, label, _) = RUNS[slot];
        self.forked = Some(Forked {
            run,
            label: plan.describe(&FORKS, label),
            base,
        });
    }

    fn record(&self, step: u64, recorder: &mut Recorder) {
        let metrics = self
            .runs
            .iter()
            .map(|r| r.metrics(&self.problem, self.beta))
            .collect();
        let names = RUNS.map(|(id, _, _)| id);
        recorder.record(step, &names, &METRICS, Tensor::stack(metrics, 0));
        self.record_fork(step, recorder);
    }

    fn record_fork(&self, step: u64, recorder: &mut Recorder) {
        if let Some(f) = &self.forked {
            let metrics = f.run.metrics(&self.problem, self.beta);
            recorder.record_run(step, FORK_RUN, &METRICS, metrics);
        }
    }

    fn divergence_message(&self, d: &Divergence) -> String {
        if let Some(f) = self.forked.as_ref().filter(|_| d.run == FORK_RUN) {
            return format!(
                "the fork ({}) diverged at step {} ({} is not a number) — fork at a lower \
                 learning rate",
                f.label, d.step, d.metric
            );
        }
        format!(
            "diverged at step {} ({}'s {} is not a number) — lower the learning rate (now {})",
            d.step,
            d.run,
            d.metric,
            fmt_num(self.lr)
        )
    }

    fn register_reads(&self, mut tx: Transaction) -> Transaction {
        for run in self.all_runs() {
            tx = tx.register(run.log_policy(&self.problem));
        }
        tx
    }

    fn absorb(&mut self, reads: Vec<TensorData>, _: &mut Recorder) -> Result<(), LabError> {
        self.policies = reads
            .into_iter()
            .map(|d| {
                d.try_to_vec::<f32>()
                    .map(|v| v.into_iter().map(|lp| (lp as f64).exp()).collect())
                    .map_err(LabError::backend)
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        let mut series = recorder.series().clone();
        for (line, p) in self.lines().iter().zip(&self.policies) {
            series.insert(format!("{}.policy", line.id), Series::indexed(p.clone()));
        }
        let bon = |f: fn(&BestOfN) -> f64| Series {
            x: self.best_of_n.iter().map(|b| b.n as f64).collect(),
            y: self.best_of_n.iter().map(f).collect(),
        };
        series.insert("best_of_n.gold".into(), bon(|b| b.gold));
        series.insert("best_of_n.proxy".into(), bon(|b| b.proxy));
        series.insert("best_of_n.kl".into(), bon(|b| b.kl));
        series.insert("best_of_n.ood_mass".into(), bon(|b| b.ood_mass));
        series
    }

    fn complete(&self, _: &Recorder, snapshot: &mut Snapshot) {
        snapshot.scalars = self.scalars(&snapshot.series);
        snapshot.warnings = self.warnings();
        let (bon_fit, rl_fit) = self.fits(snapshot);
        for (name, fit) in [("gao.best_of_n", bon_fit), ("gao.rl", rl_fit)] {
            if let Some(f) = fit {
                snapshot.scalars.insert(format!("{name}.alpha"), f.alpha);
                snapshot.scalars.insert(format!("{name}.beta"), f.beta);
                snapshot.scalars.insert(format!("{name}.r2"), f.r2);
            }
        }
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        let runs = self.lines();
        vec![
            charts::gold_vs_kl(self, &runs, snapshot),
            charts::reward_gap(&runs, snapshot),
            charts::log_ratio(&runs, snapshot),
            charts::over_steps(
                &runs,
                snapshot,
                "ood",
                "ood_mass",
                "Probability on out-of-distribution responses",
                "OOD mass",
                "Mass the policy puts on the long, zero-quality responses no pair ever showed. \
                 π_ref puts 1 % there. When no pair shows them (coverage 0), DPO moves almost all of it \
                 there and RPO does not.",
            ),
            charts::policy(self, &runs, snapshot),
            charts::over_steps(
                &runs,
                snapshot,
                "accuracy",
                "accuracy",
                "Preference accuracy on the training pairs",
                "accuracy",
                "Fraction of training pairs whose chosen response the policy favours more than \
                 π_ref does. With coverage 0 it stays flat for DPO while DPO's gold reward \
                 collapses: the failure is invisible to the training metric.",
            ),
        ]
    }
}
