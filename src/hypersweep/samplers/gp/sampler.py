"""The GP sampler: a thin orchestrator over encoding, model and acquisition modules."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._checks import int_at_least
from ...history import History
from ..base import Sampler
from ..random import Random
from ..warm import read_priors
from . import _multi, output
from ._warm import modelled, warm_configs, warm_point
from .encoding import Encoding
from .fitting import FitCache, subset
from .model import Hyper, Posterior
from .optimize import optimize
from .pending import RULES, running_points, with_pending

if TYPE_CHECKING:
    from ...space.kinds import Param
    from ...space.tree import Space

_log = logging.getLogger(__name__)
_TRIES = 256  # ranked acquisition points checked against the history on finite spaces


class GP(Sampler):
    """Gaussian-process Bayesian optimisation (Matern 5/2 ARD, log EI), in numpy/scipy.

    The first ``n_startup_trials`` trials follow a scrambled Sobol sequence over
    the whole space. Then a GP is fit by MAP (optuna's lengthscale penalty) to a
    Yeo-Johnson transform of the completed trials' values (see ``output``) and the
    next point maximises log expected improvement in that space. Pruned and
    failed trials are not modelled (a pruned trial's last value was measured at a
    smaller budget), but they are never proposed again.
    Running trials (``pending``) are "kriging believers" by default: they join the
    data at the posterior mean, so parallel workers spread out. ``"fantasies"``
    averages EI over joint posterior draws of their values instead, ``"liar"`` puts
    them at the worst value (see ``pending``; compared in benchmarks/gp_scale.py).

    ``prior_studies=[...]`` warm-starts from earlier related studies (study objects,
    ``(storage, name)`` pairs or lists of finished trials, see
    :mod:`hypersweep.samplers.warm`): the first ``n_warm`` trials are their best
    configurations mapped onto this space, the rest of the startup stays Sobol, and
    the GP then models this study's own trials only (see ``_warm``).

    Conditional spaces: the model covers the leaves active in every completed
    trial; the other leaves (branches, repeats, define-by-run extras) are drawn
    at random from their priors, as optuna does.

    Cost: hyperparameters are fit on at most ``max_fit_points`` trials (the best
    quarter plus a seeded random draw of the rest), refit every trial up to 64 and
    about every n / 16 trials after (see ``fitting``; a cached fit equals a fresh
    one); the posterior uses at most ``max_points`` (the best half plus the most
    recent).

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2 + p["y"] ** 2,
    ...                 {"x": hs.Float(-5, 5), "y": hs.Float(-5, 5)},
    ...                 sampler=hs.samplers.GP(seed=0), n_trials=20, verbosity=0)
    >>> r.best_value < 0.05
    True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        allow_repeats: bool = False,
        n_candidates: int = 2048,
        n_starts: int = 10,
        max_fit_points: int = 256,
        max_points: int = 400,
        pending: str = "believer",
        prior_studies: Sequence[Any] | None = None,
        n_warm: int = 5,
    ) -> None:
        super().__init__(seed=seed)
        int_at_least("GP", "n_startup_trials", n_startup_trials, 1)
        int_at_least("GP", "n_candidates", n_candidates, 16)
        int_at_least("GP", "n_starts", n_starts, 2)
        int_at_least("GP", "max_fit_points", max_fit_points, 8)
        int_at_least("GP", "max_points", max_points, max(8, max_fit_points))
        self.n_startup_trials = n_startup_trials
        self.deterministic_objective = bool(deterministic_objective)
        self.allow_repeats = bool(allow_repeats)
        self.n_candidates = n_candidates
        self.n_starts = n_starts
        self.max_fit_points = max_fit_points
        self.max_points = max_points
        if pending not in RULES:
            raise ValueError(f"GP: pending must be one of {', '.join(RULES)}; got {pending!r}")
        self.pending = pending
        int_at_least("GP", "n_warm", n_warm, 0)
        self.n_warm = n_warm
        self._priors = read_priors(prior_studies, "GP")  # data only: samplers are pickled
        self.prior_studies = tuple(p.name for p in self._priors)
        self._fits = FitCache()
        self._random = Random(seed=self.entropy, allow_repeats=allow_repeats)
        self._sobol: dict[tuple[int, int], np.ndarray] = {}
        self.hyper_: Hyper | None = None

    supports_multi_objective = True  # one GP per objective, log EHVI (see _multi)

    def reseed(self, seed: int) -> None:
        super().reseed(seed)
        self._random.reseed(seed)
        self._sobol.clear()
        self._fits.clear()

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        return param.from_unit(self.uniform(number, path))

    def propose(self, history: History, number: int) -> dict[str, Any]:
        if len(history.directions) > 1:  # several objectives: log EHVI, see _multi
            with _thread_limit():
                return _multi.propose(self, history, number, self._startup, self._first_fresh)
        done = [t for t in history.complete() if t.value is not None]
        if len(done) < self.n_startup_trials:
            first = self._warm(history, number)
            starts = [self._startup(history, number)] if first is None else [first]
            return self._first_fresh(history, number, starts)
        joint, done = modelled(history.leaves(), done, self.n_startup_trials)
        if not joint:
            return self._first_fresh(history, number, [{}])
        with _thread_limit():
            ranked = self._ranked(history, number, done, joint)  # decoded lazily
        return self._first_fresh(history, number, ranked)

    # --- startup ----------------------------------------------------------------
    def _startup(self, history: History, number: int) -> dict[str, Any]:
        """Scrambled Sobol over every leaf of a static space; prior draws otherwise."""
        space = history.space
        if space is None or not space.leaves:
            return {}
        paths = sorted(space.leaves)
        table = self._sobol_table(len(paths))
        if number >= len(table):
            return {}
        u = dict(zip(paths, table[number]))
        return space.resolve(lambda path, p: p.from_unit(float(u[path])))[1]

    def _warm(self, history: History, number: int) -> dict[str, Any] | None:
        """Startup trial ``number`` from the prior studies' best (see ``_warm``), if any."""
        space = history.space
        if not self._priors or space is None or number >= self.n_warm:
            return None
        configs = warm_configs(self._priors, history.direction.sign())
        return warm_point(
            space, configs, number, lambda path, p: self.sample(history, number, path, p)
        )

    def _sobol_table(self, n_dims: int) -> np.ndarray:
        key = (n_dims, self.n_startup_trials)
        if key not in self._sobol:
            from scipy.stats import qmc

            m = max(int(math.ceil(math.log2(max(self.n_startup_trials, 2)))), 1)
            sobol = qmc.Sobol(n_dims, scramble=True, seed=np.random.default_rng(self.entropy))
            self._sobol[key] = sobol.random_base2(m)
        return self._sobol[key]

    # --- model ------------------------------------------------------------------
    def _ranked(
        self, history: History, number: int, done: list[Any], joint: dict[str, Param]
    ) -> Iterable[dict[str, Any]]:
        enc = Encoding(joint)
        x, y = _training_data(enc, done, history.direction.sign())
        rng = np.random.default_rng((self.entropy & (2**63 - 1), number))
        self.hyper_ = self._fits.hyper(enc, x, y, entropy=self.entropy,
                                       deterministic=self.deterministic_objective,
                                       max_fit_points=self.max_fit_points)  # fmt: skip
        ys = output.transform(y)
        keep = subset(ys, self.max_points, rng, recent=True)
        post = Posterior(enc.features(x[keep]), ys[keep], enc.cols, self.hyper_)
        pend = enc.features(running_points(enc, history, number))
        post, threshold = with_pending(post, pend, self.pending, rng)
        points, _ = optimize(post, enc, threshold, x[int(np.argmin(ys))], rng,
                             n_candidates=self.n_candidates, n_starts=self.n_starts)  # fmt: skip
        return (enc.decode(p) for p in points[:_TRIES])

    # --- no wasted budget -------------------------------------------------------
    def _first_fresh(
        self, history: History, number: int, proposals: Iterable[dict[str, Any]]
    ) -> dict[str, Any]:
        """The first proposal whose full configuration is new; Random's search after that
        (which raises SpaceExhausted once a finite space is used up)."""
        space = history.space
        it = iter(proposals)
        if space is None or self.allow_repeats or self.space_size(space) is None:
            return next(it, {})
        for proposal in it:
            flat = self._complete(space, history, number, proposal)
            if not history.seen(flat):
                return flat
        _log.debug("trial %d: every ranked GP point was tried; drawing at random", number)
        return self._random.propose(history, number)

    def _complete(
        self, space: Space, history: History, number: int, proposal: dict[str, Any]
    ) -> dict[str, Any]:
        def choose(path: str, param: Param) -> Any:
            if path in proposal:
                return proposal[path]
            return self.sample(history, number, path, param)

        return space.resolve(choose)[1]


