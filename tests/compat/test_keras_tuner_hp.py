"""kt.HyperParameters on hypersweep trials, space discovery and objective directions:
no training here (tests/compat/test_keras_tuner.py trains real models)."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
pytest.importorskip("keras")

import hypersweep as hs
import hypersweep.compat.keras_tuner as kt
from hypersweep.compat.keras_tuner.hyperparameters import discover
from hypersweep.compat.keras_tuner.objective import as_objective, infer_direction


def space(hp: kt.HyperParameters) -> None:
    """A build(hp)-like function without a model: every kind, a scope and parent_name=."""
    kind = hp.Choice("kind", ["linear", "mlp"])  # the default closes the mlp branch
    with hp.conditional_scope("kind", "mlp"):
        if kind == "mlp":
            hp.Int("units", 32, 512, step=2, sampling="log")
            hp.Float("dropout", 0.0, 0.5, step=0.1)
    hp.Int("layers", 1, 3, parent_name="kind", parent_values=["mlp"])
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Boolean("bn")
    hp.Fixed("act", "relu")


def run(n: int, seed: int = 0) -> list[kt.HyperParameters]:
    """``space`` as n trials of a define-by-run study: what each trial's hp held."""
    seen: list[kt.HyperParameters] = []

    def objective(trial: hs.Trial) -> float:
        hp = kt.HyperParameters.drawn_by(lambda p: p.suggest(trial))
        space(hp)
        seen.append(hp)
        return float(hp["lr"])

    hs.create_study(sampler=hs.samplers.Random(seed=seed)).optimize(objective, n_trials=n,
                                                                     show_progress=False)
    return seen


def test_values_come_from_the_trial_and_respect_kinds_steps_and_scopes() -> None:
    seen = run(40)
    kinds = {hp["kind"] for hp in seen}
    assert kinds == {"mlp", "linear"}
    for hp in seen:
        v = hp.values
        assert 1e-4 <= v["lr"] <= 1e-1 and isinstance(v["bn"], bool) and v["act"] == "relu"
        if v["kind"] == "mlp":
            assert v["units"] in (32, 64, 128, 256, 512)  # a log step multiplies
            assert any(math.isclose(v["dropout"], k / 10) for k in range(6))
            assert v["layers"] in (1, 2, 3)
        else:  # inactive: never drawn, read as None
            assert "units" not in v and "layers" not in v
            assert hp.get("layers") is None and hp["layers"] is None
    assert len({hp["lr"] for hp in seen}) == 40  # really drawn, not the default
    assert {hp["units"] for hp in seen if hp["kind"] == "mlp"} >= {32, 512}


def test_from_values_rebuilds_the_same_values_and_defaults_the_rest() -> None:
    hp = kt.HyperParameters.from_values({"kind": "mlp", "units": 128, "lr": 0.01})
    space(hp)
    assert hp.values == {"kind": "mlp", "units": 128, "lr": 0.01, "dropout": 0.0, "layers": 1,
                         "bn": False, "act": "relu"}  # fmt: skip
    fresh = kt.HyperParameters()
    assert fresh.Int("n", 3, 9) == 3 and fresh.Choice("c", ["a", "b"], default="b") == "b"
    assert fresh.Int("n", 3, 9) == 3 and "n" in fresh and "m" not in fresh
    with pytest.raises(KeyError, match="'m' is not a defined hyperparameter"):
        fresh.get("m")


def test_discovery_opens_every_conditional_branch() -> None:
    found = discover(space)
    names = [p.name for p in found.space]
    assert names == ["kind", "layers", "lr", "bn", "act", "units", "dropout"]
    units = found.definition("units")
    assert units is not None and units.conditions[0].values == ("mlp",)
    assert units.grid_values() == [32, 64, 128, 256, 512]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda hp: hp.Int("n", 5, 1), r"min_value=5 is greater than max_value=1"),
        (lambda hp: hp.Float("x", 1.0, 0.5), r"min_value=1.0 is greater than max_value=0.5"),
        (lambda hp: hp.Float("x", 0.0, 1.0, sampling="log"), r"needs min_value > 0"),
        (lambda hp: hp.Int("n", 1, 8, step=1, sampling="log"), r"step must be > 1"),
        (lambda hp: hp.Choice("c", []), r"non-empty list"),
        (lambda hp: hp.Choice("c", [1, "a"]), r"all be of one type"),
        (lambda hp: hp.Int("n", 1.5, 3), r"min_value must be an integer"),
        (lambda hp: hp.Int("n", 1, 3, parent_name="nope", parent_values=[1]),
         r"no parameter 'nope' is defined yet"),
    ],
)
def test_bad_definitions_fail_with_one_clear_error(call: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call(kt.HyperParameters())


@pytest.mark.parametrize(
    ("metric", "direction"),
    [("val_loss", "min"), ("loss", "min"), ("val_accuracy", "max"), ("accuracy", "max"),
     ("val_auc", "max"), ("val_auc_1", "max"), ("val_mean_squared_error", "min"),
     ("val_sparse_categorical_accuracy", "max"), ("val_mae", "min"), ("precision", "max")],
)
def test_direction_is_inferred_like_keras_tuner(metric: str, direction: str) -> None:
    assert infer_direction(metric) == direction
    assert as_objective(metric) == kt.Objective(metric, direction)


def test_objective_bad_input() -> None:
    with pytest.raises(ValueError, match=r"kt.Objective\('val_score', direction='min'\)"):
        as_objective("val_score")
    with pytest.raises(ValueError, match="direction must be 'min' or 'max'"):
        kt.Objective("val_loss", "minimize")
    assert as_objective(None) == kt.Objective("val_loss", "min")
    assert kt.Objective("val_loss", "min").study_direction == "minimize"
