//! Behaviour of the frozen-subspace lab on fixed seeds, natively on the flex backend.

use burn::prelude::Device;

use super::theory::{Time, decay_gain, mp_edges};
use super::*;
use crate::lab::{Lab, Params, Snapshot, default_params};

fn params(values: &[(&str, f64)]) -> Params {
    let mut p = default_params(&schema());
    for (k, v) in values {
        p.0.insert(k.to_string(), *v);
    }
    p
}

fn lab(values: &[(&str, f64)]) -> FrozenSubspaceLab {
    FrozenSubspaceLab::new(params(values), &Device::flex(), "flex").expect("lab builds")
}

/// The lab as preset `id` builds it.
fn preset_lab(id: &str) -> FrozenSubspaceLab {
    let preset = presets().into_iter().find(|p| p.id == id).unwrap();
    FrozenSubspaceLab::new(preset.params(&schema()), &Device::flex(), "flex").expect("lab builds")
}

fn value_at(snapshot: &Snapshot, series: &str, step: u64) -> f64 {
    let s = &snapshot.series[series];
    let i =
        s.x.iter()
            .position(|x| *x == step as f64)
            .unwrap_or_else(|| panic!("step {step} not recorded in {series}"));
    s.y[i]
}

#[test]
fn simulated_generalization_error_matches_theory_within_five_percent() {
    let times = [10u64, 100, 1000];
    for alpha in [0.5, 2.0, 4.0] {
        let mut mean = [0.0; 3];
        let seeds = 5;
        let mut theory = [0.0; 3];
        for seed in 0..seeds {
            let mut lab = lab(&[
                ("alpha", alpha),
                ("n", 400.0),
                ("snr", 5.0),
                ("init_scale", 0.0),
                ("lr", 0.1),
                ("hidden", 1.0),
                ("steps", 1000.0),
                ("seed", seed as f64),
            ]);
            lab.step(1000);
            let snap = crate::block_on(lab.snapshot()).unwrap();
            for (i, t) in times.iter().enumerate() {
                mean[i] += value_at(&snap, "linear.E_g", *t) / seeds as f64;
                theory[i] = lab.problem().generalization_error(Time::Steps {
                    lr: 0.1,
                    steps: *t as f64,
                });
            }
        }
        for i in 0..3 {
            let rel = (mean[i] - theory[i]).abs() / theory[i];
            assert!(
                rel < 0.05,
                "α={alpha} step {}: simulated {:.4} vs theory {:.4} ({:.1}%)",
                times[i],
                mean[i],
                theory[i],
                rel * 100.0
            );
        }
    }
}

#[test]
fn null_space_component_of_w_is_frozen_during_training() {
    let mut lab = lab(&[
        ("alpha", 0.5),
        ("n", 200.0),
        ("init_scale", 1.0),
        ("hidden", 1.0),
        ("steps", 4000.0),
    ]);
    let w0 = crate::block_on(lab.linear_weights()).unwrap();
    lab.step(4000);
    let w1 = crate::block_on(lab.linear_weights()).unwrap();
    let (span0, null0) = lab.spectrum().split(&w0);
    let (span1, null1) = lab.spectrum().split(&w1);
    let rel = (&null1 - &null0).norm() / null0.norm();
    assert!(rel < 1e-5, "null-space component moved by {rel:e}");
    // The span part did move: training happened.
    assert!((&span1 - &span0).norm() / span0.norm() > 0.1);
}

#[test]
fn overtraining_peak_at_alpha_one_error_falls_then_rises() {
    let mut lab = lab(&[
        ("alpha", 1.0),
        ("n", 200.0),
        ("init_scale", 0.0),
        ("hidden", 1.0),
        ("steps", 20000.0),
    ]);
    lab.step(20000);
    let snap = crate::block_on(lab.snapshot()).unwrap();
    let eg = &snap.series["linear.E_g"].y;
    let (imin, min) =
        eg.iter().enumerate().fold(
            (0, f64::INFINITY),
            |(bi, b), (i, v)| if *v < b { (i, *v) } else { (bi, b) },
        );
    let last = *eg.last().unwrap();
    assert!(imin > 0 && imin < eg.len() - 1, "minimum at the edge");
    assert!(last > min * 1.5, "E_g end {last} vs min {min}");
}

#[test]
fn spectrum_has_n_minus_p_zero_eigenvalues_below_alpha_one() {
    let lab = lab(&[("alpha", 0.25), ("n", 100.0), ("hidden", 1.0)]);
    assert_eq!(lab.spectrum().zero_count, 75);
    let (lo, hi) = mp_edges(0.25);
    for l in &lab.spectrum().eigenvalues {
        assert!(
            *l > lo * 0.3 && *l < hi * 1.3,
            "eigenvalue {l} far outside MP support"
        );
    }
}

