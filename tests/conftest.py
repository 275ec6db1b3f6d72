"""Fixtures shared by every test module."""

from __future__ import annotations

import glob
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

# Keras 3 runs on PyTorch here (no TensorFlow, no JAX); set before keras is imported.
os.environ.setdefault("KERAS_BACKEND", "torch")

# Override to point the tests at another server; the user needs CREATEDB.
POSTGRES_ADMIN_URL = os.environ.get(
    "HYPERSWEEP_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)


def _start_local_postgres() -> None:
    """One attempt to start the Debian-packaged cluster, then wait briefly for it."""
    for version in sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*")):
        cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
        try:
            subprocess.run(cmd, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            _pg_admin().close()
            return
        except Exception:
            time.sleep(0.3)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("HYPERSWEEP_REQUIRE_POSTGRES"):
        pytest.fail(f"{reason} (and HYPERSWEEP_REQUIRE_POSTGRES is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped at the end of the session.

    Skips when no server is reachable, unless HYPERSWEEP_REQUIRE_POSTGRES is set
    (as in CI), where that is a failure.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        _unavailable(f"psycopg is not installed ({exc})")
    try:
        admin = _pg_admin()
    except Exception:
        _start_local_postgres()
        try:
            admin = _pg_admin()
        except Exception as exc:
            _unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    name = f"hypersweep_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
