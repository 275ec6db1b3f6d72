"""Smoke test of benchmarks/searchcv.py: equivalent spaces, one tiny run, the table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("sklearn")

import hypersweep as hs

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "searchcv.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("searchcv_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_three_libraries_search_the_same_distributions(bench: ModuleType) -> None:
    pytest.importorskip("optuna_integration")
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    space = bench.PROBLEMS["svc-digits600"].space | bench.PROBLEMS["knn-wine"].space
    ours = bench.space_for("hypersweep:tpe", space)
    theirs = bench.space_for("sklearn:random", space)
    optuna = bench.space_for("optuna:tpe", space)
    c = ours["C"]
    assert isinstance(c, hs.Float) and c.log and (c.low, c.high) == (1e-3, 1e3)
    assert theirs["C"].support() == (1e-3, 1e3)
    assert optuna["C"] == FloatDistribution(1e-3, 1e3, log=True)
    k = "kneighborsclassifier__n_neighbors"
    assert (ours[k].low, ours[k].high) == (1, 40)
    assert theirs[k].support() == (1, 40)  # randint(1, 41): 1..40 inclusive
    assert optuna[k] == IntDistribution(1, 40)
    assert list(ours["kernel"].choices) == theirs["kernel"] == ["rbf", "poly", "sigmoid"]
    assert optuna["kernel"] == CategoricalDistribution(["rbf", "poly", "sigmoid"])


def test_a_tiny_run_gives_the_table(bench: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("optuna_integration")
    out = tmp_path / "table.txt"
    args = ["--problems", "knn-wine", "--seeds", "2", "--trials", "3", "--out", str(out)]
    table = bench.main(args)
    assert out.read_text() == table + "\n"
    rows = [line.split() for line in table.splitlines() if line.startswith("knn-wine")]
    assert [r[1] for r in rows] == list(bench.METHODS)
    for row in rows:
        mean, median = float(row[2]), float(row[3])
        assert 0.8 < mean <= 1.0 and 0.8 < median <= 1.0  # KNN on scaled wine: ~0.95
        if row[1] != "hypersweep:tpe":
            assert sum(int(n) for n in row[5].split("/")) == 2  # W + T + L = seeds
        fits = float(row[7])
        assert fits <= 15 if row[1] == "hypersweep:tpe+cannotwin" else fits == 15


def test_unknown_method_is_a_clear_error(bench: ModuleType) -> None:
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        bench.run_one(bench.PROBLEMS["knn-wine"], "nope", 0, 2)


def test_the_halving_table_times_both_libraries_on_equal_results(
    bench: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "halving.txt"
    case = "tree-digits/random/n_samples"
    table = bench.main(["--halving", "--cases", case, "--repeats", "1", "--out", str(out)])
    assert out.read_text() == table + "\n"
    (row,) = [line.split() for line in table.splitlines() if line.startswith(case)]
    fits, times, same = int(row[1]), [float(v) for v in row[2:7]], row[7]
    assert same == "yes"
    # 1797 // 100 = 17 candidates on 100 samples (2 x 5 folds x 10 classes), then 6, then 2
    assert fits == 5 * (17 + 6 + 2)
    assert all(t > 0 for t in times)


def test_same_results_sees_a_changed_column(bench: ModuleType) -> None:
    import numpy as np

    a = {"params": [{"C": 1}], "mean_test_score": np.array([0.5]), "mean_fit_time": np.array([1.0])}
    b = {**a, "mean_fit_time": np.array([2.0])}  # times may differ
    assert bench.same_results(a, b)
    assert not bench.same_results(a, {**b, "mean_test_score": np.array([0.5 + 1e-9])})
    assert not bench.same_results(a, {**b, "params": [{"C": 2}]})
