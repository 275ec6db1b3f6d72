"""Which hyperparameters matter: importance of each parameter from a study's COMPLETE trials.

>>> import hypersweep as hs
>>> space = {"lr": hs.Float(1e-4, 1e-1, log=True), "units": hs.Int(8, 64)}
>>> study = hs.create_study(space=space, sampler="random", seed=0)
>>> _ = study.optimize(lambda p: (p["lr"] - 0.01) ** 2 * 1e4 + p["units"] * 1e-3,
...                    n_trials=40, show_progress=False)
>>> shares = hs.importance.importance(study)
>>> max(shares, key=shares.get), round(sum(shares.values()), 6)
('lr', 1.0)

``"fanova"`` and ``"permutation"`` fit a random forest (scikit-learn) to the trials'
encoded parameters and values. ``"fanova"`` splits the forest's variance into each
parameter's main effect (see ``fanova.py``; on conditional spaces the choice
of a branch is its parent's and a child's share is measured within its
branch); ``"permutation"`` measures how much the forest's error grows when
one parameter's column is shuffled (on conditional spaces: among the trials
that used it, a choice with the parameters it switches on). ``"binned"`` fits
nothing: it compares the mean value of the trials grouped by each parameter (see
``binned.py``), numpy only and milliseconds, what the report and the dashboard draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from .table import Column, TrialTable, trial_table

if TYPE_CHECKING:
    import numpy as np

    from ..study import Study

METHODS = ("fanova", "permutation", "binned")


def _forest_class() -> Any:
    """scikit-learn's RandomForestRegressor, imported without pandas when pandas is not
    loaded yet: ``sklearn.utils.fixes`` imports it only to offer it (a third of the 1.9 s
    that importing scikit-learn costs) and the forest never sees a DataFrame. pandas stays
    importable: the block is lifted as soon as scikit-learn is in."""
    import sys

    blocked = "pandas" not in sys.modules and "sklearn" not in sys.modules
    if blocked:
        sys.modules["pandas"] = None  # type: ignore[assignment]  # "import pandas" fails fast
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError as exc:  # pragma: no cover - scikit-learn is in the test extras
        raise ImportError(
            "hyperparameter importance needs scikit-learn: pip install 'hypersweep[sklearn]'"
        ) from exc
    finally:
        if blocked and sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]
    return RandomForestRegressor


def _forest(X: np.ndarray, y: np.ndarray, seed: int, n_trees: int) -> Any:
    RandomForestRegressor = _forest_class()
    forest = RandomForestRegressor(
        n_estimators=n_trees, min_samples_leaf=1, random_state=seed, n_jobs=1
    )
    return forest.fit(X, y)


def _descendants(j: int, parents: Sequence[int | None]) -> list[int]:
    """Column ``j`` and every column it switches on, directly or through others."""
    out, todo = [j], [j]
    while todo:
        g = todo.pop()
        kids = [c for c, p in enumerate(parents) if p == g and c not in out]
        out += kids
        todo += kids
    return out


def _permutation(
    forest: Any,
    X: np.ndarray,
    y: np.ndarray,
    seed: int,
    active: np.ndarray | None = None,
    parents: Sequence[int | None] | None = None,
) -> np.ndarray:
    """Increase of the forest's squared error when each column is shuffled (mean of 5).

    On a conditional space a column is shuffled only among the trials that used it,
    together with the columns it switches on (so every shuffled row is a configuration
    that could exist: no "inactive" value lands where the parameter was used). That
    gives a branch's subtree; a column's own share is its subtree less its children's
    subtrees, so the choice of a branch is credited to the choice, and a child's share
    is its effect within its branch. Without conditional columns this is the plain
    column shuffle.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    base = float(np.mean((forest.predict(X) - y) ** 2))
    n, d = X.shape
    used = np.ones((n, d), dtype=bool) if active is None else np.asarray(active, dtype=bool)
    links: Sequence[int | None] = [None] * d if parents is None else parents
    shuffles = 5
    batch = np.tile(X, (d * shuffles, 1))  # one predict call for every shuffled copy
    for j in range(d):
        rows = np.flatnonzero(used[:, j])
        block = np.array(_descendants(j, links))
        for r in range(shuffles):
            moved = rows[rng.permutation(len(rows))]  # the plain shuffle when all are used
            at = (j * shuffles + r) * n + rows
            batch[np.ix_(at, block)] = X[np.ix_(moved, block)]
    errors = ((forest.predict(batch) - np.tile(y, d * shuffles)) ** 2).reshape(d, shuffles * n)
    subtree = np.maximum(0.0, errors.mean(axis=1) - base)
    own = subtree.copy()
    for c, p in enumerate(links):
        if p is not None:
            own[p] -= subtree[c]
    return np.maximum(0.0, own)


