"""Model-based explore, after PB2 (Parker-Holder et al., 2020): a Gaussian process over
the population's own intervals decides which perturbation of the donor a copy takes.

The process models how much a member's score improved over one interval given the
hyperparameters in force and the time: the kernel is a squared exponential over the
hyperparameters (on the unit cube of each parameter's own scale, log for log ranges)
times ``(1 - eps) ** (|t - t'| / 2)`` over intervals, so old observations fade as the
best schedule drifts. Its length scale, ``eps`` and noise are picked by marginal likelihood
from a small grid (cheap at a population's few hundred points, and never unstable); the
noise may reach twice the gains' variance, so the model can say that they are mostly noise.
Gains are standardized within each interval (see ``standardize_by_time``) and taken net of
the score the interval started from (see ``net_of_start``). Categoricals are not modelled:
they are kept or redrawn as random explore does.

The model does not search the whole space: it chooses among ``PROPOSALS`` random
perturbations of the donor (the moves random explore would make). Searching the whole
space put 23% of the proposals at a range's edge on the digits benchmark (3% for random
explore) and made the learning rate jump instead of fall.

It overrides random explore only when it is sure (``confident_pick``): proposal 0 is the
draw random explore would make, and the model replaces it by the proposal it predicts to
gain most only if the posterior probability that this one gains more is at least
``CONFIDENCE``. Picking by PB2's upper confidence bound instead (``CONFIDENCE = None``)
let the uncertainty term decide: on digits, from the 8th interval on, 15 of 32 picks (two
design seeds) were in the worse half of the 16 by predicted gain and 17 among the three
most uncertain, mostly redrawn values far from any data (a learning rate of 0.4-0.65 where
the population trained at 0.005-0.05).

For the UCB pick, members that explore in the same round must not all land on one
maximum: turns still training (pending) are added to the process as if their gain were
already known and equal to the prediction (GP-BUCB, the batch rule PB2 uses). That leaves
the mean as it is and shrinks the uncertainty around them, so the next proposal goes where
less is known. The confident pick ignores them (a prediction is no evidence); two members
copying one donor still draw different proposals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..space import Categorical, Space

MAX_POINTS = 256  # the newest observations kept (a GP solve is cubic in them)
MIN_POINTS = 4  # fewer: the model knows nothing yet, so explore at random
LENGTHS = (0.1, 0.2, 0.4, 0.8)
EPSILONS = (0.01, 0.1, 0.3)
NOISES = (0.01, 0.1, 0.5, 1.0, 2.0)  # on standardized gains (of unit variance per interval)
EXPLORATION = 0.5  # the UCB's weight on uncertainty, times GP-UCB's usual root-log factor
PROPOSALS = 16  # random perturbations of the donor the model chooses among
MIXED = True  # choose among perturbations (False: anywhere in the space, the first rule)
CONFIDENCE: float | None = 0.9  # see ``confident_pick`` (None: the UCB pick, as PB2)
ADJUST = True  # gains net of what the starting score predicts (see ``net_of_start``)


@dataclass(frozen=True)
class Observation:
    """One interval of one member: its flat hyperparameters, when, its score's gain, and the
    score it started from (NaN: unknown)."""

    flat: dict[str, Any]
    time: float
    gain: float
    start: float = math.nan


def numeric_paths(space: Space) -> list[str]:
    return [p for p, param in space.leaves.items() if not isinstance(param, Categorical)]


def encode(flat: dict[str, Any], space: Space, paths: Sequence[str]) -> np.ndarray:
    """Numeric values on [0, 1] of each parameter's internal (log or linear) scale."""
    out = np.empty(len(paths))
    for i, path in enumerate(paths):
        param = space.leaves[path]
        lo, hi = param.bounds()
        out[i] = 0.5 if hi <= lo else (param.to_internal(flat[path]) - lo) / (hi - lo)
    return np.clip(out, 0.0, 1.0)


