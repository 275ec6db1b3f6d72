"""Batch rules for running trials: local penalties (shape, exact EI scaling, gradients)
and, for every rule, four workers never handed the same point."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.special import log_ndtr

import hypersweep as hs
from hypersweep.samplers.gp import GP, acquisition, batch, pending
from hypersweep.samplers.gp.model import Hyper, Posterior

LS = 0.2


def _post_1d() -> Posterior:
    f = np.array([[0.05], [0.3], [0.45], [0.7], [0.95]])
    y = np.sin(6 * f[:, 0])
    return Posterior(f, (y - y.mean()) / y.std(), np.arange(1), Hyper(np.log([LS]), 0.0,
                     math.log(1e-6)))  # fmt: skip


def _penalty(hard: bool) -> tuple[batch.Penalised, np.ndarray, np.ndarray]:
    post = _post_1d()
    out, threshold = batch.penalised(post, np.array([[0.55]]), np.random.default_rng(0),
                                     hard=hard, believe=False)  # fmt: skip
    assert isinstance(out, batch.Penalised) and threshold == 0.0
    x = np.linspace(0.0, 1.0, 401)[:, None]
    return out, x, out.log_penalty(x)[0]


def test_hard_penalty_is_zero_at_the_pending_point_and_one_beyond_its_radius() -> None:
    out, x, logp = _penalty(hard=True)
    post = out.base
    mean, var = post.predict(np.array([[0.55]]))
    lip = batch.lipschitz(post, np.random.default_rng(0))
    radius = (abs(mean[0] - post.y.min()) + math.sqrt(var[0] + post.noise)) / lip * LS
    d = np.abs(x[:, 0] - 0.55)
    assert out.log_penalty(np.array([[0.55]]))[0][0] < -40  # EI all but vanishes there
    assert np.all(logp[d >= radius * 1.001] == 0.0)  # untouched beyond the radius
    inside = (d < radius * 0.999) & (d > 1e-3)
    assert inside.sum() > 10 and np.all(logp[inside] < 0.0)
    np.testing.assert_allclose(logp[inside], 2.0 * np.log(d[inside] / radius), atol=1e-6)
    left, right = logp[x[:, 0] <= 0.55], logp[x[:, 0] >= 0.55]
    assert np.all(np.diff(left) <= 1e-12) and np.all(np.diff(right) >= -1e-12)  # a well


def test_soft_penalty_is_gonzalez_normal_cdf_of_the_distance() -> None:
    out, x, logp = _penalty(hard=False)
    post = out.base
    mean, var = post.predict(np.array([[0.55]]))
    sd = math.sqrt(var[0] + post.noise)
    lip = batch.lipschitz(post, np.random.default_rng(0))
    d = np.abs(x[:, 0] - 0.55) / LS  # in lengthscales
    want = log_ndtr((lip * d - (mean[0] - post.y.min())) / sd)
    np.testing.assert_allclose(logp, np.maximum(want, batch.LOG_FLOOR), atol=1e-9)
    assert logp.max() > -1e-3  # far away: no penalty
    hard = _penalty(hard=True)[2]
    assert logp[220] > hard[220] + 10  # at the pending point far weaker than the hard one


def test_lipschitz_is_the_steepest_slope_of_the_mean() -> None:
    post = _post_1d()
    x = np.linspace(0.0, 1.0, 2001)
    slope = np.abs(np.diff(post.predict(x[:, None])[0]) / np.diff(x)).max() * LS
    assert batch.lipschitz(post, np.random.default_rng(0)) == pytest.approx(slope, rel=0.1)


@pytest.mark.parametrize(("hard", "believe"), [(True, False), (False, False), (True, True)])
def test_penalised_log_ei_is_log_ei_plus_log_penalty_with_exact_gradient(
    hard: bool, believe: bool
) -> None:
    rng = np.random.default_rng(3)
    f = rng.random((12, 2))
    y = np.sin(5 * f[:, 0]) + f[:, 1] ** 2
    post = Posterior(f, (y - y.mean()) / y.std(), np.arange(2), Hyper(np.log([0.3, 0.6]), 0.0,
                     math.log(1e-4)))  # fmt: skip
    out, threshold = batch.penalised(post, rng.random((3, 2)), rng, hard=hard, believe=believe)
    assert isinstance(out, batch.Penalised)
    x = rng.random((6, 2))
    want = acquisition.log_ei(*out.base.predict(x), out.best) + out.log_penalty(x)[0]
    np.testing.assert_allclose(acquisition.log_ei(*out.predict(x), threshold), want, rtol=1e-9)
    mean, var, dmean, dvar = out.predict_grad(x)
    _, grad = acquisition.log_ei_grad(mean, var, dmean, dvar, threshold)
    for i in range(len(x)):
        fd = approx_fprime(x[i], lambda q: acquisition.log_ei(*out.predict(q[None]), threshold)[0],
                           1e-7)  # fmt: skip
        np.testing.assert_allclose(grad[i], fd, rtol=1e-4, atol=1e-3)


# --- the sampler: four workers ------------------------------------------------------
def _branin(p: dict[str, float]) -> float:
    x, y = p["x"], p["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


@pytest.mark.parametrize("rule", pending.RULES)
def test_four_pending_trials_never_share_a_point(rule: str) -> None:
    """Ask four trials in a row (all running) after 14 finished: pairwise apart."""
    hs.set_verbosity(0)
    study = hs.create_study(space={"x": hs.Float(-5, 10), "y": hs.Float(0, 15)},
                            sampler=GP(seed=2, pending=rule))  # fmt: skip
    study.optimize(_branin, 14)
    asked = [study.ask() for _ in range(4)]
    unit = np.array([[(t.flat["x"] + 5) / 15, t.flat["y"] / 15] for t in asked])
    gaps = [np.linalg.norm(unit[i] - unit[j]) for i in range(4) for j in range(i)]
    assert min(gaps) > 1e-3, (rule, min(gaps))
