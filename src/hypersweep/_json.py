"""The one conversion of user values to JSON: what storage keeps and what outputs print.

>>> jsonable({1: (2.5, float("inf")), "f": len})
{'1': [2.5, 'inf'], 'f': 'builtins.len'}
"""

from __future__ import annotations

import json
import math
from typing import Any

_PLAIN = (str, int, bool, type(None))


def jsonable(value: Any) -> Any:
    """``value`` as valid JSON (no NaN or infinity): dict keys become strings, tuples
    lists, non-finite floats their name ("inf", "nan"), classes and functions their
    qualified name, anything else its repr. Stable across processes, so it can key
    a categorical choice."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:  # the common case after the plain ones: no isinstance chain
        return value if math.isfinite(value) else repr(value)
    if kind is dict:
        return {k if type(k) is str else _key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(float(value))
    if isinstance(value, int):  # int subclasses such as numpy's and IntEnum members
        return int(value) if not isinstance(value, bool) else bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if module and name:
        return f"{module}.{name}"
    return repr(value)


def _key(key: Any) -> str:
    """A dict key as JSON writes it: strings stay, True -> "true", (2, 3) -> "[2, 3]"."""
    if isinstance(key, str):
        return key
    plain = jsonable(key)
    return plain if isinstance(plain, str) else json.dumps(plain)
