//! Policies over the discrete responses and the three ways of training them, on a burn device.
//!
//! A policy scores each response from its features and reweights the reference policy:
//! log π_θ(a) = log π_ref(a) + s_θ(φ(a)) − log Z(θ). The score is linear, s = θ·φ (the
//! log-linear policy of the RPO paper's toy), or a small MLP over φ. Features are shared by
//! all responses, so a step on the in-data pairs also moves the unseen OOD responses — a
//! tabular policy (one logit per response) could not show overoptimization.

use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, log_softmax, relu};

use super::data::{Pairs, Responses};
use crate::rng::{Stream, normal_vec};

/// Log-probabilities are clamped here for metrics, so a collapsed policy never yields NaN.
pub const LOG_FLOOR: f32 = -80.0;

/// How the policy is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// Ascend E_π[r_proxy] − β·KL(π‖π_ref) by its exact gradient over the responses.
    Rlhf { beta: f32 },
    /// L_DPO = −mean log σ(β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]).
    Dpo { beta: f32 },
    /// L_RPO = L_DPO + η·β·mean[−log π(y_w)]: DPO plus an SFT term on the chosen responses.
    Rpo { beta: f32, eta: f32 },
}

/// The problem's tensors on one device.
pub struct DeviceProblem {
    /// [R, 2] response features.
    pub features: Tensor<2>,
    /// [R, 1] log π_ref.
    pub log_ref: Tensor<2>,
    pub gold: Tensor<2>,
    pub proxy: Tensor<2>,
    /// [R, 1] 1 for OOD responses.
    pub ood: Tensor<2>,
    pub chosen: Tensor<1, Int>,
    pub rejected: Tensor<1, Int>,
}

fn column(values: &[f64], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = values.iter().map(|x| *x as f32).collect();
    Tensor::from_data(TensorData::new(v, [values.len(), 1]), device)
}

fn indices(values: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = values.iter().map(|x| *x as i64).collect();
    Tensor::from_data(TensorData::new(v, [values.len()]), device)
}

impl DeviceProblem {
    pub fn new(responses: &Responses, proxy: &[f64], pairs: &Pairs, device: &Device) -> Self {
        let feats: Vec<f32> = responses
            .features
            .iter()
            .flat_map(|f| [f[0] as f32, f[1] as f32])
            .collect();
        let log_ref: Vec<f64> = responses.reference.iter().map(|p| p.ln()).collect();
        let ood: Vec<f64> = responses
            .ood
            .iter()
            .map(|o| if *o { 1.0 } else { 0.0 })
            .collect();
        Self {
            features: Tensor::from_data(TensorData::new(feats, [responses.len(), 2]), device),
            log_ref: column(&log_ref, device),
            gold: column(&responses.gold, device),
            proxy: column(proxy, device),
            ood: column(&ood, device),
            chosen: indices(&pairs.chosen, device),
            rejected: indices(&pairs.rejected, device),
        }
    }
}

/// The score function's parameters: θ [2, 1] for the linear score, or a two-layer ReLU MLP
/// 2 → h → 1 (w1 [2, h], b1 [1, h], w2 [h, 1]). ReLU extrapolates linearly, as the log-linear
/// score does; a saturating tanh often does not.
#[derive(Clone)]
pub struct Score(Vec<Tensor<2>>);

impl Score {
    /// θ = 0: the policy starts at π_ref.
    pub fn linear(device: &Device) -> Self {
        Score(vec![Tensor::zeros([2, 1], device)])
    }

    /// A small random first layer and a zero output layer, so the policy also starts at π_ref.
    pub fn mlp(hidden: usize, seed: u64, device: &Device) -> Self {
        let w1 = normal_vec(seed, Stream::NetworkInit, 2 * hidden, 1.0);
        let b1 = normal_vec(seed, Stream::StudentInit, hidden, 0.5);
        Score(vec![
            Tensor::from_data(TensorData::new(w1, [2, hidden]), device),
            Tensor::from_data(TensorData::new(b1, [1, hidden]), device),
            Tensor::zeros([hidden, 1], device),
        ])
    }

    fn tensors(&self) -> Vec<Tensor<2>> {
        self.0.clone()
    }

    /// s_θ(φ) for every response: [R, 1].
    fn scores(params: &[Tensor<2>], features: Tensor<2>) -> Tensor<2> {
        match params {
            [theta] => features.matmul(theta.clone()),
            [w1, b1, w2] => relu(features.matmul(w1.clone()) + b1.clone()).matmul(w2.clone()),
            _ => unreachable!("a score has one or three parameter tensors"),
        }
    }
}

