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
