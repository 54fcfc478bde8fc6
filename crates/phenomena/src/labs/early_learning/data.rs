//! Classification data with noisy labels (docs/science.md, early learning): a high-dimensional Gaussian mixture
//! (the ELR paper's theory setting), Gaussian blobs in 2-D (to watch the decision boundary),
//! and the UCI 8×8 handwritten digits (real images). Then some labels are flipped.

use rand_distr::{Distribution, Normal};

use crate::digits::{DIGIT_CLASSES, DIGIT_PIXELS, Labeled};
use crate::rng::{Stream, rng, uniform};

#[derive(Debug, Clone)]
pub struct Dataset {
    pub dim: usize,
    pub classes: usize,
    pub train: Labeled,
    pub test: Labeled,
}

fn normals(seed: u64, stream: Stream, count: usize) -> Vec<f64> {
    let mut r = rng(seed, stream);
    let n = Normal::new(0.0, 1.0).expect("unit normal");
    (0..count).map(|_| n.sample(&mut r)).collect()
}

fn labels(seed: u64, count: usize, classes: usize, stream: Stream) -> Vec<usize> {
    let mut r = rng(seed, stream);
    (0..count)
        .map(|_| ((uniform(&mut r) * classes as f64) as usize).min(classes - 1))
        .collect()
}

/// C classes with random unit-vector means in R^dim; x = μ_y + N(0, (noise²/dim)·I).
pub fn gaussian_mixture(
    seed: u64,
    classes: usize,
    dim: usize,
    n_train: usize,
    n_test: usize,
    noise: f64,
) -> Dataset {
    let raw = normals(seed, Stream::Teacher, classes * dim);
    let means: Vec<Vec<f64>> = raw
        .chunks(dim)
        .map(|m| {
            let norm = m.iter().map(|v| v * v).sum::<f64>().sqrt();
            m.iter().map(|v| v / norm).collect()
        })
        .collect();
    let std = noise / (dim as f64).sqrt();
    let make = |count: usize, label_stream: Stream, noise_stream: Stream| {
        let labels = labels(seed, count, classes, label_stream);
        let eps = normals(seed, noise_stream, count * dim);
        let x = labels
            .iter()
            .enumerate()
            .flat_map(|(i, y)| {
                let eps = &eps;
                let means = &means;
                (0..dim).map(move |j| (means[*y][j] + std * eps[i * dim + j]) as f32)
            })
            .collect();
        Labeled { x, labels }
    };
    Dataset {
        dim,
        classes,
        train: make(n_train, Stream::TrainLabels, Stream::TrainInputs),
        test: make(n_test, Stream::TestLabels, Stream::TestInputs),
    }
}

/// The centre of class `k`'s blob: on a circle of radius 2, at angle 2πk/C.
pub fn blob_centre(k: usize, classes: usize) -> (f64, f64) {
    let angle = 2.0 * std::f64::consts::PI * k as f64 / classes as f64;
    (2.0 * angle.cos(), 2.0 * angle.sin())
}

/// C Gaussian blobs around [`blob_centre`]s with standard deviation `spread`.
pub fn blobs(seed: u64, classes: usize, n_train: usize, n_test: usize, spread: f64) -> Dataset {
    let make = |count: usize, label_stream: Stream, noise_stream: Stream| {
        let labels = labels(seed, count, classes, label_stream);
        let eps = normals(seed, noise_stream, count * 2);
        let x = labels
            .iter()
            .enumerate()
            .flat_map(|(i, y)| {
                let (cx, cy) = blob_centre(*y, classes);
                [
                    (cx + spread * eps[2 * i]) as f32,
                    (cy + spread * eps[2 * i + 1]) as f32,
                ]
            })
            .collect();
        Labeled { x, labels }
    };
    Dataset {
        dim: 2,
        classes,
        train: make(n_train, Stream::TrainLabels, Stream::TrainInputs),
        test: make(n_test, Stream::TestLabels, Stream::TestInputs),
    }
}

/// The UCI digits: `n_test` test images and the rest for training, shuffled by the seed.
pub fn digits(seed: u64, n_test: usize) -> Dataset {
    let (train, test) = crate::digits::split(seed, n_test);
    Dataset {
        dim: DIGIT_PIXELS,
        classes: DIGIT_CLASSES,
        train,
        test,
    }
}

/// How labels are corrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseKind {
    /// To a uniformly random *other* class (the flipped label is never the true one).
    Symmetric,
    /// Class k → k + 1 (mod C).
    Asymmetric,
}

/// Flips each training label with probability `rate`; returns the noisy labels.
pub fn corrupt(
    labels: &[usize],
    classes: usize,
    rate: f64,
    kind: NoiseKind,
    seed: u64,
) -> Vec<usize> {
    let mut r = rng(seed, Stream::LabelFlips);
    labels
        .iter()
        .map(|y| {
            let flip = uniform(&mut r) < rate;
            let other = ((uniform(&mut r) * (classes - 1) as f64) as usize).min(classes - 2);
            match (flip, kind) {
                (false, _) => *y,
                (true, NoiseKind::Asymmetric) => (y + 1) % classes,
                (true, NoiseKind::Symmetric) => {
                    if other >= *y {
                        other + 1
                    } else {
                        other
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_noise_always_moves_to_another_class_at_the_requested_rate() {
        let clean: Vec<usize> = (0..2000).map(|i| i % 5).collect();
        let noisy = corrupt(&clean, 5, 0.4, NoiseKind::Symmetric, 3);
        let flipped = clean.iter().zip(&noisy).filter(|(a, b)| a != b).count();
        assert!((flipped as f64 / 2000.0 - 0.4).abs() < 0.04, "{flipped}");
        assert!(noisy.iter().all(|y| *y < 5));
        let asym = corrupt(&clean, 5, 1.0, NoiseKind::Asymmetric, 3);
        assert!(clean.iter().zip(&asym).all(|(a, b)| *b == (a + 1) % 5));
    }

    #[test]
    fn mixture_noise_is_three_times_the_signal() {
        let d = gaussian_mixture(0, 5, 600, 200, 10, 3.0);
        let norm: f64 = d.train.x[..600]
            .iter()
            .map(|v| (*v as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((norm - (1.0f64 + 9.0).sqrt()).abs() < 0.5, "{norm}");
    }
}
