"""Multi-objective samplers, hypersweep's and optuna's, in one run: hypervolume and cost.

Problems: ZDT1, ZDT2, ZDT3 (30 variables), DTLZ2 (3 objectives, 12 variables), WFG4
(2 objectives, k=4, l=20), C2-DTLZ2 (3 objectives, constrained), and a real one: a
scikit-learn MLPClassifier on the digits data, validation error against log10 of the
number of weights (a discrete space of 270 configurations, each trained once and cached
in ``benchmarks/.cache/``). Every variable is a float in [0, 1] for every method.

Hypervolume uses one fixed reference point per problem (``REFERENCE``) and only the
feasible trials; medians over seeds at 100 and 250 trials, and mean ranks over
problems. Each (method, problem, seed) run is cached in ``benchmarks/.cache/multiobjective/``,
so an interrupted run resumes and several processes can share the work. The cost is
the CPU time of ``ask`` + ``tell`` per trial around trial 500 of ZDT1 (one seed),
through each library's in-memory study (the GP samplers are left out there: they are
meant for a few hundred trials).

hs-gp is what a study of two or three objectives gets by default (the GP's log
EHVI, handing over to MOTPE at 250 completed trials); hs-tpe is MOTPE on its own.
Its ask costs about 0.5 CPU s below 100 trials (1 s and more towards 250), so the
GP rows take far longer than the rest; ``--methods`` and ``--budgets`` split the work.

hypersweep's study API for several objectives is bypassed: its samplers are driven by
a tiny ask/tell loop over a ``History`` (``drive_hs``), the same data the study would
hand them.

    nice python benchmarks/multiobjective.py --quick        # 3 seeds, 100 trials
    nice python benchmarks/multiobjective.py --first-seed 100 --seeds 3   # development
    nice python benchmarks/multiobjective.py --jobs 2       # seeds 0-9, 100 and 250
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import hypersweep as hs
from hypersweep.history import History
from hypersweep.multiobjective import hypervolume
from hypersweep.trial import Direction, FrozenTrial, TrialState

HERE = Path(__file__).resolve().parent
Evaluate = Callable[[np.ndarray], tuple[tuple[float, ...], list[float] | None]]


# --- problems (from the published definitions) ---------------------------------------
def zdt(kind: int) -> Evaluate:
    def f(x: np.ndarray) -> tuple[tuple[float, ...], None]:
        f1 = float(x[0])
        g = 1 + 9 * float(x[1:].mean())
        h = {1: 1 - math.sqrt(f1 / g), 2: 1 - (f1 / g) ** 2,
             3: 1 - math.sqrt(f1 / g) - f1 / g * math.sin(10 * math.pi * f1)}[kind]  # fmt: skip
        return (f1, g * h), None

    return f


def dtlz2_values(x: np.ndarray, m: int = 3) -> tuple[float, ...]:
    g = float(((x[m - 1 :] - 0.5) ** 2).sum())
    theta = x[: m - 1] * math.pi / 2
    out = []
    for i in range(m):
        v = 1 + g
        v *= float(np.prod(np.cos(theta[: m - 1 - i])))
        if i > 0:
            v *= math.sin(theta[m - 1 - i])
        out.append(v)
    return tuple(out)


def dtlz2(x: np.ndarray) -> tuple[tuple[float, ...], None]:
    return dtlz2_values(x), None


def c2_dtlz2(x: np.ndarray) -> tuple[tuple[float, ...], list[float]]:
    """DTLZ2 with Jain and Deb's C2 constraint (r = 0.4 for 3 objectives): feasible
    only near the front's centre and its corners."""
    f = np.array(dtlz2_values(x))
    m, r = 3, 0.4
    corner = min((f[i] - 1) ** 2 + (f**2).sum() - f[i] ** 2 - r**2 for i in range(m))
    centre = float(((f - 1 / math.sqrt(m)) ** 2).sum()) - r**2
    return tuple(f.tolist()), [float(min(corner, centre))]


