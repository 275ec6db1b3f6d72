"""What samplers and pruners may read of a study: its direction, space and trials.

It sits below samplers, pruners and the study, so the decision makers never import
the study, and every layer shares one notion of "the same configuration".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

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



class History:
    """What a sampler may read: direction, the static space (if any), and trials.

    ``trials`` is produced lazily, so a sampler that ignores the history (Random)
    costs nothing however long the study is.
    """

    def __init__(
        self,
        direction: Direction,
        space: Space | None,
        trials: Callable[[], Sequence[FrozenTrial]],
        *,
        get: Callable[[int], FrozenTrial | None] | None = None,
        changes: list[int] | None = None,
        pruner: Any = None,
    ) -> None:
        self.direction = direction
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
