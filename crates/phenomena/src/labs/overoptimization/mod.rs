//! Overoptimization: RLHF on a learned proxy reward, DPO and RPO side by side, and best-of-n,
//! on discrete responses whose preference data never separates quality from length.
//!
//! Read in order: `data.rs` (responses, reference policy, pairs, the reward model),
//! `policy.rs` (the policies and the three objectives), `best_of_n.rs` (the exact best-of-n
//! policy), `gao.rs` (the Gao et al. fits), then this file (schema, presets, the lockstep loop,
//! snapshots and charts).

pub mod best_of_n;
pub mod data;
pub mod gao;
pub mod policy;

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::Transaction;
use phenomena_charts::{Axis, ChartSpec, Color, Series as ChartSeries, palette};

use crate::lab::{
    Lab, LabError, LabInfo, LocalFuture, ParamSpec, Params, Preset, RunSummary, Series, Snapshot,
    fmt_num, records_at,
};
use best_of_n::BestOfN;
use data::{IN_DISTRIBUTION, Responses, fit_reward_model, preference_pairs};
use gao::{Fit, Form};
use policy::{DeviceProblem, METRICS, Objective, Run, Score};

pub const ID: &str = "overoptimization";
const CITATION: &str = "Liu, Z. et al. (2024). Provably Mitigating Overoptimization in RLHF: Your \
SFT Loss is Implicitly an Adversarial Regularizer (arXiv:2405.16436). Gao, L., Schulman, J. & \
Hilton, J. (2023). Scaling Laws for Reward Model Overoptimization. ICML.";

const RECORDS_PER_DECADE: f64 = 24.0;
/// A policy with more than this mass on one response has collapsed.
const COLLAPSED: f64 = 0.999;

/// The runs trained in lockstep: id, label, colour.
const RUNS: [(&str, &str, Color); 3] = [
    ("rlhf", "RLHF on proxy", palette::ORANGE),
    ("dpo", "DPO", palette::VERMILLION),
    ("rpo", "RPO", palette::BLUE),
];

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    vec![
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
        ParamSpec {
            name: "steps",
            label: "training steps",
            min: 10.0,
            max: 50_000.0,
            step: 10.0,
            default: 2000.0,
            log: true,
            integer: true,
            help: "The run stops after this many gradient steps.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "seed",
            label: "seed",
            min: 0.0,
            max: 1e9,
            step: 1.0,
            default: 0.0,
            integer: true,
            help: "One seed fixes the preference pairs and the MLP's initialization.",
            source: "",
            ..n
        },
    ]
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "dpo-drifts",
            title: "DPO drifts off the data",
            caption: "DPO's gold reward (orange-red) rises, peaks, then collapses while its mass moves to \
                      long responses the data never showed (OOD chart) — yet preference accuracy \
                      stays flat. RPO (blue), the same loss plus an SFT term, keeps the mass home \
                      and ends at a gold reward of 1.93 of a possible 2 (chart 1; chart 2 plots \
                      the change since the start, +0.94).",
            citation: CITATION,
            values: &[],
        },
        Preset {
            id: "rpo-home",
            title: "RPO keeps it home",
            caption: "With η = 0.2 the SFT term on the chosen responses acts as an adversarial \
                      regularizer: it pays to keep mass where the data is. Over 5 000 steps RPO's \
                      gold reward stays near 2 and its OOD mass near π_ref's 1 %, while DPO's \
                      chosen log-likelihood keeps falling.",
            citation: CITATION,
            values: &[("eta", 0.2), ("steps", 5000.0)],
        },
        Preset {
            id: "too-much-eta",
            title: "too much η",
            caption: "With η = 1 the SFT term dominates: RPO stays close to the chosen responses' \
                      distribution and stops short of the best gold reward (≈ 1.6 instead of \
                      1.9). The regularizer needs tuning like any other.",
            citation: CITATION,
            values: &[("eta", 1.0)],
        },
        Preset {
            id: "full-coverage",
            title: "full coverage fixes DPO",
            caption: "When every pair may include an OOD response, the data itself shows that \
                      length without quality loses: DPO's gold reward climbs to ≈ 2 and never \
                      falls. Overoptimization is a coverage problem.",
            citation: CITATION,
            values: &[("coverage", 1.0)],
        },
        Preset {
            id: "gao",
            title: "Gao: best-of-n vs RL",
            caption: "Gold reward against √KL for best-of-n (green dots, n = 1…1024) and for RL on \
                      the proxy (orange), with Gao et al.'s fitted forms. Both rise then fall; a \
                      smaller learning rate spreads RL's rise and fall over visible time.",
            citation: CITATION,
            values: &[("lr", 0.02), ("steps", 5000.0)],
        },
    ]
}

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Overoptimization: DPO vs RPO",
        summary: "A policy tuned on preferences climbs a proxy reward while the true reward \
                  collapses, because the data never separates quality from length; adding an \
                  SFT term (RPO) prevents it.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Measured on seed 0 with the defaults (log-linear policy, β = 0.1, lr 0.5, 300 \
                pairs, 2 000 steps): DPO's gold reward goes 0.99 → peak 1.58 at step 100 → 0.00, \
                its OOD mass 0.01 → 1.00 and its chosen log-ratio to −20; RLHF on the proxy peaks \
                at 1.47 after 2 steps and ends at 0.00; RPO (η = 0.2) ends at 1.93 with 0.9 % OOD \
                mass, after a transient rise to 6 % near step 200; with η = 1 it stops at 1.57. \
                Full coverage: DPO 1.97, no fall. Preference accuracy is 0.88 in every run. \
                Best-of-n peaks at n = 16 (gold 1.76). With the MLP policy DPO drifts off the \
                data on seeds 0, 1 and 3 of 0–3 (not on seed 2); RPO stays home on all four.",
    }
}

