"""numpy references for `cargo xtask bench`: each lab's first preset written again in numpy,
with the same sizes, the same optimizer, the same runs trained side by side and the same
metrics recorded on the same log-spaced schedule, so that steps per second compare like for
like with the lab. Gradients are written out by hand (numpy has no autodiff), which favours
numpy. The data are random with the lab's shapes and scales; speed does not depend on them.

    python3 benches/numpy_reference.py [--steps N] [--repeat K] [--json]

prints steps per second per lab (timed after a 5-step warm-up, over N steps, like the
browser benchmark; the best of K fresh runs).
"""

import argparse
import json
import math
import time

import numpy as np

F = np.float32


def is_record_step(step, per_decade):
    """The labs' schedule: every step up to 20, then `per_decade` records per decade."""
    if step <= 20:
        return True
    return math.floor(math.log10(step - 1) * per_decade) != math.floor(math.log10(step) * per_decade)


def records_at(step, last, per_decade):
    return is_record_step(step, per_decade) or step == last


def normal(rng, shape, std=1.0):
    return (rng.standard_normal(shape) * std).astype(F)


def log_softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def softmax(z, axis):
    return np.exp(log_softmax(z, axis))


def log_sigmoid(z):
    return -np.logaddexp(0, -z)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class Adam:
    def __init__(self, lr):
        self.lr, self.t, self.m, self.v = lr, 0, None, None

    def update(self, params, grads):
        self.t += 1
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.v = [np.zeros_like(g) for g in grads]
        c1, c2 = 1 - 0.9**self.t, 1 - 0.999**self.t
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.m[i] = 0.9 * self.m[i] + 0.1 * g
            self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
            out.append(p - self.lr * (self.m[i] / c1) / (np.sqrt(self.v[i] / c2) + 1e-8))
        return out


class Batches:
    """Batches of 128 drawn without replacement, reshuffled every epoch (as the labs do)."""

    def __init__(self, pool, rng, size=128):
        self.pool, self.rng, self.size, self.cursor = pool.copy(), rng, size, len(pool)

    def next(self):
        if self.cursor + self.size > len(self.pool):
            self.rng.shuffle(self.pool)
            self.cursor = 0
        self.cursor += self.size
        return self.pool[self.cursor - self.size : self.cursor]


# ---- frozen-subspace, preset `frozen`: N = 200, α = 0.5 (P = 100), 256 hidden units -------


class FrozenSubspace:
    PER_DECADE = 24.0

    def __init__(self, steps, rng):
        n, p, h, test = 200, 100, 256, 1000
        self.n, self.p, self.h, self.lr, self.last = n, p, h, F(0.1), steps
        self.x = normal(rng, (p, n), 1 / math.sqrt(n))
        teacher = normal(rng, (n, 1))
        self.teacher = teacher
        self.y = self.x @ teacher + normal(rng, (p, 1), math.sqrt(0.2))
        self.x_test = normal(rng, (test, n), 1 / math.sqrt(n))
        self.y_test = self.x_test @ teacher
        # Orthonormal basis of the input span (the lab's comes from the eigendecomposition).
        self.basis = np.linalg.qr(self.x.T)[0].astype(F)
        self.w = normal(rng, (n, 1), 0.5)
        self.w1 = normal(rng, (n, h))
        self.a = normal(rng, (h, 1), 0.5)
        self.steps = 0

    def forward(self, x):
        hidden = np.tanh(x @ self.w1)
        return hidden, hidden @ self.a / math.sqrt(self.h)

    def step(self):
        self.w = self.w + self.lr * (self.x.T @ (self.y - self.x @ self.w))
        hidden, out = self.forward(self.x)
        d_out = (out - self.y) / math.sqrt(self.h)
        g_a = hidden.T @ d_out
        g_w1 = self.x.T @ ((d_out @ self.a.T) * (1 - hidden * hidden))
        self.w1 = self.w1 - self.lr * g_w1
        self.a = self.a - self.lr * g_a
        self.steps += 1
        if records_at(self.steps, self.last, self.PER_DECADE):
            self.record()

    def record(self):
        r = self.y - self.x @ self.w
        coords = self.basis.T @ self.w
        span = self.basis @ coords
        linear = [
            ((self.w - self.teacher) ** 2).sum() / self.n,
            (r**2).sum() / self.p,
            np.sqrt((coords**2).sum()),
            np.sqrt(((self.w - span) ** 2).sum()),
        ]
        _, test_out = self.forward(self.x_test)
        _, train_out = self.forward(self.x)
        network = [((test_out - self.y_test) ** 2).mean(), ((train_out - self.y) ** 2).sum() / self.p]
        self.metrics = np.array(linear + network)


