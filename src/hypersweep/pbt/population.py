"""The population as storage tells it, and the exploit / explore decision for one member.

Each interval a member trains is one trial of the study: its parameters are the
hyperparameters in force, its value the score at the interval's end, and
``system_attrs["pbt"]`` says which member, which turn (the member's own count of
intervals), which interval of training it reached (``interval``: a copy inherits the
donor's steps), where its starting weights came from and where it saved its own.
Nothing else is kept anywhere, so any process that reads the study sees the same
population: that is what lets a killed run resume and a second process join.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..space import Space
from ..trial import FrozenTrial, TrialState
from . import model as gp
from .explore import perturb, sample_flat
from .model import Observation, confident_pick, ucb_choice, ucb_pick

ATTEMPTS = 3  # failed tries of one turn after which the member is given up


@dataclass(frozen=True)
class Settings:
    """One run's population settings, stored with the study so that joiners use the same."""

    population: int
    interval: int
    total_steps: int
    checkpoint_dir: str
    quantile: float = 0.25
    factors: tuple[float, ...] = (0.8, 1.2)
    resample_probability: float = 0.25
    burn_in: int = 0
    explore: str = "perturb"
    synchronous: bool = True
    seed: int = 0
    maximize: bool = True
    keep_checkpoints: int | None = None  # each member's newest checkpoints kept (None: all)

    @property
    def n_intervals(self) -> int:
        return math.ceil(self.total_steps / self.interval)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "factors": list(self.factors)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        return cls(**{**data, "factors": tuple(data["factors"])})

    def checkpoint(self, member: int, turn: int) -> str:
        return str(Path(self.checkpoint_dir) / f"member-{member:03d}" / f"turn-{turn:04d}")


@dataclass(frozen=True)
class Plan:
    """What a member does in its next turn (stored as ``system_attrs["pbt"]``)."""

    member: int
    turn: int
    interval: int  # which interval of training this turn covers (0: the first)
    attempt: int
    flat: dict[str, Any]
    restore: str | None  # the checkpoint it starts from (None: from scratch)
    save: str
    parent: int | None = None  # the member it copied, if it exploited
    parent_turn: int | None = None
    start_score: float | None = None  # the score of the checkpoint it starts from
    explored: str | None = None  # "perturb" / "model" when it explored

    @property
    def key(self) -> str:
        return f"pbt/{self.member}/{self.turn}/{self.attempt}"

    def attrs(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "flat"}


@dataclass
class Member:
    done: list[FrozenTrial] = field(default_factory=list)  # COMPLETE turns, in turn order
    failed: dict[int, int] = field(default_factory=dict)  # turn -> failed attempts
    running: bool = False
    pending: list[FrozenTrial] = field(default_factory=list)  # turns training now

    def latest(self) -> FrozenTrial | None:
        return self.done[-1] if self.done else None


def info(trial: FrozenTrial) -> dict[str, Any]:
    return dict(trial.system_attrs.get("pbt") or {})


