//! The two students, trained by full-batch gradient descent on ½Σ(y − f(x))² on a burn device.
//!
//! - [`LinearStudent`]: ŷ = w·x, the Advani–Saxe setting. Its gradient is written out
//!   (w ← w + η·Xᵀ(y − Xw)), so the update is exactly the one the theory describes.
//! - [`NetworkStudent`]: one hidden tanh layer, ŷ = a·tanh(Wx)/√h — the paper's second half:
//!   a very wide network does not overtrain more. Its backward pass is written out too: it
//!   reuses the forward pass's tanh, which burn's autodiff would compute again (tanh is most
//!   of a step's cost on the CPU); a test checks it against autodiff.
//!
//! - [`LinearSweep`]: many linear students at once — every α of a sweep for several seeds — as
//!   one batched program with a leading run axis, so E_g against α can be watched as it forms.
//!
//! Metrics are computed on the device as small tensors and read back later, together.

use burn::prelude::*;

use super::data::{Dataset, Spectrum, TEST_EXAMPLES};
use crate::ops;
use crate::rng::{Stream, normal_vec};
use crate::tensors::matrix;

/// The problem's tensors, moved to one device once.
pub struct DeviceData {
    pub x: Tensor<2>,
    pub xt: Tensor<2>,
    pub y: Tensor<2>,
    pub teacher: Tensor<2>,
    pub x_test: Tensor<2>,
    pub y_test_clean: Tensor<2>,
    /// [N, rank] orthonormal basis of the input span.
    pub span_basis: Tensor<2>,
    pub n: usize,
    pub p: usize,
    pub noise_var: f32,
}

impl DeviceData {
    pub fn new(data: &Dataset, spectrum: &Spectrum, device: &Device) -> Self {
        let (n, p) = (data.n, data.p);
        let x = matrix(&data.x, p, n, device);
        let basis: Vec<f32> = spectrum
            .basis
            .row_iter()
            .flat_map(|row| row.iter().map(|v| *v as f32).collect::<Vec<_>>())
            .collect();
        Self {
            xt: x.clone().transpose(),
            x,
            y: matrix(&data.y, p, 1, device),
            teacher: matrix(&data.teacher, n, 1, device),
            x_test: matrix(&data.x_test, TEST_EXAMPLES, n, device),
            y_test_clean: matrix(&data.y_test_clean, TEST_EXAMPLES, 1, device),
            span_basis: matrix(&basis, n, spectrum.basis.ncols(), device),
            n,
            p,
            noise_var: data.noise_var as f32,
        }
    }
}

/// Weights `w` after weight decay's share of a step, (1 − ηγ)·w; untouched without decay.
fn shrink<const D: usize>(w: Tensor<D>, lr: f32, decay: f32) -> Tensor<D> {
    if decay > 0.0 {
        w.mul_scalar(1.0 - lr * decay)
    } else {
        w
    }
}

/// Names of the values in [`LinearStudent::metrics`], in order.
pub const LINEAR_METRICS: [&str; 4] = ["E_g", "E_t", "span_norm", "null_norm"];

/// A clone is a fork's starting point.
#[derive(Clone)]
pub struct LinearStudent {
    pub w: Tensor<2>,
    lr: f32,
    /// Weight decay γ (0: none).
    decay: f32,
}

impl LinearStudent {
    /// w_i ~ N(0, σ_w0²) from the linear student's own stream.
    pub fn new(data: &DeviceData, init_std: f64, lr: f64, seed: u64, device: &Device) -> Self {
        let w = normal_vec(seed, Stream::LinearInit, data.n, init_std);
        Self {
            w: matrix(&w, data.n, 1, device),
            lr: lr as f32,
            decay: 0.0,
        }
    }

    /// The same student with weight decay γ on its loss.
    pub fn with_weight_decay(mut self, gamma: f64) -> Self {
        self.decay = gamma as f32;
        self
    }

    /// Goes on at another learning rate (a fork's).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr as f32;
    }

    /// One step of w ← (1 − ηγ)·w + η·Xᵀ(y − Xw): gradient descent on
    /// ½Σ(y − w·x)² + ½γ‖w‖².
    pub fn step(&mut self, d: &DeviceData) {
        let residual = d.y.clone() - d.x.clone().matmul(self.w.clone());
        let kept = shrink(self.w.clone(), self.lr, self.decay);
        self.w = kept + d.xt.clone().matmul(residual).mul_scalar(self.lr);
    }

    /// [E_g, E_t, ‖w on span‖, ‖w on null space‖] for the current weights.
    pub fn metrics(&self, d: &DeviceData) -> Tensor<1> {
        let gen_err = (self.w.clone() - d.teacher.clone())
            .square()
            .sum()
            .div_scalar(d.n as f32)
            .add_scalar(d.noise_var);
        let residual = d.y.clone() - d.x.clone().matmul(self.w.clone());
        let train_err = residual.square().sum().div_scalar(d.p as f32);
        let coords = d.span_basis.clone().transpose().matmul(self.w.clone());
        let span = d.span_basis.clone().matmul(coords.clone());
        let span_norm = coords.square().sum().sqrt();
        let null_norm = (self.w.clone() - span).square().sum().sqrt();
        Tensor::cat(vec![gen_err, train_err, span_norm, null_norm], 0)
    }
}

