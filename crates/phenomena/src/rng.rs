//! The project's seeded randomness: one seed per run, split into independent streams by
//! purpose, so that (say) changing the initial weights never changes the data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// What a random stream is used for. Each purpose gets its own ChaCha stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Inputs = 1,
    Teacher = 2,
    LabelNoise = 3,
    StudentInit = 4,
    TestInputs = 5,
    NetworkInit = 6,
    Pairs = 7,
    Labels = 8,
    LabelNoise2 = 9,
    Split = 10,
}

pub fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// `count` draws from N(0, std²) as f32, generated in f64 for reproducibility across targets.
pub fn normal_vec(seed: u64, stream: Stream, count: usize, std: f64) -> Vec<f32> {
    let mut r = rng(seed, stream);
    let normal = Normal::new(0.0, 1.0).expect("unit normal");
    (0..count)
        .map(|_| (normal.sample(&mut r) * std) as f32)
        .collect()
}

/// A uniform draw in [0, 1) as f64.
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a = normal_vec(7, Stream::Inputs, 4, 1.0);
        assert_eq!(a, normal_vec(7, Stream::Inputs, 4, 1.0));
        assert_ne!(a, normal_vec(7, Stream::Teacher, 4, 1.0));
        assert_ne!(a, normal_vec(8, Stream::Inputs, 4, 1.0));
    }
}
