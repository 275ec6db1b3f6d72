"""Log expected hypervolume improvement (EHVI) under independent Gaussians, exactly.

The region a new loss vector y can add to the hypervolume (dominated by the
reference point, not by the front) is cut into disjoint boxes [l, u). The improvement
is sum over boxes of prod_d max(0, u_d - max(l_d, y_d)), and with independent
objectives each factor's expectation has a closed form,

    E[max(0, u - max(l, Y))] = sigma (h(z_u) - h(z_l)),  z_b = (b - mu) / sigma,

with h(z) = phi(z) + z Phi(z) the EI function, so EHVI is exact for any number of
objectives once the boxes are known (Emmerich et al. 2006; Yang et al. 2019 for the
box decomposition). Everything is kept in log space, as log EI (Ament et al. 2023),
so far-away points keep a useful slope.

Boxes: sweep along the last objective; between two consecutive values of it, the
region is the (m-1)-dimensional one of the points already passed, times the slab.
That gives k + 1 boxes for 2 objectives and O(k^2) for 3 (k front points); beyond 3
the front is thinned first (see ``MAX_FRONT_4D``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr

from ...multiobjective import contributions, pareto_mask
from .acquisition import dlog_h, log1mexp, log_h, logsumexp_rows

MAX_FRONT_4D = 12  # front points kept for 4+ objectives (the box count grows as k^(m-1))
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_CHUNK = 128  # candidates per batch: (chunk, boxes, m) arrays stay a few MB


def boxes(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes (lower, upper), each (B, m), covering the part of the region
    below ``ref`` that no point of ``front`` (losses, (k, m)) weakly dominates."""
    ref = np.asarray(ref, dtype=float)
    pts = np.asarray(front, dtype=float).reshape(-1, len(ref))
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts):
        pts = pts[pareto_mask(pts)]
    if len(ref) > 3 and len(pts) > MAX_FRONT_4D:
        keep = np.argsort(-contributions(pts, ref), kind="stable")[:MAX_FRONT_4D]
        pts = pts[keep]
    lo, hi = _boxes(pts, ref)
    ok = np.all(hi > lo, axis=1)
    return lo[ok], hi[ok]


def _boxes(pts: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = len(ref)
    if m == 1:
        top = min(float(pts[:, 0].min()), float(ref[0])) if len(pts) else float(ref[0])
        return np.array([[-np.inf]]), np.array([[top]])
    pts = pts[np.argsort(pts[:, -1], kind="stable")]
    cuts = np.concatenate([[-np.inf], pts[:, -1], [ref[-1]]])
    lows, highs = [], []
    for j in range(len(pts) + 1):
        if not cuts[j + 1] > cuts[j]:
            continue
        sub = pts[:j, :-1]
        if len(sub):
            sub = sub[pareto_mask(sub)]
        lo, hi = _boxes(sub, ref[:-1])
        lows.append(np.column_stack([lo, np.full(len(lo), cuts[j])]))
        highs.append(np.column_stack([hi, np.full(len(hi), cuts[j + 1])]))
    if not lows:
        return np.zeros((0, m)), np.zeros((0, m))
    return np.vstack(lows), np.vstack(highs)


def _log_factors(
    mean: np.ndarray, sd: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log E[max(0, u - max(l, Y))] per (candidate, box, objective), with z_u, z_l, log h(z_u)."""
    zu = (hi[None, :, :] - mean[:, None, :]) / sd[:, None, :]
    zl = (lo[None, :, :] - mean[:, None, :]) / sd[:, None, :]
    lhu = log_h(zu)
    finite = np.isfinite(zl)
    lhl = np.full_like(zu, -np.inf)
    lhl[finite] = log_h(zl[finite])
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(finite, log1mexp(np.minimum(lhl - lhu, -1e-300)), 0.0)
    return lhu + diff + np.log(sd)[:, None, :], zu, zl, lhu


def log_ehvi(mean: np.ndarray, sd: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """log EHVI (n,) of candidates with independent posteriors N(mean, sd^2), each (n, m)."""
    if len(lo) == 0:
        return np.full(len(mean), -np.inf)
    out = np.empty(len(mean))
    for i in range(0, len(mean), _CHUNK):
        logt = _log_factors(mean[i : i + _CHUNK], sd[i : i + _CHUNK], lo, hi)[0]
        out[i : i + _CHUNK] = logsumexp_rows(logt.sum(axis=2))
    return out


def log_ehvi_grad(
    mean: np.ndarray, sd: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log EHVI and its derivatives with respect to the means and the sds, each (n, m).

    d factor / d mu = -(Phi(z_u) - Phi(z_l)), d factor / d sd = phi(z_u) - phi(z_l);
    divided by the factor (in log space), weighted by each box's share of the sum.
    """
    logt, zu, zl, lhu = _log_factors(mean, sd, lo, hi)
    per_box = logt.sum(axis=2)
    total = logsumexp_rows(per_box)
    weight = np.exp(per_box - total[:, None])[:, :, None]
    log_sd = np.log(sd)[:, None, :]
    finite = np.isfinite(zl)
    lower_share = np.zeros_like(zl)  # Phi(z_l) / Phi(z_u)
    lower_share[finite] = np.exp(log_ndtr(zl[finite]) - log_ndtr(zu[finite]))
    # Phi(z_u) / factor = dlog_h(z_u) / sd * exp(log h(z_u) + log sd - log factor)
    ratio_u = dlog_h(zu, lhu) * np.exp(np.minimum(lhu + log_sd - logt, 700.0)) / sd[:, None, :]
    d_mu = -ratio_u * (1.0 - lower_share)
    # capped: in the far tails a ratio may overflow, where its box's weight is ~0 anyway
    phi_u = np.exp(np.minimum(-0.5 * zu * zu - _LOG_SQRT_2PI - logt, 700.0))
    low = np.exp(np.minimum(-0.5 * np.where(finite, zl, 0.0) ** 2 - _LOG_SQRT_2PI - logt, 700.0))
    phi_l = np.where(finite, low, 0.0)
    d_sd = phi_u - phi_l
    return total, (weight * d_mu).sum(axis=1), (weight * d_sd).sum(axis=1)


def log_feasibility(mean: np.ndarray, sd: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """log P(every constraint <= its bound) (n,) under independent N(mean, sd^2), (n, c)."""
    return log_ndtr((bound[None, :] - mean) / sd).sum(axis=1)


def log_feasibility_grad(
    mean: np.ndarray, sd: np.ndarray, bound: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log P(feasible) and its derivatives with respect to the means and the sds."""
    z = (bound[None, :] - mean) / sd
    lp = log_ndtr(z)
    r = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - lp)  # phi / Phi
    return lp.sum(axis=1), -r / sd, -r * z / sd