/// Names of the values in [`NetworkStudent::metrics`], in order.
pub const NETWORK_METRICS: [&str; 2] = ["E_g", "E_t"];

#[derive(Clone)]
pub struct NetworkStudent {
    /// [N, h] input weights, unit-variance entries so each pre-activation is ~N(0, 1).
    w1: Tensor<2>,
    /// [h, 1] output weights.
    a: Tensor<2>,
    hidden: usize,
    lr: f32,
}

impl NetworkStudent {
    /// Output weights start at N(0, σ²/h) with σ = max(σ_w0, 0.1): with σ = 0 a tanh network
    /// would sit at a saddle and never move.
    pub fn new(
        data: &DeviceData,
        hidden: usize,
        init_std: f64,
        lr: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let values = normal_vec(seed, Stream::HiddenInit, data.n * hidden, 1.0);
        let a = normal_vec(seed, Stream::OutputInit, hidden, init_std.max(0.1));
        Self {
            w1: matrix(&values, data.n, hidden, device),
            a: matrix(&a, hidden, 1, device),
            hidden,
            lr: lr as f32,
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.output(self.hidden(x))
    }

    /// tanh(xW), the hidden layer's activations.
    fn hidden(&self, x: Tensor<2>) -> Tensor<2> {
        ops::tanh(x.matmul(self.w1.clone()))
    }

    /// ŷ = hidden·a/√h.
    fn output(&self, hidden: Tensor<2>) -> Tensor<2> {
        hidden
            .matmul(self.a.clone())
            .div_scalar((self.hidden as f32).sqrt())
    }

    /// The gradients of ½Σ(y − f(x))² with respect to W and a:
    /// ∂a = hiddenᵀ·r/√h and ∂W = Xᵀ·((r·aᵀ/√h) ⊙ (1 − hidden²)), where r = ŷ − y.
    fn gradients(&self, d: &DeviceData) -> (Tensor<2>, Tensor<2>) {
        self.gradients_on(d.x.clone(), d.xt.clone(), d.y.clone())
    }

    /// As [`NetworkStudent::gradients`] on the examples `x` ([B, N], with `xt` its transpose)
    /// and targets `y`.
    fn gradients_on(&self, x: Tensor<2>, xt: Tensor<2>, y: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let hidden = self.hidden(x);
        let residual = (self.output(hidden.clone()) - y).div_scalar((self.hidden as f32).sqrt());
        let grad_a = hidden.clone().transpose().matmul(residual.clone());
        let slope = hidden.clone().mul(hidden).neg().add_scalar(1.0);
        let grad_w1 = xt.matmul(residual.matmul(self.a.clone().transpose()) * slope);
        (grad_w1, grad_a)
    }

    fn descend(&mut self, (grad_w1, grad_a): (Tensor<2>, Tensor<2>), lr: f32) {
        self.w1 = self.w1.clone() - grad_w1.mul_scalar(lr);
        self.a = self.a.clone() - grad_a.mul_scalar(lr);
    }

    /// One full-batch gradient step on ½Σ(y − f(x))².
    pub fn step(&mut self, d: &DeviceData) {
        let grads = self.gradients(d);
        self.descend(grads, self.lr);
    }

    /// One stochastic gradient step on the examples `batch` of `d`: the batch's gradient
    /// scaled by P/B, an unbiased estimate of the full-batch one, so a step of any batch size
    /// moves as far on average and only its noise differs.
    pub fn step_on(&mut self, d: &DeviceData, batch: Tensor<1, Int>) {
        let size = batch.dims()[0];
        let x = d.x.clone().select(0, batch.clone());
        let grads = self.gradients_on(x.clone(), x.transpose(), d.y.clone().select(0, batch));
        self.descend(grads, self.lr * d.p as f32 / size as f32);
    }

    /// [E_g (held-out estimate), E_t].
    pub fn metrics(&self, d: &DeviceData) -> Tensor<1> {
        let test_out = self.forward(d.x_test.clone());
        let gen_err = (test_out - d.y_test_clean.clone())
            .square()
            .sum()
            .div_scalar(TEST_EXAMPLES as f32)
            .add_scalar(d.noise_var);
        let train_out = self.forward(d.x.clone());
        let train_err = (train_out - d.y.clone())
            .square()
            .sum()
            .div_scalar(d.p as f32);
        Tensor::cat(vec![gen_err, train_err], 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::frozen_subspace::data::Dataset;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().expect("f32 values")
    }

    /// The written-out backward pass agrees with burn's autodiff (with burn's own tanh).
    #[test]
    fn network_gradients_match_autodiff() {
        let device = Device::flex();
        let data = Dataset::generate(7, 60, 40, 5.0);
        let spectrum = data.spectrum();
        let d = DeviceData::new(&data, &spectrum, &device);
        let student = NetworkStudent::new(&d, 32, 1.0, 0.1, 7, &device);

        let w1 = student.w1.clone().autodiff().require_grad();
        let a = student.a.clone().autodiff().require_grad();
        let out =
            d.x.clone()
                .matmul(w1.clone())
                .tanh()
                .matmul(a.clone())
                .div_scalar((32f32).sqrt());
        let grads = (out - d.y.clone())
            .square()
            .sum()
            .mul_scalar(0.5)
            .backward();
        let expected_w1 = values(w1.grad(&grads).unwrap().without_autodiff());
        let expected_a = values(a.grad(&grads).unwrap().without_autodiff());

        let (grad_w1, grad_a) = student.gradients(&d);
        for (expected, got) in [(expected_w1, values(grad_w1)), (expected_a, values(grad_a))] {
            let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(scale > 0.0);
            for (e, g) in expected.iter().zip(&got) {
                assert!(
                    (e - g).abs() <= 1e-5 * scale,
                    "autodiff {e} vs written-out {g}"
                );
            }
        }
    }
}

/// Linear students for many (α, seed) pairs trained as one batch: `X` is `[runs, P_max, N]`
/// with each run's examples in its first `P` rows and zeros below, so the padding adds
/// nothing to Xᵀ(y − Xw) and each run takes exactly its own gradient step.
#[derive(Clone)]
pub struct LinearSweep {
    x: Tensor<3>,
    xt: Tensor<3>,
    y: Tensor<3>,
    teacher: Tensor<3>,
    /// `[runs, N, 1]`
    w: Tensor<3>,
    n: usize,
    noise_var: f32,
    lr: f32,
    /// Weight decay γ (0: none).
    decay: f32,
}

/// One run of a sweep: its data set's seed and number of examples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepRun {
    pub seed: u64,
    pub p: usize,
}

impl LinearSweep {
    /// `datasets[k]` is seed k's data with at least as many examples as any run of that seed
    /// uses; a run with `p` examples takes its first `p` rows, which are exactly the examples
    /// [`Dataset::generate`] would draw for `p` (every stream is read from its start).
    pub fn new(
        runs: &[SweepRun],
        datasets: &[(u64, Dataset)],
        init_std: f64,
        lr: f64,
        device: &Device,
    ) -> Self {
        let n = datasets[0].1.n;
        let p_max = runs.iter().map(|r| r.p).max().unwrap_or(1);
        let mut x = vec![0f32; runs.len() * p_max * n];
        let mut y = vec![0f32; runs.len() * p_max];
        let mut teacher = Vec::with_capacity(runs.len() * n);
        let mut w = Vec::with_capacity(runs.len() * n);
        for (r, run) in runs.iter().enumerate() {
            let (_, data) = datasets
                .iter()
                .find(|(seed, _)| *seed == run.seed)
                .expect("a data set for every seed of the sweep");
            assert!(
                run.p <= data.p,
                "a sweep run uses more examples than were drawn"
            );
            x[r * p_max * n..][..run.p * n].copy_from_slice(&data.x[..run.p * n]);
            y[r * p_max..][..run.p].copy_from_slice(&data.y[..run.p]);
            teacher.extend_from_slice(&data.teacher);
            w.extend(normal_vec(run.seed, Stream::LinearInit, n, init_std));
        }
        let tensor = |values: Vec<f32>, rows: usize, cols: usize| {
            Tensor::<3>::from_data(TensorData::new(values, [runs.len(), rows, cols]), device)
        };
        let x = tensor(x, p_max, n);
        Self {
            xt: x.clone().swap_dims(1, 2),
            x,
            y: tensor(y, p_max, 1),
            teacher: tensor(teacher, n, 1),
            w: tensor(w, n, 1),
            n,
            noise_var: datasets[0].1.noise_var as f32,
            lr: lr as f32,
            decay: 0.0,
        }
    }

    /// The same runs with weight decay γ on their loss.
    pub fn with_weight_decay(mut self, gamma: f64) -> Self {
        self.decay = gamma as f32;
        self
    }

    /// One gradient step of every run: w ← (1 − ηγ)·w + η·Xᵀ(y − Xw).
    pub fn step(&mut self) {
        let residual = self.y.clone() - self.x.clone().matmul(self.w.clone());
        let kept = shrink(self.w.clone(), self.lr, self.decay);
        self.w = kept + self.xt.clone().matmul(residual).mul_scalar(self.lr);
    }

    /// `[runs, 1]`: each run's E_g = ‖w − w̄‖²/N + σ_ε².
    pub fn generalization_errors(&self) -> Tensor<2> {
        let runs = self.w.dims()[0];
        (self.w.clone() - self.teacher.clone())
            .square()
            .sum_dim(1)
            .reshape([runs, 1])
            .div_scalar(self.n as f32)
            .add_scalar(self.noise_var)
    }
}
