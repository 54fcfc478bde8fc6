//! The methods the lab races on the same noisy labels, one line each in [`METHODS`], and the
//! loss (and, where a method changes it, the forward pass) of each.
//!
//! - **CE**: mean cross-entropy on the noisy labels.
//! - **ELR** (Liu et al. 2020, eq. 6 and the official code): p = softmax(z) clamped to
//!   [1e-4, 1 − 1e-4]; each example keeps a target t_i, updated before the loss at every step
//!   it is seen: t_i ← β·t_i + (1 − β)·p̂_i/Σp̂_i (p̂ detached); then
//!   L = CE(z, ỹ) + λ·mean log(1 − ⟨t_i, p_i⟩).
//! - **PS-KD** (Kim et al. 2021, and their official code): the target of example i is
//!   (1 − α_e)·ỹ_i + α_e·p_i', where p_i' is the softmax the network gave i when it last
//!   trained on it (the epoch before; the one-hot label before the first epoch), detached, and
//!   α_e = α_T·(e + 1)/E in epoch e of E; L = −mean Σ target·log softmax(z). Trained full
//!   batch an epoch is one step, so p_i' is the previous step's prediction.
//! - **Multi-sample dropout** (Inoue 2019): K dropout masks on the hidden layer's output (the
//!   paper's "dropout samples" after the last feature layer), kept units scaled by 1/(1 − rate),
//!   one shared output layer, and the loss averaged over the K samples. Evaluation runs without
//!   dropout.
//! - **Nested dropout** (Chen et al. 2022, and their official code): each step draws how many
//!   hidden units to keep, c, with p(c) ∝ exp(−((c − μ)/σ)²) for c = 1..H (μ = 0), and zeroes
//!   units c + 1..H for the whole batch, without rescaling; the loss is plain cross-entropy.
//!   Units late in the order are rarely trained, so the network learns an ordered, compressed
//!   representation. See [`NestedDropout`] for how the lab evaluates it.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{log_softmax, softmax};
use phenomena_charts::{Color, palette};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::model::{Classifier, DeviceData};
use crate::lab::Params;
use crate::mlp::{head, hidden};
use crate::rng::{Stream, rng_indexed};
use crate::tensors::{indices, matrix};

/// Probability clamp of the official ELR code.
pub const CLAMP: f32 = 1e-4;

/// One method of the race: its id (series prefix), label, short label (under the digits),
/// colour, the switch that trains it (`None`: always trained), how to start it, and what a
/// step of it costs against one of CE (measured in the page, on flex, on the digits race: it
/// decides which runs share a worker when a race's runs train apart).
pub struct MethodEntry {
    pub id: &'static str,
    pub label: &'static str,
    pub short: &'static str,
    pub color: Color,
    pub switch: Option<&'static str>,
    pub build: fn(&MethodSetup) -> Method,
    pub cost: fn(&Params) -> f64,
}

/// Every method, in the order the charts list them.
#[rustfmt::skip]
pub const METHODS: [MethodEntry; 5] = [
    MethodEntry { id: "ce", label: "CE", short: "CE", color: palette::VERMILLION, switch: None, build: |_| Method::Ce, cost: |_| 1.0 },
    MethodEntry { id: "elr", label: "CE + ELR", short: "ELR", color: palette::BLUE, switch: None, build: Elr::method, cost: |_| 1.0 },
    MethodEntry { id: "pskd", label: "PS-KD", short: "PS-KD", color: palette::GREEN, switch: Some("pskd"), build: PsKd::method, cost: |_| 1.3 },
    MethodEntry { id: "msd", label: "multi-sample dropout", short: "MSD", color: palette::ORANGE, switch: Some("msd"), build: MultiSampleDropout::method, cost: |p| 1.0 + 0.35 * p.get("msd_samples") },
    MethodEntry { id: "nested", label: "nested dropout", short: "nested", color: palette::PURPLE, switch: Some("nested"), build: NestedDropout::method, cost: |_| 1.2 },
];

