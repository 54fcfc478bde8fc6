//! Prints what batching costs on the flex backend at the simplicity-bias ensemble's size:
//! one batched matmul over 8 seeds against 8 separate ones (the patch model's forward pass,
//! `[600, 100] · [100, 50]` per seed, and its weight gradient `[100, 600] · [600, 50]`).
//!
//! `cargo run --release -p phenomena --example batched_matmul`

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;

const REPEATS: u32 = 200;

/// Mean time of `f` over `REPEATS` calls, each read back so the work is done.
fn time(label: &str, mut f: impl FnMut() -> f32) {
    f();
    let start = Instant::now();
    for _ in 0..REPEATS {
        std::hint::black_box(f());
    }
    println!(
        "{label}: {:.3} ms",
        start.elapsed().as_secs_f64() * 1e3 / REPEATS as f64
    );
}

fn main() {
    let device = Device::flex();
    let (seeds, rows, dim, filters) = (8usize, 600usize, 100usize, 50usize);
    let x = Tensor::<3>::random([seeds, rows, dim], Distribution::Default, &device);
    let w = Tensor::<3>::random([seeds, dim, filters], Distribution::Default, &device);
    let dz = Tensor::<3>::random([seeds, rows, filters], Distribution::Default, &device);
    let each = |t: &Tensor<3>, a: usize, b: usize| -> Vec<Tensor<2>> {
        (0..seeds)
            .map(|s| t.clone().slice([s..s + 1, 0..a, 0..b]).reshape([a, b]))
            .collect()
    };
    let (xs, ws, dzs) = (
        each(&x, rows, dim),
        each(&w, dim, filters),
        each(&dz, rows, filters),
    );
    let read = |t: Tensor<3>| t.sum().into_scalar::<f32>();
    let read_all = |ts: Vec<Tensor<2>>| ts.into_iter().map(|t| t.sum().into_scalar::<f32>()).sum();
    println!("flex, {seeds} seeds, {REPEATS} repeats");
    time("forward, one batched matmul", || {
        read(x.clone().matmul(w.clone()))
    });
    time("forward, 8 matmuls", || {
        read_all(
            xs.iter()
                .zip(&ws)
                .map(|(a, b)| a.clone().matmul(b.clone()))
                .collect(),
        )
    });
    time("weight gradient, one batched matmul", || {
        read(x.clone().swap_dims(1, 2).matmul(dz.clone()))
    });
    time("weight gradient, 8 matmuls", || {
        read_all(
            xs.iter()
                .zip(&dzs)
                .map(|(a, d)| a.clone().transpose().matmul(d.clone()))
                .collect(),
        )
    });
}
