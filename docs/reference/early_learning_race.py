#!/usr/bin/env python3
"""Reference for the early-learning lab: five losses race on the same noisy labels.

Numpy only, gradients by hand (run with --check to compare each against finite differences).
From one initialization and one set of noisy labels per seed, it trains

  CE     mean cross-entropy on the noisy labels
  ELR    CE + lambda * mean log(1 - <t, p>), t a running average of the predictions
         (Liu et al., NeurIPS 2020)
  PS-KD  soft target (1 - a_t) onehot + a_t p_prev, with a_t = a_T (t + 1) / T and p_prev the
         example's softmax from the previous step (Kim et al., ICCV 2021, official code)
  MSD    multi-sample dropout: K masks on the hidden layer, loss = mean of the K CEs
         (Inoue 2019)
  NEST   nested dropout on the hidden features: keep units 1..k, where one k per step is drawn
         with p(k) ~ exp(-((k - mu) / sigma)^2), k = 1..H, and there is no rescaling (Chen et
         al., TNNLS 2022, official code)

and reports for each seed:

  peak_true  max over evaluations of the fraction of mislabeled training examples
             predicted as their TRUE label (early learning)
  final_mem  fraction of mislabeled training examples predicted as their NOISY label at the
             end (memorization)
  test_fin   final test accuracy
  test_max   peak test accuracy

The weight compander (Cakaj, Mehnert & Yang 2023, arXiv:2306.16993) is not included: the
paper's abstract does not give its function, and a guessed one would not be the paper's method.

Evaluation uses the network without dropout and with all hidden units, except for NEST,
which is evaluated as the expected network: hidden unit j (0-based) is multiplied by the
probability that training keeps it, P(k > j) = sum of p(k) over k = j+1..H, so the logits are
the average over training's masks. The official code instead truncates to the k that is best
on a validation set; the lab has none, so both the lab and this script evaluate the expected
network. Results are shown as "min-max (median)" over the seeds.

Usage:
  nice python3 docs/reference/early_learning_race.py            # both data sets, seeds 0-9
  nice python3 docs/reference/early_learning_race.py --check    # the checks only
  nice python3 docs/reference/early_learning_race.py --search   # CE settings on the mixture
  options: --data mixture|digits|both, --seeds N

Results of `nice python3 docs/reference/early_learning_race.py` (seeds 0-9, about 3.5 min on
one core):

  mixture: linear, gd lr 0.2, 500 steps, lambda 2.0, seeds 0-9
  run              peak_true           final_mem            test_fin            test_max
  CE        0.60-0.89 (0.73)    1.00-1.00 (1.00)    0.83-0.94 (0.89)    0.94-1.00 (0.97)
  ELR       0.71-0.96 (0.83)    0.04-0.29 (0.17)    0.96-1.00 (0.99)    0.96-1.00 (0.99)
  PS-KD     0.60-0.89 (0.73)    0.94-1.00 (0.96)    0.89-0.97 (0.92)    0.94-1.00 (0.97)
  (6 s)

  mixture: MLP hidden 48, adam lr 0.03, 1000 steps, lambda 2.0, seeds 0-9
  run              peak_true           final_mem            test_fin            test_max
  CE        0.57-0.73 (0.62)    1.00-1.00 (1.00)    0.54-0.65 (0.57)    0.92-0.99 (0.96)
  ELR       0.58-0.74 (0.61)    1.00-1.00 (1.00)    0.53-0.64 (0.57)    0.92-0.99 (0.96)
  PS-KD     0.57-0.73 (0.62)    1.00-1.00 (1.00)    0.54-0.64 (0.56)    0.92-0.99 (0.96)
  MSD       0.58-0.73 (0.62)    1.00-1.00 (1.00)    0.67-0.81 (0.74)    0.91-0.99 (0.96)
  NEST      0.39-0.65 (0.50)    0.97-1.00 (1.00)    0.53-0.68 (0.61)    0.79-0.96 (0.85)
  (58 s)

  digits: MLP hidden 128, adam lr 0.006, 500 steps, lambda 3.0, seeds 0-9
  run              peak_true           final_mem            test_fin            test_max
  CE        0.90-0.93 (0.92)    0.99-1.00 (1.00)    0.59-0.64 (0.62)    0.91-0.94 (0.93)
  ELR       0.92-0.97 (0.96)    0.02-0.03 (0.02)    0.94-0.97 (0.95)    0.95-0.98 (0.97)
  PS-KD     0.90-0.93 (0.92)    0.82-0.94 (0.90)    0.62-0.69 (0.65)    0.91-0.95 (0.93)
  MSD       0.91-0.94 (0.93)    0.69-0.79 (0.75)    0.78-0.86 (0.80)    0.93-0.96 (0.94)
  NEST      0.84-0.91 (0.87)    0.02-0.05 (0.04)    0.81-0.89 (0.86)    0.82-0.91 (0.88)
  (145 s)

Against the lab (natively, seeds 0-9, its own draws of the data; it gives no peak_true): every
range here overlaps the lab's. On the mixture three start 0.02 below the lab's: MSD test_fin
0.67-0.81 (lab 0.69-0.84), NEST final_mem 0.97-1.00 (0.99-1.00) and test_fin 0.53-0.68
(0.55-0.72); mixture CE/ELR/PS-KD test_fin is narrower here (0.53-0.65 vs 0.47-0.74). On the
digits (the lab's race-digits preset, MSD with K = 8 as here: `--set msd_samples=8`), MSD
memorizes 0.69-0.79 here and 0.59-0.77 in the lab (test_fin 0.78-0.86, lab 0.73-0.85), PS-KD
0.82-0.94 (lab 0.79-0.92), and CE ends at 0.59-0.64 (lab 0.52-0.66).

The mixture MLP setting was chosen with --search (CE only, seeds 0-4, medians, evaluated at
every step). GD at any width from 16 to 128 (lr 0.1 or 0.5) peaks at only 0.47-0.50 true
labels among the mislabeled, and Adam at lr <= 0.01 at 0.46-0.58: the MLP fits the flipped
labels while it is still learning the clean ones. Only Adam at lr 0.03 gives a clear
early-learning phase (0.56-0.62) and then a large test drop. Hidden 48 was the most
consistent over 10 seeds: peak 0.57-0.73 (median 0.62), every flipped label memorized,
and test accuracy falling from 0.96 to 0.57. Hidden 16 and 32 have similar medians, but
their worst seeds peak at 0.45 and 0.51. The peak comes within the first ~10 steps, hence
eval_every = 1. The linear table uses the lab's default (W = 0, GD lr 0.2) and agrees with
the lab's linear preset caption.
"""

