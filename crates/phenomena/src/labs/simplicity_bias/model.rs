//! The networks, the logistic loss, SAM, and USEFUL's split, on a burn device.
//!
//! - An MLP (one ReLU hidden layer) for LMS and the dominoes.
//! - The USEFUL paper's patch model: f(x) = Σ_filters Σ_patches σ(⟨w_j, x_p⟩) with a cubic σ.
//! - SAM (Foret et al. 2021): W ← W − η·∇L(W + ρ·∇L/‖∇L‖), ‖·‖ the Frobenius norm over all
//!   parameters; two gradient evaluations a step.
//! - USEFUL (Nguyen et al. 2024): cluster each class's early network outputs into two groups
//!   (exact 1-D 2-means), call the group with the higher loss "slow", upsample it, and retrain
//!   from the same initialization.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;

use crate::mlp;
use crate::optim::{self, Optimizer};
use crate::rng::{Stream, normal_vec};
use crate::tensors::matrix;

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arch {
    Mlp,
    /// `patches` patches of `dim` coordinates each.
    Patch {
        patches: usize,
        dim: usize,
    },
}

#[derive(Clone)]
pub struct Net {
    pub arch: Arch,
    pub params: Vec<Tensor<2>>,
}

impl Net {
    pub fn mlp(input: usize, hidden: usize, seed: u64, device: &Device) -> Self {
        Net {
            arch: Arch::Mlp,
            params: mlp::init(input, hidden, 1, seed, device),
        }
    }

    pub fn patch(
        patches: usize,
        dim: usize,
        filters: usize,
        scale: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let w = normal_vec(seed, Stream::HiddenInit, dim * filters, scale);
        Net {
            arch: Arch::Patch { patches, dim },
            params: vec![matrix(&w, dim, filters, device)],
        }
    }

    /// One logit per example, [n, 1].
    pub fn logits_with(arch: Arch, params: &[Tensor<2>], x: Tensor<2>) -> Tensor<2> {
        match (arch, params) {
            (Arch::Mlp, params) => mlp::forward(params, x),
            (Arch::Patch { patches, dim }, [w]) => {
                let n = x.dims()[0];
                let filters = w.dims()[1];
                let z = x.reshape([n * patches, dim]).matmul(w.clone());
                // The cubic is odd, so summing over filters and patches needs no sign.
                (z.clone() * z.clone() * z)
                    .reshape([n, patches * filters])
                    .sum_dim(1)
            }
            _ => unreachable!("parameters match the architecture"),
        }
    }

    pub fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        Self::logits_with(self.arch, &self.params, x)
    }
}

/// Mean logistic loss −log σ(s·f) with s = 2y − 1.
pub fn logistic_loss(logits: Tensor<2>, y01: Tensor<2>) -> Tensor<1> {
    let sign = y01.mul_scalar(2.0).sub_scalar(1.0);
    log_sigmoid(logits * sign).mean().neg()
}

/// Per-example logistic loss, [n, 1].
pub fn example_losses(logits: Tensor<2>, y01: Tensor<2>) -> Tensor<2> {
    let sign = y01.mul_scalar(2.0).sub_scalar(1.0);
    log_sigmoid(logits * sign).neg()
}

fn gradients(arch: Arch, params: &[Tensor<2>], x: Tensor<2>, y: Tensor<2>) -> Vec<Tensor<2>> {
    optim::gradients(params, |p| logistic_loss(Net::logits_with(arch, p, x), y))
}

/// The gradient a step uses: plain, or SAM's gradient at the ascent point W + ρ·g/‖g‖.
pub fn step_gradients(
    arch: Arch,
    params: &[Tensor<2>],
    x: Tensor<2>,
    y: Tensor<2>,
    rho: f32,
) -> Vec<Tensor<2>> {
    let g = gradients(arch, params, x.clone(), y.clone());
    if rho <= 0.0 {
        return g;
    }
    let norm = g
        .iter()
        .map(|t| t.clone().square().sum())
        .reduce(|a, b| a + b)
        .expect("a network has parameters")
        .sqrt()
        .add_scalar(1e-12)
        .reshape([1, 1]);
    let ascent: Vec<Tensor<2>> = params
        .iter()
        .zip(&g)
        .map(|(p, gi)| p.clone() + gi.clone().mul_scalar(rho) / norm.clone())
        .collect();
    gradients(arch, &ascent, x, y)
}

/// One run: a network, its optimizer, SAM's ρ (0 = plain), and its own step count. A clone
/// is a fork's starting point.
#[derive(Clone)]
pub struct Run {
    pub net: Net,
    pub optimizer: Optimizer,
    pub rho: f32,
    pub steps: u64,
}

impl Run {
    pub fn step(&mut self, x: Tensor<2>, y: Tensor<2>) {
        let g = step_gradients(self.net.arch, &self.net.params, x, y, self.rho);
        let params = std::mem::take(&mut self.net.params);
        self.net.params = self.optimizer.update(params, g);
        self.steps += 1;
    }
}

