"""``Trials``: hyperopt's record of a search, read from a hypersweep study.

``Trials()`` keeps its study in memory; ``Trials(storage="sqlite:///runs.db",
study="name")`` keeps it in a database, so a script run again resumes where it
stopped, with no pickle. The hyperopt-shaped views (``trials.trials``,
``results``, ``losses()``, ``vals``...) are built from the study's trials.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator, MutableMapping
from typing import Any

import hypersweep as hs

from .results import (
    ATTACHMENTS_ATTR,
    JOB_STATES,
    JOB_VALID_STATES,
    STATUS_OK,
    AllTrialsFailed,
    decode,
    encode,
    result_of,
)
from .translate import Best, CompiledSpace

STUDY_ATTACHMENTS = "hyperopt_attachments"  # study user attr: attachments set on Trials
PCHOICE_ATTR = "hyperopt_pchoice"  # study system attr: pchoice label -> slot options
DEFAULT_STUDY = "hyperopt"


def _time(stamp: float | None) -> dt.datetime | None:
    if stamp is None:
        return None
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).replace(tzinfo=None)


def _missing_file(storage: Any) -> bool:
    """True for a SQLite URL whose file does not exist yet (hypersweep refuses to read it)."""
    prefix = "sqlite:///"
    if not isinstance(storage, str) or not storage.startswith(prefix):
        return False
    path = storage[len(prefix):]
    return bool(path) and path != ":memory:" and not os.path.exists(path)


class Attachments(MutableMapping[str, Any]):
    """``trials.attachments``: names -> bytes or text. ``"ATTACH::<tid>::<name>"`` reads what
    trial ``tid`` returned under ``"attachments"``; other names are the search's own and are
    stored with the study."""

    def __init__(self, trials: Trials) -> None:
        self.trials = trials
        self.pending: dict[str, Any] = {}  # set before the study exists

    def _own(self) -> dict[str, Any]:
        study = self.trials.study
        stored = decode(study.user_attrs.get(STUDY_ATTACHMENTS, {})) if study else {}
        return {**stored, **self.pending}

    def _of_trial(self, key: str) -> tuple[int, str] | None:
        parts = key.split("::", 2)
        if len(parts) == 3 and parts[0] == "ATTACH" and parts[1].lstrip("-").isdigit():
            return int(parts[1]), parts[2]
        return None

    def _trial_attachments(self) -> dict[str, Any]:
        study = self.trials.study
        out: dict[str, Any] = {}
        for t in study.trials if study else []:
            for name, value in decode(t.user_attrs.get(ATTACHMENTS_ATTR) or {}).items():
                out[f"ATTACH::{t.number}::{name}"] = value
        return out

    def __getitem__(self, key: str) -> Any:
        own = self._own()
        if key in own:
            return own[key]
        return self._trial_attachments()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.pending[key] = value
        self.flush()

    def __delitem__(self, key: str) -> None:
        own = self._own()
        if key not in own:
            raise KeyError(key)
        self.pending.pop(key, None)
        study = self.trials.study
        if study is not None:
            stored = dict(study.user_attrs.get(STUDY_ATTACHMENTS, {}))
            stored.pop(key, None)
            study.set_user_attr(STUDY_ATTACHMENTS, stored)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._trial_attachments(), **self._own()})

    def __len__(self) -> int:
        return len({**self._trial_attachments(), **self._own()})

    def flush(self) -> None:
        """Write the attachments set before the study existed."""
        study = self.trials.study
        if study is None or not self.pending:
            return
        stored = dict(study.user_attrs.get(STUDY_ATTACHMENTS, {}))
        stored.update(encode(self.pending))
        study.set_user_attr(STUDY_ATTACHMENTS, stored)
        self.pending = {}


class TrialAttachments(MutableMapping[str, Any]):
    """``trials.trial_attachments(trial)``: one trial's attachments by name."""

    def __init__(self, attachments: Attachments, tid: int) -> None:
        self.attachments, self.tid = attachments, tid

    def _key(self, name: str) -> str:
        return f"ATTACH::{self.tid}::{name}"

    def __getitem__(self, name: str) -> Any:
        return self.attachments[self._key(name)]

    def __setitem__(self, name: str, value: Any) -> None:
        self.attachments[self._key(name)] = value

    def __delitem__(self, name: str) -> None:
        del self.attachments[self._key(name)]

    def __iter__(self) -> Iterator[str]:
        prefix = self._key("")
        return iter([k[len(prefix):] for k in self.attachments if k.startswith(prefix)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Trials:
    """The trials of a search, shaped as hyperopt's ``Trials``.

    ``storage`` and ``study`` (hypersweep extras) put them in a database: passing
    ``Trials(storage="sqlite:///runs.db", study="svm")`` to ``fmin`` again, in
    this process or another, continues the same search. ``trials.study`` is the
    hypersweep :class:`~hypersweep.Study` behind it (None before the first fmin).
    """

    def __init__(
        self,
        exp_key: str | None = None,
        refresh: bool = True,
        *,
        storage: Any = None,
        study: str | None = None,
    ) -> None:
        self.exp_key = exp_key
        self.storage = storage
        self.study_name = study if study is not None or storage is None else DEFAULT_STUDY
        self.compiled: CompiledSpace | None = None
        self.attachments = Attachments(self)
        self._study: hs.Study | None = None
        self._docs: dict[int, dict[str, Any]] = {}  # finished trials' documents, by tid

    # --- the study behind --------------------------------------------------------
    @property
    def study(self) -> hs.Study | None:
        if self._study is None and self.storage is not None and self.study_name is not None:
            if _missing_file(self.storage):  # a search not started yet: no trials
                return None
            try:
                self._study = hs.load_study(self.study_name, storage=self.storage)
            except hs.StudyNotFound:
                return None
        return self._study

    def open(self, compiled: CompiledSpace, sampler: Any, seed: int | None) -> hs.Study:
        """The study for a search over ``compiled`` with ``sampler``, made on first use."""
        study = hs.create_study(self.study_name, storage=self.storage, sampler=sampler,
                                pruner=hs.pruners.NoPruning(),  # hyperopt never prunes
                                space=compiled.definition, load_if_exists=True,
                                seed=seed)  # fmt: skip
        if self.storage is None:  # in memory: keep this very storage for the next fmin
            self.storage, self.study_name = study.storage, study.name
        if compiled.slots:
            study.set_system_attr(PCHOICE_ATTR, compiled.slots)
        if self.compiled is None or self.compiled.original is not compiled.original:
            self._docs = {}
        self.compiled, self._study = compiled, study
        self.attachments.flush()
        return study

    # --- hyperopt's documents ----------------------------------------------------
    def _vals(self, trial: hs.FrozenTrial) -> dict[str, list[Any]]:
        if self.compiled is not None:
            try:
                return self.compiled.all_vals(self.compiled.from_flat(trial.flat)[1])
            except (KeyError, ValueError):
                pass  # an enqueued trial holds only some values yet
        study = self.study
        leaves = study.space.leaves if study is not None and study.space is not None else {}
        slots = study.system_attrs.get(PCHOICE_ATTR, {}) if study is not None else {}
        vals: dict[str, list[Any]] = {}
        for label, param in leaves.items():
            if label not in trial.flat:
                vals[label] = []
            elif isinstance(param, hs.Categorical):
                position = param.index_of(trial.flat[label])
                vals[label] = [slots[label][position] if label in slots else position]
            else:
                vals[label] = [trial.flat[label]]
        return vals

    def _doc(self, trial: hs.FrozenTrial) -> dict[str, Any]:
        state, result = result_of(trial.state.value, trial.value, trial.user_attrs)
        vals = self._vals(trial)
        return {
            "state": state,
            "tid": trial.number,
            "spec": None,
            "result": result,
            "misc": {
                "tid": trial.number,
                "cmd": ("domain_attachment", "FMinIter_Domain"),
                "workdir": None,
                "idxs": {k: [trial.number] if v else [] for k, v in vals.items()},
                "vals": vals,
            },
            "exp_key": self.exp_key,
            "owner": None,
            "version": 0,
            "book_time": _time(trial.started),
            "refresh_time": _time(trial.finished or trial.started),
        }

    @property
    def trials(self) -> list[dict[str, Any]]:
        """hyperopt's trial documents (new, running and done; errored ones are left out)."""
        study = self.study
        out = []
        for t in study.trials if study is not None else []:
            doc = self._docs.get(t.number)
            if doc is None:
                doc = self._doc(t)
                if t.state.is_finished:
                    self._docs[t.number] = doc
            if doc["state"] in JOB_VALID_STATES:
                out.append(doc)
        return out

    def refresh(self) -> None:
        """Nothing to do: every view reads the study afresh."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.trials)

    def __len__(self) -> int:
        return len(self.trials)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.trials[index]

    @property
    def tids(self) -> list[int]:
        return [t["tid"] for t in self.trials]

    @property
    def specs(self) -> list[Any]:
        return [t["spec"] for t in self.trials]

    @property
    def results(self) -> list[dict[str, Any]]:
        return [t["result"] for t in self.trials]

    @property
    def miscs(self) -> list[dict[str, Any]]:
        return [t["misc"] for t in self.trials]

    @property
    def idxs_vals(self) -> tuple[dict[str, list[int]], dict[str, list[Any]]]:
        idxs: dict[str, list[int]] = {}
        vals: dict[str, list[Any]] = {}
        for misc in self.miscs:
            for label, v in misc["vals"].items():
                idxs.setdefault(label, [])
                vals.setdefault(label, [])
                if v:
                    idxs[label].append(misc["tid"])
                    vals[label].append(v[0])
        return idxs, vals

    @property
    def idxs(self) -> dict[str, list[int]]:
        return self.idxs_vals[0]

    @property
    def vals(self) -> dict[str, list[Any]]:
        """label -> the values of the trials where it was active (choices as indices)."""
        return self.idxs_vals[1]

    def losses(self, bandit: Any = None) -> list[Any]:
        return [r.get("loss") for r in self.results]

    def statuses(self, bandit: Any = None) -> list[Any]:
        return [r.get("status") for r in self.results]

    def count_by_state_synced(self, arg: Any, trials: Any = None) -> int:
        docs = self.trials if trials is None else trials
        states = {arg} if arg in JOB_STATES else set(arg)
        return sum(1 for d in docs if d["state"] in states)

    count_by_state_unsynced = count_by_state_synced

    @property
    def best_trial(self) -> dict[str, Any]:
        """The trial with the lowest loss among those with status "ok" (NaN losses left out)."""
        best: dict[str, Any] | None = None
        for t in self.trials:
            r = t["result"]
            loss = r.get("loss")
            if r.get("status") != STATUS_OK or loss is None or math.isnan(float(loss)):
                continue
            if best is None or float(loss) < float(best["result"]["loss"]):
                best = t
        if best is None:
            raise AllTrialsFailed("no trial finished with status 'ok' and a loss")
        return best

    def average_best_error(self, bandit: Any = None) -> float:
        """The best trial's ``true_loss`` (its ``loss`` if it has none); variances ignored."""
        result = self.best_trial["result"]
        return float(result.get("true_loss", result["loss"]))

    @property
    def argmin(self) -> Best:
        """The best trial's values: real values, choices as the chosen option (``.argmin``
        keeps hyperopt's index convention)."""
        best = self.best_trial
        argmin = {k: v[0] for k, v in best["misc"]["vals"].items() if v}
        real = dict(argmin)
        study = self.study
        if self.compiled is not None and study is not None:
            frozen = next(t for t in study.trials if t.number == best["tid"])
            real = self.compiled.evaluate_flat(frozen.flat)[2]
        return Best(real, argmin)

    def trial_attachments(self, trial: dict[str, Any]) -> TrialAttachments:
        return TrialAttachments(self.attachments, int(trial["tid"]))

    def delete_all(self) -> None:
        """Remove every trial (and the search's attachments)."""
        study = self.study
        if study is not None:
            for t in study.trials:
                study.delete_trial(t.number)
            study.set_user_attr(STUDY_ATTACHMENTS, {})
        self.attachments.pending = {}
        self._docs = {}

    def __repr__(self) -> str:
        where = "memory" if self.study is None else repr(self.study_name)
        return f"<Trials: {len(self)} trials, study {where}>"
