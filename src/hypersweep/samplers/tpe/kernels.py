"""Parzen mixtures in matrix form: all kernels and dimensions of a group in one pass.

:mod:`.parzen` holds the per-dimension maths (and the readable reference); this
module evaluates the same mixture with a handful of numpy calls per ask, which is
what keeps TPE's cost per trial flat as a study grows: the continuous dimensions'
Gaussian exponents are one matrix product (C x 2D) @ (2D x K), not D passes over
a (C, K) array.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from . import parzen

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# the expanded square loses about eps * sum(1 / sigma**2) (unit-scaled) to cancellation;
# above this the exponents are computed directly instead
_MAX_CANCEL = 1e-11
_NEGLIGIBLE = 50.0  # e**-50 = 2e-22: terms that far below a row's largest do not count
Bins = tuple[np.ndarray, np.ndarray] | None


def truncnorm_ppf(
    u: np.ndarray, mu: np.ndarray, sigma: np.ndarray, low: Any, high: Any
) -> np.ndarray:
    """Map uniforms ``u`` to N(mu, sigma) truncated to [low, high], by the inverse CDF
    in whichever tail keeps precision (the same draws as :func:`parzen.sample_truncnorm`)."""
    a, b = (low - mu) / sigma, (high - mu) / sigma
    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    plo, phi = ndtr(lo), ndtr(hi)
    p = plo + u * (phi - plo)
    z = ndtri(np.clip(p, 1e-300, 1.0))
    z = np.where(np.isfinite(z), z, np.where(p <= plo, lo, hi))
    out: np.ndarray = np.clip(mu + sigma * np.where(flip, -z, z), low, high)
    return out


def sorted_bandwidths(s: np.ndarray, span: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """:func:`parzen.bandwidths` for every dimension at once, in sorted order:
    ``s`` is (D, m) with each row sorted; the result is (D, m), aligned with ``s``."""
    d, m = s.shape
    if m == 0:
        return np.empty((d, 0))
    if m == 1:
        return span[:, None].copy()
    gaps = np.diff(s, axis=1)
    sig = np.empty((d, m))
    sig[:, 1:-1] = np.maximum(gaps[:, :-1], gaps[:, 1:])
    sig[:, 0], sig[:, -1] = gaps[:, 0], gaps[:, -1]
    out: np.ndarray = np.clip(sig, floor[:, None], span[:, None])
    return out


class Kernels:
    """A weighted product-kernel mixture: K kernels (the observations and the prior,
    last) over the group's dimensions, numeric ones as (K, Dn) arrays of truncated
    Gaussians, categorical ones as (K, n_choices) tables."""

    def __init__(
        self,
        log_w: np.ndarray,
        numeric: list[int],
        mus: np.ndarray,
        sigmas: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        log_norm: np.ndarray,
        categorical: list[int],
        tables: list[np.ndarray],
        log_sigmas: np.ndarray | None = None,
    ) -> None:
        self.log_w = log_w
        self._log_sigmas = log_sigmas  # log(sigmas), if known (computed when first used)
        self.numeric, self.categorical = numeric, categorical
        self.mus, self.sigmas, self.low, self.high = mus, sigmas, low, high
        self.log_norm = log_norm
        self.tables = tables
        self.dims = len(numeric) + len(categorical)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """(size, d) draws: a kernel per row (shared by all dimensions), then one
        uniform per row and dimension, in dimension order (as :class:`parzen.Mixture`)."""
        p = np.exp(self.log_w - parzen.logsumexp(self.log_w))
        idx = rng.choice(len(p), size=size, p=p)
        u = rng.random((self.dims, size))
        out = np.empty((size, self.dims))
        if self.numeric:
            num = np.asarray(self.numeric)
            out[:, num] = truncnorm_ppf(
                u[num].T, self.mus[idx], self.sigmas[idx], self.low, self.high
            )
        for pos, table in zip(self.categorical, self.tables):
            cum = np.cumsum(table[idx], axis=1)
            hit = (u[pos][:, None] * cum[:, -1:] >= cum).sum(axis=1)
            out[:, pos] = np.minimum(hit, table.shape[1] - 1)
        return out

    def log_pdf(self, x: np.ndarray, bins: Sequence[Bins]) -> np.ndarray:
        """(C,) log density of candidate rows ``x`` (C, d); a discrete numeric value is
        scored by each kernel's mass over its bin (``bins[j]``: (lo, hi), else None)."""
        c = len(x)
        const = self.log_w.copy()
        cont = [j for j, pos in enumerate(self.numeric) if bins[pos] is None]
        if cont:
            total = self._continuous(x, cont, const)
        else:
            total = np.broadcast_to(const, (c, len(const))).copy()
        for j, pos in enumerate(self.numeric):
            b = bins[pos]
            if b is None:
                continue
            inv = 1.0 / self.sigmas[:, j]
            za = (b[0][:, None] - self.mus[:, j]) * inv
            zb = (b[1][:, None] - self.mus[:, j]) * inv
            total += parzen.log_mass(za, zb) - self.log_norm[:, j]
        for pos, table in zip(self.categorical, self.tables):
            with np.errstate(divide="ignore"):
                total += np.log(table)[:, x[:, pos].astype(int)].T
        out: np.ndarray = logsumexp_rows(total) - parzen.logsumexp(self.log_w)
        return out

    def _continuous(self, x: np.ndarray, cont: list[int], const: np.ndarray) -> np.ndarray:
        """(C, K) log kernel densities over the continuous dimensions, plus ``const``
        (changed in place to hold the per-kernel terms)."""
        cc = np.asarray(cont)
        num = np.asarray(self.numeric)[cc]
        low, high = self.low[cc], self.high[cc]
        scale = np.where(high > low, high - low, 1.0)  # unit ranges: small, well-scaled terms
        xs = (x[:, num] - low) / scale
        ms = (self.mus[:, cc] - low) / scale
        ss = self.sigmas[:, cc] / scale
        a = 1.0 / (ss * ss)
        if self._log_sigmas is None:
            self._log_sigmas = np.log(self.sigmas)
        log_sig = self._log_sigmas[:, cc]
        const += np.sum(-log_sig - _LOG_SQRT_2PI - self.log_norm[:, cc], axis=1)
        if np.finfo(float).eps * float(np.max(np.sum(a, axis=1))) < _MAX_CANCEL:
            const -= 0.5 * np.sum(ms * ms * a, axis=1)
            total: np.ndarray = (xs * xs) @ (-0.5 * a).T + xs @ (ms * a).T
            total += const
            return total
        z = (xs[:, None, :] - ms[None, :, :]) / ss[None, :, :]
        total = -0.5 * np.sum(z * z, axis=2)
        total += const
        return total


