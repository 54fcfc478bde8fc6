//! The contract every registered lab keeps, checked on every entry of the registry: a lab
//! added with its one registry line is tested here without another edit.

use std::collections::{BTreeMap, BTreeSet};

use burn::prelude::Device;

use super::{REGISTRY, all, create, params_for};
use crate::lab::{LabError, LabInfo, OutOfRange, ParamSpec, Params, Snapshot, fmt_num};

/// Keys the page's links and the embed's hash use for themselves (`www/url-state.js`,
/// `www/embed.js`): a parameter with one of these names could never be set from a link.
const RESERVED: [&str; 8] = [
    "lab", "preset", "backend", "hide", "controls", "autoplay", "theme", "quiz",
];

/// Steps each preset is run for: enough to record, step, and draw every chart.
const FEW_STEPS: u64 = 3;

fn spec<'a>(lab: &'a LabInfo, name: &str) -> &'a ParamSpec {
    lab.schema
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{}: `{name}` is not declared", lab.id))
}

#[test]
fn the_registry_lists_each_lab_once_under_its_own_id() {
    let ids: BTreeSet<&str> = REGISTRY.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), REGISTRY.len());
    for (entry, info) in REGISTRY.iter().zip(all()) {
        assert_eq!(entry.id, info.id);
        assert!(!info.title.is_empty() && !info.summary.is_empty() && !info.citation.is_empty());
        assert!(!info.presets.is_empty(), "{}: no preset", info.id);
    }
}

#[test]
fn every_lab_declares_its_seed_and_length_and_no_reserved_names() {
    for lab in all() {
        for (name, max_at_least) in [("seed", 1e6), ("steps", 10.0)] {
            let p = spec(&lab, name);
            assert!(p.integer && p.visible_when.is_none(), "{}: {name}", lab.id);
            assert!(p.min >= 0.0 && p.max >= max_at_least, "{}: {name}", lab.id);
        }
        let names: BTreeSet<&str> = lab.schema.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), lab.schema.len(), "{}: a name twice", lab.id);
        for p in &lab.schema {
            assert!(
                !RESERVED.contains(&p.name),
                "{}: `{}` is reserved",
                lab.id,
                p.name
            );
            let url_safe = p
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            assert!(url_safe && !p.name.is_empty(), "{}: `{}`", lab.id, p.name);
            assert!(
                p.min <= p.default && p.default <= p.max && p.step > 0.0,
                "{}: `{}` default {} outside [{}, {}]",
                lab.id,
                p.name,
                p.default,
                p.min,
                p.max
            );
            assert!(
                !p.log || p.min > 0.0,
                "{}: `{}` is log from 0",
                lab.id,
                p.name
            );
            if !p.options.is_empty() {
                assert!(p.integer && p.min == 0.0, "{}: `{}`", lab.id, p.name);
                assert_eq!(
                    p.options.len() as f64,
                    p.max + 1.0,
                    "{}: `{}`",
                    lab.id,
                    p.name
                );
            }
        }
    }
}

#[test]
fn every_preset_is_valid_for_its_schema() {
    for lab in all() {
        let ids: BTreeSet<&str> = lab.presets.iter().map(|p| p.id).collect();
        assert_eq!(
            ids.len(),
            lab.presets.len(),
            "{}: a preset id twice",
            lab.id
        );
        for preset in &lab.presets {
            assert!(!preset.caption.is_empty() && !preset.title.is_empty());
            let raw: BTreeMap<String, String> = preset
                .values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let resolved = params_for(lab.id, None, &raw, OutOfRange::Reject);
            assert!(
                resolved.is_ok(),
                "{} preset {}: {:?}",
                lab.id,
                preset.id,
                resolved.err()
            );
        }
    }
}

/// Runs `lab` a few steps with `params` and returns its snapshot, or the error it gave.
fn few_steps(lab: &str, params: Params) -> Result<Snapshot, LabError> {
    let mut run = create(lab, params, &Device::flex(), "flex")?;
    run.step(FEW_STEPS);
    run.step_work(2);
    let snapshot = crate::block_on(run.snapshot())?;
    assert!(snapshot.step <= FEW_STEPS + 2 && snapshot.step <= run.max_steps());
    assert_eq!(snapshot.step, run.steps_done());
    // Something was recorded after training began: a lab whose step does nothing, or records
    // nothing on the schedule, fails here.
    let trained = snapshot
        .series
        .values()
        .any(|s| s.x.iter().any(|x| *x >= 1.0));
    assert!(trained, "{lab}: no series has a point after step 0");
    let charts = run.charts(
        &snapshot,
        &run.summary(&snapshot).into_iter().collect::<Vec<_>>(),
    );
    assert!(!charts.is_empty(), "{lab}: no chart");
    let ids: BTreeSet<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), charts.len(), "{lab}: a chart id twice");
    for chart in &charts {
        assert!(
            !chart.title.is_empty() && !chart.caption.is_empty(),
            "{lab} {}",
            chart.id
        );
        // A chart crosses from the lab's worker to the page as JSON text, which writes NaN
        // and ±∞ as null: it must read back, and to the last bit.
        let json = serde_json::to_string(chart).expect(lab);
        let back: phenomena_charts::ChartSpec = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{lab} {}: the JSON does not read back: {e}", chart.id));
        assert_eq!(
            serde_json::to_string(&back).expect(lab),
            json,
            "{lab} {}",
            chart.id
        );
    }
    Ok(snapshot)
}

