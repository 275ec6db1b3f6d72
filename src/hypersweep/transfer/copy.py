"""Copy a study to another storage, or merge several studies of one space into one."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ..exceptions import HypersweepError
from ..storage import Storage, StudyRecord, get_storage
from ..trial import FrozenTrial
from .writer import write_trials


def copy_study(
    from_storage: str | Storage,
    name: str,
    to_storage: str | Storage,
    new_name: str | None = None,
) -> StudyRecord:
    """Copy study ``name`` with every trial to ``to_storage`` (as ``new_name``, if given).

    Everything a trial holds comes along: state, values, parameters, intermediate
    reports, user and system attributes (seeds, repeats, retry links), start and
    end times and errors; the study keeps its space, directions and attributes.
    Works between any two storages (SQLite, PostgreSQL, memory). A trial still
    RUNNING in the source arrives with an expired heartbeat, so the copy retries
    it when it is resumed. The source is only read.

    >>> import hypersweep as hs
    >>> src = hs.create_study("a", space={"x": hs.Float(0, 1)}, sampler="random", seed=0)
    >>> _ = src.optimize(lambda p: p["x"], n_trials=3, show_progress=False)
    >>> dst = hs.storage.MemoryStorage()
    >>> hs.copy_study(src.storage, "a", dst, new_name="b").name
    'b'
    >>> len(dst.read_trials(dst.get_study("b").study_id).trials)
    3
    """
    src, dst = get_storage(from_storage), get_storage(to_storage)
    record = src.get_study(name)
    target = new_name if new_name is not None else name
    if src is dst and target == name:
        raise HypersweepError(
            f"copy_study: source and destination are the same study {name!r}; "
            "give new_name= or another storage"
        )
    trials = sorted(src.read_trials(record.study_id).trials, key=lambda t: t.number)
    return write_study(dst, record, trials, target)


def merge_studies(
    sources: Sequence[tuple[str | Storage, str]],
    to_storage: str | Storage,
    new_name: str,
) -> StudyRecord:
    """Merge studies of the same space and directions into one new study.

    ``sources`` are (storage, study name) pairs. Trials are numbered anew in the
    order they started (trials never started, such as enqueued ones, last), and
    each records where it came from in ``system_attrs["origin"]`` (``{"study":
    name, "number": old number}``). Studies whose spaces or directions differ
    are refused, since their values would not compare.
    """
    if not sources:
        raise HypersweepError("merge_studies: give at least one (storage, name) pair")
    loaded = []
    for storage, name in sources:
        src = get_storage(storage)
        record = src.get_study(name)
        loaded.append((record, src.read_trials(record.study_id).trials))
    first = loaded[0][0]
    for record, _ in loaded[1:]:
        if record.directions != first.directions:
            raise HypersweepError(
                f"merge_studies: {record.name!r} has directions "
                f"{[d.value for d in record.directions]}, {first.name!r} "
                f"{[d.value for d in first.directions]}; only studies of the same "
                "directions can merge"
            )
        if record.space != first.space:
            raise HypersweepError(
                f"merge_studies: {record.name!r} and {first.name!r} have different spaces; "
                "only studies of the same space can merge (copy them separately instead)"
            )
    dst = get_storage(to_storage)
    attrs = {**first.system_attrs, "merged_from": [r.name for r, _ in loaded]}
    merged = dst.create_study(new_name, first.directions, space=first.space, system_attrs=attrs)
    user: dict[str, Any] = {}
    for record, _ in loaded:
        user.update(record.user_attrs)
    if user:
        dst.update_study(merged.study_id, user_attrs=user)
    order = sorted(
        ((i, record.name, t) for i, (record, trials) in enumerate(loaded) for t in trials),
        key=lambda item: (item[2].started is None, item[2].started or 0.0, item[0], item[2].number),
    )
    numbers: list[dict[int, int]] = [{} for _ in loaded]
    for i, name, trial in order:
        write_trials(
            dst, merged.study_id, [trial], unique=first.space is not None,
            origin={"study": name}, numbers=numbers[i],
        )  # fmt: skip
    return dst.get_study(new_name)


def write_study(
    dst: Storage, record: StudyRecord, trials: list[FrozenTrial], name: str
) -> StudyRecord:
    """Create study ``name`` in ``dst`` like ``record`` and write ``trials`` into it."""
    attrs = {
        **record.system_attrs,
        "copied_from": {"study": record.name, "created": record.created, "at": time.time()},
    }
    new = dst.create_study(name, record.directions, space=record.space, system_attrs=attrs)
    if record.user_attrs:
        dst.update_study(new.study_id, user_attrs=record.user_attrs)
    write_trials(dst, new.study_id, trials, unique=record.space is not None)
    return dst.get_study(name)
