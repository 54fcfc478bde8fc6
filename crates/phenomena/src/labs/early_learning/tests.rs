//! CE vs ELR on fixed seeds, natively on flex (the ELR paper's Figure 1; docs/science.md).

use burn::prelude::*;

use super::charts::GRID;
use super::methods::{METHODS, clamped_probs, cross_entropy, elr_penalty};
use super::model::Classifier;
use super::params::{BOUNDARY_VALUES, DIGITS_RACE_VALUES, DIGITS_VALUES};
use super::*;
use crate::lab::{Lab, Snapshot, default_params};
use crate::tensors::matrix;

fn run(values: &[(&str, f64)]) -> Snapshot {
    let mut params = default_params(&schema());
    for (k, v) in values {
        params.0.insert(k.to_string(), *v);
    }
    let mut lab = EarlyLearningLab::new(params, &Device::flex(), "flex").unwrap();
    let steps = lab.max_steps();
    lab.step(steps);
    crate::block_on(lab.snapshot()).unwrap()
}

fn ys<'a>(s: &'a Snapshot, name: &str) -> &'a [f64] {
    &s.series[name].y
}

fn last(s: &Snapshot, name: &str) -> f64 {
    *ys(s, name).last().unwrap()
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn ce_learns_the_true_labels_early_then_memorizes_the_noise() {
    let s = run(&[]);
    let to_true = ys(&s, "ce.mislabeled_true");
    assert!(max(to_true) >= 0.6, "early-learning peak {}", max(to_true));
    assert!(last(&s, "ce.mislabeled_true") <= 0.1);
    assert!(last(&s, "ce.memorized") >= 0.9);
    let test = ys(&s, "ce.test_accuracy");
    assert!(
        max(test) - last(&s, "ce.test_accuracy") >= 0.05,
        "test accuracy did not fall"
    );
}

/// Final (test accuracy, memorized) of ELR and CE's final test accuracy on one seed.
fn elr_outcome(seed: u64) -> (f64, f64, f64) {
    let s = run(&[("seed", seed as f64)]);
    (
        last(&s, "elr.test_accuracy"),
        last(&s, "elr.memorized"),
        last(&s, "ce.test_accuracy"),
    )
}

fn elr_succeeds((test, memorized, ce_test): (f64, f64, f64)) -> bool {
    test >= 0.97 && test >= ce_test + 0.05 && memorized <= 0.3
}

#[test]
fn elr_stops_memorization_on_the_default_seed() {
    let outcome = elr_outcome(0);
    assert!(elr_succeeds(outcome), "{outcome:?}");
}

#[test]
fn elr_stops_memorization_on_at_least_eight_of_ten_seeds() {
    let wins: Vec<u64> = (0..10).filter(|s| elr_succeeds(elr_outcome(*s))).collect();
    assert!(wins.len() >= 8, "ELR succeeded on seeds {wins:?}");
}

#[test]
fn on_digits_with_forty_percent_noise_elr_beats_ce_by_five_points() {
    let s = run(&DIGITS_VALUES);
    let (elr, ce) = (last(&s, "elr.test_accuracy"), last(&s, "ce.test_accuracy"));
    assert!(elr >= ce + 0.05, "ELR {elr} vs CE {ce}");
}

#[test]
fn in_two_dimensions_ce_carves_islands_and_elr_does_not() {
    let s = run(&BOUNDARY_VALUES);
    assert!(last(&s, "ce.memorized") > last(&s, "elr.memorized") + 0.15);
    assert_eq!(s.series["ce.view_prediction"].y.len(), GRID * GRID);
}

#[test]
fn every_dataset_builds_its_charts() {
    for (dataset, count) in [(0.0, 3), (1.0, 5), (2.0, 4)] {
        let mut params = default_params(&schema());
        params.0.insert("dataset".into(), dataset);
        params.0.insert("hidden".into(), 16.0);
        params.0.insert("steps".into(), 5.0);
        let mut lab = EarlyLearningLab::new(params, &Device::flex(), "flex").unwrap();
        lab.step(5);
        let s = crate::block_on(lab.snapshot()).unwrap();
        let charts = lab.charts(&s, &[]);
        assert_eq!(charts.len(), count, "dataset {dataset}");
        for c in &charts {
            assert!(phenomena_charts::to_svg(c, 480, 320).is_ok(), "{}", c.id);
        }
    }
}

#[test]
fn minibatches_update_only_their_examples_targets_and_still_stop_memorization() {
    let s = run(&[("batch", 50.0), ("steps", 2000.0)]);
    assert!(last(&s, "ce.memorized") > last(&s, "elr.memorized") + 0.3);
    assert!(last(&s, "elr.test_accuracy") > last(&s, "ce.test_accuracy"));
}

/// The digits race on seed 0: every method switched on.
fn digits_race() -> Snapshot {
    run(&DIGITS_RACE_VALUES)
}

#[test]
fn on_the_digits_race_only_elr_and_nested_dropout_stop_memorization() {
    let s = digits_race();
    let mem = |m: &str| last(&s, &format!("{m}.memorized"));
    let test = |m: &str| last(&s, &format!("{m}.test_accuracy"));
    // PS-KD trained full batch distils from the previous step's prediction; under Adam its
    // gradient, about (1 − α)·(p − ỹ), makes almost CE's step: it memorizes most of the noise
    // (0.79 on this seed, 0.79–0.92 on seeds 0–9).
    assert!(
        mem("pskd") < mem("ce") && mem("pskd") > 0.75,
        "PS-KD {}",
        mem("pskd")
    );
    // Multi-sample dropout memorizes less than CE, but most of the noise still.
    assert!(
        mem("msd") < mem("ce") - 0.1 && mem("msd") > 0.5,
        "MSD {}",
        mem("msd")
    );
    assert!(
        test("msd") > test("ce") + 0.1,
        "MSD {} vs CE {}",
        test("msd"),
        test("ce")
    );
    // Nested dropout and ELR keep almost every flipped label unmemorized, and end far above
    // CE (by 0.18 and 0.32 on this seed).
    for m in ["elr", "nested"] {
        assert!(mem(m) < 0.1, "{m} memorized {}", mem(m));
        assert!(
            test(m) > test("ce") + 0.15,
            "{m} {} vs CE {}",
            test(m),
            test("ce")
        );
    }
}

#[test]
fn pskd_trains_like_ce_on_its_first_epoch_from_the_same_start_on_the_same_batches() {
    // Mini-batches of 50 from 200 examples: an epoch is 4 steps. In its first epoch PS-KD's
    // target is the one-hot label, so it takes CE's steps exactly, which only holds if both
    // start from the same weights and see the same batches; from the second epoch on its
    // targets mix in its own predictions and the runs part.
    let s = run(&[("pskd", 1.0), ("batch", 50.0), ("steps", 200.0)]);
    let (ce, pskd) = (
        &s.series["ce.mislabeled_true"],
        &s.series["pskd.mislabeled_true"],
    );
    let at = |series: &crate::lab::Series, step: f64| {
        series.y[series.x.iter().position(|x| *x == step).unwrap()]
    };
    for step in 1..=4 {
        assert_eq!(at(ce, step as f64), at(pskd, step as f64), "step {step}");
    }
    let test = |m: &str| &s.series[&format!("{m}.test_accuracy")].y;
    assert_ne!(test("ce"), test("pskd"), "PS-KD never left CE");
}

#[test]
fn every_method_has_its_switch_in_the_schema_and_trains() {
    let schema = schema();
    let mut ids: Vec<&str> = METHODS.iter().map(|m| m.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), METHODS.len(), "method ids are unique");
    let mut on = vec![("dataset", 1.0), ("hidden", 8.0), ("steps", 10.0)];
    for m in &METHODS {
        if let Some(switch) = m.switch {
            let spec = schema.iter().find(|p| p.name == switch).expect(switch);
            assert!(spec.checkbox, "{switch} is a checkbox");
            on.push((switch, 1.0));
        }
    }
    let s = run(&on);
    for m in &METHODS {
        assert_eq!(
            s.series[&format!("{}.memorized", m.id)].y.len(),
            11,
            "{}",
            m.id
        );
    }
}

