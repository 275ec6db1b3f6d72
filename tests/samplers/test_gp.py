"""The GP sampler: its maths alone (against finite differences and direct formulas),
then the sampler on small problems, with seeds and margins a broken model would miss."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.stats import norm

import hypersweep as hs
from hypersweep.samplers.gp import GP, acquisition, kernel, model, optimize, output, sampler
from hypersweep.samplers.gp.encoding import Encoding
from hypersweep.samplers.gp.model import Hyper, Posterior, neg_log_posterior

RNG = np.random.default_rng(0)
F = RNG.random((15, 3))
COLS = np.arange(3)


def _mixed_features() -> tuple[Encoding, np.ndarray]:
    enc = Encoding({"a": hs.Float(0, 1), "b": hs.Categorical(["x", "y", "z"]), "c": hs.Int(1, 9)})
    x = enc.unit_to_x(np.random.default_rng(1).random((12, 3)))
    return enc, enc.features(x)


# --- kernel -----------------------------------------------------------------------
def test_matern52_matches_its_formula_and_is_one_at_zero() -> None:
    r = np.array([0.0, 0.3, 1.0, 4.0])
    expected = (1 + math.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-math.sqrt(5) * r)
    np.testing.assert_allclose(kernel.matern52(r**2), expected)
    assert kernel.matern52(np.array([0.0]))[0] == 1.0


def test_matern52_dr2_matches_finite_differences() -> None:
    r2 = np.array([0.01, 0.5, 2.0])
    fd = (kernel.matern52(r2 + 1e-7) - kernel.matern52(r2 - 1e-7)) / 2e-7
    np.testing.assert_allclose(kernel.matern52_dr2(r2), fd, rtol=1e-5)


def test_onehot_features_give_hamming_distance() -> None:
    enc, f = _mixed_features()
    x = enc.unit_to_x(np.random.default_rng(1).random((12, 3)))
    only_b = f[:, enc.cols == 1]
    d2 = kernel.sq_dist(only_b, only_b)
    np.testing.assert_allclose(d2, (x[:, None, 1] != x[None, :, 1]).astype(float), atol=1e-12)


def test_lengthscale_gradient_matches_finite_differences() -> None:
    enc, f = _mixed_features()
    log_ls = np.array([-0.5, 0.2, 0.1])
    g = RNG.random((len(f), len(f)))
    g = g + g.T

    def total(v: np.ndarray) -> float:
        return float(np.sum(g * kernel.gram(f, np.exp(-v), enc.cols, 1.0)))

    z = f * np.exp(-log_ls)[enc.cols]
    weights = g * kernel.matern52_dr2(kernel.sq_dist(z, z))
    analytic = kernel.lengthscale_grad(f, weights, np.exp(-log_ls), enc.cols)
    np.testing.assert_allclose(analytic, approx_fprime(log_ls, total, 1e-7), rtol=1e-4)


# --- model ------------------------------------------------------------------------
@pytest.mark.parametrize("fixed_noise", [False, True])
def test_marginal_likelihood_gradient_matches_finite_differences(fixed_noise: bool) -> None:
    enc, f = _mixed_features()
    y = np.sin(3 * f[:, 0]) + f[:, -1]
    y = (y - y.mean()) / y.std()
    theta = np.array([-0.7, 0.3, -0.2, 0.2, -4.0])
    _, grad = neg_log_posterior(theta, f, y, enc.cols, fixed_noise)
    fd = approx_fprime(theta, lambda t: neg_log_posterior(t, f, y, enc.cols, fixed_noise)[0], 1e-7)
    if fixed_noise:
        fd[-1] = 0.0
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-5)


def test_posterior_matches_the_direct_formula() -> None:
    y = np.cos(4 * F[:, 0]) + F[:, 1]
    hyper = Hyper(np.log([0.4, 0.7, 2.0]), math.log(1.3), math.log(1e-3))
    post = Posterior(F, y, COLS, hyper)
    q = RNG.random((5, 3))
    inv = np.exp(-hyper.log_ls)
    k = 1.3 * kernel.matern52(kernel.sq_dist(F * inv, F * inv)) + 1e-3 * np.eye(len(F))
    ks = 1.3 * kernel.matern52(kernel.sq_dist(q * inv, F * inv))
    mean, var = post.predict(q)
    np.testing.assert_allclose(mean, ks @ np.linalg.solve(k, y), rtol=1e-8)
    direct = 1.3 - np.einsum("ij,ji->i", ks, np.linalg.solve(k, ks.T))
    np.testing.assert_allclose(var, direct, rtol=1e-6, atol=1e-10)


def test_posterior_gradients_match_finite_differences() -> None:
    y = np.cos(4 * F[:, 0]) + F[:, 1]
    post = Posterior(F, y, COLS, Hyper(np.log([0.4, 0.7, 2.0]), 0.2, math.log(1e-4)))
    q = RNG.random((1, 3))
    _, _, dmean, dvar = post.predict_grad(q)
    for i, target in ((0, dmean[0]), (1, dvar[0])):
        fd = approx_fprime(q[0], lambda x, i=i: post.predict(x[None])[i][0], 1e-7)
        np.testing.assert_allclose(target, fd, rtol=1e-4, atol=1e-7)


def test_fit_recovers_a_short_lengthscale_for_the_relevant_dimension() -> None:
    f = np.random.default_rng(3).random((40, 2))
    y = np.sin(8 * f[:, 0])
    hyper = model.fit(f, (y - y.mean()) / y.std(), np.arange(2), 2, deterministic=True)
    ls = np.exp(hyper.log_ls)
    assert ls[0] < 0.5 < ls[1]


# --- output transform -------------------------------------------------------------
@pytest.mark.parametrize("kind", ["none", "yeo-johnson", "log", "copula"])
def test_output_transforms_keep_the_order_and_standardise(kind: str) -> None:
    y = np.random.default_rng(4).lognormal(0.0, 2.0, 40) - 3.0  # heavy right tail
    z = output.transform(y, kind)
    assert np.all(np.diff(z[np.argsort(y)]) >= 0)
    assert abs(z.mean()) < 1e-9 and abs(z.std() - 1.0) < 1e-9


def test_yeo_johnson_pulls_in_a_heavy_tail_and_handles_degenerate_inputs() -> None:
    y = np.random.default_rng(5).lognormal(0.0, 2.0, 40)
    assert output.transform(y, "yeo-johnson").max() < 0.6 * output.transform(y, "none").max()
    np.testing.assert_array_equal(output.transform(np.ones(5), "yeo-johnson"), np.zeros(5))
    assert output.transform(np.array([1.0, 2.0]), "yeo-johnson").tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError, match="unknown output transform"):
        output.transform(y, "nope")


# --- acquisition ------------------------------------------------------------------
def test_log_h_matches_naive_log_where_that_is_stable() -> None:
    z = np.linspace(-20, 5, 101)
    naive = np.log(norm.pdf(z) + z * norm.cdf(z))
    np.testing.assert_allclose(acquisition.log_h(z), naive, rtol=1e-9, atol=1e-9)


def test_log_h_follows_its_asymptote_far_in_the_tail() -> None:
    z = np.array([-50.0, -1e3, -1e6, -1e10])
    asymptote = -0.5 * z**2 - 0.5 * math.log(2 * math.pi) - 2 * np.log(-z)
    out = acquisition.log_h(z)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, asymptote, rtol=1e-6)
    assert np.all(np.diff(acquisition.log_h(np.linspace(-60, 3, 500))) > 0)  # monotone


def test_log_ei_gradient_matches_finite_differences_even_where_ei_underflows() -> None:
    for z in (-40.0, -3.0, 0.5):
        zs = np.array([z])
        fd = (acquisition.log_h(zs + 1e-6) - acquisition.log_h(zs - 1e-6)) / 2e-6
        got = acquisition.dlog_h(zs, acquisition.log_h(zs))
        np.testing.assert_allclose(got, fd, rtol=1e-5)
    mean, var = np.array([0.3]), np.array([0.04])
    dmean, dvar = np.array([[1.0, -2.0]]), np.array([[0.1, 0.05]])
    _, grad = acquisition.log_ei_grad(mean, var, dmean, dvar, best=-0.1)

    def at(t: float, j: int) -> float:
        m, v = mean + t * dmean[0, j], var + t * dvar[0, j]
        return float(acquisition.log_ei(m, v, -0.1)[0])

    for j in range(2):
        fd = (at(1e-7, j) - at(-1e-7, j)) / 2e-7
        assert grad[0, j] == pytest.approx(fd, rel=1e-5)


@pytest.mark.parametrize("precondition", [False, True])
def test_lbfgs_climbs_log_ei_within_the_cube(
    precondition: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(optimize, "PRECONDITION", precondition)
    enc = Encoding({"a": hs.Float(0, 1), "b": hs.Float(0, 1)})
    rng = np.random.default_rng(6)
    f = rng.random((12, 2))
    y = np.sin(9 * f[:, 0]) + f[:, 1]
    hyper = Hyper(np.log([0.15, 0.8]), 0.0, math.log(1e-6))
    post = Posterior(f, (y - y.mean()) / y.std(), np.arange(2), hyper)
    best = float(post.y.min())
    x0 = rng.random((6, 2))
    x = optimize.lbfgs(post, enc, x0, np.ones(2, bool), best)
    assert np.all((x >= 0) & (x <= 1))
    before, after = (
        optimize.acq_values(post, enc, x0, best),
        optimize.acq_values(post, enc, x, best),
    )
    assert np.all(after >= before - 1e-9) and np.sum(after - before) > 0.1


# --- encoding ---------------------------------------------------------------------
def test_encoding_round_trips_mixed_values_and_snaps_to_grids() -> None:
    leaves = {
        "lr": hs.Float(1e-5, 1e-1, log=True),
        "n": hs.Int(16, 512, step=16),
        "b": hs.Int(8, 1024, log=True),
        "act": hs.Categorical(["relu", "tanh"]),
        "q": hs.Float(0, 1, step=0.25),
    }
    enc = Encoding(leaves)
    flat = {"lr": 1e-3, "n": 48, "b": 100, "act": "tanh", "q": 0.75}
    assert enc.decode(enc.encode(flat)) == pytest.approx(flat)
    snapped = enc.snap(np.random.default_rng(0).random((50, 5)) * [1, 1, 1, 1, 1])
    for row in snapped:
        values = enc.decode(row)
        assert all(leaves[p].contains(v) for p, v in values.items())
        np.testing.assert_allclose(enc.encode(values), row, atol=1e-9)


# --- the sampler ------------------------------------------------------------------
def test_options_are_validated_with_clear_messages() -> None:
    with pytest.raises(ValueError, match=r"n_startup_trials must be an integer >= 1.*got"):
        GP(n_startup_trials=0)
    with pytest.raises(ValueError, match="n_candidates"):
        GP(n_candidates=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_points"):
        GP(max_fit_points=100, max_points=50)


def test_docstring_example_runs() -> None:
    assert doctest.testmod(sampler, raise_on_error=True).failed == 0


def _branin(p: dict[str, float]) -> float:
    x, y = p["x"], p["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


BRANIN = {"x": hs.Float(-5, 10), "y": hs.Float(0, 15)}


def test_gp_beats_random_search_by_far_on_branin() -> None:
    def regret(s: hs.samplers.Sampler) -> float:
        r = hs.minimize(_branin, BRANIN, sampler=s, n_trials=30, verbosity=0)
        return math.log10(r.best_value - 0.397887)

    gp = [regret(GP(seed=s)) for s in range(3)]
    rand = [regret(hs.samplers.Random(seed=s)) for s in range(3)]
    assert max(gp) < -1.5 and np.median(gp) < -2.5  # every seed within 0.03 of the optimum
    assert np.median(gp) < np.median(rand) - 1.5


def test_same_seed_and_history_give_the_same_proposal() -> None:
    study = hs.create_study(space=BRANIN, sampler=GP(seed=3))
    study.optimize(_branin, 14)
    a = GP(seed=3).propose(study.history, 14)
    b = GP(seed=3).propose(study.history, 14)
    assert a == b and set(a) == {"x", "y"}


def test_pending_trials_spread_the_proposals() -> None:
    study = hs.create_study(space=BRANIN, sampler=GP(seed=0))
    study.optimize(_branin, 15)
    pending = [study.ask() for _ in range(4)]
    xs = np.array([[t.flat["x"] / 15, t.flat["y"] / 15] for t in pending])
    gaps = [np.linalg.norm(xs[i] - xs[j]) for i in range(4) for j in range(i)]
    assert min(gaps) > 0.01


def test_categorical_and_integer_dims_are_modelled() -> None:
    space = {"c": hs.Categorical(["a", "b", "c", "d"]), "n": hs.Int(0, 20), "x": hs.Float(0, 1)}

    def f(p: dict[str, float]) -> float:
        return {"a": 1.0, "b": 0.0, "c": 2.0, "d": 1.5}[p["c"]] + (p["n"] - 13) ** 2 / 40 + p["x"]

    r = hs.minimize(f, space, sampler=GP(seed=1), n_trials=30, verbosity=0)
    assert r.best_params["c"] == "b" and abs(r.best_params["n"] - 13) <= 1
    assert r.best_value < 0.1


def test_conditional_leaves_fall_back_to_the_prior() -> None:
    space = {"x": hs.Float(-2, 2), "m": hs.Categorical([{"k": "p", "a": hs.Float(0, 1)}, "q"])}
    r = hs.minimize(lambda p: p["x"] ** 2, space, sampler=GP(seed=0), n_trials=20, verbosity=0)
    assert r.best_value < 0.01


def test_blas_threads_are_capped_while_proposing_and_restored_after() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas() -> list[int]:
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]  # fmt: skip

    before = blas()
    with sampler._thread_limit():
        assert all(n == sampler.THREADS for n in blas())
    assert blas() == before
