"""hypersweep copy / import / export --format archive, as a user types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.storage import get_storage

from .helpers import all_trials, rich_study, trial_fields


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hypersweep", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_copy_export_and_import_archive_round_trip(tmp_path: Path) -> None:
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    rich_study(a)
    done = cli("copy", "rich", "--from", a, "--to", b, "--new-name", "copy", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Copied study 'rich' (12 trials)" in done.stdout
    out = cli("export", "copy", "--storage", b, "--format", "archive", "-o", "s.json",
              cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    back = cli("import", "archive", "s.json", "--to", a, "--new-name", "back", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    want = [trial_fields(t) for t in all_trials(get_storage(a), "rich")]
    assert [trial_fields(t) for t in all_trials(get_storage(a), "back")] == want


def test_import_optuna_from_the_command_line(tmp_path: Path) -> None:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="o", storage=url)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    done = cli("import", "optuna", "--from", url, "--study", "o", "--to",
               f"sqlite:///{tmp_path / 'hs.db'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    mine = hs.load_study("o", storage=f"sqlite:///{tmp_path / 'hs.db'}")
    assert mine.best_value == pytest.approx(study.best_value)


def test_wrong_usage_is_one_clear_line(tmp_path: Path) -> None:
    missing = cli("import", "optuna", "--study", "o", cwd=tmp_path)
    assert missing.returncode != 0 and "--from URL and --study NAME" in missing.stderr
    nofile = cli("export", "s", "--format", "archive", "--storage",
                 f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path)  # fmt: skip
    assert nofile.returncode != 0 and "Traceback" not in nofile.stderr
    absent = cli("copy", "x", "--from", f"sqlite:///{tmp_path / 'none.db'}", "--to",
                 f"sqlite:///{tmp_path / 'b.db'}", cwd=tmp_path)  # fmt: skip
    assert absent.returncode != 0 and "no SQLite database" in absent.stderr
    assert not (tmp_path / "none.db").exists()
