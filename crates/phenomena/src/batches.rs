//! Mini-batches drawn without replacement, reshuffled every epoch from a seeded stream.

use burn::prelude::*;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A clone draws the same batches from here on (a fork's).
#[derive(Clone)]
pub struct Batches {
    size: usize,
    order: Vec<usize>,
    cursor: usize,
    rng: ChaCha8Rng,
    device: Device,
}

impl Batches {
    /// Batches of `size` over the example indices `pool` (which may repeat an example, to
    /// upsample it).
    pub fn new(size: usize, pool: Vec<usize>, rng: ChaCha8Rng, device: &Device) -> Self {
        Self {
            size: size.min(pool.len()).max(1),
            // Start past the end so the first call shuffles.
            cursor: pool.len(),
            order: pool,
            rng,
            device: device.clone(),
        }
    }

    /// The next batch's indices.
    pub fn next_batch(&mut self) -> Tensor<1, Int> {
        if self.cursor + self.size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.cursor = 0;
        }
        let idx: Vec<i64> = self.order[self.cursor..self.cursor + self.size]
            .iter()
            .map(|i| *i as i64)
            .collect();
        self.cursor += self.size;
        Tensor::from_data(TensorData::new(idx, [self.size]), &self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, rng};

    #[test]
    fn every_example_appears_once_per_epoch() {
        let mut b = Batches::new(
            4,
            (0..12).collect(),
            rng(0, Stream::BatchOrder),
            &Device::flex(),
        );
        let mut seen: Vec<i64> = (0..3)
            .flat_map(|_| {
                b.next_batch()
                    .into_data()
                    .convert::<i64>()
                    .try_to_vec::<i64>()
                    .unwrap()
            })
            .collect();
        seen.sort();
        assert_eq!(seen, (0..12).collect::<Vec<i64>>());
    }
}
