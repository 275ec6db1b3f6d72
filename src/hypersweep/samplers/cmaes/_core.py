"""The (mu/mu_w, lambda) CMA-ES of Hansen's tutorial (arXiv:1604.00772), in the unit cube.

Pure functions over an immutable :class:`State`: sampling (orthogonal directions
within a generation), one generation's update
(rank-one and active rank-mu covariance updates, cumulative step-size adaptation), the
margin for discrete coordinates (Hamano et al., GECCO 2022), the restart tests
(Auger & Hansen, CEC 2005) and BIPOP's choice of the next run (Hansen, 2009). The
sampler feeds it generations read from the trials, so every process that reads the
same trials computes the same state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()

TOL_X = 1e-11  # a step this small (of each range): restart (1e-6 stopped short of the optimum)
TOL_FUN = 1e-10  # relative spread of recent best values below which it is flat
TOL_SPREAD = 1e-13  # TolFun: relative spread of one generation's values that means converged
MAX_CONDITION = 1e14
_RESAMPLE = 10  # draws tried inside the cube before clipping


@dataclass(frozen=True)
class Weights:
    """Recombination weights and learning rates for dimension n and population lam.

    ``w`` holds a weight for every rank: the best ``mu`` positive (summing to 1, they
    move the mean), the rest negative (active CMA, Hansen's tutorial eq. 53): the
    worst points push the covariance away from their directions, which learns a
    narrow valley (Rosenbrock's) in fewer generations than the positive half alone.
    """

    n: int
    lam: int
    mu: int
    w: np.ndarray
    mu_eff: float
    c_sigma: float
    d_sigma: float
    c_c: float
    c_1: float
    c_mu: float
    chi_n: float

    @staticmethod
    def make(n: int, lam: int) -> Weights:
        mu = lam // 2
        raw = math.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))
        pos, neg = raw[:mu], raw[mu:]
        mu_eff = float(pos.sum() ** 2 / np.sum(pos**2))
        c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
        d_sigma = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_sigma
        c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        w = np.concatenate([pos / pos.sum(), np.zeros(len(neg))])
        if len(neg) and np.any(neg < 0):
            mu_eff_neg = float(neg.sum() ** 2 / np.sum(neg**2))
            scale = min(1 + c_1 / c_mu if c_mu > 0 else math.inf,
                        1 + 2 * mu_eff_neg / (mu_eff + 2),
                        (1 - c_1 - c_mu) / (n * c_mu) if c_mu > 0 else math.inf)  # fmt: skip
            w[mu:] = np.minimum(neg, 0.0) * scale / abs(float(np.minimum(neg, 0.0).sum()))
        chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        return Weights(n, lam, mu, w, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n)


@dataclass(frozen=True)
class State:
    """One search distribution N(m, sigma^2 A C A) and its paths; ``restarts`` counts
    IPOP restarts, ``generation`` counts updates since the last one."""

    weights: Weights
    mean: np.ndarray
    sigma: float
    cov: np.ndarray
    b: np.ndarray  # eigenvectors of cov
    d: np.ndarray  # square roots of its eigenvalues
    p_sigma: np.ndarray
    p_c: np.ndarray
    margin: np.ndarray  # A: per-coordinate widening kept by the margin (1 = none)
    generation: int = 0
    restarts: int = 0
    bests: tuple[float, ...] = ()  # best value of each generation since the last restart
    spread: float = math.inf  # max - min of the last generation's values
    spent: tuple[int, int] = (0, 0)  # trials used by earlier runs: (large, small) regime
    doublings: int = 0  # large-population restarts so far (population lam0 * 2**doublings)
    small: bool = False  # this run is one of BIPOP's small-population local restarts

    @property
    def lam(self) -> int:
        return self.weights.lam

    def marginal_sd(self) -> np.ndarray:
        """Standard deviation of each coordinate of a draw."""
        return self.sigma * self.margin * np.sqrt(np.diag(self.cov))


def initial(mean: np.ndarray, sigma: float, lam: int, cov: np.ndarray | None = None,
            restarts: int = 0) -> State:  # fmt: skip
    n = len(mean)
    cov = np.eye(n) if cov is None else cov
    b, d = _eig(cov)
    zeros = np.zeros(n)
    return State(Weights.make(n, lam), np.array(mean, dtype=float), float(sigma), cov, b, d,
                 zeros, zeros, np.ones(n), 0, restarts)  # fmt: skip


def default_population(n: int) -> int:
    return 4 + int(3 * math.log(n))


def _eig(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cov = (cov + cov.T) / 2
    vals, vecs = np.linalg.eigh(cov)
    return vecs, np.sqrt(np.maximum(vals, 1e-30))


def orthogonal_normals(rng: np.random.Generator, lam: int, n: int) -> np.ndarray:
    """``lam`` standard normal vectors, mutually orthogonal within each block of ``n``.

    Orthogonal sampling (Wang, Emmerich & Baeck, 2014): each vector keeps a
    chi-distributed length, but the directions of one generation cannot bunch up,
    so a small population explores its ellipsoid evenly. On the test functions it
    reached lower regret in fewer generations than independent draws.
    """
    g = rng.standard_normal((lam, n))
    lengths = np.linalg.norm(rng.standard_normal((lam, n)), axis=1)
    out = np.empty_like(g)
    for start in range(0, lam, n):
        block = g[start : start + n]
        q, r = np.linalg.qr(block.T)
        signs = np.where(np.diag(r) < 0, -1.0, 1.0)
        out[start : start + n] = (q * signs).T
    return out * lengths[:, None]


def draw(state: State, rng: np.random.Generator, z: np.ndarray | None = None) -> np.ndarray:
    """One point of the distribution inside [0, 1]^n: from ``z`` (a standard normal
    vector) when given and inside, else redrawn a few times, then clipped."""
    x = state.mean
    for k in range(_RESAMPLE + (z is not None)):
        step = z if z is not None and k == 0 else rng.standard_normal(len(state.mean))
        x = state.mean + state.sigma * state.margin * (state.b @ (state.d * step))
        if np.all((x >= 0) & (x <= 1)):
            return x
    return np.clip(x, 0.0, 1.0)


def update(
    state: State, xs: np.ndarray, fs: np.ndarray, injected: np.ndarray | None = None
) -> State:
    """One generation: ``xs`` (lam, n) evaluated to ``fs`` (smaller is better).

    Points need not come from this distribution (older generations, other
    samplers): each such step y (``injected``; all when None) is shortened to
    Mahalanobis length sqrt(n) + 2n/(n+2), Hansen's rule for injected solutions, so
    no outlier can blow the state up. The distribution's own draws are used as they
    are: shortening them too held back the step size on slopes.
    """
    wts = state.weights
    n = wts.n
    order = np.argsort(fs, kind="stable")
    inv_sqrt = state.b @ np.diag(1 / state.d) @ state.b.T
    ys = (xs[order] - state.mean) / (state.sigma * state.margin)
    lengths = np.maximum(np.linalg.norm(ys @ inv_sqrt.T, axis=1), 1e-12)
    limit = math.sqrt(n) + 2 * n / (n + 2)
    clip = np.ones(len(ys), dtype=bool) if injected is None else np.asarray(injected)[order]
    ys *= np.where(clip, np.minimum(1.0, limit / lengths), 1.0)[:, None]
    lengths = np.where(clip, np.minimum(lengths, limit), lengths)
    w = wts.w[: len(ys)]
    y_w = w[: wts.mu] @ ys[: wts.mu]
    mean = state.mean + state.sigma * state.margin * y_w
    p_sigma = (1 - wts.c_sigma) * state.p_sigma + math.sqrt(
        wts.c_sigma * (2 - wts.c_sigma) * wts.mu_eff
    ) * (inv_sqrt @ y_w)
    norm = float(np.linalg.norm(p_sigma))
    gen = state.generation + 1
    h_sigma = norm / math.sqrt(1 - (1 - wts.c_sigma) ** (2 * gen)) < (1.4 + 2 / (n + 1)) * wts.chi_n
    c_path = math.sqrt(wts.c_c * (2 - wts.c_c) * wts.mu_eff)
    p_c = (1 - wts.c_c) * state.p_c + h_sigma * c_path * y_w
    delta = (1 - h_sigma) * wts.c_c * (2 - wts.c_c)
    # a negative weight acts on the direction only (eq. 46): rescaled to length sqrt(n)
    w_o = np.where(w >= 0, w, w * n / lengths**2)
    rank_mu = (ys * w_o[:, None]).T @ ys
    cov = ((1 + wts.c_1 * delta - wts.c_1 - wts.c_mu * float(w.sum())) * state.cov
           + wts.c_1 * np.outer(p_c, p_c) + wts.c_mu * rank_mu)  # fmt: skip
    sigma = state.sigma * math.exp(min(1.0, (wts.c_sigma / wts.d_sigma) * (norm / wts.chi_n - 1)))
    sorted_f = fs[order]
    if sorted_f[0] == sorted_f[min(len(fs) - 1, int(math.ceil(0.7 * wts.lam)))]:
        sigma *= math.exp(0.2 + wts.c_sigma / wts.d_sigma)  # flat fitness: widen (Hansen)
    b, d = _eig(cov)
    bests = (*state.bests[-_history_length(state) :], float(sorted_f[0]))
    spread = float(sorted_f[-1] - sorted_f[0]) if np.all(np.isfinite(fs)) else math.inf
    return replace(state, mean=mean, sigma=sigma, cov=cov, b=b, d=d, p_sigma=p_sigma, p_c=p_c,
                   generation=gen, bests=bests, spread=spread)  # fmt: skip


def _history_length(state: State) -> int:
    n, lam = state.weights.n, state.weights.lam
    return max(20, 120 + int(30 * n / lam)) * 2


def apply_margin(state: State, grids: dict[int, np.ndarray], alpha: float) -> State:
    """Keep the chance that a draw leaves its current value at least ``alpha`` in each
    discrete coordinate (``grids``: sorted unit positions of its values).

    Hamano et al.'s margin: without it a coordinate whose samples all round to one
    integer loses its variance and never moves again. Here the widening A_j is
    raised just enough that crossing the nearest threshold has probability alpha.
    """
    if not grids:
        return state
    margin = state.margin.copy()
    z_alpha = _NORMAL.inv_cdf(1 - alpha)
    base = state.sigma * np.sqrt(np.diag(state.cov))
    for j, grid in grids.items():
        if len(grid) < 2:
            continue
        m = float(np.clip(state.mean[j], grid[0], grid[-1]))
        cuts = (grid[1:] + grid[:-1]) / 2
        k = int(np.searchsorted(cuts, m))
        near = [abs(m - cuts[i]) for i in (k - 1, k) if 0 <= i < len(cuts)]
        sd = base[j] * margin[j]
        if leave_probability(state.mean[j], sd, grid) < alpha:
            margin[j] = max(margin[j], min(near) / z_alpha / max(base[j], 1e-300))
    return replace(state, margin=margin)


def leave_probability(mean: float, sd: float, grid: np.ndarray) -> float:
    """The chance that N(mean, sd^2) rounds to another value of ``grid`` than ``mean`` does."""
    cuts = (grid[1:] + grid[:-1]) / 2
    m = float(np.clip(mean, grid[0], grid[-1]))
    k = int(np.searchsorted(cuts, m))
    below = _NORMAL.cdf((cuts[k - 1] - mean) / sd) if k > 0 else 0.0
    above = 1 - _NORMAL.cdf((cuts[k] - mean) / sd) if k < len(cuts) else 0.0
    return below + above


def should_restart(state: State) -> bool:
    """IPOP's stopping tests: the step collapsed, progress stalled, or C degenerated."""
    if float(np.max(state.marginal_sd())) < TOL_X:
        return True
    if state.d.max() ** 2 > MAX_CONDITION * state.d.min() ** 2:
        return True
    n, lam = state.weights.n, state.weights.lam
    flat_for = 10 + int(math.ceil(30 * n / lam))
    recent = state.bests[-flat_for:]
    if len(recent) >= flat_for:
        scale = max(1.0, abs(recent[-1]))
        if max(recent) - min(recent) < TOL_FUN * scale:
            return True
    if len(recent) >= flat_for // 2 and state.spread < TOL_SPREAD * max(1.0, abs(recent[-1])):
        return True  # TolFun: the whole generation is as good as its best
    stall = max(20, 120 + int(30 * n / lam))  # Hansen's tolstagnation
    if len(state.bests) >= stall:
        window = max(1, int(0.3 * len(state.bests)))
        old, new = state.bests[:window], state.bests[-window:]
        if np.median(new) >= np.median(old):
            return True
    return False


@dataclass(frozen=True)
class Restart:
    """The next run of a BIPOP schedule: its population, step, spent trials and regime."""

    lam: int
    sigma: float
    spent: tuple[int, int]
    doublings: int
    small: bool


def next_run(state: State, lam0: int, sigma0: float, u: tuple[float, float],
             bipop: bool = True) -> Restart:  # fmt: skip
    """BIPOP's choice for the run after ``state`` (Hansen, GECCO BBOB 2009).

    The trials a run used count to its regime (the first run is a large one). The
    next run is a small local one while the small regime has used fewer trials than
    the large one: population lam0 (lam_L / (2 lam0))^(u0^2) and step sigma0 10^(-2 u1),
    with lam_L the last large population; otherwise the population doubles (IPOP).
    """
    used = state.generation * state.lam
    large, small = state.spent
    spent = (large, small + used) if state.small else (large + used, small)
    if bipop and spent[1] < spent[0]:
        big = lam0 * 2**state.doublings
        lam = max(2, int(lam0 * (0.5 * big / lam0) ** (u[0] ** 2)))
        return Restart(lam, sigma0 * 10 ** (-2 * u[1]), spent, state.doublings, True)
    d = state.doublings + 1
    return Restart(lam0 * 2**d, sigma0, spent, d, False)
