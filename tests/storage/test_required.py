"""The CI rule of tests/conftest.py: under CI a test may not skip for a missing test
dependency or a missing PostgreSQL server; elsewhere such tests skip as before.

Each case runs pytest in a subprocess on a tiny test file, with the rule loaded as
a plugin (``-p tests.conftest``) and the environment set as CI would set it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MISSING = "hs_no_such_module_for_tests"
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/postgres"  # nothing listens on port 1

TESTS = f"""
import pytest

def test_needs_a_missing_package():
    pytest.importorskip("{MISSING}")

def test_skips_for_another_reason():
    pytest.skip("only on some other platform")

def test_needs_postgres(postgres_url):
    pass
"""


def run(tmp_path: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_tiny.py").write_text(source)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CI", "HYPERSWEEP_REQ"))}
    clean.update(PYTHONPATH=str(ROOT), HYPERSWEEP_POSTGRES_ADMIN_URL=UNREACHABLE, **env)
    cmd = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "tests.conftest",
           "-p", "no:cacheprovider", "test_tiny.py"]  # fmt: skip
    return subprocess.run(cmd, cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_outside_ci_missing_things_skip(tmp_path: Path) -> None:
    done = run(tmp_path, TESTS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 skipped" in done.stdout


@pytest.mark.parametrize("flag", [{"CI": "true"}, {"HYPERSWEEP_REQUIRE_DEPS": "1"}])
def test_under_ci_missing_things_fail(tmp_path: Path, flag: dict[str, str]) -> None:
    done = run(tmp_path, TESTS, **flag)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert f"test dependency '{MISSING}' is missing" in out
    assert "bash scripts/install.sh test" in out
    assert "a PostgreSQL server is required" in out and UNREACHABLE in out
    assert "scripts/ensure_postgres.sh" in out
    assert "1 failed" in out and "1 error" in out  # the fixture fails in setup
    assert "1 skipped" in out  # any other skip stays a skip


def test_require_postgres_alone_fails_only_for_postgres(tmp_path: Path) -> None:
    done = run(tmp_path, TESTS, HYPERSWEEP_REQUIRE_POSTGRES="1")
    assert done.returncode == 1
    assert "with HYPERSWEEP_REQUIRE_POSTGRES set" in done.stdout
    assert "2 skipped" in done.stdout and "1 error" in done.stdout


def test_under_ci_a_module_level_importorskip_fails(tmp_path: Path) -> None:
    source = f'import pytest\n\npytest.importorskip("{MISSING}")\n\ndef test_x():\n    pass\n'
    skipped = run(tmp_path, source)
    assert skipped.returncode == pytest.ExitCode.NO_TESTS_COLLECTED  # the module skipped
    assert "1 skipped" in skipped.stdout
    done = run(tmp_path, source, CI="true")
    assert done.returncode == pytest.ExitCode.INTERRUPTED  # an error during collection
    assert f"test dependency '{MISSING}' is missing" in done.stdout


def test_ci_false_is_not_ci(tmp_path: Path) -> None:
    assert run(tmp_path, TESTS, CI="false").returncode == 0
