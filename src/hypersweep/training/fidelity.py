"""Data fidelity: judge the lower rungs on a sample of the training data.

Successive halving spends little on each configuration at the lower rungs; the
usual resource is epochs, but the training data is another (a common tip: try
configurations on a sample of the data first). With these two functions a trial trains, at
each stage, on the share of the data its next rung calls for, and a trial
promoted to the next rung keeps the data it has seen and gets more of it:

    from hypersweep.training.fidelity import data_fraction, nested_subsample

    def objective(params, trial):
        for epoch in range(1, 28):
            rows = nested_subsample(y_train, data_fraction(pruner, epoch), seed=0)
            train_one_epoch(model, x_train[rows], y_train[rows])
            trial.report(validate(model), epoch)      # always on the full validation set
            if trial.should_prune():
                raise hs.TrialPruned()

Use it "as well as" fewer epochs (as above), or "instead of" them: train to the
end at each rung on that rung's share, and report with the rung as the step.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from ..pruners.base import Pruner

if TYPE_CHECKING:
    import numpy as np


def rung_fractions(pruner: Pruner, max_resource: int | None = None) -> dict[int, float]:
    """Each rung's share of the training data: rung / max_resource.

    ``pruner`` has rungs: an ``ASHA``, a ``Hyperband`` (every bracket's rungs
    count), or either inside ``AnyOf``/``AllOf``; ``max_resource`` defaults to
    the pruner's own. The full budget itself gets 1.0.

    >>> from hypersweep.pruners import ASHA
    >>> rung_fractions(ASHA(min_resource=1, reduction_factor=3), max_resource=27)
    {1: 0.037037037037037035, 3: 0.1111111111111111, 9: 0.3333333333333333, 27: 1.0}
    """
    rungs, top = _rungs(pruner, max_resource, None)
    return {**{r: r / top for r in rungs}, top: 1.0}


def data_fraction(
    pruner: Pruner,
    step: int,
    max_resource: int | None = None,
    *,
    trial_number: int | None = None,
    min_fraction: float = 0.0,
) -> float:
    """The share of the training data to use at ``step``: that of the rung the step
    leads to (the first rung >= step), 1.0 past the last rung.

    So a trial is judged at each rung on ``rung / max_resource`` of the data,
    and each promotion multiplies its data by the reduction factor. Under
    ``Hyperband`` pass ``trial_number``: the trial's bracket decides its rungs
    (a full-budget bracket uses all the data from the start); without it every
    bracket's rungs count. ``min_fraction`` floors the share (a sample of 2% of
    a small data set may hold too few examples per class).

    >>> from hypersweep.pruners import ASHA
    >>> asha = ASHA(min_resource=1, reduction_factor=3, max_resource=27)
    >>> [round(data_fraction(asha, s), 4) for s in (1, 2, 3, 4, 9, 10, 27)]
    [0.037, 0.1111, 0.1111, 0.3333, 0.3333, 1.0, 1.0]
    """
    if isinstance(step, numbers.Integral) and not isinstance(step, bool):
        step = int(step)  # a NumPy integer from np.arange counts as an integer
    int_at_least("data_fraction", "step", step, 0)
    if not (isinstance(min_fraction, (int, float)) and 0.0 <= min_fraction <= 1.0):
        raise ValueError(
            f"data_fraction: min_fraction must be a number in [0, 1], but got {min_fraction!r}"
        )
    rungs, top = _rungs(pruner, max_resource, trial_number)
    for r in rungs:
        if step <= r:
            return max(r / top, float(min_fraction))
    return 1.0


def _rungs(
    pruner: Pruner, max_resource: int | None, trial_number: int | None
) -> tuple[list[int], int]:
    fidelity = pruner.fidelity() if isinstance(pruner, Pruner) else None
    if fidelity is None:
        raise TypeError(
            "data fidelity needs a pruner with rungs (hs.pruners.ASHA or Hyperband, alone "
            f"or inside AnyOf/AllOf), but got {type(pruner).__name__}"
        )
    top = max_resource if max_resource is not None else fidelity.max_resource
    if top is None:
        raise ValueError(
            "data fidelity needs the full budget: pass max_resource= (the last step, "
            "e.g. the number of epochs) or build the pruner with max_resource"
        )
    int_at_least("", "max_resource", top, 1)
    return [r for r in fidelity.rungs(top, trial_number) if r < top], top


def nested_subsample(
    y: Any, fraction: float, *, seed: int = 0, stratify: bool = True
) -> np.ndarray:
    """Sorted row indices of a seeded sample holding ``fraction`` of the rows.

    Nested: for one seed, the sample for a smaller fraction is a subset of the
    sample for a larger one (each class is read in one fixed shuffled order and
    cut after its share), so a promoted trial sees more of the same data.
    Stratified (``y`` holds class labels): each class contributes
    ``round(fraction * its size)`` rows, at least one when ``fraction > 0``, so
    the class proportions match the full data to within one row per class.
    Pass ``stratify=False`` (or the number of rows as ``y``) for regression
    targets: then the first ``round(fraction * n)`` rows of one shuffled order.

    >>> import numpy as np
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> small, large = nested_subsample(y, 0.25), nested_subsample(y, 0.5)
    >>> set(small) <= set(large), np.bincount(y[small]).tolist(), np.bincount(y[large]).tolist()
    (True, [2, 1], [4, 2])
    """
    import numpy as np

    ok = isinstance(fraction, numbers.Real) and not isinstance(fraction, bool)
    if not ok or not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(
            f"nested_subsample: fraction must be a number in [0, 1], but got {fraction!r}"
        )
    if isinstance(y, numbers.Integral) and not isinstance(y, bool):
        if y < 0:
            raise ValueError(f"nested_subsample: the number of rows must be >= 0, but got {y}")
        labels = np.zeros(int(y), dtype=int)
        stratify = False
    else:
        labels = np.asarray(y)
        if labels.ndim != 1:
            raise ValueError(
                "nested_subsample: y must be one label per row (a 1-D array) or the number "
                f"of rows, but got an array of shape {labels.shape}"
            )
    n = len(labels)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)  # one fixed order per seed: what makes samples nested
    if fraction <= 0 or n == 0:
        return np.empty(0, dtype=np.intp)
    if not stratify:
        return np.sort(order[: _share(fraction, n)])
    keys = labels[order]
    picked = []
    for cls in _classes(keys):
        members = order[keys == cls]  # this class's rows, in the fixed shuffled order
        picked.append(members[: _share(fraction, len(members))])
    return np.sort(np.concatenate(picked))


def _share(fraction: float, size: int) -> int:
    """round(fraction * size) half up, at least 1: monotone in fraction, so samples nest."""
    return min(size, max(1, math.floor(float(fraction) * size + 0.5)))


def _classes(keys: np.ndarray) -> list[Any]:
    seen: dict[Any, None] = {}
    for k in keys.tolist():
        seen.setdefault(k, None)
    return list(seen)
