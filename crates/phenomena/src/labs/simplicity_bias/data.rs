//! The three simplicity-bias data sets (docs/science.md, simplicity bias).
//!
//! - LMS (Shah et al. 2020): one linear coordinate and d − 1 slab coordinates that separate the
//!   classes with the same margin; networks use the linear one and ignore the slabs.
//! - The patch model of the USEFUL paper (Nguyen et al. 2024): a fast-learnable feature present
//!   with probability α, a slow-learnable one always, and noise patches orthogonal to both.
//! - Digit dominoes: an easy digit (0 vs 1) joined to a hard one (3 vs 5) in one input (drawn
//!   side by side), both agreeing with the label.
//!
//! Labels are y ∈ {0, 1}; models output one logit, trained with the logistic loss.

use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};

use crate::digits::{self, DIGIT_PIXELS, Labeled};
use crate::rng::{Stream, rng_indexed, uniform};

/// A labelled set with row-major features and, for the patch model, which examples carry the
/// fast feature.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub has_fast: Vec<bool>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.y.len()
    }
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// Test sets: as drawn, with the simple feature randomized (S), and with every other feature
/// randomized (Sᶜ), by permutation across examples.
#[derive(Debug, Clone, Default)]
pub struct TestSets {
    pub standard: Split,
    pub s_randomized: Split,
    pub sc_randomized: Split,
}

#[derive(Debug, Clone)]
pub struct Data {
    pub dim: usize,
    pub train: Split,
    pub test: TestSets,
    /// Held out from the training distribution, a fifth the size of the test set, for choices
    /// that must not see the test set (the greedy soup's); drawn like the test set from
    /// sub-stream 1 of its streams.
    pub validation: Split,
}

/// Size of the validation set for a test set of `n_test` examples.
fn validation_size(n_test: usize) -> usize {
    n_test.div_ceil(5)
}

/// Permutes the given feature columns across rows (one permutation for the whole block).
fn permute_columns(split: &Split, dim: usize, columns: &[usize], seed: u64, block: u64) -> Split {
    let mut order: Vec<usize> = (0..split.len()).collect();
    order.shuffle(&mut rng_indexed(seed, Stream::TestPermutation, block));
    let mut out = split.clone();
    for (i, src) in order.iter().enumerate() {
        for c in columns {
            out.x[i * dim + c] = split.x[src * dim + c];
        }
    }
    out
}

fn with_randomized(standard: Split, dim: usize, simple: &[usize], seed: u64) -> TestSets {
    let rest: Vec<usize> = (0..dim).filter(|c| !simple.contains(c)).collect();
    TestSets {
        s_randomized: permute_columns(&standard, dim, simple, seed, 0),
        sc_randomized: permute_columns(&standard, dim, &rest, seed, 1),
        standard,
    }
}

/// One LMS example coordinate for a slab: `slabs` = 5 is Shah et al.'s LMS-5, 3 drops the
/// outer slabs. Slab width 0.24; y = 1 at ±[0.32, 0.56]; y = 0 at [−0.12, 0.12] or ±[0.76, 1].
fn slab(y: bool, slabs: usize, r: &mut rand_chacha::ChaCha8Rng) -> f32 {
    let sign = if uniform(r) < 0.5 { -1.0 } else { 1.0 };
    let u = uniform(r);
    let v = if y {
        0.32 + 0.24 * u
    } else if slabs >= 5 && uniform(r) >= 0.75 {
        0.76 + 0.24 * u
    } else {
        0.12 * u
    };
    (sign * v) as f32
}

