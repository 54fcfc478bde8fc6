//! Best-of-n sampling against the proxy reward, computed exactly over discrete responses.
//!
//! Draw n responses from π_ref and keep the one the proxy scores highest. With responses
//! grouped by proxy reward and sorted, F the CDF of π_ref over groups, the chance that the
//! winner comes from group g is F(g)^n − F(g⁻)^n, shared inside the group in proportion to
//! π_ref. Responses with *equal* proxy reward form one group: in this toy an OOD response
//! ties the best in-distribution one, and ignoring the tie changes the numbers.

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
pub fn curve(responses: &Responses, proxy: &[f64]) -> Vec<BestOfN> {
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
mod tests {
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
        // science.md: n=1 0.99; 4 1.58; 16 1.76; 64 1.49; 256 0.69; 1024 0.03.
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