/// What a method needs to start: the lab's parameters, its data, the hidden width, the seed.
pub struct MethodSetup<'a> {
    pub params: &'a Params,
    pub data: &'a DeviceData,
    pub hidden: usize,
    pub seed: u64,
    pub device: &'a Device,
}

/// Where a step falls in the run, for methods whose loss follows a schedule (PS-KD's α).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub epoch: u64,
    pub epochs: u64,
}

/// ELR's per-example target average and strength.
#[derive(Clone)]
pub struct Elr {
    pub lambda: f32,
    pub beta: f32,
    /// [n, C] targets t_i, zeros at the start.
    pub targets: Tensor<2>,
}

/// PS-KD's final weight α_T and every example's last prediction.
#[derive(Clone)]
pub struct PsKd {
    pub alpha_final: f32,
    /// [n, C] softmax of each example when last trained on; its noisy one-hot at the start.
    pub previous: Tensor<2>,
}

impl Elr {
    fn method(s: &MethodSetup) -> Method {
        Method::Elr(Elr {
            lambda: s.params.get("lambda") as f32,
            beta: s.params.get("beta") as f32,
            targets: Tensor::zeros([s.data.n, s.data.classes], s.device),
        })
    }
}

impl PsKd {
    fn method(s: &MethodSetup) -> Method {
        Method::PsKd(PsKd {
            alpha_final: s.params.get("pskd_alpha") as f32,
            previous: s.data.noisy_onehot.clone(),
        })
    }

    /// α_e = α_T·(e + 1)/E, as the official code computes it.
    pub fn alpha(&self, at: Progress) -> f32 {
        self.alpha_final * (at.epoch + 1) as f32 / at.epochs.max(1) as f32
    }
}

/// Multi-sample dropout's K masks per step, from a fixed bank of [`BANK_ROWS`] patterns drawn
/// once (each a row of independent Bernoulli(1 − rate) draws): every step each (sample,
/// example) pair takes a random row. A step then costs K·n random indices instead of K·n·H
/// random numbers, which would be most of the step on the page. The price: patterns repeat,
/// across steps and between examples of one step. The numpy reference, which draws every mask
/// afresh, measures the same memorization (docs/science.md).
#[derive(Clone)]
pub struct MultiSampleDropout {
    pub samples: usize,
    /// [BANK_ROWS, H] of 0 and 1/(1 − rate).
    bank: Tensor<2>,
    rng: ChaCha8Rng,
}

/// Rows of a dropout bank: the number of distinct masks.
const BANK_ROWS: usize = 8192;

impl MultiSampleDropout {
    fn method(s: &MethodSetup) -> Method {
        Method::MultiSample(Box::new(MultiSampleDropout::new(
            s.params.usize("msd_samples"),
            s.params.get("msd_rate") as f32,
            s.hidden,
            rng_indexed(s.seed, Stream::Dropout, 0),
            s.device,
        )))
    }

    pub fn new(
        samples: usize,
        rate: f32,
        hidden: usize,
        mut rng: ChaCha8Rng,
        device: &Device,
    ) -> Self {
        let keep = 1.0 - rate;
        let values: Vec<f32> = (0..BANK_ROWS * hidden)
            .map(|_| {
                if rng.random::<f32>() < keep {
                    1.0 / keep
                } else {
                    0.0
                }
            })
            .collect();
        Self {
            samples,
            bank: matrix(&values, BANK_ROWS, hidden, device),
            rng,
        }
    }

    /// [K·rows, H] masks for a batch of `rows` examples, sample k in rows k·rows..(k + 1)·rows.
    pub fn masks(&mut self, rows: usize) -> Tensor<2> {
        let picks: Vec<usize> = (0..self.samples * rows)
            .map(|_| self.rng.random_range(0..BANK_ROWS))
            .collect();
        let device = self.bank.device();
        self.bank.clone().select(0, indices(&picks, &device))
    }
}