/// LMS data in `dim` dimensions: coordinate 0 is linear, s·(0.1 + 0.9u) with s = ±1 from y.
pub fn lms(seed: u64, dim: usize, slabs: usize, n_train: usize, n_test: usize) -> Data {
    let make = |count: usize, stream: Stream, sub: u64| {
        let mut r = rng_indexed(seed, stream, sub);
        let mut split = Split::default();
        for _ in 0..count {
            let y = uniform(&mut r) < 0.5;
            let s = if y { 1.0 } else { -1.0 };
            split.x.push((s * (0.1 + 0.9 * uniform(&mut r))) as f32);
            for _ in 1..dim {
                split.x.push(slab(y, slabs, &mut r));
            }
            split.y.push(if y { 1.0 } else { 0.0 });
            split.has_fast.push(true);
        }
        split
    };
    Data {
        dim,
        train: make(n_train, Stream::TrainInputs, 0),
        test: with_randomized(make(n_test, Stream::TestInputs, 0), dim, &[0], seed),
        validation: make(validation_size(n_test), Stream::TestInputs, 1),
    }
}

/// Shape of the patch model.
#[derive(Debug, Clone, Copy)]
pub struct PatchModel {
    pub patches: usize,
    pub dim: usize,
    pub beta_fast: f64,
    pub beta_slow: f64,
    /// Probability that an example carries the fast feature.
    pub alpha: f64,
    pub noise: f64,
}

/// Patch data: patch 0 holds β_e·s·v_e (or noise when the fast feature is absent), patch 1
/// holds β_d·s·v_d, the others noise; v_e = e₀ and v_d = e₁, noise lives in the remaining
/// coordinates, so it is orthogonal to both features.
pub fn patches(seed: u64, m: PatchModel, n_train: usize, n_test: usize) -> Data {
    let dim = m.patches * m.dim;
    let make = |count: usize, stream: Stream, noise_stream: Stream, sub: u64| {
        let mut r = rng_indexed(seed, stream, sub);
        let mut nr = rng_indexed(seed, noise_stream, sub);
        let normal = Normal::new(0.0, m.noise).expect("noise std is positive");
        let mut split = Split::default();
        for _ in 0..count {
            let y = uniform(&mut r) < 0.5;
            let s = if y { 1.0 } else { -1.0 };
            let fast = uniform(&mut r) < m.alpha;
            for p in 0..m.patches {
                for j in 0..m.dim {
                    // Coordinates 0 and 1 are the feature directions v_e and v_d; noise
                    // only ever fills the others.
                    let v = match p {
                        0 if fast => {
                            if j == 0 {
                                m.beta_fast * s
                            } else {
                                0.0
                            }
                        }
                        1 => {
                            if j == 1 {
                                m.beta_slow * s
                            } else {
                                0.0
                            }
                        }
                        _ if j < 2 => 0.0,
                        _ => normal.sample(&mut nr),
                    };
                    split.x.push(v as f32);
                }
            }
            split.y.push(if y { 1.0 } else { 0.0 });
            split.has_fast.push(fast);
        }
        split
    };
    let train = make(n_train, Stream::TrainLabels, Stream::TrainInputs, 0);
    let standard = make(n_test, Stream::TestLabels, Stream::TestInputs, 0);
    let validation = make(
        validation_size(n_test),
        Stream::TestLabels,
        Stream::TestInputs,
        1,
    );
    // S = the fast feature's coordinate; everything else is Sᶜ.
    Data {
        dim,
        train,
        test: with_randomized(standard, dim, &[0], seed),
        validation,
    }
}

/// Pixels per domino: the easy digit's 8×8 over the hard digit's 8×8.
pub const DOMINO_PIXELS: usize = 2 * DIGIT_PIXELS;

