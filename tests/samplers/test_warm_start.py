"""Warm start (``prior_studies``): TPE and GP learn from earlier, related studies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.samplers.warm import fade, read_priors

SPACE = {"x": hs.Float(-5, 5), "y": hs.Float(-5, 5), "c": hs.Categorical(["a", "b"])}


def task(shift: float, scale: float = 1.0) -> Callable[[dict[str, Any]], float]:
    def f(p: dict[str, Any]) -> float:
        return scale * ((p["x"] - 1 - shift) ** 2 + (p["y"] + 2) ** 2 + (p["c"] == "b"))

    return f


@pytest.fixture(scope="module")
def prior() -> hs.Study:
    """An earlier study of a related task, on another value scale."""
    r = hs.minimize(task(0.0, scale=100.0), SPACE, n_trials=60, seed=123, verbosity=0)
    return r.study


def test_fade_halves_after_the_given_number_of_own_trials() -> None:
    assert fade(0, 10) == 1.0 and fade(10, 10) == 0.5 and fade(30, 10) == 0.25


def test_tpe_warm_start_beats_cold_early_on_a_related_task(prior: hs.Study) -> None:
    warm, cold = [], []
    for seed in range(8):
        for out, given in ((warm, [prior]), (cold, None)):
            smp = hs.samplers.TPE(seed=seed, prior_studies=given)
            out.append(hs.minimize(task(0.4), SPACE, sampler=smp, n_trials=12,
                                   verbosity=0).best_value)  # fmt: skip
    wins = sum(w < c for w, c in zip(warm, cold))
    assert np.median(warm) < 0.5 * np.median(cold) and wins >= 6, (warm, cold)


def _first_params(prior_studies: list[Any], n: int = 3) -> list[dict[str, Any]]:
    smp = hs.samplers.TPE(seed=7, prior_studies=prior_studies)
    r = hs.minimize(task(0.4), SPACE, sampler=smp, n_trials=n, verbosity=0)
    return [t.params for t in r.trials]


def test_a_prior_is_ranked_in_its_own_direction(prior: hs.Study) -> None:
    """A study maximising the negated values holds the same evidence: same proposals."""
    flipped = hs.create_study(direction="maximize", space=SPACE)
    flipped.add_trials([{"params": t.params, "value": -t.value} for t in prior.trials])
    assert _first_params([flipped]) == _first_params([prior])
    # a list of trials has no direction of its own: it is taken as the new study's
    assert _first_params([list(prior.trials)]) == _first_params([prior])


def test_prior_read_from_sql_storages(
    prior: hs.Study, tmp_path: Any, postgres_databases: Callable[[], str]
) -> None:
    for url in (f"sqlite:///{tmp_path / 'old.db'}", postgres_databases()):
        hs.copy_study(prior.storage, prior.name, url, new_name="old")
        assert _first_params([(url, "old")]) == _first_params([prior])
        gp = hs.samplers.GP(seed=0, prior_studies=[(url, "old")])
        assert len(gp._priors[0].flats) == len(prior.trials)


def test_parameters_matched_by_name_others_ignored(prior: hs.Study) -> None:
    """Leaves the new space lacks, and values outside it, are ignored; the new study's
    own leaves not in the prior start from the usual random draws."""
    narrow = {"x": hs.Float(2, 5), "c": hs.Categorical(["a", "b", "z"]), "w": hs.Int(0, 3)}
    smp = hs.samplers.TPE(seed=0, prior_studies=[prior])
    r = hs.minimize(lambda p: (p["x"] - 3) ** 2 + p["w"], narrow, sampler=smp, n_trials=15,
                    verbosity=0)  # fmt: skip
    assert all(2 <= t.params["x"] <= 5 and set(t.params) == {"x", "c", "w"} for t in r.trials)
    assert r.best_value < 0.5


def test_gp_opens_with_the_priors_best_configurations(prior: hs.Study) -> None:
    ranked = sorted((t for t in prior.trials), key=lambda t: t.value)
    gp = hs.samplers.GP(seed=0, prior_studies=[prior], n_warm=3)
    r = hs.minimize(task(0.4), SPACE, sampler=gp, n_trials=4, verbosity=0)
    assert [t.params for t in r.trials[:3]] == [t.params for t in ranked[:3]]
    assert r.trials[3].params not in [t.params for t in ranked[:10]]  # then Sobol


def test_bad_prior_studies_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="prior_studies must be a list"):
        hs.samplers.TPE(prior_studies="runs.db")
    with pytest.raises(TypeError, match=r"prior_studies\[0\] must be a study"):
        read_priors([42], "TPE")
    with pytest.raises(ValueError, match="prior_fade must be a positive"):
        hs.samplers.TPE(prior_fade=0)
    mo = hs.create_study(directions=["minimize", "minimize"], space={"x": hs.Float(0, 1)})
    with pytest.raises(ValueError, match="single-objective studies only"):
        hs.samplers.TPE(prior_studies=[mo])


def test_a_warm_sampler_pickles_without_the_prior_study(prior: hs.Study) -> None:
    """Samplers travel by pickle to Dask and Ray workers: they keep the trials' data."""
    import pickle

    for cls in (hs.samplers.TPE, hs.samplers.GP):
        smp = cls(seed=0, prior_studies=[prior])
        copy = pickle.loads(pickle.dumps(smp))
        assert copy.prior_studies == (prior.name,)
