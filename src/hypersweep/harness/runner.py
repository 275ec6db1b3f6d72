"""Run every (problem, method, seed) once at the largest budget, in parallel processes.

A run records the objective value of each trial in order, so every smaller budget
is read off the same run (best-so-far at 50 trials is the prefix of the 100-trial
run: the samplers do not know their budget). A method that is not installed is
skipped with a note; one that fails on a run is recorded with its error; neither
stops the suite.
"""

from __future__ import annotations

import dataclasses
import math
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import isolated, peers, peers_extra
from .problems import PROBLEMS, Problem, shifted

HYPERSWEEP_METHODS = {
    f"hypersweep:{name}": f"hs.samplers.from_name({name!r})"
    for name in ("auto", "tpe", "gp", "cmaes", "qmc", "evolution", "random")
}
METHODS: dict[str, str] = {
    **HYPERSWEEP_METHODS,
    **peers.OPTUNA_METHODS,
    **peers.HYPEROPT_METHODS,
    **peers_extra.METHODS,
    **isolated.METHODS,
}
# slow first, so that two workers finish together
_COST = {"skopt:gp": 0, "optuna:gp": 0, "hypersweep:gp": 1, "hypersweep:auto": 1,
         "hebo:hebo": 0, "smac:hpo": 0, "svm_cancer": 0}  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    """One (problem, method, seed) run: objective values in trial order (nan = failed)."""

    problem: str
    method: str
    seed: int
    values: tuple[float, ...]
    seconds: float
    error: str | None = None
    cpu_seconds: float = math.nan  # this process's and its children's (a peer's driver)


