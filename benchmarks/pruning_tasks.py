"""The learning-curve tasks of the replay pruning benchmark (``pruning.py --replay``).

Each task trains one configuration for all its epochs and returns the validation
score after every epoch (accuracy, or R² for the regression task). The objective
rounds its parameters onto a grid (a quarter decade of learning rate, powers of
two of width, decades of weight decay), so configurations repeat across studies
and a cached curve can be replayed; the rounding is part of the objective, the
same for every sampler and library.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import itertools

import numpy as np

Config = tuple[float, int, float]  # (lr, width, weight decay), on the grid
TRAIN_SEEDS = 3  # a study seed s trains with seed s % TRAIN_SEEDS (see pruning_replay.py)
WIDTHS = (32, 64, 128)
DECAYS = (1e-5, 1e-3)


def on_grid(lr: float, width: float, wd: float) -> Config:
    """The grid point the objective trains: the nearest half decade of lr (7 points over
    the task's 3 decades), power of two of width (32..128), weight decay 1e-5 or 1e-3."""
    w = min(WIDTHS, key=lambda v: abs(math.log2(v) - math.log2(width)))
    d = min(DECAYS, key=lambda v: abs(math.log10(v) - math.log10(wd)))
    return float(f"{10 ** (round(2 * math.log10(lr)) / 2):.4g}"), w, d


def grid(task: Task) -> list[Config]:
    """Every configuration the task's objective can train."""
    lo, hi = (round(2 * math.log10(v)) for v in task.lr)
    return [(float(f"{10 ** (k / 2):.4g}"), w, d)
            for k in range(lo, hi + 1) for w in task.widths for d in DECAYS]  # fmt: skip


def _seed(task: str, config: Config | tuple[Any, ...], seed: int) -> int:
    return zlib.crc32(repr((task, config, seed % TRAIN_SEEDS)).encode())


def _digits(n_val: int | None = None, noise: float = 0.0) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    xt, xv, yt, yv = train_test_split(x, y, test_size=n_val or 0.25, stratify=y, random_state=0)
    if noise:  # flip a share of the training labels: wide nets memorise them later
        rng = np.random.default_rng(0)
        flip = rng.random(len(yt)) < noise
        yt = np.where(flip, rng.integers(0, 10, len(yt)), yt)
    return xt, xv, yt.astype(np.int64), yv.astype(np.int64)


def _torch_curves(
    data: tuple[np.ndarray, ...], configs: list[Config], seed: int, epochs: int, *,
    optimizer: str = "adam", batch: int = 64, regression: bool = False, depth: int = 1,
) -> list[list[float]]:  # fmt: skip
    """Train every configuration of ``configs`` (one width) side by side: each has its own
    weights (initialised like ``torch.nn.Linear``, from its own seed), learning rate and
    weight decay, and they share the minibatch order. Adam or plain SGD written out,
    with L2 weight decay added to the gradient as ``torch.optim`` does. Side by side
    because the CPU is scarce: it is the same arithmetic as one run per configuration."""
    import torch

    torch.set_num_threads(1)
    n_cfg = len(configs)
    width = configs[0][1]
    lr = torch.tensor([c[0] for c in configs]).view(n_cfg, 1, 1)
    wd = torch.tensor([c[2] for c in configs]).view(n_cfg, 1, 1)
    xt, xv, yt, yv = (torch.tensor(a) for a in data)
    n_out = 1 if regression else 10
    sizes = [xt.shape[1]] + [width] * depth + [n_out]
    params: list[torch.Tensor] = []
    for d_in, d_out in itertools.pairwise(sizes):
        ws, bs = [], []
        for c in configs:
            g = torch.Generator().manual_seed(_seed("init", c, seed) + d_in * 7 + d_out)
            bound = 1 / math.sqrt(d_in)
            ws.append((torch.rand(d_in, d_out, generator=g) * 2 - 1) * bound)
            bs.append((torch.rand(1, d_out, generator=g) * 2 - 1) * bound)
        params += [torch.stack(ws).requires_grad_(), torch.stack(bs).requires_grad_()]
    m1 = [torch.zeros_like(p) for p in params]
    m2 = [torch.zeros_like(p) for p in params]

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = x.unsqueeze(0).expand(n_cfg, -1, -1)
        for i in range(0, len(params), 2):
            h = torch.baddbmm(params[i + 1], h, params[i])
            if i + 2 < len(params):
                h = torch.relu(h)
        return h  # (configs, rows, outputs)

    gen = torch.Generator().manual_seed(seed)
    out: list[list[float]] = [[] for _ in configs]
    var = float(yv.float().var()) if regression else 1.0
    t = 0
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(perm), batch):
            idx = perm[i : i + batch]
            pred = forward(xt[idx])
            if regression:
                loss = ((pred.squeeze(2) - yt[idx]) ** 2).mean(1).sum()
            else:
                logp = torch.log_softmax(pred, 2)
                loss = -logp[:, torch.arange(len(idx)), yt[idx]].mean(1).sum()
            grads = torch.autograd.grad(loss, params)
            t += 1
            with torch.no_grad():
                for p, g, a, b in zip(params, grads, m1, m2):
                    g = g + wd * p
                    if optimizer == "adam":
                        a.mul_(0.9).add_(g, alpha=0.1)
                        b.mul_(0.999).addcmul_(g, g, value=0.001)
                        step = (a / (1 - 0.9**t)) / ((b / (1 - 0.999**t)).sqrt() + 1e-8)
                        p.sub_(lr * step)
                    else:
                        p.sub_(lr * g)
                    p.nan_to_num_(nan=0.0, posinf=1e6, neginf=-1e6)
        with torch.no_grad():
            pred = forward(xv)
            for k in range(n_cfg):
                if regression:
                    mse = float(((pred[k].squeeze(1) - yv) ** 2).mean())
                    score = 1.0 - mse / var if math.isfinite(mse) else -1.0
                    out[k].append(max(score, -1.0))  # R², floored: a diverged run scores -1
                else:
                    out[k].append(float((pred[k].argmax(1) == yv).float().mean()))
    return out


