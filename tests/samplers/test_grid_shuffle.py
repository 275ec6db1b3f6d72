"""Grid(shuffle=True): every cell once, in an order fixed by the seed."""

from __future__ import annotations

import hypersweep as hs

SPACE = {"a": hs.Categorical([1, 2, 3, 4]), "b": hs.Categorical(["x", "y", "z"])}


def _order(seed: int, shuffle: bool) -> list[tuple[int, str]]:
    study = hs.create_study(space=SPACE, sampler=hs.samplers.Grid(shuffle=shuffle, seed=seed))
    study.optimize(lambda p: 0.0, n_trials=None)
    return [(t.params["a"], t.params["b"]) for t in study.trials]


def test_a_shuffled_grid_runs_every_cell_once_in_a_seeded_order() -> None:
    plain = _order(0, shuffle=False)
    first, again, other = _order(0, True), _order(0, True), _order(1, True)
    assert sorted(first) == sorted(plain) and len(set(first)) == len(plain) == 12
    assert first == again  # same seed, same order
    assert first != plain and first != other  # (1 / 12! chance of a false alarm each)