#[test]
fn every_preset_runs_a_few_steps_and_its_snapshot_round_trips_through_json() {
    for lab in all() {
        for preset in &lab.presets {
            let at = format!("{} preset {}", lab.id, preset.id);
            let snapshot = few_steps(lab.id, preset.params(&lab.schema)).expect(&at);
            assert_eq!(snapshot.lab, lab.id, "{at}");
            assert_eq!(snapshot.seed, 0, "{at}");
            assert!(snapshot.diverged.is_none(), "{at}");
            assert!(!snapshot.series.is_empty(), "{at}");
            let json = serde_json::to_string(&snapshot).expect(&at);
            let back: Snapshot = serde_json::from_str(&json).expect(&at);
            // JSON writes NaN and ±∞ as null, read back as NaN; every other number must come
            // back to the last bit.
            let finite = |s: &Snapshot| {
                let mut s = s.clone();
                let fix = |v: &mut f64| *v = if v.is_finite() { *v } else { -0.0 };
                s.scalars.values_mut().for_each(fix);
                for series in s.series.values_mut() {
                    series.x.iter_mut().chain(series.y.iter_mut()).for_each(fix);
                }
                s
            };
            assert_eq!(
                finite(&back),
                finite(&snapshot),
                "{at}: the JSON export loses something"
            );
        }
    }
}

/// Every fork a lab offers branches at its step: the fork's series start there, a chart draws
/// it under its name, and the quiz still answers for the preset (a fork changes no base run).
#[test]
fn every_fork_of_every_lab_branches_at_its_step_and_is_drawn() {
    let mut offered = 0;
    for lab in all() {
        let Some(fork) = lab.schema.iter().find(|p| p.name == "fork") else {
            continue;
        };
        assert!(fork.fork && fork.default == 0.0, "{}", lab.id);
        assert!(
            spec(&lab, "fork_step").max >= spec(&lab, "steps").max,
            "{}",
            lab.id
        );
        let preset = &lab.presets[0];
        for choice in 1..=fork.max as usize {
            offered += 1;
            let at = format!("{} fork {choice}", lab.id);
            let mut params = preset.params(&lab.schema);
            params.0.insert("fork".into(), choice as f64);
            params.0.insert("fork_step".into(), 2.0);
            let mut run = create(lab.id, params.clone(), &Device::flex(), "flex").expect(&at);
            run.step(FEW_STEPS);
            let snapshot = crate::block_on(run.snapshot()).expect(&at);
            let forked: Vec<&String> = snapshot
                .series
                .keys()
                .filter(|k| k.starts_with("fork."))
                .collect();
            // Its metrics start at the fork (pictures indexed by example or response aside).
            let from_fork = forked
                .iter()
                .filter(|name| snapshot.series[**name].x.first() == Some(&2.0))
                .count();
            assert!(
                from_fork > 0,
                "{at}: nothing recorded from step 2 as fork.*"
            );
            let charts = run.charts(&snapshot, &[]);
            let drawn = charts
                .iter()
                .flat_map(|c| &c.series)
                .any(|s| s.name.contains("from step 2"));
            assert!(drawn, "{at}: no chart draws the fork");
            assert!(
                snapshot.warnings.iter().all(|w| !w.contains("fork")),
                "{at}"
            );
        }
    }
    assert!(offered >= 2, "no lab offers a fork");
}