pub struct OveroptimizationLab {
    params: Params,
    seed: u64,
    backend: String,
    responses: Responses,
    problem: DeviceProblem,
    runs: Vec<Run>,
    best_of_n: Vec<BestOfN>,
    beta: f32,
    steps: u64,
    max_steps: u64,
    pending: Vec<(u64, Tensor<1>)>,
    series: BTreeMap<String, Series>,
    policies: Vec<Vec<f64>>,
    diverged: Option<String>,
}

impl OveroptimizationLab {
    pub fn new(params: Params, device: &Device, backend: &str) -> Result<Self, LabError> {
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
        let mut lab = Self {
            best_of_n: best_of_n::curve(&responses, &proxy),
            max_steps: params.get("steps") as u64,
            params,
            seed,
            backend: backend.to_string(),
            responses,
            problem,
            runs,
            beta,
            steps: 0,
            pending: Vec::new(),
            series: BTreeMap::new(),
            policies: Vec::new(),
            diverged: None,
        };
        lab.record();
        Ok(lab)
    }

    fn record(&mut self) {
        let metrics = Tensor::cat(
            self.runs
                .iter()
                .map(|r| r.metrics(&self.problem, self.beta))
                .collect(),
            0,
        );
        self.pending.push((self.steps, metrics));
    }

