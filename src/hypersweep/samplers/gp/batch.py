"""Local penalisation of pending trials: EI multiplied by a penalty around each one.

Gonzalez et al. 2016 (batch BO by local penalisation): if the objective is
L-Lipschitz, a pending point x_j whose value will be near mu_j rules out a ball of
radius (mu_j - M) / L around itself, where M is the best value so far; EI is
multiplied by the chance phi_j(x) that x lies outside that ball. Alvi et al. 2019
(asynchronous batches) found this "soft" penalty too weak next to good pending
points (mu_j ~ M makes the ball vanish, so workers crowd one basin) and used a hard
one instead, zero at x_j and one beyond radius (|mu_j - M| + gamma sigma_j) / L.
Both are here; L is the largest gradient norm of the GP mean seen on the training
points and a random sample, in lengthscale units.

The penalty reaches the optimiser through the posterior contract of ``pending``:
the mean p (mu - b) and the sd p sigma, with threshold 0 in place of b, leave
z = (b - mu) / sigma unchanged, so EI = sigma h(z) becomes exactly p EI (log EI +
log p), with gradients. (Keeping b and the mean b + p (mu - b) loses the shift to
rounding once p is small, and EI deep in the tail jumped up instead of down.)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr

from .model import Posterior

GAMMA = 1.0  # hard penalty: how many pending sd's (over L) the radius grows by
POWER = 2.0  # hard penalty: (d / radius) ** POWER inside the radius
LOG_FLOOR = -150.0  # smallest log penalty: p**2 * var stays far above float underflow
N_LIPSCHITZ = 512  # random feature points where the mean's gradient is measured


def lipschitz(post: Posterior, rng: np.random.Generator) -> float:
    """The largest norm of the mean's gradient in lengthscale units (at least 1e-3)."""
    pts = np.vstack([post.f, rng.random((N_LIPSCHITZ, post.f.shape[1]))])
    dmean = post.predict_grad(pts)[2]
    if dmean.ndim == 3:  # one column per fantasy: the steepest of them
        dmean = dmean.max(axis=1)
    return max(float(np.max(np.linalg.norm(dmean / post.inv_ls_col, axis=1))), 1e-3)


class Penalised(Posterior):
    """``base``, less its threshold ``best``, whose EI at threshold 0 is ``base``'s at
    ``best`` times the pending penalties."""

    def __init__(
        self,
        base: Posterior,
        fp: np.ndarray,
        radius: np.ndarray,
        spread: np.ndarray,
        best: float,
        hard: bool,
    ) -> None:
        self.__dict__.update(base.__dict__)  # the base's state: hyper, y, f, chol, ...
        self.base, self.best, self.hard = base, best, hard
        self.zp = fp * base.inv_ls_col
        self.radius, self.spread = radius, spread

    def log_penalty(self, fq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum of log penalties (m,) and its gradient w.r.t. the features (m, D)."""
        diff = (fq * self.inv_ls_col)[:, None, :] - self.zp[None, :, :]  # (m, p, D)
        d = np.maximum(np.sqrt(np.einsum("mpd,mpd->mp", diff, diff)), 1e-12)
        if self.hard:
            inside = d < self.radius[None, :]
            logp = np.where(inside, POWER * np.log(d / self.radius[None, :]), 0.0)
            dlog_dd = np.where(inside, POWER / d, 0.0)
        else:
            u = (d - self.radius[None, :]) / self.spread[None, :]
            logp = log_ndtr(u)
            dlog_dd = np.exp(-0.5 * u * u - 0.5 * math.log(2 * math.pi) - logp)
            dlog_dd /= self.spread[None, :]
        dlog_dd = np.where(logp > LOG_FLOOR, dlog_dd, 0.0)
        logp = np.maximum(logp, LOG_FLOOR)
        grad = np.einsum("mp,mpd->md", dlog_dd / d, diff) * self.inv_ls_col
        total = logp.sum(axis=1)
        grad = np.where((total > LOG_FLOOR)[:, None], grad, 0.0)
        return np.maximum(total, LOG_FLOOR), grad

    def predict(self, fq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, var = self.base.predict(fq)
        p = np.exp(self.log_penalty(fq)[0])
        return p * (mean - self.best), p * p * var

    def predict_grad(self, fq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mean, var, dmean, dvar = self.base.predict_grad(fq)
        logp, dlogp = self.log_penalty(fq)
        p = np.exp(logp)[:, None]
        gap = (mean - self.best)[:, None]
        dmean_p = p * dmean + p * gap * dlogp
        dvar_p = p * p * (dvar + 2.0 * var[:, None] * dlogp)
        return p[:, 0] * gap[:, 0], (p * p)[:, 0] * var, dmean_p, dvar_p


def penalised(
    post: Posterior, fp: np.ndarray, rng: np.random.Generator, *, hard: bool, believe: bool
) -> tuple[Posterior, float]:
    """``post`` penalised around pending features ``fp`` (p, D), and its EI threshold (0).

    With ``believe`` the pending points first join the data at their mean (the kriging
    believer), and the penalty comes on top of it.
    """
    base, best = post, float(post.y.min())
    if believe:
        base = post.with_fantasies(fp)
        best = float(base.y.min())
    lip = lipschitz(post, rng)
    mean, var = post.predict(fp)
    sd = np.sqrt(var + post.noise)
    # soft (Gonzalez): P(f(x_j) < M + L d) = Phi((L d - (mu_j - M)) / sd_j)
    gap = np.abs(mean - best) + GAMMA * sd if hard else mean - best
    radius = gap / lip
    return Penalised(base, fp, radius, sd / lip, best, hard), 0.0
