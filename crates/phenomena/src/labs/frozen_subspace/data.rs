//! The teacher–student regression problem of Advani & Saxe (2020; docs/science.md).
//!
//! x ∈ R^N with x_i ~ N(0, 1/N); teacher y = w̄·x + ε, w̄_i ~ N(0, σ_w̄²), ε ~ N(0, σ_ε²).
//! Everything is drawn on the CPU from the seeded streams, then moved to a device, so one
//! seed gives the same problem on every backend.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::rng::{Stream, normal_vec};

/// Size of the held-out set used to measure the network student's generalization error.
pub const TEST_EXAMPLES: usize = 1000;

#[derive(Debug, Clone)]
pub struct Dataset {
    pub n: usize,
    pub p: usize,
    /// Row-major [P, N].
    pub x: Vec<f32>,
    /// [P]
    pub y: Vec<f32>,
    /// [N]
    pub teacher: Vec<f32>,
    /// Row-major [TEST_EXAMPLES, N], and the teacher's noiseless outputs on it.
    pub x_test: Vec<f32>,
    pub y_test_clean: Vec<f32>,
    pub teacher_var: f64,
    pub noise_var: f64,
}

impl Dataset {
    /// σ_w̄² is fixed to 1, so the signal-to-noise ratio sets σ_ε² = 1/SNR.
    pub fn generate(seed: u64, n: usize, p: usize, snr: f64) -> Self {
        let teacher_var = 1.0;
        let noise_var = teacher_var / snr;
        let input_std = (1.0 / n as f64).sqrt();
        let x = normal_vec(seed, Stream::TrainInputs, p * n, input_std);
        let teacher = normal_vec(seed, Stream::Teacher, n, teacher_var.sqrt());
        let noise = normal_vec(seed, Stream::TargetNoise, p, noise_var.sqrt());
        let x_test = normal_vec(seed, Stream::TestInputs, TEST_EXAMPLES * n, input_std);
        let y = matvec(&x, &teacher, n)
            .zip(noise)
            .map(|(clean, e)| clean + e)
            .collect();
        let y_test_clean = matvec(&x_test, &teacher, n).collect();
        Self {
            n,
            p,
            x,
            y,
            teacher,
            x_test,
            y_test_clean,
            teacher_var,
            noise_var,
        }
    }

    fn x_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_iterator(self.p, self.n, self.x.iter().map(|v| *v as f64))
    }

    /// The data's geometry: nonzero eigenvalues of XᵀX and an orthonormal basis of the span of
    /// the inputs (the row space of X). Gradient descent moves w only inside that span.
    pub fn spectrum(&self) -> Spectrum {
        let x = self.x_matrix();
        // Decompose the smaller Gram matrix: XXᵀ (P×P) when P ≤ N, XᵀX (N×N) otherwise.
        if self.p <= self.n {
            let eig = SymmetricEigen::new(&x * x.transpose());
            let scale = eig.eigenvalues.amax().max(1e-300);
            let mut eigenvalues = Vec::new();
            let mut columns = Vec::new();
            for (i, &lambda) in eig.eigenvalues.iter().enumerate() {
                if lambda > 1e-10 * scale {
                    // v = Xᵀu/√λ is a unit eigenvector of XᵀX with the same eigenvalue.
                    let v = x.transpose() * eig.eigenvectors.column(i) / lambda.sqrt();
                    eigenvalues.push(lambda);
                    columns.push(v);
                }
            }
            Spectrum {
                eigenvalues,
                basis: DMatrix::from_columns(&columns),
                zero_count: self.n - columns.len(),
            }
        } else {
            let eig = SymmetricEigen::new(x.transpose() * &x);
            let eigenvalues: Vec<f64> = eig.eigenvalues.iter().copied().collect();
            Spectrum {
                eigenvalues,
                basis: eig.eigenvectors,
                zero_count: 0,
            }
        }
    }
}

/// Rows of a row-major matrix times a vector.
fn matvec<'a>(m: &'a [f32], v: &'a [f32], cols: usize) -> impl Iterator<Item = f32> + 'a {
    m.chunks(cols).map(move |row| {
        row.iter()
            .zip(v)
            .map(|(a, b)| *a as f64 * *b as f64)
            .sum::<f64>() as f32
    })
}

/// Eigen-structure of XᵀX.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// The nonzero eigenvalues.
    pub eigenvalues: Vec<f64>,
    /// [N, rank]: orthonormal columns spanning the inputs.
    pub basis: DMatrix<f64>,
    /// N − rank: the dimension of the frozen (null) subspace.
    pub zero_count: usize,
}

impl Spectrum {
    /// Splits w into its norm inside the data span and the norm of its null-space part.
    pub fn split_norms(&self, w: &[f32]) -> (f64, f64) {
        let (span, null) = self.split(w);
        (span.norm(), null.norm())
    }

    /// (projection on the span, null-space component) of w.
    pub fn split(&self, w: &[f32]) -> (nalgebra::DVector<f64>, nalgebra::DVector<f64>) {
        let w = nalgebra::DVector::from_iterator(w.len(), w.iter().map(|v| *v as f64));
        let coords = self.basis.transpose() * &w;
        let span = &self.basis * coords;
        let null = &w - &span;
        (span, null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_space_has_dimension_n_minus_p_when_alpha_below_one() {
        let d = Dataset::generate(0, 40, 20, 5.0);
        let s = d.spectrum();
        assert_eq!(s.zero_count, 20);
        assert_eq!(s.eigenvalues.len(), 20);
    }

    #[test]
    fn inputs_have_variance_one_over_n() {
        let d = Dataset::generate(1, 100, 400, 5.0);
        let mean_sq: f64 = d.x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / d.x.len() as f64;
        assert!((mean_sq * 100.0 - 1.0).abs() < 0.02, "{mean_sq}");
    }

    #[test]
    fn the_split_is_orthogonal_and_complete() {
        let d = Dataset::generate(2, 30, 12, 5.0);
        let s = d.spectrum();
        let w: Vec<f32> = (0..30).map(|i| (i as f32).sin()).collect();
        let (span, null) = s.split(&w);
        assert!(span.dot(&null).abs() < 1e-9);
        let total: f64 = w.iter().map(|v| (*v as f64).powi(2)).sum();
        assert!((span.norm_squared() + null.norm_squared() - total).abs() < 1e-6);
        // The null part is orthogonal to every input.
        for row in d.x.chunks(30) {
            let dot: f64 = row
                .iter()
                .zip(null.iter())
                .map(|(a, b)| *a as f64 * b)
                .sum();
            assert!(dot.abs() < 1e-6);
        }
    }
}
