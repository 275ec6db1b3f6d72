"""Kinds that choose among things: one of a list (Categorical), or how many copies (Repeat)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .._json import jsonable
from .base import Param


def json_key(value: Any) -> Any:
    """A JSON-able stand-in for a categorical choice, stable across processes
    (:func:`hypersweep._json.jsonable`: tuples become lists, classes and functions
    their qualified name, anything else its repr)."""
    return jsonable(value)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _unstable(value: Any) -> bool:
    """True if ``json_key(value)`` differs from one process to the next: it holds a repr
    with a memory address (``<Act object at 0x7f...>``) or a set's hash-dependent order."""
    if isinstance(value, (str, int, float)) or value is None:
        return False
    if isinstance(value, dict):
        return any(_unstable(k) or _unstable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstable(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return len(value) > 1 and not all(isinstance(v, (int, float)) for v in value)
    key = jsonable(value)
    return isinstance(key, str) and _ADDRESS.search(key) is not None


def choice_key(value: Any, index: int) -> Any:
    """The key a plain (non-branch) choice at position ``index`` is stored by:
    :func:`json_key`, unless that would change between processes (an object with
    the default repr, which shows its memory address): then its type and position,
    e.g. ``"Act#0"``."""
    if _unstable(value):
        return f"{type(value).__qualname__}#{index}"
    return json_key(value)


class Categorical(Param):
    """One of a list of choices. A choice is a plain value or a sub-space (a branch).

    Samplers see each choice through a JSON-able *key*, which is what storage
    keeps: the value itself when it is JSON (tuples as lists, other objects as
    their qualified name or repr), a branch's label (its first constant string,
    e.g. "svm") for sub-spaces, and for an object whose repr shows its memory
    address (a plain class's instance) its type and position, e.g. "Act#0", so
    that a resumed study recognises it: keep such a list in the same order, or
    name the choices with a dict, ``Categorical({"relu": Act(1), "tanh": Act(2)})``,
    whose string keys are then the stored keys. Users always get the real value
    back; a study loaded without its space gives back what JSON can hold exactly
    (tuples, numpy scalars, dicts with any keys) and the key of anything else.

    >>> Categorical(["relu", "tanh"]).contains("tanh")
    True
    >>> Categorical({"small": (8, 8), "large": (64, 64)}).keys
    ['small', 'large']
    """

    kind = "categorical"

    def __init__(
        self, choices: Sequence[Any] | Mapping[str, Any], *, label: str | None = None
    ) -> None:
        self.names: list[Any] | None = None
        if isinstance(choices, Mapping):
            self.names = list(choices.keys())
            choices = list(choices.values())
        self._not_a_list = isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence)
        self.choices = [] if self._not_a_list else list(choices)
        self._given = choices
        self.label = label
        # the space compiler replaces these with branch labels where choices are sub-spaces
        self.keys: list[Any] = [self.plain_key(i) for i in range(len(self.choices))]
        self._check_labelled()

    def plain_key(self, index: int) -> Any:
        """The stored key of the choice at ``index`` if it is not a branch."""
        if self.names is not None:
            return self.names[index]
        return choice_key(self.choices[index], index)

    def check(self, path: str) -> None:
        if self._not_a_list:
            raise ValueError(
                f"{path}: choices must be a list of values or sub-spaces, or a dict of named "
                f"choices, but got {self._given!r:.80}; write e.g. Categorical(['a', 'b'])"
            )
        if not self.choices:
            raise ValueError(
                f"{path}: a Categorical needs at least one choice, but got none; "
                f"give it a list of the values to try"
            )
        for name in self.names or ():
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"{path}: the names of a Categorical's choices are its stored keys and "
                    f"must be non-empty strings, but got {name!r}; write e.g. "
                    f"Categorical({{'relu': ..., 'tanh': ...}})"
                )

    def set_keys(self, keys: list[Any], path: str) -> None:
        seen: list[Any] = []
        for i, k in enumerate(keys):
            if k in seen:
                first = seen.index(k)
                raise ValueError(
                    f"{path}: choices must be distinct, but choices {first} and {i} are both "
                    f"stored as {k!r} (tuples are stored as lists, 1 equals 1.0 and True); "
                    f"drop one, or name the choices with a dict such as "
                    f"Categorical({{'a': ..., 'b': ...}})"
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
