//! The data on a burn device, the classifier, and one run of the race: a classifier, its
//! optimizer and its method (`methods.rs`), with what is recorded of it.

use burn::prelude::*;

use super::methods::{Method, Progress, StepBatch, clamped_probs};
use crate::mlp;
use crate::optim::{Optimizer, gradients};
use crate::tensors::{int_column, matrix};

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
}

/// One run of the race: a classifier, its optimizer, and its method.
/// A clone is a fork's starting point: weights, optimizer state and method state.
#[derive(Clone)]
pub struct Run {
    pub classifier: Classifier,
    pub optimizer: Optimizer,
    pub method: Method,
}

impl Run {
    /// One step on the whole training set (`batch` = None) or on the given, distinct example
    /// indices; gradients by autodiff.
    pub fn step(&mut self, d: &DeviceData, batch: Option<&Tensor<1, Int>>, at: Progress) {
        let (x, onehot) = match batch {
            None => (d.x.clone(), d.noisy_onehot.clone()),
            Some(idx) => (
                d.x.clone().select(0, idx.clone()),
                d.noisy_onehot.clone().select(0, idx.clone()),
            ),
        };
        let method = &mut self.method;
        let g = gradients(&self.classifier.0, |params| {
            let b = StepBatch {
                x,
                onehot,
                rows: batch,
            };
            method.loss(params, b, at)
        });
        let params = std::mem::take(&mut self.classifier.0);
        self.classifier = Classifier(self.optimizer.update(params, g));
    }

    /// The logits the trained network gives `x`, as its method evaluates it.
    pub fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.method.eval_logits(&self.classifier.0, x)
    }

    /// [mislabeled → true, mislabeled → noisy label (memorized), mislabeled → other,
    ///  clean-train accuracy, test accuracy, mean ⟨t, p⟩ (0 without ELR)].
    pub fn metrics(&self, d: &DeviceData) -> Tensor<1> {
        let logits = self.logits(d.x.clone());
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
        let test_pred = self.logits(d.x_test.clone()).argmax(1);
        let test_acc = test_pred.equal(d.test_labels.clone()).float().mean();
        let agreement = match self.method.targets() {
            Some(targets) => (targets.clone() * clamped_probs(logits)).sum_dim(1).mean(),
            None => Tensor::zeros([1], &logits.device()),
        };
        Tensor::cat(
            vec![to_true, memorized, other, clean_acc, test_acc, agreement],
            0,
        )
    }

    /// Predicted class of each row of `x`, [rows, 1].
    pub fn predict(&self, x: Tensor<2>) -> Tensor<2, Int> {
        self.logits(x).argmax(1)
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