def _diabetes() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    x, y = load_diabetes(return_X_y=True)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    y = ((y - y.mean()) / y.std()).astype(np.float32)
    xt, xv, yt, yv = train_test_split(x, y, test_size=0.3, random_state=0)
    return xt, xv, yt, yv


def _friedman() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import make_friedman1
    from sklearn.model_selection import train_test_split

    x, y = make_friedman1(n_samples=1000, n_features=10, noise=1.0, random_state=0)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    y = ((y - y.mean()) / y.std()).astype(np.float32)
    xt, xv, yt, yv = train_test_split(x, y, test_size=0.3, random_state=0)
    return xt, xv, yt, yv


def _keras_curve(
    data: tuple[np.ndarray, ...], config: Config, seed: int, epochs: int
) -> list[float]:
    import keras
    import torch

    torch.set_num_threads(1)
    keras.utils.set_random_seed(seed % 2**31)
    lr, width, wd = config
    xt, xv, yt, yv = data
    model = keras.Sequential([
        keras.Input((xt.shape[1],)),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(10),
    ])  # fmt: skip
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9, weight_decay=wd),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    hist = model.fit(xt, yt, validation_data=(xv, yv), epochs=epochs, batch_size=64, verbose=0)
    return [float(v) if math.isfinite(v) else 0.0 for v in hist.history["val_accuracy"]]


@dataclass
class Task:
    name: str
    about: str
    curves: Callable[[list[Config], int, int], list[list[float]]]  # (configs, seed, epochs)
    lr: tuple[float, float] = (1e-4, 1e-1)
    widths: tuple[int, ...] = WIDTHS
    train_seeds: int = TRAIN_SEEDS  # Keras is slow: fewer training seeds


_DATA: dict[str, tuple[np.ndarray, ...]] = {}


