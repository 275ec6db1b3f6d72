"""TPE: the orchestrator. The maths is in :mod:`.parzen`, the history cache in
:mod:`._observations`; this module only decides what to model from which trials."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._checks import int_at_least, number_above, number_in
from ...exceptions import SpaceExhausted
from ...history import Fidelity, History
from ...multiobjective import directions_of
from ..base import Sampler, all_values, finite_size
from ..warm import check_half, fade, read_priors
from . import _fidelity, _multi, parzen
from ._model import GroupCache
from ._observations import Codec, Observations, is_discrete
from ._warm import WarmKernels, merge

if TYPE_CHECKING:
    from ...space.kinds import Param
    from ...space.tree import Space

_TPE_ATTEMPTS = 8  # fresh TPE draws before falling back to prior draws (discrete spaces)
_PRIOR_ATTEMPTS = 64


class TPE(Sampler):
    """Tree-structured Parzen Estimator: model good and bad trials, sample where
    good/bad is highest.

    Every leaf kind is modelled natively; leaves always active together are
    modelled jointly, pending trials count as bad (parallel workers spread out),
    and on discrete spaces no configuration repeats unless ``allow_repeats``.
    Under a pruner with rungs (ASHA, Hyperband) pruned trials are ranked by
    their value at a rung, as in BOHB. With several objectives the good set is
    MOTPE's: non-dominated fronts, the last cut by hypervolume contribution;
    infeasible trials (constraints > 0) are bad once any trial is feasible.
    The defaults, and the variants measured and rejected, are explained in
    ``docs/samplers.md``.

    ``prior_studies=[...]`` warm-starts from earlier related studies (study objects,
    ``(storage, name)`` pairs or lists of finished trials; see
    :mod:`hypersweep.samplers.warm`): each is ranked in its own direction and its
    good and bad trials join l(x) and g(x), each with weight
    ``1 / (1 + n_own / prior_fade)`` next to an own trial's 1; the model is used from
    the first trial on for the leaves they cover. Single objective only.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2, {"x": hs.Float(-5, 5)},
    ...                 sampler=hs.samplers.TPE(seed=0), n_trials=30, verbosity=0)
    >>> abs(r.best_params["x"] - 1) < 0.5
    True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        multivariate: bool = True,
        constant_liar: bool = True,
        gamma: float = 0.15,
        max_good: int = 25,
        n_candidates: int = 24,
        prior_weight: float = 1.0,
        bandwidth_alpha: float = 2.0,
        min_bandwidth: float = 0.03,
        categorical_bandwidth: float = 0.2,
        allow_repeats: bool = False,
        multi_fidelity: bool = True,
        prior_studies: Sequence[Any] | None = None,
        prior_fade: float = 3.0,  # beat 10 on Branin, Hartmann3 (docs/lifecycle.md)
    ) -> None:
        super().__init__(seed=seed)
        int_at_least("TPE", "n_startup_trials", n_startup_trials, 0)
        int_at_least("TPE", "max_good", max_good, 1)
        int_at_least("TPE", "n_candidates", n_candidates, 1)
        number_in("TPE", "gamma", gamma, 0.0, 1.0, low_open=True)
        number_above("TPE", "prior_weight", prior_weight, 0.0)
        number_above("TPE", "bandwidth_alpha", bandwidth_alpha, 0.0)
        number_in("TPE", "min_bandwidth", min_bandwidth, 0.0, 1.0)
        number_in("TPE", "categorical_bandwidth", categorical_bandwidth, 0.0, 1.0, high_open=True)
        for name, flag in (
            ("multivariate", multivariate),
            ("constant_liar", constant_liar),
            ("allow_repeats", allow_repeats),
            ("multi_fidelity", multi_fidelity),
        ):
            if not isinstance(flag, bool):
                raise ValueError(f"TPE: {name} must be True or False, but got {flag!r}")
        self.n_startup_trials = n_startup_trials
        self.multivariate = multivariate
        self.constant_liar = constant_liar
        self.gamma = float(gamma)
        self.max_good = max_good
        self.n_candidates = n_candidates
        self.prior_weight = float(prior_weight)
        self.bandwidth_alpha = float(bandwidth_alpha)
        self.min_bandwidth = float(min_bandwidth)
        self.categorical_bandwidth = float(categorical_bandwidth)
        self.allow_repeats = allow_repeats
        self.multi_fidelity = multi_fidelity
        self.prior_fade = check_half("TPE", prior_fade)
        priors = read_priors(prior_studies, "TPE")
        self.prior_studies = tuple(p.name for p in priors)  # the data is kept, not the
        # studies: a sampler travels by pickle to Dask and Ray workers
        self._warm = WarmKernels(priors, self.gamma, self.max_good)
        self._fidelity: Fidelity | None = None  # the study pruner's rungs, read per ask
        self._directions: tuple[Any, ...] = ()
        self._sign = 1.0
        self._space: Space | None = None
        self._good: list[np.ndarray | None] | None = None  # the good rows, once per ask
        self._obs = Observations()
        self._owner: History | None = None
        self._synced: tuple[int, int] | None = None
        self._draws: dict[tuple[int, int], dict[str, Any]] = {}
        self._codecs: dict[str, Codec] = {}
        self._perms: dict[str, np.ndarray] = {}
        self._discrete: dict[int, tuple[bool, int | None]] = {}
        self._models: dict[tuple[str, ...], GroupCache] = {}  # per group, grown between asks

    # --- the contract ------------------------------------------------------------
    def propose(self, history: History, number: int) -> dict[str, Any]:
        space = history.space
        if space is None:
            return {}
        self._refresh(history, number)
        discrete, size = self._discreteness(space)
        check = discrete and not self.allow_repeats
        for attempt in range(_TPE_ATTEMPTS if check else 1):
            flat = space.resolve(self._chooser(number, attempt))[1]
            if not check or not history.seen(flat):
                return flat
        return self._new_by_prior(history, space, number, size)

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        self._refresh(history, number)
        return self._value(number, path, param, 0)

    # --- bookkeeping -------------------------------------------------------------
    def _refresh(self, history: History, number: int) -> None:
        """Bring the encoded history up to date, once per (trial, history length)."""
        if history is not self._owner:  # a new study: start an empty cache
            self._owner, self._obs, self._synced = history, Observations(), None
            self._models = {}
        key = (number, len(history.trials))
        if key == self._synced:
            return
        self._obs.sync(history, number)
        self._synced = key
        self._fidelity = history.fidelity()
        self._sign = history.direction.sign()
        self._directions = directions_of(history)
        if self._warm and len(self._directions) > 1:
            raise ValueError(
                "TPE: prior_studies warm-starts single-objective studies only; "
                "this study has several objectives"
            )
        self._good = None
        self._draws.clear()
        self._space = history.space

    def _discreteness(self, space: Space) -> tuple[bool, int | None]:
        found = self._discrete.get(id(space))
        if found is None:
            discrete = all(is_discrete(p) for p in space.leaves.values())
            found = self._discrete[id(space)] = (discrete, finite_size(space) if discrete else None)
        return found

    def _new_by_prior(
        self, history: History, space: Space, number: int, size: int | None
    ) -> dict[str, Any]:
        """TPE keeps landing on tried points: draw from the prior, then scan what is left."""
        for attempt in range(_PRIOR_ATTEMPTS):
            draw = number + ((attempt + 1) << 40)
            flat = space.resolve(self._prior_chooser(draw))[1]
            if not history.seen(flat):
                return flat
        if size is not None:
            for cell in space.grid(lambda _path, p: all_values(p)):
                if not history.seen(cell):
                    return cell
            raise SpaceExhausted(f"all {size} configurations of the space have been tried")
        return flat  # an astronomically large discrete space: a repeat is the lesser evil

    # --- choosing a value ----------------------------------------------------------
    def _chooser(self, number: int, attempt: int) -> Callable[[str, Param], Any]:
        return lambda path, param: self._value(number, path, param, attempt)

    def _prior_chooser(self, draw: int) -> Callable[[str, Param], Any]:
        return lambda path, param: param.from_unit(self.uniform(draw, path))

    def _value(self, number: int, path: str, param: Param, attempt: int) -> Any:
        draws = self._draws.setdefault((number, attempt), {})
        if path in draws:
            return draws[path]
        codec = self._codec(path, param)
        warm = bool(self._warm) and self._warm.covers(path)
        seen = path in self._obs.columns
        fits = len(self._obs) - self._outside(path, codec) if seen else 0
        if not (warm or fits >= self.n_startup_trials):
            value = param.from_unit(self._startup_u(number, path, attempt))
        elif not codec.categorical and codec.high <= codec.low:
            value = param.from_internal(codec.low)  # a range of one point
        else:
            group = self._obs.group_of(path) if self.multivariate else (path,)
            draws.update(self._draw_group(self._codecs_for(group, codec), number, attempt))
            value = draws[path]
        draws[path] = value
        return value

    def _outside(self, path: str, codec: Codec) -> int:
        """Finished trials whose value of ``path`` the space no longer holds (a range
        narrowed since): left out of the model, and not counted as its startup, so a
        narrowed study draws its first points spread over the new range as a new one
        would (leaving them out alone made it creep from the few that fit)."""
        return self._obs.columns[path].outside(codec)

    def _codec(self, path: str, param: Param) -> Codec:
        codec = self._codecs.get(path)
        if codec is None or (codec.param is not param and codec.param != param):
            codec = self._codecs[path] = Codec(param)
        return codec

    def _codecs_for(self, group: tuple[str, ...], first: Codec) -> dict[str, Codec]:
        """Codecs for a group's leaves (``first`` is the one asked for), skipping
        leaves that are undefined now or span a single point."""
        space = self._space
        params = space.leaves if space is not None else self._obs.params()
        out = {group[0]: first}
        for path in group[1:]:
            param = params.get(path)
            if param is None:
                continue
            codec = self._codec(path, param)
            if codec.categorical or codec.high > codec.low:
                out[path] = codec
        return out

    def _startup_u(self, number: int, path: str, attempt: int) -> float:
        """Latin hypercube over the first ``n_startup_trials`` numbers, per leaf:
        each leaf's range is cut into that many strata, each used once."""
        u = self.uniform(number + (attempt << 40), path)
        n = self.n_startup_trials
        if attempt or number >= n or n < 2:
            return u
        perm = self._perms.get(path)
        if perm is None:
            rng = np.random.default_rng((self._mixed, zlib.crc32(path.encode())))
            perm = self._perms[path] = rng.permutation(n)
        return float((perm[number] + u) / n)

    def _draw_group(self, codecs: dict[str, Codec], number: int, attempt: int) -> dict[str, Any]:
        """Sample a group of leaves jointly: candidates from l(x), best l(x)/g(x)."""
        paths = list(codecs)
        cl = list(codecs.values())
        cache = self._group(paths, cl)
        use, share = self._observed_rows(cache, codecs)
        pend = self._pending(codecs) if self.constant_liar else np.empty((0, len(paths)))
        good, bad = use & (share > 0), use & (share < 1)  # a tied row can be partly in both
        cfg = (self.prior_weight, self.bandwidth_alpha, self.min_bandwidth,
               self.categorical_bandwidth)  # fmt: skip
        below = cache.side(good, share, np.empty((0, len(paths))), cl, cfg)
        warm = self._warm.sides(codecs, cfg, self._sign) if self._warm else None
        weight = fade(len(self._obs), self.prior_fade) if warm is not None else 0.0
        if warm is not None:
            below = merge(below, warm[0], weight)
        rng = np.random.default_rng((self._mixed, number, attempt, zlib.crc32(paths[0].encode())))
        cand = below.sample(rng, self.n_candidates)
        decoded = [c.score_form(cand[:, j]) for j, c in enumerate(cl)]
        snapped = np.stack([d[0] for d in decoded], axis=1)
        bins = [d[1] for d in decoded]
        above = cache.side(bad, 1.0 - share, pend, cl, cfg, at=snapped)  # after the draws:
        if warm is not None:  # a large side is summarised around the candidates
            above = merge(above, warm[1], weight)
        score = below.log_pdf(snapped, bins) - above.log_pdf(snapped, bins)
        best = int(np.argmax(score))
        return {p: c.param.from_internal(float(cand[best, j])) for j, (p, c) in
                enumerate(codecs.items())}  # fmt: skip

    def _group(self, paths: list[str], codecs: list[Codec]) -> GroupCache:
        """The group's cache, brought up to date (a new one if a leaf was redefined)."""
        key = tuple(paths)
        cache = self._models.get(key)
        if cache is None or not cache.matches(paths, codecs):
            cache = self._models[key] = GroupCache(paths, codecs)
        cache.update(self._obs, codecs)
        return cache

    def _observed_rows(
        self, cache: GroupCache, codecs: dict[str, Codec]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which of the group's valid rows (finished trials where every leaf was active
        and valid) to model, and each one's share of the good set (0 to 1)."""
        valid = cache.valid_rows()
        narrowed = any(p in self._obs.columns and self._outside(p, c) for p, c in codecs.items())
        if narrowed and len(self._directions) == 1 and self._good_rows() is None:
            n_good = parzen.n_good(len(valid), self.gamma, self.max_good)
            return np.ones(len(valid), dtype=bool), self._obs.shares_among(valid, n_good)
        share = self._shares(cache.full.view(), codecs)
        return np.ones(len(valid), dtype=bool), share[valid]

    def _observed(self, codecs: dict[str, Codec]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Internal values (m, d) of the modelled rows, each one's share of the good set,
        and its age key (the trial number)."""
        cache = self._group(list(codecs), list(codecs.values()))
        use, share = self._observed_rows(cache, codecs)
        return cache.vx.view()[use], share[use], cache.ages[use]

    def _internal(self, codecs: dict[str, Codec]) -> np.ndarray:
        """Every finished trial's internal values of the group's leaves (NaN: inactive)."""
        return self._group(list(codecs), list(codecs.values())).full.view()

    def _shares(self, full: np.ndarray, codecs: dict[str, Codec]) -> np.ndarray:
        """Each row's share of the good set: the best at a rung under a pruner with
        rungs, else by rank, a wide tie at the boundary (a plateau) counting once."""
        obs = self._obs
        if len(self._directions) > 1:  # several objectives: MOTPE's split
            n_good = parzen.n_good(len(obs), self.gamma, self.max_good)
            return _multi.good_shares(obs.vectors, obs.violation.view(), self._directions,
                                      n_good)  # fmt: skip
        picked = self._good_rows()
        if picked is not None:
            share = np.zeros(len(obs))
            share[picked] = 1.0
            return share
        n_good = parzen.n_good(len(obs), self.gamma, self.max_good)
        block = obs.tie_block(n_good)
        wide = block is not None and is_wide(full[block], list(codecs.values()))
        return obs.good_shares(n_good, once=wide)

    def _good_rows(self) -> np.ndarray | None:
        """The good set from rung values (see :mod:`._fidelity`), or None for optuna's
        rule: no learning curves, no rungs, or no budget reached by enough trials."""
        if self._good is None:
            self._good = [self._good_rows_now()]
        return self._good[0]

    def _good_rows_now(self) -> np.ndarray | None:
        obs, fidelity = self._obs, self._fidelity
        if not self.multi_fidelity or obs.max_step < 0 or fidelity is None:
            return None
        n_good = parzen.n_good(len(obs), self.gamma, self.max_good)
        budgets: list[float] = list(fidelity.rungs(obs.max_step))
        found = _fidelity.good_rows(obs.values_at, obs.finals.view(), budgets, n_good, n_good)
        return None if found is None else found[0]

    def _pending(self, codecs: dict[str, Codec]) -> np.ndarray:
        rows = []
        for flat in self._obs.pending:
            if all(p in flat for p in codecs):
                row = [c.encode(flat[p]) for p, c in codecs.items()]
                if not any(math.isnan(v) for v in row):
                    rows.append(row)
        return np.asarray(rows, dtype=float).reshape(-1, len(codecs))


PLATEAU_FRACTION = 0.25  # of a numeric range: the spread that makes a tie a plateau


def is_wide(rows: np.ndarray, codecs: list[Codec], fraction: float = PLATEAU_FRACTION) -> bool:
    """Whether tied rows spread over a ``fraction`` of some numeric range: a plateau
    of equal scores, not a cluster of neighbours that a coarse score rounds alike."""
    for j, codec in enumerate(codecs):
        col = rows[:, j]
        col = col[~np.isnan(col)]
        if codec.categorical or len(col) < 2 or codec.high <= codec.low:
            continue
        if (col.max() - col.min()) >= fraction * (codec.high - codec.low):
            return True
    return False
