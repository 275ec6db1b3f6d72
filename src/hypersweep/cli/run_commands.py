"""``hypersweep run`` and ``hypersweep worker``: run trials, from a config or for a
stored study."""

from __future__ import annotations

import argparse
import os
import sys

from .defaults import DEFAULT_STORAGE
from .shared import CommandError, best_json, dumps, state_summary

# The study machinery and YAML are imported inside the commands: `hypersweep --help`
# builds the parser from this module and must stay fast.


def cmd_run(args: argparse.Namespace) -> int:
    """Run (or resume) a config's study; print the best trial as JSON on stdout."""
    from ..study.progress import set_verbosity
    from .config import load_config, run_config

    cfg = load_config(args.config)
    overrides = {
        key: getattr(args, key)
        for key in ("n_trials", "seed", "timeout")
        if getattr(args, key) is not None
    }
    cfg = cfg.replace(**overrides)
    set_verbosity(0 if args.quiet else 1)
    study = run_config(cfg, storage_override=args.storage, n_jobs=args.jobs or 1)
    trials = study.trials
    where = args.storage or cfg.storage or DEFAULT_STORAGE
    print(
        f"Study {study.name!r} ({study.direction.value}) in {where}: "
        f"{len(trials)} trials ({state_summary(trials) or 'none'}).",
        file=sys.stderr,
    )
    try:
        best = best_json(study)
    except CommandError:
        failed = [t for t in trials if t.error]
        last = failed[-1].error.splitlines()[0] if failed and failed[-1].error else "none"
        print(
            f"hypersweep: no trial completed; the last error was: {last}. "
            f"See them all with: hypersweep show {study.name}",
            file=sys.stderr,
        )
        return 1
    print(dumps(best))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Join a stored study with the objective, sampler and budget `run` stored with it."""
    from ..study.factory import load_study
    from ..study.progress import set_verbosity
    from .config import import_objective, pruner_for, sampler_for

    storage = args.storage or DEFAULT_STORAGE
    study = load_study(args.study, storage=storage)
    settings = dict(study.system_attrs.get("run") or {})
    ref = args.objective or settings.get("objective")
    if not ref:
        raise CommandError(
            f"study {args.study!r} was not started by `hypersweep run`, so it stores no "
            "objective: pass --objective module:function"
        )
    objective = import_objective(ref, settings.get("folder") or os.getcwd())
    study = load_study(
        args.study,
        storage=storage,
        sampler=sampler_for(settings),
        pruner=pruner_for(settings.get("pruner")),
        seed=settings.get("seed"),
    )
    n_trials = args.n_trials if args.n_trials is not None else settings.get("n_trials")
    timeout = args.timeout if args.timeout is not None else settings.get("timeout")
    if n_trials is None and timeout is None and settings.get("sampler") != "grid":
        raise CommandError("the study stores no budget: pass --n-trials N or --timeout SECONDS")
    set_verbosity(0 if args.quiet else 1)
    study.optimize(
        objective, n_trials, timeout=timeout, n_jobs=args.jobs or 1, retries=args.retries
    )
    done = sum(t.state.value == "COMPLETE" for t in study.trials)
    print(f"Study {study.name!r}: {done} complete trials; this worker is done.", file=sys.stderr)
    return 0