# ---- overoptimization, preset `dpo-drifts`: 25 responses, 300 pairs; RLHF, DPO, RPO -------


class Overoptimization:
    PER_DECADE = 24.0

    def __init__(self, steps, rng):
        r, pairs = 25, 300
        self.last, self.lr, self.beta, self.eta = steps, F(0.5), F(0.1), F(0.2)
        self.features = normal(rng, (r, 2))
        self.log_ref = log_softmax(normal(rng, (r, 1)), 0)
        self.gold, self.proxy = normal(rng, (r, 1)), normal(rng, (r, 1))
        self.ood = (rng.random((r, 1)) < 0.3).astype(F)
        self.chosen = rng.integers(0, r, pairs)
        self.rejected = rng.integers(0, r, pairs)
        self.pair_difference = np.zeros((pairs, r), F)
        np.add.at(self.pair_difference, (np.arange(pairs), self.chosen), 1)
        np.add.at(self.pair_difference, (np.arange(pairs), self.rejected), -1)
        self.chosen_share = (np.bincount(self.chosen, minlength=r) / pairs).astype(F)[:, None]
        self.thetas = [np.zeros((2, 1), F) for _ in range(3)]
        self.steps = 0

    def log_pi(self, theta):
        return log_softmax(self.log_ref + self.features @ theta, 0)

    def grad(self, run, theta):
        """d loss / d θ through the logits s = log π_ref + Φθ of log π = log_softmax(s)."""
        if run == 0:  # RLHF: minimise β·KL(π‖π_ref) − E_π[r_proxy]
            log_pi = self.log_pi(theta)
            pi = np.exp(log_pi)
            v = self.beta * (log_pi - self.log_ref + 1) - self.proxy
            d_s = pi * (v - (pi * v).sum())
        else:  # DPO, and RPO = DPO + η·β·mean(−log π(y_w))
            # The lab's algebra: log π_ref and log Z cancel in a pair's margin, which is
            # s(y_w) − s(y_l) = (D·s) with D the [pairs, R] ±1 matrix.
            s = self.features @ theta
            margin = self.beta * (self.pair_difference @ s)
            weight = -sigmoid(-margin) * self.beta / len(self.chosen)
            d_s = self.pair_difference.T @ weight
            if run == 2:
                log_pi = self.log_pi(theta)
                d_log_pi = -self.eta * self.beta * self.chosen_share
                d_s = d_s + d_log_pi - np.exp(log_pi) * d_log_pi.sum()
        return self.features.T @ d_s

    def step(self):
        self.thetas = [t - self.lr * self.grad(i, t) for i, t in enumerate(self.thetas)]
        self.steps += 1
        if records_at(self.steps, self.last, self.PER_DECADE):
            self.record()

    def record(self):
        rows = []
        for theta in self.thetas:
            log_pi = np.maximum(self.log_pi(theta), -30)
            pi = np.exp(log_pi)
            kl = (pi * (log_pi - self.log_ref)).sum()
            ratio = log_pi - self.log_ref
            c, r = ratio[self.chosen], ratio[self.rejected]
            rows.append([
                (pi * self.gold).sum(), (pi * self.proxy).sum(), self.beta * kl, kl,
                (pi * self.ood).sum(), c.mean(), r.mean(), (c > r).mean(),
            ])
        self.metrics = np.array(rows)


# ---- early-learning, preset `linear`: 5 classes in R⁶⁰⁰, 200 examples, CE and ELR, GD ------


