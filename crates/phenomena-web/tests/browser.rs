//! The web crate compiled to wasm, in headless Chromium: a lab trains on flex, and the same
//! seed gives the same curves on WebGPU (the software adapter in CI) and on flex.

#![cfg(target_family = "wasm")]

use std::collections::BTreeMap;

use burn::prelude::Device;
use phenomena_web::{Backend, Session, ensure_constructors};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static WEBGPU: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

/// The WebGPU device, initialised once for all tests (a runtime cannot start twice).
async fn webgpu() -> Device {
    if let Some(device) = WEBGPU.with(|w| w.borrow().clone()) {
        return device;
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .expect("a WebGPU adapter (Chromium needs --enable-unsafe-webgpu)");
    WEBGPU.with(|w| *w.borrow_mut() = Some(device.clone()));
    device
}

/// A small run so the software WebGPU adapter finishes in seconds.
fn small() -> BTreeMap<String, String> {
    [
        ("n", "40"),
        ("alpha", "0.5"),
        ("hidden", "8"),
        ("steps", "40"),
        ("init_scale", "0.5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn run(backend: Backend, device: &Device) -> (Vec<f64>, Vec<f64>) {
    let (mut session, notes) =
        Session::create("frozen-subspace", None, &small(), backend, device).expect("lab builds");
    assert!(notes.is_empty());
    session.step(40);
    let snapshot = session.refresh().await.expect("metrics read back");
    assert_eq!(snapshot.step, 40);
    assert_eq!(snapshot.backend, backend.name());
    (
        snapshot.series["linear.E_g"].y.clone(),
        snapshot.series["network.E_g"].y.clone(),
    )
}

#[wasm_bindgen_test]
async fn flex_trains_the_lab_in_the_browser() {
    ensure_constructors();
    let (linear, network) = run(Backend::Flex, &Device::flex()).await;
    assert!(linear.iter().chain(&network).all(|v| v.is_finite()));
    assert!(linear.last().unwrap() < &linear[0], "E_g fell: {linear:?}");
}

#[wasm_bindgen_test]
async fn webgpu_and_flex_give_the_same_curves_for_one_seed() {
    ensure_constructors();
    let gpu = webgpu().await;
    let (gpu_linear, gpu_network) = run(Backend::WebGpu, &gpu).await;
    let (cpu_linear, cpu_network) = run(Backend::Flex, &Device::flex()).await;
    assert_eq!(gpu_linear.len(), cpu_linear.len());
    for (name, a, b) in [
        ("linear", &gpu_linear, &cpu_linear),
        ("network", &gpu_network, &cpu_network),
    ] {
        for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
            let rel = (x - y).abs() / y.abs().max(1e-12);
            assert!(
                rel < 1e-3,
                "{name} E_g differs at record {i}: webgpu {x} vs flex {y}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn dpo_overoptimizes_and_rpo_does_not_in_the_browser_on_flex() {
    ensure_constructors();
    let (mut session, _) = Session::create(
        "overoptimization",
        Some("dpo-drifts"),
        &BTreeMap::new(),
        Backend::Flex,
        &Device::flex(),
    )
    .expect("lab builds");
    session.step(2000);
    let s = session.refresh().await.expect("metrics read back");
    let last = |name: &str| *s.series[name].y.last().unwrap();
    let dpo_gold = &s.series["dpo.gold"].y;
    let peak = dpo_gold.iter().copied().fold(f64::MIN, f64::max);
    assert!(peak > dpo_gold[0] + 0.3 && last("dpo.gold") < dpo_gold[0]);
    assert!(last("dpo.ood_mass") > 0.9 && last("dpo.chosen_log_ratio") < -5.0);
    assert!(last("rpo.gold") >= 1.8 && last("rpo.ood_mass") < 0.05);
}

fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs `lab` with `params` to its end on WebGPU and on flex and checks that the named series
/// agree within `tolerance` (absolute, or relative for values above one).
async fn same_on_both_backends(
    lab: &str,
    params: &[(&str, &str)],
    series: &[&str],
    tolerance: f64,
) {
    ensure_constructors();
    let gpu = webgpu().await;
    let mut curves = Vec::new();
    for (backend, device) in [(Backend::WebGpu, gpu), (Backend::Flex, Device::flex())] {
        let (mut session, _) =
            Session::create(lab, None, &raw(params), backend, &device).expect("lab builds");
        // Step and read back until the run ends (some labs pause for a read-back).
        for _ in 0..8 {
            if session.steps_done() >= session.max_steps() {
                break;
            }
            session.step(session.max_steps());
            session.refresh().await.expect("metrics read back");
        }
        assert_eq!(
            session.steps_done(),
            session.max_steps(),
            "{lab} ran to its end"
        );
        let s = session.refresh().await.expect("metrics read back").clone();
        curves.push(
            series
                .iter()
                .map(|n| s.series[*n].y.clone())
                .collect::<Vec<_>>(),
        );
    }
    for (name, (gpu, cpu)) in series.iter().zip(curves[0].iter().zip(&curves[1])) {
        assert_eq!(gpu.len(), cpu.len(), "{name}");
        for (x, y) in gpu.iter().zip(cpu) {
            assert!(
                (x - y).abs() <= tolerance * y.abs().max(1.0),
                "{lab} {name}: webgpu {x} vs flex {y}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn overoptimization_gives_the_same_curves_on_webgpu_and_flex() {
    same_on_both_backends(
        "overoptimization",
        &[("steps", "25"), ("policy", "1"), ("hidden", "8")],
        &["rlhf.gold", "dpo.gold", "rpo.gold", "dpo.ood_mass"],
        1e-3,
    )
    .await;
}

#[wasm_bindgen_test]
async fn early_learning_gives_the_same_curves_on_webgpu_and_flex() {
    // Accuracies move in steps of 1/1000 test points: allow one or two flips. Every method
    // of the race runs: the dropout masks are drawn on the host, so both backends see the same.
    same_on_both_backends(
        "early-learning",
        &[
            ("steps", "15"),
            ("hidden", "16"),
            ("dataset", "1"),
            ("pskd", "1"),
            ("msd", "1"),
            ("nested", "1"),
        ],
        &[
            "ce.test_accuracy",
            "elr.test_accuracy",
            "elr.target_agreement",
            "pskd.test_accuracy",
            "msd.test_accuracy",
            "nested.test_accuracy",
        ],
        2e-3,
    )
    .await;
}

#[wasm_bindgen_test]
async fn simplicity_bias_gives_the_same_curves_on_webgpu_and_flex() {
    // The patch model (cubic filters) with SAM, through USEFUL's clustering step.
    same_on_both_backends(
        "simplicity-bias",
        &[
            ("dataset", "1"),
            ("dim", "20"),
            ("width", "8"),
            ("optimizer", "0"),
            ("lr", "1"),
            ("batch", "0"),
            ("steps", "10"),
            ("cluster_step", "4"),
            ("rho", "0.3"),
        ],
        // The soups start once USEFUL has caught up (step 8): weight averaging and the greedy
        // choice, decided on the device, on both backends.
        &[
            "gd.align_fast",
            "sam.align_fast",
            "useful.align_slow",
            "soup.align_slow",
            "greedy.align_fast",
            "greedy.size",
        ],
        1e-3,
    )
    .await;
}

#[wasm_bindgen_test]
async fn the_frozen_subspace_studies_give_the_same_curves_on_webgpu_and_flex() {
    // Mini-batch SGD (both batch-study students) and the α sweep with its twin without
    // weight decay.
    same_on_both_backends(
        "frozen-subspace",
        &[
            ("steps", "10"),
            ("n", "40"),
            ("hidden", "16"),
            ("small_batch", "8"),
            ("sweep", "1"),
            ("weight_decay", "0.2"),
        ],
        &[
            "network.E_g",
            "small_epochs.E_g",
            "small_updates.E_g",
            "sweep.alpha1.seed0.E_g",
            "sweep_plain.alpha1.seed0.E_g",
        ],
        1e-3,
    )
    .await;
}
