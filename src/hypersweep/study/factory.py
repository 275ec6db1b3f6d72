"""Making and loading studies: names, directions, stored seeds and space evolution."""

from __future__ import annotations

import datetime as _dt
import secrets
from collections.abc import Sequence
from typing import Any

from ..exceptions import DuplicateStudy, SpaceChanged, StudyNotFound
from ..pruners.base import Pruner
from ..pruners.default import default_pruner
from ..samplers import from_name, warm
from ..samplers.base import Sampler
from ..space.changes import changes, evolution
from ..space.tree import Space
from ..storage import Storage, StudyRecord, get_storage
from ..trial import Direction, FrozenTrial
from .facade import Study
from .repeats import check_repeats, check_select

DEFAULT_SAMPLER = "tpe"
"""The sampler a study gets when it names none (``sampler=None``), chosen on
``hypersweep benchmark`` (10 problems x 10 seeds; the table is in
docs/migrate-optuna.md, "Defaults"): at 50 trials TPE ends below random search in
95 of the 100 runs and below optuna's TPE in 64, with the best mean rank of the
three (1.20 against 3.00 and 1.80). Its first 10 trials are random draws, so it
is never worse than random search at the start.
"""


DEFAULT_MULTI_OBJECTIVE_SAMPLER = "gp"
"""The sampler a study of two or three objectives gets when it names none, chosen
on ``benchmarks/multiobjective.py`` (docs/multiobjective.md, "How the samplers
compare"): at 100 trials the GP's log EHVI led on ZDT1-3, WFG4 and C2-DTLZ2 by
14-35% of hypervolume over every other sampler's median, trailed optuna's TPE by
2.4% on DTLZ2 and had the best mean rank (GP seeds 0-3, the others 0-9).
It hands over
to TPE's multi-objective mode (MOTPE) from 250 completed trials, where a GP ask
would cost about a CPU second, so a long study costs what TPE does. From four
objectives on, TPE: EHVI's boxes grow as k^(m-1) and the GP was not measured there.
"""
MAX_GP_OBJECTIVES = 3

_MULTI_OBJECTIVE = {"Random", "Grid", "QMC", "Evolution", "TPE"}  # samplers that never read
# values as one number, or rank several by Pareto fronts (TPE's good set, NSGA-II); a
# sampler may say so itself with a ``supports_multi_objective`` attribute (GP, CMA-ES and
# Auto model one value only)


def supports(sampler: Sampler, n_objectives: int) -> bool:
    """Whether ``sampler`` can drive a study of ``n_objectives`` objectives."""
    if n_objectives == 1:
        return True
    said = getattr(sampler, "supports_multi_objective", None)
    return bool(said) if said is not None else type(sampler).__name__ in _MULTI_OBJECTIVE


def choose_sampler(
    sampler: str | Sampler | None, seed: int | None, n_objectives: int = 1
) -> Sampler:
    """The sampler named (an object, a name), or the default when ``sampler`` is None:
    TPE for one objective; the GP (log EHVI, handing over to TPE at 250 trials) for
    two or three; TPE's multi-objective mode (MOTPE) for four or more. Should the
    default not support several objectives, the fallback is the Evolution
    sampler's NSGA-II survival.
    A single-objective sampler given to a multi-objective study is refused here."""
    if sampler is None and n_objectives > 1:
        small = n_objectives <= MAX_GP_OBJECTIVES
        chosen = from_name(DEFAULT_MULTI_OBJECTIVE_SAMPLER if small else DEFAULT_SAMPLER,
                           seed=seed)  # fmt: skip
        return chosen if supports(chosen, n_objectives) else from_name("evolution", seed=seed)
    chosen = from_name(DEFAULT_SAMPLER if sampler is None else sampler, seed=seed)
    if not supports(chosen, n_objectives):
        raise ValueError(
            f"the {type(chosen).__name__} sampler models a single objective, but this study "
            f"has {n_objectives}; use sampler=None (the default for several objectives), "
            "'evolution' (NSGA-II) or 'random'"
        )
    return chosen


def parse_directions(
    direction: str | Direction | None,
    directions: Sequence[str | Direction] | None,
    objective_names: Sequence[str] | None,
) -> tuple[list[Direction], list[str] | None]:
    """The study's directions and objective names, checked: ``direction`` or
    ``directions``, and one distinct name per direction."""
    if directions is not None:
        if direction is not None:
            raise ValueError("give direction= (one objective) or directions= (one per "
                             "objective), not both")  # fmt: skip
        if isinstance(directions, (str, Direction)) or not directions:
            raise ValueError(f"directions must be a non-empty list such as ['maximize', "
                             f"'minimize'], but got {directions!r}")  # fmt: skip
        dirs = [Direction.parse(d) for d in directions]
    else:
        dirs = [Direction.parse(direction or "minimize")]
    if objective_names is None:
        return dirs, None
    names = [objective_names] if isinstance(objective_names, str) else list(objective_names)
    if len(names) != len(dirs) or len(set(names)) != len(names):
        raise ValueError(f"objective_names must hold {len(dirs)} distinct names, one per "
                         f"direction, but got {objective_names!r}")  # fmt: skip
    if not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"objective_names must be non-empty strings, got {objective_names!r}")
    return dirs, names