def wfg4(x: np.ndarray, k: int = 4) -> tuple[tuple[float, ...], None]:
    """WFG4 with 2 objectives: multi-modal shift, then a concave front (Huband et al.)."""
    y = x.astype(float)  # z_i / (2 i) in the original scaling
    a, b, c = 30.0, 10.0, 0.35
    d = np.abs(y - c) / (2 * (np.floor(c - y) + c))
    t1 = (1 + np.cos((4 * a + 2) * math.pi * (0.5 - d)) + 4 * b * d**2) / (b + 2)
    pos, dist = float(t1[:k].mean()), float(t1[k:].mean())
    h1, h2 = math.sin(pos * math.pi / 2), math.cos(pos * math.pi / 2)
    return (dist + 2 * h1, dist + 4 * h2), None


_UNITS = [8, 16, 32, 64, 128]
_ALPHA = [1e-4, 1e-2, 1e-1]
_LR = [1e-3, 1e-2, 3e-2]
_LEVELS = (2, 5, 5, 3, 3)  # layers, units of each layer, alpha, learning rate
_MLP_CACHE: dict[str, list[float]] = {}
_MLP_PATH = HERE / ".cache" / "mlp_digits_v2.json"


def _mlp_key(x: np.ndarray) -> tuple[str, tuple[int, ...], list[int]]:
    pick = [int(min(v * n, n - 1)) for v, n in zip(x, _LEVELS)]
    layers = (_UNITS[pick[1]],) if pick[0] == 0 else (_UNITS[pick[1]], _UNITS[pick[2]])
    return json.dumps([list(layers), pick[3], pick[4]]), layers, pick


def mlp_digits(x: np.ndarray) -> tuple[tuple[float, ...], None]:
    """Validation error and log10(weights) of an MLP on digits (270 configurations,
    20 epochs), every configuration trained once by ``prepare_mlp`` and then cached."""
    key, layers, pick = _mlp_key(x)
    if not _MLP_CACHE and _MLP_PATH.exists():
        _MLP_CACHE.update(json.loads(_MLP_PATH.read_text()))
    if key not in _MLP_CACHE:
        import warnings

        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier

        data = load_digits()
        xtr, xva, ytr, yva = train_test_split(data.data / 16, data.target, test_size=0.33,
                                              random_state=0)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MLPClassifier(layers, alpha=_ALPHA[pick[3]], learning_rate_init=_LR[pick[4]],
                                  max_iter=20, random_state=0).fit(xtr, ytr)  # fmt: skip
        sizes = [64, *layers, 10]
        weights = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        _MLP_CACHE[key] = [1 - float(model.score(xva, yva)), math.log10(weights)]
    err, size = _MLP_CACHE[key]
    return (err, size), None


def prepare_mlp() -> None:
    """Train every MLP configuration once, so that worker processes only read the cache."""
    grid = itertools.product(*[[(i + 0.5) / n for i in range(n)] for n in _LEVELS])
    for i, x in enumerate(grid):
        if x[0] < 0.5 and x[2] > 1 / _LEVELS[2]:
            continue  # one layer: the second layer's width is unused
        mlp_digits(np.array(x))
        if i % 10 == 9:
            _save_mlp()
    _save_mlp()


def _save_mlp() -> None:
    _MLP_PATH.parent.mkdir(exist_ok=True)
    tmp = _MLP_PATH.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_MLP_CACHE))
    tmp.replace(_MLP_PATH)


PROBLEMS: dict[str, tuple[int, Evaluate, list[float]]] = {
    # name: (variables, evaluate, the fixed reference point)
    "ZDT1": (30, zdt(1), [1.1, 11.0]),
    "ZDT2": (30, zdt(2), [1.1, 11.0]),
    "ZDT3": (30, zdt(3), [1.1, 11.0]),
    "DTLZ2": (12, dtlz2, [3.5, 3.5, 3.5]),
    "WFG4": (24, wfg4, [3.3, 5.5]),
    "C2-DTLZ2": (12, c2_dtlz2, [3.5, 3.5, 3.5]),
    "MLP-digits": (5, mlp_digits, [1.0, 5.0]),
}


