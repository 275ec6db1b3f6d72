"""A study with every kind of trial, and a field-by-field comparison of two copies."""

from __future__ import annotations

from typing import Any

import hypersweep as hs
from hypersweep.storage import Storage
from hypersweep.trial import FrozenTrial

SPACE = {
    "lr": hs.Float(1e-4, 1e-1, log=True),
    "layers": hs.Int(1, 4),
    "act": hs.Categorical(["relu", "tanh", None]),
}


def rich_study(storage: str | Storage, name: str = "rich") -> hs.Study:
    """COMPLETE, PRUNED, FAIL, an interrupted trial retried, a RUNNING and a WAITING one,
    user attributes, reports and an infinite value."""
    study = hs.create_study(
        name, storage=storage, space=SPACE, sampler="random", seed=3,
        pruner=hs.pruners.Median(n_startup_trials=2),
    )  # fmt: skip
    def objective(trial: Any) -> float:
        if trial.number == 4:
            raise RuntimeError("diverged")
        trial.set_user_attr("width", 8 * trial["layers"])
        for step in range(3):
            trial.report(trial["lr"] * (3 - step), step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return float("inf") if trial.number == 1 else trial["lr"]

    study.optimize(objective, n_trials=9)
    stopped = study.ask()  # as if Ctrl-C hit it: interrupted, then queued again
    dead = study.tell(stopped, state="FAIL", error="interrupted",
                      system_attrs={"interrupted": True})  # fmt: skip
    study.retry(dead, retries=1)
    study.ask()  # claims the retry and stays RUNNING (its worker "died")
    study.enqueue({"lr": 0.01, "layers": 2, "act": "tanh"}, user_attrs={"why": "hunch"})
    return study


def trial_fields(t: FrozenTrial) -> dict[str, Any]:
    """What a lossless copy must keep (the storage row id is the storage's own)."""
    return {
        "number": t.number,
        "state": t.state,
        "params": t.params,
        "flat": t.flat,
        "values": t.values,
        "user_attrs": t.user_attrs,
        "system_attrs": t.system_attrs,
        "intermediate": t.intermediate,
        "started": t.started,
        "finished": t.finished,
        "error": t.error,
    }


def all_trials(storage: Storage, name: str) -> list[FrozenTrial]:
    record = storage.get_study(name)
    return sorted(storage.read_trials(record.study_id).trials, key=lambda t: t.number)