/// Dominoes: top half an easy pair (0 vs 1), bottom half a hard pair (3 vs 5); in training
/// both halves agree with the label. Test images come from held-out digits.
pub fn dominoes(seed: u64, n_train: usize, n_test: usize) -> Data {
    let (digits_train, digits_test) = digits::split(seed, 600);
    let pool = |split: &Labeled, class: usize| -> Vec<Vec<f32>> {
        split
            .labels
            .iter()
            .enumerate()
            .filter(|(_, y)| **y == class)
            .map(|(i, _)| split.image(i).to_vec())
            .collect()
    };
    let make = |src: &Labeled, count: usize, stream: Stream, sub: u64| {
        let easy = [pool(src, 0), pool(src, 1)];
        let hard = [pool(src, 3), pool(src, 5)];
        let mut r = rng_indexed(seed, stream, sub);
        let mut split = Split::default();
        let pick = |v: &Vec<Vec<f32>>, r: &mut rand_chacha::ChaCha8Rng| {
            v[((uniform(r) * v.len() as f64) as usize).min(v.len() - 1)].clone()
        };
        for _ in 0..count {
            let y = (uniform(&mut r) < 0.5) as usize;
            split.x.extend(pick(&easy[y], &mut r));
            split.x.extend(pick(&hard[y], &mut r));
            split.y.push(y as f32);
            split.has_fast.push(true);
        }
        split
    };
    let easy_half: Vec<usize> = (0..DIGIT_PIXELS).collect();
    Data {
        dim: DOMINO_PIXELS,
        train: make(&digits_train, n_train, Stream::TrainInputs, 0),
        test: with_randomized(
            make(&digits_test, n_test, Stream::TestInputs, 0),
            DOMINO_PIXELS,
            &easy_half,
            seed,
        ),
        // New pairs of the held-out digits: the UCI set has too few 0, 1, 3 and 5 images to
        // hold out a third group, so a validation domino may reuse a test domino's digit.
        validation: make(&digits_test, validation_size(n_test), Stream::TestInputs, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lms_coordinates_separate_the_classes_with_equal_margins() {
        let d = lms(0, 10, 5, 2000, 10);
        for (i, y) in d.train.y.iter().enumerate() {
            let row = &d.train.x[i * 10..(i + 1) * 10];
            let lin = row[0];
            assert_eq!(lin > 0.0, *y == 1.0);
            assert!(lin.abs() >= 0.1);
            for v in &row[1..] {
                let a = v.abs();
                if *y == 1.0 {
                    assert!((0.32..=0.56).contains(&a), "{a}");
                } else {
                    assert!(a <= 0.12 || a >= 0.76, "{a}");
                }
            }
        }
    }

    #[test]
    fn s_randomization_permutes_only_the_simple_coordinate() {
        let d = lms(1, 6, 5, 10, 200);
        let (a, b) = (&d.test.standard, &d.test.s_randomized);
        for i in 0..200 {
            assert_eq!(a.x[i * 6 + 1..i * 6 + 6], b.x[i * 6 + 1..i * 6 + 6]);
        }
        let mut col_a: Vec<f32> = (0..200).map(|i| a.x[i * 6]).collect();
        let mut col_b: Vec<f32> = (0..200).map(|i| b.x[i * 6]).collect();
        assert_ne!(col_a, col_b);
        col_a.sort_by(f32::total_cmp);
        col_b.sort_by(f32::total_cmp);
        assert_eq!(col_a, col_b, "a permutation, not a redraw");
    }

    #[test]
    fn patch_features_are_orthogonal_to_the_noise() {
        let m = PatchModel {
            patches: 3,
            dim: 20,
            beta_fast: 1.0,
            beta_slow: 0.4,
            alpha: 0.9,
            noise: 0.1,
        };
        let d = patches(0, m, 300, 10);
        for i in 0..300 {
            let x = &d.train.x[i * 60..(i + 1) * 60];
            let s = if d.train.y[i] == 1.0 { 1.0 } else { -1.0 };
            assert_eq!(x[20 + 1], (0.4 * s) as f32, "slow feature always present");
            assert_eq!(x[0] != 0.0, d.train.has_fast[i]);
            // Feature coordinates of noise patches are zero.
            assert_eq!(x[40], 0.0);
            assert_eq!(x[41], 0.0);
        }
        let frac = d.train.has_fast.iter().filter(|f| **f).count() as f64 / 300.0;
        assert!((frac - 0.9).abs() < 0.06);
    }

    #[test]
    fn dominoes_stack_an_easy_and_a_hard_digit() {
        let d = dominoes(0, 100, 50);
        assert_eq!(d.dim, 128);
        assert_eq!(d.train.x.len(), 100 * 128);
        assert_eq!(d.test.s_randomized.len(), 50);
    }
}
