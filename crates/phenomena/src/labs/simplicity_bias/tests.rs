//! Simplicity bias on fixed seeds, natively on flex.

use burn::prelude::Device;

use phenomena_charts::Color;

use super::experiment::{DRAW_ORDER, PATH_POINTS, RUNS};
use super::params::PATCH_VALUES;
use super::*;
use crate::lab::{Lab, Params, Snapshot, default_params};

fn params(values: &[(&str, f64)]) -> Params {
    let mut p = default_params(&schema());
    for (k, v) in values {
        p.0.insert(k.to_string(), *v);
    }
    p
}

fn run(values: &[(&str, f64)]) -> Snapshot {
    let mut lab = SimplicityBiasLab::new(params(values), &Device::flex(), "flex").unwrap();
    crate::block_on(lab.run_to_end()).unwrap()
}

fn last(s: &Snapshot, name: &str) -> f64 {
    *s.series[name].y.last().unwrap()
}

#[test]
fn on_lms_gd_uses_only_the_linear_coordinate() {
    let s = run(&[]);
    assert!(last(&s, "gd.accuracy") >= 0.99);
    assert!(
        last(&s, "gd.s_randomized") <= 0.6,
        "{}",
        last(&s, "gd.s_randomized")
    );
    assert!(last(&s, "gd.sc_randomized") >= 0.95);
}

#[test]
fn useful_finds_the_examples_without_the_fast_feature_and_learns_the_slow_one_sooner() {
    let s = run(&PATCH_VALUES);
    assert!(s.scalars["useful.split_purity"] >= 0.9);
    // Averaged over 8 seeds ("never" counts as the run's length + 1).
    assert!(
        s.scalars["useful.slow_alignment_step"] < s.scalars["gd.slow_alignment_step"],
        "USEFUL {} vs GD {}",
        s.scalars["useful.slow_alignment_step"],
        s.scalars["gd.slow_alignment_step"]
    );
    assert!(last(&s, "useful.accuracy_without_fast") > last(&s, "gd.accuracy_without_fast"));
    assert_eq!(s.series["useful.accuracy"].x.last(), Some(&600.0));
}

#[test]
fn with_the_easy_half_randomized_gd_is_near_chance_on_dominoes() {
    let s = run(&[
        ("dataset", 2.0),
        ("lr", 1e-3),
        ("steps", 800.0),
        ("cluster_step", 20.0),
    ]);
    assert!(last(&s, "gd.accuracy") >= 0.95);
    assert!(
        last(&s, "gd.s_randomized") <= 0.6,
        "{}",
        last(&s, "gd.s_randomized")
    );
}

#[test]
fn a_slow_feature_stronger_than_the_fast_one_is_refused() {
    let err = SimplicityBiasLab::new(
        params(&[("dataset", 1.0), ("beta_slow", 1.5)]),
        &Device::flex(),
        "flex",
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("β_d"), "{err}");
}

#[test]
fn an_ensemble_too_big_for_the_device_is_refused_with_the_limit() {
    let err = SimplicityBiasLab::new(
        params(&[("dim", 200.0), ("seeds", 16.0)]),
        &Device::flex(),
        "flex",
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("at most 6 seeds"), "{err}");
}

#[test]
fn every_dataset_draws_its_charts_before_and_after_the_split() {
    // USEFUL's split chart only on the patch model, the dominoes grid only on dominoes; the
    // soups and the weight-space path on all three.
    for (dataset, count) in [(0.0, 4), (1.0, 5), (2.0, 5)] {
        let mut lab = SimplicityBiasLab::new(
            params(&[
                ("dataset", dataset),
                ("steps", 12.0),
                ("cluster_step", 4.0),
                ("dim", 10.0),
            ]),
            &Device::flex(),
            "flex",
        )
        .unwrap();
        lab.step(6);
        let before = crate::block_on(lab.snapshot()).unwrap();
        assert_eq!(lab.charts(&before, &[]).len(), count);
        let after = crate::block_on(lab.run_to_end()).unwrap();
        assert_eq!(after.step, lab.max_steps());
        for c in lab.charts(&after, &[]) {
            assert!(phenomena_charts::to_svg(&c, 480, 320).is_ok(), "{}", c.id);
        }
    }
}

