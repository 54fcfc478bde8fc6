//! Discrete responses with shared features, a gold reward, a reference policy and preference
//! pairs with partial coverage (Liu et al. 2024, the RPO paper's toy; docs/science.md).
//!
//! In-distribution responses have φ = (q, ℓ) with ℓ = q: quality and length always move
//! together in the data. Out-of-distribution (OOD) responses have q = 0 and long length. The
//! pairs never separate the two features, so a policy can raise its preference margin by
//! moving towards length just as well as towards quality.

use crate::rng::{Stream, rng, uniform};

/// Mass the reference policy puts on the OOD responses together.
pub const REFERENCE_OOD_MASS: f64 = 0.01;
/// Number of in-distribution responses.
pub const IN_DISTRIBUTION: usize = 20;

#[derive(Debug, Clone)]
pub struct Responses {
    /// φ(a) = (quality, length).
    pub features: Vec<[f64; 2]>,
    /// Gold reward r*(a) = q.
    pub gold: Vec<f64>,
    pub ood: Vec<bool>,
    /// π_ref(a).
    pub reference: Vec<f64>,
}

impl Responses {
    /// 20 responses with q = ℓ evenly spaced on [0, 2], then `ood` responses with q = 0 and ℓ
    /// evenly spaced on [3, 5].
    pub fn new(ood: usize) -> Self {
        let mut features = Vec::new();
        for i in 0..IN_DISTRIBUTION {
            let q = 2.0 * i as f64 / (IN_DISTRIBUTION - 1) as f64;
            features.push([q, q]);
        }
        for j in 0..ood {
            let l = if ood == 1 {
                4.0
            } else {
                3.0 + 2.0 * j as f64 / (ood - 1) as f64
            };
            features.push([0.0, l]);
        }
        let in_mass = (1.0 - REFERENCE_OOD_MASS) / IN_DISTRIBUTION as f64;
        let ood_mass = REFERENCE_OOD_MASS / ood.max(1) as f64;
        Self {
            gold: features.iter().map(|f| f[0]).collect(),
            ood: (0..features.len()).map(|i| i >= IN_DISTRIBUTION).collect(),
            reference: (0..features.len())
                .map(|i| {
                    if i < IN_DISTRIBUTION {
                        in_mass
                    } else {
                        ood_mass
                    }
                })
                .collect(),
            features,
        }
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// E_π[v] for a distribution over responses.
    pub fn expect(probs: &[f64], values: &[f64]) -> f64 {
        probs.iter().zip(values).map(|(p, v)| p * v).sum()
    }

    /// KL(π ‖ π_ref), with 0·log 0 = 0.
    pub fn kl(&self, probs: &[f64]) -> f64 {
        probs
            .iter()
            .zip(&self.reference)
            .filter(|(p, _)| **p > 0.0)
            .map(|(p, r)| p * (p / r).ln())
            .sum::<f64>()
            .max(0.0)
    }
}

/// Preference pairs as (chosen, rejected) response indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    pub chosen: Vec<usize>,
    pub rejected: Vec<usize>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Draws `count` pairs: both responses uniformly among the in-distribution ones, except a
/// fraction `coverage` of pairs drawn among all responses. a ≻ b with probability
/// σ(temperature · (q_a − q_b)) (Bradley–Terry labels on the gold reward).
pub fn preference_pairs(
    responses: &Responses,
    count: usize,
    temperature: f64,
    coverage: f64,
    seed: u64,
) -> Pairs {
    let mut r = rng(seed, Stream::PreferencePairs);
    let mut pairs = Pairs {
        chosen: Vec::with_capacity(count),
        rejected: Vec::with_capacity(count),
    };
    for _ in 0..count {
        let pool = if uniform(&mut r) < coverage {
            responses.len()
        } else {
            IN_DISTRIBUTION
        };
        let a = ((uniform(&mut r) * pool as f64) as usize).min(pool - 1);
        // A second, different response from the same pool.
        let mut b = ((uniform(&mut r) * (pool - 1) as f64) as usize).min(pool - 2);
        if b >= a {
            b += 1;
        }
        let p_a = sigmoid(temperature * (responses.gold[a] - responses.gold[b]));
        if uniform(&mut r) < p_a {
            pairs.chosen.push(a);
            pairs.rejected.push(b);
        } else {
            pairs.chosen.push(b);
            pairs.rejected.push(a);
        }
    }
    pairs
}

/// The Bradley–Terry reward model r_ψ(a) = ψ·φ(a), fitted by gradient descent on the pairs'
/// logistic loss (in f64, on the CPU: it is part of the problem set-up, like the data).
pub fn fit_reward_model(responses: &Responses, pairs: &Pairs) -> [f64; 2] {
    let mut psi = [0.0f64; 2];
    let n = pairs.chosen.len().max(1) as f64;
    for _ in 0..3000 {
        let mut grad = [0.0f64; 2];
        for (&w, &l) in pairs.chosen.iter().zip(&pairs.rejected) {
            let d = [
                responses.features[w][0] - responses.features[l][0],
                responses.features[w][1] - responses.features[l][1],
            ];
            // d/dψ of −log σ(ψ·d) is −(1 − σ(ψ·d))·d.
            let s = sigmoid(psi[0] * d[0] + psi[1] * d[1]);
            grad[0] -= (1.0 - s) * d[0] / n;
            grad[1] -= (1.0 - s) * d[1] / n;
        }
        psi[0] -= 1.0 * grad[0];
        psi[1] -= 1.0 * grad[1];
    }
    psi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_follow_the_toy() {
        let r = Responses::new(5);
        assert_eq!(r.len(), 25);
        assert_eq!(r.features[19], [2.0, 2.0]);
        assert_eq!(r.features[22], [0.0, 4.0]);
        assert!((r.reference.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((r.reference[20..].iter().sum::<f64>() - 0.01).abs() < 1e-12);
    }

    #[test]
    fn partial_coverage_never_pairs_an_ood_response() {
        let r = Responses::new(5);
        let p = preference_pairs(&r, 300, 3.0, 0.0, 0);
        assert!(
            p.chosen
                .iter()
                .chain(&p.rejected)
                .all(|i| *i < IN_DISTRIBUTION)
        );
        assert!(p.chosen.iter().zip(&p.rejected).all(|(a, b)| a != b));
        let full = preference_pairs(&r, 300, 3.0, 1.0, 0);
        assert!(
            full.chosen
                .iter()
                .chain(&full.rejected)
                .any(|i| *i >= IN_DISTRIBUTION)
        );
    }

    #[test]
    fn reward_model_weights_come_out_equal_under_partial_coverage() {
        let r = Responses::new(5);
        let p = preference_pairs(&r, 300, 3.0, 0.0, 0);
        let psi = fit_reward_model(&r, &p);
        assert_eq!(psi[0], psi[1], "the data cannot tell quality from length");
        assert!(psi[0] > 0.5 && psi[0] < 3.0, "{psi:?}");
    }
}