/// Nested dropout's distribution of kept units and its random stream.
///
/// The official code evaluates the network truncated to the number of units that does best on
/// a validation set. This lab has no validation set, so it evaluates the expected network
/// instead: unit j scaled by the probability P(c > j) that training keeps it. The output layer
/// is linear, so these are exactly the logits averaged over training's masks; units training
/// never reaches count for nothing, as truncation would make them. The output layer keeps its
/// bias (the official classifier has none).
#[derive(Clone)]
pub struct NestedDropout {
    /// P(c) for c = 1..H.
    probabilities: Vec<f64>,
    /// [H, H]: row c − 1 keeps the first c units.
    prefixes: Tensor<2>,
    /// [1, H]: P(c > j) for unit j.
    kept: Tensor<2>,
    rng: ChaCha8Rng,
}

impl NestedDropout {
    fn method(s: &MethodSetup) -> Method {
        Method::Nested(Box::new(NestedDropout::new(
            s.params.get("nested_sigma") as f32,
            s.hidden,
            rng_indexed(s.seed, Stream::Dropout, 1),
            s.device,
        )))
    }

    pub fn new(sigma: f32, hidden: usize, rng: ChaCha8Rng, device: &Device) -> Self {
        let weights: Vec<f64> = (1..=hidden)
            .map(|c| (-(c as f64 / sigma as f64).powi(2)).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let probabilities: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let prefixes: Vec<f32> = (0..hidden * hidden)
            .map(|i| if i % hidden <= i / hidden { 1.0 } else { 0.0 })
            .collect();
        // Unit j is kept when c ≥ j + 1: the tail of the distribution from c = j + 1.
        let mut tail = 1.0;
        let kept: Vec<f32> = probabilities
            .iter()
            .map(|p| {
                let k = tail;
                tail -= p;
                k.max(0.0) as f32
            })
            .collect();
        Self {
            probabilities,
            prefixes: matrix(&prefixes, hidden, hidden, device),
            kept: matrix(&kept, 1, hidden, device),
            rng,
        }
    }

    /// [1, H]: this step's mask, the first c units kept.
    pub fn mask(&mut self) -> Tensor<2> {
        let u: f64 = self.rng.random();
        let mut cumulative = 0.0;
        let last = self.probabilities.len() - 1;
        // Row c − 1 of the prefixes keeps c units.
        let row = self
            .probabilities
            .iter()
            .position(|p| {
                cumulative += p;
                u < cumulative
            })
            .unwrap_or(last);
        let device = self.prefixes.device();
        self.prefixes.clone().select(0, indices(&[row], &device))
    }
}

/// One run's method and its state.
#[derive(Clone)]
pub enum Method {
    Ce,
    Elr(Elr),
    PsKd(PsKd),
    // Boxed: their tensors and random streams make them several times larger than the rest.
    MultiSample(Box<MultiSampleDropout>),
    Nested(Box<NestedDropout>),
}

/// Cross-entropy of `logits` against one-hot (or soft) targets, averaged over examples.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    (log_softmax(logits, 1) * targets).sum_dim(1).mean().neg()
}

/// The clamped probabilities p of the ELR loss.
pub fn clamped_probs(logits: Tensor<2>) -> Tensor<2> {
    softmax(logits, 1).clamp(CLAMP, 1.0 - CLAMP)
}

/// λ·mean log(1 − ⟨t_i, p_i⟩) for fixed targets.
pub fn elr_penalty(probs: Tensor<2>, targets: Tensor<2>, lambda: f32) -> Tensor<1> {
    (targets * probs)
        .sum_dim(1)
        .neg()
        .add_scalar(1.0)
        .log()
        .mean()
        .mul_scalar(lambda)
}

/// Rows `batch` of a per-example tensor, or all of it.
fn rows_of(t: &Tensor<2>, batch: Option<&Tensor<1, Int>>) -> Tensor<2> {
    match batch {
        None => t.clone(),
        Some(idx) => t.clone().select(0, idx.clone()),
    }
}

