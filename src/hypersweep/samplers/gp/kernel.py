"""Matern 5/2 ARD kernel over a feature matrix, with the derivatives the model needs.

Inputs are *features*: one column per continuous or discrete numeric dimension
(in [0, 1]) and one column per choice of a categorical, scaled by 1/sqrt(2), so
that the squared distance between two one-hot rows is 1 when the choices differ
and 0 otherwise (Hamming distance, as optuna). ``cols[j]`` is the dimension
(lengthscale) that feature column ``j`` belongs to.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

SQRT5 = float(np.sqrt(5.0))


def matern52(r2: np.ndarray) -> np.ndarray:
    """k(r) = (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r), unit amplitude, from r^2."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * np.exp(-SQRT5 * r)


def matern52_dr2(r2: np.ndarray) -> np.ndarray:
    """dk/d(r^2) = -5/6 (1 + sqrt5 r) exp(-sqrt5 r): finite at r = 0, unlike dk/dr / r."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return -(5.0 / 6.0) * (1.0 + SQRT5 * r) * np.exp(-SQRT5 * r)


def scale_features(f: np.ndarray, inv_ls: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Divide each feature column by its dimension's lengthscale."""
    return f * inv_ls[cols]


def sq_dist(z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between scaled rows (exact, no cancellation)."""
    return cdist(z1, z2, "sqeuclidean")


def gram(f: np.ndarray, inv_ls: np.ndarray, cols: np.ndarray, scale: float) -> np.ndarray:
    """scale * k(f_i, f_j) over all pairs of rows of ``f``."""
    z = scale_features(f, inv_ls, cols)
    return scale * matern52(sq_dist(z, z))


def lengthscale_grad(
    f: np.ndarray, g: np.ndarray, inv_ls: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """sum_ij G_ij dK_ij/dlog(l_d) for each dimension d, given G = W * scale * dk/dr^2.

    r^2 = sum_d (Delta_d / l_d)^2, so dr^2/dlog l_d = -2 Delta_d^2 / l_d^2; the sum
    sum_ij G_ij Delta_ijd^2 = 2 rowsum(G) . f_d^2 - 2 f_d' G f_d for symmetric G,
    which costs O(n^2 D) instead of an (n, n, D) array.
    """
    rows = g.sum(axis=1)
    per_col = 2.0 * (rows @ (f * f)) - 2.0 * np.einsum("id,id->d", f, g @ f)
    per_dim = np.bincount(cols, weights=per_col, minlength=len(inv_ls))
    return -2.0 * inv_ls**2 * per_dim


def cross_grad(
    x: np.ndarray, f_train: np.ndarray, k_r2: np.ndarray, inv_ls_col: np.ndarray, scale: float
) -> np.ndarray:
    """d (scale k(x_m, f_i)) / d x_m per feature column: shape (m, n, D).

    ``x`` holds the query features (m, D), ``k_r2`` the matching dk/dr^2 (m, n) and
    ``inv_ls_col`` the inverse lengthscale of each column; columns of categorical
    choices get a gradient too, but callers hold those fixed.
    """
    diff = x[:, None, :] - f_train[None, :, :]
    return (2.0 * scale) * k_r2[:, :, None] * diff * (inv_ls_col**2)[None, None, :]
