"""The TPE variants the benchmarks measured and TPE did not ship (see docs/samplers.md).

``hs.samplers.TPE`` ships one rule for each choice; ``VariantTPE`` brings back the
alternatives so that ``dev_tpe.py`` and ``pruning.py --synthetic`` can measure them
again. It overrides TPE's internal steps, so it must follow them when they change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hypersweep.samplers.tpe import TPE, parzen
from hypersweep.samplers.tpe._fidelity import good_rows
from hypersweep.samplers.tpe._observations import Codec, Observations
from hypersweep.samplers.tpe.sampler import PLATEAU_FRACTION, is_wide

TIES = ("plateau", "age", "once", "share", "strict")
MIN_COUNTS = ("ngood", "2ngood", "bohb")


class VariantTPE(TPE):
    """TPE with the measured alternatives as options (defaults: what TPE ships).

    ``ties``: a tie across the good/bad boundary is split by "plateau" (shipped:
    "once" if the tied trials spread over ``plateau_fraction`` of a numeric range,
    else "age"), "age" (optuna: the oldest are good), "once" (the tie counts as one
    observation), "share" (its free good slots spread evenly) or "strict" (no tied
    trial is good, Bergstra et al.'s y < y*). ``mf_min_count``: trials a budget needs
    before the good set is ranked there: "ngood" (shipped), "2ngood" or "bohb"
    (dimensions + 2). ``mf_per_bracket``: model each Hyperband bracket apart
    (optuna's split). ``mf_steps``: under pruners without rungs, every reported
    step is a budget.
    """

    def __init__(
        self,
        *,
        ties: str = "plateau",
        plateau_fraction: float = PLATEAU_FRACTION,
        mf_min_count: str = "ngood",
        mf_per_bracket: bool = False,
        mf_steps: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if ties not in TIES:
            raise ValueError(f"VariantTPE: ties must be one of {TIES}, but got {ties!r}")
        if mf_min_count not in MIN_COUNTS:
            raise ValueError(
                f"VariantTPE: mf_min_count must be one of {MIN_COUNTS}, but got {mf_min_count!r}"
            )
        self.ties, self.plateau_fraction = ties, plateau_fraction
        self.mf_min_count, self.mf_per_bracket, self.mf_steps = (
            mf_min_count, mf_per_bracket, mf_steps,
        )  # fmt: skip
        self._asker = 0

    def _refresh(self, history: Any, number: int) -> None:
        super()._refresh(history, number)
        self._asker = number

    def _observed_rows(self, cache: Any, codecs: dict[str, Codec]) -> tuple[np.ndarray, np.ndarray]:
        use, share = super()._observed_rows(cache, codecs)
        bracket = self._rows_in_bracket()
        if bracket is not None:
            use = use & bracket[cache.valid_rows()]
        return use, share

    def _shares(self, full: np.ndarray, codecs: dict[str, Codec]) -> np.ndarray:
        obs = self._obs
        picked = self._good_rows()
        if picked is not None:
            share = np.zeros(len(obs))
            share[picked] = 1.0
            return share
        n_good = parzen.n_good(len(obs), self.gamma, self.max_good)
        block = obs.tie_block(n_good)
        age = obs.good_shares(n_good)
        rule = self.ties
        if rule == "plateau":
            wide = block is not None and is_wide(
                full[block], list(codecs.values()), self.plateau_fraction
            )
            rule = "once" if wide else "age"
        if rule == "age" or block is None:
            return age
        free = float(age[block].sum())  # the tie's slots in the good set
        share = age.copy()
        share[block] = {"once": min(free, 1.0), "share": free, "strict": 0.0}[rule] / len(block)
        return share

    def _good_rows_now(self) -> np.ndarray | None:
        obs, fidelity = self._obs, self._fidelity
        if not self.multi_fidelity or obs.max_step < 0:
            return None
        use = self._rows_in_bracket()
        budgets: list[float] | None = None
        if fidelity is not None:
            number = self._asker if use is not None else None
            budgets = list(fidelity.rungs(obs.max_step, number))
        elif self.mf_steps:
            budgets = sorted({s for c in obs.curves if c for s in c})
        if budgets is None:
            return None
        rows = np.arange(len(obs)) if use is None else np.flatnonzero(use)
        n_good = parzen.n_good(len(rows), self.gamma, self.max_good)
        min_count = {"ngood": n_good, "2ngood": 2 * n_good, "bohb": len(obs.columns) + 2}
        found = good_rows(
            lambda b: obs.values_at(b)[rows], obs.finals.view()[rows], budgets, n_good,
            min_count[self.mf_min_count],
        )  # fmt: skip
        if found is None:
            return None if use is None else rows[order_within(obs, rows)[:n_good]]
        return rows[found[0]]

    def _rows_in_bracket(self) -> np.ndarray | None:
        """Rows of the asking trial's Hyperband bracket, if modelling per bracket."""
        fidelity = self._fidelity
        if not self.mf_per_bracket or fidelity is None or len(fidelity.brackets) < 2:
            return None
        mine = fidelity.bracket_of(self._asker)
        numbers = self._obs.numbers.view()
        return np.array([fidelity.bracket_of(int(k)) == mine for k in numbers], dtype=bool)


def order_within(obs: Observations, rows: np.ndarray) -> np.ndarray:
    """Positions in ``rows`` in optuna's rank order."""
    rank = np.empty(len(obs), dtype=int)
    rank[obs.order()] = np.arange(len(obs))
    return np.argsort(rank[rows], kind="stable")


def make(seed: int | None, options: dict[str, Any]) -> TPE:
    """A TPE with ``options``; the variant class only when a variant option is set."""
    variant = {"ties", "plateau_fraction", "mf_min_count", "mf_per_bracket", "mf_steps"}
    if variant & set(options):
        return VariantTPE(seed=seed, **options)
    return TPE(seed=seed, **options)
