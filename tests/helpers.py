"""Small shared pieces for the tests (storage URLs, objectives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def storage_url(kind: str, tmp_path: Path) -> str | None:
    """None keeps the study in memory; "sqlite" gives a fresh SQLite file."""
    if kind == "memory":
        return None
    return f"sqlite:///{tmp_path / 'studies.db'}"


def run_quick(cwd: Path, argv: list[str], *, env: dict[str, str], timeout: float) -> str:
    """Run ``python <argv>`` in ``cwd`` with the examples' quick mode (plus ``env``) and
    return its stdout, failing the test on a non-zero exit with both streams shown."""
    import os
    import subprocess
    import sys

    full = {**os.environ, "HYPERSWEEP_EXAMPLE_QUICK": "1", "PYTHONWARNINGS": "ignore", **env}
    done = subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=full, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def printed_best(out: str) -> Any:
    """The JSON an example prints after its "best parameters" line."""
    import json

    return json.loads(out[out.index("best parameters") :].split("\n", 1)[1])