#[test]
fn huge_learning_rate_is_reported_as_divergence_and_stops_the_run() {
    let mut lab = lab(&[("alpha", 4.0), ("n", 50.0), ("lr", 2.0), ("hidden", 4.0)]);
    lab.step(200);
    let snap = crate::block_on(lab.snapshot()).unwrap();
    let msg = snap.diverged.expect("divergence detected");
    assert!(msg.contains("lower the learning rate"), "{msg}");
    let before = lab.steps_done();
    lab.step(10);
    assert_eq!(lab.steps_done(), before, "a diverged run does not step");
}

#[test]
fn network_student_fits_its_training_data() {
    let mut lab = lab(&[
        ("alpha", 0.5),
        ("n", 100.0),
        ("hidden", 64.0),
        ("steps", 2000.0),
    ]);
    lab.step(2000);
    let snap = crate::block_on(lab.snapshot()).unwrap();
    let et = &snap.series["network.E_t"];
    assert!(et.y.iter().all(|v| v.is_finite()));
    assert!(et.last().unwrap() < et.y[0] * 0.2, "{:?}", et.y.last());
}

#[test]
fn charts_and_summary_are_built_from_the_snapshot() {
    let mut lab = lab(&[("n", 60.0), ("hidden", 8.0), ("steps", 100.0)]);
    lab.step(100);
    let snap = crate::block_on(lab.snapshot()).unwrap();
    let summary = lab.summary(&snap).expect("a summary after training");
    let charts = lab.charts(&snap, std::slice::from_ref(&summary));
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["errors", "spectrum", "projection", "alpha"]);
    for c in &charts {
        assert!(!c.caption.is_empty());
        assert!(phenomena_charts::to_svg(c, 480, 320).is_ok());
    }
}

/// Every run of the batched α sweep is exactly the linear student that would train alone on
/// its own data: the zero rows that pad smaller data sets add nothing to its gradient.
#[test]
fn each_run_of_the_batched_sweep_is_the_student_trained_alone() {
    let values = [
        ("sweep", 1.0),
        ("n", 40.0),
        ("init_scale", 0.5),
        ("hidden", 1.0),
        ("steps", 30.0),
        ("seed", 7.0),
    ];
    let mut sweep = lab(&values);
    sweep.step(30);
    let swept = crate::block_on(sweep.snapshot()).unwrap();
    for (alpha, seed) in [(0.25, 7.0), (1.0, 9.0), (4.0, 10.0)] {
        let mut alone = lab(&[
            ("alpha", alpha),
            ("n", 40.0),
            ("init_scale", 0.5),
            ("hidden", 1.0),
            ("steps", 30.0),
            ("seed", seed),
        ]);
        alone.step(30);
        let single = crate::block_on(alone.snapshot()).unwrap();
        let name = format!("sweep.alpha{alpha}.seed{seed}.E_g");
        for step in [0, 1, 10, 30] {
            let (a, b) = (
                value_at(&swept, &name, step),
                value_at(&single, "linear.E_g", step),
            );
            assert!(
                (a - b).abs() <= 1e-5 * b,
                "α {alpha} seed {seed} step {step}: {a} vs {b}"
            );
        }
    }
}

/// The sweep preset's story: E_g first falls at every α, then the students at α = 1 overfit
/// the noise and the highest E_g of the sweep is theirs.
#[test]
fn the_sweep_grows_its_peak_at_alpha_one() {
    let mut lab = preset_lab("sweep");
    lab.step(5000);
    let snap = crate::block_on(lab.snapshot()).unwrap();
    let sweep = lab.sweep.as_ref().expect("the preset sweeps");
    let at = |step: u64| -> Vec<(f64, f64)> {
        let mut by_alpha: Vec<(f64, f64)> = Vec::new();
        for (k, (alpha, seed)) in sweep.runs.iter().enumerate() {
            let e = value_at(&snap, &format!("sweep.alpha{alpha}.seed{seed}.E_g"), step);
            if k % 4 == 0 {
                by_alpha.push((*alpha, 0.0));
            }
            by_alpha.last_mut().unwrap().1 += e / 4.0;
        }
        by_alpha
    };
    let (start, early, late) = (at(0), at(10), at(5000));
    assert_eq!(late.len(), 16);
    for ((a, e0), (_, e10)) in start.iter().zip(&early) {
        assert!(e10 < e0, "α {a}: E_g did not fall early ({e0} → {e10})");
    }
    let top = late
        .iter()
        .fold((0.0, 0.0), |m, p| if p.1 > m.1 { *p } else { m });
    assert_eq!(top.0, 1.0, "the highest E_g is at α = {}", top.0);
    let one = |v: &[(f64, f64)]| v.iter().find(|(a, _)| *a == 1.0).unwrap().1;
    assert!(
        one(&late) > 1.5 * one(&early),
        "{} → {}",
        one(&early),
        one(&late)
    );
}