import argparse
import gzip
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: timings stay comparable
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

# --------------------------------------------------------------------------- settings
NOISE_RATE = 0.4  # each training label moves to a uniformly random other class w.p. 0.4

MIXTURE = dict(
    classes=5, dim=600, n_train=200, n_test=1000, noise=3.0,  # x = mu_y + N(0, 9/600 I)
    hidden=48, optimizer="adam", lr=0.03, steps=1000,  # chosen with --search (see docstring)
    elr_lambda=2.0, eval_every=1,
)
MIXTURE_LINEAR = dict(MIXTURE, hidden=0, optimizer="gd", lr=0.2, steps=500)  # the lab's default
DIGITS = dict(
    n_test=500, hidden=128, optimizer="adam", lr=0.006, steps=500,  # the lab's race-digits preset
    elr_lambda=3.0, eval_every=10,
)
DIGITS_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                          "crates", "phenomena", "data", "digits.csv.gz")

ELR_BETA = 0.7
ELR_CLAMP = 1e-4
PSKD_ALPHA_T = 0.8  # PS-KD paper / official code default
MSD_K = 8  # multi-sample dropout: 8 dropout samples
MSD_RATE = 0.5  # dropout ratio 0.5
NESTED_SIGMA = 10.0  # official code: --nested 10 for CIFAR-10 (100 for CIFAR-100/Clothing1M)
NESTED_MU = 0.0  # official code default --mu 0
ADAM = (0.9, 0.999, 1e-8)

