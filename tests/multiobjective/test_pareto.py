"""Pareto masks and ranks agree with a brute-force filter, with ties and duplicates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hypersweep.multiobjective import (
    constrained_ranks,
    crowding_distance,
    dominates,
    fronts,
    nondominated_ranks,
    pareto_mask,
    to_loss,
    violation,
)


def brute_mask(p: np.ndarray) -> np.ndarray:
    return np.array([not any(dominates(q, x) for q in p) for x in p], dtype=bool)


def brute_ranks(p: np.ndarray) -> np.ndarray:
    ranks = np.full(len(p), -1)
    left, level = list(range(len(p))), 0
    while left:
        front = [i for i in left if not any(dominates(p[j], p[i]) for j in left)]
        ranks[front] = level
        left = [i for i in left if i not in front]
        level += 1
    return ranks


def point_sets(m: int) -> st.SearchStrategy[np.ndarray]:
    # small integer grids make ties and duplicates common; floats cover the rest
    ints = arrays(np.float64, st.tuples(st.integers(0, 40), st.just(m)),
                  elements=st.integers(0, 4).map(float))  # fmt: skip
    floats = arrays(np.float64, st.tuples(st.integers(0, 40), st.just(m)),
                    elements=st.floats(-1e3, 1e3, allow_nan=False))  # fmt: skip
    return st.one_of(ints, floats)


@pytest.mark.parametrize("m", [2, 3, 5])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_mask_and_ranks_equal_brute_force(m: int, data: st.DataObject) -> None:
    p = data.draw(point_sets(m))
    assert pareto_mask(p).tolist() == brute_mask(p).tolist()
    assert nondominated_ranks(p).tolist() == brute_ranks(p).tolist()


def test_duplicates_share_a_rank_and_fronts_partition() -> None:
    p = np.array([[1, 1], [1, 1], [0, 2], [2, 2], [2, 2], [3, 0]], dtype=float)
    ranks = nondominated_ranks(p)
    assert ranks.tolist() == [0, 0, 0, 1, 1, 0]
    assert [f.tolist() for f in fronts(ranks)] == [[0, 1, 2, 5], [3, 4]]


def test_the_two_objective_sort_scales() -> None:
    # 200k points on 1000 fronts: a quadratic version would not finish in the test's time
    rng = np.random.default_rng(0)
    x = rng.random(200_000)
    level = rng.integers(0, 1000, 200_000)
    p = np.c_[x + level, 1 - x + level]  # front `level` is the line x + y = 1 + 2 level
    assert (nondominated_ranks(p) == np.unique(level, return_inverse=True)[1]).all()


def test_directions_turn_into_losses() -> None:
    loss = to_loss([[0.9, 3.0], [0.8, 1.0]], ["maximize", "minimize"])
    assert loss.tolist() == [[-0.9, 3.0], [-0.8, 1.0]]
    assert pareto_mask(loss).tolist() == [True, True]
    with pytest.raises(ValueError, match="got 1 directions for 2 objectives"):
        to_loss([[1.0, 2.0]], ["minimize"])
    with pytest.raises(ValueError, match="must be 'minimize' or 'maximize'"):
        to_loss([[1.0, 2.0]], ["minimize", "up"])
    with pytest.raises(ValueError, match="must not hold NaN"):
        pareto_mask([[1.0, float("nan")]])
    with pytest.raises(ValueError, match="must be a 2-D array"):
        nondominated_ranks([[[1.0]]])


def test_crowding_keeps_the_ends_and_prefers_the_lonely() -> None:
    p = np.array([[0, 4], [1, 3], [1.1, 2.9], [3, 1], [4, 0]], dtype=float)
    d = crowding_distance(p)
    assert np.isinf(d[0]) and np.isinf(d[4])
    assert d[3] > d[1] and d[3] > d[2]  # the point with the widest gap around it


def test_constraint_domination_puts_feasible_first_then_by_violation() -> None:
    p = np.array([[0, 0], [5, 5], [1, 9], [9, 1], [0, 1]], dtype=float)
    v = violation([[1.0, -1.0], [-2.0, 0.0], [float("nan"), float("nan")], [0.5, 0.5], [3, 0]])
    assert v.tolist() == [1.0, 0.0, 0.0, 1.0, 3.0]
    ranks = constrained_ranks(p, v)
    # feasible 1, 2 form fronts 0 and... 2 and 1 do not dominate each other: both front 0
    assert ranks.tolist() == [1, 0, 0, 1, 2]
    assert constrained_ranks(p).tolist() == nondominated_ranks(p).tolist()
    with pytest.raises(ValueError, match="violations must be >= 0"):
        constrained_ranks(p, [-1, 0, 0, 0, 0])
