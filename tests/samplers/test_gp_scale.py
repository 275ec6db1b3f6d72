"""The GP at scale: refits on a schedule whose cache changes no proposal, and pending
trials modelled by fantasies (exact maths against direct formulas, then the sampler)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.samplers.gp import GP, acquisition, fitting, pending
from hypersweep.samplers.gp.model import Hyper, Posterior

BOX = {"x": hs.Float(-5, 10), "y": hs.Float(0, 15)}


def _branin(p: dict[str, float]) -> float:
    x, y = p["x"], p["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def _post(n: int = 14, seed: int = 0) -> Posterior:
    rng = np.random.default_rng(seed)
    f = rng.random((n, 2))
    y = np.sin(5 * f[:, 0]) + f[:, 1] ** 2
    return Posterior(f, (y - y.mean()) / y.std(), np.arange(2), Hyper(np.log([0.3, 0.6]), 0.0,
                     math.log(1e-4)))  # fmt: skip


# --- the refit schedule ---------------------------------------------------------------
def test_anchor_follows_every_trial_first_then_every_sixteenth_or_so() -> None:
    ns = np.arange(1, 3001)
    a = np.array([fitting.anchor(int(n)) for n in ns])
    assert np.array_equal(a[:64], ns[:64])
    assert np.all(a <= ns) and np.all(np.diff(a) >= 0)
    assert np.all(ns - a < ns / 16 + 1)  # never staler than ~6% of the trials
    assert len(set(a[ns > 64].tolist())) < 130  # far fewer fits than trials past 64


def test_cached_fits_give_exactly_the_fresh_proposals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same seed and history propose the same point whether the fit came from this
    sampler's cache or was computed anew (another process, a resumed study), also when
    an early trial finishes late and the anchor's data changes under the cache."""
    monkeypatch.setattr(fitting, "REFIT_EVERY_TRIAL", 8)
    monkeypatch.setattr(fitting, "STEP_SHIFT", 1)  # anchors every 2 ** (log2 n - 1)
    hs.set_verbosity(0)
    study = hs.create_study(space=BOX, sampler=hs.samplers.Random(seed=1))
    study.optimize(_branin, 12)
    late = study.ask()  # runs while the others finish: pending, then an early completion
    grown = GP(seed=4, n_startup_trials=5)
    hypers = []
    for i in range(12):
        if i == 8:
            study.tell(late, _branin(late.params))
        else:
            trial = study.ask()
            study.tell(trial, _branin(trial.params))
        number = len(study.trials)
        mine = grown.propose(study.history, number)
        hypers.append(grown.hyper_)
        assert mine == GP(seed=4, n_startup_trials=5).propose(study.history, number)
    assert grown._fits.hits >= 3 and grown._fits.misses >= 2
    assert any(a is b for a, b in itertools.pairwise(hypers))  # reused between anchors
    assert not all(a is b for a, b in itertools.pairwise(hypers))  # and refit at anchors


def test_ask_cost_stays_bounded_past_max_points() -> None:
    """Above ``max_points`` the posterior keeps the best half plus the most recent."""
    y = np.random.default_rng(0).random(1000)
    keep = fitting.subset(y, 400, np.random.default_rng(0), recent=True)
    assert len(keep) == 400
    assert set(np.argsort(y)[:200]) <= set(keep.tolist())
    assert set(range(1000 - 100, 1000)) <= set(keep.tolist())


