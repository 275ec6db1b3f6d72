"""Categorical choices keep their stored keys, come back as they went in, and odd
definitions are refused when the space is built."""

from __future__ import annotations

import enum
import itertools
import json
import tempfile
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hypersweep as hs
from hypersweep.space import json_key
from hypersweep.space.values import same


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
SCRIPT = """
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
bare = hs.load_study("objects", storage=url)
print(json.dumps({
    "n": len(acts),
    "acts_are_the_objects": all(any(a is b for b in ACTS) for a in acts),
    "named": sorted({a.n for a in named}),
    "keys": sorted({t.flat["act"] for t in again.trials}),
    "without_space": sorted({t.params["act"] for t in bare.trials}),
    "by_run": len(dbr.trials),
}))
"""


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


# --- values come back as they went in -----------------------------------------------
def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=5),
        st.booleans(),
        st.none(),
        st.floats(width=32, allow_nan=False).map(np.float32),
        st.floats(allow_nan=False).map(np.float64),
        st.integers(-(2**63), 2**63 - 1).map(np.int64),
        st.integers(-(2**31), 2**31 - 1).map(np.int32),
        st.booleans().map(np.bool_),
    )


_HASHABLE = st.recursive(
    st.one_of(st.integers(-5, 5), st.text(max_size=3)),
    lambda inner: st.tuples(inner, inner),
    max_leaves=4,
)
CHOICES = st.recursive(
    _scalars(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_HASHABLE, inner, max_size=3),
    ),
    max_leaves=6,
)


_FRESH = itertools.count()  # a new database file per example: storages are cached by URL


def _distinct_keys(choices: list[Any]) -> bool:
    keys = [json_key(c) for c in choices]
    return all(a != b for i, a in enumerate(keys) for b in keys[:i])


@settings(max_examples=25, deadline=None)
@given(choices=st.lists(CHOICES, min_size=1, max_size=4))
def test_choices_round_trip_exactly_through_sqlite(choices: list[Any]) -> None:
    assume(_distinct_keys(choices))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/values{next(_FRESH)}.db"
        space = {"c": hs.Categorical(choices), "fixed": (1, {2: np.int8(3)})}
        study = hs.create_study("values", storage=url, space=space, sampler="random", seed=0)
        study.optimize(lambda p: float(len(study.trials)), n_trials=len(choices))
        ran = [t.params["c"] for t in study.trials]
        assert all(any(same(c, choice) for choice in choices) for c in ran)
        for loaded in (hs.load_study("values", storage=url),
                       hs.load_study("values", storage=url, space=space)):  # fmt: skip
            got = [t.params for t in loaded.trials]
            assert len(got) == len(ran) >= 1
            for want, params in zip(ran, got):
                assert same(params["c"], want), (params["c"], want)
                assert same(params["fixed"], (1, {2: np.int8(3)}))
            assert same(loaded.best_params["c"], ran[0])


def test_stored_space_of_ordinary_choices_is_unchanged() -> None:
    """Written down before typed values were stored: plain spaces keep their JSON."""
    from hypersweep.space import Space

    space = Space(
        {
            "act": hs.Categorical(["relu", 1, 2.5, False, None, [1, "a"], {"k": 1}]),
            "model": hs.Categorical(
                [
                    {"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
                    {"kind": "knn", "k": hs.Int(1, 50)},
                    "none",
                ]
            ),
            "layers": hs.Repeat({"n": hs.Int(8, 256, log=True)}, min=1, max=2),
            "epochs": 5,
            "lr": hs.Normal(0, 1, step=0.5),
        }
    )
    assert json.dumps(space.to_json()) == (
        '{"act": {"__hs__": "categorical", "choices": ["relu", 1, 2.5, false, null, [1, "a"], '
        '{"k": 1}]}, "model": {"__hs__": "categorical", "choices": [{"kind": "svm", "C": '
        '{"__hs__": "float", "low": 0.001, "high": 1000.0, "log": true}}, {"kind": "knn", "k": '
        '{"__hs__": "int", "low": 1, "high": 50}}, "none"]}, "layers": {"__hs__": "repeat", '
        '"of": {"n": {"__hs__": "int", "low": 8, "high": 256, "log": true}}, "min": 1, "max": 2}, '
        '"epochs": 5, "lr": {"__hs__": "normal", "mu": 0.0, "sigma": 1.0, "step": 0.5}}'
    )
    # the keys (what trials store) of choices that are not plain JSON do not change either
    odd = Space({"c": hs.Categorical([(3, 4), {2: "x"}, np.float32(1.5), len])})
    assert odd.leaves["c"].keys == [[3, 4], {"2": "x"}, "np.float32(1.5)", "builtins.len"]
    assert odd.to_json()["c"]["choices"] == odd.leaves["c"].keys


# --- extreme definitions are refused when the space is built, naming the parameter ---
EXTREME = [
    (lambda: hs.Float(-1e308, 1e308), r"high - low must be a finite float"),
    (lambda: hs.LogNormal(0, 1000), r"\|mu\| \+ 8\*sigma must be at most 700"),
    (lambda: hs.Normal(0, 1e307), r"\|mu\| \+ 8\*sigma must be at most 1e\+307"),
    (lambda: hs.Int(0, 10**400), r"high of an Int must lie within \+-2\*\*53"),
    (lambda: hs.Int(-(2**53) - 1, 0), r"low of an Int must lie within \+-2\*\*53"),
    (lambda: hs.Float(0, 1, log="yes"), r"log must be True or False, but got log='yes'"),
    (lambda: hs.Int(1, 9, log=1), r"log must be True or False, but got log=1"),
    (lambda: hs.Float(0, 1, step=5), r"step must be at most high - low = 1.0, but got step=5"),
    (lambda: hs.Int(0, 10, step=20), r"step must be at most high - low = 10"),
    (lambda: hs.Float(0, 1e308, step=1e-308), r"\(high - low\) / step must be a finite"),
    (lambda: hs.Float(0, 10**400), r"high must be a finite float"),
]


@pytest.mark.parametrize(("make", "rule"), EXTREME)
def test_extreme_definitions_are_refused_naming_the_path(make: Any, rule: str) -> None:
    from hypersweep.space import Space

    with pytest.raises(ValueError, match=rf"^model\.x: {rule}.*; "):
        Space({"model": {"x": make()}})


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: hs.hp.loguniform("lr", -5, 1000), r"the bounds of loguniform are logarithms"),
        (lambda: hs.hp.qloguniform("lr", -1000, 0, 0.1), r"the bounds of loguniform are"),
        (lambda: hs.hp.lognormal("s", 0, 1000), r"\|mu\| \+ 8\*sigma must be at most 700"),
        (lambda: hs.hp.quniform("q", 0, 1, 5), r"step must be at most high - low"),
        (lambda: hs.hp.uniform("u", -1e308, 1e308), r"high - low must be a finite float"),
        (lambda: hs.hp.randint("n", 10**400), r"high of an Int must lie within"),
        (lambda: hs.hp.randint("n", 1.5, 3), r"randint needs integers low < high"),
    ],
)
def test_hyperopt_spellings_refuse_extremes_at_once(make: Any, rule: str) -> None:
    with pytest.raises(ValueError, match=rf"^\w+: {rule}"):
        make()


