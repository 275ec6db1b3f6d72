"""Hypervolume: exact algorithms against a brute-force grid count and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hypersweep.multiobjective import contributions, hypervolume, pareto_mask, reference_point
from hypersweep.multiobjective.hypervolume import _wfg


def brute(p: np.ndarray, ref: np.ndarray) -> float:
    """Exact by coordinate compression: sum the grid cells some point dominates."""
    p = p[np.all(p < ref, axis=1)]
    if len(p) == 0:
        return 0.0
    axes = [np.unique(np.append(p[:, j], ref[j])) for j in range(p.shape[1])]
    lows = np.stack([g.ravel() for g in np.meshgrid(*[a[:-1] for a in axes], indexing="ij")], 1)
    sizes = np.meshgrid(*[np.diff(a) for a in axes], indexing="ij")
    volume = np.prod(np.stack([s.ravel() for s in sizes], 1), axis=1)
    covered = np.zeros(len(lows), dtype=bool)
    for q in p:
        covered |= np.all(q <= lows, axis=1)
    return float(volume[covered].sum())


def sets(m: int, most: int = 14) -> st.SearchStrategy[np.ndarray]:
    ints = arrays(np.float64, st.tuples(st.integers(0, most), st.just(m)),
                  elements=st.integers(0, 5).map(float))  # fmt: skip
    floats = arrays(np.float64, st.tuples(st.integers(0, most), st.just(m)),
                    elements=st.floats(-2, 5.5, allow_nan=False))  # fmt: skip
    return st.one_of(ints, floats)


REF = 5.0  # some points fall outside the box on purpose


@pytest.mark.parametrize("m", [2, 3, 4])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_exact_equals_brute_force(m: int, data: st.DataObject) -> None:
    p = data.draw(sets(m, 14 if m < 4 else 8))
    ref = np.full(m, REF)
    assert hypervolume(p, ref) == pytest.approx(brute(p, ref), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(p=sets(3, 25))
def test_wfg_equals_the_3d_sweep(p: np.ndarray) -> None:
    ref = np.full(3, REF)
    inside = p[np.all(p < ref, axis=1)]
    front = inside[pareto_mask(inside)] if len(inside) else inside
    wfg = _wfg(front, ref) if len(front) else 0.0  # WFG forced, not the sweep
    assert wfg == pytest.approx(hypervolume(p, ref), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("m", [5, 6])
def test_wfg_matches_monte_carlo_in_many_objectives(m: int) -> None:
    rng = np.random.default_rng(m)
    p = rng.random((40, m)) ** 0.5
    ref = np.ones(m)
    draws = rng.random((200_000, m))
    hit = np.zeros(len(draws), dtype=bool)
    for q in p:
        hit |= np.all(q <= draws, axis=1)
    estimate, se = hit.mean(), hit.std() / np.sqrt(len(draws))
    assert abs(hypervolume(p, ref) - estimate) < 4 * se  # a wrong volume misses by far more


@pytest.mark.parametrize("m", [2, 3, 4])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_contributions_are_what_the_set_loses(m: int, data: st.DataObject) -> None:
    p = data.draw(sets(m, 10 if m < 4 else 6))
    ref = np.full(m, REF)
    total = brute(p, ref)
    expected = [total - brute(np.delete(p, i, axis=0), ref) for i in range(len(p))]
    assert contributions(p, ref) == pytest.approx(expected, abs=1e-9)


def test_two_objective_sum_rule() -> None:
    """On a 2-D front the volume is the exclusive boxes plus the shared ones, which sit
    between each point's x and the next one's, below the previous point's y."""
    rng = np.random.default_rng(3)
    x = np.sort(rng.random(30))
    front = np.c_[x, 1 - np.sqrt(x)]
    ref = np.array([1.2, 1.3])
    shared = sum((b - a) * (ref[1] - yp) for a, b, yp in
                 zip(x[1:], np.append(x[2:], ref[0]), front[:-1, 1]))  # fmt: skip
    c = contributions(front, ref)
    assert (c > 0).all()
    assert hypervolume(front, ref) == pytest.approx(c.sum() + shared, rel=1e-12)


def test_reference_point_rule() -> None:
    p = np.array([[0.0, 4.0], [1.0, 1.0], [4.0, 0.0], [9.0, 9.0]])
    assert reference_point(p).tolist() == pytest.approx([4.4, 4.4])  # dominated point ignored
    assert reference_point(p, margin=0.5).tolist() == pytest.approx([6.0, 6.0])
    flat = reference_point([[2.0, -3.0], [2.0, -3.0]])
    assert flat.tolist() == pytest.approx([2.2, -2.7])
    assert hypervolume(p, reference_point(p)) > 0


def test_bad_input_is_refused_with_one_clear_error() -> None:
    with pytest.raises(ValueError, match="reference point has 3 objectives, the points 2"):
        hypervolume([[1.0, 2.0]], [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="must be finite"):
        hypervolume([[1.0, 2.0]], [np.inf, 3.0])
    with pytest.raises(ValueError, match="at least one point"):
        reference_point(np.zeros((0, 2)))
    assert hypervolume(np.zeros((0, 2)), [1.0, 1.0]) == 0.0
    assert hypervolume([[2.0, 0.0]], [1.0, 1.0]) == 0.0  # outside the box


def test_3d_is_fast_enough_for_samplers() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(3000, 3))
    front = np.abs(v) / np.linalg.norm(v, axis=1, keepdims=True)  # a sphere octant: all optimal
    hv = hypervolume(front, np.ones(3) * 1.1)
    assert 1.1**3 - np.pi / 6 - 0.05 < hv < 1.1**3 - np.pi / 6  # the octant's complement
