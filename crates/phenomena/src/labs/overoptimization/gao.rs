//! Gao et al. (2022) functional forms of gold reward against d = √KL(π‖π_init), fitted by
//! least squares to the live points: best-of-n R(d) = d(α − β·d), RL R(d) = d(α − β·log d).
//! R is the gold reward relative to the initial policy.

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
mod tests {
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
