//! Closed-form Advani & Saxe (2017) dynamics of a linear student under gradient descent,
//! averaged over the Marchenko–Pastur spectrum of XᵀX (Advani, Saxe &
//! Sompolinsky 2020; docs/science.md).
//!
//! Inputs x ∈ R^N with x_i ~ N(0, 1/N), P = αN examples. Loss ½Σ(y − w·x)², so time is not
//! rescaled by P. Every formula is in f64; nothing here touches a device.

use std::f64::consts::PI;

/// Variances that define one teacher/student problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Problem {
    /// P / N.
    pub alpha: f64,
    /// Teacher weight variance σ_w̄².
    pub teacher_var: f64,
    /// Label noise variance σ_ε².
    pub noise_var: f64,
    /// Initial student weight variance σ_w0².
    pub init_var: f64,
    /// Weight decay γ: the loss is ½Σ(y − w·x)² + ½γ‖w‖² (0 for none).
    pub weight_decay: f64,
}

/// Edges (λ₋, λ₊) of the Marchenko–Pastur support: (1 ± √α)².
pub fn mp_edges(alpha: f64) -> (f64, f64) {
    let s = alpha.sqrt();
    ((1.0 - s).powi(2), (1.0 + s).powi(2))
}

/// Marchenko–Pastur density of the nonzero eigenvalues of XᵀX, per input dimension
/// (it integrates to min(α, 1)); the remaining 1 − α (α < 1) sits at λ = 0.
pub fn mp_density(alpha: f64, lambda: f64) -> f64 {
    let (lo, hi) = mp_edges(alpha);
    if lambda <= lo || lambda >= hi || lambda <= 0.0 {
        return 0.0;
    }
    ((hi - lambda) * (lambda - lo)).sqrt() / (2.0 * PI * lambda)
}

/// Quadrature nodes (λ, weight) for ∫ρ(λ)f(λ)dλ over the MP support, by λ = c − r·cos θ
/// with the midpoint rule in θ: the square-root edges become smooth, ~400 nodes suffice.
pub fn mp_nodes(alpha: f64, count: usize) -> Vec<(f64, f64)> {
    let (lo, hi) = mp_edges(alpha);
    let (c, r) = ((hi + lo) / 2.0, (hi - lo) / 2.0);
    let dtheta = PI / count as f64;
    (0..count)
        .map(|j| {
            let theta = (j as f64 + 0.5) * dtheta;
            let lambda = c - r * theta.cos();
            let sin = theta.sin();
            // ρ(λ)dλ = √((λ₊−λ)(λ−λ₋)) / (2πλ) · r sin θ dθ, and the root equals r sin θ.
            let weight = (r * sin).powi(2) / (2.0 * PI * lambda) * dtheta;
            (lambda, weight)
        })
        .collect()
}

const NODES: usize = 400;

/// How much of mode λ's initial error is left after the dynamics: e^{−λt} in continuous time,
/// (1 − ηλ)^k for discrete gradient descent.
#[derive(Debug, Clone, Copy)]
pub enum Time {
    Continuous(f64),
    Steps { lr: f64, steps: f64 },
}

impl Time {
    fn decay(self, lambda: f64) -> f64 {
        match self {
            Time::Continuous(t) => (-lambda * t).exp(),
            Time::Steps { lr, steps } => (1.0 - lr * lambda).powf(steps),
        }
    }
}

impl Problem {
    fn weight_var(&self) -> f64 {
        self.init_var + self.teacher_var
    }

    /// Generalization error E_g = ‖w − w̄‖²/N + σ_ε² at time `t` (Advani & Saxe eq. for E_g).
    ///
    /// With weight decay γ each mode λ relaxes at λ + γ towards the ridge solution, so its
    /// error e = w − w̄ is dᵏ·e₀ + (1 − dᵏ)·e* with e* = (n − γw̄)/(λ + γ) (n the noise along
    /// the mode, variance σ_ε²λ): E[e²] = d²V + (1 − d)²(γ²σ_w̄² + σ_ε²λ)/(λ + γ)²
    /// + 2d(1 − d)γσ_w̄²/(λ + γ), d the decay at λ + γ. The α < 1 null space decays to w = 0.
    pub fn generalization_error(&self, t: Time) -> f64 {
        let g = self.weight_decay;
        if g == 0.0 {
            let integral: f64 = mp_nodes(self.alpha, NODES)
                .into_iter()
                .map(|(lambda, weight)| {
                    let d = t.decay(lambda);
                    weight
                        * (self.weight_var() * d * d
                            + self.noise_var / lambda * (1.0 - d) * (1.0 - d))
                })
                .sum();
            return integral + (1.0 - self.alpha).max(0.0) * self.weight_var() + self.noise_var;
        }
        let integral: f64 = mp_nodes(self.alpha, NODES)
            .into_iter()
            .map(|(lambda, weight)| weight * self.decayed_mode_error(lambda, t.decay(lambda + g)))
            .sum();
        let d0 = t.decay(g);
        integral
            + (1.0 - self.alpha).max(0.0) * (d0 * d0 * self.init_var + self.teacher_var)
            + self.noise_var
    }

