//! The project's seeded randomness: one seed per run, split into independent streams by
//! purpose, so that (say) changing the initial weights never changes the data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// What a random stream seeds. Each purpose has its own ChaCha stream and no stream serves two
/// purposes, so changing one thing (the batch order, a test set's size) never changes another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The random part of the training inputs (with their labels where a data set draws the
    /// two together, example by example).
    TrainInputs = 1,
    /// The teacher: the target weights, the class means.
    Teacher = 2,
    /// Additive noise on regression targets (the frozen-subspace label noise ε).
    TargetNoise = 3,
    /// The linear student's initial weights.
    LinearInit = 4,
    /// The random part of the test inputs (with their labels where drawn together).
    TestInputs = 5,
    /// First-layer weights of a network.
    HiddenInit = 6,
    /// Preference pairs: which responses are compared and which one is chosen.
    PreferencePairs = 7,
    /// Class labels of the training examples, where drawn apart from their inputs.
    TrainLabels = 8,
    /// Which training labels are corrupted, and into what.
    LabelFlips = 9,
    /// The order of the UCI digits before they are cut into training and test sets.
    DigitsShuffle = 10,
    /// Output-layer weights of a network.
    OutputInit = 11,
    /// Class labels of the test examples, where drawn apart from their inputs.
    TestLabels = 12,
    /// First-layer biases of a network.
    HiddenBiasInit = 13,
    /// Mini-batch orders; one sub-stream per pool of examples (see [`rng_indexed`]).
    BatchOrder = 14,
    /// The permutations that randomize features of a test set; one sub-stream per feature
    /// block.
    TestPermutation = 15,
    /// Dropout masks; one sub-stream per run that draws them.
    Dropout = 16,
}

pub fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    rng_indexed(seed, stream, 0)
}

/// Sub-stream `index` of a purpose, for a purpose used more than once in one run (two batch
/// orders, two test permutations). Sub-stream 0 is [`rng`]'s stream.
pub fn rng_indexed(seed: u64, stream: Stream, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64 | (index << 8));
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
        let a = normal_vec(7, Stream::TrainInputs, 4, 1.0);
        assert_eq!(a, normal_vec(7, Stream::TrainInputs, 4, 1.0));
        assert_ne!(a, normal_vec(7, Stream::Teacher, 4, 1.0));
        assert_ne!(a, normal_vec(8, Stream::TrainInputs, 4, 1.0));
        let first = |mut r: ChaCha8Rng| r.random::<u64>();
        assert_eq!(
            first(rng(7, Stream::BatchOrder)),
            first(rng_indexed(7, Stream::BatchOrder, 0))
        );
        assert_ne!(
            first(rng_indexed(7, Stream::BatchOrder, 1)),
            first(rng_indexed(7, Stream::BatchOrder, 0))
        );
        assert_ne!(
            first(rng_indexed(7, Stream::BatchOrder, 1)),
            first(rng_indexed(8, Stream::BatchOrder, 0))
        );
    }
}
