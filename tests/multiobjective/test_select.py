"""Choosing one trial: knee, weights and bounds on fronts built to have a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from hypersweep.multiobjective import by_bounds, by_weights, knee


def test_knee_of_a_bent_front_is_the_bend() -> None:
    # two straight pieces meeting at (0.2, 0.2): the bend is the knee, whatever the scale
    a = np.c_[np.linspace(0, 0.2, 11), np.linspace(1, 0.2, 11)]
    b = np.c_[np.linspace(0.2, 1, 11), np.linspace(0.2, 0, 11)]
    front = np.unique(np.r_[a, b], axis=0)
    bend = int(np.flatnonzero((front == [0.2, 0.2]).all(axis=1))[0])
    assert knee(front) == bend
    scaled = front * [1000.0, 0.01]  # units do not matter after normalising
    assert knee(scaled) == bend
    dominated = np.r_[front, [[0.5, 0.5], [0.3, 0.9]]]
    assert knee(dominated) == bend


def test_knee_follows_directions_and_three_objectives() -> None:
    front = np.array([[0.9, 10.0], [0.85, 2.0], [0.5, 1.0], [0.2, 0.5]])  # accuracy, latency
    assert knee(front, ["maximize", "minimize"]) == 1
    rng = np.random.default_rng(0)
    v = np.abs(rng.normal(size=(400, 3)))
    sphere = 1 - v / np.linalg.norm(v, axis=1, keepdims=True)  # convex towards the ideal
    chosen = sphere[knee(sphere)]
    assert np.allclose(chosen, chosen.mean(), atol=0.08)  # the symmetric point (1-1/sqrt3)*1


def test_weights_move_along_the_front_even_where_it_is_concave() -> None:
    x = np.linspace(0, 1, 101)
    concave = np.c_[x, 1 - x**2]  # a weighted sum would only ever pick an end
    picks = [concave[by_weights(concave, [w, 1 - w]), 0] for w in (0.2, 0.5, 0.8)]
    assert picks[0] > picks[1] > picks[2]
    assert picks[2] > 0.05 and picks[0] < 0.95  # interior points, not the ends
    assert by_weights(concave, [1, 0]) == 0  # only the first objective counts: its best
    with pytest.raises(ValueError, match="got 3 weights for 2 objectives"):
        by_weights(concave, [1, 1, 1])
    with pytest.raises(ValueError, match="not all 0"):
        by_weights(concave, [0, 0])


def test_bounds_pick_the_best_within_them() -> None:
    # accuracy (maximise), latency in ms (minimise), memory (minimise)
    v = np.array([[0.95, 30.0, 1.0], [0.93, 9.0, 5.0], [0.90, 4.0, 1.0], [0.93, 8.0, 2.0]])
    dirs = ["maximize", "minimize", "minimize"]
    assert by_bounds(v, 0, {1: 10}, dirs) == 3  # ties at 0.93: the non-dominated one
    assert by_bounds(v, 0, {1: 10, 2: 1.5}, dirs) == 2
    assert by_bounds(v, 0, {}, dirs) == 0
    assert by_bounds(v, 1, {0: 0.92}, dirs) == 3  # a lower bound on a maximised objective
    assert by_bounds(v, 0, {1: 1.0}, dirs) is None
    with pytest.raises(ValueError, match=r"objective must be an index in 0\.\.2"):
        by_bounds(v, 3, {}, dirs)
    with pytest.raises(ValueError, match="bound's key must be an objective index"):
        by_bounds(v, 0, {5: 1.0}, dirs)
    with pytest.raises(ValueError, match="no trials to choose from"):
        knee(np.zeros((0, 2)))
