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

import numpy as np

Config = tuple[float, int, float]  # (lr, width, weight decay), on the grid
TRAIN_SEEDS = 2  # a study seed s trains with seed s % 2: curves are shared across studies
WIDTHS = (32, 64, 128, 256)
DECAYS = (1e-6, 1e-4, 1e-2)


def on_grid(lr: float, width: float, wd: float) -> Config:
    """The grid point the objective trains: the nearest half decade of lr (7 points over
    the task's 3 decades), power of two of width (32..256), weight decay 1e-6, 1e-4, 1e-2."""
    w = min(WIDTHS, key=lambda v: abs(math.log2(v) - math.log2(width)))
    d = min(DECAYS, key=lambda v: abs(math.log10(v) - math.log10(wd)))
    return float(f"{10 ** (round(2 * math.log10(lr)) / 2):.4g}"), w, d


def grid(task: Task) -> list[Config]:
    """Every configuration the task's objective can train."""
    lo, hi = (round(2 * math.log10(v)) for v in task.lr)
    return [(float(f"{10 ** (k / 2):.4g}"), w, d)
            for k in range(lo, hi + 1) for w in WIDTHS for d in DECAYS]  # fmt: skip


def _seed(task: str, config: Config, seed: int) -> int:
    return zlib.crc32(repr((task, config, seed % TRAIN_SEEDS)).encode())


def _digits(n_val: int | None = None, noise: float = 0.0) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    xt, xv, yt, yv = train_test_split(
        x, y, test_size=n_val or 0.25, stratify=y, random_state=0
    )
    if noise:  # flip a share of the training labels: wide nets memorise them later
        rng = np.random.default_rng(0)
        flip = rng.random(len(yt)) < noise
        yt = np.where(flip, rng.integers(0, 10, len(yt)), yt)
    return xt, xv, yt.astype(np.int64), yv.astype(np.int64)


def _torch_curve(
    data: tuple[np.ndarray, ...], config: Config, seed: int, epochs: int, *,
    optimizer: str = "adam", batch: int = 64, regression: bool = False, depth: int = 1,
) -> list[float]:  # fmt: skip
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    lr, width, wd = config
    xt, xv, yt, yv = (torch.tensor(a) for a in data)
    n_out = 1 if regression else 10
    layers: list[Any] = []
    d_in = xt.shape[1]
    for _ in range(depth):
        layers += [torch.nn.Linear(d_in, width), torch.nn.ReLU()]
        d_in = width
    model = torch.nn.Sequential(*layers, torch.nn.Linear(d_in, n_out))
    if optimizer == "adam":
        opt: Any = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=wd)
    loss_fn: Any = torch.nn.MSELoss() if regression else torch.nn.CrossEntropyLoss()
    out = []
    gen = torch.Generator().manual_seed(seed)
    var = float(yv.float().var()) if regression else 1.0
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(perm), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            pred = model(xt[idx])
            loss = loss_fn(pred.squeeze(1), yt[idx]) if regression else loss_fn(pred, yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(xv)
            if regression:
                mse = float(((pred.squeeze(1) - yv) ** 2).mean())
                score = 1.0 - mse / var if math.isfinite(mse) else -1.0
                out.append(max(score, -1.0))  # R², floored: a diverged run scores -1
            else:
                out.append(float((pred.argmax(1) == yv).float().mean()))
    return out


def _diabetes() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    x, y = load_diabetes(return_X_y=True)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    y = ((y - y.mean()) / y.std()).astype(np.float32)
    xt, xv, yt, yv = train_test_split(x, y, test_size=0.3, random_state=0)
    return xt, xv, yt, yv


def _keras_curve(data: tuple[np.ndarray, ...], config: Config, seed: int, epochs: int) -> list[float]:
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
    curve: Callable[[Config, int, int], list[float]]  # (config, seed, epochs) -> scores
    lr: tuple[float, float] = (1e-4, 1e-1)


_DATA: dict[str, tuple[np.ndarray, ...]] = {}


def _data(key: str, make: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    if key not in _DATA:
        _DATA[key] = make()
    return _DATA[key]


def _make_tasks() -> dict[str, Task]:
    def digits(c: Config, s: int, e: int) -> list[float]:
        return _torch_curve(_data("digits", _digits), c, _seed("digits", c, s), e)

    def keras_task(c: Config, s: int, e: int) -> list[float]:
        return _keras_curve(_data("digits", _digits), c, _seed("keras", c, s), e)

    def slow(c: Config, s: int, e: int) -> list[float]:
        data = _data("noisy-labels", lambda: _digits(noise=0.4))
        return _torch_curve(data, c, _seed("slow", c, s), e, depth=2, batch=32)

    def noisy(c: Config, s: int, e: int) -> list[float]:
        data = _data("small-val", lambda: _digits(n_val=90))
        return _torch_curve(data, c, _seed("noisy", c, s), e, optimizer="sgd", batch=32)

    def regression(c: Config, s: int, e: int) -> list[float]:
        return _torch_curve(_data("diabetes", _diabetes), c, _seed("reg", c, s), e,
                            regression=True, batch=32, depth=2)  # fmt: skip

    return {
        t.name: t
        for t in (
            Task("digits", "PyTorch MLP (Adam) on digits", digits),
            Task("keras", "Keras 3 two-layer MLP (SGD + momentum) on digits", keras_task),
            Task("slow", "PyTorch MLP on digits with 40% of train labels flipped: fast "
                 "learning rates memorise the noise, slow ones finish best", slow),
            Task("noisy", "PyTorch MLP (plain SGD) on digits, 90 validation images: "
                 "noisy scores", noisy, lr=(1e-3, 1.0)),
            Task("regression", "PyTorch MLP on diabetes, validation R²", regression),
        )
    }


TASKS = _make_tasks()


def load_cache(path: str | None) -> dict[tuple[str, Config, int], list[float]]:
    import pickle

    if path and os.path.exists(path):
        with open(path, "rb") as f:
            return dict(pickle.load(f))
    return {}


def save_cache(path: str | None, cache: dict[tuple[str, Config, int], list[float]]) -> None:
    import pickle

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
            todo = [c for c in grid(TASKS[name]) if (name, c, seed) not in cache]
            for i, c in enumerate(todo):
                cache[(name, c, seed)] = TASKS[name].curve(c, seed, epochs)
                if i % 10 == 9 or i == len(todo) - 1:
                    save_cache(path, cache)
                    print(f"  {name} seed {seed}: {i + 1}/{len(todo)}", file=sys.stderr,
                          flush=True)  # fmt: skip
