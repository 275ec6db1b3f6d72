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


# --- choices that are objects with the default repr (which shows a memory address) ----
SCRIPT = '''
import json, sys
import hypersweep as hs


class Act:
    def __init__(self, n):
        self.n = n


ACTS = [Act(1), Act(2), Act(3)]
SPACE = {
    "act": hs.Categorical(ACTS),
    "named": hs.Categorical({"relu": Act(10), "tanh": Act(20)}),
    "x": hs.Float(0, 1),
}


def objective(params):
    assert isinstance(params["act"], Act) and isinstance(params["named"], Act)
    return params["act"].n + params["named"].n / 100 + params["x"]


def by_run(trial):
    act = trial.suggest_categorical("act", [Act(1), Act(2)])
    assert isinstance(act, Act)
    return act.n + trial.suggest_float("x", 0, 1)


phase, url = sys.argv[1], sys.argv[2]
study = hs.create_study("objects", storage=url, space=SPACE, sampler="tpe", seed=1,
                        load_if_exists=phase == "2")
study.optimize(objective, n_trials=6 * int(phase))
dbr = hs.create_study("by-run", storage=url, seed=1, load_if_exists=phase == "2")
dbr.optimize(by_run, n_trials=6 * int(phase))
again = hs.load_study("objects", storage=url, space=SPACE)
acts = [t.params["act"] for t in again.trials]
named = [t.params["named"] for t in again.trials]
print(json.dumps({
    "n": len(acts),
    "acts_are_the_objects": all(any(a is b for b in ACTS) for a in acts),
    "named": sorted({a.n for a in named}),
    "keys": sorted({t.flat["act"] for t in again.trials}),
    "without_space": sorted({t.params["act"] for t in hs.load_study("objects", storage=url).trials}),
    "by_run": len(dbr.trials),
}))
'''


def test_objects_with_the_default_repr_resume_in_another_process(tmp_path: Any) -> None:
    import subprocess
    import sys

    script = tmp_path / "objects.py"
    script.write_text(SCRIPT)
    url = f"sqlite:///{tmp_path / 'objects.db'}"
    runs = []
    for phase in ("1", "2"):
        done = subprocess.run(
            [sys.executable, str(script), phase, url], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert runs[0]["n"] == 6 and runs[1]["n"] == 12
    assert runs[1]["acts_are_the_objects"]
    assert set(runs[1]["named"]) <= {10, 20}
    assert set(runs[1]["keys"]) <= {"Act#0", "Act#1", "Act#2"}
    assert runs[1]["without_space"] == runs[1]["keys"]  # no space: the stable keys
    assert runs[1]["by_run"] == 12
