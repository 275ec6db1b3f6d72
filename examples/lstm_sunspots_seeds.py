"""An LSTM tuned over several seeds: is the best configuration good, or was it lucky?

The user tunes a Keras LSTM on variable-length sequences (masked
padding, batch norm, dropout, a list of dense layers each with its own
neurons, activation and dropout, Adam with a tuned learning rate and beta_1),
sees one run of a configuration beat the others and asks how to "tune the best
seed". The answer built in here: the seed is not a hyperparameter.

- The data: statsmodels' yearly sunspot numbers (shipped, nothing downloaded),
  scaled to [0, 1]. Each sample predicts one year from a window of the years
  before it whose length varies from 4 to 16 years (quick mode: 4 to 8). The
  windows are padded at the front and a ``Masking`` layer makes the LSTM skip
  the padding (Keras 3 on the torch backend; the original used ragged TensorFlow
  tensors for the same end).
- ``repeats=k``: every configuration is trained k times, each with its own
  seed (``trial.seed``, seeding Python, NumPy and torch through
  ``hs.seed_everything``), and ranked by ``select="mean_minus_std"``: the mean
  validation error plus one standard deviation, so a configuration that swings
  with the seed pays for it. The k errors are kept with each trial.
- ``study.stability(...)`` then re-runs the best configurations over fresh
  seeds and tests whether the leader's lead is real or within seed noise.

The study is stored, so a re-run resumes it (no trial repeated).

    python examples/lstm_sunspots_seeds.py     # 10 configs x 3 seeds, then stability (~4 min)
    HYPERSWEEP_EXAMPLE_QUICK=1 python examples/lstm_sunspots_seeds.py
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np

import hypersweep as hs

STUDY = "sunspots-lstm-seeds"
QUICK = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
MIN_LEN, MAX_LEN = 4, 8 if QUICK else 16  # years of history a sample sees
PAD = -1.0  # the scaled series lies in [0, 1], so -1 can only be padding
HEADROOM = 1.3  # scale so that a peak 30% above the training years' still fits the sigmoid
BATCH_SIZE = 32
VALIDATION_YEARS = 60

SPACE = {
    "lstm_neurons": hs.Int(8, 64, log=True),
    "lstm_activation": hs.Categorical(["tanh", "relu"]),
    "dropout_rate": hs.Float(0.0, 0.5),
    "dense_layers": hs.Repeat(
        {
            "neurons": hs.Int(4, 64, log=True),
            "activation": hs.Categorical(["relu", "tanh", "sigmoid"]),
            "dropout_rate": hs.Float(0.0, 0.5),
        },
        min=1,
        max=3,
    ),
    "learning_rate": hs.Float(1e-3, 3e-2, log=True),
    "beta_1": hs.Float(0.85, 0.95),
}


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Front-padded windows of 4-20 years and the year that follows; the last years validate.

    The window lengths are drawn once (fixed seed), so every trial and every
    seed sees the same samples: only the training's randomness varies.
    """
    from statsmodels.datasets import sunspots

    series = sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=np.float32)
    series = series / (HEADROOM * series[:-VALIDATION_YEARS].max())  # training years only
    lengths = np.random.default_rng(0).integers(MIN_LEN, MAX_LEN + 1, size=len(series))
    x = np.full((len(series) - MAX_LEN, MAX_LEN, 1), PAD, dtype=np.float32)
    y = np.empty((len(series) - MAX_LEN, 1), dtype=np.float32)
    for row, t in enumerate(range(MAX_LEN, len(series))):
        n = lengths[t]
        x[row, MAX_LEN - n :, 0] = series[t - n : t]
        y[row, 0] = min(series[t], 1.0)  # the sigmoid output cannot reach past 1
    v = len(y) - VALIDATION_YEARS
    return x[:v], y[:v], x[v:], y[v:]


def batch_norm() -> Any:
    """Batch norm whose moving statistics settle within a few dozen steps.

    Keras' default momentum (0.99) needs hundreds of steps; with ~8 steps an
    epoch the evaluation would use unsettled statistics and predict nonsense.
    """
    import keras

    return keras.layers.BatchNormalization(momentum=0.9)


def get_model(params: dict[str, Any]) -> Any:
    """The LSTM's ``get_model``: Masking, LSTM, BatchNorm, Dropout, dense layers, sigmoid."""
    import keras

    inputs = keras.Input(shape=(None, 1))
    layers = keras.layers.Masking(mask_value=PAD)(inputs)
    layers = keras.layers.LSTM(params["lstm_neurons"], activation=params["lstm_activation"])(
        layers
    )
    layers = batch_norm()(layers)
    layers = keras.layers.Dropout(params["dropout_rate"])(layers)
    for layer in params["dense_layers"]:
        layers = keras.layers.Dense(layer["neurons"], activation=layer["activation"])(layers)
        layers = batch_norm()(layers)
        layers = keras.layers.Dropout(layer["dropout_rate"])(layers)
    outputs = keras.layers.Dense(1, activation="sigmoid")(layers)
    model = keras.Model(inputs, outputs)
    opt = keras.optimizers.Adam(learning_rate=params["learning_rate"], beta_1=params["beta_1"])
    model.compile(loss="mse", optimizer=opt)
    return model


