"""What samplers and pruners may read of a study: its directions, space and trials.

It sits below samplers, pruners and the study, so the decision makers never import
the study, and every layer shares one notion of "the same configuration".
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .space.kinds import param_from_json
from .trial import Direction, FrozenTrial, TrialState

if TYPE_CHECKING:
    from .space import Param, Space


def config_key(flat: dict[str, Any]) -> str:
    """A canonical text for a configuration: the one rule by which samplers, storage,
    plots, the CLI and stability runs decide that two trials ran the same values
    (sorted leaf paths; floats to 12 significant digits, so 0.1 + 0.2 matches 0.3)."""
    items = sorted(flat.items())
    return json.dumps(
        [[k, float(f"{v:.12g}") if type(v) is float else v] for k, v in items], default=str
    )


@dataclass(frozen=True)
class Ladder:
    """Rungs at ``first * factor ** k`` (k = 0, 1, ...) strictly below ``end`` (None:
    unbounded): the steps where a successive-halving pruner compares trials."""

    first: int
    factor: int
    end: int | None = None

    def rungs(self, up_to: int) -> list[int]:
        """The rungs at or below step ``up_to``."""
        out = []
        r = self.first
        while r <= up_to and (self.end is None or r < self.end):
            out.append(r)
            r *= self.factor
        return out


@dataclass(frozen=True)
class Bracket:
    """One group of trials compared with each other: ``name`` (Hyperband's s, else 0),
    its ``share`` of the trials, and the ladders of rungs it is judged on."""

    name: int
    share: int
    ladders: tuple[Ladder, ...]

    def rungs(self, up_to: int) -> list[int]:
        """Every ladder's rungs at or below ``up_to``, sorted."""
        return sorted({r for ladder in self.ladders for r in ladder.rungs(up_to)})


@dataclass(frozen=True)
class Fidelity:
    """Where a pruner compares trials: its brackets of rungs and its full budget.

    Samplers read it to rank pruned trials by their value at a rung, and data
    fidelity to size each rung's sample. A trial's bracket comes from a stable hash
    of its number (``zlib.crc32``), so every process and resumed study agrees.

    >>> early, late = Bracket(1, 1, (Ladder(1, 3, 27),)), Bracket(0, 1, (Ladder(9, 3, 27),))
    >>> f = Fidelity((early, late), max_resource=27)
    >>> f.rungs(100), [f.bracket_of(n).name for n in range(6)], f.rungs(100, number=0)
    ([1, 3, 9], [0, 0, 0, 0, 1, 1], [9])
    """

    brackets: tuple[Bracket, ...]
    max_resource: int | None = None

    def bracket_of(self, number: int) -> Bracket:
        """The bracket of trial ``number``: fixed, the same in every process."""
        if len(self.brackets) == 1:
            return self.brackets[0]
        total = sum(b.share for b in self.brackets)
        h = zlib.crc32(f"hypersweep-hyperband-{number}".encode()) % total
        for bracket in self.brackets:
            if h < bracket.share:
                return bracket
            h -= bracket.share
        raise AssertionError("unreachable: the shares sum to the total")

    def rungs(self, up_to: int, number: int | None = None) -> list[int]:
        """The rungs at or below ``up_to``: of trial ``number``'s bracket, or of all."""
        if number is not None:
            return self.bracket_of(number).rungs(up_to)
        return sorted({r for b in self.brackets for r in b.rungs(up_to)})

    @staticmethod
    def combine(parts: Sequence[Fidelity | None]) -> Fidelity | None:
        """The fidelity of pruners used together (AnyOf, AllOf): the brackets of the
        part with most brackets, each also judged on every other part's ladders; the
        largest full budget. None when no part has rungs."""
        found = [f for f in parts if f is not None]
        if len(found) <= 1:
            return found[0] if found else None
        main = max(found, key=lambda f: len(f.brackets))  # the first of the largest
        extra = tuple(
            ladder for f in found if f is not main for b in f.brackets for ladder in b.ladders
        )
        tops = [f.max_resource for f in found if f.max_resource is not None]
        return Fidelity(
            tuple(Bracket(b.name, b.share, b.ladders + extra) for b in main.brackets),
            max(tops) if tops else None,
        )


class HasFidelity(Protocol):
    """What a sampler may read of the study's pruner (``hypersweep.pruners.Pruner``)."""

    def fidelity(self) -> Fidelity | None: ...


class History:
    """What a sampler may read: directions, the static space (if any), and trials.

    ``directions`` has one entry per objective (``direction`` is the first); a trial of
    a multi-objective study holds one value per direction in ``values``, and its
    constraints in ``system_attrs["constraints"]`` (feasible when all <= 0, see
    ``FrozenTrial.feasible``). ``trials`` is produced lazily, so a sampler that
    ignores the history (Random) costs nothing however long the study is.
    """

    def __init__(
        self,
        direction: Direction,
        space: Space | None,
        trials: Callable[[], Sequence[FrozenTrial]],
        *,
        get: Callable[[int], FrozenTrial | None] | None = None,
        changes: list[int] | None = None,
        pruner: HasFidelity | None = None,
        directions: Sequence[Direction] | None = None,
    ) -> None:
        self.direction = direction
        self.directions: tuple[Direction, ...] = tuple(directions) if directions else (direction,)
        self.space = space
        self.pruner = pruner  # the study's pruner (read-only), for multi-fidelity samplers
        self._trials = trials
        self._get = get
        self._changes = changes  # numbers of changed trials, appended by the study's cache
        self._read = 0
        self._key_of: dict[int, str] = {}
        self._key_count: dict[str, int] = {}

    @property
    def trials(self) -> Sequence[FrozenTrial]:
        """All trials in number order, finished and running; do not modify."""
        return self._trials()

    def changes_since(self, cursor: int) -> tuple[Sequence[int], int] | None:
        """Numbers of the trials added, changed or deleted since ``cursor`` (0: all), and
        the cursor to pass next time; None for a history that does not track changes
        (read ``trials`` then). Lets a sampler keep per-trial state in O(changes)."""
        if self._changes is None or self._get is None:
            return None
        return self._changes[cursor:], len(self._changes)

    def get(self, number: int) -> FrozenTrial | None:
        """Trial ``number`` as it is now (None if deleted); only with change tracking."""
        if self._get is None:
            return next((t for t in self.trials if t.number == number), None)
        return self._get(number)

    def fidelity(self) -> Fidelity | None:
        """The pruner's rungs and brackets (see :class:`Fidelity`), None without them."""
        return None if self.pruner is None else self.pruner.fidelity()

    def complete(self) -> list[FrozenTrial]:
        return [t for t in self.trials if t.state is TrialState.COMPLETE]

    def seen(self, flat: dict[str, Any]) -> bool:
        """True if a trial already holds exactly these values (running, finished or
        failed; interrupted trials excepted), so samplers can avoid wasting budget."""
        self._sync_keys()
        return self._key_count.get(config_key(flat), 0) > 0

    def _sync_keys(self) -> None:
        if self._changes is None or self._get is None:  # a plain history: recount it all
            self._key_of, self._key_count = {}, {}
            for trial in self.trials:
                self._count_key(trial.number, trial)
            return
        for number in self._changes[self._read :]:
            self._count_key(number, self._get(number))
        self._read = len(self._changes)

    def _count_key(self, number: int, trial: FrozenTrial | None) -> None:
        old = self._key_of.pop(number, None)
        if old is not None:
            self._key_count[old] -= 1
        if (
            trial is None
            or not trial.flat
            or (trial.state is TrialState.FAIL and trial.interrupted)
        ):
            return
        key = self._key_of[number] = config_key(trial.flat)
        self._key_count[key] = self._key_count.get(key, 0) + 1

    def leaves(self) -> dict[str, Param]:
        """Every parameter known so far: the static space's leaves, else the union of
        what define-by-run trials suggested (the latest definition of a name wins)."""
        if self.space is not None:
            return dict(self.space.leaves)
        found: dict[str, Any] = {}
        for t in self.trials:
            found.update(t.system_attrs.get("space") or {})
        return {path: param_from_json(data) for path, data in found.items()}