/// Predict, then reveal: every preset asks a question with two to six distinct choices, and a
/// run that has not reached its end, or whose settings are not the preset's, answers nothing
/// and says why. (What finished runs answer is in the golden runs and `phenomena-cli quiz`.)
#[test]
fn every_preset_asks_a_question_that_only_its_finished_run_answers() {
    for lab in all() {
        for preset in &lab.presets {
            let at = format!("{} preset {}", lab.id, preset.id);
            let quiz = &preset.quiz;
            assert!(
                quiz.question.trim_end().ends_with('?'),
                "{at}: {}",
                quiz.question
            );
            assert!((2..=6).contains(&quiz.choices.len()), "{at}");
            let distinct: BTreeSet<&str> = quiz.choices.iter().copied().collect();
            assert_eq!(distinct.len(), quiz.choices.len(), "{at}: repeated choices");
            assert!(quiz.choices.iter().all(|c| !c.trim().is_empty()), "{at}");

            let snapshot = few_steps(lab.id, preset.params(&lab.schema)).expect(&at);
            let exported = Snapshot::from_json(&snapshot.to_json()).expect(&at);
            let early = super::quiz_reveal(lab.id, preset.id, &exported).unwrap_err();
            assert!(early.contains("stopped at step"), "{at}: {early}");

            let mut changed = exported.clone();
            let steps = changed.params.0.get_mut("steps").expect(&at);
            *steps += 1.0;
            let other = super::quiz_reveal(lab.id, preset.id, &changed).unwrap_err();
            assert!(
                other.contains("differ from the preset's (steps)"),
                "{at}: {other}"
            );
        }
    }
    let missing = super::quiz_reveal("frozen-subspace", "no-such-preset", &Snapshot::default());
    assert!(missing.unwrap_err().contains("no preset `no-such-preset`"));
}

/// Out-of-range and malformed values: each is refused with a message that names the
/// parameter and its range, never a panic.
#[test]
fn bad_values_are_refused_with_the_parameter_and_its_range() {
    for lab in all() {
        for p in &lab.schema {
            if p.text.is_some() {
                bad_text_is_refused(lab.id, p.name);
                continue;
            }
            let range = format!("[{}, {}]", fmt_num(p.min), fmt_num(p.max));
            let below = p.min - p.step.max(1.0);
            let above = p.max + p.step.max(1.0) * 2.0;
            for bad in [
                fmt_num(below),
                fmt_num(above),
                "abc".into(),
                "NaN".into(),
                "inf".into(),
                String::new(),
            ] {
                let raw = BTreeMap::from([(p.name.to_string(), bad.clone())]);
                let at = format!("{} `{}` = `{bad}`", lab.id, p.name);
                match params_for(lab.id, None, &raw, OutOfRange::Reject) {
                    Err(LabError::Params(errors)) => {
                        assert_eq!(errors.len(), 1, "{at}");
                        assert_eq!(errors[0].name, p.name, "{at}");
                        let message = &errors[0].message;
                        assert!(message.contains(p.name), "{at}: {message}");
                        assert!(message.contains(&range), "{at}: {message}");
                    }
                    other => panic!("{at}: accepted ({other:?})"),
                }
                // From a link the same value is dropped or clamped, with a note.
                // (A switch clamped to "on" gets a second note when what it needs is missing.)
                let (params, notes) = params_for(lab.id, None, &raw, OutOfRange::Clamp).expect(&at);
                let most = if p.requires.is_some() { 2 } else { 1 };
                assert!(!notes.is_empty() && notes.len() <= most, "{at}: {notes:?}");
                assert!(notes.iter().all(|n| n.name == p.name), "{at}: {notes:?}");
                assert!((p.min..=p.max).contains(&params.get(p.name)), "{at}");
            }
        }
    }
}

/// Text no reader takes (a stray character, a broken group): refused naming the parameter,
/// or from a link dropped with a note.
fn bad_text_is_refused(lab: &str, name: &str) {
    for bad in ["#", "abc!", "\u{1F600}"] {
        let raw = BTreeMap::from([(name.to_string(), bad.to_string())]);
        let at = format!("{lab} `{name}` = `{bad}`");
        match params_for(lab, None, &raw, OutOfRange::Reject) {
            Err(LabError::Params(errors)) => {
                assert_eq!(errors.len(), 1, "{at}");
                assert!(
                    errors[0].name == name && errors[0].message.contains(name),
                    "{at}"
                );
            }
            other => panic!("{at}: accepted ({other:?})"),
        }
        let (params, notes) = params_for(lab, None, &raw, OutOfRange::Clamp).expect(&at);
        assert!(notes.len() == 1 && notes[0].name == name, "{at}: {notes:?}");
        assert_eq!(params.text(name), "", "{at}");
    }
}