class Objective:
    """Validation MSE after ``epochs`` epochs, from the seed the trial hands out.

    Called as ``objective(params, trial)``: ``trial.seed`` differs for each
    repeat of a trial (and for each fresh seed of a stability re-run).
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def __call__(self, params: dict[str, Any], trial: hs.Trial) -> float:
        hs.seed_everything(trial.seed)  # Python, NumPy, torch and Keras
        x_train, y_train, x_val, y_val = data()
        model = get_model(params)
        model.fit(x_train, y_train, epochs=self.epochs, batch_size=BATCH_SIZE, verbose=0)
        return float(model.evaluate(x_val, y_val, verbose=0))


def describe(params: dict[str, Any]) -> str:
    dense = "+".join(f"{d['neurons']}{d['activation'][0]}" for d in params["dense_layers"])
    return (
        f"lstm {params['lstm_neurons']} {params['lstm_activation']}, dense {dense}, "
        f"lr {params['learning_rate']:.2g}, beta_1 {params['beta_1']:.2f}"
    )


def print_seed_spread(result: hs.Result, show: int) -> None:
    """Every configuration's k seeds: the spread the search ranked them by."""
    done = [t for t in result.trials if t.value is not None and "repeats" in t.system_attrs]
    done.sort(key=lambda t: t.value or 0.0)
    record = done[0].system_attrs["repeats"]
    print(
        f"validation MSE (x1000) over {len(record['values'])} seeds per configuration, "
        f"ranked by {record['select']}:"
    )
    for t in done[:show]:
        r = t.system_attrs["repeats"]
        values = " ".join(f"{1000 * v:6.2f}" for v in r["values"])
        print(
            f"  trial {t.number:2d}: [{values}]  mean {1000 * r['mean']:6.2f} "
            f"+- {1000 * r['std']:5.2f}  ({describe(t.params)})"
        )
    luckiest = min(done, key=lambda t: min(t.system_attrs["repeats"]["values"]))
    r = luckiest.system_attrs["repeats"]
    seed = r["seeds"][int(np.argmin(r["values"]))]
    print(
        f"luckiest single run: trial {luckiest.number} with seed {seed} at "
        f"{1000 * min(r['values']):.2f}; its mean over seeds is {1000 * r['mean']:.2f}"
    )
    if luckiest.number != done[0].number:
        print(
            f"  one run per configuration could have picked trial {luckiest.number}; over "
            f"seeds, trial {done[0].number} is the better bet"
        )


def baselines() -> dict[str, float]:
    """Validation MSE of forecasts without a model: the training mean, and last year again."""
    _, y_train, x_val, y_val = data()
    return {
        "training mean": float(np.mean((y_val - y_train.mean()) ** 2)),
        "last year": float(np.mean((y_val[:, 0] - x_val[:, -1, 0]) ** 2)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument("--study", default=STUDY, help="study name")
    parser.add_argument("--n-trials", type=int, default=3 if QUICK else 10)
    parser.add_argument("--repeats", type=int, default=2 if QUICK else 3, help="seeds per trial")
    parser.add_argument("--epochs", type=int, default=5 if QUICK else 20)
    parser.add_argument("--top", type=int, default=2 if QUICK else 3, help="stability: configs")
    parser.add_argument("--seeds", type=int, default=3 if QUICK else 5, help="stability: seeds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    if QUICK:
        torch.set_num_threads(1)
    objective = Objective(args.epochs)
    result = hs.minimize(
        objective,
        SPACE,
        sampler="tpe",
        n_trials=args.n_trials,
        repeats=args.repeats,
        select="mean_minus_std",
        seed=args.seed,
        storage=args.storage,
        study=args.study,
        verbosity=0,
    )
    _, y_train, _, y_val = data()
    print(f"{len(result.trials)} trials, {len(y_train)} training and {len(y_val)} validation years")
    for name, mse in baselines().items():
        print(f"baseline {name}: validation MSE (x1000) {1000 * mse:.2f}")
    print_seed_spread(result, show=5)
    print()
    print(result.study.stability(objective, top=args.top, seeds=args.seeds))
    print("best parameters:")
    print(json.dumps(result.best_params, indent=2))


if __name__ == "__main__":
    main()