RUNS = ["CE", "ELR", "PS-KD", "MSD", "NEST"]
LINEAR_RUNS = ["CE", "ELR", "PS-KD"]  # the dropout methods need a hidden layer


# --------------------------------------------------------------------------- data
def flip_labels(y, classes, rate, rng):
    """Symmetric noise: with probability `rate`, a uniformly random *other* class."""
    flip = rng.random(len(y)) < rate
    other = rng.integers(0, classes - 1, len(y))
    other = other + (other >= y)  # skip the true class
    return np.where(flip, other, y)


def mixture(seed, c):
    rng = np.random.default_rng([seed, 1])
    means = rng.standard_normal((c["classes"], c["dim"]))
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    std = c["noise"] / np.sqrt(c["dim"])

    def make(n):
        y = rng.integers(0, c["classes"], n)
        return means[y] + std * rng.standard_normal((n, c["dim"])), y

    xtr, ytr = make(c["n_train"])
    xte, yte = make(c["n_test"])
    return xtr, ytr, xte, yte, c["classes"]


_DIGITS = None


def digits(seed, c):
    global _DIGITS
    if _DIGITS is None:
        with gzip.open(DIGITS_CSV, "rt") as f:
            _DIGITS = np.loadtxt(f, delimiter=",")
    rows = np.random.default_rng([seed, 2]).permutation(len(_DIGITS))
    x, y = _DIGITS[rows, :64] / 16.0, _DIGITS[rows, 64].astype(int)  # pixels in [0, 1]
    n = c["n_test"]
    return x[n:], y[n:], x[:n], y[:n], 10


# --------------------------------------------------------------------------- model
def init_model(d, h, c, rng):
    """MLP (h > 0): W1 ~ N(0, 2/d), b1 = 0, W ~ N(0, 1/h), b = 0. Linear (h = 0): W = 0, b = 0."""
    if h == 0:
        return dict(W=np.zeros((d, c)), b=np.zeros(c))
    return dict(W1=rng.standard_normal((d, h)) * np.sqrt(2.0 / d), b1=np.zeros(h),
                W=rng.standard_normal((h, c)) * np.sqrt(1.0 / h), b=np.zeros(c))


def logits(P, X, kept=None):
    """Logits without dropout; `kept` (h,) scales the hidden units (NEST's expected network)."""
    A = np.maximum(X @ P["W1"] + P["b1"], 0.0) if "W1" in P else X
    if kept is not None:
        A = A * kept
    return A @ P["W"] + P["b"]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- losses on logits
def soft_ce(z, T):
    """-mean_i sum_c T_ic log softmax(z)_ic (rows of T sum to 1). Returns loss, dL/dz."""
    zs = z - z.max(axis=1, keepdims=True)
    logp = zs - np.log(np.exp(zs).sum(axis=1, keepdims=True))
    n = len(z)
    return -(T * logp).sum() / n, (np.exp(logp) - T) / n


def elr(z, T, t, lam):
    """CE + lam * mean log(1 - <t, clamp(p)>). The clamp passes no gradient where active."""
    ce, g = soft_ce(z, T)
    p = softmax(z)
    pc = np.clip(p, ELR_CLAMP, 1 - ELR_CLAMP)
    r = (t * pc).sum(axis=1)
    n = len(z)
    gp = -lam / n * t / (1 - r)[:, None] * ((p > ELR_CLAMP) & (p < 1 - ELR_CLAMP))
    gz = p * (gp - (gp * p).sum(axis=1, keepdims=True))  # softmax Jacobian
    return ce + lam * np.log(1 - r).mean(), g + gz