/// The decay-sweep preset's story (Xiao's data-rich regime): the twin sweep without weight
/// decay grows the α = 1 peak and the sweep with it does not; past α ≈ 2.5 the two agree
/// within 5 %, and the chart says from where.
#[test]
fn weight_decay_removes_the_peak_and_stops_mattering_with_many_examples() {
    let mut lab = preset_lab("decay-sweep");
    let snap = crate::block_on(lab.run_to_end()).unwrap();
    let sweep = lab.sweep.as_ref().expect("the preset sweeps");
    let with = sweep.latest(&snap);
    let without = sweep
        .latest_plain(&snap)
        .expect("the twin without decay trains");
    assert_eq!((with.len(), without.len()), (16, 16));
    let at = |v: &[(f64, f64, f64)], alpha: f64| v.iter().find(|p| p.0 == alpha).unwrap().1;
    let top = |v: &[(f64, f64, f64)]| {
        v.iter()
            .fold((0.0, 0.0), |m, p| if p.1 > m.1 { (p.0, p.1) } else { m })
    };
    assert_eq!(top(&without).0, 1.0, "without decay the peak is at α = 1");
    assert!(
        at(&with, 1.0) < 0.3 * at(&without, 1.0),
        "{} vs {}",
        at(&with, 1.0),
        at(&without, 1.0)
    );
    // With decay E_g falls with α all the way: no peak.
    for pair in with.windows(2) {
        assert!(
            pair[1].1 < pair[0].1,
            "E_g rises from α {} to {}",
            pair[0].0,
            pair[1].0
        );
    }
    for alpha in [3.0, 3.5, 4.0] {
        let (w, p) = (at(&with, alpha), at(&without, alpha));
        assert!(decay_gain(w, p).abs() < 0.05, "α {alpha}: {w} vs {p}");
    }
    let chart = lab
        .charts(&snap, &[])
        .into_iter()
        .find(|c| c.id == "alpha")
        .unwrap();
    assert!(
        chart
            .series
            .iter()
            .any(|s| s.name == "α sweep without decay")
    );
    assert!(
        chart
            .notes
            .iter()
            .any(|n| n.contains("under 5 % from α = 2.5")),
        "{:?}",
        chart.notes
    );
}

#[test]
fn a_sweep_too_large_for_the_device_is_refused_naming_the_limit() {
    let err = FrozenSubspaceLab::new(
        params(&[("sweep", 1.0), ("n", 800.0)]),
        &Device::flex(),
        "flex",
    )
    .err()
    .expect("refused");
    let message = err.to_string();
    assert!(
        message.contains("`sweep`") && message.contains("N ≤"),
        "{message}"
    );
}

/// Trains to the end reading back every `k` steps, as the page does, until the lab stops.
fn read_back_every(lab: &mut FrozenSubspaceLab, k: u64) -> Snapshot {
    loop {
        lab.step(k);
        let s = crate::block_on(lab.snapshot()).unwrap();
        if s.diverged.is_some() || s.step >= lab.max_steps() {
            return s;
        }
    }
}

/// A one-unit network student at this learning rate blows up within ten steps, while the linear
/// student is stable (η is below its 2/λ₊): the network stops there, said in a warning that
/// names it, and the linear student trains to the end.
#[test]
fn a_diverged_network_student_stops_and_the_linear_one_trains_on() {
    let mut lab = lab(&[
        ("hidden", 1.0),
        ("lr", 0.0686),
        ("alpha", 0.5),
        ("n", 400.0),
        ("steps", 200.0),
    ]);
    let s = read_back_every(&mut lab, 10);
    assert_eq!(s.diverged, None);
    assert_eq!(s.step, 200);
    let warning = s
        .warnings
        .iter()
        .find(|w| w.contains("diverged"))
        .expect("the divergence is said");
    assert!(
        warning.starts_with("The network student diverged at step"),
        "{warning}"
    );
    assert!(
        warning.contains("the linear student trains on"),
        "{warning}"
    );
    let linear = &s.series["linear.E_g"];
    assert_eq!(linear.x.last(), Some(&200.0));
    assert!(linear.y.iter().all(|v| v.is_finite()));
    // The network's curves end before its first bad value.
    let network = &s.series["network.E_g"];
    assert!(
        *network.x.last().unwrap() < 10.0,
        "the network stopped early"
    );
    assert!(network.y.iter().all(|v| v.is_finite() && *v < 1e6));
    // The error chart spans the linear student and the theory, not the blow-up.
    let chart = lab.charts(&s, &[]).remove(0);
    let (_, top) = chart.y.range.expect("a fixed range");
    let linear_top = linear.y.iter().copied().fold(0.0, f64::max);
    assert!(
        top >= linear_top && top < 10.0 * linear_top.max(1.0),
        "{top}"
    );
}