/// `t` with rows `batch`, now `old` (as [`rows_of`] read them), replaced by `new` (all of it
/// without a batch).
fn with_rows(
    t: &Tensor<2>,
    batch: Option<&Tensor<1, Int>>,
    old: Tensor<2>,
    new: Tensor<2>,
) -> Tensor<2> {
    match batch {
        None => new,
        Some(idx) => t
            .clone()
            .select_assign(0, idx.clone(), new - old, IndexingUpdateOp::Add),
    }
}

/// The training inputs of one step: examples, their noisy one-hot labels, and which rows of
/// the training set they are.
pub struct StepBatch<'a> {
    pub x: Tensor<2>,
    pub onehot: Tensor<2>,
    pub rows: Option<&'a Tensor<1, Int>>,
}

impl Method {
    /// The training loss at `params` (the tensors the optimizer updates), updating the
    /// method's own state (ELR's targets, PS-KD's predictions, the dropout streams) on the way.
    pub fn loss(&mut self, params: &[Tensor<2>], b: StepBatch, at: Progress) -> Tensor<1> {
        let logits = Classifier::logits_with;
        match self {
            Method::Ce => cross_entropy(logits(params, b.x), b.onehot),
            Method::Elr(elr) => {
                let z = logits(params, b.x);
                let probs = clamped_probs(z.clone());
                // Targets first, from the detached predictions, as the official code does;
                // only the examples in the batch are updated.
                let p_hat = probs.clone().without_autodiff();
                let normalised = p_hat.clone() / p_hat.sum_dim(1);
                let old = rows_of(&elr.targets, b.rows);
                let new = old.clone().mul_scalar(elr.beta) + normalised.mul_scalar(1.0 - elr.beta);
                elr.targets = with_rows(&elr.targets, b.rows, old, new.clone());
                cross_entropy(z, b.onehot) + elr_penalty(probs, new, elr.lambda)
            }
            Method::PsKd(kd) => {
                let z = logits(params, b.x);
                let alpha = kd.alpha(at);
                let old = rows_of(&kd.previous, b.rows);
                let target = b.onehot.mul_scalar(1.0 - alpha) + old.clone().mul_scalar(alpha);
                let now = softmax(z.clone().without_autodiff(), 1);
                kd.previous = with_rows(&kd.previous, b.rows, old, now);
                cross_entropy(z, target)
            }
            Method::MultiSample(drop) => {
                let rows = b.x.dims()[0];
                let h = hidden(params, b.x);
                let width = h.dims()[1];
                let k = drop.samples;
                let masks = drop.masks(rows).reshape([k, rows, width]);
                // The K samples stacked as K·rows examples: one matmul, and the mean over
                // them is the mean of the K losses. Broadcasting h (and the labels) over the
                // sample axis, instead of repeating them K times, saves a copy of the step's
                // largest tensor and of its gradient.
                let dropped = (h.unsqueeze_dim::<3>(0) * masks).reshape([k * rows, width]);
                let classes = b.onehot.dims()[1];
                let log_p = log_softmax(head(params, dropped), 1).reshape([k, rows, classes]);
                (log_p * b.onehot.unsqueeze_dim::<3>(0))
                    .reshape([k * rows, classes])
                    .sum_dim(1)
                    .mean()
                    .neg()
            }
            Method::Nested(nested) => {
                let h = hidden(params, b.x) * nested.mask();
                cross_entropy(head(params, h), b.onehot)
            }
        }
    }

    /// The logits the trained network gives `x`: without dropout, and for nested dropout the
    /// expected network (see [`NestedDropout`]).
    pub fn eval_logits(&self, params: &[Tensor<2>], x: Tensor<2>) -> Tensor<2> {
        match self {
            Method::Nested(nested) => head(params, hidden(params, x) * nested.kept.clone()),
            _ => Classifier::logits_with(params, x),
        }
    }

