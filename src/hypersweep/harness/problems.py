"""Benchmark problems: standard test functions with known optima, a conditional, a mixed
and a real ML task.

Each problem holds one hypersweep space definition and one objective over the nested
parameters it produces; :mod:`.peers` translates the same definition to optuna and
hyperopt, so the three libraries search exactly the same space by construction.
The exact optima are computed (each problem's ``optimum``), not copied from tables
whose last digits are off: a wrong optimum floors or corrupts log regret.

Runs search :func:`shifted` boxes: each seed moves every continuous box by up to
30% of its width, keeping every known optimum inside. Several test functions have
their optimum at the centre of the standard box (Ackley) or on a symmetric grid
point, which a method starting at the centre (CMA-ES, a Sobol design's first
point) would otherwise get for free.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..space.kinds import Categorical, Float, Int

if TYPE_CHECKING:
    import numpy as np

KINDS = ("continuous", "mixed", "conditional", "ml")


@dataclass(frozen=True)
class Problem:
    """One benchmark problem; ``optimum`` is None when it is unknown (the ML task)."""

    name: str
    kind: str
    dim: int
    space: Any
    objective: Callable[[Any], float]
    optimum: float | None
    optima: tuple[Any, ...] = ()  # parameter values that reach ``optimum`` (checked in tests)
    note: str = ""


# --- vectorised test functions: x has shape (..., d) ---------------------------------------
def _np() -> Any:
    import numpy

    return numpy


def branin(x: np.ndarray) -> np.ndarray:
    np = _np()
    x1, x2 = x[..., 0], x[..., 1]
    b, c = 5.1 / (4 * np.pi**2), 5 / np.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10


_HART_ALPHA = (1.0, 1.2, 3.0, 3.2)
_HART3_A = ((3, 10, 30), (0.1, 10, 35), (3, 10, 30), (0.1, 10, 35))
_HART3_P = ((3689, 1170, 2673), (4699, 4387, 7470), (1091, 8732, 5547), (381, 5743, 8828))
_HART6_A = (
    (10, 3, 17, 3.5, 1.7, 8),
    (0.05, 10, 17, 0.1, 8, 14),
    (3, 3.5, 1.7, 10, 17, 8),
    (17, 8, 0.05, 10, 0.1, 14),
)
_HART6_P = (
    (1312, 1696, 5569, 124, 8283, 5886),
    (2329, 4135, 8307, 3736, 1004, 9991),
    (2348, 1451, 3522, 2883, 3047, 6650),
    (4047, 8828, 8732, 5743, 1091, 381),
)


def _hartmann(x: np.ndarray, a: Any, p: Any) -> np.ndarray:
    np = _np()
    x = np.asarray(x, dtype=float)[..., None, :]  # (..., 1, d) against the 4 rows
    inner = np.sum(np.asarray(a) * (x - 1e-4 * np.asarray(p)) ** 2, axis=-1)
    return -np.sum(np.asarray(_HART_ALPHA) * np.exp(-inner), axis=-1)


def hartmann3(x: np.ndarray) -> np.ndarray:
    return _hartmann(x, _HART3_A, _HART3_P)


def hartmann6(x: np.ndarray) -> np.ndarray:
    return _hartmann(x, _HART6_A, _HART6_P)


def rosenbrock(x: np.ndarray) -> np.ndarray:
    np = _np()
    return np.sum(100 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2, axis=-1)


def ackley(x: np.ndarray) -> np.ndarray:
    np = _np()
    d = x.shape[-1]
    s1 = np.sqrt(np.sum(x**2, axis=-1) / d)
    s2 = np.sum(np.cos(2 * np.pi * x), axis=-1) / d
    return -20 * np.exp(-0.2 * s1) - np.exp(s2) + 20 + np.e


def levy(x: np.ndarray) -> np.ndarray:
    np = _np()
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[..., 0]) ** 2
    mid = np.sum((w[..., :-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[..., :-1] + 1) ** 2), axis=-1)
    tail = (w[..., -1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[..., -1]) ** 2)
    return head + mid + tail


def styblinski_tang(x: np.ndarray) -> np.ndarray:
    np = _np()
    return 0.5 * np.sum(x**4 - 16 * x**2 + 5 * x, axis=-1)


# exact optima (scipy-polished from the published points; Branin's is 5 / (4 pi))
BRANIN_MIN = 5 / (4 * math.pi)
HARTMANN3_MIN, HARTMANN3_X = (
    -3.862779787332663,
    (0.11458888122541287, 0.5556488954739371, 0.8525469842172746),
)
HARTMANN6_MIN, HARTMANN6_X = (
    -3.3223680114155147,
    (
        0.20168950909365746,
        0.15001069354111374,
        0.4768739729250998,
        0.2753324275220782,
        0.3116516172395686,
        0.6573005345536702,
    ),
)
STYBLINSKI_TANG_MIN_PER_DIM, STYBLINSKI_TANG_X = -39.16616570377142, -2.9035340379651355


# --- continuous problems: parameters x0..x{d-1} ------------------------------------------
def _box(bounds: list[tuple[float, float]]) -> dict[str, Float]:
    return {f"x{i}": Float(lo, hi) for i, (lo, hi) in enumerate(bounds)}


def _point(values: Any) -> dict[str, float]:
    return {f"x{i}": float(v) for i, v in enumerate(values)}


@dataclass(frozen=True)
class _Vectorised:
    """Wraps a vectorised function as an objective over {"x0": ..., "x1": ...} (picklable)."""

    function: Callable[[Any], Any]
    dim: int

    def __call__(self, params: dict[str, float]) -> float:
        x = _np().array([params[f"x{i}"] for i in range(self.dim)], dtype=float)
        return float(self.function(x))


def _continuous(
    name: str, f: Callable[[Any], Any], bounds: list[tuple[float, float]], opt: float, *xs: Any
) -> Problem:
    d = len(bounds)
    optima = tuple(_point(x) for x in xs)
    return Problem(name, "continuous", d, _box(bounds), _Vectorised(f, d), opt, optima)


# --- a conditional space: three branches, only "b" reaches 0 ------------------------------
def conditional_objective(params: dict[str, Any]) -> float:
    """Branch a bottoms out at 1, c at 0.5, b at 0 (lr = 1e-2, z = 0.3)."""
    model = params["model"]
    if model["kind"] == "a":
        return 1.0 + (model["x"] - 1.0) ** 2 + (model["y"] + 2.0) ** 2 / 4
    if model["kind"] == "b":
        return (math.log10(model["lr"]) + 2.0) ** 2 / 4 + 4 * (model["z"] - 0.3) ** 2
    return 0.5 + model["u"] ** 2 + abs(model["v"] - 0.5)


CONDITIONAL_SPACE = {
    "model": Categorical(
        [
            {"kind": "a", "x": Float(-5.0, 5.0), "y": Float(-5.0, 5.0)},
            {"kind": "b", "lr": Float(1e-5, 1.0, log=True), "z": Float(0.0, 1.0)},
            {"kind": "c", "u": Float(-1.0, 1.0), "v": Float(0.0, 1.0)},
        ]
    )
}
CONDITIONAL_OPT = {"model": {"kind": "b", "lr": 1e-2, "z": 0.3}}


# --- a mixed space: continuous, log-scaled, integer and categorical ------------------------
_ACTIVATION_COST = {"relu": 0.0, "tanh": 0.5, "sigmoid": 1.0}


def mixed_objective(params: dict[str, Any]) -> float:
    """0 at x = 1.5, lr = 1e-3, units = 32, layers = 3, activation = relu."""
    return (
        (params["x"] - 1.5) ** 2 / 4
        + (math.log10(params["lr"]) + 3.0) ** 2 / 4
        + (math.log2(params["units"]) - 5.0) ** 2 / 4
        + 0.25 * abs(params["layers"] - 3)
        + _ACTIVATION_COST[params["activation"]]
    )


MIXED_SPACE = {
    "x": Float(-5.0, 5.0),
    "lr": Float(1e-6, 1.0, log=True),
    "units": Int(1, 512, log=True),
    "layers": Int(1, 8),
    "activation": Categorical(["sigmoid", "tanh", "relu"]),
}
MIXED_OPT = {"x": 1.5, "lr": 1e-3, "units": 32, "layers": 3, "activation": "relu"}


# --- a real ML task: 3-fold CV error of an RBF SVM on breast cancer ------------------------
@lru_cache(maxsize=1)
def _svm_folds() -> list[tuple[Any, Any, Any, Any]]:
    """Standardised folds, computed once per process (scaling is fitted on each train part)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    folds = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(x, y):
        scaler = StandardScaler().fit(x[train])
        folds.append((scaler.transform(x[train]), y[train], scaler.transform(x[test]), y[test]))
    return folds