# --------------------------------------------------------------------------- one step's gradient
def loss_and_grad(P, X, masks, loss_fn):
    """Forward/backward through the model (MLP, or linear when P has no W1).

    masks: None, or an array (S, n or 1, h) of S multiplicative masks on the hidden
    activations (after the ReLU). The S masked copies go through the output layer stacked,
    S*n rows, and loss_fn gets all of them, so a loss that averages over rows is the mean of
    the S per-sample losses (the targets must be tiled S times). Returns the loss, the
    gradients and the logits of the first sample.
    """
    n = len(X)
    if "W1" in P:
        Z1 = X @ P["W1"] + P["b1"]
        A = np.maximum(Z1, 0.0)
    else:
        A = X
    H = A if masks is None else (A[None] * masks).reshape(-1, A.shape[1])
    z = H @ P["W"] + P["b"]
    loss, gz = loss_fn(z)
    G = {"W": H.T @ gz, "b": gz.sum(axis=0)}
    if "W1" in P:
        gA = gz @ P["W"].T
        if masks is not None:
            gA = (gA.reshape(-1, n, A.shape[1]) * masks).sum(axis=0)
        gZ1 = gA * (Z1 > 0)
        G["W1"] = X.T @ gZ1
        G["b1"] = gZ1.sum(axis=0)
    return loss, G, z[:n]


# --------------------------------------------------------------------------- training
def nested_probs(h):
    """p(k) for k = 1..h kept units: p(k) ~ exp(-((k - mu) / sigma)^2)."""
    k = np.arange(1, h + 1)
    p = np.exp(-((k - NESTED_MU) / NESTED_SIGMA) ** 2)
    return p / p.sum()


def nested_kept(h):
    """P(k > j) for unit j = 0..h-1: the probability that training keeps unit j."""
    return nested_probs(h)[::-1].cumsum()[::-1]


def train(run, P0, xtr, ynoisy, c, rng, cfg, evaluate):
    """Trains one run from P0; calls evaluate(P) every cfg['eval_every'] steps."""
    P = {k: v.copy() for k, v in P0.items()}
    n, T = len(xtr), cfg["steps"]
    h = P["W1"].shape[1] if "W1" in P else 0
    onehot = np.eye(c, dtype=xtr.dtype)[ynoisy]
    onehot_k = np.tile(onehot, (MSD_K, 1))
    t_elr = np.zeros((n, c))
    p_prev = onehot.copy()  # PS-KD: the one-hot label before the first step
    nest_p = nested_probs(h) if h else None
    m1 = {k: np.zeros_like(v) for k, v in P.items()}
    m2 = {k: np.zeros_like(v) for k, v in P.items()}
    b1, b2, eps = ADAM
    for step in range(T):
        if step % cfg["eval_every"] == 0:
            evaluate(P)
        masks, loss_fn = None, (lambda z: soft_ce(z, onehot))
        if run == "ELR":  # update the targets BEFORE the loss, from this step's prediction
            p = np.clip(softmax(logits(P, xtr)), ELR_CLAMP, 1 - ELR_CLAMP)
            t_elr = ELR_BETA * t_elr + (1 - ELR_BETA) * p / p.sum(axis=1, keepdims=True)
            loss_fn = lambda z: elr(z, onehot, t_elr, cfg["elr_lambda"])  # noqa: E731
        elif run == "PS-KD":
            alpha = PSKD_ALPHA_T * (step + 1) / T
            target = (1 - alpha) * onehot + alpha * p_prev
            loss_fn = lambda z: soft_ce(z, target)  # noqa: E731
        elif run == "MSD":
            keep = rng.random((MSD_K, n, h), dtype=np.float32) >= MSD_RATE
            masks = keep.astype(xtr.dtype) / (1 - MSD_RATE)  # inverted dropout
            loss_fn = lambda z: soft_ce(z, onehot_k)  # noqa: E731  (mean of the K CEs)
        elif run == "NEST":
            k = rng.choice(h, p=nest_p) + 1  # one k per step (per batch), units 1..k kept
            masks = (np.arange(h) < k).astype(xtr.dtype)[None, None, :]
        _, G, z = loss_and_grad(P, xtr, masks, loss_fn)
        if run == "PS-KD":
            p_prev = softmax(z)  # this step's training prediction, used at the next step
        for key in P:
            if cfg["optimizer"] == "gd":
                P[key] -= cfg["lr"] * G[key]
            else:
                m1[key] = b1 * m1[key] + (1 - b1) * G[key]
                m2[key] = b2 * m2[key] + (1 - b2) * G[key] ** 2
                mh = m1[key] / (1 - b1 ** (step + 1))
                vh = m2[key] / (1 - b2 ** (step + 1))
                P[key] -= cfg["lr"] * mh / (np.sqrt(vh) + eps)
    evaluate(P)