    async fn read_back(&mut self) -> Result<(), LabError> {
        let pending = std::mem::take(&mut self.pending);
        let mut tx = Transaction::default();
        for (_, t) in &pending {
            tx = tx.register(t.clone());
        }
        for run in &self.runs {
            tx = tx.register(run.log_policy(&self.problem));
        }
        let mut values = tx
            .execute_async()
            .await
            .map_err(|e| LabError::Backend(format!("reading metrics failed: {e:?}")))?;
        let policies = values.split_off(pending.len());
        self.policies = policies
            .into_iter()
            .map(|d| {
                d.try_to_vec::<f32>()
                    .map(|v| v.into_iter().map(|lp| (lp as f64).exp()).collect())
                    .map_err(LabError::backend)
            })
            .collect::<Result<_, _>>()?;
        for ((step, _), data) in pending.iter().zip(values) {
            let row = data.try_to_vec::<f32>().map_err(LabError::backend)?;
            for (r, (run, _, _)) in RUNS.iter().enumerate() {
                for (m, metric) in METRICS.iter().enumerate() {
                    let v = row[r * METRICS.len() + m] as f64;
                    self.series
                        .entry(format!("{run}.{metric}"))
                        .or_default()
                        .push(*step as f64, v);
                    if self.diverged.is_none() && !v.is_finite() {
                        self.diverged = Some(format!(
                            "diverged at step {step} ({run}'s {metric} is not a number) — lower \
                             the learning rate (now {})",
                            fmt_num(self.params.get("lr"))
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn warnings(&self) -> Vec<String> {
        RUNS.iter()
            .zip(&self.policies)
            .filter_map(|((_, label, _), p)| {
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

    /// Gold reward against √KL along a run, for the Gao fits and chart 1.
    fn gold_vs_root_kl(snapshot: &Snapshot, run: &str) -> Vec<(f64, f64)> {
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

    fn fits(&self, snapshot: &Snapshot) -> (Option<Fit>, Option<Fit>) {
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
        let rl = relative(Self::gold_vs_root_kl(snapshot, "rlhf"));
        (gao::fit(Form::BestOfN, &bon), gao::fit(Form::Rl, &rl))
    }

    fn scalars(&self, snapshot_series: &BTreeMap<String, Series>) -> BTreeMap<String, f64> {
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
        for (run, _, _) in RUNS {
            if let Some(g) = snapshot_series.get(&format!("{run}.gold")) {
                let max = g.y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                s.insert(format!("{run}.peak_gold"), max);
            }
        }
        s
    }
}

impl Lab for OveroptimizationLab {
    fn info(&self) -> LabInfo {
        info()
    }

    fn step(&mut self, k: u64) {
        for _ in 0..k {
            if self.steps >= self.max_steps || self.diverged.is_some() {
                break;
            }
            for run in &mut self.runs {
                run.step(&self.problem);
            }
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
            for ((run, _, _), p) in RUNS.iter().zip(&self.policies) {
                series.insert(format!("{run}.policy"), Series::indexed(p.clone()));
            }
            let bon = |f: fn(&BestOfN) -> f64| Series {
                x: self.best_of_n.iter().map(|b| b.n as f64).collect(),
                y: self.best_of_n.iter().map(f).collect(),
            };
            series.insert("best_of_n.gold".into(), bon(|b| b.gold));
            series.insert("best_of_n.proxy".into(), bon(|b| b.proxy));
            series.insert("best_of_n.kl".into(), bon(|b| b.kl));
            series.insert("best_of_n.ood_mass".into(), bon(|b| b.ood_mass));
            let mut snapshot = Snapshot {
                lab: ID.into(),
                step: self.steps,
                params: self.params.clone(),
                seed: self.seed,
                backend: self.backend.clone(),
                scalars: self.scalars(&series),
                series,
                diverged: self.diverged.clone(),
                warnings: self.warnings(),
            };
            let (bon_fit, rl_fit) = self.fits(&snapshot);
            for (name, fit) in [("gao.best_of_n", bon_fit), ("gao.rl", rl_fit)] {
                if let Some(f) = fit {
                    snapshot.scalars.insert(format!("{name}.alpha"), f.alpha);
                    snapshot.scalars.insert(format!("{name}.beta"), f.beta);
                    snapshot.scalars.insert(format!("{name}.r2"), f.r2);
                }
            }
            Ok(snapshot)
        })
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        vec![
            self.gold_vs_kl_chart(snapshot),
            reward_gap_chart(snapshot),
            log_ratio_chart(snapshot),
            over_steps_chart(
                snapshot,
                "ood",
                "ood_mass",
                "Probability on out-of-distribution responses",
                "OOD mass",
                "Mass the policy puts on the long, zero-quality responses no pair ever showed. \
                 π_ref puts 1 % there. When no pair shows them (coverage 0), DPO moves almost all of it \
                 there and RPO does not.",
            ),
            self.policy_chart(snapshot),
            over_steps_chart(
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

    fn summary(&self, _snapshot: &Snapshot) -> Option<RunSummary> {
        None
    }
}

impl OveroptimizationLab {
    fn gold_vs_kl_chart(&self, snapshot: &Snapshot) -> ChartSpec {
        let gold0 = Responses::expect(&self.responses.reference, &self.responses.gold);
        let mut series = Vec::new();
        for (run, label, color) in RUNS {
            series.push(ChartSeries::line(
                label,
                color,
                Self::gold_vs_root_kl(snapshot, run),
            ));
        }
        series.push(ChartSeries::dots(
            "best-of-n (n = 1…1024)",
            palette::GREEN,
            self.best_of_n
                .iter()
                .map(|b| (b.kl.sqrt(), b.gold))
                .collect(),
        ));
        let (bon_fit, rl_fit) = self.fits(snapshot);
        let max_d = self
            .best_of_n
            .iter()
            .map(|b| b.kl.sqrt())
            .chain(
                Self::gold_vs_root_kl(snapshot, "rlhf")
                    .into_iter()
                    .map(|p| p.0),
            )
            .fold(0.0, f64::max);
        let mut notes = Vec::new();
        for (fit, name, color) in [
            (bon_fit, "best-of-n", palette::GREEN),
            (rl_fit, "RL", palette::ORANGE),
        ] {
            if let Some(f) = fit {
                let curve = (0..=80)
                    .map(|i| max_d * i as f64 / 80.0)
                    .map(|d| (d, gold0 + f.eval(d)))
                    .collect();
                series.push(ChartSeries::dashed(
                    format!("Gao fit, {name}"),
                    color,
                    curve,
                ));
                notes.push(format!(
                    "{name}: R = d({:.2} − {:.2}·{}), R² = {:.2}",
                    f.alpha,
                    f.beta,
                    if f.form == Form::Rl { "log d" } else { "d" },
                    f.r2
                ));
            }
        }
        ChartSpec {
            id: "gold-vs-kl".into(),
            annotations: Vec::new(),
            title: "Gold reward against distance from π_ref".into(),
            caption: "Each run's gold (true) reward against √KL(π‖π_ref), with best-of-n on the \
                      proxy for comparison and Gao et al.'s functional forms fitted to the points \
                      (R² printed: this discrete toy falls faster than the forms allow). Moving \
                      further from π_ref first helps, then hurts."
                .into(),
            x: Axis::linear("√KL(π‖π_ref)").from_zero(),
            y: Axis::linear("gold reward").with_range(0.0, 2.1),
            series,
            notes,
        }
    }

    fn policy_chart(&self, snapshot: &Snapshot) -> ChartSpec {
        let width = 0.27;
        let policies: Vec<Vec<f64>> = RUNS
            .iter()
            .map(|(run, _, _)| {
                snapshot
                    .series
                    .get(&format!("{run}.policy"))
                    .map(|s| s.y.clone())
                    .unwrap_or_default()
            })
            .collect();
        let mut series: Vec<ChartSeries> = RUNS
            .iter()
            .zip(&policies)
            .enumerate()
            .map(|(i, ((_, label, color), p))| {
                let offset = (i as f64 - 1.0) * width;
                ChartSeries::bars(
                    *label,
                    *color,
                    width * 0.95,
                    p.iter()
                        .enumerate()
                        .map(|(a, v)| (a as f64 + offset, *v))
                        .collect(),
                )
            })
            .collect();
        series.push(ChartSeries::dashed(
            "π_ref",
            palette::GREY,
            self.responses
                .reference
                .iter()
                .enumerate()
                .map(|(a, v)| (a as f64, *v))
                .collect(),
        ));
        let ood_start = IN_DISTRIBUTION as f64 - 0.5;
        ChartSpec {
            id: "policy".into(),
            annotations: Vec::new(),
            title: "The policies now".into(),
            caption: format!(
                "Probability of each response. 0–{} are the responses in the data, gold reward \
                 rising from 0 to 2 left to right; {}–{} (right of {ood_start}) are the long, \
                 zero-quality responses outside it.",
                IN_DISTRIBUTION - 1,
                IN_DISTRIBUTION,
                self.responses.len() - 1
            ),
            x: Axis::linear("response (in data | out of distribution →)"),
            y: Axis::linear("probability").with_range(0.0, 1.0),
            series,
            notes: vec![format!(
                "responses ≥ {IN_DISTRIBUTION}: out of distribution, gold reward 0"
            )],
        }
    }
}

fn reward_gap_chart(snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color) in RUNS {
        let relative = |name: &str| -> Vec<(f64, f64)> {
            let pts = snapshot.points(&format!("{run}.{name}"));
            let start = pts.first().map(|p| p.1).unwrap_or(0.0);
            pts.into_iter().map(|(x, y)| (x, y - start)).collect()
        };
        series.push(ChartSeries::line(
            format!("{label}: gold"),
            color,
            relative("gold"),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: proxy"),
            color,
            relative("proxy"),
        ));
    }
    ChartSpec {
        id: "reward-gap".into(),
        annotations: Vec::new(),
        title: "Proxy reward climbs, gold reward does not".into(),
        caption: "Change since the start in the proxy reward (dashed: the Bradley–Terry reward \
                  model fitted to the pairs, which scores quality and length equally) and in the \
                  gold reward (solid). With coverage 0 the proxy keeps rising for RLHF and DPO \
                  while the gold reward turns down: the gap is overoptimization."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("reward − reward at start"),
        series,
        notes: vec![],
    }
}

fn log_ratio_chart(snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color) in RUNS {
        series.push(ChartSeries::line(
            format!("{label}: chosen"),
            color,
            snapshot.points(&format!("{run}.chosen_log_ratio")),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: rejected"),
            color,
            snapshot.points(&format!("{run}.rejected_log_ratio")),
        ));
    }
    ChartSpec {
        id: "log-ratios".into(),
        annotations: Vec::new(),
        title: "log π − log π_ref of chosen and rejected responses".into(),
        caption: "DPO widens the margin between chosen and rejected by pushing both down — the \
                  chosen responses' likelihood falls too, and the freed mass goes to responses \
                  no pair constrains. RPO's SFT term holds the chosen likelihood up."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("mean log-ratio"),
        series,
        notes: vec![],
    }
}

fn over_steps_chart(
    snapshot: &Snapshot,
    id: &str,
    metric: &str,
    title: &str,
    y: &str,
    caption: &str,
) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        annotations: Vec::new(),
        title: title.into(),
        caption: caption.into(),
        x: Axis::log("step"),
        y: Axis::linear(y).with_range(0.0, 1.0),
        // Decreasing widths keep runs that coincide (accuracy) visible on top of each other.
        series: RUNS
            .iter()
            .zip([5.0, 3.0, 1.5])
            .map(|((run, label, color), width)| {
                let mut s =
                    ChartSeries::line(*label, *color, snapshot.points(&format!("{run}.{metric}")));
                s.mark = phenomena_charts::Mark::Line {
                    width,
                    dashed: false,
                };
                s
            })
            .collect(),
        notes: vec![],
    }
}

#[cfg(test)]
mod tests;
