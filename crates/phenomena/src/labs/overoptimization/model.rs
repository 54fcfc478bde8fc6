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
use crate::tensors::{self, indices};

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
    /// [pairs, R]: +1 at each pair's chosen response, −1 at its rejected one, so that
    /// `pair_difference · v` is v(y_w) − v(y_l) for every pair in one matmul.
    pub pair_difference: Tensor<2>,
    /// [1, R]: how often each response is chosen, over the number of pairs, so that
    /// `chosen_share · v` is the mean of v over the chosen responses.
    pub chosen_share: Tensor<2>,
}

/// A `[len, 1]` column of f64 values, as f32.
fn column(values: &[f64], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = values.iter().map(|x| *x as f32).collect();
    tensors::column(&v, device)
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
        let (r, n) = (responses.len(), pairs.chosen.len());
        let mut difference = vec![0f32; n * r];
        let mut share = vec![0f32; r];
        for (i, (w, l)) in pairs.chosen.iter().zip(&pairs.rejected).enumerate() {
            difference[i * r + w] += 1.0;
            difference[i * r + l] -= 1.0;
            share[*w] += 1.0 / n as f32;
        }
        Self {
            pair_difference: Tensor::from_data(TensorData::new(difference, [n, r]), device),
            chosen_share: Tensor::from_data(TensorData::new(share, [1, r]), device),
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
        let w1 = normal_vec(seed, Stream::HiddenInit, 2 * hidden, 1.0);
        let b1 = normal_vec(seed, Stream::HiddenBiasInit, hidden, 0.5);
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
    log_policy_from(Score::scores(params, p.features.clone()), p)
}

/// log π = log_softmax(log π_ref + s) from the scores s, [R, 1].
fn log_policy_from(scores: Tensor<2>, p: &DeviceProblem) -> Tensor<2> {
    log_softmax(p.log_ref.clone() + scores, 0)
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
    let scores = Score::scores(params, p.features.clone());
    match objective {
        Objective::Rlhf { beta } => {
            let log_pi = log_policy_from(scores, p);
            let pi = log_pi.clone().exp();
            let reward = (pi.clone() * p.proxy.clone()).sum();
            let kl = (pi * (log_pi - p.log_ref.clone())).sum();
            // Minimise the negative of the KL-regularised objective.
            (kl.mul_scalar(beta) - reward).reshape([1])
        }
        Objective::Dpo { beta } => dpo_loss(scores, p, beta),
        Objective::Rpo { beta, eta } => {
            let log_pi = log_policy_from(scores.clone(), p);
            let nll = p.chosen_share.clone().matmul(log_pi).reshape([1]).neg();
            dpo_loss(scores, p, beta) + nll.mul_scalar(eta * beta)
        }
    }
}

/// DPO's loss from the scores alone: in a pair's margin
/// (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)) the reference and the
/// normaliser log Z cancel, leaving s(y_w) − s(y_l). Fewer ops per step than going through
/// log π, which is what a step costs for a problem this small.
fn dpo_loss(scores: Tensor<2>, p: &DeviceProblem, beta: f32) -> Tensor<1> {
    let margin = p.pair_difference.clone().matmul(scores);
    log_sigmoid(margin.mul_scalar(beta)).mean().neg()
}

/// One run: a policy and how it is trained. A clone is a fork's starting point.
#[derive(Clone)]
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

    /// Goes on at another learning rate (a fork's).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr as f32;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::overoptimization::data::{Responses, preference_pairs};

    /// DPO and RPO through log π, selecting each pair's responses: the losses as written in
    /// the papers, against which the shortcuts above are checked.
    fn loss_through_log_pi(objective: Objective, params: &[Tensor<2>], p: &DeviceProblem) -> f32 {
        let log_pi = log_policy(params, p);
        let ratio = log_pi.clone() - p.log_ref.clone();
        let chosen = ratio.clone().select(0, p.chosen.clone());
        let rejected = ratio.select(0, p.rejected.clone());
        let dpo = |beta: f32| {
            log_sigmoid((chosen.clone() - rejected.clone()).mul_scalar(beta))
                .mean()
                .neg()
        };
        let loss = match objective {
            Objective::Dpo { beta } => dpo(beta),
            Objective::Rpo { beta, eta } => {
                let nll = log_pi.select(0, p.chosen.clone()).mean().neg();
                dpo(beta) + nll.mul_scalar(eta * beta)
            }
            Objective::Rlhf { .. } => unreachable!("only the preference losses"),
        };
        loss.into_scalar::<f32>()
    }

    #[test]
    fn preference_losses_from_scores_equal_the_losses_through_log_pi() {
        let device = Device::flex();
        let responses = Responses::new(5);
        let pairs = preference_pairs(&responses, 300, 1.0, 0.7, 3);
        let proxy = vec![0.0; responses.len()];
        let p = DeviceProblem::new(&responses, &proxy, &pairs, &device);
        let score = Score::mlp(16, 3, &device);
        // A nonzero output layer, so the policy is away from π_ref.
        let mut params = score.tensors();
        params[2] = Tensor::from_data(
            TensorData::new(normal_vec(9, Stream::TestInputs, 16, 1.0), [16, 1]),
            &device,
        );
        for objective in [
            Objective::Dpo { beta: 0.1 },
            Objective::Rpo {
                beta: 0.1,
                eta: 0.2,
            },
        ] {
            let fast: f32 = loss(objective, &params, &p).into_scalar();
            let reference = loss_through_log_pi(objective, &params, &p);
            assert!(
                (fast - reference).abs() <= 1e-5 * reference.abs().max(1.0),
                "{objective:?}: {fast} vs {reference}"
            );
        }
    }
}