def logsumexp_rows(t: np.ndarray, cut: float = _NEGLIGIBLE) -> np.ndarray:
    """log(sum(exp(t), axis=1)) for a (C, K) array, skipping terms below the row's largest
    by more than ``cut``: each is under e**-cut of the sum, so K of them move the result
    by under K * e**-cut (relative), far below a float's precision, while exp of the rest,
    most of a large study's kernels, is the costliest step of an ask."""
    m = np.max(t, axis=1)
    if t.shape[1] < 64 or not np.isfinite(m).all():
        return parzen.logsumexp(t, axis=1)
    d = t - m[:, None]
    keep = d > -cut
    counts = np.count_nonzero(keep, axis=1)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out: np.ndarray = m + np.log(np.add.reduceat(np.exp(d[keep]), starts))
    return out


LogNorm = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def age_weights(age_order: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Each row's weight: its forgetting weight by age (``age_order`` sorts the rows
    oldest first, stably) times its ``share`` of the side."""
    weights = np.empty(len(age_order))
    weights[age_order] = parzen.forgetting_weights(len(age_order))
    weights *= share
    return weights


def assemble(
    x: np.ndarray,
    order: np.ndarray,
    weights: np.ndarray,
    codecs: Sequence[Any],
    cfg: tuple[float, float, float, float],
    log_norm: LogNorm | None = None,
) -> Kernels:
    """The mixture of one side: kernels at the rows ``x`` (m, d) plus the prior.

    ``order`` (Dn, m) sorts each numeric dimension's column (stably), ``weights`` are
    the rows' weights (see :func:`age_weights`).
    ``cfg``: prior weight, bandwidth alpha, minimum bandwidth, categorical bandwidth.
    ``log_norm(mus, sigmas)`` may reuse truncation masses and log bandwidths computed
    before; it returns both.
    """
    prior_weight, alpha, delta, cat_bw = cfg
    m = len(x)
    with np.errstate(divide="ignore"):
        log_w = np.log(np.append(weights, prior_weight))
    numeric = [j for j, c in enumerate(codecs) if not c.categorical]
    categorical = [j for j, c in enumerate(codecs) if c.categorical]
    ncs = [codecs[j] for j in numeric]
    low = np.array([c.low for c in ncs], dtype=float)
    high = np.array([c.high for c in ncs], dtype=float)
    span = high - low
    mus = np.empty((m + 1, len(numeric)))
    sigmas = np.empty((m + 1, len(numeric)))
    if numeric:
        cols = x[:, numeric]
        floor = span * max(delta, (m + 2.0) ** -alpha)  # parzen.bandwidth_floor, per dim
        dim = np.arange(len(numeric))[:, None]
        sig_sorted = sorted_bandwidths(cols.T[dim, order], span, floor)
        sig = np.empty((len(numeric), m))
        sig[dim, order] = sig_sorted
        mus[:m] = cols
        sigmas[:m] = sig.T
        mus[m] = [c.prior[0] for c in ncs]
        sigmas[m] = [c.prior[1] for c in ncs]
        np.clip(mus, low, high, out=mus)
    log_sig = None
    if log_norm is None:
        norm = parzen.log_mass((low - mus) / sigmas, (high - mus) / sigmas)
    else:
        norm, log_sig = log_norm(mus, sigmas)
    tables = []
    for j in categorical:
        tables.append(parzen.categorical_table(x[:, j], codecs[j].n_choices, 1.0 - cat_bw))
    return Kernels(log_w, numeric, mus, sigmas, low, high, norm, categorical, tables, log_sig)


def direct(
    x: np.ndarray,
    ages: np.ndarray,
    share: np.ndarray,
    codecs: Sequence[Any],
    cfg: tuple[float, float, float, float],
) -> Kernels:
    """:func:`assemble` with the sort orders computed afresh (small sides, references)."""
    numeric = [j for j, c in enumerate(codecs) if not c.categorical]
    order = np.argsort(x[:, numeric].T, axis=1, kind="stable")
    weights = age_weights(np.argsort(ages, kind="stable"), share)
    return assemble(x, order, weights, codecs, cfg)
