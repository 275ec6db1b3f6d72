"""Genetic operators as pure functions over flat configurations ({leaf path: value}).

A child is built by walking the space (:meth:`Space.resolve`) and choosing
each *active* leaf in turn, so it is valid by construction: a mutated choice
opens its branch, whose leaves are inherited if a parent has them and drawn
fresh otherwise; a longer Repeat copies its last item. Define-by-run studies
call the same chooser leaf by leaf, in the order the objective asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ...space.kinds import Categorical, Float, Int, Param

if TYPE_CHECKING:
    import numpy as np

    from ...space.tree import Space

Flat = dict[str, Any]
Fresh = Callable[[str, Param], Any]
_ITEM = re.compile(r"^(.+)\.(\d+)\.(.+)$")


def tournament(keys: Sequence[float], size: int, rng: np.random.Generator) -> int:
    """Index of the best (lowest key) of ``size`` entrants drawn with replacement."""
    entrants = rng.integers(len(keys), size=max(1, size))
    return int(min(entrants.tolist(), key=lambda i: (keys[i], i)))


def select_parents(keys: Sequence[float], size: int, rng: np.random.Generator) -> tuple[int, int]:
    """Two tournament winners, distinct whenever there are two candidates."""
    first = tournament(keys, size, rng)
    if len(keys) < 2:
        return first, first
    for _ in range(8):
        second = tournament(keys, size, rng)
        if second != first:
            return first, second
    return first, (first + 1 + int(rng.integers(len(keys) - 1))) % len(keys)


class Breeder:
    """Chooses a child's leaves one at a time: crossover, then mutation.

    ``parents`` holds one flat configuration (mutation only) or two (uniform
    crossover per leaf). A leaf inside a categorical's branch comes from the
    parent that gave the categorical its value, so a branch moves whole.
    ``scale`` is the mutation's standard deviation as a fraction of each
    leaf's internal range; ``fresh`` draws a leaf no parent can give.
    """

    def __init__(
        self,
        parents: Sequence[Flat],
        rng: np.random.Generator,
        *,
        mutation_rate: float,
        scale: float,
        fresh: Fresh,
    ) -> None:
        self.parents = list(parents)
        self.rng = rng
        self.mutation_rate = mutation_rate
        self.scale = scale
        self.fresh = fresh
        self.child: Flat = {}
        self._donor: dict[str, int] = {}
        self._choices: list[str] = []  # categorical paths decided so far

    def __call__(self, path: str, param: Param) -> Any:
        value = self._inherit(path, param)
        if self.rng.random() < self.mutation_rate:
            value = mutate_value(path, param, value, self.rng, self.scale)
        self.child[path] = value
        if isinstance(param, Categorical):
            self._choices.append(path)
        return value

    def _inherit(self, path: str, param: Param) -> Any:
        donor = self._branch_donor(path)
        have = [i for i, p in enumerate(self.parents) if path in p and param.contains(p[path])]
        if donor is None or donor not in have:
            donor = have[int(self.rng.integers(len(have)))] if have else None
        if donor is not None:
            self._donor[path] = donor
            return self.parents[donor][path]
        copy = _previous_item(path, self.child)
        if copy is not None and param.contains(copy):
            return copy
        for parent in self.parents:  # a range narrowed since: the nearest value inside
            clipped = clip_into(param, parent.get(path))
            if clipped is not None:
                return clipped
        return self.fresh(path, param)

    def _branch_donor(self, path: str) -> int | None:
        owner = max((c for c in self._choices if path.startswith(c + ".")), key=len, default=None)
        return None if owner is None else self._donor.get(owner)


def clip_into(param: Param, value: Any) -> Any:
    """``value`` moved to the nearest value ``param`` holds, for a number outside a
    range that was narrowed after it was tried; None if that is not possible."""
    if not isinstance(param, (Float, Int)) or isinstance(value, bool):
        return None
    if not isinstance(value, (int, float)) or value != value:
        return None
    moved = param.from_internal(param.to_internal(min(max(value, param.low), param.high)))
    return moved if param.contains(moved) else None


def _previous_item(path: str, child: Flat) -> Any:
    """A Repeat grown by mutation starts its new item as a copy of the one before."""
    m = _ITEM.match(path)
    if m is None or int(m.group(2)) == 0 or f"{m.group(1)}.len" not in child:
        return None
    return child.get(f"{m.group(1)}.{int(m.group(2)) - 1}.{m.group(3)}")


def mutate_value(
    path: str, param: Param, value: Any, rng: np.random.Generator, scale: float
) -> Any:
    """One leaf's mutation, respecting its type and bounds.

    Choices are redrawn among the other keys; a Repeat's length moves by one;
    numbers take a Gaussian step in the internal (log for log ranges) scale,
    clipped to the bounds, and discrete ones move at least one step.
    """
    if isinstance(param, Categorical):
        if param.n_choices < 2:
            return value
        others = [k for k in param.keys if k != value]
        return others[int(rng.integers(len(others)))]
    if isinstance(param, Int) and path.endswith(".len"):
        return _step(param, value, int(rng.choice((-1, 1))))
    lo, hi = param.bounds()
    x = param.to_internal(value) + rng.normal() * scale * (hi - lo)
    new = param.from_internal(min(max(x, lo), hi))
    if new == value and (isinstance(param, Int) or getattr(param, "step", None) is not None):
        new = _step(param, value, 1 if x >= param.to_internal(value) else -1)
    return new


def _step(param: Param, value: Any, direction: int) -> Any:
    """The neighbouring value of a stepped leaf, turning back at a bound."""
    step = getattr(param, "step", None) or 1
    low, high = getattr(param, "low", None), getattr(param, "high", None)
    new = value + direction * step
    if low is not None and high is not None and not low <= new <= high:
        new = value - direction * step
        if not low <= new <= high:
            return value
    if isinstance(param, Float):
        return float(param.from_internal(param.to_internal(new)))
    return type(value)(new)


def breed(
    space: Space,
    parents: Sequence[Flat],
    rng: np.random.Generator,
    *,
    mutation_rate: float,
    scale: float,
    fresh: Fresh,
) -> Flat:
    """A valid child of one or two parents on a static space."""
    breeder = Breeder(parents, rng, mutation_rate=mutation_rate, scale=scale, fresh=fresh)
    return space.resolve(breeder)[1]


def crossover(space: Space, a: Flat, b: Flat, rng: np.random.Generator, fresh: Fresh) -> Flat:
    """Uniform crossover per leaf; branches move whole with their categorical."""
    return breed(space, [a, b], rng, mutation_rate=0.0, scale=0.0, fresh=fresh)


def mutate(
    space: Space, flat: Flat, rng: np.random.Generator, *, rate: float, scale: float, fresh: Fresh
) -> Flat:
    """Mutate each active leaf with probability ``rate``; new leaves drawn by ``fresh``."""
    return breed(space, [flat], rng, mutation_rate=rate, scale=scale, fresh=fresh)
