"""The base of every parameter kind, and the number checks the kinds share.

A kind checks its definition (when the space is built, so that the error can
name the parameter's path; at once when it has a label, as hyperopt's
spellings do), draws from its prior, checks a value, and maps values to and
from an *internal* float (log scale for log parameters, the index for
categoricals) that model-based samplers work in. Nothing here knows about studies.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


_TOL = 1e-9


def _number(value: Any, what: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{path}: {what} must be a number, but got {what}={value!r:.80}")
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise ValueError(
            f"{path}: {what} must be a finite float, but got {what}={value!r:.80}; "
            f"rescale the parameter to a smaller range"
        )
    return out


def _check_flag(value: Any, what: str, path: str) -> None:
    """A yes/no option must be a bool: ``log="yes"`` or ``log=1`` is a mistake, not True."""
    numpy_bool = type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool")
    if isinstance(value, bool) or numpy_bool:
        return
    raise ValueError(
        f"{path}: {what} must be True or False, but got {what}={value!r}; "
        f"write {what}=True or leave it out"
    )


def _is_integral(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    )


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


class Param:
    """Base of all leaves. ``label`` is an explicit leaf name (hyperopt's spelling)."""

    kind: str = ""
    label: str | None = None

    def check(self, path: str) -> None:
        """Raise ValueError naming ``path`` if the definition is invalid."""

    def _check_labelled(self) -> None:
        """A labelled parameter (hyperopt's spelling) knows its name: check it at once."""
        if self.label is not None:
            self.check(self.label)

    def sample(self, rng: np.random.Generator) -> Any:
        """A draw from the prior."""
        return self.from_unit(rng.random())

    def from_unit(self, u: float) -> Any:
        """The prior's quantile function: maps u in [0, 1) to a value (random and QMC draws)."""
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        raise NotImplementedError

    def grid(self, n_points: int) -> list[Any]:
        raise NotImplementedError

    def to_internal(self, value: Any) -> float:
        """The model-side number for a value: log for log scales, the index for choices."""
        raise NotImplementedError

    def from_internal(self, x: float) -> Any:
        """The value for a model-side number: rounded, snapped to the step and clipped."""
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """The internal range samplers search; Int ranges are padded by half a step.

        Unbounded kinds (Normal, LogNormal) report mu +- 4 sigma, where the prior
        puts all but 6e-5 of its mass.
        """
        raise NotImplementedError

    @property
    def n_choices(self) -> int:
        """How many values a categorical has; 0 for numeric kinds."""
        return 0

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Param)
            and type(self) is type(other)
            and self.to_json() == other.to_json()
        )

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.to_json().items() if k != "kind")
        return f"{type(self).__name__}({body})"
