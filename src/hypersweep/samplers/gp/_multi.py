"""The GP sampler with several objectives: log EHVI times the probability of feasibility.

One GP per objective and one per constraint (independent, each on standardised values;
the hyperparameters come from the single-objective sampler's fitting cache). A candidate's score is

    log EHVI(front of feasible trials) + sum_k log P(constraint_k <= 0),

the constrained EHVI of Gardner et al. 2014 / optuna's constrained LogEHVI, with
EHVI exact by box decomposition (``ehvi``). Until a trial is feasible the score is the
probability of feasibility alone, so the search first walks into the feasible region.
The front and its reference point (the worst value of every trial + 10% of the range)
live in the standardised space where the GPs are fit. Running trials join each GP at
their posterior mean (kriging believer) and the front at those means, so parallel
workers spread out.

The model, kernel, fitting cache and candidate generation are the single-objective
sampler's (``model``, ``fitting``, ``optimize``); only the acquisition and its
L-BFGS-B ascent are new here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy.optimize import minimize

from ...multiobjective import directions_of, pareto_mask, reference_point, to_loss
from . import output
from .ehvi import boxes, log_ehvi, log_ehvi_grad, log_feasibility, log_feasibility_grad
from .encoding import Encoding
from .fitting import FitCache, subset
from .model import Posterior
from .optimize import candidates, pick_starts
from .pending import running_points

if TYPE_CHECKING:
    from ...history import History
    from ...space.kinds import Param


class GP(Protocol):
    """The settings this module reads from the GP sampler (a protocol, so that this
    module, which the sampler imports, does not import it back)."""

    n_startup_trials: int
    n_candidates: int
    n_starts: int
    deterministic_objective: bool
    max_fit_points: int
    max_points: int

    @property
    def entropy(self) -> int: ...


_TRIES = 256
# From this many completed trials on, TPE's multi-objective mode proposes instead: a GP
# ask costs about a CPU second at 250 trials and grows (n^2 posterior, k^2 boxes for 3
# objectives), TPE's about 0.01 s (as optuna's AutoSampler hands over after 250 trials).
HANDOVER = 250
# The objectives are modelled standardised (not Yeo-Johnson transformed as one objective
# is) and EHVI's reference point is the worst of every trial plus 10% of the range (not
# the front's nadir): on ZDT1 (development seed 101, 30 variables) hypervolume at 40 / 60
# trials went 9.27 / 10.90 -> 10.54 / 11.25, the far reference point rewarding the
# front's ends and the plain scale keeping the gaps between front points as they are.
OUTPUT = "standardise"  # or "transform"
REFERENCE = "all"  # or "front"
_N_LOCAL = 256
_caches: weakref.WeakKeyDictionary[Any, dict[str, FitCache]] = weakref.WeakKeyDictionary()
_successors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

Startup = Callable[["History", int], dict[str, Any]]
FirstFresh = Callable[["History", int, Iterable[dict[str, Any]]], dict[str, Any]]


def propose(
    sampler: GP, history: History, number: int, startup: Startup, first_fresh: FirstFresh
) -> dict[str, Any]:
    """The next configuration for a study of several objectives (see the module doc)."""
    m = len(directions_of(history))
    done = [t for t in history.complete() if t.values is not None and len(t.values) == m]
    if len(done) < sampler.n_startup_trials:
        return first_fresh(history, number, [startup(history, number)])
    if len(done) >= HANDOVER:
        return _handed_over(sampler, history, number)
    leaves = history.leaves()
    joint = {p: leaves[p] for p in sorted(leaves) if all(p in t.flat for t in done)}
    if not joint:
        return first_fresh(history, number, [{}])
    return first_fresh(history, number, _ranked(sampler, history, number, done, joint))


def _handed_over(sampler: GP, history: History, number: int) -> dict[str, Any]:
    """TPE's proposal (seeded from the GP's seed), every static leaf filled by TPE."""
    from ..tpe import TPE

    tpe = _successors.get(sampler)
    if tpe is None or tpe.entropy != sampler.entropy:
        tpe = _successors[sampler] = TPE(seed=sampler.entropy)
    proposal = tpe.propose(history, number)
    space = history.space
    if space is None:
        return proposal

    def choose(path: str, param: Param) -> Any:
        return proposal[path] if path in proposal else tpe.sample(history, number, path, param)

    return space.resolve(choose)[1]


class Acquisition:
    """log EHVI + log P(feasible) at model coordinates, with its gradient."""

    def __init__(
        self,
        objectives: Sequence[Posterior],
        constraints: Sequence[Posterior],
        bounds: np.ndarray,
        front: np.ndarray,
        ref: np.ndarray,
        enc: Encoding,
    ) -> None:
        self.objectives, self.constraints, self.bounds, self.enc = (
            objectives,
            constraints,
            bounds,
            enc,
        )
        self.use_ehvi = len(front) > 0
        empty = np.zeros((0, len(ref)))
        self.lo: np.ndarray
        self.hi: np.ndarray
        self.lo, self.hi = boxes(front, ref) if self.use_ehvi else (empty, empty)

    def values(self, x: np.ndarray) -> np.ndarray:
        f = self.enc.features(x)
        out = np.zeros(len(x))
        if self.use_ehvi:
            mean, sd = _stack([p.predict(f) for p in self.objectives])
            out += log_ehvi(mean, sd, self.lo, self.hi)
        if self.constraints:
            mean, sd = _stack([p.predict(f) for p in self.constraints])
            out += log_feasibility(mean, sd, self.bounds)
        return out

    def value_grad(self, x: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values (n,) and gradients (n, len(cols)) with respect to the feature columns."""
        f = self.enc.features(x)
        total, grad = np.zeros(len(x)), np.zeros((len(x), len(cols)))
        parts: list[tuple[Sequence[Posterior], Callable[..., Any]]] = []
        if self.use_ehvi:
            parts.append((self.objectives, lambda mu, sd: log_ehvi_grad(mu, sd, self.lo, self.hi)))
        if self.constraints:
            parts.append(
                (self.constraints, lambda mu, sd: log_feasibility_grad(mu, sd, self.bounds))
            )
        for posts, fn in parts:
            preds = [p.predict_grad(f) for p in posts]
            sd = np.sqrt(np.column_stack([p[1] for p in preds]))
            value, d_mu, d_sd = fn(np.column_stack([p[0] for p in preds]), sd)
            total += value
            for j, (_, _, dmean, dvar) in enumerate(preds):
                grad += d_mu[:, j : j + 1] * dmean[:, cols]
                grad += (d_sd[:, j] / (2.0 * sd[:, j]))[:, None] * dvar[:, cols]
        return total, grad


