"""Parzen estimators for TPE: pure numpy/scipy functions, tested without a study.

A mixture holds K kernels (the observations plus one prior kernel); each kernel
is a product over dimensions of a truncated Gaussian (numeric dimensions, in the
internal scale: log for log parameters, padded ranges for integers) or a row of
a categorical table. Discrete numeric values are scored by the kernel's mass
over their bin, so a coarse integer is not favoured by an accident of its pdf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def logsumexp(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """log(sum(exp(x))) along ``axis``; scipy's is several times slower at this size."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out: np.ndarray = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out.squeeze(axis) if axis is not None else out.reshape(())


def n_good(n: int, gamma: float, cap: int) -> int:
    """Size of the good set: ceil(gamma * n), capped (optuna's linear split).

    Watanabe (2023) finds small good sets win on 5-10-D functions (linear
    beta=0.05-0.15 most frequent in the top settings; docs/samplers.md).
    """
    if n <= 0:
        return 0
    return max(1, min(math.ceil(gamma * n), cap))


def forgetting_weights(n: int, flat: int = 25) -> np.ndarray:
    """Weights of n observations in age order: 1 for the newest ``flat``, a linear
    ramp 1/n..1 below them (optuna's ``default_weights``, hyperopt's forgetting)."""
    if n <= flat:
        return np.ones(n)
    ramp = np.linspace(1.0 / n, 1.0, num=n - flat)
    return np.concatenate([ramp, np.ones(flat)])


def bandwidths(mus: np.ndarray, low: float, high: float, floor: float) -> np.ndarray:
    """Per-kernel sigma: the larger gap to the two sorted neighbours (the end kernels
    use their inner gap), clipped to [floor, high - low] (the "magic clip")."""
    span = high - low
    n = len(mus)
    if n == 0:
        return np.empty(0)
    if n == 1:
        return np.full(1, span)
    order = np.argsort(mus, kind="stable")
    s = mus[order]
    gaps = np.diff(s)
    sig = np.empty(n)
    sig[1:-1] = np.maximum(gaps[:-1], gaps[1:])
    sig[0], sig[-1] = gaps[0], gaps[-1]
    out = np.empty(n)
    out[order] = np.clip(sig, floor, span)
    return out


def bandwidth_floor(n: int, span: float, alpha: float, delta: float) -> float:
    """The magic clip's floor: span * max(delta, (n + 2) ** -alpha).

    alpha=1, delta=0.01 is optuna's span / min(100, n + 2); Watanabe (2023) found
    alpha and delta the first or second most important TPE settings (docs/samplers.md).
    """
    return span * max(delta, (n + 2.0) ** -alpha)


def log_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for standardised bounds a <= b, stable in both tails."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    flip = a > 0  # Phi(b) - Phi(a) = Phi(-a) - Phi(-b): work in the lower tail
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    diff = np.atleast_1d(ndtr(hi) - ndtr(lo))
    lo, hi = np.atleast_1d(lo), np.atleast_1d(hi)
    with np.errstate(divide="ignore"):
        out: np.ndarray = np.log(diff)
    tiny = diff < 1e-10  # far in a tail: log_ndtr keeps the digits that ndtr loses
    if tiny.any():
        lhi, llo = log_ndtr(hi[tiny]), log_ndtr(lo[tiny])
        with np.errstate(divide="ignore"):
            out[tiny] = lhi + np.log1p(-np.exp(np.minimum(llo - lhi, 0.0)))
    return out.reshape(a.shape)


def sample_truncnorm(
    rng: np.random.Generator, mu: np.ndarray, sigma: np.ndarray, low: float, high: float
) -> np.ndarray:
    """One draw per (mu, sigma) from N(mu, sigma) truncated to [low, high], by the
    inverse CDF in whichever tail keeps precision."""
    a, b = (low - mu) / sigma, (high - mu) / sigma
    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    plo, phi = ndtr(lo), ndtr(hi)
    u = plo + rng.random(len(mu)) * (phi - plo)
    z = ndtri(np.clip(u, 1e-300, 1.0))
    z = np.where(np.isfinite(z), z, np.where(u <= plo, lo, hi))
    x = mu + sigma * np.where(flip, -z, z)
    out: np.ndarray = np.clip(x, low, high)
    return out


