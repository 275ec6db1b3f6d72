"""KerasTuner's four search classes, each a hypersweep sampler (and pruner) choice:
RandomSearch -> ``Random``, BayesianOptimization -> ``GP`` (``TPE`` when the space
is conditional), Hyperband -> ``Random`` with the ``Hyperband`` pruner judging
every epoch, GridSearch -> ``Grid`` (queued cells when the space is conditional)."""

from __future__ import annotations

import warnings
from typing import Any

import hypersweep as hs

from .hyperparameters import HyperParameter
from .tuner import Tuner

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "RandomSearch"]


class RandomSearch(Tuner):
    """Values drawn at random (``hs.samplers.Random``)."""

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 seed: int | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(hypermodel, objective, max_trials, seed=seed, **kwargs)


class BayesianOptimization(Tuner):
    """A Gaussian process (``hs.samplers.GP``); on a conditional space TPE, which
    models the branches (the GP would draw every conditional value at random).

    The first ``num_initial_points`` trials are random (default: 3 per parameter, as
    in KerasTuner). ``alpha`` and ``beta`` (KerasTuner's GP noise and UCB weight) have
    no counterpart: hypersweep fits the noise and maximises expected improvement.
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 num_initial_points: int | None = None, alpha: float = 1e-4, beta: float = 2.6,
                 seed: int | None = None, **kwargs: Any) -> None:  # fmt: skip
        if (alpha, beta) != (1e-4, 2.6):
            warnings.warn("BayesianOptimization: alpha and beta have no counterpart in "
                          "hypersweep's GP and are ignored", stacklevel=2)  # fmt: skip
        if num_initial_points is not None and (
            isinstance(num_initial_points, bool) or not isinstance(num_initial_points, int)
            or num_initial_points < 1
        ):
            raise ValueError(
                f"num_initial_points must be an integer >= 1, got {num_initial_points!r}"
            )
        self.num_initial_points = num_initial_points
        super().__init__(hypermodel, objective, max_trials, seed=seed, **kwargs)

    def make_sampler(self) -> Any:
        tuned = [p for p in self.searched() if p.kind != "Fixed"]
        startup = self.num_initial_points or max(1, 3 * len(tuned))
        if self.conditional():
            return hs.samplers.TPE(seed=self.seed, n_startup_trials=startup)
        return hs.samplers.GP(seed=self.seed, n_startup_trials=startup)


class Hyperband(Tuner):
    """Every trial may train ``max_epochs`` epochs; ``hs.pruners.Hyperband`` (brackets
    of successive halving by ``factor``, starting at 1 epoch) stops the hopeless ones.

    KerasTuner trains a bracket's survivors again from saved checkpoints; here a trial
    trains on until pruned, which costs the same epochs. The budget is the number of
    configurations KerasTuner's brackets start, times ``hyperband_iterations``, unless
    ``max_trials`` is given. ``epochs`` passed to ``search`` is replaced by ``max_epochs``.
    """

    prunes = True

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_epochs: int = 100,
                 factor: int = 3, hyperband_iterations: int = 1, seed: int | None = None,
                 max_trials: int | None = None, **kwargs: Any) -> None:  # fmt: skip
        for label, n, low in (("max_epochs", max_epochs, 1), ("factor", factor, 2),
                              ("hyperband_iterations", hyperband_iterations, 1)):  # fmt: skip
            if isinstance(n, bool) or not isinstance(n, int) or n < low:
                raise ValueError(f"Hyperband: {label} must be an integer >= {low}, got {n!r}")
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations
        self.pruner = hs.pruners.Hyperband(min_resource=1, max_resource=max_epochs,
                                           reduction_factor=factor)  # fmt: skip
        super().__init__(hypermodel, objective, max_trials, seed=seed, **kwargs)

    def make_pruner(self) -> Any:
        return self.pruner

    def n_trials(self) -> int | None:
        if self.max_trials is not None:
            return self.max_trials
        return self.hyperband_iterations * sum(self.pruner.budgets.values())

    def fit_overrides(self) -> dict[str, Any]:
        return {"epochs": self.max_epochs}


class GridSearch(Tuner):
    """Every combination of the values, in order, the last parameter varying fastest.

    An Int (or stepped Float) tries every step, a Choice every value, a Boolean both;
    a Float without a step tries ``float_points`` (10) evenly spaced values (log-spaced
    for ``sampling="log"``). Parameters only ``HyperModel.fit`` defines keep their
    defaults. On a conditional space the cells (only the parameters active in each)
    are queued in the study, which runs them in order.
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None,
                 max_trials: int | None = None, seed: int | None = None,
                 float_points: int = 10, **kwargs: Any) -> None:  # fmt: skip
        if isinstance(float_points, bool) or not isinstance(float_points, int) or float_points < 2:
            raise ValueError(f"float_points must be an integer >= 2, got {float_points!r}")
        self.float_points = float_points
        super().__init__(hypermodel, objective, max_trials, seed=seed, **kwargs)

    def _tuned(self) -> list[HyperParameter]:
        return [p for p in self.searched() if len(p.grid_values(self.float_points)) > 1]

    def cells(self) -> list[dict[str, Any]]:
        """Every cell: the value of each parameter active in it, in grid order."""
        cells: list[dict[str, Any]] = [{}]
        for p in self.searched():
            values = p.grid_values(self.float_points)
            grown: list[dict[str, Any]] = []
            for cell in cells:
                if all(c.holds(cell) for c in p.conditions):
                    grown += [{**cell, p.name: v} for v in values]
                else:
                    grown.append(cell)  # inactive here: the cell does not name it
            cells = grown
        return cells

    def make_sampler(self) -> Any:
        tuned = self._tuned()
        if self.conditional() or not tuned:
            return hs.samplers.Random(seed=self.seed)  # the queued cells fix every value
        return hs.samplers.Grid({p.name: p.grid_values(self.float_points) for p in tuned})

    def grid_names(self) -> set[str] | None:
        return {p.name for p in self.space.space}

    def n_trials(self) -> int | None:
        n = len(self.cells())
        return n if self.max_trials is None else min(self.max_trials, n)

    def before_search(self) -> None:
        if not (self.conditional() or not self._tuned()) or self.study.trials:
            return
        tuned = {p.name for p in self._tuned()}
        for cell in self.cells()[: self.n_trials()]:
            self.study.enqueue({k: v for k, v in cell.items() if k in tuned})
