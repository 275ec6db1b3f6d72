"""Every example runs as a plain script (small budgets) and prints sensible best parameters."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypersweep.config import load_config

import hypersweep as hs

from .helpers import printed_best, run_quick

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FAMILIES = {"knn", "svm", "tree", "forest"}

pytest.importorskip("sklearn")


def run_example(cwd: Path, *argv: str) -> str:
    """Run ``python <argv>`` in ``cwd`` in quick mode; return stdout, failing on exit != 0."""
    return run_quick(cwd, list(argv), env={}, timeout=180)


def trial_count(url: str, study: str) -> int:
    return len(hs.load_study(study, storage=url).trials)


def test_iris_families_searches_then_tests_once_and_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    script = str(EXAMPLES / "iris_families.py")
    out = run_example(tmp_path, script, "--n-trials", "6", "--storage", url)
    assert "held-out test accuracy" in out
    best = printed_best(out)
    assert best["preprocess"] in {"none", "standardise", "normalise"}
    assert best["model"]["kind"] in FAMILIES
    assert trial_count(url, "iris-families") == 6
    run_example(tmp_path, script, "--n-trials", "8", "--storage", url)
    assert trial_count(url, "iris-families") == 8  # resumed, not restarted


def test_iris_families_config_shares_the_script_study(tmp_path: Path) -> None:
    config = str(EXAMPLES / "iris_families.yaml")
    out = run_example(tmp_path, "-m", "hypersweep", "run", config, "--n-trials", "5", "-q")
    best = json.loads(out)
    assert best["params"]["model"]["kind"] in FAMILIES
    assert 0.0 <= best["value"] <= 1.0
    url = f"sqlite:///{tmp_path / 'hypersweep.db'}"  # the default, in the working directory
    assert trial_count(url, "iris-families") == 5
    run_example(tmp_path, str(EXAMPLES / "iris_families.py"), "--n-trials", "7")
    assert trial_count(url, "iris-families") == 7


def test_iris_families_config_space_is_the_script_space(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec = importlib.util.spec_from_file_location("_iris_example", EXAMPLES / "iris_families.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg = load_config(EXAMPLES / "iris_families.yaml")
    assert hs.Space(cfg.space).to_json() == hs.Space(module.SPACE).to_json()
    assert (cfg.study, cfg.direction) == ("iris-families", "maximize")


def test_define_by_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    out = run_example(tmp_path, str(EXAMPLES / "define_by_run.py"), "--storage", url)
    best = printed_best(out)
    assert best["model"] in {"mlp", "logreg"}
    assert set(best) in ({"model", "logreg.C"}, {"model", "mlp.units", "mlp.lr", "mlp.alpha"})
    study = hs.load_study("digits-define-by-run", storage=url)
    assert len(study.trials) == 6
    mlps = [t for t in study.trials if t.params["model"] == "mlp"]
    assert all(t.intermediate for t in mlps)  # reported per epoch


def test_hyperopt_style_returns_values_not_indices(tmp_path: Path) -> None:
    out = run_example(tmp_path, str(EXAMPLES / "hyperopt_style.py"), "--max-evals", "5")
    best = printed_best(out)
    assert best["type"] in {"svm", "random_forest", "knn"}
    if best["type"] == "svm":
        assert best["kernel"] in {"linear", "rbf"}


def test_grid_refine_reviews_every_cell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    script = str(EXAMPLES / "grid_refine.py")
    out = run_example(tmp_path, script, "--rounds", "2", "--storage", url)
    study = hs.load_study("wine-svc-grid", storage=url)
    assert len(study.trials) > 16  # the 4 x 4 coarse grid, then a refined round
    cells = [line for line in out.splitlines() if " with C=" in line]
    assert len(cells) == len(study.trials)
    assert all(isinstance(t.user_attrs.get("std"), float) for t in study.trials)
    assert set(printed_best(out)) == {"C", "gamma"}