class EarlyLearning:
    PER_DECADE = 24.0
    CLAMP = 1e-4

    def __init__(self, steps, rng):
        n, d, k, test = 200, 600, 5, 1000
        self.last, self.lr, self.lam, self.beta = steps, F(0.2), F(2.0), F(0.7)
        means = normal(rng, (k, d))
        self.labels = rng.integers(0, k, n)
        self.x = means[self.labels] + normal(rng, (n, d), 3.0)
        self.noisy = np.where(rng.random(n) < 0.4, (self.labels + 1) % k, self.labels)
        self.onehot = np.eye(k, dtype=F)[self.noisy]
        self.mislabeled = self.noisy != self.labels
        self.test_labels = rng.integers(0, k, test)
        self.x_test = means[self.test_labels] + normal(rng, (test, d), 3.0)
        self.runs = [[np.zeros((d, k), F), np.zeros((1, k), F)] for _ in range(2)]
        self.targets = np.zeros((n, k), F)
        self.steps = 0

    def grads(self, params, elr):
        w, b = params
        logits = self.x @ w + b
        p = softmax(logits, 1)
        d_logits = (p - self.onehot) / len(self.x)
        if elr:
            clamped = np.clip(p, self.CLAMP, 1 - self.CLAMP)
            normalised = clamped / clamped.sum(1, keepdims=True)
            self.targets = self.beta * self.targets + (1 - self.beta) * normalised
            # d/dz of λ·mean log(1 − ⟨t, p⟩), through the softmax (the clamp passes gradient
            # only inside its range).
            inner = (self.targets * clamped).sum(1, keepdims=True)
            d_p = -self.lam / len(self.x) * self.targets / (1 - inner)
            d_p = d_p * ((p > self.CLAMP) & (p < 1 - self.CLAMP))
            d_logits = d_logits + p * (d_p - (d_p * p).sum(1, keepdims=True))
        return [self.x.T @ d_logits, d_logits.sum(0, keepdims=True)]

    def step(self):
        for i, params in enumerate(self.runs):
            g = self.grads(params, elr=i == 1)
            self.runs[i] = [p - self.lr * gi for p, gi in zip(params, g)]
        self.steps += 1
        if records_at(self.steps, self.last, self.PER_DECADE):
            self.record()

    def record(self):
        rows = []
        for i, (w, b) in enumerate(self.runs):
            logits = self.x @ w + b
            pred = logits.argmax(1)
            mis = self.mislabeled
            to_true = (pred[mis] == self.labels[mis]).mean()
            memorized = (pred[mis] == self.noisy[mis]).mean()
            clean = (pred[~mis] == self.labels[~mis]).mean()
            test = ((self.x_test @ w + b).argmax(1) == self.test_labels).mean()
            agreement = (self.targets * np.clip(softmax(logits, 1), self.CLAMP, 1 - self.CLAMP)).sum(1).mean() if i else 0
            rows.append([to_true, memorized, 1 - to_true - memorized, clean, test, agreement])
        self.metrics = np.array(rows)


# ---- simplicity-bias, preset `slabs`: LMS in R¹⁰, 10 000 examples, MLP 100 wide, Adam, -----
# ---- batch 128; GD and SAM (ρ = 0.05), then USEFUL and USEFUL + SAM after step 60 ----------


