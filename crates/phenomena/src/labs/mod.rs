//! The registry: every lab the playground knows, one line each. A new lab is a folder that
//! implements [`Experiment`] plus its line in [`REGISTRY`]; the page, the CLI, the gallery's
//! catalog, the tests and the benches all read the labs from here.

pub mod early_learning;
pub mod frozen_subspace;
pub mod overoptimization;
pub mod simplicity_bias;

#[cfg(test)]
mod contract;

use burn::prelude::Device;

use crate::harness::{Experiment, Lockstep};
use crate::lab::{Lab, LabError, LabInfo, OutOfRange, Params, resolve_params};
use std::collections::BTreeMap;

/// Every lab, in the gallery's order.
pub const REGISTRY: &[Registered] = &[
    Registered::of::<frozen_subspace::FrozenSubspace>(),
    Registered::of::<overoptimization::Overoptimization>(),
    Registered::of::<early_learning::EarlyLearning>(),
    Registered::of::<simplicity_bias::SimplicityBias>(),
];

/// Starts a lab from validated parameters on a device, naming the backend for its snapshots.
pub type CreateLab = fn(Params, &Device, &str) -> Result<Box<dyn Lab>, LabError>;

/// Splits the runs some parameters ask for into shares that engines train apart.
pub type RunShares = fn(&Params, usize) -> Option<Vec<Vec<&'static str>>>;

/// One lab in the registry: its id, what the page shows of it, how to start it, and how its
/// runs split into shares.
pub struct Registered {
    pub id: &'static str,
    pub info: fn() -> LabInfo,
    pub create: CreateLab,
    pub run_shares: RunShares,
}

impl Registered {
    pub const fn of<E: Experiment>() -> Self {
        Self {
            id: E::ID,
            info: E::info,
            create: Lockstep::<E>::boxed,
            run_shares: E::run_shares,
        }
    }
}

pub fn all() -> Vec<LabInfo> {
    REGISTRY.iter().map(|lab| (lab.info)()).collect()
}

fn registered(id: &str) -> Result<&'static Registered, LabError> {
    REGISTRY
        .iter()
        .find(|lab| lab.id == id)
        .ok_or_else(|| LabError::UnknownLab(id.to_string()))
}

pub fn info(id: &str) -> Result<LabInfo, LabError> {
    registered(id).map(|lab| (lab.info)())
}

/// Creates lab `id` from validated parameters on `device`.
pub fn create(
    id: &str,
    params: Params,
    device: &Device,
    backend: &str,
) -> Result<Box<dyn Lab>, LabError> {
    (registered(id)?.create)(params, device, backend)
}

/// How the runs of lab `id` with validated parameters `params` split into at most `shares`
/// shares, each a list of run names for [`Lab::train_share`]; `None` where they do not (a lab
/// whose runs do not train apart, one run, or a run too small to be worth another engine).
pub fn run_shares(
    id: &str,
    params: &Params,
    shares: usize,
) -> Result<Option<Vec<Vec<&'static str>>>, LabError> {
    Ok((registered(id)?.run_shares)(params, shares))
}