#[test]
fn a_method_that_needs_a_hidden_layer_is_refused_on_the_linear_model() {
    let raw: std::collections::BTreeMap<String, String> = [
        ("msd".to_string(), "1".to_string()),
        ("hidden".into(), "0".into()),
    ]
    .into();
    let errors =
        crate::lab::resolve_params(&schema(), &raw, crate::lab::OutOfRange::Reject).unwrap_err();
    assert!(
        errors[0].message.contains("needs a hidden layer"),
        "{errors:?}"
    );
}

/// A small linear problem for gradient checks: 6 examples, 4 features, 3 classes.
const N: usize = 6;
const D: usize = 4;
const C: usize = 3;

fn inputs() -> Vec<f32> {
    (0..N * D)
        .map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0)
        .collect()
}

fn weights() -> Vec<f32> {
    (0..D * C)
        .map(|i| ((i * 3 % 5) as f32 - 2.0) / 4.0)
        .collect()
}

/// Row `i`'s logits under weights `w` and their log-sum-exp, in f64.
fn logits64(x: &[f32], w: &[f64], i: usize) -> (Vec<f64>, f64) {
    let z: Vec<f64> = (0..C)
        .map(|k| (0..D).map(|j| x[i * D + j] as f64 * w[j * C + k]).sum())
        .collect();
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
    (z, lse)
}

