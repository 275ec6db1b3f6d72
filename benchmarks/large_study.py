"""Reading a large study: ``hypersweep show``, ``studies``, ``best``, ``report`` and the
dashboard's first requests on a 20,000-trial SQLite study, in seconds and peak memory.

The study is real: a dozen parameters (floats, log floats, integers, a categorical
with conditional branches), mostly COMPLETE trials, some FAIL and PRUNED, learning
curves on a third of them, written through the storage API once and cached in the
temp directory. Each figure is the median of ``--repeats`` runs, each run a fresh
``python -m hypersweep`` process (or, for the dashboard, a fresh server process),
peak memory its maximum resident set size. Each version's modules are compiled to
bytecode first and the runs may write it (as an installed package has it).

``--before DIR`` also times a checkout of an older hypersweep (for instance
``git worktree add /tmp/hs-before HEAD``) on the same file, side by side. ``studies``
and ``best`` are also timed as the light commands of ``hypersweep.cli.view_commands``
("now, light"), which read through the read-only sqlite3 reader as ``show`` does.
``--tasks`` picks some of import (Python starting and importing hypersweep.cli, the floor
of every command), show, studies, best, report, dashboard; ``--cache DIR`` keeps
the study file elsewhere than the temp directory.

    python benchmarks/large_study.py
    python benchmarks/large_study.py --trials 20000 --repeats 3 --before /tmp/hs-before
    python benchmarks/large_study.py --tasks show,studies,best
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import hypersweep as hs

SPACE = {
    "lr": hs.Float(1e-5, 1e-1, log=True),
    "weight_decay": hs.Float(1e-6, 1e-2, log=True),
    "dropout": hs.Float(0.0, 0.6),
    "batch_size": hs.Categorical([16, 32, 64, 128, 256]),
    "layers": hs.Int(1, 8),
    "units": hs.Int(16, 1024, log=True),
    "activation": hs.Categorical(["relu", "gelu", "tanh"]),
    "warmup": hs.Int(0, 1000),
    "momentum": hs.Float(0.5, 0.999),
    "optimizer": hs.Categorical(
        [
            {"kind": "adam", "beta2": hs.Float(0.9, 0.9999)},
            {"kind": "sgd", "nesterov": hs.Categorical([True, False])},
        ]
    ),
}
NAME = "large"


def objective(p: dict[str, Any], rng: np.random.Generator) -> float:
    """A smooth loss with noise, best near lr=1e-3, dropout 0.2, 4 layers."""
    loss = (np.log10(p["lr"]) + 3) ** 2 + (p["dropout"] - 0.2) ** 2 * 4
    loss += abs(p["layers"] - 4) * 0.1 + 0.05 * np.log2(p["batch_size"] / 64) ** 2
    loss += 0.2 if p["optimizer"]["kind"] == "sgd" else 0.0
    return float(loss + rng.normal(0, 0.02))


def build(path: Path, n: int, seed: int = 0) -> str:
    """Write the study (about a minute at 20,000 trials); return its URL."""
    from hypersweep.space.tree import Space
    from hypersweep.storage import get_storage
    from hypersweep.trial import TrialState

    url = f"sqlite:///{path}"
    study = hs.create_study(NAME, storage=url, space=SPACE, sampler="random", seed=seed)
    store, sid = get_storage(url), study.record.study_id
    space, rng = Space(SPACE), np.random.default_rng(seed)
    now = time.time() - n
    for i in range(n):
        params, flat = space.resolve(lambda _path, param: param.sample(rng))
        trial = store.create_trial(sid, state=TrialState.RUNNING, flat=flat, params=params,
                                   started=now + i)  # fmt: skip
        if i == n - 1:
            break  # one still running
        value = objective(params, rng)
        kind = rng.random()
        state = TrialState.FAIL if kind < 0.03 else TrialState.PRUNED if kind < 0.15 else \
            TrialState.COMPLETE  # fmt: skip
        steps = {}
        if i % 3 == 0 or state is TrialState.PRUNED:
            last = 10 if state is not TrialState.PRUNED else int(rng.integers(1, 10))
            steps = {s: value + 1.0 / (s + 1) for s in range(last)}
        store.update_trial(
            sid, trial.number, state=state,
            values=[value] if state is TrialState.COMPLETE else None,
            intermediate=steps or None, user_attrs={"epochs": len(steps), "gpu": i % 4},
            error="Traceback ...\nRuntimeError: CUDA out of memory" if state is TrialState.FAIL
            else None, finished=now + i + 0.5,
        )  # fmt: skip
    store.close()
    study.storage.close()
    return url


def cached(n: int, folder: Path | None = None) -> str:
    """The study file in ``folder`` (the temp directory's), built on first use. Built
    under a name of this process's own and renamed when whole, so two runs starting at
    once each build a whole file and neither removes what the other writes."""
    folder = folder or Path(tempfile.gettempdir()) / "hypersweep-large-study"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"study-{n}.db"
    if not path.exists():
        print(f"building a {n:,}-trial study in {path} (once) ...", file=sys.stderr)
        part = folder / f"study-{n}.{os.getpid()}.part"
        for leftover in folder.glob(f"{part.name}*"):
            leftover.unlink()
        build(part, n)
        with sqlite3.connect(part) as conn:  # everything into the main file before the rename
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        os.replace(part, path)
    return f"sqlite:///{path}"


# --- measuring ------------------------------------------------------------------------
PROBE = r"""
import resource, sys, time
started = time.perf_counter()
sys.argv = ["hypersweep", *sys.argv[1:]]
from hypersweep.cli import main
imported = time.perf_counter()
code = main(sys.argv[1:])
done = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
print(f"@@ {imported - started:.4f} {done - imported:.4f} {peak:.1f} {cpu:.4f}", file=sys.stderr)
"""

# the light studies and best (hypersweep.cli.view_commands), parsed by the real parser
LIGHT = PROBE.replace(
    "code = main(sys.argv[1:])",
    "from hypersweep.cli.parser import build_parser\n"
    "from hypersweep.cli import view_commands as light\n"
    "handler = {'studies': light.cmd_studies_light, 'best': light.cmd_best_light}[sys.argv[1]]\n"
    "code = handler(build_parser().parse_args(sys.argv[1:]))",
)

# the floor every command stands on: Python starting and importing hypersweep.cli
IMPORT_ONLY = PROBE.replace("code = main(sys.argv[1:])", "code = 0")

DASHBOARD = r"""
import resource, sys, time, urllib.request
from hypersweep.report import serve
url, name = sys.argv[1], sys.argv[2]
board = serve(url, port=0).start()
started = time.perf_counter()
for path in ("api/studies", f"api/studies/{name}", f"api/studies/{name}/figures"):
    with urllib.request.urlopen(board.url + path, timeout=600) as answer:
        assert answer.status == 200, path
        answer.read()
done = time.perf_counter()
board.stop()
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
print(f"@@ 0 {done - started:.4f} {peak:.1f} {cpu:.4f}", file=sys.stderr)
"""


def compiled(src: Path | None) -> None:
    """Write the bytecode of a version's modules once, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (as in some sandboxes) every run would compile each module
    whose cached bytecode is missing or stale, a tenth of a second or more of each figure."""
    folder = src if src is not None else Path(hs.__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)],
                   capture_output=True, check=False)  # fmt: skip


def run(code: str, args: list[str], src: Path | None, cwd: str) -> tuple[float, ...]:
    """(whole process s, after import s, peak MB, CPU s) of one fresh process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see compiled()
    if src is not None:
        env["PYTHONPATH"] = str(src)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=1200)  # fmt: skip
    whole = time.perf_counter() - started
    lines = [line for line in done.stderr.splitlines() if line.startswith("@@ ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{args} failed:\n{done.stderr[-2000:]}")
    _, _imported, after, peak, cpu = lines[-1].split()
    return whole, float(after), float(peak), float(cpu)


def median_of(repeats: int, *call: Any) -> tuple[float, ...]:
    runs = [run(*call) for _ in range(repeats)]
    return tuple(statistics.median(r[i] for r in runs) for i in range(4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of an older hypersweep")
    parser.add_argument("--cache", type=Path, help="the folder of the cached study file")
    parser.add_argument("--tasks", default="import,show,studies,best,report,dashboard",
                        help="comma-separated: import (the floor: importing hypersweep.cli), "
                        "show, studies, best, report, dashboard")  # fmt: skip
    args = parser.parse_args()
    url = cached(args.trials, args.cache)
    work = tempfile.mkdtemp(prefix="hs-large-")
    versions: list[tuple[str, Path | None]] = [("now", None)]
    if args.before is not None:
        versions.insert(0, ("before", args.before.resolve() / "src"))
    storage = ["--storage", url]
    tasks = {  # task: (code, argv, light code for "now" or None)
        "import": (IMPORT_ONLY, [], None),
        "show": (PROBE, ["show", NAME, *storage], None),
        "studies": (PROBE, ["studies", *storage], LIGHT),
        "best": (PROBE, ["best", NAME, *storage], LIGHT),
        "report": (PROBE, ["report", NAME, *storage, "-o", "r.html"], None),
        "dashboard": (DASHBOARD, [url, NAME], None),
    }
    chosen = [t.strip() for t in args.tasks.split(",") if t.strip()]
    for _, src in versions:
        compiled(src)
    print(f"{args.trials:,}-trial SQLite study, median of {args.repeats} fresh processes\n")
    print("process s and after import s are wall-clock times (a busy machine inflates them);")
    print("CPU s is the process's own user + system time, whatever else runs.\n")
    heads = ("process s", "after import s", "CPU s", "peak MB")
    print(f"{'task':<26} {'version':<11} " + " ".join(f"{h:>14}" for h in heads))
    for task in chosen:
        code, argv, light = tasks[task]
        runs = [(label, code, src) for label, src in versions]
        if light is not None:
            runs.append(("now, light", light, None))
        for label, run_code, src in runs:
            whole, after, peak, cpu = median_of(args.repeats, run_code, argv, src, work)
            cells = f"{whole:>14.2f} {after:>14.2f} {cpu:>14.2f} {peak:>14.0f}"
            name = "dashboard first requests" if task == "dashboard" else task
            print(f"{name:<26} {label:<11} {cells}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
