"""The simplicity-bias `useful` preset's work in numpy, two ways: one run after another (as a
researcher writes it) and batched (every run of every seed in one matmul over a leading run
axis). Both train 8 seeds × 4 runs of the patch model (200 examples of 3 patches × 100
coordinates, 50 filters, cubic activation), full-batch gradient descent at η = 1, SAM
(ρ = 0.05) on two of the four runs, USEFUL's upsampling as example weights, and record
accuracy on three test sets of 1 000 examples and the training loss on the lab's schedule
(16 records a decade). Gradients are written out by hand (numpy has no autodiff), which
favours numpy. The data are random with the lab's shapes; speed does not depend on them.

    python3 benches/ensemble_numpy.py [--steps N]

prints seconds for N steps (default 600, the preset's length) each way, the best of 3.
"""

import argparse
import math
import time

import numpy as np

F = np.float32
SEEDS, RUNS, N, PATCHES, DIM, FILTERS, TEST = 8, 4, 200, 3, 100, 50, 1000
RHOS = np.array([0.0, 0.05, 0.0, 0.05], dtype=F)
LR = F(1.0)


def records_at(step, last, per_decade=16):
    if step <= 20 or step == last:
        return True
    return math.floor(math.log10(step - 1) * per_decade) != math.floor(math.log10(step) * per_decade)


def data(rng):
    x = (rng.standard_normal((SEEDS, N, PATCHES, DIM)) * 0.3).astype(F)
    y = rng.integers(0, 2, (SEEDS, N)).astype(F)
    tests = [((rng.standard_normal((SEEDS, TEST, PATCHES, DIM)) * 0.3).astype(F), rng.integers(0, 2, (SEEDS, TEST)).astype(F)) for _ in range(3)]
    w0 = (rng.standard_normal((SEEDS, DIM, FILTERS)) * 0.05).astype(F)
    # USEFUL's pool as weights: a third of the examples twice.
    counts = np.ones((SEEDS, N), F)
    counts[:, : N // 3] = 2
    weights = np.stack([np.full((SEEDS, N), 1 / N, F), np.full((SEEDS, N), 1 / N, F), counts / counts.sum(1, keepdims=True), counts / counts.sum(1, keepdims=True)], 1)
    return x, y, tests, w0, weights


# ---- one run at a time: x [n, P, D], w [D, F], weights [n]; matmuls go to BLAS -------------

def logits(x, w):
    n = x.shape[0]
    # One BLAS call: x as [n·P, D] (a 3-D @ 2-D matmul would loop over the examples).
    z = (x.reshape(n * PATCHES, DIM) @ w).reshape(n, PATCHES, FILTERS)
    return (z * z * z).sum(axis=(1, 2)), z


def grad(x, y, w, c):
    f, z = logits(x, w)
    s = 2 * y - 1
    g = -c * s / (1 + np.exp(s * f))
    n = x.shape[0]
    return x.reshape(n * PATCHES, DIM).T @ (3 * z * z * g[:, None, None]).reshape(n * PATCHES, FILTERS)


def sam_grad(x, y, w, c, rho):
    g = grad(x, y, w, c)
    if rho == 0:
        return g
    return grad(x, y, w + rho * g / (np.linalg.norm(g) + 1e-12), c)


def metrics(x, y, tests, w):
    out = [((logits(tx, w)[0] > 0) == (ty > 0.5)).mean() for tx, ty in tests]
    f, _ = logits(x, w)
    out.append(np.logaddexp(0, -(2 * y - 1) * f).mean())
    return out


def one_by_one(steps, x, y, tests, w0, weights):
    ws = [[w0[s].copy() for _ in range(RUNS)] for s in range(SEEDS)]
    for step in range(1, steps + 1):
        for s in range(SEEDS):
            for r in range(RUNS):
                ws[s][r] -= LR * sam_grad(x[s], y[s], ws[s][r], weights[s, r], RHOS[r])
                if records_at(step, steps):
                    metrics(x[s], y[s], [(tx[s], ty[s]) for tx, ty in tests], ws[s][r])


# ---- batched: x [S, n, P, D], w [S, R, D, F], weights [S, R, n] ----------------------------

def logits_b(x, w):
    sd, n = x.shape[0], x.shape[1]
    z = (x.reshape(sd, 1, n * PATCHES, DIM) @ w).reshape(sd, w.shape[1], n, PATCHES, FILTERS)
    return (z * z * z).sum(axis=(3, 4)), z


def grad_b(x, y, w, c):
    f, z = logits_b(x, w)
    s = (2 * y - 1)[:, None, :]
    g = -c * s / (1 + np.exp(s * f))
    sd, n = x.shape[0], x.shape[1]
    dz = (3 * z * z * g[..., None, None]).reshape(sd, RUNS, n * PATCHES, FILTERS)
    return np.swapaxes(x.reshape(sd, 1, n * PATCHES, DIM), 2, 3) @ dz


def sam_grad_b(x, y, w, c):
    g = grad_b(x, y, w, c)
    norm = np.sqrt((g * g).sum(axis=(2, 3), keepdims=True)) + 1e-12
    return grad_b(x, y, w + RHOS[None, :, None, None] * g / norm, c)


def batched(steps, x, y, tests, w0, weights):
    w = np.repeat(w0[:, None], RUNS, axis=1)
    for step in range(1, steps + 1):
        w -= LR * sam_grad_b(x, y, w, weights)
        if records_at(step, steps):
            for tx, ty in tests:
                ((logits_b(tx, w)[0] > 0) == (ty[:, None] > 0.5)).mean(axis=2)
            f, _ = logits_b(x, w)
            np.logaddexp(0, -(2 * y - 1)[:, None] * f).mean(axis=2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=600)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    setup = data(rng)
    check(setup)
    print(f'simplicity-bias `useful` work in numpy {np.__version__}: {SEEDS} seeds x {RUNS} runs, {args.steps} steps (best of 3)')
    for name, train in [('one run after another', one_by_one), ('batched (matmuls over a leading run axis)', batched)]:
        best = min(timed(train, args.steps, setup) for _ in range(3))
        print(f'  {name}: {best:.2f} s ({args.steps / best:.1f} steps/s)')


def check(setup):
    """Both ways compute the same SAM gradients (the timing compares like with like)."""
    x, y, _, w0, weights = setup
    w = np.repeat(w0[:, None], RUNS, axis=1) + F(0.01)
    batched_g = sam_grad_b(x, y, w, weights)
    for s in range(SEEDS):
        for r in range(RUNS):
            alone = sam_grad(x[s], y[s], w[s, r], weights[s, r], RHOS[r])
            assert np.allclose(alone, batched_g[s, r], rtol=1e-3, atol=1e-6), (s, r)


def timed(train, steps, setup):
    t0 = time.perf_counter()
    train(steps, *setup)
    return time.perf_counter() - t0


if __name__ == '__main__':
    main()