/// Checks the autodiff gradient of `loss` (of the logits x·W, no bias) in W against central
/// finite differences of `loss64`, its f64 twin.
fn check_gradient(loss: impl FnOnce(Tensor<2>) -> Tensor<1>, loss64: impl Fn(&[f64]) -> f64) {
    let (x, w) = (inputs(), weights());
    let device = Device::flex();
    let wt = matrix(&w, D, C, &device).autodiff().require_grad();
    let b = Tensor::<2>::zeros([1, C], &device);
    let logits = Classifier::logits_with(&[wt.clone(), b], matrix(&x, N, D, &device));
    let grads = loss(logits).backward();
    let g: Vec<f32> = wt
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let w64: Vec<f64> = w.iter().map(|v| *v as f64).collect();
    let eps = 1e-6;
    for i in 0..w.len() {
        let (mut up, mut down) = (w64.clone(), w64.clone());
        up[i] += eps;
        down[i] -= eps;
        let fd = (loss64(&up) - loss64(&down)) / (2.0 * eps);
        assert!(
            (g[i] as f64 - fd).abs() <= 1e-4 + 1e-3 * fd.abs(),
            "∂L/∂w[{i}]: autodiff {} vs finite difference {fd}",
            g[i]
        );
    }
}

#[test]
fn the_elr_gradient_matches_finite_differences_of_the_loss() {
    let x = inputs();
    let labels = [0usize, 2, 1, 1, 0, 2];
    let mut onehot = vec![0f32; N * C];
    for (i, y) in labels.iter().enumerate() {
        onehot[i * C + y] = 1.0;
    }
    let targets: Vec<f32> = (0..N * C)
        .map(|i| 0.2 + 0.6 * ((i * 5 % 7) as f32 / 7.0))
        .collect();
    let lambda = 2.0f32;
    let device = Device::flex();
    check_gradient(
        |logits| {
            cross_entropy(logits.clone(), matrix(&onehot, N, C, &device))
                + elr_penalty(
                    clamped_probs(logits),
                    matrix(&targets, N, C, &device),
                    lambda,
                )
        },
        |w| {
            (0..N)
                .map(|i| {
                    let (z, lse) = logits64(&x, w, i);
                    let dot: f64 = (0..C)
                        .map(|k| {
                            let p = (z[k] - lse).exp().clamp(1e-4, 1.0 - 1e-4);
                            targets[i * C + k] as f64 * p
                        })
                        .sum();
                    lse - z[labels[i]] + lambda as f64 * (1.0 - dot).ln()
                })
                .sum::<f64>()
                / N as f64
        },
    );
}

#[test]
fn the_soft_target_cross_entropy_matches_finite_differences() {
    // PS-KD's loss −mean Σ target·log softmax(z), its target fixed.
    let x = inputs();
    let target: Vec<f32> = (0..N)
        .flat_map(|i| {
            let raw = [0.2 + 0.1 * i as f32, 0.5, 0.3];
            let sum: f32 = raw.iter().sum();
            raw.map(|v| v / sum)
        })
        .collect();
    let device = Device::flex();
    check_gradient(
        |logits| cross_entropy(logits, matrix(&target, N, C, &device)),
        |w| {
            (0..N)
                .map(|i| {
                    let (z, lse) = logits64(&x, w, i);
                    -(0..C)
                        .map(|k| target[i * C + k] as f64 * (z[k] - lse))
                        .sum::<f64>()
                })
                .sum::<f64>()
                / N as f64
        },
    );
}

