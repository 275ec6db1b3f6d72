"""Grid search over a Keras max-norm MLP on breast cancer, through hs.sklearn.SearchCV.

``create_model`` builds a Keras MLP (one hidden layer, dropout, a max-norm
constraint on the hidden weights) from the five arguments its grid tunes.
scikeras' ``KerasClassifier`` (0.13, which serves Keras 3 on the torch backend)
makes it a scikit-learn estimator, so ``SearchCV(..., sampler="grid")`` runs
the same grid GridSearchCV would: weight initialiser, activation, dropout,
hidden units, batch size and epochs, each cell scored by stratified k-fold
cross-validation on a training split (features standardised inside the
pipeline, so no fold sees another's scale).

Then, as the seed asks, it reviews the whole grid (mean and std of every
cell, not only the best), and measures the chosen model once on a held-out
test split (``hs.evaluate.final_test``; a re-run reads that record back
instead of looking at the test set again). The study is stored, so a re-run
resumes it instead of starting over.

    python examples/keras_mlp_grid.py                    # 64 cells x 3 folds, ~3 min
    HYPERSWEEP_EXAMPLE_QUICK=1 python examples/keras_mlp_grid.py   # a tiny grid
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np

import hypersweep as hs

STUDY = "breast-cancer-keras-grid"
QUICK = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
STEP = "net"  # the pipeline step holding the Keras model

# a coarse grid (the usual advice: start coarse, refine around the best region)
GRID: dict[str, list[Any]] = {
    "init_mode": ["glorot_uniform", "he_normal"],
    "activation": ["relu", "tanh"],
    "dropout_rate": [0.0, 0.3],
    "weight_constraint": [3.0],
    "neurons": [8, 32],
    "batch_size": [16, 64],
    "epochs": [10, 30],
}
QUICK_GRID: dict[str, list[Any]] = {
    "init_mode": ["glorot_uniform", "zeros"],  # all-zero weights: a cell that must lose
    "activation": ["relu"],
    "dropout_rate": [0.2],
    "weight_constraint": [3.0],
    "neurons": [4, 16],
    "batch_size": [16],
    "epochs": [20],
}
MODEL_ARGS = ("init_mode", "activation", "dropout_rate", "weight_constraint", "neurons")


def create_model(
    init_mode: str = "glorot_uniform",
    activation: str = "relu",
    dropout_rate: float = 0.0,
    weight_constraint: float = 3.0,
    neurons: int = 16,
    meta: dict[str, Any] | None = None,
) -> Any:
    """The model: Dense(neurons) with max-norm weights, Dropout, a sigmoid output.

    scikeras passes ``meta`` (what it learned from the data, e.g. ``n_features_in_``)
    to a build function that asks for it: the input width is not hard-coded.
    """
    import keras

    n_features = int(meta["n_features_in_"]) if meta else 30
    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(
                neurons,
                activation=activation,
                kernel_initializer=init_mode,
                kernel_constraint=keras.constraints.MaxNorm(weight_constraint),
            ),
            keras.layers.Dropout(dropout_rate),
            keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init_mode),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def pipeline(seed: int) -> Any:
    """StandardScaler + KerasClassifier(create_model); model arguments go as ``model__*``."""
    from scikeras.wrappers import KerasClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    net = KerasClassifier(
        model=create_model,
        verbose=0,
        random_state=seed,  # scikeras seeds Keras for each fit: a cell scores the same twice
        **{f"model__{k}": v[0] for k, v in GRID.items() if k in MODEL_ARGS},
    )
    return Pipeline([("scale", StandardScaler()), (STEP, net)])


def estimator_name(key: str) -> str:
    """The pipeline parameter a grid key sets: ``net__model__neurons``, ``net__epochs``."""
    return f"{STEP}__model__{key}" if key in MODEL_ARGS else f"{STEP}__{key}"


def short(params: dict[str, Any]) -> dict[str, Any]:
    """``net__model__neurons`` -> ``neurons``: the grid's names, in the grid's order."""
    named = {k.rsplit("__", 1)[-1]: v for k, v in params.items()}
    return {k: named[k] for k in GRID if k in named}


def describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in short(params).items())


def data(quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stratified 75/25 train/test split of breast cancer (quick: a 300-row sample)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    x = x.astype("float32")
    if quick:  # the usual tip: tune on a sample of the data first
        x, _, y, _ = train_test_split(x, y, train_size=300, stratify=y, random_state=0)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=0
    )
    return x_train, x_test, y_train, y_test


def final_test(study: hs.Study, seed: int, split: tuple[np.ndarray, ...]) -> dict[str, Any]:
    """The test split, looked at once: the first run measures, a re-run reads the record."""
    from sklearn.base import clone

    from hypersweep import evaluate

    record = study.user_attrs.get(evaluate.FINAL_TEST_ATTR)
    if record is None:
        x_train, x_test, y_train, y_test = split
        template = pipeline(seed)
        evaluate.final_test(
            study,
            lambda p: clone(template).set_params(**p),
            x_train,
            y_train,
            x_test,
            y_test,
            scoring="accuracy",
        )
        record = study.user_attrs[evaluate.FINAL_TEST_ATTR]
    return dict(record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument("--study", default=STUDY, help="study name")
    parser.add_argument("--folds", type=int, default=3, help="k of the k-fold CV")
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel CV fits (joblib)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import torch
    from sklearn.model_selection import StratifiedKFold

    from hypersweep.sklearn import SearchCV

    if QUICK:
        torch.set_num_threads(1)
    grid = QUICK_GRID if QUICK else GRID
    cells = int(np.prod([len(v) for v in grid.values()]))
    split = data(QUICK)
    x_train, _, y_train, _ = split

    search = SearchCV(
        pipeline(args.seed),
        {estimator_name(k): v for k, v in grid.items()},
        sampler="grid",
        n_trials=cells,
        cv=StratifiedKFold(args.folds, shuffle=True, random_state=args.seed),
        scoring="accuracy",
        n_jobs=args.n_jobs,
        refit=False,  # the one refit happens in final_test, on the whole training split
        random_state=args.seed,
        storage=args.storage,
        study_name=args.study,
    ).fit(x_train, y_train)

    res = search.cv_results_
    majority = max(np.mean(y_train), 1 - np.mean(y_train))
    print(f"{len(res['params'])} grid cells, {args.folds}-fold CV accuracy, mean (std):")
    for i in np.argsort(-res["mean_test_score"], kind="stable"):
        mark = "  <- best" if i == search.best_index_ else ""
        print(
            f"  {res['mean_test_score'][i]:.4f} ({res['std_test_score'][i]:.4f}) "
            f"with {describe(res['params'][i])}{mark}"
        )
    record = final_test(search.study_, args.seed, split)
    print(f"\nmajority-class baseline: {majority:.4f}")
    print(f"best CV accuracy: {search.best_score_:.4f}")
    print(f"held-out test accuracy: {record['score']:.4f} (measured once, run {record['runs']})")
    print("best parameters:")
    print(json.dumps(short(search.best_params_), indent=2))


if __name__ == "__main__":
    main()