@dataclass
class Results:
    """Everything a report needs, and JSON-able for later analysis."""

    problems: list[str]
    methods: list[str]
    seeds: list[int]
    budgets: list[int]
    runs: list[RunResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # method -> why
    wall_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["runs"] = [
            {**dataclasses.asdict(r), "values": [None if math.isnan(v) else v for v in r.values]}
            for r in self.runs
        ]
        data["optima"] = {p: PROBLEMS[p].optimum for p in self.problems if p in PROBLEMS}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        runs = [
            RunResult(**{**r, "values": tuple(math.nan if v is None else v for v in r["values"])})
            for r in data["runs"]
        ]
        keys = ("problems", "methods", "seeds", "budgets", "skipped", "wall_seconds")
        return cls(**{k: data[k] for k in keys}, runs=runs)


def merge(first: Results, *others: Results) -> Results:
    """One set of results from several runs (e.g. a slow method run apart, or rerun after a
    fix); a later run's record replaces an earlier one for the same (problem, method, seed).
    The budgets are all of theirs: a table leaves out the runs shorter than its budget."""
    out = Results(list(first.problems), list(first.methods), list(first.seeds),
                  list(first.budgets), skipped=dict(first.skipped))  # fmt: skip
    by_key = {(r.problem, r.method, r.seed): r for r in first.runs}
    for other in (first, *others):
        for attr in ("problems", "methods", "seeds"):
            mine = getattr(out, attr)
            mine.extend(x for x in getattr(other, attr) if x not in mine)
        out.budgets = sorted(set(out.budgets) | set(other.budgets))
        out.skipped.update(other.skipped)
        by_key.update({(r.problem, r.method, r.seed): r for r in other.runs})
    out.wall_seconds = sum(r.wall_seconds for r in (first, *others))
    out.runs = list(by_key.values())
    ran = {r.method for r in out.runs}
    out.skipped = {m: why for m, why in out.skipped.items() if m not in ran}
    return out


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run here (not installed, not in this version), or None."""
    if method not in METHODS:
        return f"unknown method; choose from {', '.join(METHODS)}"
    library, name = method.split(":", 1)
    try:
        if library == "hypersweep":
            from ..samplers import from_name

            from_name(name, seed=0)
        elif library == "optuna":
            import optuna  # noqa: F401

            if name == "gp":
                import torch  # noqa: F401
            if name == "cmaes":
                import cmaes  # noqa: F401
        elif library == "hyperopt":
            import hyperopt  # noqa: F401
        elif method in isolated.METHODS:
            return isolated.missing(method)
        else:
            peers_extra.check(method)
    except ValueError as exc:
        return str(exc)
    except ImportError as exc:
        extra = "torch" if exc.name == "torch" else "benchmark"
        return f"{exc.name or exc} is not installed (pip install 'hypersweep[{extra}]')"
    return None


def available_methods() -> list[str]:
    return [m for m in METHODS if unavailable(m) is None]


def run_one(
    problem: Problem,
    method: str,
    seed: int,
    n_trials: int,
    timeout: float | None = None,
    *,
    shift: bool = True,
) -> list[float]:
    """The objective values of one run, in trial order (nan for a failed trial), on the
    box :func:`~.problems.shifted` for ``seed`` unless ``shift=False``."""
    if shift:
        problem = shifted(problem, seed)
    library = method.split(":", 1)[0]
    if library == "optuna":
        return peers.run_optuna(method, problem.space, problem.objective, seed, n_trials, timeout)
    if library == "hyperopt":
        return peers.run_hyperopt(method, problem.space, problem.objective, seed, n_trials, timeout)
    if method in isolated.METHODS:
        return isolated.run(method, problem.space, problem.objective, seed, n_trials, timeout)
    if library != "hypersweep":
        return peers_extra.run(method, problem.space, problem.objective, seed, n_trials)
    from ..samplers import from_name
    from ..study.oneshot import minimize

    sampler = from_name(method.split(":", 1)[1], seed=seed)
    result = minimize(
        problem.objective, problem.space, sampler=sampler, n_trials=n_trials, seed=seed,
        timeout=timeout, verbosity=0,
    )  # fmt: skip
    return [math.nan if t.value is None else float(t.value) for t in result.trials]


def run_task(args: tuple[str, str, int, int, float | None]) -> RunResult:
    """One (problem, method, seed, n_trials, timeout) run; an error is recorded, never
    raised (it would end the pool)."""
    name, method, seed, n_trials, timeout = args
    start, cpu = time.perf_counter(), _cpu_seconds()
    try:
        values = run_one(PROBLEMS[name], method, seed, n_trials, timeout)
        error = None
    except Exception as exc:
        values, error = [], f"{type(exc).__name__}: {exc}".splitlines()[0]
        if os.environ.get("HYPERSWEEP_DEBUG"):
            traceback.print_exc()
    seconds = time.perf_counter() - start
    return RunResult(name, method, seed, tuple(values), seconds, error, _cpu_seconds() - cpu)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (user + system)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _worker_init() -> None:
    """One thread per worker: BLAS or torch threads on top of n_jobs processes oversubscribe."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _single_threaded_env() -> Iterator[None]:
    """Spawned workers read these at start-up, before numpy or torch load."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update(dict.fromkeys(_THREAD_VARS, "1"))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(
    problems: Sequence[Problem | str] | None = None,
    methods: Sequence[str] | None = None,
    seeds: int | Sequence[int] = 10,
    budgets: Sequence[int] = (50, 100),
    *,
    n_jobs: int | None = None,
    timeout: float | None = None,
    progress: Callable[[int, int, RunResult], None] | None = None,
) -> Results:
    """Run the suite; methods that cannot run here are skipped and listed in ``skipped``.

    >>> from hypersweep.harness import run
    >>> res = run(["branin"], ["hypersweep:random"], seeds=2, budgets=[5], n_jobs=1)
    >>> [len(r.values) for r in res.runs]
    [5, 5]
    """
    chosen = [PROBLEMS[p] if isinstance(p, str) else p for p in (problems or PROBLEMS.values())]
    wanted = list(methods) if methods is not None else list(METHODS)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    budget_list = sorted({int(b) for b in budgets})
    if not budget_list or budget_list[0] < 1:
        raise ValueError(f"budgets must be positive trial counts, but got {list(budgets)}")
    skipped = {m: why for m in wanted if (why := unavailable(m)) is not None}
    runnable = [m for m in wanted if m not in skipped]
    results = Results([p.name for p in chosen], wanted, seed_list, budget_list, skipped=skipped)
    tasks = [
        (p.name, m, s, budget_list[-1], timeout)
        for p in chosen
        for m in runnable
        for s in seed_list
    ]
    tasks.sort(key=lambda t: (_COST.get(t[1], 9), _COST.get(t[0], 9)))
    start = time.perf_counter()
    for i, record in enumerate(_execute(tasks, n_jobs), 1):
        results.runs.append(record)
        if progress is not None:
            progress(i, len(tasks), record)
    results.wall_seconds = time.perf_counter() - start
    order = {(p, m, s): i for i, (p, m, s, _, _) in enumerate(tasks)}
    results.runs.sort(key=lambda r: order[(r.problem, r.method, r.seed)])
    return results


def _execute(tasks: list[Any], n_jobs: int | None) -> Iterator[RunResult]:
    jobs = min(n_jobs or os.cpu_count() or 1, max(len(tasks), 1))
    if jobs <= 1:
        _worker_init()
        yield from map(run_task, tasks)
        return
    import multiprocessing

    # spawn: a fresh interpreter per worker, safe with torch and threads in the parent
    with _single_threaded_env():
        pool = multiprocessing.get_context("spawn").Pool(jobs, initializer=_worker_init)
    with pool:
        yield from pool.imap_unordered(run_task, tasks)


def print_progress(i: int, total: int, record: RunResult) -> None:
    """A progress line on stderr per finished run (a full suite takes many minutes)."""
    status = f"error: {record.error}" if record.error else f"{len(record.values)} trials"
    print(
        f"[{i}/{total}] {record.problem} {record.method} seed {record.seed}: "
        f"{status} in {record.seconds:.1f}s",
        file=sys.stderr,
        flush=True,
    )


# --- overhead ------------------------------------------------------------------------------
OVERHEAD_METHODS = ("hypersweep:tpe", "optuna:tpe", "optuna:tpe-univariate", "hyperopt:tpe")


def _sphere(params: dict[str, float]) -> float:
    return sum(v * v for v in params.values())


def _overhead_space(dim: int) -> dict[str, Any]:
    from ..space.kinds import Float

    return {f"x{i}": Float(-5.0, 5.0) for i in range(dim)}


def _hypersweep_time_per_trial(space: Any, n: int, window: int) -> float:
    from ..study.factory import create_study

    study = create_study(space=space, sampler="tpe", seed=0)
    study.optimize(_sphere, n - window)
    start = time.perf_counter()
    study.optimize(_sphere, n)
    return (time.perf_counter() - start) / window


def time_per_trial(method: str, n: int = 1000, window: int = 100, dim: int = 12) -> float:
    """Seconds of ask + tell per trial over the last ``window`` of ``n`` (trivial objective)."""
    space = _overhead_space(dim)
    if method == "hypersweep:tpe":
        return _hypersweep_time_per_trial(space, n, window)
    if method.startswith("optuna:"):
        return peers.optuna_time_per_trial(method, space, _sphere, n, window)
    if method == "hyperopt:tpe":
        return peers.hyperopt_time_per_trial(space, _sphere, n, window)
    raise ValueError(f"no overhead measurement for {method!r}: choose from {OVERHEAD_METHODS}")


def overhead(
    methods: Sequence[str] = OVERHEAD_METHODS,
    *,
    n: int = 1000,
    window: int = 100,
    dim: int = 12,
    repeats: int = 3,
) -> dict[str, float | str]:
    """Median seconds per trial for each TPE (or why it was skipped), one after another."""
    from ..study.progress import set_verbosity

    set_verbosity(0)
    out: dict[str, float | str] = {}
    for method in methods:
        why = unavailable(method)
        if why is not None:
            out[method] = why
            continue
        out[method] = statistics.median(
            time_per_trial(method, n, window, dim) for _ in range(repeats)
        )
    return out
