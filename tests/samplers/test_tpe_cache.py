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
from hypersweep.samplers.tpe import TPE, _model, kernels, parzen


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


_SMALL_SUMMARY = {"EXACT_ROWS": 200, "NEAR_ROWS": 5, "FAR_BLOCKS": 100}


def _summarising(monkeypatch: pytest.MonkeyPatch, **sizes: int) -> None:
    """Summarise bad sides from ``EXACT_ROWS`` rows on (small sizes keep tests quick)."""
    for name, value in {**_SMALL_SUMMARY, **sizes}.items():
        monkeypatch.setattr(_model, name, value)


def _study_with_bad_side(seed: int, n: int) -> tuple[Any, Any, dict[str, Any]]:
    """A static study of ``n`` trials and its TPE's (cache, codecs) for all leaves."""
    hs.set_verbosity(0)
    space = {"a": hs.Float(-3.0, 3.0), "b": hs.Float(1e-2, 1e2, log=True), "c": hs.Int(0, 20),
             "d": hs.Float(0.0, 1.0), "e": hs.Categorical(["u", "v", "w"])}  # fmt: skip
    study = hs.create_study(space=space, sampler=TPE(seed=seed))
    study.optimize(lambda p: p["a"] ** 2 + math.log10(p["b"]) ** 2 + abs(p["c"] - 7)
                   + (p["d"] - 0.3) ** 2 + (p["e"] != "v"), n)  # fmt: skip
    tpe = study.sampler
    tpe._refresh(study.history, 10**6)
    codecs = {p: tpe._codec(p, space[p]) for p in space}
    return tpe, tpe._group(list(codecs), list(codecs.values())), codecs


def test_a_large_bad_side_is_summarised_in_a_bounded_weight_preserving_mixture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _summarising(monkeypatch)
    tpe, cache, codecs = _study_with_bad_side(3, 400)
    use, share = tpe._observed_rows(cache, codecs)
    bad = use & (share < 1)
    assert bad.sum() > 300
    cfg = (1.0, 2.0, 0.03, 0.2)
    at = cache.vx.view()[share > 0][:8]
    summary = cache.side(bad, 1.0 - share, np.empty((0, 5)), list(codecs.values()), cfg, at)
    monkeypatch.setattr(_model, "EXACT_ROWS", 10**9)
    exact = cache.side(bad, 1.0 - share, np.empty((0, 5)), list(codecs.values()), cfg)
    assert len(exact.log_w) == bad.sum() + 1
    assert len(summary.log_w) <= 8 * _SMALL_SUMMARY["NEAR_ROWS"] + _SMALL_SUMMARY["FAR_BLOCKS"] + 1
    total = np.exp(parzen.logsumexp(summary.log_w[:-1]))
    assert total == pytest.approx(np.exp(parzen.logsumexp(exact.log_w[:-1])), rel=1e-12)
    # the rows nearest the points scored keep their own kernels
    mus = {tuple(r) for r in summary.mus[:-1].round(12).tolist()}
    near = np.argsort(cache.distances(at)[:, bad].min(axis=0))[:5]
    assert all(tuple(r) in mus for r in exact.mus[near].round(12).tolist())


def test_distances_to_the_points_scored_equal_a_direct_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _summarising(monkeypatch)
    _, cache, _ = _study_with_bad_side(5, 150)
    at = np.array([[0.5, 0.0, 7.0, 0.3, 1.0], [-2.0, 3.0, 1.0, 0.9, 0.0]])
    span = np.array([6.0, np.log(1e4), 21.0, 1.0])
    low = np.array([-3.0, np.log(1e-2), -0.5, 0.0])
    x, c = (cache.vx.view()[:, :4] - low) / span, (at[:, :4] - low) / span
    direct = ((c[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    assert np.allclose(cache.distances(at), direct, rtol=1e-4, atol=1e-5)  # single precision


def test_summarised_side_scores_candidates_nearly_as_the_exact_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The candidate TPE picks with the summary is, in most asks, the one it would pick
    with every kernel, and never much worse by the exact score."""
    _summarising(monkeypatch)
    tpe, cache, codecs = _study_with_bad_side(8, 400)
    cl = list(codecs.values())
    use, share = tpe._observed_rows(cache, codecs)
    good, bad = use & (share > 0), use & (share < 1)
    cfg, none = (1.0, 2.0, 0.03, 0.2), np.empty((0, 5))
    below = cache.side(good, share, none, cl, cfg)
    exact = cache.side(bad, 1.0 - share, none, cl, cfg)  # no points to score: exact
    same, losses = 0, []
    for k in range(40):
        cand = below.sample(np.random.default_rng(k), 24)
        decoded = [c.score_form(cand[:, j]) for j, c in enumerate(cl)]
        x, bins = np.stack([d[0] for d in decoded], axis=1), [d[1] for d in decoded]
        summary = cache.side(bad, 1.0 - share, none, cl, cfg, x)
        lb = below.log_pdf(x, bins)
        approx, full = lb - summary.log_pdf(x, bins), lb - exact.log_pdf(x, bins)
        same += int(np.argmax(approx) == np.argmax(full))
        losses.append(float(np.max(full) - full[np.argmax(approx)]))
    assert same >= 28  # of 40
    assert np.median(losses) == 0.0 and max(losses) < 1.0


def test_summarised_proposals_equal_a_fresh_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    _summarising(monkeypatch)
    hs.set_verbosity(0)
    study = hs.create_study(sampler=TPE(seed=7))
    for i in range(260):
        trial = study.ask()
        study.tell(trial, _branchy(trial))
        if i in (200, 259):
            _fresh_matches(study, 10**6 + i)
