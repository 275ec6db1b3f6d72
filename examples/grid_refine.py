"""A coarse grid that refines itself around the best cell (the usual grid-search tip), on an SVC.

Round 1 tries a 4 x 4 grid of C and gamma (log-spaced); each further round
puts a finer grid between the best cell's neighbours. Every cell is scored by
stratified 5-fold cross-validation, and its per-fold standard deviation is
kept with the trial (dict results keep extra keys as user attributes), so the
whole grid can be reviewed at the end, not only the best cell: a cell whose
score swings from fold to fold is less trustworthy than its mean suggests.

    python examples/grid_refine.py
    hypersweep show wine-svc-grid --sort value
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Any

import numpy as np

import hypersweep as hs

STUDY = "wine-svc-grid"
FOLDS = 5

SPACE = {
    "C": hs.Float(1e-2, 1e3, log=True),
    "gamma": hs.Float(1e-4, 1e1, log=True),
}


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_wine

    x, y = load_wine(return_X_y=True)
    return x, y


def objective(params: dict[str, Any]) -> dict[str, float]:
    """Mean k-fold error (the loss) and its spread across folds (kept as a user attr)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    x, y = data()
    model = make_pipeline(StandardScaler(), SVC(C=params["C"], gamma=params["gamma"]))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    scores = cross_val_score(model, x, y, cv=folds)
    return {"loss": 1.0 - float(scores.mean()), "std": float(scores.std())}


def main() -> None:
    quick = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument("--n-points", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2 if quick else 3)
    args = parser.parse_args()

    result = hs.minimize(
        objective,
        SPACE,
        sampler=hs.samplers.Grid(n_points=args.n_points, rounds=args.rounds),
        n_trials=None,  # the whole grid, every round
        storage=args.storage,
        study=STUDY,
        verbosity=0,
    )

    print(f"{len(result.trials)} cells, {FOLDS}-fold CV accuracy, mean (std):")
    for t in result.trials:
        if t.value is None:
            print(f"  trial {t.number:3d}: {t.state.value}")
            continue
        mark = "  <- best" if t.number == result.best_trial.number else ""
        print(
            f"  {1 - t.value:.4f} ({t.user_attrs.get('std', float('nan')):.4f}) "
            f"with C={t.params['C']:.4g}, gamma={t.params['gamma']:.4g}{mark}"
        )
    print(f"\nbest: {1 - result.best_value:.4f} accuracy")
    print("best parameters:")
    print(json.dumps(result.best_params, indent=2))


if __name__ == "__main__":
    main()
