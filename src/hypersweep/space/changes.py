"""How a study's space may change between runs: what is refused, and a phrase per change.

A study's trials must stay readable under the new space, so a parameter that changes kind
or loses choices is refused; widening, narrowing, new choices and new or removed
parameters are recorded (``system_attrs["space_changes"]``) and the samplers carry on.
"""

from __future__ import annotations

from typing import Any

from .kinds import Categorical
from .tree import Space


def changes(old: Space, new: Space) -> list[str]:
    """Why ``new`` cannot continue a study made with ``old``; empty if it can.

    New parameters, new categorical choices and changed numeric ranges are
    fine (old trials stay readable); a parameter changing kind or losing
    choices is not, because old trials could no longer be read back.
    """
    problems = []
    for path, before in old.leaves.items():
        after = new.leaves.get(path)
        if after is None:
            continue
        if before.kind != after.kind:
            problems.append(f"{path!r} changed from {before.kind} to {after.kind}")
        elif isinstance(before, Categorical) and isinstance(after, Categorical):
            lost = [k for k in before.keys if not after.contains(k)]
            if lost:
                problems.append(f"{path!r} lost the choices {lost!r}")
    return problems


def evolution(old: Space, new: Space) -> list[str]:
    """What changed from ``old`` to ``new``, one phrase per leaf (for the study's record
    of its space changes); empty when the leaves are the same. Assumes :func:`changes`
    found nothing incompatible."""
    out = []
    for path, after in new.leaves.items():
        before = old.leaves.get(path)
        if before is None:
            out.append(f"added {path!r}")
        elif before != after:
            out.append(_leaf_change(path, before, after))
    out += [f"removed {path!r}" for path in old.leaves if path not in new.leaves]
    return out


def _leaf_change(path: str, before: Any, after: Any) -> str:
    if isinstance(before, Categorical) and isinstance(after, Categorical):
        added = [k for k in after.keys if not before.contains(k)]
        return f"{path!r} gained the choices {added!r}" if added else f"{path!r} changed"
    ranges = [getattr(p, k, None) for p in (before, after) for k in ("low", "high")]
    if not all(isinstance(v, (int, float)) for v in ranges):
        return f"{path!r} changed"
    lo0, hi0, lo1, hi1 = (float(v) for v in ranges)  # type: ignore[arg-type]
    if lo1 <= lo0 and hi1 >= hi0 and (lo1, hi1) != (lo0, hi0):
        how = "widened"
    elif lo1 >= lo0 and hi1 <= hi0 and (lo1, hi1) != (lo0, hi0):
        how = "narrowed"
    elif (lo1, hi1) != (lo0, hi0):
        how = "moved"
    else:
        return f"{path!r} changed"  # the same range: step, log or label
    return f"{path!r} {how} from [{lo0}, {hi0}] to [{lo1}, {hi1}]"
