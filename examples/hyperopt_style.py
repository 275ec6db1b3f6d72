"""A hyperopt user's code, unchanged but for the import, on the breast-cancer data.

The space is written with ``hp`` exactly as for hyperopt: ``hp.choice`` over
dicts, ``hp.loguniform`` with bounds given as logarithms, ``hp.quniform``,
``hp.uniform``. The difference is the answer: hyperopt's ``fmin`` returns the
*index* of each choice (``{'classifier': 1, 'svm_kernel': 0, ...}``, which the
tuning loop with hyperopt has to decode by hand); ``hs.fmin`` returns the values actually used.

    python examples/hyperopt_style.py
    python examples/hyperopt_style.py --max-evals 100
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Any

import numpy as np

import hypersweep as hs
from hypersweep import hp

space = hp.choice(
    "classifier",
    [
        {
            "type": "svm",
            "C": hp.loguniform("svm_C", np.log(1e-3), np.log(1e2)),
            "kernel": hp.choice("svm_kernel", ["linear", "rbf"]),
        },
        {
            "type": "random_forest",
            "n_estimators": hp.quniform("rf_n_estimators", 10, 100, 10),
            "max_features": hp.uniform("rf_max_features", 0.1, 1.0),
        },
        {
            "type": "knn",
            "n_neighbors": hp.quniform("knn_n_neighbors", 1, 30, 1),
        },
    ],
)


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return x, y


def fn(params: dict[str, Any]) -> dict[str, Any]:
    """hyperopt's convention: minimise a loss, here minus the cross-validated accuracy."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    kind = params["type"]
    if kind == "svm":
        model: Any = SVC(C=params["C"], kernel=params["kernel"])
    elif kind == "random_forest":
        model = RandomForestClassifier(
            n_estimators=int(params["n_estimators"]),  # quniform gives floats, as in hyperopt
            max_features=params["max_features"],
            random_state=0,
        )
    else:
        model = KNeighborsClassifier(n_neighbors=int(params["n_neighbors"]))
    x, y = data()
    accuracy = cross_val_score(make_pipeline(StandardScaler(), model), x, y, cv=3).mean()
    return {"loss": -float(accuracy), "status": "ok"}


def main() -> None:
    quick = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-evals", type=int, default=6 if quick else 50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    best = hs.fmin(fn, space, algo="random", max_evals=args.max_evals, seed=args.seed)

    # The real choices, not indices: best["type"] is "svm", "random_forest" or "knn".
    assert isinstance(best["type"], str), best
    print(f"\nbest classifier: {best['type']}")
    print("best parameters (real values, not indices):")
    print(json.dumps(best, indent=2))


if __name__ == "__main__":
    main()
