"""A windowed MLP forecaster (the tuning loop with hyperopt), tuned with TPE, against baselines.

The series is statsmodels' yearly sunspot numbers (1700-2008, shipped with
statsmodels, nothing downloaded). Each year is predicted from the years before
it: a row of X holds the last ``MAX_WINDOW`` values and the tuned ``window``
says how many of them the MLP sees, so every configuration is fitted and
scored on the same rows. TPE tunes the window, the hidden units, the
activation, the training loss (the hyperopt tuning loop asks whether MAE or log-cosh beats
MSE) and Adam's learning rate; each is judged by the mean absolute error of
forward-chaining validation (``TimeSeriesSplit``: always fit on the past,
score on the years that follow).

The last 40 years are the test set, looked at once at the end
(``hs.evaluate.final_test``), and set beside two baselines that need no
tuning: "last value" (next year = this year) and "seasonal naive" (next year
= the year one 11-year solar cycle before). A model that cannot beat them has
learned nothing. A re-run resumes the stored study and reads the test result
back instead of testing again.

    python examples/windowed_forecaster.py             # 40 TPE trials
    HYPERSWEEP_EXAMPLE_QUICK=1 python examples/windowed_forecaster.py
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

import hypersweep as hs

STUDY = "sunspots-windowed-mlp"
QUICK = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
MAX_WINDOW = 24
CYCLE = 11  # years in a solar cycle: the seasonal-naive lag
TEST_YEARS = 40
LOSSES = ("mse", "mae", "logcosh", "huber")

SPACE = {
    "window": hs.Int(2, MAX_WINDOW),
    "units": hs.Int(8, 128, log=True),
    "activation": hs.Categorical(["relu", "tanh", "sigmoid"]),
    "loss": hs.Categorical(list(LOSSES)),
    "lr": hs.Float(1e-4, 1e-1, log=True),
}


class WindowedMLP(BaseEstimator, RegressorMixin):  # type: ignore[misc]
    """A one-hidden-layer PyTorch MLP on the last ``window`` columns of X (a sklearn regressor).

    Inputs and targets are standardised with the training rows' statistics;
    training is full-batch Adam for ``epochs`` steps from a seeded start, so
    the same parameters give the same model.
    """

    def __init__(
        self,
        window: int = 12,
        units: int = 32,
        activation: str = "relu",
        loss: str = "mse",
        lr: float = 1e-2,
        epochs: int = 300,
        random_state: int = 0,
    ) -> None:
        self.window, self.units, self.activation, self.loss = window, units, activation, loss
        self.lr, self.epochs, self.random_state = lr, epochs, random_state

    def _loss(self) -> Any:
        import torch

        if self.loss == "logcosh":
            return lambda pred, y: torch.mean(torch.log(torch.cosh(pred - y)))
        losses = {
            "mse": torch.nn.MSELoss,
            "mae": torch.nn.L1Loss,
            "huber": torch.nn.HuberLoss,
        }
        if self.loss not in losses:
            raise ValueError(f"loss must be one of {LOSSES}, but got {self.loss!r}")
        return losses[self.loss]()

    def fit(self, X: np.ndarray, y: np.ndarray) -> WindowedMLP:
        import torch

        x = np.asarray(X, dtype=np.float32)[:, -self.window :]
        y = np.asarray(y, dtype=np.float32)
        self.scale_ = (float(y.mean()), float(y.std()) or 1.0)
        torch.manual_seed(self.random_state)
        act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
        self.net_ = torch.nn.Sequential(
            torch.nn.Linear(self.window, self.units),
            act[self.activation](),
            torch.nn.Linear(self.units, 1),
        )
        xt, yt = self._tensor(x), self._tensor(y[:, None])
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr)
        loss_fn = self._loss()
        for _ in range(self.epochs):
            opt.zero_grad()
            loss = loss_fn(self.net_(xt), yt)
            loss.backward()
            opt.step()
        return self

    def _tensor(self, a: np.ndarray) -> Any:
        import torch

        mean, std = self.scale_
        return torch.from_numpy((a - mean) / std)

    def predict(self, X: np.ndarray) -> np.ndarray:
        import torch

        x = np.asarray(X, dtype=np.float32)[:, -self.window :]
        with torch.no_grad():
            out = self.net_(self._tensor(x)).numpy()[:, 0]
        mean, std = self.scale_
        return np.asarray(out * std + mean, dtype=np.float64)


def windows(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the ``MAX_WINDOW`` values before each year, and that year's value."""
    x = np.lib.stride_tricks.sliding_window_view(series[:-1], MAX_WINDOW)
    return np.array(x, dtype=np.float64), series[MAX_WINDOW:].astype(np.float64)


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train+validation rows, then the last ``TEST_YEARS`` rows for the final test."""
    from statsmodels.datasets import sunspots

    series = sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()
    x, y = windows(series)
    return x[:-TEST_YEARS], x[-TEST_YEARS:], y[:-TEST_YEARS], y[-TEST_YEARS:]


def mae(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.abs(pred - y)))


def baselines(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """MAE of the forecasts that need no model."""
    return {"last value": mae(x[:, -1], y), "seasonal naive": mae(x[:, -CYCLE], y)}


def validation_baselines(x: np.ndarray, y: np.ndarray, cv: Any) -> dict[str, float]:
    """The baselines' MAE on the same validation folds the trials are scored on."""
    folds = list(cv.split(x, y))
    return {
        name: float(np.mean([baselines(x[val], y[val])[name] for _, val in folds]))
        for name in ("last value", "seasonal naive")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument("--study", default=STUDY, help="study name")
    parser.add_argument(
        "--n-trials", type=int, default=8 if QUICK else 40, help="the study's total budget"
    )
    parser.add_argument("--epochs", type=int, default=150 if QUICK else 400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch
    from sklearn.model_selection import TimeSeriesSplit

    from hypersweep import evaluate

    if QUICK:
        torch.set_num_threads(1)
    x_trval, x_test, y_trval, y_test = data()
    cv = TimeSeriesSplit(n_splits=3, test_size=30)

    def model(p: dict[str, Any]) -> WindowedMLP:
        return WindowedMLP(**p, epochs=args.epochs, random_state=args.seed)

    objective = evaluate.kfold(model, x_trval, y_trval, cv=cv, scoring="neg_mean_absolute_error")
    result = hs.minimize(  # loss = -score = validation MAE
        objective,
        SPACE,
        sampler="tpe",
        n_trials=args.n_trials,
        seed=args.seed,
        storage=args.storage,
        study=args.study,
        verbosity=0,
    )
    study = result.study
    record = study.user_attrs.get(evaluate.FINAL_TEST_ATTR)
    if record is None:  # the test set, once
        evaluate.final_test(
            study, model, x_trval, y_trval, x_test, y_test, scoring="neg_mean_absolute_error"
        )
        record = study.user_attrs[evaluate.FINAL_TEST_ATTR]

    val_base = validation_baselines(x_trval, y_trval, cv)
    test_base = baselines(x_test, y_test)
    print(f"{len(result.trials)} trials (TPE); mean absolute error of the sunspot number:")
    print(f"  {'forecast':<22}{'validation':>12}{'test (once)':>14}")
    print(f"  {'tuned MLP':<22}{result.best_value:>12.2f}{-record['score']:>14.2f}")
    for name in ("last value", "seasonal naive"):
        print(f"  {name:<22}{val_base[name]:>12.2f}{test_base[name]:>14.2f}")
    change = -record["score"] / test_base["last value"] - 1
    print(f"test error of the tuned MLP vs last value: {change:+.0%}")
    print("best parameters:")
    print(json.dumps(result.best_params, indent=2))


if __name__ == "__main__":
    main()