@pytest.mark.parametrize(
    ("suggest", "rule"),
    [
        (lambda t: t.suggest_float("x", -1e308, 1e308), r"high - low must be a finite"),
        (lambda t: t.suggest_float("x", 0, 1, log="yes"), r"log must be True or False"),
        (lambda t: t.suggest_float("x", 0, 1, step=5), r"step must be at most high - low"),
        (lambda t: t.suggest_int("x", 0, 10**400), r"high of an Int must lie within"),
    ],
)
def test_define_by_run_refuses_extremes(suggest: Any, rule: str) -> None:
    study = hs.create_study(seed=0)
    trial = study.ask()
    with pytest.raises(ValueError, match=rf"^x: {rule}"):
        suggest(trial)


def test_wide_but_finite_ranges_still_sample_across_the_range() -> None:
    from hypersweep.space import Space

    space = Space({"x": hs.Float(-8e307, 8e307), "n": hs.Int(-(2**53), 2**53)})
    draws = [space.sample(seed) for seed in range(20)]
    assert len({d["x"] for d in draws}) == 20 and min(d["x"] for d in draws) < 0
    assert len({d["n"] for d in draws}) == 20


def test_lognormal_values_stay_finite_far_out() -> None:
    p = hs.LogNormal(0, 80)
    assert p.from_internal(10_000.0) < float("inf")


# --- keys of objects, named choices, and what refusals say ------------------------------
class Act:
    def __init__(self, n: int) -> None:
        self.n = n


def test_objects_with_an_address_in_their_repr_are_keyed_by_type_and_position() -> None:
    from hypersweep.space import Space

    acts = [Act(1), Act(2)]
    choices = [acts[0], "relu", frozenset({"a", "b"}), (acts[1], 3), frozenset({1, 2}), len]
    param = Space({"c": hs.Categorical(choices)}).leaves["c"]
    want = ["Act#0", "relu", "frozenset#2", "tuple#3", "frozenset({1, 2})", "builtins.len"]
    assert param.keys == want
    others = [Act(1), "relu", frozenset({"b", "a"}), (Act(2), 3), frozenset({2, 1}), len]
    again = Space({"c": hs.Categorical(others)}).leaves["c"]
    assert again.keys == param.keys  # what another process computes


def test_named_choices_are_stored_by_name_and_may_be_branches() -> None:
    from hypersweep.space import Space

    relu, tanh = Act(1), Act(2)
    space = Space(
        {
            "act": hs.Categorical({"relu": relu, "tanh": tanh}),
            "model": hs.Categorical({"svm": {"C": hs.Float(1e-3, 1.0, log=True)}, "none": None}),
        }
    )
    assert space.leaves["act"].keys == ["relu", "tanh"]
    assert sorted(space.leaves) == ["act", "model", "model.svm.C"]
    assert space.build({"act": "tanh", "model": "svm", "model.svm.C": 0.1}) == {
        "act": tanh,
        "model": {"C": 0.1},
    }
    assert space.build({"act": "relu", "model": "none"})["act"] is relu
    stored = Space.from_json(json.loads(json.dumps(space.to_json())))
    assert stored.leaves["act"].keys == ["relu", "tanh"]
    assert stored.build({"act": "tanh", "model": "none"}) == {"act": "tanh", "model": None}


@pytest.mark.parametrize(
    ("choices", "rule"),
    [
        ({1: "a"}, r"the names of a Categorical's choices .* must be non-empty strings"),
        ({"": "a"}, r"the names of a Categorical's choices"),
        (
            [(1, 2), [1, 2]],
            r"choices must be distinct, but choices 0 and 1 are both stored as \[1, 2\]",
        ),
        ([1, True], r"choices must be distinct, but choices 0 and 1 are both stored as True"),
        ("ab", r"choices must be a list of values or sub-spaces, or a dict"),
    ],
)
def test_bad_choices_are_refused_with_the_rule_and_the_fix(choices: Any, rule: str) -> None:
    from hypersweep.space import Space

    with pytest.raises(ValueError, match=rf"^c: {rule}.*; "):
        Space({"c": hs.Categorical(choices)})
