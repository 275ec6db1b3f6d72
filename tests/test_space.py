"""Spaces: naming, sampling, conditional branches, validation, round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hypersweep as hs
from hypersweep.space import Space, changes

MLP = {
    "lr": hs.Float(1e-5, 1e-1, log=True),
    "batch_size": hs.Int(16, 1024, log=True),
    "units": hs.Int(16, 512, step=16),
    "activation": hs.Categorical(["relu", "tanh", "sigmoid"]),
    "init_scale": hs.Normal(1.0, 0.2),
    "model": hs.Categorical(
        [
            {"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
            {"kind": "knn", "k": hs.Int(1, 50)},
        ]
    ),
    "dense_layers": hs.Repeat(
        {"neurons": hs.Int(8, 256, log=True), "dropout": hs.Float(0.0, 0.5)}, min=1, max=4
    ),
    "epochs": 5,
}


def test_leaves_get_dotted_names() -> None:
    space = Space(MLP)
    assert list(space.leaves) == [
        "lr", "batch_size", "units", "activation", "init_scale", "model", "model.svm.C",
        "model.knn.k", "dense_layers.len",
        *[f"dense_layers.{i}.{k}" for i in range(4) for k in ("neurons", "dropout")],
    ]  # fmt: skip


def test_sample_returns_real_values_nested_like_the_space() -> None:
    space = Space(MLP)
    rng = np.random.default_rng(0)
    kinds = set()
    for _ in range(300):
        p = space.sample(rng)
        assert p["epochs"] == 5
        assert p["activation"] in ("relu", "tanh", "sigmoid")
        assert 1e-5 <= p["lr"] <= 1e-1
        assert p["units"] % 16 == 0 and 16 <= p["units"] <= 512
        assert isinstance(p["batch_size"], int)
        assert 1 <= len(p["dense_layers"]) <= 4
        kinds.add(p["model"]["kind"])
        if p["model"]["kind"] == "svm":
            assert set(p["model"]) == {"kind", "C"}
        else:
            assert set(p["model"]) == {"kind", "k"} and isinstance(p["model"]["k"], int)
        space.validate(p)
    assert kinds == {"svm", "knn"}


def test_hyperopt_nested_space_10000_samples_valid_for_branch_taken() -> None:
    from hypersweep import hp

    space = Space(
        {
            "preprocess": hp.choice("preprocess", ["none", "scale", "normalise"]),
            "classifier": hp.choice(
                "classifier",
                [
                    {"type": "knn", "n_neighbors": hp.randint("knn_n", 1, 31)},
                    {
                        "type": "svm",
                        "C": hp.loguniform("svm_C", -5, 5),
                        "kernel": hp.choice(
                            "svm_kernel",
                            [
                                {"ktype": "linear"},
                                {"ktype": "rbf", "gamma": hp.lognormal("g", 0, 1)},
                            ],
                        ),
                    },
                    {"type": "tree", "max_depth": hp.quniform("depth", 1, 10, 1)},
                    {"type": "forest", "n_estimators": hp.uniformint("trees", 10, 200)},
                ],
            ),
        }
    )
    rng = np.random.default_rng(1)
    seen = {"knn": 0, "svm": 0, "tree": 0, "forest": 0}
    for _ in range(10_000):
        p = space.sample(rng)
        c = p["classifier"]
        seen[c["type"]] += 1
        if c["type"] == "knn":
            assert set(c) == {"type", "n_neighbors"} and 1 <= c["n_neighbors"] <= 30
        elif c["type"] == "svm":
            assert np.exp(-5) - 1e-12 <= c["C"] <= np.exp(5) + 1e-9
            k = c["kernel"]
            assert k == {"ktype": "linear"} or (set(k) == {"ktype", "gamma"} and k["gamma"] > 0)
        elif c["type"] == "tree":
            assert set(c) == {"type", "max_depth"} and float(c["max_depth"]).is_integer()
            assert 1 <= c["max_depth"] <= 10
        else:
            assert set(c) == {"type", "n_estimators"} and 10 <= c["n_estimators"] <= 200
        assert p["preprocess"] in ("none", "scale", "normalise")
    assert min(seen.values()) > 2200  # each branch about 1/4 of the time


@pytest.mark.parametrize(
    ("definition", "match"),
    [
        ({"a": hs.Float(1, 0)}, r"low <= high.*low=1.0, high=0.0"),
        ({"a": {"b": hs.Float(0, 1, log=True)}}, r"a\.b: a log-scaled range needs low > 0"),
        ({"a": hs.Categorical([])}, r"at least one choice"),
        ({"a": hs.Int(0, 5, step=0)}, r"step must be > 0"),
        ({"a": hs.Normal(0, -1)}, r"sigma must be > 0"),
        ({"a": hs.Categorical(["x", "x"])}, r"a: choices must be distinct"),
    ],
)
def test_bad_definitions_raise_value_error_naming_the_path(definition: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Space(definition)


def test_bad_definition_fails_when_the_space_is_built_not_at_sampling() -> None:
    with pytest.raises(ValueError, match=r"^net\.width: low of an Int must be an integer"):
        Space({"net": {"width": hs.Int(0.5, 3)}})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^layers: 0 <= min <= max"):
        Space({"layers": hs.Repeat({"a": hs.Int(0, 1)}, min=3, max=2)})
    with pytest.raises(ValueError, match=r"^model\.svm\.C: low <= high"):
        Space({"model": hs.Categorical([{"kind": "svm", "C": hs.Float(2.0, 1.0)}])})
    with pytest.raises(ValueError, match="low <= high"):
        hs.minimize(lambda p: 0.0, {"x": hs.Float(2.0, 1.0)}, n_trials=1, verbosity=0)


def test_duplicate_labels_are_rejected() -> None:
    from hypersweep import hp

    with pytest.raises(ValueError, match="x: two parameters have this name"):
        Space({"a": hp.uniform("x", 0, 1), "b": hp.uniform("x", 0, 2)})


def test_validate_names_the_offending_path() -> None:
    space = Space(MLP)
    good = space.sample(0)
    bad = json.loads(json.dumps(good))
    bad["units"] = 17
    with pytest.raises(ValueError, match=r"units: 17 is not a valid value"):
        space.validate(bad)
    bad = json.loads(json.dumps(good))
    bad["model"] = {"kind": "svm", "C": -1.0}
    with pytest.raises(ValueError, match=r"model: .* matches none of the choices"):
        space.validate(bad)
    bad = json.loads(json.dumps(good))
    bad["dense_layers"] = []
    with pytest.raises(ValueError, match="dense_layers: expected a list of 1 to 4"):
        space.validate(bad)
    assert not space.contains({"lr": 0.1})


def test_non_json_choices_come_back_as_objects() -> None:
    class Scaler:
        pass

    space = Space({"pre": hs.Categorical([None, Scaler, (1, 2)])})
    flat_keys = space.leaves["pre"].keys  # type: ignore[attr-defined]
    assert flat_keys[0] is None and flat_keys[2] == [1, 2] and "Scaler" in flat_keys[1]
    got = {repr(space.sample(i)["pre"]) for i in range(40)}
    assert got == {"None", repr(Scaler), "(1, 2)"}
    assert space.build({"pre": flat_keys[1]}) == {"pre": Scaler}


def test_json_round_trip_keeps_leaves_and_compatibility() -> None:
    space = Space(MLP)
    data = json.loads(json.dumps(space.to_json()))
    again = Space.from_json(data)
    assert again.leaves == space.leaves
    assert changes(space, again) == []


def test_changes_allows_growth_and_refuses_incompatible_edits() -> None:
    old = Space({"a": hs.Categorical(["x", "y"]), "b": hs.Float(0, 1)})
    grown = Space({"a": hs.Categorical(["x", "y", "z"]), "b": hs.Float(0, 2), "c": hs.Int(1, 3)})
    assert changes(old, grown) == []
    shrunk = Space({"a": hs.Categorical(["x"]), "b": hs.Int(0, 1)})
    problems = changes(old, shrunk)
    assert any("lost the choices ['y']" in p for p in problems)
    assert any("changed from float to int" in p for p in problems)


def test_grid_cells_follow_branches() -> None:
    space = Space(
        {
            "model": hs.Categorical(
                [{"kind": "a", "x": hs.Int(1, 3)}, {"kind": "b", "y": hs.Categorical([1, 2])}]
            ),
            "z": hs.Categorical([True, False]),
        }
    )
    cells = space.grid(lambda path, p: p.grid(5))
    assert len(cells) == (3 + 2) * 2
    assert all(("model.a.x" in c) != ("model.b.y" in c) for c in cells)
    assert len({json.dumps(c, sort_keys=True) for c in cells}) == len(cells)


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(1e-6, 1e6),
    log=st.booleans(),
    step=st.one_of(st.none(), st.floats(1e-3, 10)),
    seed=st.integers(0, 2**32 - 1),
)
def test_float_samples_are_contained_and_round_trip(
    low: float, width: float, log: bool, step: float | None, seed: int
) -> None:
    if log:
        low = abs(low) + 1e-3
    high = low + width
    if step is not None and step > width:
        step = None
    p = hs.Float(low, high, log=log, step=step)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        v = p.sample(rng)
        assert p.contains(v), (v, p)
        assert p.from_internal(p.to_internal(v)) == pytest.approx(v, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(-1000, 1000),
    width=st.integers(0, 1000),
    step=st.integers(1, 7),
    log=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_int_samples_are_contained_and_cover_the_ends(
    low: int, width: int, step: int, log: bool, seed: int
) -> None:
    if log:
        low, step = abs(low) + 1, 1
    high = low + width - (width % step)
    p = hs.Int(low, high, step=step, log=log)
    rng = np.random.default_rng(seed)
    values = [p.sample(rng) for _ in range(50)]
    assert all(p.contains(v) and isinstance(v, int) for v in values)
    assert p.from_internal(p.to_internal(high)) == high
    assert p.from_internal(p.to_internal(low)) == low


def test_int_ends_are_as_likely_as_inner_values() -> None:
    p = hs.Int(0, 4)
    rng = np.random.default_rng(0)
    counts = np.bincount([p.sample(rng) for _ in range(20_000)], minlength=5)
    assert counts.min() > 3700 and counts.max() < 4300  # 4000 each; a half-weight end gets 2200


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_flatten_build_round_trip_through_json(seed: int) -> None:
    space = Space(MLP)
    nested, flat = space.resolve(lambda _p, prm: prm.sample(np.random.default_rng(seed)))
    stored = json.loads(json.dumps(flat))
    assert space.flatten(nested) == flat
    assert space.build(stored) == nested


def test_labelled_parameters_are_checked_at_once() -> None:
    from hypersweep import hp

    with pytest.raises(ValueError, match=r"^lr: low <= high"):
        hp.uniform("lr", 2, 1)
    with pytest.raises(ValueError, match=r"^act: a Categorical needs at least one choice"):
        hp.choice("act", [])


def test_every_kind_reads_back_from_its_json_through_the_old_paths() -> None:
    import hypersweep.params as old

    from hypersweep.space import kinds

    assert old is kinds
    leaves = [
        kinds.Float(1e-4, 1.0, log=True),
        kinds.Float(0.0, 1.0, step=0.25),
        kinds.Int(16, 512, step=16),
        kinds.Normal(0.0, 2.0, step=0.5),
        kinds.LogNormal(0.0, 1.0),
        kinds.Categorical(["relu", None, 3]),
    ]
    for leaf in leaves:
        back = kinds.param_from_json(json.loads(json.dumps(leaf.to_json())))
        assert back == leaf and type(back) is type(leaf)
    with pytest.raises(ValueError, match="unknown parameter kind 'beta'"):
        kinds.param_from_json({"kind": "beta"})


def test_branch_label_is_the_first_constant_string_else_the_position() -> None:
    from hypersweep.space import branch_label

    assert branch_label({"kind": "svm", "C": hs.Float(1.0, 2.0)}, 0) == "svm"
    assert branch_label({"C": hs.Float(1.0, 2.0), "name": ""}, 3) == "3"
    space = Space({"m": hs.Categorical([{"kind": "svm", "C": hs.Float(1.0, 2.0)}, {"k": 1}])})
    leaf = space.leaves["m"]
    assert isinstance(leaf, hs.Categorical) and leaf.keys == ["svm", branch_label({"k": 1}, 1)]


def test_compiling_and_sampling_leave_the_definition_unchanged() -> None:
    C = hs.Float(1e-3, 1e3, log=True)
    knn = {"kind": "knn", "k": hs.Int(1, 50)}
    model = hs.Categorical([{"kind": "svm", "C": C}, knn, "dummy"])
    before = (dict(vars(C)), dict(vars(model)), dict(vars(knn["k"])))
    space = Space({"model": model, "layers": hs.Repeat({"n": hs.Int(8, 64)}, max=3)})
    for seed in range(20):
        space.validate(space.sample(seed))
    assert (dict(vars(C)), dict(vars(model)), dict(vars(knn["k"]))) == before
    compiled = space.leaves["model"]
    assert isinstance(compiled, hs.Categorical) and compiled.keys == ["svm", "knn", "dummy"]
    assert space.definition["model"] is model  # what the user gave, kept as given
