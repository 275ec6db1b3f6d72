"""Choice values as exact JSON, so a stored space gives them back with their types.

A categorical choice is *keyed* by :func:`hypersweep._json.jsonable` (tuples become
lists, dict keys strings, numpy scalars their repr). The key names a choice; it is
not the value. To give values back exactly when a study is loaded without its
space, the stored space also keeps each choice that is not plain JSON in a typed
form written here. Every dict of that form is a tag:

========================  =========================================
``(1, 2)``                ``{"tuple": [1, 2]}``
``{1: "a", (2,): "b"}``   ``{"dict": [[1, "a"], [{"tuple": [2]}, "b"]]}``
``float("nan")``          ``{"float": "nan"}``
``np.float32(1.5)``       ``{"numpy": "float32", "value": 1.5}``
========================  =========================================

Lists, strings, finite floats, ints, bools and None stay as they are. Other
objects (classes, functions, instances of one's own classes) cannot be written
as JSON: :func:`encode` raises ValueError for them, and only the space itself (passed
to ``load_study``) gives them back.

>>> decode(encode((1, {2: (3.5, None)})))
(1, {2: (3.5, None)})
"""

from __future__ import annotations

import math
from typing import Any

_SCALARS = (str, int, bool, type(None))
_NUMPY_KINDS = "biuf"  # bool, int, unsigned, float: their .item() is exact


class _NotJson(Exception):
    pass


def is_plain(value: Any) -> bool:
    """True if JSON keeps ``value`` exactly (same value, same types), so no typed form is needed."""
    if type(value) in _SCALARS:
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(is_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and is_plain(v) for k, v in value.items())
    return False


def encode(value: Any) -> Any:
    """The typed JSON form of ``value``; ValueError if it has none that rebuilds it exactly."""
    try:
        data = _encode(value)
        back = decode(data)
    except (_NotJson, RecursionError, TypeError, ValueError, OverflowError):
        raise ValueError(f"{value!r:.80} cannot be stored as typed JSON") from None
    if not same(back, value):
        raise ValueError(f"{value!r:.80} does not come back exactly from typed JSON")
    return data


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is list:
        return [_encode(v) for v in value]
    if kind is tuple:
        return {"tuple": [_encode(v) for v in value]}
    if kind is dict:
        return {"dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    dtype: Any = getattr(value, "dtype", None)
    numpy_scalar = kind.__module__ == "numpy" and getattr(value, "shape", None) == ()
    if numpy_scalar and getattr(dtype, "kind", "") in _NUMPY_KINDS:
        item = value.item()
        out = _encode(float(item) if dtype.kind == "f" else item)
        return {"numpy": dtype.name, "value": out}
    raise _NotJson(kind)


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {decode(k): decode(v) for k, v in data["dict"]}
    if "float" in data:
        return float(data["float"])
    if "numpy" in data:
        import numpy as np  # lazily: only a stored numpy choice needs it

        return np.dtype(data["numpy"]).type(decode(data["value"]))
    raise ValueError(f"not a stored value: {data!r:.100}")


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (so 1 is not 1.0, nor (1,) [1])."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        keys_a, keys_b = list(a), list(b)
        return (
            len(keys_a) == len(keys_b)
            and all(same(x, y) for x, y in zip(keys_a, keys_b))
            and all(same(a[k], b[k]) for k in keys_a)
        )
    if isinstance(a, float) or getattr(getattr(a, "dtype", None), "kind", "") == "f":
        x, y = float(a), float(b)
        return (x == y and math.copysign(1, x) == math.copysign(1, y)) or (x != x and y != y)
    try:
        return bool(a == b)
    except Exception:  # objects whose == does not give a bool
        return False