def choose_pruner(pruner: Pruner | None) -> Pruner:
    """The pruner given, or ``hs.pruners.default_pruner()`` when it is None; pass
    ``hs.pruners.NoPruning()`` to switch pruning off."""
    return default_pruner() if pruner is None else pruner


def create_study(
    name: str | None = None,
    *,
    storage: str | Storage | None = None,
    direction: str | Direction | None = None,
    directions: Sequence[str | Direction] | None = None,
    objective_names: Sequence[str] | None = None,
    sampler: str | Sampler | None = None,
    pruner: Pruner | None = None,
    space: Any = None,
    load_if_exists: bool = False,
    seed: int | None = None,
    repeats: int | None = None,
    select: str | None = None,
    seed_objective: bool | None = None,
) -> Study:
    """Create a study (or, with ``load_if_exists=True``, resume the one of that name).

    ``repeats=k`` evaluates each configuration over k derived seeds (the
    objective is called k times; ``trial.seed`` and ``trial.repeat`` tell the
    calls apart) and ``select`` ("mean", "mean_minus_std" or "lcb", see
    ``hypersweep.repeats``) is the statistic that becomes the trial's value.
    ``seed_objective=True`` calls ``hs.seed_everything(trial.seed)`` before each
    call. All three are stored with the study (defaults 1, "mean", False): a
    resumed study keeps them, and changing ``repeats`` or ``select`` of a study
    that has trials is refused, since its values would no longer compare.

    ``directions=["maximize", "minimize"]`` (instead of ``direction``) makes a
    multi-objective study: the objective returns one number per direction (a
    sequence, or a dict whose "loss" is one), ``study.best_trials`` is the Pareto
    front and ``study.select_trial`` picks one trial from it; ``objective_names`` name
    the objectives (stored; used by ``select``, exports and the CLI).

    Defaults, chosen on the shipped benchmarks: ``sampler=None`` is TPE (random
    search's regret was lower in only 5 of 100 benchmark runs at 50 trials); with
    two or three objectives it is the GP, which hands over to TPE at 250 trials
    (see ``DEFAULT_MULTI_OBJECTIVE_SAMPLER``); and
    ``pruner=None`` is ``hs.pruners.default_pruner()``, which stops a trial only
    when its objective reports (``trial.report``) and asks ``trial.should_prune()``;
    ``hs.pruners.NoPruning()`` switches pruning off. Neither is stored with the
    study: a resumed study opened without them gets the defaults again, so one
    begun with random search (the default before) continues with TPE, seeded by the
    stored seed, its earlier trials serving as TPE's random start.

    >>> import hypersweep as hs
    >>> study = hs.create_study(direction="maximize", sampler="random", seed=1)
    >>> study.direction.value
    'maximize'
    """
    settings = _settings(repeats, select, seed_objective)
    store = get_storage(storage)
    dirs, names = parse_directions(direction, directions, objective_names)
    compiled = None if space is None else Space(space)
    smp = choose_sampler(sampler, seed, len(dirs))
    named = {} if names is None else {"objective_names": names}
    if name is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"study-{stamp}-{secrets.token_hex(2)}"
    try:
        record = store.create_study(
            name,
            dirs,
            space=None if compiled is None else compiled.to_json(),
            system_attrs={"seed": smp.entropy, **_DEFAULTS, **settings, **named},
        )
    except DuplicateStudy:
        if not load_if_exists:
            raise DuplicateStudy(
                f"a study named {name!r} already exists; pass load_if_exists=True to resume "
                f"it, or choose another name"
            ) from None
        record = store.get_study(name)
        if list(record.directions) != dirs:
            was, now = [d.value for d in record.directions], [d.value for d in dirs]
            raise ValueError(
                f"study {name!r} was created to {' and '.join(was)}, not to "
                f"{' and '.join(now)}; use another study name"
            ) from None
        stored_names = record.system_attrs.get("objective_names")
        if names is not None and stored_names is not None and list(stored_names) != names:
            raise ValueError(f"study {name!r} names its objectives {stored_names}, not "
                             f"{names}; use another study name") from None  # fmt: skip
        record = _keep_settings(record, store, settings)
        return _open(record, store, smp, pruner, compiled)
    return Study(record, store, smp, choose_pruner(pruner), compiled)


_DEFAULTS: dict[str, Any] = {"repeats": 1, "select": "mean", "seed_objective": False}


