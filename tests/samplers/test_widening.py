"""Changing a running study's space: compatible changes are stored and recorded, and
the samplers keep learning from the trials that fit the new space."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.samplers.evolution._operators import clip_into
from hypersweep.samplers.gp._warm import modelled
from hypersweep.storage import MemoryStorage

WIDE = {"x": hs.Float(-5, 5), "y": hs.Float(-5, 5)}
NARROW = {"x": hs.Float(0, 3), "y": hs.Float(-3, 0)}


def bowl(p: dict[str, Any]) -> float:
    return (p["x"] - 1.3) ** 2 + (p["y"] + 0.7) ** 2


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'evolve.db'}"
    make: Callable[[], str] = request.getfixturevalue("postgres_databases")
    return make()


def test_compatible_changes_are_stored_and_recorded(url: str) -> None:
    start = {"x": hs.Float(0, 1), "c": hs.Categorical(["a", "b"]), "gone": hs.Int(0, 2)}
    hs.minimize(lambda p: p["x"], start, n_trials=4, storage=url, study="e", seed=0, verbosity=0)
    later = {"x": hs.Float(-1, 0.5), "c": hs.Categorical(["a", "b", "z"]), "d": hs.Int(1, 3)}
    study = hs.create_study("e", storage=url, space=later, load_if_exists=True)
    study.optimize(lambda p: p["x"] + p["d"], n_trials=6)
    assert set(study.trials[-1].params) == {"x", "c", "d"}
    again = hs.load_study("e", storage=url)
    assert set(again.space.leaves) == {"x", "c", "d"}
    [change] = again.system_attrs["space_changes"]
    assert change["at_trial"] == 4
    assert change["changes"] == ["'x' moved from [0.0, 1.0] to [-1.0, 0.5]",
                                 "'c' gained the choices ['z']", "added 'd'",
                                 "removed 'gone'"]  # fmt: skip
    with pytest.raises(hs.SpaceChanged, match="'x' changed from float to categorical"):
        hs.load_study("e", storage=url, space={**later, "x": hs.Categorical([0, 1])})


def _widened(sampler: Callable[[], Any], n_before: int, n: int, seed: int) -> list[float]:
    store = MemoryStorage()
    study = hs.create_study("w", storage=store, space=NARROW, sampler=sampler(), seed=seed)
    study.optimize(bowl, n_trials=n_before)
    study = hs.create_study("w", storage=store, space=WIDE, sampler=sampler(),
                            load_if_exists=True)  # fmt: skip
    study.optimize(bowl, n_trials=n)
    return [t.value for t in sorted(study.trials, key=lambda t: t.number)]


@pytest.mark.parametrize("name", ["tpe", "evolution"])
def test_a_widened_study_keeps_converging(name: str) -> None:
    """After widening at trial 30, the study is no worse at trial 50 than one that ran
    the wide space all along, and far better than random search (no fall-back)."""
    widened, unchanged, random = [], [], []
    for seed in range(6):
        widened.append(min(_widened(lambda: name, 30, 50, seed)))
        unchanged.append(hs.minimize(bowl, WIDE, sampler=name, seed=seed, n_trials=50,
                                     verbosity=0).best_value)  # fmt: skip
        random.append(hs.minimize(bowl, WIDE, sampler="random", seed=seed, n_trials=50,
                                  verbosity=0).best_value)  # fmt: skip
    lw, lu, lr = (np.log10(np.median(v)) for v in (widened, unchanged, random))
    assert lw <= lu + 0.3 and lw < lr - 0.5, (widened, unchanged, random)


def test_narrowing_leaves_outside_trials_out_and_proposals_inside() -> None:
    """TPE after narrowing: trials outside the range are left out of its model, and it
    still converges inside (better than random search in the narrow box)."""
    best = []
    for seed in range(4):
        store = MemoryStorage()
        s = hs.create_study("n", storage=store, space=WIDE, sampler="random", seed=seed)
        s.optimize(bowl, n_trials=30)
        s = hs.create_study("n", storage=store, space=NARROW, sampler="tpe",
                            load_if_exists=True)  # fmt: skip
        s.optimize(bowl, n_trials=60)
        new = [t for t in s.trials if t.number >= 30]
        assert all(0 <= t.params["x"] <= 3 and -3 <= t.params["y"] <= 0 for t in new)
        best.append(min(t.value for t in new))
    assert np.median(best) < 0.02, best


def test_gp_models_a_leaf_added_later() -> None:
    trials = [hs.FrozenTrial(number=i, state=hs.TrialState.COMPLETE, values=(1.0,),
                             flat={"x": 0.1} if i < 10 else {"x": 0.1, "z": 1})
              for i in range(16)]  # fmt: skip
    leaves = {"x": hs.Float(0, 1), "z": hs.Int(0, 3)}
    joint, done = modelled(leaves, trials, 10)
    assert list(joint) == ["x"] and len(done) == 16  # too few trials hold z yet
    joint, done = modelled(leaves, trials, 5)
    assert list(joint) == ["x", "z"] and [t.number for t in done] == list(range(10, 16))


def test_evolution_clips_a_parent_outside_a_narrowed_range() -> None:
    assert clip_into(hs.Float(0, 3), 4.5) == 3.0
    assert clip_into(hs.Int(2, 8, step=2), 11) == 8
    assert clip_into(hs.Categorical(["a"]), "b") is None


def test_qmc_continues_its_sequence_over_the_new_space() -> None:
    store = MemoryStorage()
    s = hs.create_study("q", storage=store, space=NARROW, sampler="qmc", seed=0)
    s.optimize(bowl, n_trials=16)
    s = hs.create_study("q", storage=store, space=WIDE, sampler="qmc", load_if_exists=True)
    s.optimize(bowl, n_trials=48)
    xs = np.array([[t.params["x"], t.params["y"]] for t in s.trials[16:]])
    assert xs.min() < -4 and xs.max() > 4 and len({tuple(r) for r in xs}) == 32