# --- fantasies: the maths -----------------------------------------------------------
def test_posterior_with_several_target_columns_equals_one_posterior_per_column() -> None:
    post = _post()
    fp = np.array([[0.2, 0.3], [0.8, 0.1]])
    draws = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]])
    many = post.with_values(fp, draws)
    q = np.random.default_rng(2).random((6, 2))
    mean, var = many.predict(q)
    _, _, dmean, _ = many.predict_grad(q)
    for s in range(3):
        one = post.with_values(fp, draws[:, s])
        m1, v1 = one.predict(q)
        np.testing.assert_allclose(mean[:, s], m1, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(var, v1, rtol=1e-10)
        np.testing.assert_allclose(dmean[:, s], one.predict_grad(q)[2], rtol=1e-9, atol=1e-12)


def test_joint_draws_have_the_posterior_mean_and_covariance() -> None:
    post = _post()
    fp = np.array([[0.2, 0.3], [0.25, 0.32], [0.9, 0.9]])
    draws = post.sample_joint(fp, 20000, np.random.default_rng(3))
    mean, var = post.predict(fp)
    np.testing.assert_allclose(draws.mean(axis=1), mean, atol=4 * np.sqrt(var.max() / 20000))
    np.testing.assert_allclose(draws.var(axis=1), var + post.noise, rtol=0.05)
    corr = np.corrcoef(draws)
    assert corr[0, 1] > 0.8 and abs(corr[0, 2]) < corr[0, 1]  # near points move together


def test_averaged_log_ei_reduces_to_log_ei_and_its_gradient_is_exact() -> None:
    mean1, var = np.array([0.3, -0.2]), np.array([0.04, 0.5])
    same = np.repeat(mean1[:, None], 4, axis=1)
    np.testing.assert_allclose(
        acquisition.log_ei(same, var, np.full(4, -0.1)), acquisition.log_ei(mean1, var, -0.1)
    )
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=3)  # mean_s(x) = a_s . x + b_s
    best = np.array([-0.4, 0.1, 0.3])

    def value(x: np.ndarray) -> float:
        m = (x @ a + b)[None, :]
        v = np.array([0.2 + 0.1 * x @ x])
        return float(acquisition.log_ei(m, v, best)[0])

    x = np.array([0.3, -0.6])
    m = (x @ a + b)[None, :]
    v = np.array([0.2 + 0.1 * x @ x])
    dmean = a.T[None, :, :]  # (1, S, D)
    dvar = (0.2 * x)[None, :]
    got, grad = acquisition.log_ei_grad(m, v, dmean, dvar, best)
    assert got[0] == pytest.approx(value(x))
    np.testing.assert_allclose(grad[0], approx_fprime(x, value, 1e-7), rtol=1e-5, atol=1e-8)


def test_every_rule_collapses_ei_at_a_pending_point() -> None:
    post = _post()
    fp = np.array([[0.55, 0.45]])
    for rule in pending.RULES:
        out, best = pending.with_pending(post, fp, rule, np.random.default_rng(0))
        near = fp + 0.003
        far = np.array([[0.05, 0.95]])
        before = acquisition.log_ei(*post.predict(near), float(post.y.min()))
        after = acquisition.log_ei(*out.predict(near), best)
        assert after[0] < before[0] - 1.0, rule  # EI next to the pending point falls
        np.testing.assert_allclose(out.predict(far)[1], post.predict(far)[1], rtol=0.05)
    with pytest.raises(ValueError, match="unknown pending rule"):
        pending.with_pending(post, fp, "nope", np.random.default_rng(0))
    with pytest.raises(ValueError, match="pending must be one of"):
        GP(pending="kb")


# --- fantasies: the sampler ---------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_pending_proposals_are_distinct_and_differ_from_the_unpending_one(seed: int) -> None:
    hs.set_verbosity(0)
    study = hs.create_study(space=BOX, sampler=GP(seed=seed, pending="fantasies"))
    study.optimize(_branin, 16)
    alone = GP(seed=seed, pending="fantasies").propose(study.history, 16)
    asked = [study.ask() for _ in range(4)]
    unit = np.array([[(t.flat["x"] + 5) / 15, t.flat["y"] / 15] for t in asked])
    gaps = [np.linalg.norm(unit[i] - unit[j]) for i in range(4) for j in range(i)]
    assert min(gaps) > 0.02  # no two workers get (nearly) the same point
    with_pending = GP(seed=seed, pending="fantasies").propose(study.history, 16)
    assert with_pending != alone  # the running trials changed the choice
    for t in asked:
        study.tell(t, state=TrialState.FAIL)  # no longer pending: back to the first choice
    assert GP(seed=seed, pending="fantasies").propose(study.history, 16) == alone