def _stack(preds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    return np.column_stack([p[0] for p in preds]), np.sqrt(np.column_stack([p[1] for p in preds]))


def _ranked(
    sampler: GP, history: History, number: int, done: list[Any], joint: dict[str, Param]
) -> Iterable[dict[str, Any]]:
    enc = Encoding(joint)
    x, loss, cons = _training_data(enc, done, directions_of(history))
    rng = np.random.default_rng((sampler.entropy & (2**63 - 1), number))
    fits = _caches.setdefault(sampler, {})
    pend = enc.features(running_points(enc, history, number))
    objectives, ys = [], []
    for j in range(loss.shape[1]):
        post, y = _posterior(sampler, fits.setdefault(f"y{j}", FitCache()), enc, x, loss[:, j], rng)
        objectives.append(post.with_fantasies(pend))
        ys.append(y)
    constraints, bounds = [], []
    for k in range(cons.shape[1]):
        post, c = _posterior(sampler, fits.setdefault(f"c{k}", FitCache()), enc, x, cons[:, k], rng)
        constraints.append(post)
        bounds.append(_image_of_zero(cons[:, k], c))
    feasible = np.all(cons <= 0, axis=1)
    front = np.column_stack(ys)[feasible]
    if len(front) and len(pend):
        front = np.vstack([front, _believed(objectives, constraints, bounds, pend)])
    ref = reference_point(front) if len(front) else np.zeros(loss.shape[1])
    if REFERENCE == "all" and len(front):
        ref = np.column_stack(ys).max(axis=0) + 0.1 * np.ptp(np.column_stack(ys), axis=0)
    acq = Acquisition(objectives, constraints, np.array(bounds), front, ref, enc)
    anchors = x[feasible][pareto_mask(front[: int(feasible.sum())])] if feasible.any() else x
    points = _optimize(acq, enc, anchors, rng, sampler.n_candidates, sampler.n_starts)
    return (enc.decode(p) for p in points[:_TRIES])


def _believed(
    objectives: Sequence[Posterior],
    constraints: Sequence[Posterior],
    bounds: Sequence[float],
    pend: np.ndarray,
) -> np.ndarray:
    """The running trials' believed losses (their posterior means), those predicted
    feasible only: on the front they make EHVI there zero, so a parallel worker does
    not propose the same point again (with constraints they were left out before,
    and a second ask while the first trial ran returned the first one's point)."""
    believed = np.column_stack([p.y[-len(pend) :] for p in objectives])
    if constraints:
        mean = np.column_stack([c.predict(pend)[0] for c in constraints])
        believed = believed[np.all(mean <= np.asarray(bounds)[None, :], axis=1)]
    return believed


def _posterior(
    sampler: GP,
    fits: FitCache,
    enc: Encoding,
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Posterior, np.ndarray]:
    """One output's posterior (the single-objective recipe) and its transformed values."""
    hyper = fits.hyper(enc, x, y, entropy=sampler.entropy,
                       deterministic=sampler.deterministic_objective,
                       max_fit_points=sampler.max_fit_points)  # fmt: skip
    ys = output.transform(y) if OUTPUT == "transform" else output.standardise(y)
    keep = subset(ys, sampler.max_points, rng, recent=True)
    return Posterior(enc.features(x[keep]), ys[keep], enc.cols, hyper), ys


def _image_of_zero(raw: np.ndarray, transformed: np.ndarray) -> float:
    """Where the monotone output transform sends the bound 0 (interpolated between the
    data, extended linearly beyond them)."""
    order = np.argsort(raw, kind="stable")
    r, t = raw[order], transformed[order]
    if r[0] <= 0.0 <= r[-1]:
        return float(np.interp(0.0, r, t))
    span = float(r[-1] - r[0])
    slope = float(t[-1] - t[0]) / span if span > 0 else 1.0
    end = 0 if r[0] > 0.0 else -1
    return float(t[end] + slope * (0.0 - r[end]))


def _training_data(
    enc: Encoding, done: list[Any], directions: Sequence[object]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encoded points, losses (n, m) and constraint values (n, c); non-finite losses
    become the worst finite one, missing constraints count as satisfied."""
    rows, vals, cons = [], [], []
    n_cons = max((len(t.system_attrs.get("constraints") or ()) for t in done), default=0)
    for t in done:
        try:
            rows.append(enc.encode(t.flat))
        except (KeyError, ValueError, TypeError):
            continue
        vals.append(t.values)
        found = list(t.system_attrs.get("constraints") or ())
        cons.append((found + [0.0] * n_cons)[:n_cons])
    x = np.clip(np.array(rows, dtype=float).reshape(-1, enc.n_dims), -1.0, 2.0)
    loss = to_loss(np.array(vals, dtype=float).reshape(len(vals), len(directions)), directions)
    for col in loss.T:
        finite = np.isfinite(col)
        col[~finite] = col[finite].max() if finite.any() else 0.0
    c = np.nan_to_num(np.array(cons, dtype=float).reshape(len(cons), n_cons), nan=0.0)
    return x, loss, c


def _optimize(
    acq: Acquisition,
    enc: Encoding,
    anchors: np.ndarray,
    rng: np.random.Generator,
    n_candidates: int,
    n_starts: int,
) -> np.ndarray:
    """Points ranked by the acquisition: Sobol candidates plus steps around the Pareto
    set, then L-BFGS-B on the continuous dims from the best and roulette starts."""
    x_best = anchors[rng.integers(len(anchors))]
    cand = candidates(enc, x_best, rng, n_candidates, 0)
    base = anchors[rng.integers(len(anchors), size=_N_LOCAL)]
    local = base + rng.normal(0.0, 0.05, base.shape)
    local[:, enc.is_cat] = base[:, enc.is_cat]
    cand = np.vstack([cand, enc.snap(local)])
    values = acq.values(cand)
    starts = pick_starts(cand, values, x_best, n_starts, rng)
    free = ~enc.is_cat & ~enc.is_discrete
    refined = enc.snap(_ascend(acq, enc, starts, free)) if free.any() else starts
    x_all = np.vstack([refined, cand])
    v_all = np.concatenate([acq.values(refined), values])
    return x_all[np.argsort(-v_all, kind="stable")]


def _ascend(acq: Acquisition, enc: Encoding, starts: np.ndarray, free: np.ndarray) -> np.ndarray:
    """L-BFGS-B from each start on its own; a row never ends worse than it began."""
    width = np.maximum(enc.n_choices, 1)
    cols = (np.cumsum(width) - width)[free]
    out = starts.copy()
    for i, row in enumerate(starts):

        def negative(v: np.ndarray, row: np.ndarray = row) -> tuple[float, np.ndarray]:
            x = row.copy()
            x[free] = v
            value, grad = acq.value_grad(x[None, :], cols)
            if not np.isfinite(value[0]):
                return 1e300, np.zeros(len(v))
            return -float(value[0]), -grad[0]

        res = minimize(negative, row[free], jac=True, method="L-BFGS-B",
                       bounds=[(0.0, 1.0)] * int(free.sum()), options={"maxiter": 100})  # fmt: skip
        out[i, free] = np.clip(np.asarray(res.x), 0.0, 1.0)
    worse = acq.values(out) < acq.values(starts)
    out[worse] = starts[worse]
    return out
