//! The lab's exact and fitted curves: best-of-n sampling against the proxy reward, computed
//! exactly over discrete responses, and the Gao et al. functional forms fitted to the live
//! points.
//!
//! Draw n responses from π_ref and keep the one the proxy scores highest. With responses
//! grouped by proxy reward and sorted, F the CDF of π_ref over groups, the chance that the
//! winner comes from group g is F(g)^n − F(g⁻)^n, shared inside the group in proportion to
//! π_ref. Responses with *equal* proxy reward form one group: in this toy an OOD response
//! ties the best in-distribution one, and ignoring the tie changes the numbers.
//!
//! Gao et al. (2022) functional forms of gold reward against d = √KL(π‖π_init), fitted by
//! least squares to the live points: best-of-n R(d) = d(α − β·d), RL R(d) = d(α − β·log d).
//! R is the gold reward relative to the initial policy.

use super::data::Responses;

/// Proxy rewards closer than this (relative) count as a tie.
const TIE: f64 = 1e-9;

/// The best-of-n policy π_n over responses.
pub fn best_of_n_policy(responses: &Responses, proxy: &[f64], n: u32) -> Vec<f64> {
    let mut order: Vec<usize> = (0..responses.len()).collect();
    order.sort_by(|a, b| proxy[*a].total_cmp(&proxy[*b]));
    let mut policy = vec![0.0; responses.len()];
    let mut below = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        let scale = proxy[order[i]].abs().max(1.0);
        while j + 1 < order.len() && (proxy[order[j + 1]] - proxy[order[i]]).abs() <= TIE * scale {
            j += 1;
        }
        let group = &order[i..=j];
        let mass: f64 = group.iter().map(|a| responses.reference[*a]).sum();
        let upto = (below + mass).min(1.0);
        let win = upto.powi(n as i32) - below.powi(n as i32);
        for a in group {
            policy[*a] = win * responses.reference[*a] / mass;
        }
        below = upto;
        i = j + 1;
    }
    policy
}

/// One point of the best-of-n curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestOfN {
    pub n: u32,
    pub gold: f64,
    pub proxy: f64,
    pub kl: f64,
    pub ood_mass: f64,
}

/// n = 1, 2, 4, …, 1024 and the points in between at ratio √2.
pub fn best_of_n_curve(responses: &Responses, proxy: &[f64]) -> Vec<BestOfN> {
    let mut ns: Vec<u32> = (0..=20)
        .map(|i| 2f64.powf(i as f64 / 2.0).round() as u32)
        .collect();
    ns.dedup();
    ns.into_iter()
        .map(|n| {
            let p = best_of_n_policy(responses, proxy, n);
            BestOfN {
                n,
                gold: Responses::expect(&p, &responses.gold),
                proxy: Responses::expect(&p, proxy),
                kl: responses.kl(&p),
                ood_mass: p
                    .iter()
                    .zip(&responses.ood)
                    .filter(|(_, o)| **o)
                    .map(|(p, _)| p)
                    .sum(),
            }
        })
        .collect()
}

#[cfg(test)]
mod best_of_n_tests {
    use super::*;

    fn proxy(r: &Responses) -> Vec<f64> {
        // Equal weights, as the fitted Bradley–Terry model gives: ranks by q + ℓ.
        r.features.iter().map(|f| f[0] + f[1]).collect()
    }