/// Each parameter at either end of its range (the others at the lab's first preset): the lab
/// builds and steps, or refuses with a message naming a parameter; it never panics.
#[test]
fn every_parameter_at_its_extremes_builds_or_is_refused_clearly() {
    for lab in all() {
        let base = lab.presets[0].params(&lab.schema);
        for p in &lab.schema {
            // A text parameter has no range; each lab tests its own.
            if p.text.is_some() {
                continue;
            }
            for value in [p.min, p.max] {
                let mut params = base.clone();
                // A parameter that applies only under a condition is tried where it applies,
                // with what its switch needs (a method's knobs with the method on).
                if let Some(when) = p.visible_when {
                    params.0.insert(when.param.to_string(), when.values[0]);
                    if let Some(need) = spec(&lab, when.param).requires {
                        params.0.insert(need.param.to_string(), need.above + 8.0);
                    }
                }
                params.0.insert(p.name.to_string(), value);
                let at = format!("{} `{}` = {}", lab.id, p.name, fmt_num(value));
                match few_steps(lab.id, params) {
                    Ok(_) => {}
                    Err(LabError::Params(errors)) => {
                        assert!(!errors.is_empty(), "{at}");
                        for e in errors {
                            assert!(
                                spec(&lab, &e.name).name == e.name && e.message.contains(&e.name),
                                "{at}: {}",
                                e.message
                            );
                        }
                    }
                    Err(other) => panic!("{at}: {other}"),
                }
            }
        }
    }
}

/// A lab that says its seeds (or its runs) train apart records itself as a shard and takes
/// others' records; every other lab refuses them with its name.
#[test]
fn only_labs_whose_seeds_or_runs_train_apart_take_shards() {
    for info in all() {
        let mut lab = create(
            info.id,
            crate::lab::default_params(&info.schema),
            &Device::flex(),
            "flex",
        )
        .unwrap();
        let shards = info.seed_shards || info.run_shards;
        assert_eq!(lab.shard_record().is_some(), shards, "{}", info.id);
        match lab.absorb_shards(Vec::new()) {
            Ok(()) => assert!(shards, "{}", info.id),
            Err(e) => {
                assert!(!shards, "{}", info.id);
                assert!(e.to_string().contains(info.id), "{e}");
            }
        }
    }
}

/// Every preset of a lab whose runs train apart splits into shares that, trained in engines of
/// their own, cover each run once; a share is refused after the first step, and a run the
/// settings do not train is refused by name. Other labs split nothing and refuse shares.
#[test]
fn run_shares_cover_each_run_once_and_are_taken_only_before_the_first_step() {
    for info in all() {
        for preset in &info.presets {
            let params = preset.params(&info.schema);
            let shares = crate::labs::run_shares(info.id, &params, 4).unwrap();
            let Some(shares) = shares else {
                let mut lab = create(info.id, params, &Device::flex(), "flex").unwrap();
                if !info.run_shards {
                    assert!(lab.train_share(&[]).is_err(), "{}", info.id);
                }
                continue;
            };
            assert!(info.run_shards, "{} {}", info.id, preset.id);
            assert!(shares.len() >= 2 && shares.iter().all(|s| !s.is_empty()));
            let mut names: Vec<&str> = shares.concat();
            names.sort_unstable();
            // Each run the lab trains unsplit (its series' prefixes), in exactly one share.
            let mut whole = create(info.id, params.clone(), &Device::flex(), "flex").unwrap();
            let snapshot = crate::block_on(whole.snapshot()).unwrap();
            let mut runs: Vec<&str> = snapshot
                .series
                .keys()
                .filter_map(|k| k.split_once('.').map(|(run, _)| run))
                .collect();
            runs.dedup();
            assert_eq!(names, runs, "{} {}", info.id, preset.id);
            // A fork trains every run in one engine; a share of a run with a fork is refused.
            let mut forked = params.clone();
            forked.0.insert("fork".into(), 1.0);
            assert_eq!(crate::labs::run_shares(info.id, &forked, 4).unwrap(), None);
            let mut lab = create(info.id, forked, &Device::flex(), "flex").unwrap();
            assert!(lab.train_share(&[shares[0][0].to_string()]).is_err());
            for share in &shares {
                let runs: Vec<String> = share.iter().map(|s| s.to_string()).collect();
                let mut lab = create(info.id, params.clone(), &Device::flex(), "flex").unwrap();
                lab.train_share(&runs).unwrap();
                lab.step(1);
                assert!(lab.train_share(&runs).is_err(), "after a step");
            }
            let mut lab = create(info.id, params.clone(), &Device::flex(), "flex").unwrap();
            let err = lab.train_share(&["no-such-run".to_string()]).unwrap_err();
            assert!(err.to_string().contains("no-such-run"), "{err}");
            assert!(lab.train_share(&[]).is_err(), "a share of no runs");
            // Two shares in a row: the second can only narrow the first.
            lab.train_share(&[shares[0][0].to_string()]).unwrap();
            assert!(lab.train_share(&[shares[1][0].to_string()]).is_err());
        }
    }
}