@dataclass
class NumericDim:
    """Truncated Gaussian kernels on one numeric dimension (internal scale)."""

    mus: np.ndarray
    sigmas: np.ndarray
    low: float
    high: float
    log_norm: np.ndarray = field(init=False)
    _const: np.ndarray = field(init=False, repr=False)
    _inv: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # per-kernel constants depend on kernels only: computed once, then broadcast
        self.mus = np.clip(self.mus, self.low, self.high)
        self._inv = 1.0 / self.sigmas
        inv = self._inv
        self.log_norm = log_mass((self.low - self.mus) * inv, (self.high - self.mus) * inv)
        self._const = -np.log(self.sigmas) - _LOG_SQRT_2PI - self.log_norm

    def sample(self, rng: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        return sample_truncnorm(rng, self.mus[idx], self.sigmas[idx], self.low, self.high)

    def log_pdf(self, x: np.ndarray, bins: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        """(C, K) log density at x, or log mass over each x's bin (lo, hi) if discrete."""
        if bins is None:
            z = (x[:, None] - self.mus) * self._inv
            out: np.ndarray = self._const - 0.5 * z * z
            return out
        lo, hi = bins
        za = (lo[:, None] - self.mus) * self._inv
        zb = (hi[:, None] - self.mus) * self._inv
        mass: np.ndarray = log_mass(za, zb) - self.log_norm
        return mass


@dataclass
class CategoricalDim:
    """A (K, n_choices) table of per-kernel choice probabilities."""

    probs: np.ndarray

    def sample(self, rng: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        cum = np.cumsum(self.probs[idx], axis=1)
        u = rng.random(len(idx))[:, None] * cum[:, -1:]
        out: np.ndarray = np.minimum((u >= cum).sum(axis=1), self.probs.shape[1] - 1)
        return out.astype(float)

    def log_pdf(self, x: np.ndarray, bins: object = None) -> np.ndarray:
        out: np.ndarray = np.log(self.probs[:, x.astype(int)].T)
        return out


def categorical_table(choices: np.ndarray, n_choices: int, own: float) -> np.ndarray:
    """Kernel rows for observed choice indices plus a uniform prior row (last).

    An observation keeps probability ``own`` on its own choice and spreads the
    rest evenly (Watanabe's categorical kernel with b = 1 - own).
    """
    k = len(choices)
    if n_choices == 1:
        return np.ones((k + 1, 1))
    rest = (1.0 - own) / (n_choices - 1)
    table = np.full((k + 1, n_choices), rest)
    table[np.arange(k), choices.astype(int)] = own
    table[k] = 1.0 / n_choices
    return table


@dataclass
class Mixture:
    """A weighted product-kernel mixture over one or more dimensions."""

    dims: list[NumericDim | CategoricalDim]
    log_weights: np.ndarray

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """(size, d) draws: a kernel per row (shared by all dimensions), then each dim."""
        p = np.exp(self.log_weights - logsumexp(self.log_weights))
        idx = rng.choice(len(p), size=size, p=p)
        return np.stack([dim.sample(rng, idx) for dim in self.dims], axis=1)

    def log_pdf(
        self, x: np.ndarray, bins: list[tuple[np.ndarray, np.ndarray] | None]
    ) -> np.ndarray:
        """(C,) log density of candidate rows x (C, d)."""
        total = np.broadcast_to(self.log_weights, (len(x), len(self.log_weights))).copy()
        for j, dim in enumerate(self.dims):
            total += dim.log_pdf(x[:, j], bins[j])
        out: np.ndarray = logsumexp(total, axis=1) - logsumexp(self.log_weights)
        return out
