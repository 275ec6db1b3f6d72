"""Auto: the switching rule on constructed histories, and the same choices on resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.history import History
from hypersweep.samplers.auto import Auto
from hypersweep.trial import Direction, FrozenTrial, TrialState

NUMERIC = {"x": hs.Float(-5, 5), "n": hs.Int(1, 64, log=True)}


def _history(space: Any, states: list[TrialState], values: list[float] | None = None) -> History:
    rng = np.random.default_rng(0)
    trials = []
    for i, state in enumerate(states):
        flat = {"x": float(rng.uniform(-5, 5)), "n": int(rng.integers(1, 65))}
        value = (values[i] if values else flat["x"] ** 2) if state is TrialState.COMPLETE else None
        trials.append(FrozenTrial(i, state, params=flat, flat=flat,
                                  values=None if value is None else (value,)))  # fmt: skip
    return History(Direction.MINIMIZE, hs.Space(space) if space is not None else None,
                   lambda: trials)  # fmt: skip


def test_numeric_spaces_use_gp_then_cmaes_from_the_switch_point() -> None:
    auto = Auto(seed=0, gp_trials=20)
    assert auto.choice(_history(NUMERIC, [])) == "gp"
    done = [TrialState.COMPLETE] * 19
    assert auto.choice(_history(NUMERIC, done)) == "gp"
    # running, failed and pruned trials do not count towards the switch
    others = [TrialState.RUNNING, TrialState.FAIL, TrialState.PRUNED] * 5
    assert auto.choice(_history(NUMERIC, done + others)) == "gp"
    states = done[:10] + others + done[10:] + [TrialState.COMPLETE] * 3
    history = _history(NUMERIC, states)
    name, origin = auto._decide(history)
    assert name == "cmaes"
    # the 20th completed trial is number 10 + 15 + 9 = 34: CMA-ES generations start after
    assert origin == 35


def test_known_small_budget_keeps_gp() -> None:
    history = _history(NUMERIC, [TrialState.COMPLETE] * 40)
    assert Auto(seed=0, gp_trials=20).choice(history) == "cmaes"
    assert Auto(seed=0, gp_trials=20, budget=20).choice(history) == "gp"


@pytest.mark.parametrize(
    "space",
    [
        {"model": hs.Categorical([{"kind": "a", "x": hs.Float(0, 1)}, {"kind": "b"}])},
        {"x": hs.Float(0, 1), "layers": hs.Repeat({"u": hs.Int(1, 8)}, min=1, max=3)},
        None,  # define-by-run
    ],
)
def test_categorical_conditional_and_define_by_run_spaces_use_tpe(space: Any) -> None:
    history = _history(space, [TrialState.COMPLETE] * 300) if space is None else _history(
        space, [])  # fmt: skip
    assert Auto(seed=0).choice(history) == "tpe"


def test_flat_spaces_with_a_categorical_use_gp_then_cmaes_unless_all_are_categorical() -> None:
    space = {"x": hs.Float(-5, 5), "n": hs.Int(1, 64, log=True),
             "act": hs.Categorical(["relu", "tanh"])}  # fmt: skip
    auto = Auto(seed=0, gp_trials=20)
    assert auto.choice(_history(space, [TrialState.COMPLETE] * 19)) == "gp"
    assert auto._decide(_history(space, [TrialState.COMPLETE] * 20)) == ("cmaes", 20)
    choices = {"act": hs.Categorical(["relu", "tanh"]), "opt": hs.Categorical(["a", "b", "c"])}
    assert auto.choice(_history(choices, [TrialState.COMPLETE] * 19)) == "gp"
    assert auto.choice(_history(choices, [TrialState.COMPLETE] * 20)) == "tpe"


def test_mixed_space_runs_through_the_switch_and_resumes_alike(tmp_path: Path) -> None:
    """On a flat space with a categorical, CMA-ES takes over after the GP trials, keeps
    proposing every leaf (the categorical too), and a resumed study repeats it."""
    space = {"x": hs.Float(-5, 5), "act": hs.Categorical(["relu", "tanh", "sigmoid"])}

    def loss(p: dict[str, Any]) -> float:
        return (p["x"] - 1.3) ** 2 + (p["act"] != "tanh")

    def auto() -> Auto:
        return Auto(seed=2, gp_trials=10)

    straight = hs.create_study(space=space, sampler=auto(), seed=2)
    straight.optimize(loss, 24)
    assert straight.sampler.choice(straight.history) == "cmaes"  # type: ignore[attr-defined]
    after = [t.params for t in straight.trials[10:]]
    assert len({p["act"] for p in after}) >= 2 and len({p["x"] for p in after}) == 14
    url = f"sqlite:///{tmp_path / 'm.db'}"
    first = hs.create_study("m", storage=url, space=space, sampler=auto(), seed=2)
    first.optimize(loss, 13)  # stopped after the switch
    again = hs.load_study("m", storage=url, space=space, sampler=auto())
    again.optimize(loss, 24)
    assert [t.params for t in again.trials] == [t.params for t in straight.trials]


def test_cmaes_warm_starts_at_the_best_gp_trials() -> None:
    """The first CMA-ES distribution sits at the best earlier trials (x near 3, unit
    position 0.8), not at the centre of the box, with a step below sigma0."""
    rng = np.random.default_rng(1)
    xs = rng.uniform(-5, 5, 80)
    values = list((xs - 3.0) ** 2)
    history = _history(NUMERIC, [TrialState.COMPLETE] * 80, values)
    for t, x in zip(history.trials, xs):
        t.flat["x"] = float(x)
    auto = Auto(seed=0, gp_trials=80)
    name, origin = auto._decide(history)
    assert (name, origin) == ("cmaes", 80)
    state = auto._cma().state(history, origin)
    assert abs(state.mean[0] - 0.8) < 0.05 and state.sigma < 0.25


def _loss(p: dict[str, Any]) -> float:
    return (p["x"] - 1.3) ** 2 + (np.log2(p["n"]) - 3) ** 2


def test_resumed_study_makes_the_same_choices(tmp_path: Path) -> None:
    """Stop during the GP phase, resume with a new sampler: the same trials follow,
    through the switch to CMA-ES."""

    def auto() -> Auto:
        return Auto(seed=4, gp_trials=12)

    straight = hs.create_study(space=NUMERIC, sampler=auto(), seed=4)
    straight.optimize(_loss, 22)
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = hs.create_study("a", storage=url, space=NUMERIC, sampler=auto(), seed=4)
    first.optimize(_loss, 9)
    again = hs.load_study("a", storage=url, space=NUMERIC, sampler=auto())
    again.optimize(_loss, 22)
    assert [t.params for t in again.trials] == [t.params for t in straight.trials]
    auto = again.sampler
    assert isinstance(auto, Auto) and auto.choice(again.history) == "cmaes"


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="budget"):
        Auto(budget=0)
    assert isinstance(hs.samplers.from_name("auto"), Auto)
    assert isinstance(hs.samplers.from_name(None), hs.samplers.Random)