# --- drivers --------------------------------------------------------------------------
Run = tuple[list[tuple[float, ...]], list[bool], list[float]]  # values, feasible, seconds


def drive_hs(sampler: hs.samplers.Sampler, problem: str, n: int) -> Run:
    """A minimal ask/tell loop over a History (the study API is bypassed)."""
    dim, evaluate, ref = PROBLEMS[problem]
    space = hs.Space({f"x{i:02d}": hs.Float(0.0, 1.0) for i in range(dim)})
    paths = list(space.leaves)
    trials: list[FrozenTrial] = []
    changes: list[int] = []  # change tracking, as the study's cache gives it
    history = History(Direction.MINIMIZE, space, lambda: trials, get=lambda k: trials[k],
                      changes=changes, directions=[Direction.MINIMIZE] * len(ref))  # fmt: skip
    values, feasible, seconds = [], [], []
    for number in range(n):
        start = time.perf_counter()
        flat = dict(sampler.propose(history, number))
        for path in paths:
            if path not in flat:
                flat[path] = sampler.sample(history, number, path, space.leaves[path])
        seconds.append(time.perf_counter() - start)
        v, cons = evaluate(np.array([flat[p] for p in paths]))
        attrs = {} if cons is None else {"constraints": cons}
        trials.append(FrozenTrial(number, TrialState.COMPLETE, params=flat, flat=flat,
                                  values=v, system_attrs=attrs))  # fmt: skip
        changes.append(number)
        values.append(v)
        feasible.append(cons is None or max(cons) <= 0)
    return values, feasible, seconds


def drive_optuna(make: Callable[[], Any], problem: str, n: int) -> Run:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dim, evaluate, ref = PROBLEMS[problem]
    dists = {f"x{i:02d}": FloatDistribution(0.0, 1.0) for i in range(dim)}
    study = optuna.create_study(directions=["minimize"] * len(ref), sampler=make())
    values, feasible, seconds = [], [], []
    for _ in range(n):
        start = time.perf_counter()
        trial = study.ask(dists)
        spent = time.perf_counter() - start
        v, cons = evaluate(np.array([trial.params[p] for p in dists]))
        for i, c in enumerate(cons or []):
            trial.set_constraint(f"c{i}", c)  # optuna 5's way; its samplers read these
        start = time.perf_counter()
        study.tell(trial, list(v))
        seconds.append(spent + time.perf_counter() - start)
        values.append(v)
        feasible.append(cons is None or max(cons) <= 0)
    return values, feasible, seconds


def methods() -> dict[str, Callable[[int, str, int], Run]]:
    import optuna.samplers as os_

    return {
        "hs-tpe": lambda s, p, n: drive_hs(hs.samplers.TPE(seed=s), p, n),
        "hs-evolution": lambda s, p, n: drive_hs(hs.samplers.Evolution(seed=s), p, n),
        "hs-gp": lambda s, p, n: drive_hs(hs.samplers.GP(seed=s), p, n),
        "hs-random": lambda s, p, n: drive_hs(hs.samplers.Random(seed=s), p, n),
        "optuna-tpe": lambda s, p, n: drive_optuna(lambda: os_.TPESampler(seed=s), p, n),
        "optuna-nsga2": lambda s, p, n: drive_optuna(lambda: os_.NSGAIISampler(seed=s), p, n),
        "optuna-gp": lambda s, p, n: drive_optuna(lambda: os_.GPSampler(seed=s), p, n),
        "optuna-random": lambda s, p, n: drive_optuna(lambda: os_.RandomSampler(seed=s), p, n),
    }  # fmt: skip


RUNS = HERE / ".cache" / "multiobjective"


