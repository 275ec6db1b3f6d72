"""Tiny real data and models shared by the integration tests (torch imported by callers)."""

from __future__ import annotations

from typing import Any

import numpy as np


def digits(n: int = 200, n_val: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` training and ``n_val`` validation rows of scikit-learn's digits, scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    order = np.random.default_rng(0).permutation(len(y))
    train, val = order[:n], order[n : n + n_val]
    return x[train], y[train], x[val], y[val]


def torch_setup(n: int = 200) -> dict[str, Any]:
    """Tensors for a digits MLP plus functions to build, train and validate it."""
    import torch

    torch.set_num_threads(1)
    xt, yt, xv, yv = digits(n)
    data = {
        "xt": torch.from_numpy(xt), "yt": torch.from_numpy(yt).long(),
        "xv": torch.from_numpy(xv), "yv": torch.from_numpy(yv).long(),
    }  # fmt: skip
    return data


def mlp(hidden: int = 16) -> Any:
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )


def train_one_epoch(model: Any, optimizer: Any, data: dict[str, Any], batch: int = 50) -> None:
    """One shuffled pass (the global torch generator draws the order, as most loops do)."""
    import torch

    order = torch.randperm(len(data["yt"]))
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data["xt"][idx]), data["yt"][idx])
        loss.backward()
        optimizer.step()


def val_loss(model: Any, data: dict[str, Any]) -> float:
    import torch

    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(model(data["xv"]), data["yv"]))


def breast_cancer(n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """``n`` standardised rows of scikit-learn's breast cancer data (both classes)."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    x = ((x - x.mean(axis=0)) / x.std(axis=0)).astype("float32")
    order = np.random.default_rng(0).permutation(len(y))[:n]
    return x[order], y[order]


def create_model(
    init_mode: str = "glorot_uniform",
    activation: str = "relu",
    dropout_rate: float = 0.0,
    weight_constraint: float = 3.0,
    neurons: int = 8,
    optimizer: Any = "adam",
) -> Any:
    """A Keras ``create_model``, for the 30 breast-cancer features (Keras 3 spelling)."""
    import keras

    model = keras.Sequential([
        keras.Input((30,)),
        keras.layers.Dense(neurons, kernel_initializer=init_mode, activation=activation,
                           kernel_constraint=keras.constraints.MaxNorm(weight_constraint)),
        keras.layers.Dropout(dropout_rate),
        keras.layers.Dense(1, kernel_initializer=init_mode, activation="sigmoid"),
    ])  # fmt: skip
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def digits_model(hidden: int = 16, lr: float = 0.1) -> Any:
    """A 64-hidden-10 Keras MLP for the digits, compiled with SGD."""
    import keras

    model = keras.Sequential([
        keras.Input((64,)), keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.SGD(lr, momentum=0.9))  # fmt: skip
    return model