/// Both students diverging stops the lab, naming the first.
#[test]
fn both_students_diverging_stops_the_lab() {
    let mut lab = lab(&[("hidden", 1.0), ("lr", 2.0), ("steps", 200.0)]);
    let s = read_back_every(&mut lab, 10);
    let message = s.diverged.expect("the lab stops");
    assert!(message.contains("both students"), "{message}");
    assert!(s.step < 200);
}

/// The theory curves are drawn at whole steps, so a learning rate above 1/λ₊ (still below
/// the stability limit 2/λ₊, as in the overtraining-peak preset) still has them.
#[test]
fn the_theory_curves_exist_for_rates_above_one_over_the_top_eigenvalue() {
    let lab = lab(&[("alpha", 1.0), ("lr", 0.4), ("steps", 400.0)]);
    let limit = lab.problem.stability_limit();
    assert!(
        0.4 > limit / 2.0 && 0.4 < limit,
        "1/λ₊ < η < 2/λ₊ ({limit})"
    );
    assert!(
        lab.theory
            .over_time
            .iter()
            .all(|(k, g, t)| k.fract() == 0.0 && g.is_finite() && t.is_finite())
    );
    assert_eq!(lab.theory.over_time.last().map(|p| p.0), Some(400.0));
}

/// The linear student with weight decay follows the closed form: the mean E_g over five seeds
/// at α = 1 is within 5 % of the theory, and stays near the bottom instead of climbing.
#[test]
fn weight_decay_in_the_simulation_follows_its_theory() {
    let times = [10u64, 100, 1000];
    let seeds = 5;
    let mut mean = [0.0; 3];
    let mut theory = [0.0; 3];
    for seed in 0..seeds {
        let mut lab = lab(&[
            ("alpha", 1.0),
            ("n", 400.0),
            ("init_scale", 0.0),
            ("lr", 0.3),
            ("weight_decay", 0.2),
            ("hidden", 1.0),
            ("seed", seed as f64),
            ("steps", 1000.0),
        ]);
        let s = crate::block_on(lab.run_to_end()).unwrap();
        for (i, k) in times.iter().enumerate() {
            mean[i] += value_at(&s, "linear.E_g", *k) / seeds as f64;
            theory[i] += value_at(&s, "theory.E_g", *k) / seeds as f64;
        }
    }
    for i in 0..3 {
        assert!(
            (mean[i] - theory[i]).abs() / theory[i] < 0.05,
            "step {}: {} vs theory {}",
            times[i],
            mean[i],
            theory[i]
        );
    }
    assert!(mean[2] < 0.8, "no climb: {}", mean[2]);
}

/// In the data-rich regime weight decay matters less and less: past α = 1 its gain after
/// training forever shrinks as α grows; near α = 1 it is large.
#[test]
fn weight_decay_matters_less_with_more_examples_per_weight() {
    let lab = lab(&[("alpha", 1.0), ("init_scale", 0.0), ("weight_decay", 0.2)]);
    let (plain, _) = lab.theory.without_decay(&lab.problem);
    let gain: Vec<(f64, f64)> = plain
        .iter()
        .zip(&lab.theory.over_alpha)
        .filter(|((a, _), _)| *a > 1.0)
        .map(|((a, without), (_, _, with))| (*a, decay_gain(*with, *without)))
        .collect();
    for (a, g) in gain.iter().step_by(10) {
        eprintln!("α {a:.3}: gain {:.4}", g);
    }
    assert!(gain[0].1 > 0.5, "near α = 1: {}", gain[0].1);
    assert!(
        gain.windows(2).all(|w| w[1].1 < w[0].1),
        "the gain shrinks with α"
    );
}

