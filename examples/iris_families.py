"""One search over four model families and a preprocessing step, on Iris.

Tuning KNN, SVM, a tree and a forest separately and comparing their bests by
hand is easy to get wrong: a poorly tuned SVM loses to a well tuned KNN. Here
the family is just another (conditional) choice, so every family gets tuned
and the comparison is fair. The search sees only the training split (3-fold
cross-validated accuracy); the chosen configuration is measured ONCE on a
held-out test split at the end.

    python examples/iris_families.py                     # 60 trials in ./hypersweep.db
    python examples/iris_families.py --n-trials 100      # resume: 40 more
    hypersweep show iris-families --sort value --limit 10

The same search as a config: ``hypersweep run examples/iris_families.yaml``
(it imports ``objective`` from this file).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Any

import numpy as np

import hypersweep as hs

STUDY = "iris-families"
SEED = 0

SPACE: dict[str, Any] = {
    "preprocess": hs.Categorical(["none", "standardise", "normalise"]),
    "model": hs.Categorical(
        [
            {
                "kind": "knn",
                "n_neighbors": hs.Int(1, 30),
                "weights": hs.Categorical(["uniform", "distance"]),
            },
            {
                "kind": "svm",
                "C": hs.Float(1e-3, 1e3, log=True),
                "kernel": hs.Categorical(["linear", "rbf", "poly"]),
                "gamma": hs.Float(1e-3, 1e1, log=True),
            },
            {
                "kind": "tree",
                "max_depth": hs.Int(1, 10),
                "criterion": hs.Categorical(["gini", "entropy"]),
            },
            {
                "kind": "forest",
                "n_estimators": hs.Int(10, 200, log=True),
                "max_depth": hs.Int(1, 10),
            },
        ]
    ),
}


@functools.lru_cache(maxsize=1)
def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test parts of Iris; the test part is never seen by the search."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    x, y = load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=SEED
    )
    return x_train, x_test, y_train, y_test


def build(params: dict[str, Any]) -> Any:
    """The scikit-learn pipeline a point of SPACE describes."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    m = params["model"]
    kind = m["kind"]
    if kind == "knn":
        model: Any = KNeighborsClassifier(n_neighbors=m["n_neighbors"], weights=m["weights"])
    elif kind == "svm":
        model = SVC(C=m["C"], kernel=m["kernel"], gamma=m["gamma"])
    elif kind == "tree":
        model = DecisionTreeClassifier(
            max_depth=m["max_depth"], criterion=m["criterion"], random_state=SEED
        )
    else:
        model = RandomForestClassifier(
            n_estimators=m["n_estimators"], max_depth=m["max_depth"], random_state=SEED
        )
    pre = {"none": None, "standardise": StandardScaler(), "normalise": Normalizer()}
    step = pre[params["preprocess"]]
    return make_pipeline(model) if step is None else make_pipeline(step, model)


def objective(params: dict[str, Any]) -> float:
    """3-fold cross-validated accuracy on the training split (higher is better)."""
    from sklearn.model_selection import cross_val_score

    x_train, _, y_train, _ = split()
    return float(cross_val_score(build(params), x_train, y_train, cv=3).mean())


def main() -> None:
    quick = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument(
        "--n-trials", type=int, default=8 if quick else 60, help="the study's total budget"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    result = hs.maximize(
        objective,
        SPACE,
        n_trials=args.n_trials,
        seed=args.seed,
        storage=args.storage,
        study=STUDY,
    )
    print(f"\nbest CV accuracy {result.best_value:.4f} (trial {result.best_trial.number})")

    # The tuning loop's last step: measure the chosen configuration once on unseen data.
    x_train, x_test, y_train, y_test = split()
    model = build(result.best_params).fit(x_train, y_train)
    print(f"held-out test accuracy {model.score(x_test, y_test):.4f} on {len(y_test)} samples")
    print("best parameters:")
    print(json.dumps(result.best_params, indent=2))


if __name__ == "__main__":
    main()