/// The page trains a little work at a time (one run's step a slot) and reads back after
/// every frame, often in the middle of a lab step; the results must be those of whole steps,
/// through USEFUL's split, whichever slot a read-back falls after.
#[test]
fn training_a_few_slots_at_a_time_gives_the_same_run_as_whole_steps() {
    for (work, cluster_step) in [(3, 10.0), (1, 11.0), (2, 11.0)] {
        let values = [
            ("dataset", 1.0),
            ("seeds", 2.0),
            ("steps", 30.0),
            ("cluster_step", cluster_step),
        ];
        let device = Device::flex();
        let mut whole = SimplicityBiasLab::new(params(&values), &device, "flex").unwrap();
        let a = crate::block_on(whole.run_to_end()).unwrap();
        let mut slots = SimplicityBiasLab::new(params(&values), &device, "flex").unwrap();
        let mut calls = 0;
        let b = loop {
            slots.step_work(work);
            calls += 1;
            // The step count only moves at whole steps.
            assert!(slots.steps_done() <= 40);
            let s = crate::block_on(slots.snapshot()).unwrap();
            if slots.steps_done() >= slots.max_steps() {
                break s;
            }
            assert!(
                calls < 1000,
                "stepping stalled at step {}",
                slots.steps_done()
            );
        };
        // 2 seeds × 4 runs × 30 steps each = 240 run steps, `work` a call (one more where
        // the last slot is USEFUL catching up two steps at once).
        assert!(calls >= 240 / (work + 1), "{calls} calls");
        assert_eq!(a.step, b.step);
        for (w, (x, y)) in whole.worlds.iter().zip(&slots.worlds).enumerate() {
            assert_eq!(x.split, y.split, "world {w}'s split, {work} a call");
        }
        for (name, series) in &a.series {
            assert_eq!(series.x, b.series[name].x, "{name}");
            for (x, y) in series.y.iter().zip(&b.series[name].y) {
                assert!(
                    (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                    "{name}: {x} vs {y}, {work} a call"
                );
            }
        }
    }
}

#[test]
fn the_useful_pair_is_drawn_wide_under_thin_in_distinct_colours() {
    let colors: Vec<Color> = RUNS.iter().map(|r| r.2).collect();
    for (i, a) in colors.iter().enumerate() {
        for b in &colors[i + 1..] {
            let d = (a.0 as f64 - b.0 as f64).abs()
                + (a.1 as f64 - b.1 as f64).abs()
                + (a.2 as f64 - b.2 as f64).abs();
            assert!(d > 150.0, "{a:?} and {b:?} are too alike");
        }
    }
    let order: Vec<usize> = DRAW_ORDER.iter().map(|d| d.0).collect();
    let (useful, pair) = (
        order.iter().position(|r| *r == 2).unwrap(),
        order.iter().position(|r| *r == 3).unwrap(),
    );
    assert!(pair < useful, "USEFUL + SAM first, USEFUL on top");
    assert!(DRAW_ORDER[pair].1 > 2.0 * DRAW_ORDER[useful].1);
}

#[test]
fn the_slabs_preset_hides_the_patch_model_controls() {
    let lab = info();
    let slabs = lab.presets.iter().find(|p| p.id == "slabs").unwrap();
    let params = slabs.params(&lab.schema);
    let shown: Vec<&str> = lab
        .schema
        .iter()
        .filter(|p| p.applies(&params))
        .map(|p| p.name)
        .collect();
    assert!(shown.contains(&"slabs") && shown.contains(&"dim"));
    for hidden in ["beta_fast", "beta_slow", "alpha"] {
        assert!(!shown.contains(&hidden), "{hidden}");
    }
    let json = serde_json::to_value(&lab.schema).unwrap();
    let slabs_spec = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "slabs");
    assert_eq!(
        slabs_spec.unwrap()["visible_when"],
        serde_json::json!({"param": "dataset", "values": [0.0]})
    );
}

/// An ensemble trained as shards (seeds 0–1 here, 2–3 in another lab) shows what one lab
/// training all four seeds shows: the same means, deviations and scalars.
#[test]
fn an_ensemble_trained_in_shards_shows_what_one_lab_training_every_seed_shows() {
    let small = |seed: f64, seeds: f64| {
        params(&[
            ("dataset", 1.0),
            ("dim", 20.0),
            ("width", 8.0),
            ("steps", 60.0),
            ("cluster_step", 10.0),
            ("rho", 0.05),
            ("seed", seed),
            ("seeds", seeds),
        ])
    };
    let device = Device::flex();
    let mut whole_lab = SimplicityBiasLab::new(small(0.0, 4.0), &device, "flex").unwrap();
    let whole = crate::block_on(whole_lab.run_to_end()).unwrap();
    let mut shown = SimplicityBiasLab::new(small(0.0, 2.0), &device, "flex").unwrap();
    let mut other = SimplicityBiasLab::new(small(2.0, 2.0), &device, "flex").unwrap();
    // Mid-run, the other shard behind: series it has not recorded are left out, not averaged
    // over fewer seeds.
    crate::block_on(shown.run_to_end()).unwrap();
    crate::block_on(other.snapshot()).unwrap();
    shown
        .absorb_shards(vec![other.shard_record().unwrap()])
        .unwrap();
    let early = crate::block_on(shown.snapshot()).unwrap();
    assert!(early.series.contains_key("gd.accuracy"));
    assert!(!early.series.contains_key("useful.accuracy"));
    assert!(!early.scalars.contains_key("useful.split_purity"));
    // Both at the end.
    crate::block_on(other.run_to_end()).unwrap();
    shown
        .absorb_shards(vec![other.shard_record().unwrap()])
        .unwrap();
    let merged = crate::block_on(shown.snapshot()).unwrap();
    assert_eq!(merged.scalars["seeds"], 4.0);
    assert_eq!(
        merged.params.get("seeds"),
        4.0,
        "the exports' configuration covers every shard"
    );
    let names = |s: &Snapshot| s.series.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&merged), names(&whole));
    for (name, series) in &whole.series {
        assert_eq!(merged.series[name].x, series.x, "{name}");
        for (a, b) in merged.series[name].y.iter().zip(&series.y) {
            assert!((a - b).abs() <= 1e-12, "{name}: {a} vs {b}");
        }
    }
    for (name, value) in &whole.scalars {
        assert!((merged.scalars[name] - value).abs() <= 1e-12, "{name}");
    }
    // And the same charts, notes and captions included.
    assert_eq!(shown.charts(&merged, &[]), whole_lab.charts(&whole, &[]));
}

