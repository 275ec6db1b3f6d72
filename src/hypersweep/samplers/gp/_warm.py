"""GP's warm start: the earlier studies' best configurations open the initial design.

A GP cannot pool values of another task without a model of how the tasks differ, and
a wrong one misleads it for the rest of the study. What transfers safely is where the
good regions were: the first ``n_warm`` startup trials take the prior studies' best
configurations (each study ranked in its own direction, the studies interleaved), the
rest of the startup stays space-filling, and from then on the GP models the new study's
own trials only. So the prior's pull fades completely once own evidence exists, and a
misleading prior costs at most ``n_warm`` trials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ...space.kinds import Param
from ..warm import PriorSet

if TYPE_CHECKING:
    from ...space.tree import Space


def modelled(
    leaves: dict[str, Param], done: list[Any], enough: int
) -> tuple[dict[str, Param], list[Any]]:
    """The leaves to model (sorted by path) and the completed trials to model them on.

    The leaves set in every completed trial, as before; plus any leaf added to the
    space later (set in every trial from its first one on) once ``enough`` trials hold
    it: the GP then models the larger set on the trials that hold it all, so a widened
    space is modelled whole rather than its new leaves drawn at random forever.
    """
    first: dict[str, int] = {}
    holes: set[str] = set()
    for i, t in enumerate(done):
        for p in leaves:
            if p in t.flat:
                first.setdefault(p, i)
            elif p in first:
                holes.add(p)
    n = len(done)
    base = [p for p in leaves if first.get(p) == 0 and p not in holes]
    late = [p for p in leaves if first.get(p, 0) > 0 and p not in holes
            and n - first[p] >= enough]  # fmt: skip
    paths = sorted(base + late)
    start = max((first[p] for p in late), default=0)
    return {p: leaves[p] for p in paths}, done[start:]


def warm_configs(priors: Sequence[PriorSet], sign: float) -> list[dict[str, Any]]:
    """The priors' configurations, best first, interleaving the studies (the best of
    each, then the second of each, ...)."""
    ranked = [p.ranked(sign) for p in priors if len(p.flats)]
    out: list[dict[str, Any]] = []
    for i in range(max((len(r) for r in ranked), default=0)):
        out.extend(r[i] for r in ranked if i < len(r))
    return out


def warm_point(
    space: Space, configs: list[dict[str, Any]], index: int, fill: Callable[[str, Param], Any]
) -> dict[str, Any] | None:
    """Configuration ``index`` (counting only distinct ones) mapped onto ``space``: a
    value the new space holds is kept, a missing or out-of-range one is drawn by ``fill``."""
    seen: set[str] = set()
    for flat in configs:
        point = space.resolve(_chooser(flat, fill))[1]
        key = repr(sorted(point.items()))
        if key in seen:
            continue
        if len(seen) == index:
            return point
        seen.add(key)
    return None


def _chooser(
    flat: dict[str, Any], fill: Callable[[str, Param], Any]
) -> Callable[[str, Param], Any]:
    def choose(path: str, param: Param) -> Any:
        value = flat.get(path)
        if path in flat and param.contains(value):
            return value
        return fill(path, param)

    return choose