    #[test]
    fn best_of_one_is_the_reference_policy() {
        let r = Responses::new(5);
        let p = best_of_n_policy(&r, &proxy(&r), 1);
        for (a, b) in p.iter().zip(&r.reference) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn gold_reward_rises_then_falls_with_n_as_in_the_reference_table() {
        let r = Responses::new(5);
        let gold = |n| Responses::expect(&best_of_n_policy(&r, &proxy(&r), n), &r.gold);
        // The reference values of this toy (docs/science.md, overoptimization: best-of-n).
        for (n, want) in [
            (1, 0.99),
            (4, 1.58),
            (16, 1.76),
            (64, 1.49),
            (256, 0.69),
            (1024, 0.03),
        ] {
            assert!(
                (gold(n) - want).abs() < 0.01,
                "n={n}: {} vs {want}",
                gold(n)
            );
        }
        let kl16 = r.kl(&best_of_n_policy(&r, &proxy(&r), 16)).sqrt();
        assert!((kl16 - 1.35).abs() < 0.01, "√KL at n=16: {kl16}");
    }

    #[test]
    fn the_tie_between_an_ood_and_the_best_response_is_grouped() {
        let r = Responses::new(5);
        let p = best_of_n_policy(&r, &proxy(&r), 1024);
        // Response 19 (q = ℓ = 2) and OOD response 22 (ℓ = 4) tie at proxy 4: they share
        // their group's mass in proportion to π_ref.
        let ratio = p[19] / p[22];
        let want = r.reference[19] / r.reference[22];
        assert!((ratio - want).abs() / want < 1e-9, "{ratio} vs {want}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

// Gao et al. fits.

/// Which of the two forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    BestOfN,
    Rl,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub form: Form,
    pub alpha: f64,
    pub beta: f64,
    /// Coefficient of determination on the fitted points (may be low or negative: the
    /// discrete toy falls faster than either form).
    pub r2: f64,
}

impl Fit {
    pub fn eval(&self, d: f64) -> f64 {
        match self.form {
            Form::BestOfN => d * (self.alpha - self.beta * d),
            Form::Rl if d > 0.0 => d * (self.alpha - self.beta * d.ln()),
            Form::Rl => 0.0,
        }
    }
}

/// Least squares for R = α·f₁(d) − β·f₂(d) with f₁ = d and f₂ = d² or d·log d.
/// Points with d ≤ 0 carry no information for these forms and are skipped.
pub fn fit(form: Form, points: &[(f64, f64)]) -> Option<Fit> {
    let rows: Vec<(f64, f64, f64)> = points
        .iter()
        .filter(|(d, r)| *d > 1e-9 && d.is_finite() && r.is_finite())
        .map(|(d, r)| {
            let f2 = match form {
                Form::BestOfN => d * d,
                Form::Rl => d * d.ln(),
            };
            (*d, -f2, *r)
        })
        .collect();
    if rows.len() < 3 {
        return None;
    }
    // Normal equations of the 2×2 problem.
    let (mut a11, mut a12, mut a22, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x1, x2, y) in &rows {
        a11 += x1 * x1;
        a12 += x1 * x2;
        a22 += x2 * x2;
        b1 += x1 * y;
        b2 += x2 * y;
    }
    let det = a11 * a22 - a12 * a12;
    if det.abs() < 1e-12 {
        return None;
    }
    let alpha = (b1 * a22 - b2 * a12) / det;
    let beta = (a11 * b2 - a12 * b1) / det;
    let mean = rows.iter().map(|r| r.2).sum::<f64>() / rows.len() as f64;
    let total: f64 = rows.iter().map(|r| (r.2 - mean).powi(2)).sum();
    let residual: f64 = rows
        .iter()
        .map(|(x1, x2, y)| (y - alpha * x1 - beta * x2).powi(2))
        .sum();
    let r2 = if total > 0.0 {
        1.0 - residual / total
    } else {
        1.0
    };
    Some(Fit {
        form,
        alpha,
        beta,
        r2,
    })
}

#[cfg(test)]
mod gao_tests {
    use super::*;

    #[test]
    fn recovers_the_coefficients_of_exact_curves() {
        for form in [Form::BestOfN, Form::Rl] {
            let truth = Fit {
                form,
                alpha: 1.3,
                beta: 0.4,
                r2: 1.0,
            };
            let points: Vec<(f64, f64)> = (1..30)
                .map(|i| i as f64 * 0.1)
                .map(|d| (d, truth.eval(d)))
                .collect();
            let f = fit(form, &points).unwrap();
            assert!(
                (f.alpha - 1.3).abs() < 1e-9 && (f.beta - 0.4).abs() < 1e-9,
                "{f:?}"
            );
            assert!((f.r2 - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn too_few_points_give_no_fit() {
        assert!(fit(Form::Rl, &[(0.0, 0.0), (1.0, 1.0)]).is_none());
    }
}
