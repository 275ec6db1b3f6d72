"""TPE's state kept between asks (group rows, sorted orders, truncation masses) and the
matrix-form mixture: the same proposals as a fresh computation, the same density as a
kernel-by-kernel reference."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.samplers.tpe import TPE, kernels


def _branchy(trial: Any) -> float:
    """Define-by-run with a conditional branch and every numeric kind TPE encodes."""
    z = trial.suggest_float("z", 1e-3, 1.0, log=True)
    if trial.suggest_categorical("kind", ["a", "b"]) == "a":
        x = trial.suggest_float("xa", -2.0, 2.0)
        return (x - 0.5) ** 2 + z
    n = trial.suggest_int("nb", 1, 9)
    return abs(n - 4) / 3 + z


def _suggest_all(sampler: TPE, history: Any, number: int) -> list[Any]:
    """What ``sampler`` gives trial ``number`` for each leaf, in the objective's order."""
    out = []
    for path, param in (
        ("z", hs.Float(1e-3, 1.0, log=True)),
        ("kind", hs.Categorical(["a", "b"])),
        ("xa", hs.Float(-2.0, 2.0)),
        ("nb", hs.Int(1, 9)),
    ):
        out.append(sampler.sample(history, number, path, param))
    return out


def _fresh_matches(study: hs.Study, number: int) -> None:
    """The study's own TPE (its caches grown ask by ask) and a new TPE with the same seed
    (computing everything from scratch) give trial ``number`` the same values."""
    study.refresh()
    grown = _suggest_all(study.sampler, study.history, number)
    fresh = _suggest_all(TPE(seed=7), study.history, number)
    assert grown == fresh


def test_cached_proposals_equal_a_fresh_computation_as_trials_change_state() -> None:
    hs.set_verbosity(0)
    study = hs.create_study(sampler=TPE(seed=7))
    for i in range(160):  # past the size where the bad side is read from the kept orders
        trial = study.ask()
        value = _branchy(trial)
        if i % 17 == 5:
            study.tell(trial, state=TrialState.FAIL)
        elif i % 23 == 3:
            trial.report(value + 1.0, 1)
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, value)
        if i in (12, 70, 159):
            _fresh_matches(study, 10**6 + i)
    # a running trial is pending (constant liar) for others: same with and without cache
    running = study.ask()
    _branchy(running)
    study.tell(study.ask(), 0.25)  # a new trial finishes while the other still runs
    _fresh_matches(study, 10**6 + 500)
    study.tell(running, 0.1)  # the pending trial completes: it leaves the pending rows
    _fresh_matches(study, 10**6 + 501)
    late = study.ask()
    _branchy(late)
    study.tell(late, state=TrialState.FAIL)  # a running trial that fails leaves them too
    _fresh_matches(study, 10**6 + 502)


def test_cached_proposals_equal_a_fresh_computation_on_a_static_space() -> None:
    space = {
        "lr": hs.Float(1e-4, 1e-1, log=True),
        "units": hs.Int(8, 256, log=True),
        "depth": hs.Int(1, 6),
        "drop": hs.Float(0.0, 0.5, step=0.05),
        "act": hs.Categorical(["relu", "tanh", "gelu"]),
        "w": hs.Normal(0.0, 1.0),
    }
    hs.set_verbosity(0)
    study = hs.create_study(space=space, sampler=TPE(seed=11))

    def f(p: dict[str, Any]) -> float:
        return (math.log10(p["lr"]) + 2.5) ** 2 + abs(p["depth"] - 3) + p["drop"] + p["w"] ** 2

    for n in (30, 90, 130):
        study.optimize(f, n)
        history = study.history
        assert [study.sampler.propose(history, 10**6 + k) for k in range(3)] == [
            TPE(seed=11).propose(history, 10**6 + k) for k in range(3)
        ]


def test_a_redefined_leaf_starts_its_group_afresh() -> None:
    """A define-by-run leaf suggested with a new range must not reuse rows encoded
    under the old one: proposals stay inside the new range and match a fresh TPE."""
    hs.set_verbosity(0)
    study = hs.create_study(sampler=TPE(seed=2))
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0) ** 2, 80)
    study.optimize(lambda t: t.suggest_float("x", 10.0, 20.0) - 15.0, 160)
    later = [t.params["x"] for t in study.trials[80:]]
    assert all(10.0 <= x <= 20.0 for x in later)
    param = hs.Float(10.0, 20.0)
    assert study.sampler.sample(study.history, 10**6, "x", param) == TPE(seed=2).sample(
        study.history, 10**6, "x", param
    )


