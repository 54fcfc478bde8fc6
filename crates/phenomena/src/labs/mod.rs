//! The registry: every lab the playground knows. A new lab is a folder plus a line in each
//! function below.

pub mod early_learning;
pub mod frozen_subspace;
pub mod overoptimization;
pub mod simplicity_bias;

use burn::prelude::Device;

use crate::lab::{Lab, LabError, LabInfo, OutOfRange, Params, resolve_params};
use std::collections::BTreeMap;

pub fn all() -> Vec<LabInfo> {
    vec![
        frozen_subspace::info(),
        overoptimization::info(),
        early_learning::info(),
        simplicity_bias::info(),
    ]
}

pub fn info(id: &str) -> Result<LabInfo, LabError> {
    all()
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| LabError::UnknownLab(id.to_string()))
}

/// Creates lab `id` from validated parameters on `device`.
pub fn create(
    id: &str,
    params: Params,
    device: &Device,
    backend: &str,
) -> Result<Box<dyn Lab>, LabError> {
    match id {
        frozen_subspace::ID => Ok(Box::new(frozen_subspace::FrozenSubspaceLab::new(
            params, device, backend,
        )?)),
        overoptimization::ID => Ok(Box::new(overoptimization::OveroptimizationLab::new(
            params, device, backend,
        )?)),
        early_learning::ID => Ok(Box::new(early_learning::EarlyLearningLab::new(
            params, device, backend,
        )?)),
        simplicity_bias::ID => Ok(Box::new(simplicity_bias::SimplicityBiasLab::new(
            params, device, backend,
        )?)),
        other => Err(LabError::UnknownLab(other.to_string())),
    }
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
        for (k, v) in preset.params(&info.schema).0 {
            merged.insert(k, v.to_string());
        }
    }
    merged.extend(raw.iter().map(|(k, v)| (k.clone(), v.clone())));
    resolve_params(&info.schema, &merged, mode).map_err(LabError::Params)
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
                let Some(c) = p.visible_when else { continue };
                let other = lab
                    .schema
                    .iter()
                    .find(|o| o.name == c.param && o.name != p.name)
                    .unwrap_or_else(|| panic!("{}: `{}` depends on `{}`", lab.id, p.name, c.param));
                assert!(other.integer && other.visible_when.is_none());
                assert!(!c.values.is_empty());
                assert!(c.values.iter().all(|v| *v >= other.min && *v <= other.max));
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

    #[test]
    fn the_slabs_preset_hides_the_patch_model_controls() {
        let lab = info(simplicity_bias::ID).unwrap();
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
}