def svm_objective(params: dict[str, Any]) -> float:
    """Mean 3-fold misclassification rate; ~10-30 ms per call."""
    from sklearn.svm import SVC

    errors = []
    for x_tr, y_tr, x_te, y_te in _svm_folds():
        model = SVC(C=params["C"], gamma=params["gamma"], class_weight=params["class_weight"])
        errors.append(1.0 - model.fit(x_tr, y_tr).score(x_te, y_te))
    return float(sum(errors) / len(errors))


SVM_SPACE = {
    "C": Float(1e-3, 1e3, log=True),
    "gamma": Float(1e-5, 1e1, log=True),
    "class_weight": Categorical([None, "balanced"]),
}


def _build() -> dict[str, Problem]:
    st_min = 8 * STYBLINSKI_TANG_MIN_PER_DIM
    problems = [
        _continuous(
            "branin",
            branin,
            [(-5.0, 10.0), (0.0, 15.0)],
            BRANIN_MIN,
            (-math.pi, 12.275),
            (math.pi, 2.275),
            (3 * math.pi, 2.475),
        ),
        _continuous("hartmann3", hartmann3, [(0.0, 1.0)] * 3, HARTMANN3_MIN, HARTMANN3_X),
        _continuous("hartmann6", hartmann6, [(0.0, 1.0)] * 6, HARTMANN6_MIN, HARTMANN6_X),
        _continuous("rosenbrock5", rosenbrock, [(-5.0, 10.0)] * 5, 0.0, (1.0,) * 5),
        _continuous("ackley5", ackley, [(-32.768, 32.768)] * 5, 0.0, (0.0,) * 5),
        _continuous("levy10", levy, [(-10.0, 10.0)] * 10, 0.0, (1.0,) * 10),
        _continuous(
            "styblinski_tang8", styblinski_tang, [(-5.0, 5.0)] * 8, st_min, (STYBLINSKI_TANG_X,) * 8
        ),
        Problem(
            "conditional",
            "conditional",
            5,
            CONDITIONAL_SPACE,
            conditional_objective,
            0.0,
            (CONDITIONAL_OPT,),
        ),
        Problem("mixed", "mixed", 5, MIXED_SPACE, mixed_objective, 0.0, (MIXED_OPT,)),
        Problem(
            "svm_cancer",
            "ml",
            3,
            SVM_SPACE,
            svm_objective,
            None,
            note="3-fold CV error of an RBF SVC on load_breast_cancer (no known optimum)",
        ),
    ]
    return {p.name: p for p in problems}