class Population:
    """The members' turns read from a study's trials."""

    def __init__(self, trials: list[FrozenTrial], settings: Settings) -> None:
        self.settings = settings
        self.members = [Member() for _ in range(settings.population)]
        for t in trials:
            a = info(t)
            if not a or not 0 <= int(a["member"]) < settings.population:
                continue
            m = self.members[int(a["member"])]
            if t.state is TrialState.COMPLETE:
                m.done.append(t)
            elif t.state is TrialState.RUNNING:
                m.running = True
                m.pending.append(t)
            elif t.state is TrialState.FAIL and not t.system_attrs.get("interrupted"):
                m.failed[int(a["turn"])] = m.failed.get(int(a["turn"]), 0) + 1
        for m in self.members:
            m.done.sort(key=lambda t: int(info(t)["turn"]))

    def finished(self, index: int) -> bool:
        m = self.members[index]
        last = m.latest()
        if m.failed.get(len(m.done), 0) >= ATTEMPTS:
            return True  # given up: its train function failed on this turn again and again
        return last is not None and int(info(last)["interval"]) >= self.settings.n_intervals - 1

    @property
    def all_finished(self) -> bool:
        return all(self.finished(i) for i in range(len(self.members)))

    def ready(self) -> list[int]:
        """Members that may start their next turn now, least trained first. Synchronous runs
        wait until every living member finished the generation before."""
        free = [i for i, m in enumerate(self.members) if not m.running and not self.finished(i)]
        if self.settings.synchronous:
            live = [i for i in range(len(self.members)) if not self.given_up(i)]
            floor = min((len(self.members[i].done) for i in live), default=0)
            free = [i for i in free if len(self.members[i].done) == floor]
        return sorted(free, key=lambda i: (self.next_interval(i), i))

    def next_interval(self, index: int) -> int:
        last = self.members[index].latest()
        return 0 if last is None else int(info(last)["interval"]) + 1

    def given_up(self, index: int) -> bool:
        m = self.members[index]
        return m.failed.get(len(m.done), 0) >= ATTEMPTS

    def ranked(self, generation: int | None) -> list[tuple[int, FrozenTrial]]:
        """(member, its trial) best first: each member's turn ``generation`` (synchronous),
        or the latest turn of each member still training; NaN scores last. Only members with
        a checkpoint (a finished turn) take part, so nothing copies a member without one."""
        pool = []
        for i, m in enumerate(self.members):
            if generation is not None:
                t = m.done[generation] if len(m.done) > generation else None
            else:
                t = m.latest()
            if t is None or t.value is None:
                continue
            if generation is None and int(info(t)["interval"]) >= self.settings.n_intervals - 1:
                continue  # finished: a copy of it would have nothing left to train
            pool.append((i, t))
        sign = -1.0 if self.settings.maximize else 1.0

        def key(item: tuple[int, FrozenTrial]) -> tuple[float, int]:
            v = float(item[1].value)  # type: ignore[arg-type]
            return (math.inf if math.isnan(v) else sign * v, item[0])

        return sorted(pool, key=key)

    def observations(self) -> list[Observation]:
        """Every finished turn that started from a scored checkpoint: how much it gained."""
        sign = 1.0 if self.settings.maximize else -1.0
        out = []
        for m in self.members:
            for t in m.done:
                a = info(t)
                if a.get("start_score") is not None and t.value is not None:
                    gain = sign * (float(t.value) - float(a["start_score"]))
                    start = sign * float(a["start_score"])
                    out.append(Observation(dict(t.flat), float(a["interval"]), gain, start))
        return sorted(out, key=lambda o: o.time)

    def pending(self, exclude: int) -> list[tuple[dict[str, Any], float]]:
        """(flat values, interval) of the turns other members are training now: the batch a
        model-based proposal must keep away from."""
        return [(dict(t.flat), float(info(t)["interval"]))
                for i, m in enumerate(self.members) if i != exclude for t in m.pending]  # fmt: skip

    def plan(self, index: int, space: Space) -> Plan:
        """The next turn of member ``index``: continue, or copy a top member and explore."""
        s, m = self.settings, self.members[index]
        turn = len(m.done)
        attempt = m.failed.get(turn, 0)
        rng = np.random.default_rng([s.seed, index, turn])
        save = s.checkpoint(index, turn)
        last = m.latest()
        if last is None:
            flat = sample_flat(space, rng)
            return Plan(index, turn, 0, attempt, flat, None, save)
        a = info(last)
        base = Plan(index, turn, int(a["interval"]) + 1, attempt, dict(last.flat),
                    str(a["save"]), save, start_score=last.value)  # fmt: skip
        if (int(a["interval"]) + 1) * s.interval < s.burn_in:
            return base
        ranked = self.ranked(turn - 1 if s.synchronous else None)
        if len(ranked) < 2:
            return base
        cut = max(1, int(len(ranked) * s.quantile))
        top, bottom = ranked[:cut], [i for i, _ in ranked[-cut:]]
        if index not in bottom or index in [i for i, _ in top]:
            return base
        donor, trial = top[int(rng.integers(len(top)))]
        d = info(trial)
        flat, how = self.explore(dict(trial.flat), space, rng, float(d["interval"]) + 1,
                                 self.pending(index))  # fmt: skip
        return Plan(index, turn, int(d["interval"]) + 1, attempt, flat, str(d["save"]), save,
                    parent=donor, parent_turn=int(d["turn"]), start_score=trial.value,
                    explored=how)  # fmt: skip

    def explore(self, donor: dict[str, Any], space: Space, rng: np.random.Generator, now: float,
                pending: Sequence[tuple[dict[str, Any], float]] = ()
                ) -> tuple[dict[str, Any], str]:  # fmt: skip
        s = self.settings
        flat = perturb(donor, space, rng, factors=s.factors,
                       resample_probability=s.resample_probability)  # fmt: skip
        if s.explore != "model":
            return flat, "perturb"
        if gp.MIXED:
            proposals = [flat] + [perturb(donor, space, rng, factors=s.factors,
                                          resample_probability=s.resample_probability)
                                  for _ in range(gp.PROPOSALS - 1)]  # fmt: skip
            if gp.CONFIDENCE is None:
                pick = ucb_pick(proposals, space, self.observations(), now, pending=pending)
            else:
                pick = confident_pick(proposals, space, self.observations(), now)
            return (flat, "perturb") if pick is None else (proposals[pick], "model")
        chosen = ucb_choice(donor, space, self.observations(), now, rng, pending=pending)
        if chosen is None:
            return flat, "perturb"
        return {**flat, **chosen}, "model"
