"""Stand-alone driver of an optimiser that cannot live in hypersweep's environment.

:mod:`hypersweep.harness.isolated` starts this file with the python of the peer's own
virtual environment (``python -I peer_driver.py LIBRARY``), so it imports nothing from
hypersweep and runs on any Python 3.9+. It talks JSON lines:

- it reads one set-up line: ``{"seed": 0, "n_trials": 50, "space": [{"name": "x0",
  "kind": "float" | "int" | "cat", "low": -5.0, "high": 10.0, "log": false, "n": 3}]}``
  (``n`` is the number of choices of a categorical, whose values are indices);
- for each trial it writes ``{"ask": {"x0": 1.25, ...}}`` and reads ``{"value": y}``
  (``null`` when the objective failed), evaluated by the harness in its own process;
- at the end it writes ``{"done": true}``; on an exception ``{"error": "..."}``.

The protocol owns the real standard output: whatever the library prints goes to
standard error. ``random`` is a library-free optimiser that checks the protocol.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from collections.abc import Callable
from typing import Any

FAILED = 1e30  # what an optimiser is told when the objective failed


class Channel:
    """Asks the harness for values over the original stdout / stdin."""

    def __init__(self) -> None:
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)  # prints of the library now land on stderr

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def evaluate(self, point: dict[str, Any]) -> float:
        self.send({"ask": point})
        line = sys.stdin.readline()
        if not line:
            raise SystemExit("the harness closed the channel")
        value = json.loads(line)["value"]
        return FAILED if value is None else float(value)


def run_random(setup: dict[str, Any], channel: Channel) -> None:
    rng = random.Random(setup["seed"])
    for _ in range(setup["n_trials"]):
        point: dict[str, Any] = {}
        for p in setup["space"]:
            if p["kind"] == "cat":
                point[p["name"]] = rng.randrange(p["n"])
            elif p["kind"] == "int":
                point[p["name"]] = rng.randint(int(p["low"]), int(p["high"]))
            else:
                point[p["name"]] = rng.uniform(p["low"], p["high"])
        channel.evaluate(point)


def run_hebo(setup: dict[str, Any], channel: Channel) -> None:
    import numpy as np
    import torch
    from hebo.design_space.design_space import DesignSpace
    from hebo.optimizers.hebo import HEBO

    torch.set_num_threads(1)
    np.random.seed(setup["seed"])
    torch.manual_seed(setup["seed"])
    params: list[dict[str, Any]] = []
    for p in setup["space"]:
        if p["kind"] == "cat":
            params.append({"name": p["name"], "type": "cat", "categories": list(range(p["n"]))})
            continue
        entry = {"name": p["name"], "lb": p["low"], "ub": p["high"]}
        if p["kind"] == "int":
            entry["type"] = "pow_int" if p["log"] else "int"
        else:
            entry["type"] = "pow" if p["log"] else "num"
        params.append(entry)
    optimiser = HEBO(DesignSpace().parse(params), scramble_seed=setup["seed"])
    for _ in range(setup["n_trials"]):
        rec = optimiser.suggest(n_suggestions=1)
        row = rec.iloc[0].to_dict()
        point = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        value = channel.evaluate(point)
        optimiser.observe(rec, np.array([[value]]))


def run_smac(setup: dict[str, Any], channel: Channel) -> None:
    from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.runhistory.dataclasses import TrialValue

    space = ConfigurationSpace(seed=setup["seed"])
    for p in setup["space"]:
        if p["kind"] == "cat":
            space.add(Categorical(p["name"], list(range(p["n"]))))
        elif p["kind"] == "int":
            space.add(Integer(p["name"], (int(p["low"]), int(p["high"])), log=p["log"]))
        else:
            space.add(Float(p["name"], (p["low"], p["high"]), log=p["log"]))

    def unused(config: Any, seed: int = 0) -> float:  # ask and tell only: SMAC never calls it
        raise RuntimeError("the harness evaluates the objective")

    with tempfile.TemporaryDirectory() as folder:
        scenario = Scenario(
            space,
            deterministic=True,
            n_trials=setup["n_trials"],
            seed=setup["seed"],
            output_directory=folder,
        )
        smac = HyperparameterOptimizationFacade(scenario, unused, overwrite=True, logging_level=40)
        for _ in range(setup["n_trials"]):
            info = smac.ask()
            point = {k: (v.item() if hasattr(v, "item") else v) for k, v in info.config.items()}
            smac.tell(info, TrialValue(cost=channel.evaluate(point)), save=False)


LIBRARIES: dict[str, Callable[[dict[str, Any], Channel], None]] = {
    "random": run_random,
    "hebo": run_hebo,
    "smac": run_smac,
}


def main() -> None:
    library = sys.argv[1]
    channel = Channel()
    try:
        setup = json.loads(sys.stdin.readline())
        LIBRARIES[library](setup, channel)
    except BaseException as exc:
        channel.send({"error": f"{type(exc).__name__}: {exc}"})
        raise
    channel.send({"done": True})


if __name__ == "__main__":
    main()
