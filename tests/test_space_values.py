"""Categorical choices keep their stored keys, come back as they went in, and odd
definitions are refused when the space is built."""

from __future__ import annotations

import enum
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from hypersweep.space import json_key


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    LOW = 1


# The keys existing studies were stored with: they must never change, or resuming
# such a study would raise SpaceChanged. Written down before the keys were touched.
STORED_KEYS: list[tuple[Any, str]] = [
    ("relu", '"relu"'),
    ("", '""'),
    ("ünï", '"\\u00fcn\\u00ef"'),
    (0, "0"),
    (-7, "-7"),
    (10**20, "100000000000000000000"),
    (2**53 + 1, "9007199254740993"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (1.5, "1.5"),
    (1e-300, "1e-300"),
    (1e300, "1e+300"),
    (float("inf"), '"inf"'),
    (float("-inf"), '"-inf"'),
    (float("nan"), '"nan"'),
    (True, "true"),
    (False, "false"),
    (None, "null"),
    ([1, "a", None], '[1, "a", null]'),
    ([], "[]"),
    ((1, 2), "[1, 2]"),
    (((1, 2), [3, (4,)]), "[[1, 2], [3, [4]]]"),
    ({"a": 1, "b": [1, 2]}, '{"a": 1, "b": [1, 2]}'),
    ({1: "x", (2, 3): "y", None: 0}, '{"1": "x", "[2, 3]": "y", "null": 0}'),
    ({}, "{}"),
    (np.float64(0.5), "0.5"),
    (np.float32(1.5), '"np.float32(1.5)"'),
    (np.int64(3), '"np.int64(3)"'),
    (np.int32(-2), '"np.int32(-2)"'),
    (np.bool_(True), '"np.True_"'),
    (len, '"builtins.len"'),
    (int, '"builtins.int"'),
    (json.dumps, '"json.dumps"'),
    (Color.RED, '"<Color.RED: 1>"'),
    (Level.LOW, "1"),
    (Fraction(1, 3), '"Fraction(1, 3)"'),
    (Decimal("1.5"), "\"Decimal('1.5')\""),
    (complex(1, 2), '"(1+2j)"'),
    (b"xy", "\"b'xy'\""),
    (range(3), '"range(0, 3)"'),
]


@pytest.mark.parametrize(("value", "stored"), STORED_KEYS, ids=[repr(v) for v, _ in STORED_KEYS])
def test_keys_of_ordinary_choices_never_change(value: Any, stored: str) -> None:
    assert json.dumps(json_key(value)) == stored