    /// E[e²] of mode λ under weight decay γ > 0, where `d` is what is left of its initial
    /// error (the decay at λ + γ); the formula is [`Problem::generalization_error`]'s.
    fn decayed_mode_error(&self, lambda: f64, d: f64) -> f64 {
        let (g, tv, k) = (
            self.weight_decay,
            self.teacher_var,
            lambda + self.weight_decay,
        );
        self.weight_var() * d * d
            + (1.0 - d) * (1.0 - d) * (g * g * tv + self.noise_var * lambda) / (k * k)
            + 2.0 * d * (1.0 - d) * g * tv / k
    }

    /// Training error E_t = ‖y − Xw‖²/P at time `t`; with weight decay, per mode
    /// (λE[e²] − 2E[n·e] + σ_ε²)/α with E[n·e] = (1 − d)σ_ε²λ/(λ + γ).
    pub fn training_error(&self, t: Time) -> f64 {
        let g = self.weight_decay;
        let outside = (1.0 - 1.0 / self.alpha).max(0.0) * self.noise_var;
        if g == 0.0 {
            let integral: f64 = mp_nodes(self.alpha, NODES)
                .into_iter()
                .map(|(lambda, weight)| {
                    let d = t.decay(lambda);
                    weight * d * d * (lambda * self.weight_var() + self.noise_var)
                })
                .sum();
            return integral / self.alpha + outside;
        }
        let integral: f64 = mp_nodes(self.alpha, NODES)
            .into_iter()
            .map(|(lambda, weight)| {
                let d = t.decay(lambda + g);
                let e2 = self.decayed_mode_error(lambda, d);
                let ne = (1.0 - d) * self.noise_var * lambda / (lambda + g);
                weight * (lambda * e2 - 2.0 * ne + self.noise_var)
            })
            .sum();
        integral / self.alpha + outside
    }

    /// E_g after infinite training; infinite at α = 1 (the overtraining peak) unless weight
    /// decay holds the weights at the ridge solution.
    pub fn asymptotic_generalization_error(&self) -> f64 {
        let a = self.alpha;
        if self.weight_decay > 0.0 {
            self.generalization_error(Time::Continuous(f64::INFINITY))
        } else if (a - 1.0).abs() < 1e-12 {
            f64::INFINITY
        } else if a > 1.0 {
            self.noise_var * a / (a - 1.0)
        } else {
            (1.0 - a) * self.weight_var() + self.noise_var / (1.0 - a)
        }
    }

    /// E_g at the best early-stopping time, by a log-spaced search in continuous time.
    pub fn best_generalization_error(&self) -> f64 {
        let mut best = self.generalization_error(Time::Continuous(0.0));
        for i in 0..=240 {
            let t = 10f64.powf(-2.0 + i as f64 * 0.025);
            best = best.min(self.generalization_error(Time::Continuous(t)));
        }
        best
    }

    /// The step in `[1, last]` at which gradient descent at rate `lr` reaches its lowest E_g,
    /// and that E_g (Advani & Saxe's optimal early-stopping time, in steps): searched on a fine
    /// log grid of whole steps.
    pub fn best_stopping_step(&self, lr: f64, last: f64) -> (f64, f64) {
        let last = last.max(1.0);
        let decades = last.log10();
        let mut best = (1.0, f64::INFINITY);
        for i in 0..=480 {
            let step = 10f64.powf(decades * i as f64 / 480.0).round().min(last);
            let e = self.generalization_error(Time::Steps { lr, steps: step });
            if e < best.1 {
                best = (step, e);
            }
        }
        best
    }

    /// Largest stable learning rate for discrete gradient descent: 2/(λ₊ + γ).
    pub fn stability_limit(&self) -> f64 {
        2.0 / (mp_edges(self.alpha).1 + self.weight_decay)
    }
}

/// Weight decay's gain over training without it, as a share of the error without it.
pub fn decay_gain(with: f64, without: f64) -> f64 {
    (without - with) / without
}