/// Exact 2-means in one dimension: the split of the sorted values with the least
/// within-cluster sum of squares. Returns a cluster id (0 = lower values, 1 = higher) for each
/// value, in input order.
pub fn two_means(values: &[f64]) -> Vec<usize> {
    let n = values.len();
    if n < 2 {
        return vec![0; n];
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let sorted: Vec<f64> = order.iter().map(|i| values[*i]).collect();
    let prefix: Vec<f64> = std::iter::once(0.0)
        .chain(sorted.iter().scan(0.0, |s, v| {
            *s += v;
            Some(*s)
        }))
        .collect();
    let prefix_sq: Vec<f64> = std::iter::once(0.0)
        .chain(sorted.iter().scan(0.0, |s, v| {
            *s += v * v;
            Some(*s)
        }))
        .collect();
    let sse = |a: usize, b: usize| {
        let k = (b - a) as f64;
        let s = prefix[b] - prefix[a];
        prefix_sq[b] - prefix_sq[a] - s * s / k
    };
    let best = (1..n)
        .min_by(|a, b| (sse(0, *a) + sse(*a, n)).total_cmp(&(sse(0, *b) + sse(*b, n))))
        .expect("n ≥ 2");
    let mut cluster = vec![0; n];
    for (rank, i) in order.iter().enumerate() {
        cluster[*i] = usize::from(rank >= best);
    }
    cluster
}

/// USEFUL's split: per class, 2-means on the outputs; the cluster with the higher mean loss is
/// "slow". Returns, per example, whether it is in a slow cluster.
pub fn slow_examples(outputs: &[f64], losses: &[f64], labels: &[f32]) -> Vec<bool> {
    let mut slow = vec![false; outputs.len()];
    for class in [0.0f32, 1.0] {
        let members: Vec<usize> = (0..labels.len()).filter(|i| labels[*i] == class).collect();
        let values: Vec<f64> = members.iter().map(|i| outputs[*i]).collect();
        let clusters = two_means(&values);
        let mean_loss = |c: usize| {
            let (sum, count) = members
                .iter()
                .zip(&clusters)
                .filter(|(_, k)| **k == c)
                .fold((0.0, 0usize), |(s, n), (i, _)| (s + losses[*i], n + 1));
            if count == 0 {
                f64::NEG_INFINITY
            } else {
                sum / count as f64
            }
        };
        let slow_cluster = usize::from(mean_loss(1) > mean_loss(0));
        for (i, k) in members.iter().zip(&clusters) {
            slow[*i] = *k == slow_cluster;
        }
    }
    slow
}

/// The weighted average of networks of one architecture, parameter by parameter, with
/// `weights` [k] on the device (summing to 1): a soup of the runs.
pub fn blend(nets: &[&[Tensor<2>]], weights: Tensor<1>) -> Vec<Tensor<2>> {
    let k = nets.len();
    (0..nets[0].len())
        .map(|j| {
            let stacked = Tensor::stack::<3>(nets.iter().map(|p| p[j].clone()).collect(), 0);
            let [_, rows, cols] = stacked.dims();
            (stacked * weights.clone().reshape([k, 1, 1]))
                .sum_dim(0)
                .reshape([rows, cols])
        })
        .collect()
}

/// WiSE-FT's point `(1 − t)·θ_a + t·θ_b` between two networks in weight space.
pub fn lerp(a: &[Tensor<2>], b: &[Tensor<2>], t: f64) -> Vec<Tensor<2>> {
    a.iter()
        .zip(b)
        .map(|(p, q)| p.clone().mul_scalar(1.0 - t) + q.clone().mul_scalar(t))
        .collect()
}

/// Accuracy of a logit per example against 0/1 labels, [1].
pub fn accuracy(logits: Tensor<2>, y01: Tensor<2>) -> Tensor<1> {
    let pred = logits.greater_elem(0.0).float();
    (pred - y01).abs().neg().add_scalar(1.0).mean()
}

/// The greedy soup (Wortsman et al. 2022, Algorithm 1): the networks sorted by validation
/// accuracy, best first; the soup starts as the best and takes in each next one if the
/// average with it is at least as accurate on the validation set. Decided on the device
/// (no read-back, so it costs the page no wait): returns the soup's weights per network, [k],
/// zero for those left out.
pub fn greedy_soup_weights(
    arch: Arch,
    nets: &[&[Tensor<2>]],
    validation: &(Tensor<2>, Tensor<2>),
) -> Tensor<1> {
    let k = nets.len();
    let device = validation.0.device();
    let score = |params: &[Tensor<2>]| {
        accuracy(
            Net::logits_with(arch, params, validation.0.clone()),
            validation.1.clone(),
        )
    };
    // Each network's place in the order, best first, ties in input order: the networks more
    // accurate than it, plus the equally accurate ones before it. (Counting, not sorting:
    // a sort kernel would add much to the page's download for at most four networks.)
    let scores = Tensor::cat(nets.iter().map(|p| score(p)).collect(), 0);
    let (mine, theirs) = (
        scores.clone().reshape([k, 1]).expand([k, k]),
        scores.reshape([1, k]).expand([k, k]),
    );
    let before: Vec<f32> = (0..k * k)
        .map(|n| f32::from(u8::from(n % k < n / k)))
        .collect();
    let before = crate::tensors::matrix(&before, k, k, &device);
    let place = (theirs.clone().greater(mine.clone()).float()
        + theirs.equal(mine).float() * before)
        .sum_dim(1)
        .reshape([k]);
    let pick = |i: usize| place.clone().equal_elem(i as f32).float();
    let mut chosen = pick(0);
    let mut best = score(&blend(nets, chosen.clone()));
    for i in 1..k {
        let candidate = chosen.clone() + pick(i);
        let total = candidate.clone().sum();
        let acc = score(&blend(nets, candidate.clone() / total));
        let keep = acc.clone().greater_equal(best.clone()).float();
        chosen = chosen + pick(i) * keep.clone().expand([k]);
        best = acc * keep.clone() + best * keep.neg().add_scalar(1.0);
    }
    let total = chosen.clone().sum();
    chosen / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_means_splits_at_the_largest_gap_of_two_groups() {
        let v = [0.1, 5.0, 0.2, 5.2, 0.0, 4.9];
        assert_eq!(two_means(&v), vec![0, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn the_slow_cluster_is_the_one_with_higher_loss() {
        let outputs = [3.0, 3.1, 0.2, 0.1, -3.0, -0.1];
        let losses = [0.05, 0.04, 0.6, 0.65, 0.05, 0.6];
        let labels = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        assert_eq!(
            slow_examples(&outputs, &losses, &labels),
            vec![false, false, true, true, false, true]
        );
    }

    /// One-weight networks f(x) = (w·x)³ on one validation example (x = 1, y = 1): right
    /// exactly when w > 0. Sorted best first, A (w = 1) and C (w = 0.5) tie and keep their
    /// order; the soup of A and C (w = 0.75) is still right, so C is taken in; adding B
    /// (w = −3) would give w = −0.5, wrong, so B is left out.
    #[test]
    fn the_greedy_soup_takes_in_only_the_networks_that_keep_it_accurate() {
        let device = Device::flex();
        let arch = Arch::Patch { patches: 1, dim: 1 };
        let net = |w: f32| {
            vec![Tensor::<2>::from_data(
                TensorData::new(vec![w], [1, 1]),
                &device,
            )]
        };
        let (a, b, c) = (net(1.0), net(-3.0), net(0.5));
        let nets: Vec<&[Tensor<2>]> = vec![&a, &b, &c];
        let validation = (
            Tensor::<2>::ones([1, 1], &device),
            Tensor::<2>::ones([1, 1], &device),
        );
        let weights = greedy_soup_weights(arch, &nets, &validation);
        let got = weights.clone().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(got, vec![0.5, 0.0, 0.5]);
        let soup = blend(&nets, weights)
            .remove(0)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(soup, vec![0.75]);
        let halfway = lerp(&a, &b, 0.25)
            .remove(0)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(halfway, vec![0.0]);
    }

    /// SAM against a hand-computed two-step example: a one-filter, one-patch, one-coordinate
    /// cubic model f(x) = (w·x)³ at x = 1, y = 1, so L(w) = log(1 + e^{−w³}) and
    /// L'(w) = −3w²·σ(−w³).
    #[test]
    fn sam_update_matches_a_hand_computed_two_step_example() {
        let device = Device::flex();
        let sigma = |z: f64| 1.0 / (1.0 + (-z).exp());
        let grad = |w: f64| -3.0 * w * w * sigma(-w * w * w);
        let (lr, rho) = (0.5f64, 0.1f64);
        let mut w = 0.5f64;
        let mut run = Run {
            net: Net {
                arch: Arch::Patch { patches: 1, dim: 1 },
                params: vec![Tensor::from_data(
                    TensorData::new(vec![w as f32], [1, 1]),
                    &device,
                )],
            },
            optimizer: Optimizer::Gd { lr: lr as f32 },
            rho: rho as f32,
            steps: 0,
        };
        let x = Tensor::<2>::ones([1, 1], &device);
        let y = Tensor::<2>::ones([1, 1], &device);
        for _ in 0..2 {
            // By hand: ascend ρ along the normalised gradient (a sign in 1-D), then descend.
            let g = grad(w);
            let w_adv = w + rho * g / g.abs();
            w -= lr * grad(w_adv);
            run.step(x.clone(), y.clone());
        }
        let got = run.net.params[0]
            .clone()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()[0] as f64;
        assert!((got - w).abs() < 1e-5, "SAM gave {got}, by hand {w}");
    }
}