def race(data_fn, cfg, seed, runs=RUNS, dtype=np.float32):
    """All runs on one seed; returns {run: (peak_true, final_mem, test_final, test_peak)}."""
    xtr, ytr, xte, yte, c = data_fn(seed, cfg)
    xtr, xte = xtr.astype(dtype), xte.astype(dtype)
    ynoisy = flip_labels(ytr, c, NOISE_RATE, np.random.default_rng([seed, 3]))
    mis = ynoisy != ytr
    P0 = init_model(xtr.shape[1], cfg["hidden"], c, np.random.default_rng([seed, 4]))
    P0 = {k: v.astype(dtype) for k, v in P0.items()}
    out = {}
    for i, run in enumerate(runs):
        hist = []
        kept = nested_kept(cfg["hidden"]).astype(dtype) if run == "NEST" else None

        def evaluate(P):
            pred = logits(P, xtr, kept).argmax(axis=1)
            test = (logits(P, xte, kept).argmax(axis=1) == yte).mean()
            hist.append(((pred[mis] == ytr[mis]).mean(), (pred[mis] == ynoisy[mis]).mean(),
                         test))

        train(run, P0, xtr, ynoisy, c, np.random.default_rng([seed, 5, i]), cfg, evaluate)
        h = np.array(hist)
        out[run] = (h[:, 0].max(), h[-1, 1], h[-1, 2], h[:, 2].max())
    return out


def table(name, cfg, results, runs=RUNS):
    cols = ["peak_true", "final_mem", "test_fin", "test_max"]
    model = f"MLP hidden {cfg['hidden']}" if cfg["hidden"] else "linear"
    lines = [f"{name}: {model}, {cfg['optimizer']} lr {cfg['lr']}, "
             f"{cfg['steps']} steps, lambda {cfg['elr_lambda']}, seeds 0-{len(results) - 1}",
             f"{'run':6s}" + "".join(f"{c:>20s}" for c in cols)]
    for run in runs:
        v = np.array([r[run] for r in results])
        lines.append(f"{run:6s}" + "".join(
            f"{f'{v[:, j].min():.2f}-{v[:, j].max():.2f} ({np.median(v[:, j]):.2f})':>20s}"
            for j in range(4)))
    return "\n".join(lines)


