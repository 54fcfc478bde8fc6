//! Classifiers, their optimizers, and the two losses — cross-entropy and ELR — on a burn device.
//!
//! ELR (Liu et al. 2020, eq. 6 and the official code): p = softmax(z) clamped to
//! [1e-4, 1 − 1e-4]; each example keeps a target t_i, updated before the loss at every step
//! it is seen: t_i ← β·t_i + (1 − β)·p̂_i/Σp̂_i (p̂ detached); then
//! L = CE(z, ỹ) + λ·mean log(1 − ⟨t_i, p_i⟩). The regularizer pulls p towards the targets the
//! network itself predicted early, before it memorized the noisy labels.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{log_softmax, softmax};

use crate::mlp;
use crate::optim::{Optimizer, gradients};
use crate::tensors::{int_column, matrix};

/// Probability clamp of the official ELR code.
pub const CLAMP: f32 = 1e-4;

/// Training data and the masks the metrics need, on one device.
pub struct DeviceData {
    pub x: Tensor<2>,
    /// [n, C] one-hot of the noisy labels used for training.
    pub noisy_onehot: Tensor<2>,
    pub true_labels: Tensor<2, Int>,
    pub noisy_labels: Tensor<2, Int>,
    /// [n, 1] 1 where the label was flipped; and its complement.
    pub mislabeled: Tensor<2>,
    pub clean: Tensor<2>,
    pub x_test: Tensor<2>,
    pub test_labels: Tensor<2, Int>,
    pub n: usize,
    pub classes: usize,
}

impl DeviceData {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        x: &[f32],
        true_labels: &[usize],
        noisy: &[usize],
        x_test: &[f32],
        test_labels: &[usize],
        dim: usize,
        classes: usize,
        device: &Device,
    ) -> Self {
        let n = true_labels.len();
        let mut onehot = vec![0f32; n * classes];
        for (i, y) in noisy.iter().enumerate() {
            onehot[i * classes + y] = 1.0;
        }
        let mis: Vec<f32> = true_labels
            .iter()
            .zip(noisy)
            .map(|(a, b)| if a != b { 1.0 } else { 0.0 })
            .collect();
        let clean: Vec<f32> = mis.iter().map(|m| 1.0 - m).collect();
        Self {
            x: matrix(x, n, dim, device),
            noisy_onehot: matrix(&onehot, n, classes, device),
            true_labels: int_column(true_labels, device),
            noisy_labels: int_column(noisy, device),
            mislabeled: matrix(&mis, n, 1, device),
            clean: matrix(&clean, n, 1, device),
            x_test: matrix(x_test, test_labels.len(), dim, device),
            test_labels: int_column(test_labels, device),
            n,
            classes,
        }
    }
}

/// Weights of a linear classifier (hidden = 0) or a one-hidden-layer ReLU MLP.
#[derive(Clone)]
pub struct Classifier(pub Vec<Tensor<2>>);

impl Classifier {
    /// Linear: W = 0, b = 0 (the paper's toy). MLP: He-initialised first layer, small output.
    pub fn new(dim: usize, classes: usize, hidden: usize, seed: u64, device: &Device) -> Self {
        if hidden == 0 {
            return Classifier(vec![
                Tensor::zeros([dim, classes], device),
                Tensor::zeros([1, classes], device),
            ]);
        }
        Classifier(mlp::init(dim, hidden, classes, seed, device))
    }

    pub fn logits_with(params: &[Tensor<2>], x: Tensor<2>) -> Tensor<2> {
        match params {
            [w, b] => x.matmul(w.clone()) + b.clone(),
            _ => mlp::forward(params, x),
        }
    }

    pub fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        Self::logits_with(&self.0, x)
    }
}

/// ELR's per-example target average and strength.
pub struct Elr {
    pub lambda: f32,
    pub beta: f32,
    /// [n, C] targets t_i, zeros at the start.
    pub targets: Tensor<2>,
}

