//! The UCI optical-recognition handwritten digits (8×8, 1 797 images, CC BY 4.0), shipped in
//! the crate: the build unpacks and checks them (see `build.rs`).

use rand::seq::SliceRandom;

use crate::rng::{Stream, rng};

/// One byte per pixel (0–16), then the label, per image.
static DIGITS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/digits.bin"));
pub const DIGIT_PIXELS: usize = 64;
pub const DIGIT_CLASSES: usize = 10;

/// Labelled examples, row-major features: the digits (pixels in [0, 1]) and the other
/// classification sets.
#[derive(Debug, Clone, Default)]
pub struct Labeled {
    pub x: Vec<f32>,
    pub labels: Vec<usize>,
}

impl Labeled {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Pixels of image `i`.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.x[i * DIGIT_PIXELS..(i + 1) * DIGIT_PIXELS]
    }
}

/// The digits, shuffled by the seed, cut into (train, test) with `n_test` test images (at
/// most half of them).
pub fn split(seed: u64, n_test: usize) -> (Labeled, Labeled) {
    let rows: Vec<&[u8]> = DIGITS.chunks(DIGIT_PIXELS + 1).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.shuffle(&mut rng(seed, Stream::DigitsShuffle));
    let make = |idx: &[usize]| Labeled {
        x: idx
            .iter()
            .flat_map(|i| rows[*i][..DIGIT_PIXELS].iter().map(|p| *p as f32 / 16.0))
            .collect(),
        labels: idx
            .iter()
            .map(|i| rows[*i][DIGIT_PIXELS] as usize)
            .collect(),
    };
    let (test, train) = order.split_at(n_test.min(rows.len() / 2));
    (make(train), make(test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_ship_and_split() {
        let (train, test) = split(0, 500);
        assert_eq!(train.len() + test.len(), 1797);
        assert_eq!(test.len(), 500);
        assert!(train.x.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(train.labels.iter().all(|y| *y < DIGIT_CLASSES));
        assert_eq!(train.image(3).len(), DIGIT_PIXELS);
    }
}