def decode(u: np.ndarray, space: Space, paths: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for x, path in zip(u, paths):
        param = space.leaves[path]
        lo, hi = param.bounds()
        out[path] = param.from_internal(lo + (hi - lo) * float(np.clip(x, 0.0, 1.0)))
    return out


def kernel(a: np.ndarray, ta: np.ndarray, b: np.ndarray, tb: np.ndarray, length: float,
           eps: float) -> np.ndarray:  # fmt: skip
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    fade = (1.0 - eps) ** (np.abs(ta[:, None] - tb[None, :]) / 2.0)
    return np.exp(-0.5 * d2 / length**2) * fade


Fitted = tuple[float, float, float]  # length scale, eps, noise


def standardize_by_time(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Gains centred and scaled within each interval. Early intervals gain far more than
    late ones whatever the hyperparameters, so one global scale would bury the late
    differences (the ones a schedule's end depends on) under the noise term; the model
    only ever compares configurations at one time, so the level of each time is not needed."""
    out = np.zeros_like(y)
    spread = float(y.std()) or 1.0
    for when in np.unique(t):
        at = t == when
        centred = y[at] - y[at].mean()
        scale = float(centred.std()) if at.sum() > 2 else 0.0
        out[at] = centred / (scale if scale > 1e-12 else spread)
    return out


def net_of_start(gain: np.ndarray, start: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Standardized gains minus the share the starting score explains (one least-squares slope
    over all intervals, on scores standardized within each interval). A score is a noisy
    reading, so a member that starts high falls back and one that starts low catches up
    whatever its hyperparameters; and the members that start high, the top ones and their
    fresh copies, share hyperparameters. Raw gains then make the hyperparameters that led
    look bad: in six random-explore runs of the digits benchmark (design seeds) the model's
    predictions ranked the next interval's members *against* their actual gains (Spearman
    -0.11 on average, with the former noise grid), and net of the start with them (+0.09;
    +0.10 with the wider grid)."""
    g, s = standardize_by_time(gain, t), standardize_by_time(start, t)
    ss = float(s @ s)
    return g - (float(g @ s) / ss) * s if ss > 1e-12 else g


class GainModel:
    """The time-varying GP over (hyperparameters, time) -> gain standardized per time."""

    def __init__(self, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> None:
        self.x, self.t = x, t
        self.y = standardize_by_time(y, t)
        best = None
        for length in LENGTHS:
            for eps in EPSILONS:
                for noise in NOISES:
                    fit = self._solve(self.x, self.t, self.y, length, eps, noise)
                    if fit is not None and (best is None or fit[0] > best[0]):
                        best = fit
        assert best is not None  # the noise term keeps every K positive definite
        _, (self.length, self.eps, self.noise), self.chol, self.alpha = best

    @staticmethod
    def _solve(x: np.ndarray, t: np.ndarray, y: np.ndarray, length: float, eps: float,
               noise: float) -> tuple[float, Fitted, Any, Any] | None:  # fmt: skip
        k = kernel(x, t, x, t, length, eps) + noise * np.eye(len(y))
        try:
            chol = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            return None
        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
        evidence = -0.5 * float(y @ alpha) - float(np.log(np.diag(chol)).sum())
        return evidence, (length, eps, noise), chol, alpha

    def with_pending(self, x: np.ndarray, t: np.ndarray) -> GainModel:
        """This model conditioned on pending points at their predicted mean (same kernel):
        the mean is unchanged, the uncertainty near them shrinks."""
        if not len(x):
            return self
        mu = np.concatenate([self.predict(x[i : i + 1], float(t[i]))[0] for i in range(len(x))])
        out = object.__new__(GainModel)
        out.__dict__.update(self.__dict__)
        out.x, out.t = np.vstack([self.x, x]), np.concatenate([self.t, t])
        out.y = np.concatenate([self.y, mu])
        fit = self._solve(out.x, out.t, out.y, self.length, self.eps, self.noise)
        assert fit is not None  # the noise term keeps K positive definite
        out.chol, out.alpha = fit[2], fit[3]
        return out

    def joint(self, x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The posterior mean and covariance of the gain's mean at ``x``, all at time ``t``."""
        when = np.full(len(x), t)
        ks = kernel(x, when, self.x, self.t, self.length, self.eps)
        v = np.linalg.solve(self.chol, ks.T)
        return ks @ self.alpha, kernel(x, when, x, when, self.length, self.eps) - v.T @ v

    def predict(self, x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        ks = kernel(x, np.full(len(x), t), self.x, self.t, self.length, self.eps)
        mu = ks @ self.alpha
        v = np.linalg.solve(self.chol, ks.T)
        var = np.maximum(1.0 - (v**2).sum(0), 1e-12)  # of the gain's mean, without noise
        return mu, np.sqrt(var)


Pending = Sequence[tuple[dict[str, Any], float]]  # (flat values, time) of turns training


def fit(space: Space, observations: Sequence[Observation],
        pending: Pending = ()) -> tuple[GainModel, float] | None:  # fmt: skip
    """The gain model (conditioned on ``pending``) and the UCB's weight on uncertainty, or
    None while there are too few observations (or no numeric parameter) to fit."""
    paths = numeric_paths(space)
    usable = [o for o in observations if math.isfinite(o.gain)][-MAX_POINTS:]
    if not paths or len(usable) < MIN_POINTS:
        return None
    x = np.array([encode(o.flat, space, paths) for o in usable])
    t = np.array([o.time for o in usable], dtype=float)
    y = np.array([o.gain for o in usable], dtype=float)
    start = np.array([o.start for o in usable], dtype=float)
    if ADJUST and np.isfinite(start).all():
        y = net_of_start(y, start, t)
    model = GainModel(x, t, y)
    if pending:
        xp = np.array([encode(flat, space, paths) for flat, _ in pending])
        model = model.with_pending(xp, np.array([when for _, when in pending], dtype=float))
    beta = EXPLORATION * math.sqrt(2.0 * math.log(len(paths) * (len(usable) + 1) ** 2 / 0.1))
    return model, beta


def ucb_choice(
    donor: dict[str, Any],
    space: Space,
    observations: Sequence[Observation],
    now: float,
    rng: np.random.Generator,
    *,
    pending: Sequence[tuple[dict[str, Any], float]] = (),
    candidates: int = 512,
) -> dict[str, Any] | None:
    """The numeric values maximizing the UCB of the gain at time ``now`` (None while there
    are too few observations to fit). Candidates: uniform over the cube, and near the donor.
    ``pending`` holds the (flat values, time) of turns still training, which the choice
    avoids (see the module's docstring)."""
    fitted = fit(space, observations, pending)
    if fitted is None:
        return None
    model, beta = fitted
    paths = numeric_paths(space)
    here = encode(donor, space, paths)
    near = np.clip(here + 0.1 * rng.standard_normal((candidates // 4, len(paths))), 0.0, 1.0)
    pool = np.vstack([rng.random((candidates, len(paths))), near, here[None, :]])
    mu, sd = model.predict(pool, now)
    return decode(pool[int(np.argmax(mu + beta * sd))], space, paths)


def ucb_pick(
    proposals: Sequence[dict[str, Any]],
    space: Space,
    observations: Sequence[Observation],
    now: float,
    *,
    pending: Sequence[tuple[dict[str, Any], float]] = (),
) -> int | None:
    """The index of the proposal (flat values) with the highest UCB of the gain at time
    ``now``, or None while there are too few observations to fit. The proposals are random
    perturbations of the donor: the model only chooses among moves random explore would
    make, so it keeps random explore's step sizes and where it has no signal it is random
    explore."""
    fitted = fit(space, observations, pending)
    if fitted is None or not proposals:
        return None
    model, beta = fitted
    paths = numeric_paths(space)
    pool = np.array([encode(flat, space, paths) for flat in proposals])
    mu, sd = model.predict(pool, now)
    return int(np.argmax(mu + beta * sd))


def confident_pick(
    proposals: Sequence[dict[str, Any]],
    space: Space,
    observations: Sequence[Observation],
    now: float,
) -> int | None:
    """The index of the proposal with the highest predicted gain at time ``now`` if the model
    is at least ``CONFIDENCE`` sure (posterior probability) that it gains more than proposal
    0, the draw random explore would make; else None: keep that draw. The model overrides
    random explore only where its data show a direction, and is random explore elsewhere."""
    fitted = fit(space, observations)
    if fitted is None or not proposals or CONFIDENCE is None:
        return None
    model = fitted[0]
    paths = numeric_paths(space)
    mu, cov = model.joint(np.array([encode(flat, space, paths) for flat in proposals]), now)
    best = int(np.argmax(mu))
    spread = math.sqrt(max(float(cov[best, best] + cov[0, 0] - 2.0 * cov[best, 0]), 1e-12))
    sure = 0.5 * math.erfc(-float(mu[best] - mu[0]) / spread / math.sqrt(2.0))
    return best if best == 0 or sure >= CONFIDENCE else None
