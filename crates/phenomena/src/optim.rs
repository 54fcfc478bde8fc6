//! Optimizers over plain parameter tensors, and gradients by autodiff.

use burn::prelude::*;

/// Plain gradient descent or Adam (Kingma & Ba 2015; β₁ = 0.9, β₂ = 0.999, ε = 1e-8, with
/// bias correction). A clone carries the moments, so a forked run goes on where its base was.
#[derive(Clone)]
pub enum Optimizer {
    Gd {
        lr: f32,
    },
    Adam {
        lr: f32,
        m: Vec<Tensor<2>>,
        v: Vec<Tensor<2>>,
        t: i32,
    },
}

impl Optimizer {
    pub fn gd(lr: f32) -> Self {
        Optimizer::Gd { lr }
    }

    pub fn adam(lr: f32) -> Self {
        Optimizer::Adam {
            lr,
            m: Vec::new(),
            v: Vec::new(),
            t: 0,
        }
    }

    /// The schema's `optimizer` choice: 0 is gradient descent, 1 Adam.
    pub fn from_choice(choice: usize, lr: f32) -> Self {
        match choice {
            0 => Self::gd(lr),
            _ => Self::adam(lr),
        }
    }

    /// Goes on at another learning rate, keeping the state (a fork's new learning rate).
    pub fn set_lr(&mut self, new: f32) {
        match self {
            Optimizer::Gd { lr } | Optimizer::Adam { lr, .. } => *lr = new,
        }
    }

    /// The parameters after one step along `grads`.
    pub fn update(&mut self, params: Vec<Tensor<2>>, grads: Vec<Tensor<2>>) -> Vec<Tensor<2>> {
        match self {
            Optimizer::Gd { lr } => params
                .into_iter()
                .zip(grads)
                .map(|(p, g)| p - g.mul_scalar(*lr))
                .collect(),
            Optimizer::Adam { lr, m, v, t } => {
                *t += 1;
                if m.is_empty() {
                    *m = grads.iter().map(|g| g.zeros_like()).collect();
                    *v = grads.iter().map(|g| g.zeros_like()).collect();
                }
                let (b1, b2) = (0.9f32, 0.999f32);
                let c1 = 1.0 - b1.powi(*t);
                let c2 = 1.0 - b2.powi(*t);
                let mut out = Vec::with_capacity(params.len());
                for (i, (p, g)) in params.into_iter().zip(grads).enumerate() {
                    m[i] = m[i].clone().mul_scalar(b1) + g.clone().mul_scalar(1.0 - b1);
                    v[i] = v[i].clone().mul_scalar(b2) + g.square().mul_scalar(1.0 - b2);
                    let step = m[i].clone().div_scalar(c1)
                        / (v[i].clone().div_scalar(c2).sqrt().add_scalar(1e-8));
                    out.push(p - step.mul_scalar(*lr));
                }
                out
            }
        }
    }
}

/// Gradients of `loss(params)` with respect to every parameter (zeros for one the loss does
/// not use), by autodiff.
pub fn gradients(
    params: &[Tensor<2>],
    loss: impl FnOnce(&[Tensor<2>]) -> Tensor<1>,
) -> Vec<Tensor<2>> {
    let tracked: Vec<Tensor<2>> = params
        .iter()
        .map(|p| p.clone().autodiff().require_grad())
        .collect();
    let grads = loss(&tracked).backward();
    tracked
        .iter()
        .map(|p| {
            p.grad(&grads)
                .map(|g| g.without_autodiff())
                .unwrap_or_else(|| p.clone().without_autodiff().zeros_like())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(v: f32) -> Tensor<2> {
        Tensor::from_data(TensorData::new(vec![v], [1, 1]), &Device::flex())
    }

    fn value(t: &Tensor<2>) -> f64 {
        t.clone().into_data().try_to_vec::<f32>().unwrap()[0] as f64
    }

    /// Two Adam steps on one weight, by hand: m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g²,
    /// w ← w − η·(m_t/(1−β₁ᵗ)) / (√(v_t/(1−β₂ᵗ)) + ε).
    #[test]
    fn adam_matches_two_hand_computed_steps() {
        let (lr, b1, b2, eps) = (0.1f64, 0.9f64, 0.999f64, 1e-8f64);
        let mut adam = Optimizer::adam(lr as f32);
        let mut w = vec![scalar(1.0)];
        let (mut hw, mut m, mut v) = (1.0f64, 0.0f64, 0.0f64);
        for (t, g) in [(1, 0.5f64), (2, -2.0)] {
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            let step = (m / (1.0 - b1.powi(t))) / ((v / (1.0 - b2.powi(t))).sqrt() + eps);
            hw -= lr * step;
            w = adam.update(w, vec![scalar(g as f32)]);
            assert!(
                (value(&w[0]) - hw).abs() < 1e-6,
                "step {t}: {} vs {hw}",
                value(&w[0])
            );
        }
    }

    #[test]
    fn adams_first_step_moves_by_the_learning_rate_whatever_the_gradient() {
        for g in [1e-3f32, 0.5, 40.0] {
            let w = Optimizer::adam(0.1).update(vec![scalar(1.0)], vec![scalar(g)]);
            assert!(
                (value(&w[0]) - 0.9).abs() < 1e-5,
                "g = {g}: {}",
                value(&w[0])
            );
        }
    }

    #[test]
    fn gradient_descent_steps_against_the_gradient() {
        let mut gd = Optimizer::from_choice(0, 0.5);
        let w = gd.update(vec![scalar(1.0)], vec![scalar(0.25)]);
        assert_eq!(value(&w[0]), 0.875);
    }

    #[test]
    fn gradients_of_a_quadratic_and_of_an_unused_parameter() {
        // L = (3w)² → dL/dw = 18w; the second parameter is unused.
        let g = gradients(&[scalar(2.0), scalar(5.0)], |p| {
            (p[0].clone().mul_scalar(3.0)).square().sum()
        });
        assert_eq!(value(&g[0]), 36.0);
        assert_eq!(value(&g[1]), 0.0);
    }
}