/// The batch-size preset's story on seed 0 (Hoffer et al.): at equal epochs the full batch
/// lags far behind the small batch, which took ten times the updates; at equal updates the
/// two nearly agree.
#[test]
fn the_large_batch_gap_comes_from_the_number_of_updates() {
    let mut lab = preset_lab("batch-size");
    let snap = crate::block_on(lab.run_to_end()).unwrap();
    let e = |run: &str, step: u64| value_at(&snap, &format!("{run}.E_g"), step);
    let epochs_gap = e("network", 5) - e("small_epochs", 5);
    assert!(epochs_gap > 0.2, "same epochs: {epochs_gap}");
    for step in [5, 10, 20] {
        let updates_gap = (e("network", step) - e("small_updates", step)).abs();
        assert!(
            updates_gap < 0.05,
            "same updates, step {step}: {updates_gap}"
        );
    }
    let end = e("network", 500) - e("small_epochs", 500);
    assert!(end.abs() < 0.02, "after 500 epochs: {end}");
    let chart = lab
        .charts(&snap, &[])
        .into_iter()
        .find(|c| c.id == "batch-size")
        .expect("the batch-size chart");
    // Drawn against updates: the same-epochs student's last point is at 10 × 500.
    let same_epochs = chart
        .series
        .iter()
        .find(|s| s.name == "small batch, same epochs")
        .unwrap();
    assert_eq!(same_epochs.points.last().unwrap().0, 5000.0);
}

#[test]
fn a_small_batch_not_smaller_than_p_is_refused() {
    let err = FrozenSubspaceLab::new(
        params(&[("alpha", 0.5), ("n", 100.0), ("small_batch", 50.0)]),
        &Device::flex(),
        "flex",
    )
    .err()
    .expect("B = P is refused");
    assert!(err.to_string().contains("smaller than the P = 50"), "{err}");
}

#[test]
fn a_small_batch_that_would_take_too_many_updates_a_step_is_refused() {
    // P = 800: B = 7 takes 114 updates a step, B = 8 takes 100.
    let err = FrozenSubspaceLab::new(
        params(&[("alpha", 2.0), ("n", 400.0), ("small_batch", 7.0)]),
        &Device::flex(),
        "flex",
    )
    .err()
    .expect("114 updates a step are refused");
    assert!(err.to_string().contains("114 updates per step"), "{err}");
    assert!(err.to_string().contains("B ≥ 8"), "{err}");
    assert!(
        FrozenSubspaceLab::new(
            params(&[("alpha", 2.0), ("n", 400.0), ("small_batch", 8.0)]),
            &Device::flex(),
            "flex"
        )
        .is_ok()
    );
}

/// The linear student at α = 0.5, forked at step 100, trained to the end.
fn forked(values: &[(&str, f64)]) -> Snapshot {
    let mut values = values.to_vec();
    values.extend([("alpha", 0.5), ("fork_step", 100.0)]);
    let mut lab = lab(&values);
    let steps = lab.max_steps();
    lab.step(steps);
    crate::block_on(lab.snapshot()).unwrap()
}

fn last(s: &Snapshot, name: &str) -> f64 {
    *s.series[name].y.last().unwrap()
}

/// Gradient descent never touches the null space, whatever its learning rate; weight decay,
/// switched on mid-run, empties it and lowers E_g.
#[test]
fn only_a_weight_decay_fork_reaches_the_frozen_subspace() {
    let decayed = forked(&[("fork", 1.0), ("fork_decay", 0.2)]);
    let frozen = value_at(&decayed, "linear.null_norm", 100);
    assert!(frozen > 1.0);
    assert_eq!(value_at(&decayed, "fork.null_norm", 100), frozen);
    // Frozen, up to float rounding of the projection.
    assert!((last(&decayed, "linear.null_norm") - frozen).abs() < 1e-4 * frozen);
    assert!(last(&decayed, "fork.null_norm") < 1e-3);
    assert!(last(&decayed, "fork.E_g") < last(&decayed, "linear.E_g") - 0.1);

    let faster = forked(&[("fork", 2.0), ("fork_lr", 0.5)]);
    let null = &faster.series["fork.null_norm"].y;
    assert!(
        null.iter().all(|v| (v - frozen).abs() < 1e-3 * frozen),
        "{null:?}"
    );
    // Five times the step reaches the same end: the minimum-norm fit plus the frozen part.
    let (fork, base) = (last(&faster, "fork.E_g"), last(&faster, "linear.E_g"));
    assert!(
        (fork - base).abs() < 1e-3 * base,
        "fork {fork}, base {base}"
    );
}
