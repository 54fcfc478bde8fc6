//! Tensor functions the labs share where burn's own op is slow on one backend.

use burn::prelude::*;

/// Where |x| exceeds this, tanh(x) rounds to ±1 in f32 and the rational form below is clamped.
const TANH_CLAMP: f32 = 7.905_311;

/// Numerator coefficients (odd powers x¹ … x¹³) of the rational approximation of tanh that
/// Eigen uses for f32 (`generic_fast_tanh_float`): a few ulp from tanh over all of f32.
const TANH_P: [f32; 7] = [
    4.893_524_5e-3,
    6.372_619_3e-4,
    1.485_722_4e-5,
    5.122_297e-8,
    -8.604_672e-11,
    2.000_188e-13,
    -2.760_768_5e-16,
];
/// Denominator coefficients (even powers x⁰ … x⁶).
const TANH_Q: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];

/// tanh, element-wise. On the flex CPU backend, burn computes tanh one element at a time
/// through libm, which dominated a training step of the frozen-subspace network (two thirds of
/// its time); this evaluates a rational approximation with whole-tensor multiplies and adds,
/// which flex runs with SIMD in place. GPUs have tanh in hardware, so other devices keep
/// burn's op. NaN stays NaN; ±∞ gives ±1.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if x.device() != Device::flex() {
        return x.tanh();
    }
    let x = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let x2 = x.clone() * x.clone();
    let p = horner(&TANH_P, &x2) * x;
    let q = horner(&TANH_Q, &x2);
    p / q
}

/// Σ cᵢ·tⁱ by Horner's rule, highest coefficient last in `coefficients`.
fn horner<const D: usize>(coefficients: &[f32], t: &Tensor<D>) -> Tensor<D> {
    let (last, rest) = coefficients.split_last().expect("at least one coefficient");
    let mut acc = t.clone().mul_scalar(*last).add_scalar(rest[rest.len() - 1]);
    for c in rest[..rest.len() - 1].iter().rev() {
        acc = (acc * t.clone()).add_scalar(*c);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: Tensor<1>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().expect("f32 values")
    }

    #[test]
    fn tanh_matches_libm_within_a_few_ulp_over_the_whole_range() {
        let device = Device::flex();
        let xs: Vec<f32> = (-20_000..=20_000)
            .map(|i| i as f32 * 1e-3)
            .chain([1e-30, -1e-30, 1e-6, 30.0, -30.0, 1e30, -1e30, 0.0, -0.0])
            .collect();
        let fast = values(tanh(Tensor::from_floats(xs.as_slice(), &device)));
        for (x, y) in xs.iter().zip(&fast) {
            let exact = (*x as f64).tanh();
            let err = (*y as f64 - exact).abs();
            assert!(
                err <= 4.0 * f32::EPSILON as f64 * exact.abs().max(1e-30) + 1e-37,
                "tanh({x}) = {y}, exact {exact}, error {err:e}"
            );
        }
    }

    #[test]
    fn tanh_keeps_nan_and_saturates_infinities() {
        let device = Device::flex();
        let y = values(tanh(Tensor::from_floats(
            [f32::NAN, f32::INFINITY, f32::NEG_INFINITY],
            &device,
        )));
        assert!(y[0].is_nan());
        assert_eq!((y[1], y[2]), (1.0, -1.0));
    }
}
