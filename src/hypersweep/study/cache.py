"""The study's incremental view of its trials.

Storage reports only what changed since the last read; this cache folds those
changes in, keeping the trials in number order, the best trial and the budget
count up to date in O(changes), so the 10,000th ask costs what the 100th does.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any

from ..trial import Direction, FrozenTrial, TrialState, evolve


def counts_toward_budget(trial: FrozenTrial) -> bool:
    """Interrupted trials (Ctrl-C, dead worker) do not use up the study's budget."""
    return not (trial.state is TrialState.FAIL and trial.interrupted)


class TrialCache:
    def __init__(self, direction: Direction, resolve: Callable[[FrozenTrial], FrozenTrial]) -> None:
        self.direction = direction
        self._resolve = resolve  # turns stored params into real values
        self.cursor = 0
        self._numbers: list[int] = []  # sorted
        self._by_number: dict[int, FrozenTrial] = {}
        self._list: list[FrozenTrial] | None = []
        self._budget = 0
        self._states: dict[TrialState, int] = dict.fromkeys(TrialState, 0)
        self._best: FrozenTrial | None = None
        self._best_stale = False
        self._raw: dict[int, FrozenTrial] = {}  # the storage's own objects, to skip re-reads
        self._next_floor = 0  # deleted numbers are never reused
        self._running: set[int] = set()
        self.changed: list[int] = []  # numbers in order of change, for incremental readers

    # --- folding changes in ----------------------------------------------------
    def absorb(
        self,
        trials: Iterable[FrozenTrial],
        deleted: Iterable[int] = (),
        resolved: dict[int, Any] | None = None,
    ) -> None:
        """Fold in changed trials; ``resolved`` gives real params already known by number."""
        for trial in trials:
            if self._raw.get(trial.number) is trial:
                continue  # our own write coming back from an in-memory storage
            self._raw[trial.number] = trial
            if resolved and trial.number in resolved:
                self._put(evolve(trial, params=resolved[trial.number]))
            else:
                self._put(self._resolve(trial))
        for number in deleted:
            self._raw.pop(number, None)
            self._drop(number)

    def _put(self, trial: FrozenTrial) -> None:
        self.changed.append(trial.number)
        old = self._by_number.get(trial.number)
        if old is not None:
            self._uncount(old)
            self._by_number[trial.number] = trial
            if self._list is not None:
                pos = bisect.bisect_left(self._numbers, trial.number)
                self._list[pos] = trial
        else:
            self._by_number[trial.number] = trial
            if not self._numbers or trial.number > self._numbers[-1]:
                self._numbers.append(trial.number)
                if self._list is not None:
                    self._list.append(trial)
            else:
                bisect.insort(self._numbers, trial.number)
                self._list = None
        self._count(trial)

    def _drop(self, number: int) -> None:
        self.changed.append(number)
        self._next_floor = max(self._next_floor, number + 1)
        old = self._by_number.pop(number, None)
        if old is None:
            return
        self._uncount(old)
        self._numbers.remove(number)
        self._list = None

    def _count(self, trial: FrozenTrial) -> None:
        self._states[trial.state] += 1
        if trial.state is TrialState.RUNNING:
            self._running.add(trial.number)
        if trial.state is not TrialState.FAIL or not trial.system_attrs.get("interrupted"):
            self._budget += 1  # inlined counts_toward_budget: this runs for every change
        if trial.state is TrialState.COMPLETE and not self._best_stale and self._better(trial):
            self._best = trial

    def _uncount(self, trial: FrozenTrial) -> None:
        self._states[trial.state] -= 1
        self._running.discard(trial.number)
        if counts_toward_budget(trial):
            self._budget -= 1
        if self._best is not None and self._best.number == trial.number:
            self._best_stale = True

    def _better(self, trial: FrozenTrial) -> bool:
        """Single-objective only: a study of several objectives has a front, no best."""
        if trial.values is None or len(trial.values) != 1 or not trial.feasible:
            return False
        if self._best is None or self._best.value is None:
            return True
        sign = self.direction.sign()
        return sign * trial.values[0] < sign * self._best.value

    # --- reading ---------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        if self._list is None:
            self._list = [self._by_number[n] for n in self._numbers]
        return self._list

    def running(self) -> list[FrozenTrial]:
        """RUNNING trials, found without a pass over the whole history."""
        return [self._by_number[n] for n in sorted(self._running)]

    def next_number(self) -> int:
        """The number storage will most likely give the next trial (numbers only grow)."""
        return max(self._numbers[-1] + 1 if self._numbers else 0, self._next_floor)

    def get(self, number: int) -> FrozenTrial | None:
        return self._by_number.get(number)

    @property
    def budget_used(self) -> int:
        return self._budget

    def count(self, state: TrialState) -> int:
        return self._states[state]

    @property
    def best(self) -> FrozenTrial | None:
        if self._best_stale:
            self._best, self._best_stale = None, False
            for trial in self._by_number.values():
                if trial.state is TrialState.COMPLETE and self._better(trial):
                    self._best = trial
        return self._best

    def __len__(self) -> int:
        return len(self._by_number)

    def state_counts(self) -> dict[str, Any]:
        return {s.value: n for s, n in self._states.items() if n}