def importance_of(
    X: np.ndarray,
    y: np.ndarray,
    *,
    method: str = "fanova",
    seed: int = 0,
    n_trees: int = 64,
    active: np.ndarray | None = None,
    parents: Sequence[int | None] | None = None,
    discrete: np.ndarray | None = None,
) -> np.ndarray:
    """Importance of each column of X for y (shares summing to 1, or all 0 if y is constant).

    ``active`` (trials x columns: was the parameter used) and ``parents`` (the
    column that switches each conditional column on, see ``encode.parents``)
    make every method measure conditional columns within their branch;
    ``discrete`` (a choice: group it by value) serves ``"binned"`` only, which needs
    no parents (it measures each column over the trials that used it).
    """
    from .fanova import forest_main_effects

    if method == "binned":
        from .binned import binned_effects

        raw = binned_effects(X, y, active=active, discrete=discrete)
        total = float(raw.sum())
        return raw / total if total > 0 else raw
    forest = _forest(X, y, seed, n_trees)
    if method == "fanova":
        raw = forest_main_effects(forest, X, active, parents)
    else:
        raw = _permutation(forest, X, y, seed, active, parents)
    total = float(raw.sum())
    return raw / total if total > 0 else raw


def importance(
    study: Study,
    method: str = "fanova",
    *,
    seed: int = 0,
    params: Sequence[str] | None = None,
    n_trees: int = 64,
) -> dict[str, float]:
    """Parameter name -> importance, most important first; the values sum to 1.

    Computed from the study's COMPLETE trials (at least 2). A study whose values
    are all equal gives every parameter 0.

    Conditional parameters (a branch of a Categorical, the items of a Repeat, a
    define-by-run ``if``): with ``"fanova"``, a conditional parameter's share is
    computed WITHIN its branch (its main effect over the trials that used it,
    weighted by their share of the trials), and the difference between the
    branches (e.g. SVM against k-NN) is the share of the parent choice that
    picks them ("model"); see ``fanova.py`` and ``encode.parents``. With
    ``"permutation"`` alike: a conditional parameter is shuffled only among the
    trials that used it, and a choice together with the parameters it switches on,
    less what those parameters earn themselves. ``"binned"`` (no forest, numpy only)
    measures each parameter over the trials that used it; ``seed`` and ``n_trees``
    do not apply to it.
    """
    from .encode import active, encode, parents

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, but got {method!r}")
    int_at_least("importance", "n_trees", n_trees, 1)
    table = trial_table(study, params=params)
    if len(table.trials) < 2:
        raise ValueError(
            f"importance needs at least 2 COMPLETE trials, but study {study.name!r} has "
            f"{len(table.trials)}"
        )
    if not table.columns:
        raise ValueError(f"study {study.name!r} has no parameters to rank")
    import numpy as np

    shares = importance_of(
        encode(table),
        table.values,
        method=method,
        seed=seed,
        n_trees=n_trees,
        active=active(table),
        parents=None if method == "binned" else parents(table),
        discrete=np.array([c.categorical for c in table.columns], dtype=bool),
    )
    ranked = sorted(zip(table.names, shares.tolist()), key=lambda kv: -kv[1])
    return {name: float(share) for name, share in ranked}


__all__ = ["METHODS", "Column", "TrialTable", "importance", "importance_of", "trial_table"]