/// Cross-entropy of `logits` against one-hot labels, averaged over examples.
pub fn cross_entropy(logits: Tensor<2>, onehot: Tensor<2>) -> Tensor<1> {
    (log_softmax(logits, 1) * onehot).sum_dim(1).mean().neg()
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

/// One run of the comparison: a classifier, its optimizer, and ELR or not.
pub struct Run {
    pub classifier: Classifier,
    pub optimizer: Optimizer,
    pub elr: Option<Elr>,
}

impl Run {
    /// One step on the whole training set (`batch` = None) or on the given, distinct example
    /// indices; gradients by autodiff.
    pub fn step(&mut self, d: &DeviceData, batch: Option<&Tensor<1, Int>>) {
        let (x, onehot) = match batch {
            None => (d.x.clone(), d.noisy_onehot.clone()),
            Some(idx) => (
                d.x.clone().select(0, idx.clone()),
                d.noisy_onehot.clone().select(0, idx.clone()),
            ),
        };
        let elr = &mut self.elr;
        let g = gradients(&self.classifier.0, |params| {
            let logits = Classifier::logits_with(params, x);
            let mut loss = cross_entropy(logits.clone(), onehot);
            if let Some(elr) = elr {
                let probs = clamped_probs(logits);
                // Targets first, from the detached predictions, as the official code does;
                // only the examples in the batch are updated.
                let p_hat = probs.clone().without_autodiff();
                let normalised = p_hat.clone() / p_hat.sum_dim(1);
                let old = match batch {
                    None => elr.targets.clone(),
                    Some(idx) => elr.targets.clone().select(0, idx.clone()),
                };
                let new = old.clone().mul_scalar(elr.beta) + normalised.mul_scalar(1.0 - elr.beta);
                elr.targets = match batch {
                    None => new.clone(),
                    Some(idx) => elr.targets.clone().select_assign(
                        0,
                        idx.clone(),
                        new.clone() - old,
                        IndexingUpdateOp::Add,
                    ),
                };
                loss = loss + elr_penalty(probs, new, elr.lambda);
            }
            loss
        });
        let params = std::mem::take(&mut self.classifier.0);
        self.classifier = Classifier(self.optimizer.update(params, g));
    }

    /// [mislabeled → true, mislabeled → noisy label (memorized), mislabeled → other,
    ///  clean-train accuracy, test accuracy, mean ⟨t, p⟩ (0 without ELR)].
    pub fn metrics(&self, d: &DeviceData) -> Tensor<1> {
        let logits = self.classifier.logits(d.x.clone());
        let pred = logits.clone().argmax(1);
        let as_true = pred.clone().equal(d.true_labels.clone()).float();
        let as_noisy = pred.equal(d.noisy_labels.clone()).float();
        let mis_count = d.mislabeled.clone().sum().clamp_min(1.0);
        let frac = |hits: Tensor<2>, mask: &Tensor<2>, count: Tensor<1>| {
            (hits * mask.clone()).sum() / count
        };
        let to_true = frac(as_true.clone(), &d.mislabeled, mis_count.clone());
        let memorized = frac(as_noisy, &d.mislabeled, mis_count);
        let other = to_true.clone().neg().add_scalar(1.0) - memorized.clone();
        let clean_count = d.clean.clone().sum().clamp_min(1.0);
        let clean_acc = frac(as_true, &d.clean, clean_count);
        let test_pred = self.classifier.logits(d.x_test.clone()).argmax(1);
        let test_acc = test_pred.equal(d.test_labels.clone()).float().mean();
        let agreement = match &self.elr {
            Some(elr) => (elr.targets.clone() * clamped_probs(logits))
                .sum_dim(1)
                .mean(),
            None => Tensor::zeros([1], &logits.device()),
        };
        Tensor::cat(
            vec![to_true, memorized, other, clean_acc, test_acc, agreement],
            0,
        )
    }

    /// Predicted class of each row of `x`, [rows, 1].
    pub fn predict(&self, x: Tensor<2>) -> Tensor<2, Int> {
        self.classifier.logits(x).argmax(1)
    }
}

/// Names of [`Run::metrics`], in order.
pub const METRICS: [&str; 6] = [
    "mislabeled_true",
    "memorized",
    "mislabeled_other",
    "clean_train_accuracy",
    "test_accuracy",
    "target_agreement",
];