/// The value of series `name` at step `step`.
fn at(s: &Snapshot, name: &str, step: f64) -> f64 {
    let series = &s.series[name];
    let i = series.x.iter().position(|x| *x == step).expect("recorded");
    series.y[i]
}

#[test]
fn a_fork_from_ce_to_elr_after_memorization_began_undoes_most_of_it() {
    let plain = run(&[]);
    // Step 250: CE has memorized most flipped labels (it has all of them by step ~320).
    let forked = run(&[("fork", 1.0), ("fork_step", 250.0)]);
    // The fork changes none of the runs it sits beside, not even by a point at step 250.
    for name in ["ce.memorized", "elr.memorized", "ce.test_accuracy"] {
        assert_eq!(plain.series[name], forked.series[name], "{name}");
    }
    // It branches from CE at step 250, recorded there although the schedule skips 250: its
    // first point is CE's at that step (as a run that ends there records it).
    let fork = &forked.series["fork.memorized"];
    assert_eq!(fork.x[0], 250.0);
    assert!(!plain.series["ce.memorized"].x.contains(&250.0));
    let to_250 = run(&[("steps", 250.0)]);
    assert_eq!(fork.y[0], last(&to_250, "ce.memorized"));
    assert!(fork.y[0] >= 0.8, "memorized at the fork {}", fork.y[0]);
    // Then ELR's targets pull the predictions back: CE ends at 1, the fork far below.
    assert!(last(&forked, "ce.memorized") >= 0.95);
    assert!(
        last(&forked, "fork.memorized") <= 0.5,
        "fork ends at {}",
        last(&forked, "fork.memorized")
    );
    assert!(last(&forked, "fork.test_accuracy") > last(&forked, "ce.test_accuracy"));
}

#[test]
fn a_fork_from_elr_to_ce_memorizes_and_a_new_learning_rate_fork_keeps_its_base_until_the_fork() {
    let to_ce = run(&[("fork", 2.0), ("fork_step", 100.0)]);
    assert_eq!(
        at(&to_ce, "fork.memorized", 100.0),
        at(&to_ce, "elr.memorized", 100.0)
    );
    assert!(last(&to_ce, "fork.memorized") >= 0.9);
    assert!(last(&to_ce, "elr.memorized") <= 0.3);
    // A learning rate of 0: the fork's weights stay where CE's were at step 100.
    let frozen = run(&[("fork", 3.0), ("fork_step", 100.0), ("fork_lr", 1e-4)]);
    let fork = ys(&frozen, "fork.memorized");
    assert_eq!(fork[0], at(&frozen, "ce.memorized", 100.0));
    assert!((last(&frozen, "fork.memorized") - fork[0]).abs() < 0.05);
    assert!(last(&frozen, "ce.memorized") > fork[0] + 0.3);
}

#[test]
fn a_fork_past_the_last_step_says_so_and_forks_nothing() {
    let s = run(&[("fork", 1.0), ("fork_step", 5000.0)]);
    assert!(!s.series.contains_key("fork.memorized"));
    assert!(
        s.warnings.iter().any(|w| w.contains("nothing forks")),
        "{:?}",
        s.warnings
    );
}

/// Five points labelled class 2 drawn in the middle of class 0's blob (classes count from 0).
fn drawn_cluster() -> String {
    let at = [(2.0, 0.0), (2.2, 0.2), (1.8, -0.2), (2.0, 0.3), (2.3, -0.2)];
    let edits: Vec<drawn::Edit> = at
        .iter()
        .map(|(x, y)| drawn::Edit::add(*x, *y, 2))
        .collect();
    drawn::encode(&edits)
}

