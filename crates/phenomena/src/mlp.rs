//! The one-hidden-layer ReLU network the classification labs share, as plain parameter
//! tensors `[w1, b1, w2, b2]` so a lab can differentiate, perturb (SAM) and update them.

use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::rng::{Stream, normal_vec};
use crate::tensors::matrix;

/// He-initialised first layer (N(0, 2/input), from [`Stream::HiddenInit`]), output layer
/// N(0, 1/hidden) (from [`Stream::OutputInit`]), zero biases.
pub fn init(
    input: usize,
    hidden: usize,
    outputs: usize,
    seed: u64,
    device: &Device,
) -> Vec<Tensor<2>> {
    let w1 = normal_vec(
        seed,
        Stream::HiddenInit,
        input * hidden,
        (2.0 / input as f64).sqrt(),
    );
    let w2 = normal_vec(
        seed,
        Stream::OutputInit,
        hidden * outputs,
        (1.0 / hidden as f64).sqrt(),
    );
    vec![
        matrix(&w1, input, hidden, device),
        Tensor::zeros([1, hidden], device),
        matrix(&w2, hidden, outputs, device),
        Tensor::zeros([1, outputs], device),
    ]
}

/// relu(x·w1 + b1)·w2 + b2.
pub fn forward(params: &[Tensor<2>], x: Tensor<2>) -> Tensor<2> {
    head(params, hidden(params, x))
}

/// The hidden layer's output relu(x·w1 + b1), for a caller that changes it before the output
/// layer (dropout).
pub fn hidden(params: &[Tensor<2>], x: Tensor<2>) -> Tensor<2> {
    let [w1, b1, ..] = params else {
        unreachable!("an MLP has four parameter tensors")
    };
    relu(x.matmul(w1.clone()) + b1.clone())
}

/// The output layer h·w2 + b2 on hidden features h.
pub fn head(params: &[Tensor<2>], h: Tensor<2>) -> Tensor<2> {
    let [_, _, w2, b2] = params else {
        unreachable!("an MLP has four parameter tensors")
    };
    h.matmul(w2.clone()) + b2.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_a_hand_checked_forward_pass() {
        let device = Device::flex();
        let params = init(3, 4, 2, 0, &device);
        let dims: Vec<[usize; 2]> = params.iter().map(|p| p.dims()).collect();
        assert_eq!(dims, vec![[3, 4], [1, 4], [4, 2], [1, 2]]);
        // w1 = [[1, −1]], b1 = [0, 0], w2 = [[2], [3]], b2 = [0.5]: x = 2 → relu([2, −2]) → 4.5.
        let t = |v: &[f32], r, c| matrix(v, r, c, &device);
        let params = [
            t(&[1.0, -1.0], 1, 2),
            t(&[0.0, 0.0], 1, 2),
            t(&[2.0, 3.0], 2, 1),
            t(&[0.5], 1, 1),
        ];
        let y = forward(&params, t(&[2.0], 1, 1))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(y, vec![4.5]);
    }
}