#[test]
fn the_step_of_alignment_is_interpolated_between_the_recorded_points() {
    use super::experiment::crossing;
    let series = crate::lab::Series {
        x: vec![1.0, 2.0, 4.0, 8.0],
        y: vec![0.1, 0.2, 0.4, 0.8],
    };
    // Between step 4 (0.4) and step 8 (0.8), a quarter of the way.
    assert_eq!(crossing(&series, 0.5), Some(5.0));
    assert_eq!(crossing(&series, 0.05), Some(1.0));
    assert_eq!(crossing(&series, 0.9), None);
}

/// A band of mean ± std stays inside what its series can take: an alignment (a weight's
/// magnitude) never below 0, an accuracy within [0, 1].
#[test]
fn the_seed_bands_stay_within_the_values_a_series_can_take() {
    use super::charts::with_band;
    use crate::lab::Series;
    let mut s = run(&[("steps", 10.0)]);
    let x = vec![1.0, 2.0];
    for (name, mean, std) in [
        ("gd.align_slow", [0.1, 2.0], [0.3, 0.5]),
        ("gd.accuracy", [0.9, 0.2], [0.2, 0.3]),
    ] {
        s.series.insert(
            name.into(),
            Series {
                x: x.clone(),
                y: mean.to_vec(),
            },
        );
        s.series.insert(
            format!("{name}.std"),
            Series {
                x: x.clone(),
                y: std.to_vec(),
            },
        );
    }
    let band = |name: &str| {
        with_band(
            &s,
            name,
            "GD".into(),
            phenomena_charts::palette::BLACK,
            (false, 2.0),
            8,
        )[0]
        .points
        .clone()
    };
    // Upper edge left to right, then the lower edge right to left.
    assert_eq!(
        band("gd.align_slow"),
        vec![(1.0, 0.4), (2.0, 2.5), (2.0, 1.5), (1.0, 0.0)]
    );
    let accuracy = band("gd.accuracy");
    assert_eq!(accuracy[0], (1.0, 1.0));
    assert_eq!(accuracy[3], (1.0, 0.7));
    assert!(accuracy.iter().all(|(_, y)| (0.0..=1.0).contains(y)));
}

/// A preset that trains two of the four runs gets the same numbers for them as the full set
/// (runs are independent given the seed; USEFUL's split reads GD, which always trains), and
/// draws no line or legend entry for the others.
#[test]
fn training_a_subset_of_the_runs_leaves_their_numbers_unchanged() {
    let small = [
        ("dataset", 1.0),
        ("dim", 20.0),
        ("width", 8.0),
        ("seeds", 2.0),
        ("steps", 40.0),
        ("cluster_step", 10.0),
    ];
    let with = |runs: f64| run(&[small.as_slice(), &[("runs", runs)]].concat());
    let all = with(0.0);
    for (choice, kept, dropped) in [
        (1.0, ["gd", "useful"], ["sam", "useful_sam"]),
        (2.0, ["gd", "sam"], ["useful", "useful_sam"]),
    ] {
        let some = with(choice);
        for run in kept {
            let name = format!("{run}.align_slow");
            assert_eq!(
                some.series[&name], all.series[&name],
                "{name}, runs = {choice}"
            );
        }
        for run in dropped {
            assert!(
                !some
                    .series
                    .keys()
                    .any(|k| k.starts_with(&format!("{run}.")))
            );
        }
        let lab = SimplicityBiasLab::new(
            params(&[small.as_slice(), &[("runs", choice)]].concat()),
            &Device::flex(),
            "flex",
        )
        .unwrap();
        let labels: Vec<String> = lab
            .charts(&some, &[])
            .iter()
            .find(|c| c.id == "alignment")
            .unwrap()
            .series
            .iter()
            .map(|s| s.name.clone())
            .collect();
        assert!(labels.contains(&"GD".to_string()), "{labels:?}");
        assert!(!labels.contains(&"USEFUL + SAM".to_string()), "{labels:?}");
    }
    assert!(
        !with(2.0).series.contains_key("split.outputs"),
        "no USEFUL, no split"
    );
}