#[test]
fn ce_carves_an_island_around_your_own_mislabeled_points_and_elr_does_not() {
    let mut raw: std::collections::BTreeMap<String, String> = BOUNDARY_VALUES
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    raw.insert("noise".into(), "0".into());
    raw.insert("points".into(), drawn_cluster());
    let (params, notes) =
        crate::labs::params_for(ID, None, &raw, crate::OutOfRange::Reject).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(params.text("points"), drawn_cluster());
    let mut lab = EarlyLearningLab::new(params, &Device::flex(), "flex").unwrap();
    lab.step(lab.max_steps());
    let s = crate::block_on(lab.snapshot()).unwrap();
    assert_eq!(s.scalars["train_examples"], 305.0);
    // Only the drawn points are mislabeled: their nearest blob is class 0's.
    assert_eq!(s.scalars["mislabeled"], 5.0);
    assert_eq!(s.scalars["drawn.added"], 5.0);
    // Seeds 0–9: CE ends predicting the drawn label for 1–5 of the 5, ELR for none.
    assert!(
        last(&s, "ce.memorized") >= 0.2,
        "{}",
        last(&s, "ce.memorized")
    );
    assert_eq!(last(&s, "elr.memorized"), 0.0);
    // The points travel with the run: in its parameters and its CSV header.
    assert!(
        s.to_csv()
            .lines()
            .next()
            .unwrap()
            .contains(&format!("points={}", drawn_cluster()))
    );
    let back = Snapshot::from_json(&s.to_json()).unwrap();
    assert_eq!(back.params, s.params);
}

#[test]
fn unreadable_points_in_a_link_are_dropped_with_a_note_and_refused_by_the_cli() {
    let raw = std::collections::BTreeMap::from([
        ("dataset".to_string(), "1".to_string()),
        ("points".to_string(), "ab!d".to_string()),
    ]);
    let (params, notes) =
        crate::labs::params_for(ID, None, &raw, crate::OutOfRange::Clamp).unwrap();
    assert_eq!(params.text("points"), "");
    assert!(notes[0].message.contains("your points") && notes[0].message.contains("ignored"));
    let refused = crate::labs::params_for(ID, None, &raw, crate::OutOfRange::Reject);
    assert!(refused.is_err());
}

#[test]
fn points_on_a_data_set_they_do_not_apply_to_are_left_out_with_a_note() {
    let raw = std::collections::BTreeMap::from([
        ("dataset".to_string(), "2".to_string()),
        ("points".to_string(), drawn_cluster()),
    ]);
    let (params, notes) =
        crate::labs::params_for(ID, None, &raw, crate::OutOfRange::Clamp).unwrap();
    assert_eq!(params.text("points"), "");
    assert!(notes[0].message.contains("do not apply"), "{notes:?}");
    assert!(
        notes[0].message.contains("data set is 2-D blobs"),
        "{notes:?}"
    );
}

#[test]
fn drawn_classes_the_data_set_lacks_are_left_out_with_a_warning() {
    let points = drawn::encode(&[drawn::Edit::add(0.0, 2.0, 4), drawn::Edit::add(2.0, 0.0, 1)]);
    let mut params = default_params(&schema());
    params.0.insert("dataset".into(), 1.0);
    params.0.insert("classes".into(), 3.0);
    params.0.insert("steps".into(), 10.0);
    params.1.insert("points".into(), points);
    let mut lab = EarlyLearningLab::new(params, &Device::flex(), "flex").unwrap();
    lab.step(10);
    let s = crate::block_on(lab.snapshot()).unwrap();
    assert_eq!(s.scalars["drawn.added"], 1.0);
    assert!(
        s.warnings.iter().any(|w| w.contains("1 of your points")),
        "{:?}",
        s.warnings
    );
}

/// The digits race trained as two shares of its runs (as the page splits it over two cores)
/// shows exactly what one lab training every run shows: the same
/// series, the digits' predictions included, the same scalars and the same charts.
#[test]
fn a_race_trained_as_shares_of_its_runs_shows_what_one_lab_shows() {
    let shares = shares_show_what_one_lab_shows(&DIGITS_RACE_VALUES, 40.0);
    assert_eq!(
        shares,
        vec![vec!["ce", "msd"], vec!["elr", "pskd", "nested"]]
    );
}

/// CE and ELR alone split over two engines where they train a hidden layer (the 2-D boundary,
/// whose view is a grid of each run's predictions), and train in one on a linear model.
#[test]
fn two_runs_split_where_they_train_a_hidden_layer() {
    let shares = shares_show_what_one_lab_shows(&BOUNDARY_VALUES, 20.0);
    assert_eq!(shares, vec![vec!["ce"], vec!["elr"]]);
    let mut digits = default_params(&schema());
    for (k, v) in DIGITS_VALUES {
        digits.0.insert(k.to_string(), v);
    }
    assert_eq!(
        crate::labs::run_shares(ID, &digits, 2).unwrap(),
        Some(vec![vec!["ce"], vec!["elr"]])
    );
    let linear = default_params(&schema());
    assert_eq!(linear.usize("hidden"), 0);
    assert_eq!(crate::labs::run_shares(ID, &linear, 2).unwrap(), None);
}