_controller: Any = None  # threadpoolctl's ThreadpoolController, False without threadpoolctl
THREADS = 1  # BLAS/OpenMP threads while proposing; None leaves the libraries alone


def _thread_limit() -> contextlib.AbstractContextManager[Any]:
    """Cap BLAS/OpenMP threads while the model is fit and the acquisition optimised.

    Our matrices are small (at most ``max_points`` rows), so threads buy little and,
    on a machine shared with other workers, oversubscription made asks about five
    times slower. Uses threadpoolctl (a scikit-learn dependency) if it is installed.
    """
    global _controller
    if THREADS is None:
        return contextlib.nullcontext()
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # not installed, or it cannot inspect this platform
            _controller = False
    if _controller is False:
        return contextlib.nullcontext()
    return _controller.limit(limits=THREADS)


def _joint_leaves(leaves: dict[str, Param], done: list[Any]) -> dict[str, Param]:
    """Leaves set in every completed trial (sorted by path), whose values the model can encode."""
    paths = sorted(p for p in leaves if all(p in t.flat for t in done))
    return {p: leaves[p] for p in paths}


def _training_data(enc: Encoding, done: list[Any], sign: float) -> tuple[np.ndarray, np.ndarray]:
    """Encoded points and signed values; trials a redefined parameter cannot encode are
    skipped, and non-finite values become the worst finite one."""
    xs, ys = [], []
    for t in done:
        try:
            xs.append(enc.encode(t.flat))
        except (KeyError, ValueError, TypeError):
            continue
        ys.append(sign * float(t.value))
    x = np.clip(np.array(xs, dtype=float).reshape(-1, enc.n_dims), -1.0, 2.0)
    y = np.array(ys, dtype=float)
    finite = np.isfinite(y)
    worst = y[finite].max() if finite.any() else 0.0
    return x, np.where(finite, y, worst)