def cached_run(name: str, problem: str, seed: int, n: int) -> Run:
    """One (method, problem, seed) run of ``n`` trials, from the cache when it holds one
    at least that long (runs are deterministic given the seed, so a prefix is the same)."""
    folder = RUNS / name / problem
    for path in sorted(folder.glob(f"{seed}-*.json")) if folder.exists() else []:
        if int(path.stem.split("-")[1]) >= n:
            data = json.loads(path.read_text())
            return ([tuple(v) for v in data["values"][:n]], data["feasible"][:n],
                    data["seconds"][:n])  # fmt: skip
    values, feasible, seconds = methods()[name](seed, problem, n)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{seed}-{n}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"values": [list(v) for v in values], "feasible": feasible,
                               "seconds": seconds}))  # fmt: skip
    tmp.replace(folder / f"{seed}-{n}.json")
    return values, feasible, seconds


def timing(name: str, n: int) -> float:
    """Seconds of ask + tell per trial over the last 50 of ``n`` trials on ZDT1, through
    each library's own study (in memory), sampler included."""
    dim, evaluate, _ = PROBLEMS["ZDT1"]
    seconds = []
    if name.startswith("hs-"):
        sampler = {"hs-tpe": hs.samplers.TPE, "hs-evolution": hs.samplers.Evolution,
                   "hs-gp": hs.samplers.GP}[name](seed=0)  # fmt: skip
        space = {f"x{i:02d}": hs.Float(0.0, 1.0) for i in range(dim)}
        study = hs.create_study(directions=["minimize"] * 2, sampler=sampler, space=space)
        for _ in range(n):
            start = time.process_time()
            trial = study.ask()
            spent = time.process_time() - start
            v, _ = evaluate(np.array([trial.params[f"x{i:02d}"] for i in range(dim)]))
            start = time.process_time()
            study.tell(trial, list(v))
            seconds.append(spent + time.process_time() - start)
        return float(np.mean(seconds[-50:]))
    import optuna
    import optuna.samplers as os_
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    make = {"optuna-tpe": os_.TPESampler, "optuna-nsga2": os_.NSGAIISampler,
            "optuna-gp": os_.GPSampler}[name]  # fmt: skip
    ostudy = optuna.create_study(directions=["minimize"] * 2, sampler=make(seed=0))
    dists = {f"x{i:02d}": FloatDistribution(0.0, 1.0) for i in range(dim)}
    for _ in range(n):
        start = time.process_time()
        otrial = ostudy.ask(dists)
        spent = time.process_time() - start
        v, _ = evaluate(np.array([otrial.params[p] for p in dists]))
        start = time.process_time()
        ostudy.tell(otrial, list(v))
        seconds.append(spent + time.process_time() - start)
    return float(np.mean(seconds[-50:]))


def hv_at(run: Run, problem: str, n: int) -> float:
    values, feasible, _ = run
    ok = [v for v, f in zip(values[:n], feasible[:n]) if f]
    ref = PROBLEMS[problem][2]
    return hypervolume(np.array(ok).reshape(-1, len(ref)), ref) if ok else 0.0


def mean_ranks(table: dict[str, dict[str, float]], names: list[str]) -> dict[str, float]:
    """Average rank per method over problems (1 = largest median hypervolume; ties share)."""
    ranks: dict[str, list[float]] = {m: [] for m in names}
    for row in table.values():
        ordered = sorted(names, key=lambda m: -row[m])
        for m in names:
            better = sum(row[o] > row[m] for o in names)
            equal = sum(row[o] == row[m] for o in names)
            ranks[m].append(better + (equal + 1) / 2)
        del ordered
    return {m: float(np.mean(r)) for m, r in ranks.items()}


CACHED_ONLY = False


def _job(job: tuple[str, str, int, int]) -> tuple[str, str, int, list[float]]:
    name, problem, seed, n = job
    if CACHED_ONLY and not any(
        int(f.stem.split("-")[1]) >= n for f in (RUNS / name / problem).glob(f"{seed}-*.json")
    ):
        return name, problem, seed, []
    run = cached_run(name, problem, seed, n)
    return name, problem, seed, [hv_at(run, problem, b) for b in BUDGETS if b <= n]


