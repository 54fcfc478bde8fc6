//! The CLI writes exactly what the lab produces in-process.

use std::collections::BTreeMap;
use std::process::Command;

use burn::prelude::Device;
use phenomena::{OutOfRange, labs};

#[test]
fn cli_csv_for_a_preset_equals_the_in_process_run() {
    let out = std::env::temp_dir().join(format!("phenomena-cli-test-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_phenomena-cli"))
        .args([
            "run",
            "frozen-subspace",
            "--preset",
            "well",
            "--set",
            "steps=300",
        ])
        .args(["--set", "n=60", "--set", "hidden=8", "--out"])
        .arg(&out)
        .status()
        .expect("cli runs");
    assert!(status.success());
    let written = std::fs::read_to_string(out.join("series.csv")).unwrap();

    let raw: BTreeMap<String, String> = [("steps", "300"), ("n", "60"), ("hidden", "8")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (params, _) =
        labs::params_for("frozen-subspace", Some("well"), &raw, OutOfRange::Reject).unwrap();
    let mut lab = labs::create("frozen-subspace", params, &Device::flex(), "flex").unwrap();
    let snapshot = phenomena::block_on(lab.run_to_end()).unwrap();
    assert_eq!(written, snapshot.to_csv());
    for chart in ["errors", "spectrum", "projection", "alpha"] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"));
    }
    assert!(
        std::fs::read_to_string(out.join("run.json"))
            .unwrap()
            .contains("\"seed\"")
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn cli_rejects_out_of_range_parameters_with_the_range() {
    let out = std::env::temp_dir().join("phenomena-cli-reject");
    let output = Command::new(env!("CARGO_BIN_EXE_phenomena-cli"))
        .args(["run", "frozen-subspace", "--set", "alpha=9", "--out"])
        .arg(&out)
        .output()
        .expect("cli runs");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("[0.05, 4]"), "{err}");
}

#[test]
fn www_catalog_json_is_what_the_registry_gives() {
    // The gallery renders from www/catalog.json without the engine; it must list exactly the
    // registry's labs, or the front page and the labs disagree.
    let output = Command::new(env!("CARGO_BIN_EXE_phenomena-cli"))
        .arg("catalog")
        .output()
        .expect("cli runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/catalog.json");
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        stored == generated,
        "www/catalog.json is stale: run `cargo xtask thumbs` (or `cargo run -p phenomena-cli -- \
         catalog > www/catalog.json`)"
    );
    let labs: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(labs.as_array().unwrap().len(), labs::all().len());
}

#[test]
fn list_json_is_the_registry_with_schemas_and_presets() {
    // Scripts (xtask thumbs) read the labs from here instead of keeping their own list.
    let output = Command::new(env!("CARGO_BIN_EXE_phenomena-cli"))
        .args(["list", "--json"])
        .output()
        .expect("cli runs");
    assert!(output.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    let registry = labs::all();
    assert_eq!(listed.len(), registry.len());
    for (json, lab) in listed.iter().zip(&registry) {
        assert_eq!(json["id"], lab.id);
        assert_eq!(json["schema"].as_array().unwrap().len(), lab.schema.len());
        assert_eq!(json["presets"].as_array().unwrap().len(), lab.presets.len());
    }
}