# --- the matrix-form mixture against a kernel-by-kernel reference ------------------------
def _reference(
    x: np.ndarray, w: np.ndarray, mus: np.ndarray, sig: np.ndarray, low: np.ndarray,
    high: np.ndarray, discrete: list[bool], bins: list[Any], tables: list[np.ndarray],
) -> np.ndarray:  # fmt: skip
    """log of sum_k w_k prod_d p_kd(x_d) / sum_k w_k, one kernel and dimension at a time."""
    out = []
    for c in range(len(x)):
        total = 0.0
        for k in range(len(w)):
            p = 1.0
            for d in range(mus.shape[1]):
                m, s = mus[k, d], sig[k, d]
                norm = ndtr((high[d] - m) / s) - ndtr((low[d] - m) / s)
                if discrete[d]:
                    lo, hi = bins[d][0][c], bins[d][1][c]
                    p *= (ndtr((hi - m) / s) - ndtr((lo - m) / s)) / norm
                else:
                    z = (x[c, d] - m) / s
                    p *= math.exp(-0.5 * z * z) / (s * math.sqrt(2 * math.pi)) / norm
            for j, table in enumerate(tables):
                p *= table[k, int(x[c, mus.shape[1] + j])]
            total += w[k] * p
        out.append(math.log(total / w.sum()) if total > 0 else -math.inf)  # underflow
    return np.array(out)