BUDGETS = [100, 250]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 100 trials")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--first-seed", type=int, default=0, help="100 while developing")
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--budgets", type=int, nargs="*", default=None, help="100 250")
    parser.add_argument("--cached-only", action="store_true", help="report the runs cached")
    parser.add_argument("--timing-trials", type=int, default=500)
    parser.add_argument("--out", default=str(HERE / "results" / "multiobjective.txt"))
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 10)
    seeds = list(range(args.first_seed, args.first_seed + n_seeds))
    budgets = args.budgets or ([100] if args.quick else list(BUDGETS))
    names = args.methods or list(methods())
    jobs = [(m, p, s, max(budgets)) for s in seeds for p in args.problems for m in names]
    BUDGETS[:] = budgets
    global CACHED_ONLY
    CACHED_ONLY = args.cached_only
    if "MLP-digits" in args.problems:
        prepare_mlp()
    per: dict[tuple[str, str], dict[int, list[float]]] = {}
    if args.jobs > 1:
        from multiprocessing import Pool

        with Pool(args.jobs) as pool:
            results = list(pool.imap_unordered(_job, jobs))
    else:
        results = [_job(j) for j in jobs]
    for name, problem, _, hvs in results:
        for b, v in zip(BUDGETS, hvs):
            per.setdefault((name, problem), {}).setdefault(b, []).append(v)
    counts = {key: len(v[budgets[0]]) for key, v in per.items() if v}
    hv = {b: {p: {m: float(np.median(per[m, p][b])) if counts.get((m, p)) else 0.0
                  for m in names} for p in args.problems}
          for b in budgets}  # fmt: skip
    lines = [f"# benchmarks/multiobjective.py {'--quick' if args.quick else ''}".rstrip(),
             f"# median hypervolume over seeds {seeds[0]}-{seeds[-1]} (fixed reference point per"
             " problem; feasible trials only); higher is better", ""]  # fmt: skip
    width = max(len(m) for m in names) + 2
    for b in budgets if args.problems else []:
        lines.append(f"## {b} trials")
        lines.append(f"{'problem':12}" + "".join(f"{m:>{width}}" for m in names))
        for problem, row in hv[b].items():
            lines.append(f"{problem:12}" + "".join(f"{row[m]:>{width}.4f}" for m in names))
        complete = {p: row for p, row in hv[b].items() if all(counts.get((m, p)) for m in names)}
        ranks = mean_ranks(complete, names) if complete else dict.fromkeys(names, math.nan)
        lines.append(f"{'mean rank':12}" + "".join(f"{ranks[m]:>{width}.2f}" for m in names)
                     + f"   (over {len(complete)} problems with every method)")  # fmt: skip
        for m in names:
            gaps = [row[m] / max(row.values()) - 1 for row in complete.values()]
            worst = int(np.argmin(gaps)) if gaps else 0
            lines.append(f"#   {m:16} worst gap to the best {100 * min(gaps, default=0):+.1f}% "
                         f"({list(complete)[worst] if gaps else '-'})")  # fmt: skip
        lines.append("")
    short = [f"{m}/{p}: {c}" for (m, p), c in sorted(counts.items()) if c < n_seeds]
    missing = [f"{m}/{p}" for m in names for p in args.problems if not counts.get((m, p))]
    if short or missing:
        lines.append("# fewer seeds than asked (method/problem: seeds): " + ", ".join(short))
        lines.append("# not run (counted as 0): " + ", ".join(missing))
        lines.append("")
    if args.timing_trials:
        n = args.timing_trials
        lines.append(f"## CPU seconds of ask + tell per trial, trials {n - 50}-{n} of ZDT1 "
                     "(seed 0, each library's study in memory)")  # fmt: skip
        for name in names:
            if "random" in name or (name.endswith("gp") and args.timing_trials > 300):
                continue
            lines.append(f"{name:16}{timing(name, args.timing_trials):10.4f}")
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
