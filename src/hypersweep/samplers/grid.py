"""Grid search: every cell once, across workers, interruptions and resumes.

Which cells are taken is read from the trials themselves (storage is the
truth), so a resumed or parallel study never runs a cell twice, and a cell
whose trial was interrupted (Ctrl-C, dead worker) is run again. With
``rounds > 1`` the grid refines itself: once a round is finished, numeric
ranges shrink to the neighbourhood of the best cell and a finer grid follows
(the usual coarse-to-fine advice: a coarse grid first, then zoom in).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from ..exceptions import GridExhausted
from ..history import History, config_key
from ..space.kinds import Categorical, Float, Int, Normal, Param
from ..trial import FrozenTrial, TrialState
from .base import Sampler

_ORDER_STREAM = 2**63 - 1  # a stream no trial number uses: the shuffled order of the cells

if TYPE_CHECKING:
    from ..space.tree import Space


def _cell_key(flat: Mapping[str, Any], paths: Sequence[str]) -> str:
    """The grid's leaves of ``flat`` (None where absent) under the one "same
    configuration" rule, so a point reached through log/exp twice is one cell."""
    return config_key({p: flat.get(p) for p in paths})


def _takes_cell(trial: FrozenTrial) -> bool:
    return not (trial.state is TrialState.FAIL and trial.interrupted)