class SimplicityBias:
    PER_DECADE = 16.0

    def __init__(self, steps, rng):
        n, d, h, test = 10_000, 10, 100, 2_000
        self.run_steps, self.cluster_step, self.rho = steps, 60, F(0.05)
        self.rng = rng
        self.x = normal(rng, (n, d))
        self.y = (rng.random((n, 1)) < 0.5).astype(F)
        self.tests = [(normal(rng, (test, d)), (rng.random((test, 1)) < 0.5).astype(F)) for _ in range(3)]
        self.with_fast = (rng.random((test, 1)) < 0.9).astype(F)
        init = [normal(rng, (d, h), math.sqrt(2 / d)), np.zeros((1, h), F), normal(rng, (h, 1), math.sqrt(1 / h)), np.zeros((1, 1), F)]
        self.init = init
        self.runs = [[list(init), Adam(1e-3), 0, Batches(np.arange(n), rng)] for _ in range(2)]
        self.rhos = [0.0, self.rho, 0.0, self.rho]
        self.pool = None
        self.steps = 0
        self.rng = rng

    def logits(self, params, x):
        w1, b1, w2, b2 = params
        pre = x @ w1 + b1
        hidden = np.maximum(pre, 0)
        return pre, hidden, hidden @ w2 + b2

    def grads(self, params, x, y):
        pre, hidden, out = self.logits(params, x)
        s = 2 * y - 1
        d_out = -s * sigmoid(-s * out) / len(x)
        d_hidden = (d_out @ params[2].T) * (pre > 0)
        return [x.T @ d_hidden, d_hidden.sum(0, keepdims=True), hidden.T @ d_out, d_out.sum(0, keepdims=True)]

    def step_run(self, r):
        params, opt, steps, batches = self.runs[r]
        idx = batches.next()
        x, y = self.x[idx], self.y[idx]
        g = self.grads(params, x, y)
        if self.rhos[r] > 0:
            norm = math.sqrt(sum(float((gi * gi).sum()) for gi in g)) + 1e-12
            g = self.grads([p + self.rhos[r] * gi / norm for p, gi in zip(params, g)], x, y)
        self.runs[r] = [opt.update(params, g), opt, steps + 1, batches]
        if records_at(steps + 1, self.run_steps, self.PER_DECADE):
            self.record(r)

    def record(self, r):
        params = self.runs[r][0]
        accs = [((self.logits(params, x)[2] > 0) == (y > 0.5)).astype(F) for x, y in self.tests]
        standard = accs[0]
        with_fast = (standard * self.with_fast).sum() / max(self.with_fast.sum(), 1)
        without = (standard * (1 - self.with_fast)).sum() / max((1 - self.with_fast).sum(), 1)
        out = self.logits(params, self.x)[2]
        s = 2 * self.y - 1
        loss = -log_sigmoid(s * out).mean()
        self.last_metrics = [a.mean() for a in accs] + [with_fast, without, loss]

    def split(self):
        """USEFUL: cluster GD's outputs per class (1-D 2-means), upsample the slow cluster."""
        out = self.logits(self.runs[0][0], self.x)[2][:, 0]
        slow = np.zeros(len(out), bool)
        for c in (0, 1):
            members = np.flatnonzero(self.y[:, 0] == c)
            order = members[np.argsort(out[members])]
            v = out[order]
            prefix, prefix2 = np.cumsum(v), np.cumsum(v * v)
            k = np.arange(1, len(v))
            left = prefix2[:-1] - prefix[:-1] ** 2 / k
            right = (prefix2[-1] - prefix2[:-1]) - (prefix[-1] - prefix[:-1]) ** 2 / (len(v) - k)
            cut = int(np.argmin(left + right)) + 1
            slow[order[:cut] if c == 1 else order[cut:]] = True
        self.pool = np.concatenate([np.arange(len(out)), np.flatnonzero(slow)])
        self.runs += [[list(self.init), Adam(1e-3), 0, Batches(self.pool, self.rng)] for _ in range(2)]

    def step(self):
        if self.steps == self.cluster_step and self.pool is None:
            self.split()
        for r in range(len(self.runs)):
            if self.runs[r][2] < self.run_steps:
                self.step_run(r)
        self.steps += 1


LABS = {
    "frozen-subspace": (FrozenSubspace, 4000),
    "overoptimization": (Overoptimization, 2000),
    "early-learning": (EarlyLearning, 500),
    "simplicity-bias": (SimplicityBias, 1500),
}


def steps_per_second(lab, steps, repeat):
    """The best of `repeat` fresh runs: timing noise only ever slows a run down."""
    best = 0.0
    for _ in range(repeat):
        cls, planned = LABS[lab]
        model = cls(planned, np.random.default_rng(0))
        for _ in range(5):
            model.step()
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        best = max(best, steps / (time.perf_counter() - t0))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rates = {lab: steps_per_second(lab, args.steps, args.repeat) for lab in LABS}
    if args.json:
        print(json.dumps({"numpy": np.__version__, "repeat": args.repeat, "rates": rates}))
    else:
        for lab, rate in rates.items():
            print(f"numpy {lab}: {rate:.1f} steps/s ({args.steps} steps, numpy {np.__version__})")


if __name__ == "__main__":
    main()