def _data(key: str, make: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    if key not in _DATA:
        _DATA[key] = make()
    return _DATA[key]


def _make_tasks() -> dict[str, Task]:
    def digits(cs: list[Config], s: int, e: int) -> list[list[float]]:
        return _torch_curves(_data("digits", _digits), cs, s, e)

    def keras_task(cs: list[Config], s: int, e: int) -> list[list[float]]:
        return [_keras_curve(_data("digits", _digits), c, _seed("keras", c, s), e) for c in cs]

    def slow(cs: list[Config], s: int, e: int) -> list[list[float]]:
        data = _data("noisy-labels", lambda: _digits(noise=0.4))
        return _torch_curves(data, cs, s, e, depth=2, batch=32)

    def noisy(cs: list[Config], s: int, e: int) -> list[list[float]]:
        data = _data("small-val", lambda: _digits(n_val=90))
        return _torch_curves(data, cs, s, e, optimizer="sgd", batch=32)

    def regression(cs: list[Config], s: int, e: int) -> list[list[float]]:
        return _torch_curves(_data("diabetes", _diabetes), cs, s, e, regression=True,
                             batch=32, depth=2)  # fmt: skip

    def friedman(cs: list[Config], s: int, e: int) -> list[list[float]]:
        return _torch_curves(_data("friedman", _friedman), cs, s, e, regression=True,
                             optimizer="sgd", batch=16, depth=3)  # fmt: skip

    return {
        t.name: t
        for t in (
            Task("digits", "PyTorch-style MLP (Adam) on digits", digits),
            Task("keras", "Keras 3 two-layer MLP (SGD + momentum, width 64) on digits",
                 keras_task, widths=(64,), train_seeds=1),
            Task("slow", "two-layer MLP (Adam) on digits with 40% of train labels flipped: "
                 "fast learning rates memorise the noise, slow ones finish best", slow),
            Task("noisy", "MLP (plain SGD) on digits, 90 validation images: noisy scores",
                 noisy, lr=(1e-3, 1.0)),
            Task("regression", "two-layer MLP (Adam) on diabetes, validation R²", regression),
            Task("friedman", "held out (never tuned on): three-layer MLP (plain SGD) on "
                 "Friedman #1 (1,000 rows, noise 1), validation R²", friedman, lr=(1e-3, 1.0)),
        )
    }  # fmt: skip


TASKS = _make_tasks()


def load_cache(paths: str | None) -> dict[tuple[str, Config, int], list[float]]:
    """The curves stored in ``paths`` (comma-separated pickle files; missing ones skipped)."""
    import pickle

    out: dict[tuple[str, Config, int], list[float]] = {}
    for path in (paths or "").split(","):
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                out.update(pickle.load(f))
    return out


def save_cache(paths: str | None, cache: dict[tuple[str, Config, int], list[float]]) -> None:
    """Write the curves to the first of ``paths``."""
    import pickle

    path = (paths or "").split(",")[0]
    if path:
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(cache, f)
        os.replace(tmp, path)


def precompute(path: str, tasks: list[str], seeds: int, epochs: int) -> None:
    """Train every grid configuration of ``tasks`` for training seeds 0..seeds-1 (what
    ``--precompute`` runs; the studies then only replay)."""
    import sys

    cache = load_cache(path)
    for seed in range(seeds):
        for name in tasks:
            task = TASKS[name]
            if seed >= task.train_seeds:
                continue
            for w in task.widths:
                todo = [c for c in grid(task) if c[1] == w and (name, c, seed) not in cache]
                chunk = 14 if name != "keras" else 1  # Keras trains one model at a time
                for at in range(0, len(todo), chunk):
                    part = todo[at : at + chunk]
                    for c, curve in zip(part, task.curves(part, seed, epochs)):
                        cache[(name, c, seed)] = curve
                    save_cache(path, cache)
                print(f"  {name} seed {seed} width {w}: done", file=sys.stderr, flush=True)
