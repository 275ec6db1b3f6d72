"""Kinds that choose among things: one of a list (Categorical), or how many copies (Repeat)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._json import jsonable
from .base import Param


def json_key(value: Any) -> Any:
    """A JSON-able stand-in for a categorical choice, stable across processes
    (:func:`hypersweep._json.jsonable`: tuples become lists, classes and functions
    their qualified name, anything else its repr)."""
    return jsonable(value)


class Categorical(Param):
    """One of a list of choices. A choice is a plain value or a sub-space (a branch).

    Samplers see each choice through a JSON-able *key*: the value itself when it
    is JSON, a branch's label (its first constant string, e.g. "svm") for
    sub-spaces. Users always get the real value back.

    >>> Categorical(["relu", "tanh"]).contains("tanh")
    True
    """

    kind = "categorical"

    def __init__(self, choices: Sequence[Any], *, label: str | None = None) -> None:
        self._not_a_list = isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence)
        self.choices = [] if self._not_a_list else list(choices)
        self.label = label
        # the space compiler replaces these with branch labels where choices are sub-spaces
        self.keys: list[Any] = [json_key(c) for c in self.choices]
        self._check_labelled()

    def check(self, path: str) -> None:
        if self._not_a_list:
            raise ValueError(f"{path}: choices must be a list of values or sub-spaces")
        if not self.choices:
            raise ValueError(f"{path}: a Categorical needs at least one choice, but got []")

    def set_keys(self, keys: list[Any], path: str) -> None:
        seen: list[Any] = []
        for k in keys:
            if k in seen:
                raise ValueError(
                    f"{path}: choices must be distinct, but {k!r} appears more than once"
                )
            seen.append(k)
        self.keys = keys

    def index_of(self, key: Any) -> int:
        for i, k in enumerate(self.keys):
            if k == key and isinstance(k, bool) == isinstance(key, bool):
                return i
        raise KeyError(key)

    def from_unit(self, u: float) -> Any:
        return self.keys[min(int(u * len(self.keys)), len(self.keys) - 1)]

    def contains(self, value: Any) -> bool:
        try:
            self.index_of(value)
            return True
        except KeyError:
            return False

    def grid(self, n_points: int) -> list[Any]:
        return list(self.keys)

    def to_internal(self, value: Any) -> float:
        return float(self.index_of(value))

    def bounds(self) -> tuple[float, float]:
        return 0.0, float(len(self.keys) - 1)

    @property
    def n_choices(self) -> int:
        return len(self.keys)

    def from_internal(self, x: float) -> Any:
        return self.keys[int(x)]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "choices": list(self.keys)}


class Repeat:
    """A variable-length list of copies of a sub-space; the length is tuned too.

    >>> from hypersweep import Int
    >>> Repeat({"neurons": Int(8, 256, log=True)}, min=1, max=4).max
    4
    """

    def __init__(self, template: Any, *, min: int = 1, max: int = 4) -> None:
        self.template = template
        self.min = min
        self.max = max

    def check(self, path: str) -> None:
        for name, v in (("min", self.min), ("max", self.max)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{path}: {name} of a Repeat must be an integer, but got {v!r}")
        if self.min < 0 or self.min > self.max:
            raise ValueError(
                f"{path}: 0 <= min <= max must hold, but got min={self.min}, max={self.max}"
            )

    def __repr__(self) -> str:
        return f"Repeat({self.template!r}, min={self.min}, max={self.max})"
