"""Fixtures shared by every test module, and the CI rule: nothing the tests need may skip.

With ``CI=true`` (or ``HYPERSWEEP_REQUIRE_DEPS=1``), a skip because a package
could not be imported (``pytest.importorskip``) or because no PostgreSQL server
answered is turned into a failure saying what is missing and how to install it:
the test extras install every such package, and scripts/test.sh starts the server,
so in CI such a skip means a broken set-up, not an optional feature.
``HYPERSWEEP_REQUIRE_POSTGRES=1`` (set by scripts/test.sh once the server is up)
does the same for PostgreSQL alone.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, NoReturn

import pytest

# Keras 3 runs on PyTorch here (no TensorFlow, no JAX); set before keras is imported.
os.environ.setdefault("KERAS_BACKEND", "torch")

HookWrapper = Generator[None, Any, None]
LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Override to point the tests at another server; the user needs CREATEDB.
POSTGRES_ADMIN_URL = os.environ.get("HYPERSWEEP_POSTGRES_ADMIN_URL", LOCAL_ADMIN_URL)
POSTGRES_MISSING = "PostgreSQL unavailable: "  # starts the reason of every such skip
IMPORT_FAILED = re.compile(r"could not import '([^']+)'")


# --- the CI rule ----------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    """Tests that press Ctrl-C on a child (SIGINT) need it to reach Python's handler; a
    run started in the background of a non-interactive shell ignores SIGINT, and
    children inherit that. Catching it here makes children start with the default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _required_but_missing(reason: str) -> str | None:
    """The failure message for a skip that CI must not accept, else None."""
    strict = _flag("CI") or _flag("HYPERSWEEP_REQUIRE_DEPS")
    rule = "CI=true" if _flag("CI") else "HYPERSWEEP_REQUIRE_DEPS set"
    if (found := IMPORT_FAILED.search(reason)) and strict:
        return (
            f"test dependency {found.group(1)!r} is missing ({reason.strip()}); with {rule} "
            "no test may skip for it: install the test extras with "
            "`bash scripts/install.sh test` (pip install -e '.[test]')"
        )
    if POSTGRES_MISSING in reason and (strict or _flag("HYPERSWEEP_REQUIRE_POSTGRES")):
        if not strict:
            rule = "HYPERSWEEP_REQUIRE_POSTGRES set"
        return (
            f"a PostgreSQL server is required (with {rule}) but "
            f"{reason.split(POSTGRES_MISSING)[-1]}: "
            "run `bash scripts/ensure_postgres.sh` (as root it installs the Debian package "
            "`postgresql` with apt-get and starts it), or point HYPERSWEEP_POSTGRES_ADMIN_URL "
            "at a server where the user may CREATE DATABASE"
        )
    return None


def _fail_if_required(report: pytest.CollectReport | pytest.TestReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    message = _required_but_missing(reason)
    if message is not None:
        report.outcome = "failed"
        report.longrepr = message


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> HookWrapper:
    outcome = yield
    _fail_if_required(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> HookWrapper:
    outcome = yield  # a module-level importorskip skips its whole module here
    _fail_if_required(outcome.get_result())


# --- PostgreSQL -----------------------------------------------------------------------
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
    pytest.skip(POSTGRES_MISSING + reason)  # a failure under the CI rule above


def _connect_admin() -> Any:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        _unavailable(f"psycopg is not installed ({exc})")
    try:
        return _pg_admin()
    except Exception:
        if POSTGRES_ADMIN_URL == LOCAL_ADMIN_URL:  # never start servers we were not pointed at
            _start_local_postgres()
        try:
            return _pg_admin()
        except Exception as exc:
            _unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty PostgreSQL databases (URLs), all dropped at the end.

    Skips when no server is reachable; see the CI rule above for when that fails instead.
    """
    _connect_admin().close()
    made: list[str] = []
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    def make() -> str:
        name = f"hypersweep_test_{secrets.token_hex(6)}"
        with _pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    try:
        yield make
    finally:
        if made:
            with _pg_admin() as admin:
                for name in made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: Callable[[], str]) -> str:
    """URL of a fresh, empty PostgreSQL database shared by the session, dropped at its end."""
    return postgres_databases()