/// Parameters for lab `id` from a preset (optional) overlaid with raw text values.
pub fn params_for(
    id: &str,
    preset: Option<&str>,
    raw: &BTreeMap<String, String>,
    mode: OutOfRange,
) -> Result<(Params, Vec<crate::lab::ParamError>), LabError> {
    let info = info(id)?;
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    if let Some(preset_id) = preset {
        let preset = info
            .presets
            .iter()
            .find(|p| p.id == preset_id)
            .ok_or_else(|| {
                LabError::Params(vec![crate::lab::ParamError {
                    name: "preset".into(),
                    message: format!(
                        "unknown preset `{preset_id}`; known: {}",
                        info.presets
                            .iter()
                            .map(|p| p.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }])
            })?;
        let values = preset.params(&info.schema);
        for (k, v) in values.0 {
            merged.insert(k, v.to_string());
        }
        merged.extend(values.1);
    }
    merged.extend(raw.iter().map(|(k, v)| (k.clone(), v.clone())));
    resolve_params(&info.schema, &merged, mode).map_err(LabError::Params)
}

/// Predict, then reveal: what a finished run of lab `id` answers to preset `preset`'s question.
/// The run must have the preset's values (any seed): an error says why there is no answer
/// (another preset's settings, a run that diverged or has not finished, numbers between the
/// choices).
pub fn quiz_reveal(
    id: &str,
    preset: &str,
    snapshot: &crate::Snapshot,
) -> Result<crate::quiz::Reveal, String> {
    let info = info(id).map_err(|e| e.to_string())?;
    let found = info
        .presets
        .iter()
        .find(|p| p.id == preset)
        .ok_or_else(|| format!("the lab {id} has no preset `{preset}`, so no question"))?;
    let expected = found.params(&info.schema);
    // The seed and a fork change none of the runs the question is about.
    let free: Vec<&str> = info
        .schema
        .iter()
        .filter(|s| s.fork || s.name == "seed")
        .map(|s| s.name)
        .collect();
    let changed: Vec<&str> = expected
        .0
        .iter()
        .filter(|(name, value)| {
            !free.contains(&name.as_str()) && snapshot.params.0.get(name.as_str()) != Some(value)
        })
        .map(|(name, _)| name.as_str())
        // A text parameter (a drawn point set) changes the data the runs train on.
        .chain(snapshot.params.1.keys().map(String::as_str))
        .collect();
    if !changed.is_empty() {
        return Err(format!(
            "the run's settings differ from the preset's ({}); the question is about the preset's",
            changed.join(", ")
        ));
    }
    let planned = expected.0.get("steps").copied().unwrap_or(0.0) as u64;
    found.quiz.reveal(snapshot, planned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first `*word*`-style emphasis in `text`: the page renders plain text, so markdown
    /// asterisks would show literally.
    fn emphasis(text: &str) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if *c != '*'
                || chars
                    .get(i + 1)
                    .is_none_or(|n| n.is_whitespace() || *n == '*')
            {
                continue;
            }
            if let Some(len) = chars[i + 1..].iter().take(60).position(|c| *c == '*') {
                let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                if !inner.ends_with(char::is_whitespace) && !inner.contains('\n') {
                    return Some(format!("*{inner}*"));
                }
            }
        }
        None
    }

    #[test]
    fn the_emphasis_check_finds_asterisks() {
        assert_eq!(emphasis("the *true* label"), Some("*true*".into()));
        assert_eq!(emphasis("a * b and c * d"), None);
    }

    #[test]
    fn no_text_or_chart_shows_markdown_emphasis() {
        let mut texts: Vec<(String, String)> = Vec::new();
        for lab in all() {
            for (what, text) in [
                ("title", lab.title),
                ("summary", lab.summary),
                ("notes", lab.notes),
                ("citation", lab.citation),
            ] {
                texts.push((format!("{} {what}", lab.id), text.into()));
            }
            for p in &lab.schema {
                for text in [p.label, p.help, p.source].iter().chain(p.options) {
                    texts.push((format!("{} param {}", lab.id, p.name), text.to_string()));
                }
            }
            for preset in &lab.presets {
                texts.push((
                    format!("{} preset {}", lab.id, preset.id),
                    preset.caption.into(),
                ));
                texts.push((
                    format!("{} preset {}", lab.id, preset.id),
                    preset.title.into(),
                ));
                let params = preset.params(&lab.schema);
                let mut run = create(lab.id, params, &Device::flex(), "flex").unwrap();
                run.step(3);
                let snapshot = crate::block_on(run.snapshot()).unwrap();
                for chart in run.charts(&snapshot, &[]) {
                    let at = format!("{} {} chart {}", lab.id, preset.id, chart.id);
                    texts.push((at.clone(), chart.title.clone()));
                    texts.push((at.clone(), chart.caption.clone()));
                    texts.extend(chart.notes.iter().map(|n| (at.clone(), n.clone())));
                    texts.extend(chart.series.iter().map(|s| (at.clone(), s.name.clone())));
                }
            }
        }
        for (at, text) in texts {
            assert_eq!(emphasis(&text), None, "{at}: {text}");
        }
    }

    #[test]
    fn every_visibility_condition_names_a_choice_of_the_same_lab() {
        for lab in all() {
            for p in &lab.schema {
                // Every clause of the condition, `or` ones included.
                let clauses = std::iter::successors(p.visible_when.as_ref(), |c| c.or);
                for c in clauses {
                    let other = lab
                        .schema
                        .iter()
                        .find(|o| o.name == c.param && o.name != p.name)
                        .unwrap_or_else(|| {
                            panic!("{}: `{}` depends on `{}`", lab.id, p.name, c.param)
                        });
                    assert!(other.integer && other.visible_when.is_none());
                    assert!(!c.values.is_empty());
                    assert!(c.values.iter().all(|v| *v >= other.min && *v <= other.max));
                }
            }
            // Every preset's own parameters apply to it.
            for preset in &lab.presets {
                let params = preset.params(&lab.schema);
                for (name, _) in preset.values {
                    let spec = lab.schema.iter().find(|s| s.name == *name).unwrap();
                    assert!(spec.applies(&params), "{} {}: {name}", lab.id, preset.id);
                }
            }
        }
    }
}
