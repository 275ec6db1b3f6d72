"""Peers that live in their own virtual environments: HEBO and SMAC3.

Neither installs next to hypersweep's pins (HEBO wants numpy < 1.25 and an old scipy),
so ``scripts/peer_envs.sh`` makes a venv for each under ``.peers/<library>`` (or under
``$HYPERSWEEP_PEER_ENVS``). A run starts that venv's python on the stand-alone
:mod:`.peer_driver` and answers its JSON-line requests: the driver proposes a point,
this process evaluates hypersweep's objective on it and sends the value back. So the
objective code, the shifted boxes and the failure handling stay hypersweep's, and no
hypersweep import happens on the peer side.

Like :mod:`.peers_extra`, these peers take flat spaces of Float, Int and Categorical.
SMAC3 sizes its initial design from the run's budget; the smaller budgets of a report
are prefixes of that run.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..space.kinds import Categorical, Float, Int
from .peers_extra import flat_space

Objective = Callable[[Any], float]

METHODS = {
    "hebo:hebo": "HEBO() defaults, own venv (scripts/peer_envs.sh hebo)",
    "smac:hpo": "SMAC3 HyperparameterOptimizationFacade, deterministic, own venv "
    "(scripts/peer_envs.sh smac)",
}
ENV_VARIABLE = "HYPERSWEEP_PEER_ENVS"
DRIVER = Path(__file__).with_name("peer_driver.py")
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def env_folders() -> list[Path]:
    """Where peer venvs are looked for: ``$HYPERSWEEP_PEER_ENVS`` if set, else ``.peers``
    in the working directory and in the source checkout this module runs from."""
    if os.environ.get(ENV_VARIABLE):
        return [Path(os.environ[ENV_VARIABLE]).expanduser()]
    checkout = Path(__file__).resolve().parents[3] / ".peers"
    return list(dict.fromkeys([Path.cwd() / ".peers", checkout]))


def python_of(library: str) -> Path | None:
    """The python of ``library``'s venv, or None when no folder holds one."""
    for folder in env_folders():
        exe = folder / library / "bin" / "python"
        if exe.exists():
            return exe
    return None


def missing(method: str) -> str | None:
    """Why ``method`` cannot run here (with how to fix it), or None."""
    if method not in METHODS:
        return f"unknown method {method!r}: choose from {list(METHODS)}"
    library = method.split(":", 1)[0]
    if python_of(library) is None:
        where = " or ".join(str(f / library) for f in env_folders())
        return (f"no {library} environment at {where}: create it with "
                f"`bash scripts/peer_envs.sh {library}` (or point {ENV_VARIABLE} at a folder "
                f"holding {library}/bin/python)")  # fmt: skip
    return None


def run(
    method: str,
    definition: Any,
    objective: Objective,
    seed: int,
    n_trials: int,
    timeout: float | None = None,
) -> list[float]:
    """The objective values, in trial order (nan for a failed call)."""
    why = missing(method)
    if why is not None:
        raise RuntimeError(why)
    library = method.split(":", 1)[0]
    python = python_of(library)
    assert python is not None  # checked by missing()
    return drive([str(python), "-I", str(DRIVER), library], definition, objective, seed,
                 n_trials, timeout)  # fmt: skip


def space_spec(definition: Any) -> list[dict[str, Any]]:
    """The flat space as the driver reads it (categoricals as indices)."""
    spec = []
    for name, p in flat_space(definition).items():
        if isinstance(p, Categorical):
            spec.append({"name": name, "kind": "cat", "n": p.n_choices})
        else:
            kind = "int" if isinstance(p, Int) else "float"
            spec.append({"name": name, "kind": kind, "low": p.low, "high": p.high,
                         "log": bool(p.log)})  # fmt: skip
    return spec


def decode(space: dict[str, Float | Int | Categorical], point: dict[str, Any]) -> dict[str, Any]:
    """The driver's point as hypersweep parameters, clipped into the box."""
    params: dict[str, Any] = {}
    for key, p in space.items():
        v = point[key]
        if isinstance(p, Categorical):
            params[key] = p.choices[int(v)]
        elif isinstance(p, Int):
            params[key] = int(min(max(round(float(v)), p.low), p.high))
        else:
            params[key] = float(min(max(float(v), p.low), p.high))
    return params


def drive(
    command: list[str],
    definition: Any,
    objective: Objective,
    seed: int,
    n_trials: int,
    timeout: float | None = None,
) -> list[float]:
    """Run a driver ``command``; answer its asks with ``objective`` until it is done.

    Its stderr goes to a temporary file whose last lines explain a failure. Past
    ``timeout`` seconds the driver is stopped and the values so far are returned.
    """
    space = flat_space(definition)
    setup = {"seed": seed, "n_trials": n_trials, "space": space_spec(definition)}
    env = {**os.environ, **dict.fromkeys(_THREADS, "1"), "PYTHONUNBUFFERED": "1"}
    values: list[float] = []
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, text=True, env=env)  # fmt: skip
        assert proc.stdin is not None
        reply: str | None = "no reply"
        try:
            _send(proc.stdin, setup)
            reply = _converse(proc, space, objective, values, n_trials, timeout)
        finally:
            _close(proc)
        if reply is not None:
            err.seek(0)
            tail = " | ".join(err.read().strip().splitlines()[-3:])
            raise RuntimeError(f"{command[-1]} driver: {reply} ({tail})")
    return values


def _close(proc: subprocess.Popen[str]) -> None:
    """Let a finished driver exit; stop one that does not (or was stopped early)."""
    with contextlib.suppress(OSError):
        proc.stdin.close()  # type: ignore[union-attr]
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _send(pipe: IO[str], message: dict[str, Any]) -> None:
    pipe.write(json.dumps(message) + "\n")
    pipe.flush()


def _converse(
    proc: subprocess.Popen[str],
    space: dict[str, Float | Int | Categorical],
    objective: Objective,
    values: list[float],
    n_trials: int,
    timeout: float | None,
) -> str | None:
    """Answer asks until the driver says done (None) or fails (its message)."""
    assert proc.stdin is not None and proc.stdout is not None
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    for line in proc.stdout:
        message = json.loads(line)
        if "ask" in message:
            if len(values) >= n_trials:
                return "asked past its budget"
            if time.monotonic() > deadline:
                proc.kill()
                return None
            value = _safe(objective, decode(space, message["ask"]))
            values.append(value)
            _send(proc.stdin, {"value": value if math.isfinite(value) else None})
        elif "done" in message:
            return None if len(values) == n_trials else f"done after {len(values)} trials"
        else:
            return str(message.get("error", message))
    return f"exited after {len(values)} of {n_trials} trials"


def _safe(objective: Objective, params: dict[str, Any]) -> float:
    try:
        return float(objective(params))
    except Exception:
        return math.nan