/// The soups preset on its own 4 seeds (0–3), as measured: accuracy without the fast feature
/// at step 600 of GD 0.725, USEFUL + SAM 0.978, the uniform soup 0.887 and the greedy soup
/// 0.969. The greedy soup keeps up with the best run where the uniform one falls behind it;
/// the path from GD to USEFUL corrects almost none of the examples both ends get wrong.
#[test]
fn the_greedy_soup_keeps_up_with_the_best_run_and_the_uniform_soup_does_not() {
    let preset = info()
        .presets
        .into_iter()
        .find(|p| p.id == "soups")
        .unwrap();
    let s = run(preset.values);
    let acc = |run: &str| last(&s, &format!("{run}.accuracy_without_fast"));
    let best = ["gd", "sam", "useful", "useful_sam"]
        .map(acc)
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        acc("greedy") >= best - 0.02,
        "greedy {} vs best run {best}",
        acc("greedy")
    );
    assert!(
        acc("soup") < acc("greedy") - 0.05,
        "uniform {} vs greedy {}",
        acc("soup"),
        acc("greedy")
    );
    assert!(acc("soup") > acc("gd"), "the uniform soup still beats GD");
    // Soups average runs at equal steps: not before USEFUL has caught up with GD.
    assert!(s.series["soup.accuracy"].x[0] >= 120.0);
    let fixed = (0..PATH_POINTS)
        .map(|i| last(&s, &format!("path.fixed_{i}")))
        .fold(0.0, f64::max);
    assert!(fixed < 0.01, "{fixed}");
    assert!(last(&s, "path.both_wrong") > 0.05);
}

/// The SAM-vs-GD preset on 4 seeds, with GD forked to SAM at `step`.
fn gd_to_sam_at(step: f64) -> Snapshot {
    let preset = presets().into_iter().find(|p| p.id == "sam-vs-gd").unwrap();
    let mut values: Vec<(&str, f64)> = preset.values.to_vec();
    values.extend([("seeds", 4.0), ("fork", 1.0), ("fork_step", step)]);
    run(&values)
}

/// SAM helps the examples without the fast feature only from early on: GD switched to SAM
/// after its first step ends where SAM does, switched at step 50 (once the fast feature is
/// learned) it ends below both GD and SAM.
#[test]
fn gd_forked_to_sam_helps_only_when_forked_before_the_fast_feature_is_learned() {
    let metric = "accuracy_without_fast";
    let early = gd_to_sam_at(1.0);
    let sam = last(&early, &format!("sam.{metric}"));
    let gd = last(&early, &format!("gd.{metric}"));
    assert!(sam > gd + 0.05, "SAM {sam} vs GD {gd}");
    let fork = last(&early, &format!("fork.{metric}"));
    assert!((fork - sam).abs() < 0.05, "fork at 1: {fork} vs SAM {sam}");
    let late = gd_to_sam_at(50.0);
    // Nothing but the fork changes: the base runs end where they did.
    assert_eq!(last(&late, &format!("sam.{metric}")), sam);
    let series = &late.series[&format!("fork.{metric}")];
    assert_eq!(series.x[0], 50.0);
    let fork = last(&late, &format!("fork.{metric}"));
    assert!(
        fork < gd - 0.05 && fork < sam - 0.1,
        "fork at 50: {fork}, GD {gd}, SAM {sam}"
    );
}

#[test]
fn rho_shows_where_sam_trains_or_a_gd_to_sam_fork_does() {
    let lab = info();
    let rho = lab.schema.iter().find(|p| p.name == "rho").unwrap();
    let mut params = crate::lab::default_params(&lab.schema);
    let mut with = |runs: f64, fork: f64| {
        params.0.insert("runs".into(), runs);
        params.0.insert("fork".into(), fork);
        rho.applies(&params)
    };
    assert!(with(0.0, 0.0) && with(2.0, 0.0));
    assert!(!with(1.0, 0.0), "GD and USEFUL alone do not use ρ");
    assert!(with(1.0, 1.0), "GD → SAM does");
    assert!(!with(1.0, 2.0), "a new learning rate does not");
}