PROBLEMS: dict[str, Problem] = _build()


SHIFT = 0.3  # the largest shift, as a fraction of a box's width


def shifted(problem: Problem, seed: int) -> Problem:
    """``problem`` with its box moved at random for ``seed`` (the same in every process
    and library); only continuous boxes move, and every listed optimum stays inside."""
    if problem.kind != "continuous" or not problem.optima:
        return problem
    np = _np()
    rng = np.random.default_rng((seed, zlib.crc32(problem.name.encode())))
    space = {}
    for key, param in problem.space.items():
        xs = [opt[key] for opt in problem.optima]
        lo, hi = param.low, param.high
        width = hi - lo
        least, most = max(max(xs) - hi, -SHIFT * width), min(min(xs) - lo, SHIFT * width)
        s = float(rng.uniform(least, most)) if most > least else 0.0
        space[key] = Float(lo + s, hi + s)
    return replace(problem, space=space)


def get(names: str | list[str] | None = None) -> list[Problem]:
    """Problems by name (a comma-separated string or a list); None means all of them."""
    if names is None:
        return list(PROBLEMS.values())
    wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    unknown = [n for n in wanted if n not in PROBLEMS]
    if unknown:
        raise ValueError(
            f"unknown benchmark problem(s) {unknown}: choose from {', '.join(PROBLEMS)}"
        )
    return [PROBLEMS[n] for n in wanted]
