"""The genetic sampler: a steady-state population read from the trials themselves."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._checks import int_at_least, number_in
from ...exceptions import SpaceExhausted
from ...history import History
from ...multiobjective import directions_of, losses, violations
from ...trial import TrialState
from ..base import Sampler, all_values
from ..qmc import leaf_unit, point_for, unit_point_or_empty
from ._multi import survivors
from ._operators import Breeder, Flat, breed, select_parents

if TYPE_CHECKING:
    from ...space.kinds import Param
    from ...space.tree import Space

_ATTEMPTS = 32


def default_population(n_leaves: int, n_objectives: int = 1) -> int:
    """CMA-ES's 4 + 3 ln d, but at least 10 so that the first generation explores;
    with several objectives at least 10 per objective, so the front has room."""
    size = max(10, round(4 + 3 * math.log(max(n_leaves, 1))))
    return size if n_objectives == 1 else max(size, 10 * n_objectives)


def step_scale(initial: float, generation: float) -> float:
    """Mutation step (fraction of each range): halves every 3 generations, floor 1%."""
    return max(initial * 0.5 ** (generation / 3), 0.01)


class Evolution(Sampler):
    """A genetic algorithm for mixed, conditional spaces; no state outside storage.

    The population is the ``population_size`` best finished trials (steady
    state, so the best are never lost); parents win tournaments of
    ``tournament_size``; a child takes each leaf from either parent
    (``crossover_rate``; whole branches from the parent that chose them),
    then each leaf mutates with probability ``mutation_rate`` (default one
    leaf in d, at least 0.2): a Gaussian step in the internal scale that
    shrinks as generations pass, a new choice, a Repeat one item longer or
    shorter. The first ``population_size`` finished trials come from a
    scrambled Sobol design. Because everything is read from the trials,
    parallel workers and resumed studies agree; running trials count as
    taken, and on a discrete space no configuration is tried twice.

    With several objectives (``history.directions``) survival is NSGA-II's:
    whole non-dominated fronts, the last one cut by crowding distance, and
    tournaments won by the lower front, then the less crowded point. From
    four objectives on (``survival="auto"``; or ``"nsga2"``/``"nsga3"``)
    NSGA-III's reference directions replace crowding. Constraints
    (``system_attrs["constraints"]``, feasible when all <= 0) rank by Deb's
    rule: feasible first, infeasible by total violation.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2 + p["n"], {"x": hs.Float(-5, 5),
    ...                 "n": hs.Int(0, 3)}, sampler=hs.samplers.Evolution(seed=0),
    ...                 n_trials=60, verbosity=0)
    >>> r.best_params["n"], abs(r.best_params["x"] - 1) < 0.3
    (0, True)
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        population_size: int | None = None,
        mutation_rate: float | None = None,
        crossover_rate: float = 0.9,
        tournament_size: int = 2,
        mutation_scale: float = 0.2,
        allow_repeats: bool = False,
        survival: str = "auto",
    ) -> None:
        super().__init__(seed=seed)
        if population_size is not None:
            int_at_least("Evolution", "population_size", population_size, 2)
        if mutation_rate is not None:
            number_in("Evolution", "mutation_rate", mutation_rate, 0.0, 1.0)
        number_in("Evolution", "crossover_rate", crossover_rate, 0.0, 1.0)
        int_at_least("Evolution", "tournament_size", tournament_size, 1)
        number_in("Evolution", "mutation_scale", mutation_scale, 0.0, 1.0, low_open=True)
        if survival not in ("auto", "nsga2", "nsga3"):
            raise ValueError(f"Evolution: survival must be 'auto', 'nsga2' or 'nsga3', "
                             f"but got {survival!r}")  # fmt: skip
        self.survival = survival
        self.population_size = population_size
        self.mutation_rate = mutation_rate
        self.crossover_rate = crossover_rate
        self.tournament_size = tournament_size
        self.mutation_scale = mutation_scale
        self.allow_repeats = allow_repeats
        self._breeders: OrderedDict[int, Breeder | None] = OrderedDict()

    def reseed(self, seed: int) -> None:
        super().reseed(seed)
        self._breeders.clear()

    # --- static spaces: the whole child at once ------------------------------------
    def propose(self, history: History, number: int) -> dict[str, Any]:
        space = history.space
        if space is None:
            return {}
        found = self._population(history, len(space.leaves))
        if found is None:
            paths = list(space.leaves)
            child = point_for(space, paths, unit_point_or_empty(self.entropy, number, paths,
                                                                "sobol", True))  # fmt: skip
        else:
            child = self._child(space, history, number, found)
        if self.allow_repeats or not history.seen(child):
            return child
        return self._unseen(history, space, number)

    def _child(
        self, space: Space, history: History, number: int, found: tuple[list[Flat], float]
    ) -> Flat:
        child: Flat = {}
        for attempt in range(_ATTEMPTS):
            parents, rate, scale = self._plan(number, found, len(space.leaves))
            fresh = self._fresh(number, attempt)
            child = breed(space, parents, self.rng(number), mutation_rate=rate, scale=scale,
                          fresh=fresh)  # fmt: skip
            if self.allow_repeats or not history.seen(child):
                break
        return child

    def _unseen(self, history: History, space: Space, number: int) -> Flat:
        """Breeding keeps finding taken points (a small discrete space): draw, then scan."""
        for attempt in range(_ATTEMPTS, 2 * _ATTEMPTS):
            flat = space.resolve(self._fresh(number, attempt))[1]
            if not history.seen(flat):
                return flat
        size = self.space_size(space)
        if size is None:
            return flat  # continuous leaves: this repeat was bad luck, not exhaustion
        for cell in space.grid(lambda _path, p: all_values(p)):
            if not history.seen(cell):
                return cell
        raise SpaceExhausted(f"all {size} configurations of the space have been tried")

    # --- define-by-run: one leaf at a time ------------------------------------------
    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        if number not in self._breeders:
            self._breeders[number] = self._dbr_breeder(history, number)
            if len(self._breeders) > 64:
                self._breeders.popitem(last=False)
        breeder = self._breeders[number]
        if breeder is None:
            return param.from_unit(leaf_unit(self.entropy, number, path))
        return breeder(path, param)

    def _dbr_breeder(self, history: History, number: int) -> Breeder | None:
        n_leaves = len(history.leaves())
        found = self._population(history, n_leaves)
        if found is None:
            return None
        parents, rate, scale = self._plan(number, found, n_leaves)
        return Breeder(parents, self.rng(number), mutation_rate=rate, scale=scale,
                       fresh=self._fresh(number, 0))  # fmt: skip

    # --- shared ---------------------------------------------------------------------
    def _population(self, history: History, n_leaves: int) -> tuple[list[Flat], float] | None:
        """The surviving finished trials, best first, and the generation (finished trials
        over the population size, from 0); None while the initial design runs.

        One objective without constraints: the best values. Otherwise survival as in
        NSGA-II (or NSGA-III, see ``survival``), under Deb's constraint domination.
        """
        directions = directions_of(history)
        m = len(directions)
        size = self.population_size or default_population(n_leaves, m)
        done = [t for t in history.trials if t.state is TrialState.COMPLETE and t.flat
                and t.values is not None and len(t.values) == m]  # fmt: skip
        if len(done) < size:
            return None
        generation = len(done) / size - 1
        constrained = any(t.system_attrs.get("constraints") for t in done)
        if m == 1 and not constrained:
            sign = directions[0].sign()
            done.sort(key=lambda t: (sign * (t.value or 0.0), t.number))
            return [t.flat for t in done[:size]], generation
        loss, violation = losses(done, directions), violations(done)
        if m == 1:
            keep = np.lexsort((np.arange(len(done)), loss[:, 0], violation))[:size]
        else:
            rng = np.random.default_rng((self.entropy, len(done)))  # every worker agrees
            nsga3 = self.survival == "nsga3" or (self.survival == "auto" and m >= 4)
            keep = survivors(loss, violation, size, rng, reference=nsga3)
        return [done[i].flat for i in keep.tolist()], generation

    def _plan(
        self, number: int, found: tuple[list[Flat], float], n_leaves: int
    ) -> tuple[list[Flat], float, float]:
        """Parents, mutation rate and step for one child: the random part of breeding."""
        population, generation = found
        rng = self.rng(number)
        keys = list(range(len(population)))  # sorted best first: the rank is the key
        a, b = select_parents(keys, self.tournament_size, rng)
        parents = [population[a], population[b]]
        if rng.random() >= self.crossover_rate:
            parents = parents[:1]
        rate = self.mutation_rate
        if rate is None:
            rate = max(1.0 / max(n_leaves, 1), 0.2)
        return parents, rate, step_scale(self.mutation_scale, generation)

    def _fresh(self, number: int, attempt: int) -> Any:
        draw = number + (attempt << 40)
        return lambda path, param: param.from_unit(self.uniform(draw, path))
