"""A member whose state is a JSON file: cheap enough to run populations in every test, and
strict: it fails if it is restored from anything but the checkpoint of the steps it is told
it continues from, so a member restarted from scratch or an interval counted twice shows."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import hypersweep as hs

SPACE = {"lr": hs.Float(0.01, 1.0, log=True), "width": hs.Int(1, 8),
         "act": hs.Categorical(["relu", "tanh"])}  # fmt: skip
STATE = "state.json"


def train(config: dict[str, Any], interval: Any) -> float:
    """Score = the sum over past intervals of lr * steps (plus a little for relu): the
    best schedule is the largest lr all along, so exploit and explore have work to do."""
    if interval.restore is None:
        state: dict[str, Any] = {"steps": 0, "score": 0.0, "configs": []}
    else:
        state = json.loads((interval.restore / STATE).read_text())
    if state["steps"] != interval.start_step:
        raise AssertionError(f"restored {state['steps']} steps, told {interval.start_step}")
    log = os.environ.get("PBT_TOY_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{interval.member} {interval.turn} {os.getpid()}\n")
    delay = float(os.environ.get("PBT_TOY_DELAY", "0"))
    if delay:
        time.sleep(delay)
    state["steps"] += interval.steps
    state["score"] += config["lr"] * interval.steps + (0.01 if config["act"] == "relu" else 0.0)
    state["configs"].append(config)
    (interval.save / STATE).write_text(json.dumps(state))
    return float(state["score"])
