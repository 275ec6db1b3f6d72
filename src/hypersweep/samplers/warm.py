"""Warm start: the finished trials of earlier, related studies as data for a sampler.

``prior_studies=[...]`` (TPE and GP) takes, in any mix:

- a study object (anything with ``trials`` and ``directions``, such as ``hs.Study``);
- a ``(storage, name)`` pair: a storage URL or object and a study name, read once here;
- a list of finished trials (``FrozenTrial``), taken to share the new study's direction.

Everything is read when the sampler is built, so asks never open a storage (samplers
stay pure). Only completed single-objective trials with a finite value are kept. A
prior study is ranked in its own direction: its best trials are good evidence whether it
minimised or maximised, and its values never meet the new study's, which may be on
another scale. Parameters are matched by leaf path when a sampler encodes them;
values outside the new space, and parameters the new space lacks, are ignored there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..trial import Direction, FrozenTrial, TrialState

if TYPE_CHECKING:  # numpy loads with the first prior read, not with hypersweep
    import numpy as np


@dataclass(frozen=True)
class PriorSet:
    """One prior study's usable trials: flat values and signed losses (lower is better),
    or raw values (``sign`` None) when the trials came without a direction."""

    name: str
    flats: tuple[dict[str, Any], ...]
    values: np.ndarray
    sign: float | None

    def losses(self, default_sign: float) -> np.ndarray:
        """Values turned into losses: by the study's own direction, else ``default_sign``."""
        return self.values * (self.sign if self.sign is not None else default_sign)

    def ranked(self, default_sign: float) -> list[dict[str, Any]]:
        """The configurations best first (ties keep the trials' order)."""
        import numpy as np

        order = np.argsort(self.losses(default_sign), kind="stable")
        return [self.flats[i] for i in order.tolist()]


def fade(n_own: int, half: float) -> float:
    """A prior trial's weight next to one own trial's 1: 1 / (1 + n_own / half), so the
    earlier studies count fully at the start and half as much after ``half`` own trials."""
    return 1.0 / (1.0 + n_own / half) if half > 0 else 0.0


# Samplers may not open storages (they stay pure); the study package, which may, hands
# this module its reader of a (storage, name) pair when hypersweep is imported.
StudyReader = Callable[[Any, str], tuple[str, Sequence[FrozenTrial], Sequence[Direction]]]
study_reader: StudyReader | None = None


def read_priors(prior_studies: Sequence[Any] | None, owner: str) -> tuple[PriorSet, ...]:
    """Each entry of ``prior_studies`` as a :class:`PriorSet` (see the module docstring);
    ``owner`` names the sampler in error messages."""
    if prior_studies is None:
        return ()
    if isinstance(prior_studies, (str, bytes)) or not isinstance(prior_studies, Sequence):
        raise TypeError(f"{owner}: prior_studies must be a list of studies, (storage, name) "
                        f"pairs or lists of trials, but got {prior_studies!r}")  # fmt: skip
    return tuple(_one(entry, owner, i) for i, entry in enumerate(prior_studies))


def _one(entry: Any, owner: str, index: int) -> PriorSet:
    if hasattr(entry, "trials") and hasattr(entry, "directions"):
        return _from_trials(str(getattr(entry, "name", index)), entry.trials, entry.directions,
                            owner)  # fmt: skip
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str):
        if study_reader is None:  # only when the samplers are used without hypersweep.study
            raise TypeError(f"{owner}: prior_studies[{index}] names a stored study, which needs "
                            "hypersweep.study loaded; pass the study object instead")  # fmt: skip
        name, trials, directions = study_reader(entry[0], entry[1])
        return _from_trials(name, trials, directions, owner)
    if isinstance(entry, Sequence) and all(isinstance(t, FrozenTrial) for t in entry):
        return _from_trials(f"trials #{index}", entry, None, owner)
    raise TypeError(f"{owner}: prior_studies[{index}] must be a study, a (storage, name) pair "
                    f"or a list of FrozenTrial, but got {type(entry).__name__}")  # fmt: skip


def _from_trials(
    name: str, trials: Sequence[FrozenTrial], directions: Sequence[Direction] | None, owner: str
) -> PriorSet:
    if directions is not None and len(directions) != 1:
        raise ValueError(f"{owner}: prior study {name!r} has {len(directions)} objectives; "
                         "warm start reads single-objective studies only")  # fmt: skip
    flats, values = [], []
    for t in trials:
        v = t.value if t.state is TrialState.COMPLETE and t.values and len(t.values) == 1 else None
        if v is None or not math.isfinite(float(v)) or not t.flat:
            continue
        flats.append(dict(t.flat))
        values.append(float(v))
    sign = None if directions is None else directions[0].sign()
    import numpy as np

    return PriorSet(name, tuple(flats), np.asarray(values, dtype=float), sign)


def check_half(owner: str, value: Any) -> float:
    """``prior_fade`` checked: a positive number of own trials."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{owner}: prior_fade must be a positive number of trials (after "
                         f"which prior trials count half), but got {value!r}")  # fmt: skip
    return float(value)