@st.composite
def _mixtures(draw: Any) -> tuple[Any, ...]:
    seed = draw(st.integers(0, 2**31))
    k = draw(st.sampled_from([1, 3, 20, 90]))  # 90: the skipped-terms path of the sum
    dn = draw(st.integers(1, 4))
    n_cat = draw(st.integers(0, 2))
    tight = draw(st.booleans())  # tiny bandwidths: the exponents computed directly
    rng = np.random.default_rng(seed)
    low = rng.uniform(-5, 5, dn)
    high = low + rng.uniform(0.5, 10, dn)
    span = high - low
    discrete = [bool(b) for b in rng.random(dn) < 0.3]
    mus = low + span * rng.random((k, dn))
    frac = rng.uniform(1e-7 if tight else 0.05, 1.0, (k, dn))
    frac[:, discrete] = np.maximum(frac[:, discrete], 0.2)
    sig = span * frac
    w = rng.uniform(0.01, 1.0, k)
    tables = []
    for _ in range(n_cat):
        t = rng.uniform(0.05, 1.0, (k, int(rng.integers(2, 5))))
        tables.append(t / t.sum(axis=1, keepdims=True))
    c = 5
    xs = low + span * rng.random((c, dn))
    near = rng.integers(0, k, c)  # some candidates sit on a kernel: a non-negligible density
    xs[: c // 2] = np.clip(mus[near[: c // 2]] + 0.1 * sig[near[: c // 2]], low, high)
    bins: list[Any] = []
    for d in range(dn):
        if discrete[d]:
            half = 0.05 * span[d]
            bins.append((np.clip(xs[:, d] - half, low[d], high[d]),
                         np.clip(xs[:, d] + half, low[d], high[d])))  # fmt: skip
        else:
            bins.append(None)
    cats = [rng.integers(0, t.shape[1], c).astype(float) for t in tables]
    x = np.column_stack([xs, *cats]) if cats else xs
    return x, w, mus, sig, low, high, discrete, bins, tables


@settings(max_examples=40, deadline=None)
@given(_mixtures())
def test_matrix_form_log_density_equals_the_kernel_by_kernel_reference(case: Any) -> None:
    x, w, mus, sig, low, high, discrete, bins, tables = case
    dn = mus.shape[1]
    from hypersweep.samplers.tpe import parzen

    log_norm = parzen.log_mass((low - mus) / sig, (high - mus) / sig)
    mix = kernels.Kernels(
        np.log(w), list(range(dn)), mus, sig, low, high, log_norm,
        list(range(dn, dn + len(tables))), tables,
    )  # fmt: skip
    got = mix.log_pdf(x, [*bins, *([None] * len(tables))])
    want = _reference(x, w, mus, sig, low, high, discrete, bins, tables)
    finite = np.isfinite(want) & (want > -600)  # the reference underflows below e**-700
    assert np.allclose(got[finite], want[finite], rtol=1e-7, atol=1e-7)
    assert np.all(got[~finite] < -500)


def test_matrix_form_draws_are_the_per_dimension_draws() -> None:
    """Sampling all dimensions at once uses the generator exactly as one dimension at a
    time did, so proposals follow the same distribution, draw for draw."""
    from hypersweep.samplers.tpe import parzen

    rng = np.random.default_rng(0)
    mus, sig = rng.random((30, 2)), rng.uniform(0.05, 0.5, (30, 2))
    table = parzen.categorical_table(rng.integers(0, 3, 29).astype(float), 3, 0.8)
    log_w = np.log(rng.uniform(0.1, 1.0, 30))
    old = parzen.Mixture(
        [parzen.NumericDim(mus[:, 0], sig[:, 0], 0.0, 1.0), parzen.CategoricalDim(table),
         parzen.NumericDim(mus[:, 1], sig[:, 1], 0.0, 1.0)], log_w,
    )  # fmt: skip
    log_norm = parzen.log_mass(-mus / sig, (1.0 - mus) / sig)
    new = kernels.Kernels(log_w, [0, 2], mus, sig, np.zeros(2), np.ones(2), log_norm, [1], [table])
    a = old.sample(np.random.default_rng(5), 200)
    b = new.sample(np.random.default_rng(5), 200)
    assert np.array_equal(a, b)
    assert np.allclose(old.log_pdf(a, [None] * 3), new.log_pdf(a, [None] * 3), atol=1e-9)


@pytest.mark.parametrize("k", [10, 200])
def test_skipping_negligible_terms_keeps_the_log_sum(k: int) -> None:
    rng = np.random.default_rng(k)
    t = rng.normal(0, 40, (6, k))
    exact = np.log(np.sum(np.exp(t - t.max(axis=1, keepdims=True)), axis=1)) + t.max(axis=1)
    assert np.allclose(kernels.logsumexp_rows(t), exact, rtol=1e-13, atol=1e-12)


def test_a_side_read_from_the_kept_orders_is_the_side_sorted_afresh() -> None:
    """The bad side (read by filtering the kept sorted orders, masses reused) and the
    same rows sorted from scratch give the same kernels, with and without pending rows."""
    hs.set_verbosity(0)
    space = {"a": hs.Float(-3.0, 3.0), "b": hs.Float(1e-2, 1e2, log=True), "c": hs.Int(0, 20)}
    study = hs.create_study(space=space, sampler=TPE(seed=4))
    study.optimize(lambda p: p["a"] ** 2 + math.log10(p["b"]) ** 2 + abs(p["c"] - 7), 150)
    tpe = study.sampler
    tpe._refresh(study.history, 10**6)
    codecs = {p: tpe._codec(p, space[p]) for p in space}
    cache = tpe._group(list(codecs), list(codecs.values()))
    use, share = tpe._observed_rows(cache, codecs)
    bad = use & (share < 1)
    assert bad.sum() >= 100
    cfg = (1.0, 2.0, 0.03, 0.2)
    pending = np.array([[0.5, 0.0, 7.0], [0.5, 1.0, 3.0]])
    for extra in (np.empty((0, 3)), pending):
        kept = cache.side(bad, 1.0 - share, extra, list(codecs.values()), cfg)
        x = np.vstack([cache.vx.view()[bad], extra])
        ages = np.concatenate([cache.ages[bad], np.full(len(extra), np.inf)])
        w = np.concatenate([(1.0 - share)[bad], np.ones(len(extra))])
        afresh = kernels.direct(x, ages, w, list(codecs.values()), cfg)
        for name in ("log_w", "mus", "sigmas", "log_norm"):
            assert np.allclose(getattr(kept, name), getattr(afresh, name), rtol=0, atol=1e-12)