/// The smallest α past 1 from which weight decay gains under 5 % at every larger α of
/// `points`, (α, E_g with decay, E_g without) in increasing α: where weight decay stops
/// mattering (Xiao's data-rich regime). Seed noise can lift one gain back over 5 %, so the
/// first α under it is not enough.
pub fn decay_stops_mattering(points: &[(f64, f64, f64)]) -> Option<f64> {
    let mut from = None;
    for &(alpha, with, without) in points.iter().rev() {
        if alpha <= 1.0 || decay_gain(with, without) >= 0.05 {
            break;
        }
        from = Some(alpha);
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(alpha: f64, init_var: f64) -> Problem {
        Problem {
            alpha,
            teacher_var: 1.0,
            noise_var: 0.2,
            init_var,
            weight_decay: 0.0,
        }
    }

    #[test]
    fn density_integrates_to_min_alpha_one() {
        for alpha in [0.3, 0.5, 1.0, 2.0, 4.0] {
            let mass: f64 = mp_nodes(alpha, NODES).iter().map(|(_, w)| w).sum();
            assert!((mass - alpha.min(1.0)).abs() < 1e-3, "α={alpha}: {mass}");
        }
    }

    #[test]
    fn asymptotes_match_the_science_reference_table() {
        for (alpha, best, end) in [
            (0.5, 0.826, 0.900),
            (0.8, 0.655, 1.200),
            (1.25, 0.485, 1.000),
            (2.0, 0.354, 0.400),
            (4.0, 0.263, 0.267),
        ] {
            let p = problem(alpha, 0.0);
            let b = p.best_generalization_error();
            let e = p.asymptotic_generalization_error();
            assert!((b - best).abs() < 0.005, "α={alpha}: best {b} vs {best}");
            assert!((e - end).abs() < 0.001, "α={alpha}: end {e} vs {end}");
            // The long-time integral agrees with the closed-form asymptote.
            let late = p.generalization_error(Time::Continuous(1e6));
            assert!((late - e).abs() / e < 0.01, "α={alpha}: {late} vs {e}");
        }
        assert!((problem(1.0, 0.0).best_generalization_error() - 0.568).abs() < 0.005);
    }

    #[test]
    fn the_best_stopping_step_is_the_lowest_point_of_the_curve_and_inside_the_run_at_the_peak() {
        let p = problem(1.0, 0.0);
        let (lr, last) = (0.05, 5000.0);
        let (step, e) = p.best_stopping_step(lr, last);
        assert!(step > 1.0 && step < last, "{step}");
        let at = |k: f64| p.generalization_error(Time::Steps { lr, steps: k });
        assert!((e - at(step)).abs() < 1e-12);
        // Lower than its neighbours and than the run's end, where overtraining has set in.
        assert!(e <= at(step - 1.0) && e <= at(step + 1.0) + 1e-4);
        assert!(e < at(last) - 0.1, "{e} vs {}", at(last));
        // Without label noise there is nothing to overfit: E_g falls to the end of the run.
        let noiseless = Problem {
            noise_var: 0.0,
            ..problem(4.0, 0.0)
        };
        assert_eq!(noiseless.best_stopping_step(0.05, 500.0).0, 500.0);
    }

    #[test]
    fn weight_decay_going_to_zero_gives_the_plain_curves() {
        for (alpha, init_var) in [(0.5, 0.25), (2.0, 0.0)] {
            let plain = problem(alpha, init_var);
            let tiny = Problem {
                weight_decay: 1e-9,
                ..plain
            };
            for k in [1.0, 10.0, 100.0] {
                let t = Time::Steps { lr: 0.1, steps: k };
                let (g0, g) = (plain.generalization_error(t), tiny.generalization_error(t));
                let (e0, e) = (plain.training_error(t), tiny.training_error(t));
                assert!((g - g0).abs() < 1e-6, "α={alpha} k={k}: E_g {g} vs {g0}");
                assert!((e - e0).abs() < 1e-6, "α={alpha} k={k}: E_t {e} vs {e0}");
            }
        }
    }

    /// The best ridge, γ = σ_ε²/σ_w̄², is the Bayes posterior mean: trained to the end it is
    /// finite at α = 1 and no worse than the best early stop without decay.
    #[test]
    fn the_best_weight_decay_removes_the_peak_at_alpha_one() {
        let plain = problem(1.0, 0.0);
        let ridge = Problem {
            weight_decay: 0.2,
            ..plain
        };
        let end = ridge.asymptotic_generalization_error();
        assert!(end.is_finite());
        assert!(end <= plain.best_generalization_error() + 1e-3, "{end}");
        // Too much decay shrinks the weights towards zero: worse again.
        let heavy = Problem {
            weight_decay: 5.0,
            ..plain
        };
        assert!(heavy.asymptotic_generalization_error() > end + 0.1);
        // At γ = 0 nothing changes: the closed form still diverges.
        assert!(plain.asymptotic_generalization_error().is_infinite());
    }

    #[test]
    fn large_initial_weights_raise_the_frozen_error() {
        let p = problem(0.5, 1.0);
        assert!((p.best_generalization_error() - 1.354).abs() < 0.005);
        assert!((p.asymptotic_generalization_error() - 1.4).abs() < 1e-9);
    }

    #[test]
    fn training_error_starts_at_total_variance_and_ends_at_its_asymptote() {
        let p = problem(2.0, 0.0);
        assert!((p.training_error(Time::Continuous(0.0)) - 1.2).abs() < 1e-3);
        let end = p.training_error(Time::Continuous(1e6));
        assert!((end - 0.2 * (1.0 - 0.5)).abs() < 1e-3, "{end}");
    }

    #[test]
    fn discrete_steps_approach_continuous_time_for_small_rates() {
        let p = problem(0.5, 0.0);
        let c = p.generalization_error(Time::Continuous(5.0));
        let d = p.generalization_error(Time::Steps {
            lr: 0.001,
            steps: 5000.0,
        });
        assert!((c - d).abs() < 1e-3);
    }
}