# --------------------------------------------------------------------------- gradient checks
def check():
    """Compare every hand-written gradient with central finite differences (float64), and
    NEST's expected network with the p(k)-weighted average of its masked networks."""
    rng = np.random.default_rng(0)
    n, d, h, c = 7, 5, 6, 3
    X = rng.standard_normal((n, d))
    y = rng.integers(0, c, n)
    onehot = np.eye(c)[y]
    P = init_model(d, h, c, rng)
    for k in P:
        P[k] = P[k] + 0.1 * rng.standard_normal(P[k].shape)  # nonzero biases too
    L = {k: 0.1 * rng.standard_normal(v.shape) for k, v in init_model(d, 0, c, rng).items()}
    t = rng.dirichlet(np.ones(c), n)
    soft = 0.3 * onehot + 0.7 * rng.dirichlet(np.ones(c), n)
    drop = (rng.random((3, n, h)) >= 0.5) / 0.5
    cases = {
        "CE": (None, lambda z: soft_ce(z, onehot)),
        "ELR": (None, lambda z: elr(z, onehot, t, 2.0)),
        "PS-KD": (None, lambda z: soft_ce(z, soft)),
        "MSD": (drop, lambda z: soft_ce(z, np.tile(onehot, (3, 1)))),
        "NEST": ((np.arange(h) < 2)[None, None, :] * 1.0, lambda z: soft_ce(z, onehot)),
        "linear CE": (None, lambda z: soft_ce(z, onehot)),
        "linear ELR": (None, lambda z: elr(z, onehot, t, 2.0)),
    }
    ok = True
    for name, (masks, fn) in cases.items():
        Q = L if name.startswith("linear") else P
        _, G, _ = loss_and_grad(Q, X, masks, fn)
        worst = 0.0
        for key in Q:
            num = np.zeros_like(Q[key])
            for idx in np.ndindex(Q[key].shape):
                old = Q[key][idx]
                Q[key][idx] = old + 1e-6
                lp = loss_and_grad(Q, X, masks, fn)[0]
                Q[key][idx] = old - 1e-6
                lm = loss_and_grad(Q, X, masks, fn)[0]
                Q[key][idx] = old
                num[idx] = (lp - lm) / 2e-6
            worst = max(worst, np.abs(num - G[key]).max() / (np.abs(num).max() + 1e-12))
        ok &= worst < 1e-6
        print(f"{name:10s} max relative error {worst:.1e} {'ok' if worst < 1e-6 else 'FAIL'}")
    # NEST's expected network: its logits are the p(k)-weighted average over the k-unit masks
    A = np.maximum(X @ P["W1"] + P["b1"], 0.0)
    avg = sum(pk * ((A * (np.arange(h) < k)) @ P["W"] + P["b"])
              for k, pk in enumerate(nested_probs(h), start=1))
    err = np.abs(logits(P, X, nested_kept(h)) - avg).max()
    print(f"NEST expected network vs average over masks: max error {err:.1e} "
          f"{'ok' if err < 1e-12 else 'FAIL'}")
    ok &= err < 1e-12
    return ok


# --------------------------------------------------------------------------- setting search
def search(seeds=5):
    """CE only, on the mixture: which (hidden, optimizer, lr) learns early, then memorizes."""
    print("hidden opt  lr     peak_true  final_mem  test_max  test_fin  (medians)")
    for hidden in (16, 32, 48, 64, 128):
        for opt, lrs in (("gd", (0.1, 0.5)), ("adam", (0.003, 0.01, 0.03))):
            for lr in lrs:
                cfg = dict(MIXTURE, hidden=hidden, optimizer=opt, lr=lr)
                r = np.array([race(mixture, cfg, s, runs=["CE"])["CE"] for s in range(seeds)])
                med = np.median(r, axis=0)
                print(f"{hidden:6d} {opt:4s} {lr:<6g} {med[0]:9.2f} {med[1]:10.2f} "
                      f"{med[3]:9.2f} {med[2]:9.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--search", action="store_true")
    ap.add_argument("--data", default="both", choices=["mixture", "digits", "both"])
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()
    if a.check:
        sys.exit(0 if check() else 1)
    if a.search:
        return search()
    for name, fn, cfg, runs in (("mixture", mixture, MIXTURE_LINEAR, LINEAR_RUNS),
                                ("mixture", mixture, MIXTURE, RUNS),
                                ("digits", digits, DIGITS, RUNS)):
        if a.data in (name, "both"):
            t0 = time.time()
            res = [race(fn, cfg, s, runs) for s in range(a.seeds)]
            print(table(name, cfg, res, runs))
            print(f"({time.time() - t0:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