def _settings(repeats: Any, select: Any, seed_objective: Any) -> dict[str, Any]:
    """The repeat settings the caller gave (None: not given), checked."""
    given: dict[str, Any] = {}
    if repeats is not None:
        given["repeats"] = check_repeats(repeats)
    if select is not None:
        given["select"] = check_select(select)
    if seed_objective is not None:
        if not isinstance(seed_objective, bool):
            raise TypeError(f"seed_objective must be True or False, but got {seed_objective!r}")
        given["seed_objective"] = seed_objective
    return given


def _keep_settings(record: StudyRecord, store: Storage, given: dict[str, Any]) -> StudyRecord:
    """A resumed study keeps its repeat settings; a change is refused once it has trials."""
    stored = {key: record.system_attrs.get(key, default) for key, default in _DEFAULTS.items()}
    changed = {k: v for k, v in given.items() if stored[k] != v}
    scoring = sorted(k for k in changed if k != "seed_objective")
    if scoring and store.read_trials(record.study_id).trials:
        was = ", ".join(f"{k}={stored[k]!r}" for k in scoring)
        now = ", ".join(f"{k}={changed[k]!r}" for k in scoring)
        raise ValueError(
            f"study {record.name!r} was run with {was}, not {now}: its trial values would no "
            f"longer compare. Leave these out to keep them, or use another study name"
        )
    if changed:
        record = store.update_study(record.study_id, system_attrs=changed)
    return record


def load_study(
    name: str,
    *,
    storage: str | Storage,
    sampler: str | Sampler | None = None,
    pruner: Pruner | None = None,
    space: Any = None,
    seed: int | None = None,
) -> Study:
    """Open an existing study to inspect or resume it.

    Without ``space`` the stored space is used (choices that are not JSON,
    such as classes, then come back as their names: pass the space to get
    the objects). Samplers and pruners are not stored: ``sampler=None`` and
    ``pruner=None`` give the defaults (TPE, or the GP for two or three
    objectives, with the stored seed, and
    ``hs.pruners.default_pruner()``), as in :func:`create_study`.
    """
    store = get_storage(storage)
    try:
        record = store.get_study(name)
    except StudyNotFound as exc:
        known = [s.name for s in store.list_studies()]
        raise StudyNotFound(
            f"{exc} (studies there: {', '.join(known) if known else 'none'}); "
            f"check the name and the storage URL"
        ) from None
    compiled = None if space is None else Space(space)
    smp = choose_sampler(sampler, seed, len(record.directions))
    return _open(record, store, smp, pruner, compiled)


def _open(
    record: StudyRecord,
    store: Storage,
    sampler: Sampler,
    pruner: Pruner | None,
    space: Space | None,
) -> Study:
    stored = None if record.space is None else Space.from_json(record.space)
    if space is not None and stored is not None:
        problems = changes(stored, space)
        if problems:
            raise SpaceChanged(
                f"study {record.name!r} was created with another space: "
                + "; ".join(problems)
                + ". Start a new study (another name) or restore those parameters."
            )
        if space.to_json() != record.space:
            record = _evolve(record, store, stored, space)
    elif space is None and stored is not None:
        space = stored
    elif space is not None:
        record = store.update_study(record.study_id, space=space.to_json())
    if sampler.seed is None and "seed" in record.system_attrs:
        sampler.reseed(int(record.system_attrs["seed"]))
    return Study(record, store, sampler, choose_pruner(pruner), space)


def _evolve(record: StudyRecord, store: Storage, stored: Space, space: Space) -> StudyRecord:
    """Store the new space and, when its leaves changed, append to the study's record of
    changes (``system_attrs["space_changes"]``: when, after how many trials, what).
    Samplers then read the new space; trials outside it stay in the study (see
    docs/lifecycle.md, "Changing the space")."""
    what = evolution(stored, space)
    if not what:
        return store.update_study(record.study_id, space=space.to_json())
    entry = {
        "at_trial": len(store.read_trials(record.study_id).trials),
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "changes": what,
    }
    log = [*record.system_attrs.get("space_changes", []), entry]
    return store.update_study(record.study_id, space=space.to_json(),
                              system_attrs={"space_changes": log})  # fmt: skip


def list_studies(storage: str | Storage) -> list[str]:
    """Names of the studies in a storage, oldest first."""
    return [record.name for record in get_storage(storage).list_studies()]


def delete_study(name: str, *, storage: str | Storage) -> None:
    """Delete a study and all its trials; raises StudyNotFound if there is none of that name."""
    get_storage(storage).delete_study(name)


def _read_prior(storage: Any, name: str) -> tuple[str, Sequence[FrozenTrial], Sequence[Direction]]:
    """A stored study's name, trials and directions, for samplers' ``prior_studies``."""
    store = get_storage(storage)
    record = store.get_study(name)
    return record.name, store.read_trials(record.study_id).trials, record.directions


warm.study_reader = _read_prior
