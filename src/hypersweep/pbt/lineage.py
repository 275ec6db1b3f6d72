"""Reading a population back from its study: every turn, the best member, its schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..trial import FrozenTrial, TrialState
from .population import Settings, info


@dataclass(frozen=True)
class Step:
    """One finished turn of one member: the hyperparameters in force from ``start_step`` for
    ``steps`` steps, the score at its end, and the member it copied first (``parent``)."""

    member: int
    turn: int
    interval: int
    start_step: int
    steps: int
    params: Any
    flat: dict[str, Any]
    score: float
    parent: int | None
    parent_turn: int | None
    explored: str | None
    number: int  # the trial's number in the study

    @property
    def end_step(self) -> int:
        return self.start_step + self.steps


def settings_of(study: Any) -> Settings:
    data = study.record.system_attrs.get("pbt")
    if data is None:
        raise ValueError(
            f"study {study.name!r} holds no population (it was not made by hs.pbt.run)"
        )
    return Settings.from_json(data)


def steps_of(study: Any) -> list[Step]:
    """Every COMPLETE turn of the study's population, by member then turn."""
    s = settings_of(study)
    out = []
    for t in study.get_trials([TrialState.COMPLETE]):
        a = info(t)
        if a:
            out.append(step_of(t, a, s))
    return sorted(out, key=lambda x: (x.member, x.turn))


def step_of(t: FrozenTrial, a: dict[str, Any], s: Settings) -> Step:
    start = int(a["interval"]) * s.interval
    return Step(int(a["member"]), int(a["turn"]), int(a["interval"]), start,
                min(s.interval, s.total_steps - start), t.params, dict(t.flat),
                float(t.value if t.value is not None else math.nan), a.get("parent"),
                a.get("parent_turn"), a.get("explored"), t.number)  # fmt: skip


def best_step(steps: list[Step], settings: Settings) -> Step:
    """The best final turn (a member that reached total_steps); ties: the lower member."""
    last = settings.n_intervals - 1
    final = [x for x in steps if x.interval == last and not math.isnan(x.score)]
    if not final:
        raise ValueError("no member has trained total_steps yet: run (or resume) the population")
    sign = -1.0 if settings.maximize else 1.0
    return min(final, key=lambda x: (sign * x.score, x.member))


def schedule_of(steps: list[Step], end: Step) -> list[Step]:
    """The turns that made ``end``'s weights, oldest first: its own turns, back through each
    copy to the donor's turns before it."""
    by_key = {(x.member, x.turn): x for x in steps}
    chain = [end]
    current = end
    while current.interval > 0:
        if current.parent is not None:
            key = (current.parent, current.parent_turn)
        else:
            key = (current.member, current.turn - 1)
        previous = by_key.get(key)  # type: ignore[arg-type]
        if previous is None:
            raise ValueError(f"the lineage of member {end.member} misses turn {key} in storage")
        chain.append(previous)
        current = previous
    return chain[::-1]