/// log π_θ over the responses, [R, 1].
fn log_policy(params: &[Tensor<2>], p: &DeviceProblem) -> Tensor<2> {
    log_softmax(
        p.log_ref.clone() + Score::scores(params, p.features.clone()),
        0,
    )
}

/// Mean over pairs of log π − log π_ref for the chosen and the rejected responses.
fn pair_log_ratios(log_pi: Tensor<2>, p: &DeviceProblem) -> (Tensor<2>, Tensor<2>) {
    let ratio = log_pi - p.log_ref.clone();
    (
        ratio.clone().select(0, p.chosen.clone()),
        ratio.select(0, p.rejected.clone()),
    )
}

fn loss(objective: Objective, params: &[Tensor<2>], p: &DeviceProblem) -> Tensor<1> {
    let log_pi = log_policy(params, p);
    match objective {
        Objective::Rlhf { beta } => {
            let pi = log_pi.clone().exp();
            let reward = (pi.clone() * p.proxy.clone()).sum();
            let kl = (pi * (log_pi - p.log_ref.clone())).sum();
            // Minimise the negative of the KL-regularised objective.
            (kl.mul_scalar(beta) - reward).reshape([1])
        }
        Objective::Dpo { beta } => dpo_loss(log_pi, p, beta),
        Objective::Rpo { beta, eta } => {
            let nll = log_pi.clone().select(0, p.chosen.clone()).mean().neg();
            dpo_loss(log_pi, p, beta) + nll.mul_scalar(eta * beta)
        }
    }
}

fn dpo_loss(log_pi: Tensor<2>, p: &DeviceProblem, beta: f32) -> Tensor<1> {
    let (chosen, rejected) = pair_log_ratios(log_pi, p);
    log_sigmoid((chosen - rejected).mul_scalar(beta))
        .mean()
        .neg()
}

/// One run: a policy and how it is trained.
pub struct Run {
    pub objective: Objective,
    pub score: Score,
    lr: f32,
}

/// Names of the values in [`Run::metrics`], in order.
pub const METRICS: [&str; 8] = [
    "gold",
    "proxy",
    "implicit",
    "kl",
    "ood_mass",
    "chosen_log_ratio",
    "rejected_log_ratio",
    "accuracy",
];

impl Run {
    pub fn new(objective: Objective, score: Score, lr: f64) -> Self {
        Self {
            objective,
            score,
            lr: lr as f32,
        }
    }

    /// One full-batch gradient step; gradients by autodiff.
    pub fn step(&mut self, p: &DeviceProblem) {
        let params: Vec<Tensor<2>> = self
            .score
            .tensors()
            .into_iter()
            .map(|t| t.autodiff().require_grad())
            .collect();
        let grads = loss(self.objective, &params, p).backward();
        let updated = params
            .into_iter()
            .map(|t| {
                let g = t.grad(&grads);
                let t = t.without_autodiff();
                match g {
                    Some(g) => t - g.without_autodiff().mul_scalar(self.lr),
                    None => t,
                }
            })
            .collect();
        self.score = Score(updated);
    }

    /// log π over the responses (clamped at [`LOG_FLOOR`]).
    pub fn log_policy(&self, p: &DeviceProblem) -> Tensor<2> {
        log_policy(&self.score.tensors(), p).clamp_min(LOG_FLOOR)
    }

    /// [gold, proxy, implicit reward, KL, OOD mass, chosen log-ratio, rejected log-ratio,
    /// preference accuracy] for the current policy.
    pub fn metrics(&self, p: &DeviceProblem, beta: f32) -> Tensor<1> {
        let log_pi = self.log_policy(p);
        let pi = log_pi.clone().exp();
        let expect = |v: Tensor<2>| (pi.clone() * v).sum();
        let kl = (pi.clone() * (log_pi.clone() - p.log_ref.clone())).sum();
        let (chosen, rejected) = pair_log_ratios(log_pi, p);
        let accuracy = chosen.clone().greater(rejected.clone()).float().mean();
        Tensor::cat(
            vec![
                expect(p.gold.clone()),
                expect(p.proxy.clone()),
                // DPO's implicit reward β·log(π/π_ref), in expectation under π: β·KL.
                kl.clone().mul_scalar(beta),
                kl,
                expect(p.ood.clone()),
                chosen.mean(),
                rejected.mean(),
                accuracy,
            ],
            0,
        )
    }
}
