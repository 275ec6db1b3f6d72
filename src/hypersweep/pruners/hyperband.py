"""Hyperband (Li et al. 2017): several ASHA brackets, from aggressive to full-budget."""

from __future__ import annotations

import math

from .._checks import int_at_least
from ..history import Bracket, Fidelity, History
from ..trial import FrozenTrial
from .asha import ASHA, inferred_max_resource
from .base import Pruner


class Hyperband(Pruner):
    """Hyperband as brackets of asynchronous successive halving.

    Bracket s (s = s_max, ..., 0, with s_max the largest s such that
    ``min_resource * reduction_factor ** s <= max_resource``) is an ``ASHA`` whose
    first rung is ``min_resource * reduction_factor ** (s_max - s)``: s_max prunes
    earliest, s = 0 judges (almost) only at the full budget, a hedge against
    early ranks that mislead. Bracket s receives a share of trials proportional
    to ``ceil((s_max + 1) * reduction_factor ** s / (s + 1))``, the number of
    configurations Li et al. start it with. A trial's bracket comes from a
    stable hash of its number (``zlib.crc32``: the same in every process and
    run), and it is compared only with trials of its own bracket. The pruner
    keeps no state, so parallel workers and resumed studies agree.

    ``max_resource`` may be left out when the objective's steps are the resource: it
    is then the last step of the first complete trial that reported (the lowest
    numbered, so every worker infers the same), as optuna's ``max_resource="auto"``.
    Until a trial completes nothing is pruned, and ``fidelity()`` is None.

    Samplers see the brackets through ``fidelity()`` (``History.fidelity()``).
    TPE nevertheless models across brackets, as BOHB does, ranking trials at a
    common rung by their value there: a step is the same budget in every
    bracket. optuna's HyperbandPruner shows TPE only the trial's own bracket;
    on simulated learning curves that split lost 0.48 +- 0.14 accuracy points
    against sharing (40 seeds; ``benchmarks/pruning.py --synthetic``), since a
    bracket alone holds few trials (and each would spend its own startup).

    >>> from hypersweep.pruners import Hyperband
    >>> hb = Hyperband(min_resource=1, max_resource=27, reduction_factor=3)
    >>> hb.s_max, hb.budgets
    (3, {3: 27, 2: 12, 1: 6, 0: 4})
    >>> [hb.brackets[s].rungs(100) for s in (3, 2, 1, 0)]
    [[1, 3, 9], [3, 9], [9], []]
    >>> hb.bracket_of(7) == hb.bracket_of(7) and hb.bracket_of(7) in hb.brackets
    True
    """

    def __init__(
        self, *, min_resource: int = 1, max_resource: int | None = None, reduction_factor: int = 3
    ) -> None:
        int_at_least("Hyperband", "min_resource", min_resource, 1)
        int_at_least("Hyperband", "reduction_factor", reduction_factor, 2)
        if max_resource is not None:
            int_at_least("Hyperband", "max_resource", max_resource, 1)
            if max_resource < min_resource:
                raise ValueError(
                    f"Hyperband: max_resource must be >= min_resource ({min_resource}), "
                    f"but got {max_resource!r}"
                )
        self.min_resource = min_resource
        self.reduction_factor = reduction_factor
        self.max_resource: int | None = None
        self.s_max = 0
        self.brackets: dict[int, ASHA] = {}
        self.budgets: dict[int, int] = {}
        self._fidelity: Fidelity | None = None
        if max_resource is not None:
            self._build(max_resource)

    def _build(self, max_resource: int) -> None:
        """The brackets for a known full budget (given, or inferred by :meth:`prune`)."""
        min_resource, reduction_factor = self.min_resource, self.reduction_factor
        max_resource = max(max_resource, min_resource)
        self.max_resource = max_resource
        s_max = 0
        while min_resource * reduction_factor ** (s_max + 1) <= max_resource:
            s_max += 1
        self.s_max = s_max
        self.brackets = {
            s: ASHA(
                min_resource=min_resource,
                reduction_factor=reduction_factor,
                min_early_stopping_rate=s_max - s,
                max_resource=max_resource,
            )
            for s in range(s_max, -1, -1)
        }
        self.budgets = {
            s: math.ceil((s_max + 1) * reduction_factor**s / (s + 1)) for s in range(s_max, -1, -1)
        }
        self._fidelity = Fidelity(
            tuple(Bracket(s, self.budgets[s], (a.ladder,)) for s, a in self.brackets.items()),
            max_resource,
        )

    def fidelity(self) -> Fidelity | None:
        """Every bracket's rungs, and the trials' assignment to brackets (None while the
        full budget is still to be inferred)."""
        return self._fidelity

    def bracket_of(self, number: int) -> int:
        """The bracket s (s_max..0) of trial ``number``: fixed, the same in every process."""
        if self._fidelity is None:
            raise ValueError(
                "Hyperband: the brackets are not known yet: max_resource is inferred from "
                "the first complete trial; give Hyperband(max_resource=...) to fix it"
            )
        return self._fidelity.bracket_of(number).name

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        if self._fidelity is None:
            found = inferred_max_resource(history)
            if found is None:
                return False  # nothing finished yet: the rungs are unknown
            self._build(found)
        s = self.bracket_of(trial.number)
        return self.brackets[s].prune_among(
            history, trial, lambda t: self.bracket_of(t.number) == s
        )