    /// ELR's per-example targets; None for the methods that keep none.
    pub fn targets(&self) -> Option<&Tensor<2>> {
        match self {
            Method::Elr(elr) => Some(&elr.targets),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn dropout_masks_drop_the_rate_and_keep_the_mean() {
        let device = Device::flex();
        let mut d = MultiSampleDropout::new(4, 0.3, 64, rng(0, Stream::Dropout), &device);
        let m = values(d.masks(100));
        assert_eq!(m.len(), 4 * 100 * 64);
        let dropped = m.iter().filter(|v| **v == 0.0).count() as f64 / m.len() as f64;
        let mean = m.iter().map(|v| *v as f64).sum::<f64>() / m.len() as f64;
        assert!((dropped - 0.3).abs() < 0.01, "dropped {dropped}");
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
        // Two steps draw different masks.
        assert_ne!(m, values(d.masks(100)));
    }

    /// Multi-sample dropout's loss broadcasts h and the labels over its K samples; repeating
    /// them K times, the plain form, gives the same loss and gradients to the last bit.
    #[test]
    fn multi_sample_dropout_by_broadcast_matches_repeating_each_sample() {
        let device = Device::flex();
        let (rows, dim, width, classes, k) = (12, 5, 7, 3, 4);
        let params = crate::mlp::init(dim, width, classes, 3, &device);
        let x: Vec<f32> = (0..rows * dim)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let x = matrix(&x, rows, dim, &device);
        let onehot: Vec<f32> = (0..rows * classes)
            .map(|i| f32::from(u8::from(i % classes == (i / classes) % classes)))
            .collect();
        let onehot = matrix(&onehot, rows, classes, &device);
        let dropout = || MultiSampleDropout::new(k, 0.3, width, rng(5, Stream::Dropout), &device);
        let mut method = Method::MultiSample(Box::new(dropout()));
        let at = Progress {
            epoch: 0,
            epochs: 1,
        };
        let mut loss = None;
        let broadcast = crate::optim::gradients(&params, |p| {
            let b = StepBatch {
                x: x.clone(),
                onehot: onehot.clone(),
                rows: None,
            };
            let l = method.loss(p, b, at);
            loss = Some(l.clone().without_autodiff());
            l
        });
        let mut twin = dropout();
        let mut plain_loss = None;
        let plain = crate::optim::gradients(&params, |p| {
            let h = hidden(p, x.clone());
            let z = head(p, h.repeat_dim(0, k) * twin.masks(rows));
            let l = cross_entropy(z, onehot.clone().repeat_dim(0, k));
            plain_loss = Some(l.clone().without_autodiff());
            l
        });
        let bits = |t: Tensor<1>| t.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(bits(loss.unwrap()), bits(plain_loss.unwrap()));
        for (a, b) in broadcast.into_iter().zip(plain) {
            assert_eq!(values(a), values(b));
        }
    }

    #[test]
    fn nested_dropout_keeps_a_prefix_drawn_from_its_half_gaussian() {
        let device = Device::flex();
        let mut nested = NestedDropout::new(4.0, 32, rng(0, Stream::Dropout), &device);
        let mut counts = [0usize; 33];
        for _ in 0..4000 {
            let m = values(nested.mask());
            let c = m.iter().filter(|v| **v == 1.0).count();
            assert!(m[..c].iter().all(|v| *v == 1.0), "not a prefix: {m:?}");
            counts[c] += 1;
        }
        // p(c) ∝ exp(−(c/σ)²): p(1)/p(4) = e^(1 − 1/16).
        let ratio = counts[1] as f64 / counts[4] as f64;
        assert!(
            (ratio / (1.0f64 - 1.0 / 16.0).exp() - 1.0).abs() < 0.2,
            "ratio {ratio}"
        );
        assert_eq!(counts[20..].iter().sum::<usize>(), 0);
        // The expected network keeps unit 0 always and fades out the rest.
        let kept = values(nested.kept.clone());
        assert_eq!(kept[0], 1.0);
        assert!(kept.windows(2).all(|w| w[1] <= w[0]) && kept[31] < 1e-6);
    }
}