class Grid(Sampler):
    """Exhaustive search over a grid.

    ``grid`` maps leaf paths to the values to try; any numeric leaf it leaves
    out gets ``n_points`` evenly spaced values (log-spaced for log ranges), and
    categoricals get all their choices. Without a static space (define-by-run),
    ``grid`` must name every parameter.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: p["x"] ** 2 + p["y"], {"x": hs.Float(-1, 1), "y": hs.Int(0, 2)},
    ...                 sampler=hs.samplers.Grid(n_points=3), verbosity=0)
    >>> len(r.trials), r.best_params
    (9, {'x': 0.0, 'y': 0})
    """

    def __init__(
        self,
        grid: Mapping[str, Sequence[Any]] | None = None,
        *,
        n_points: int = 5,
        rounds: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        int_at_least("Grid", "n_points", n_points, 1)
        int_at_least("Grid", "rounds", rounds, 1)
        self.grid = {k: list(v) for k, v in (grid or {}).items()}
        for path, values in self.grid.items():
            if isinstance(values, (str, bytes)) or not values:
                raise ValueError(
                    f"Grid: the values for {path!r} must be a non-empty list, but got {values!r}"
                )
        self.n_points = n_points
        self.rounds = rounds
        self.shuffle = shuffle
        self._plan_cache: tuple[Any, list[list[dict[str, Any]]]] | None = None
        self._keys: dict[tuple[int, str], str] = {}
        self._first: tuple[Any, list[dict[str, Any]], list[str], list[str]] | None = None
        self._taken: (
            tuple[History, list[int], dict[int, tuple[dict[str, Any], str]], dict[str, int]] | None
        ) = None
        self._free_from = 0  # cells before it were taken at the last propose

    # --- the plan: a list of rounds, each a list of cells ---------------------
    def cells(self, space: Space | None) -> list[dict[str, Any]]:
        """The first round's cells, in the order they will be tried."""
        return self._round_cells(space, self._points_for(space, None))

    def _points_for(self, space: Space | None, best: dict[str, Any] | None) -> Any:
        previous = dict(getattr(self, "_prev_points", {}))

        def points(path: str, param: Param) -> list[Any]:
            if path in self.grid and best is None:
                values = self.grid[path]
                bad = [v for v in values if not param.contains(v)]
                if bad:
                    raise ValueError(f"Grid: the values {bad!r} for {path!r} are outside {param!r}")
                return [
                    param.keys[param.index_of(v)] if isinstance(param, Categorical) else v
                    for v in values
                ]
            if best is not None and path in best:
                return _refine(param, best[path], previous.get(path, []), self.n_points)
            return param.grid(self.n_points)

        return points

    def _round_cells(self, space: Space | None, points: Any) -> list[dict[str, Any]]:
        if space is not None:
            self._prev_points: dict[str, list[Any]] = {}

            def recording(path: str, param: Param) -> list[Any]:
                values = points(path, param)
                self._prev_points[path] = values
                return values

            cells = space.grid(recording)
        else:
            if not self.grid:
                raise ValueError(
                    "Grid: a define-by-run study has no space to grid over; pass the values, "
                    "e.g. hs.samplers.Grid({'lr': [0.1, 0.01], 'units': [32, 64]})"
                )
            paths = list(self.grid)
            self._prev_points = {p: list(self.grid[p]) for p in paths}
            cells = [dict(zip(paths, combo)) for combo in itertools.product(*self.grid.values())]
        if self.shuffle:  # the same order on every call and in every worker: a fresh generator
            import numpy as np  # lazily: keeps `import hypersweep` light

            order = np.random.default_rng((self.entropy, _ORDER_STREAM)).permutation(len(cells))
            cells = [cells[i] for i in order]
        return cells

    def _plan(self, history: History, number: int) -> tuple[list[dict[str, Any]], set[str], bool]:
        """All cells of the rounds reached so far, the taken ones, and whether more may come.

        Trial ``number`` is the one being planned for, so it takes no cell yet.
        """
        space = history.space
        trials = [t for t in history.trials if t.number != number]
        taken: set[str] = set()
        first = self._round_cells(space, self._points_for(space, None))
        paths = sorted({p for c in first for p in c})
        for t in trials:
            if _takes_cell(t):
                taken.add(self._key(t, paths))
        all_cells = list(first)
        round_cells = first
        for _ in range(1, self.rounds):
            keys = {_cell_key(c, paths) for c in round_cells}
            if not keys <= taken or any(
                t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials
            ):
                return all_cells, taken, True  # this round is still going
            best = _best(history, keys, paths)
            if best is None or space is None:
                break
            round_cells = self._round_cells(space, self._points_for(space, best))
            known = {_cell_key(c, paths) for c in all_cells}
            all_cells.extend(c for c in round_cells if _cell_key(c, paths) not in known)
        return all_cells, taken, False

    def _key(self, trial: FrozenTrial, paths: Sequence[str]) -> str:
        cache_key = (trial.number, trial.state.value)
        key = self._keys.get(cache_key)
        if key is None:
            key = self._keys[cache_key] = _cell_key(trial.flat, paths)
        return key

    def propose(self, history: History, number: int) -> dict[str, Any]:
        if self.rounds == 1:
            found = self._next_cell(history, number)
            if found is not None:
                return found
        cells, taken, _ = self._plan(history, number)
        paths = sorted({p for c in cells for p in c}) if cells else []
        for cell in cells:
            if _cell_key(cell, paths) not in taken:
                return dict(cell)
        raise GridExhausted(
            f"all {len(cells)} grid cells have been run or are running; nothing is left to try"
        )

    def _next_cell(self, history: History, number: int) -> dict[str, Any] | None:
        """One round: the first free cell, from cells and keys computed once and taken
        cells counted as trials change, so a propose costs O(changes), not O(trials +
        cells); None when the history does not track changes (the full plan decides)."""
        first = self._first
        if first is None or first[0] is not history.space:
            cells = self._round_cells(history.space, self._points_for(history.space, None))
            paths = sorted({p for c in cells for p in c})
            first = self._first = (
                history.space,
                cells,
                paths,
                [_cell_key(c, paths) for c in cells],
            )
        _, cells, paths, keys = first
        state = self._taken
        if state is None or state[0] is not history:
            state = self._taken = (history, [0], {}, {})
        _, cursor, key_of, counts = state
        changed = history.changes_since(cursor[0])
        if changed is None:
            return None
        numbers, cursor[0] = changed
        freed = []
        for n in numbers:
            trial = history.get(n)
            old = key_of.pop(n, None)
            if old is not None:
                counts[old[1]] -= 1
                freed.append(old[1])
            if trial is not None and _takes_cell(trial):
                same = old is not None and old[0] == trial.flat  # a state change: same cell
                key = old[1] if same and old is not None else _cell_key(trial.flat, paths)
                key_of[n] = (trial.flat, key)
                counts[key] = counts.get(key, 0) + 1
        if any(not counts[k] for k in freed):
            self._free_from = 0  # a cell came free: scan from the start again
        mine = key_of[number][1] if number in key_of else None
        for i in range(self._free_from, len(cells)):
            k = keys[i]
            if counts.get(k, 0) - (k == mine) <= 0:
                self._free_from = i
                return dict(cells[i])
        raise GridExhausted(
            f"all {len(cells)} grid cells have been run or are running; nothing is left to try"
        )

    def unique_configs(self, history: History) -> bool:
        return True

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        # a leaf outside the grid (a define-by-run parameter the grid does not name)
        raise ValueError(
            f"Grid: the parameter {path!r} is not in the grid; add it, e.g. "
            f"hs.samplers.Grid({{{path!r}: [...]}})"
        )

    def is_exhausted(self, history: History) -> bool:
        try:
            self.propose(history, -1)
        except GridExhausted:
            return True
        return False


def _best(history: History, keys: set[str], paths: Sequence[str]) -> dict[str, Any] | None:
    sign = history.direction.sign()
    done = [
        t
        for t in history.trials
        if t.state is TrialState.COMPLETE
        and t.value is not None
        and _cell_key(t.flat, paths) in keys
    ]
    if not done:
        return None
    return dict(min(done, key=lambda t: sign * (t.value or 0.0)).flat)


def _refine(param: Param, best: Any, previous: list[Any], n_points: int) -> list[Any]:
    """Points around ``best`` between its neighbours on the previous round's grid."""
    if isinstance(param, Categorical):
        return [best]
    if not isinstance(param, (Float, Int, Normal)):
        return [best]
    ordered = sorted(previous)
    if best not in ordered or len(ordered) < 2:
        return [best]
    i = ordered.index(best)
    lo = ordered[max(i - 1, 0)]
    hi = ordered[min(i + 1, len(ordered) - 1)]
    log = bool(getattr(param, "log", False)) or type(param).__name__ == "LogNormal"
    if isinstance(param, Int):
        narrow: Param = Int(
            int(lo),
            int(hi),
            step=int(param.step or 1) if not param.log else 1,
            log=param.log and lo > 0,
        )
    else:
        step = getattr(param, "step", None)
        narrow = Float(float(lo), float(hi), log=log and lo > 0, step=step)
    # n_points + 2 points across the gap, without its two ends (run already): new points
    # appear even when the best sits in the middle and n_points is odd
    values = narrow.grid(n_points + 2)[1:-1] if n_points > 1 else []
    close = [p for p in ordered if p is not None]
    snapped = {_snap_to(v, close) for v in values} | {best}
    return sorted(snapped, key=lambda v: math.inf if v is None else v)


def _snap_to(value: Any, known: list[Any]) -> Any:
    """A known point equal to ``value`` up to rounding, else ``value`` itself."""
    for k in known:
        if isinstance(k, (int, float)) and math.isclose(k, value, rel_tol=1e-9, abs_tol=1e-12):
            return k
    return value
