"""Define-by-run: the objective asks for its parameters as it goes, and may be pruned.

The search space is not written down first: the code picks a model, then asks
only for that model's parameters (an MLP's units and learning rate, a logistic
regression's C). The MLP trains a few epochs with ``partial_fit`` and reports
its validation accuracy after each one, so the median pruner can stop a run
that is already behind the others (cheap trials, as in the tuning loop with
hyperopt: judge a configuration after a few epochs, on a sample of the data).

    python examples/define_by_run.py                    # 30 trials in ./hypersweep.db
    hypersweep show digits-define-by-run --sort value --limit 5
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import warnings

import numpy as np

import hypersweep as hs

STUDY = "digits-define-by-run"
EPOCHS = 8


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A sample of the digits (600 to train, 300 to validate): tune on a sample first."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x / 16.0, y, train_size=600, test_size=300, stratify=y, random_state=0
    )
    return x_train, x_val, y_train, y_val


def objective(trial: hs.Trial) -> float:
    """Validation accuracy of the model the trial chooses (higher is better)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x_train, x_val, y_train, y_val = data()
    kind = trial.suggest_categorical("model", ["mlp", "logreg"])
    if kind == "logreg":
        c = trial.suggest_float("logreg.C", 1e-3, 1e2, log=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=c, max_iter=300).fit(x_train, y_train)
        return float(model.score(x_val, y_val))

    mlp = MLPClassifier(
        hidden_layer_sizes=(trial.suggest_int("mlp.units", 16, 128, log=True),),
        learning_rate_init=trial.suggest_float("mlp.lr", 1e-4, 1e-1, log=True),
        alpha=trial.suggest_float("mlp.alpha", 1e-6, 1e-2, log=True),
        batch_size=32,
        random_state=trial.seed,  # reproducible: derived from the study seed and trial number
    )
    classes = np.unique(y_train)
    accuracy = 0.0
    for epoch in range(EPOCHS):
        mlp.partial_fit(x_train, y_train, classes=classes)
        accuracy = float(mlp.score(x_val, y_val))
        trial.report(accuracy, step=epoch)
        if trial.should_prune():
            raise hs.TrialPruned()
    return accuracy


def main() -> None:
    quick = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument(
        "--n-trials", type=int, default=6 if quick else 30, help="the study's total budget"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    study = hs.create_study(
        STUDY,
        storage=args.storage,
        direction="maximize",
        sampler="random",
        pruner=hs.pruners.Median(n_startup_trials=3, n_warmup_steps=2),
        load_if_exists=True,
        seed=args.seed,
    )
    study.optimize(objective, n_trials=args.n_trials)

    states: dict[str, int] = {}
    for t in study.trials:
        states[t.state.value] = states.get(t.state.value, 0) + 1
    best = study.best_trial
    print(f"\n{len(study.trials)} trials: {states}")
    print(f"best validation accuracy {best.value:.4f} (trial {best.number})")
    print("best parameters:")
    print(json.dumps(study.best_params, indent=2))


if __name__ == "__main__":
    main()
