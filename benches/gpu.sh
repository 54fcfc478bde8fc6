#!/usr/bin/env bash
# The GPU benchmark: one short script for a machine with a real GPU. It prints the card, then
# native steps per second on the CPU (flex) and on the GPU (wgpu) at several sizes: the
# frozen-subspace network's width, the α sweep (64 students in one batch) at two input sizes,
# the simplicity-bias ensemble at 1 to 16 seeds, and the other labs' heaviest presets. Prints
# figures; asserts nothing. Record them in BENCHMARKS.md with the card's name.
#
#   benches/gpu.sh [CLI]
#
# CLI is a phenomena-cli built with `cargo build --release -p phenomena-cli --features gpu`
# (default: target/release/phenomena-cli, built here when missing). A machine without network
# access cannot build it: build it where crates can be fetched and bring the binary along.
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${1:-target/release/phenomena-cli}
if [ ! -x "$CLI" ]; then
  cargo build --release -p phenomena-cli --features gpu
fi
if ! "$CLI" bench overoptimization --backend wgpu --steps 1 >/dev/null 2>&1; then
  echo "note: $CLI finds no GPU through wgpu (or was built without --features gpu):"
  "$CLI" bench overoptimization --backend wgpu --steps 1 2>&1 | tail -1 || true
fi
echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
nproc
for backend in flex wgpu; do
  echo "== $backend"
  for h in 256 1024 2048; do
    "$CLI" bench frozen-subspace --backend "$backend" --steps 300 --set hidden="$h" || true
  done
  for n in 100 200; do
    "$CLI" bench frozen-subspace --preset sweep --backend "$backend" --steps 300 --set n="$n" || true
  done
  for seeds in 1 4 8 16; do
    "$CLI" bench simplicity-bias --preset useful --backend "$backend" --steps 100 --set seeds="$seeds" || true
  done
  "$CLI" bench early-learning --preset digits --backend "$backend" --steps 200 || true
  "$CLI" bench overoptimization --backend "$backend" --steps 500 || true
done