/// Trains the preset `values` for `steps` steps as one lab and as two shares of its runs,
/// checks that the share shown, once it has the other's record, shows the same series,
/// scalars, parameters and charts, and returns the shares.
fn shares_show_what_one_lab_shows(values: &[(&str, f64)], steps: f64) -> Vec<Vec<&'static str>> {
    let mut params = default_params(&schema());
    for (k, v) in values.iter().chain(&[("steps", steps)]) {
        params.0.insert(k.to_string(), *v);
    }
    let device = Device::flex();
    let shares = crate::labs::run_shares(ID, &params, 2).unwrap().unwrap();
    assert_eq!(shares.len(), 2);
    let mut whole_lab = EarlyLearningLab::new(params.clone(), &device, "flex").unwrap();
    let whole = crate::block_on(whole_lab.run_to_end()).unwrap();
    let share = |runs: &[&str]| {
        let mut lab = EarlyLearningLab::new(params.clone(), &device, "flex").unwrap();
        lab.train_share(&runs.iter().map(|r| r.to_string()).collect::<Vec<_>>())
            .unwrap();
        lab
    };
    let mut shown = share(&shares[0]);
    let mut other = share(&shares[1]);
    crate::block_on(shown.run_to_end()).unwrap();
    // Before the other share reports, its runs are missing, not made up.
    let alone = crate::block_on(shown.snapshot()).unwrap();
    let first_other = format!("{}.test_accuracy", shares[1][0]);
    assert!(
        alone
            .series
            .contains_key(&format!("{}.test_accuracy", shares[0][0]))
    );
    assert!(!alone.series.contains_key(&first_other));
    crate::block_on(other.run_to_end()).unwrap();
    let record = other.shard_record().unwrap();
    assert_eq!(record.seeds, 0);
    let theirs = |k: &String| {
        shares[1]
            .iter()
            .any(|run| k.starts_with(&format!("{run}.")))
    };
    assert!(
        record.series.keys().all(theirs),
        "{:?}",
        record.series.keys()
    );
    shown.absorb_shards(vec![record]).unwrap();
    let merged = crate::block_on(shown.snapshot()).unwrap();
    assert_eq!(merged.series, whole.series);
    assert_eq!(merged.scalars, whole.scalars);
    assert_eq!(merged.params, whole.params);
    // The charts too: the view names each run beside its own predictions.
    assert_eq!(shown.charts(&merged, &[]), whole_lab.charts(&whole, &[]));
    shares
}

/// A run of another engine's share that diverges stops the lab shown, which says why, as one
/// engine training every run would.
#[test]
fn a_share_that_diverges_stops_the_lab_that_shows_it() {
    let mut params = default_params(&schema());
    for (k, v) in [
        ("msd", 1.0),
        ("pskd", 1.0),
        ("hidden", 16.0),
        ("lr", 1e9),
        ("steps", 50.0),
    ] {
        params.0.insert(k.to_string(), v);
    }
    let device = Device::flex();
    let shares = crate::labs::run_shares(ID, &params, 2).unwrap().unwrap();
    let share = |runs: &[&str]| {
        let mut lab = EarlyLearningLab::new(params.clone(), &device, "flex").unwrap();
        lab.train_share(&runs.iter().map(|r| r.to_string()).collect::<Vec<_>>())
            .unwrap();
        lab
    };
    // ELR's agreement with its targets is the value that turns NaN; its share diverges.
    let elr = shares.iter().position(|s| s.contains(&"elr")).unwrap();
    let (mut shown, mut other) = (share(&shares[1 - elr]), share(&shares[elr]));
    let stopped = crate::block_on(other.run_to_end()).unwrap();
    let why = stopped.diverged.expect("a step size of 1e9 diverges");
    shown
        .absorb_shards(vec![other.shard_record().unwrap()])
        .unwrap();
    assert_eq!(
        other.shard_record().unwrap().diverged.as_deref(),
        Some(why.as_str())
    );
    shown.step(50);
    assert_eq!(
        shown.steps_done(),
        0,
        "the lab shown stops with the other share"
    );
    let snapshot = crate::block_on(shown.snapshot()).unwrap();
    assert_eq!(snapshot.diverged.as_deref(), Some(why.as_str()));
}
