"""The deep-learning examples (issue 5 item 6) run as scripts in quick mode and print sound results.

Each runs in a subprocess (like tests/test_examples.py) on real shipped data
with real Keras / PyTorch training, reduced in size by HYPERSWEEP_EXAMPLE_QUICK.
The assertions check what a broken example would get wrong: scores against
trivial baselines, the seed records of repeats, early stopping's restored best
value, the test set used once, and re-runs that resume instead of restarting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hypersweep as hs

from .helpers import printed_best, run_quick

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytest.importorskip("sklearn")
pytest.importorskip("torch")


def run_example(cwd: Path, script: str, *args: str) -> str:
    """Run ``examples/<script>`` in quick mode on one thread; return stdout (exit 0 required)."""
    env = {"OMP_NUM_THREADS": "1", "KERAS_BACKEND": "torch"}
    return run_quick(cwd, [str(EXAMPLES / script), *args], env=env, timeout=300)


def number_after(label: str, out: str) -> float:
    match = re.search(re.escape(label) + r"\D*?([-\d.]+)", out)
    assert match, f"{label!r} not printed in:\n{out}"
    return float(match.group(1))


def test_keras_mlp_grid_reviews_every_cell_tests_once_and_resumes(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    pytest.importorskip("scikeras")
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    out = run_example(tmp_path, "keras_mlp_grid.py", "--storage", url)

    cells = re.findall(r"^\s+([\d.]+) \(([\d.]+)\) with (.+?)(\s+<- best)?$", out, re.M)
    assert len(cells) == 4  # the quick grid: 2 initialisers x 2 widths, each with mean (std)
    majority = number_after("majority-class baseline:", out)
    best_cv = number_after("best CV accuracy:", out)
    assert best_cv == pytest.approx(max(float(m) for m, *_ in cells), abs=1e-4)
    assert best_cv > majority + 0.2  # a trained network, far above always saying "benign"
    zeros = [float(m) for m, _, params, _ in cells if "init_mode=zeros" in params]
    assert len(zeros) == 2 and max(zeros) < best_cv - 0.15  # all-zero weights cannot learn
    assert number_after("held-out test accuracy:", out) > majority + 0.2
    best = printed_best(out)
    assert best["init_mode"] == "glorot_uniform" and best["neurons"] in (4, 16)
    assert set(best) == {"init_mode", "activation", "dropout_rate", "weight_constraint",
                         "neurons", "batch_size", "epochs"}  # fmt: skip
    study = hs.load_study("breast-cancer-keras-grid", storage=url)
    assert len(study.trials) == 4
    assert study.user_attrs["final_test"]["runs"] == 1

    again = run_example(tmp_path, "keras_mlp_grid.py", "--storage", url)
    study = hs.load_study("breast-cancer-keras-grid", storage=url)
    assert len(study.trials) == 4  # resumed: no cell ran twice
    assert study.user_attrs["final_test"]["runs"] == 1  # the test set was not looked at again
    assert number_after("best CV accuracy:", again) == best_cv  # seeded: the same scores


def test_lstm_seeds_records_the_seed_spread_and_checks_stability(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    pytest.importorskip("statsmodels")
    import numpy as np

    url = f"sqlite:///{tmp_path / 'ex.db'}"
    out = run_example(tmp_path, "lstm_sunspots_seeds.py", "--storage", url)

    study = hs.load_study("sunspots-lstm-seeds", storage=url)
    done = [t for t in study.trials if t.state is hs.TrialState.COMPLETE]
    assert len(study.trials) == 3 and len(done) >= 2
    for t in done:
        rec = t.system_attrs["repeats"]
        assert len(rec["values"]) == 2 and len(set(rec["seeds"])) == 2  # k seeds, each its own
        assert rec["mean"] == pytest.approx(np.mean(rec["values"]))
        assert rec["std"] == pytest.approx(np.std(rec["values"], ddof=1))
        assert t.value == pytest.approx(rec["mean"] + rec["std"])  # mean_minus_std, minimising
    spread = re.findall(r"trial\s+\d+: \[([\d. ]+)\]\s+mean\s+([\d.]+) \+-\s+([\d.]+)", out)
    assert len(spread) == len(done)
    assert all(len(values.split()) == 2 for values, _, _ in spread)
    assert "over 2 seeds per configuration" in out and "luckiest single run" in out

    assert "re-run over 3 fresh seeds" in out and "Verdict:" in out
    runs = study.system_attrs["stability"]
    assert len(runs) == 1 and len(runs[0]["configs"]) == 2
    assert all(len(c["values"]) == 3 for c in runs[0]["configs"])

    mean_baseline = number_after("baseline training mean: validation MSE (x1000)", out)
    best_mean = min(float(mean) for _, mean, _ in spread)
    assert best_mean < 0.75 * mean_baseline  # the LSTM learned the cycle, not just the level
    layers = printed_best(out)["dense_layers"]
    assert 1 <= len(layers) <= 3
    assert all(set(d) == {"neurons", "activation", "dropout_rate"} for d in layers)


def test_recurrent_early_stopping_restores_best_and_continues_training(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    out = run_example(tmp_path, "recurrent_early_stopping.py", "--storage", url,
                      "--patience", "1")  # fmt: skip

    study = hs.load_study("digits-sequence-gru", storage=url)
    assert len(study.trials) == 4
    complete = [t for t in study.trials if t.state is hs.TrialState.COMPLETE]
    assert complete
    for t in complete:
        curve = [t.intermediate[s] for s in sorted(t.intermediate)]
        assert 1 <= len(curve) <= 6
        assert t.value == pytest.approx(max(curve))  # early stopping put the best epoch back
        if len(curve) < 6:  # stopped early: patience 1 means the last epoch did not improve
            assert curve[-1] <= max(curve[:-1])
    assert study.best_value > 0.3  # ten classes: chance is 0.1
    best = printed_best(out)
    assert best["maxlen"] in (12, 24, 36, 48) and best["embedding"] in (2, 4, 8, 16)
    assert 8 <= best["units"] <= 64 and 0.0 <= best["dropout"] <= 0.5
    assert list((tmp_path / "checkpoints").rglob("final.pt"))  # every trial kept its weights

    pattern = (r"continued from the saved model at epoch (\d+) \(val acc ([\d.]+)\) "
               r"to epoch (\d+) \(val acc ([\d.]+)\)")  # fmt: skip
    start, before, end, after = re.search(pattern, out).groups()  # type: ignore[union-attr]
    assert int(end) >= int(start) and float(after) >= float(before)
    assert float(before) == pytest.approx(study.best_value, abs=1e-4)  # the saved best model

    again = run_example(tmp_path, "recurrent_early_stopping.py", "--storage", url,
                        "--patience", "1")  # fmt: skip
    assert len(hs.load_study("digits-sequence-gru", storage=url).trials) == 4
    assert "(0 new this run)" in again
    start2, before2, *_ = re.search(pattern, again).groups()  # type: ignore[union-attr]
    assert int(start2) == int(end)  # resumed from where the first run stopped, not epoch 0
    assert float(before2) == pytest.approx(float(after), abs=1e-4)


def test_windowed_forecaster_beats_naive_baselines_and_tests_once(tmp_path: Path) -> None:
    pytest.importorskip("statsmodels")
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    out = run_example(tmp_path, "windowed_forecaster.py", "--storage", url)

    row = r"^  (tuned MLP|last value|seasonal naive)\s+([\d.]+)\s+([\d.]+)$"
    rows = {name: (float(val), float(test)) for name, val, test in re.findall(row, out, re.M)}
    assert set(rows) == {"tuned MLP", "last value", "seasonal naive"}
    tuned, last = rows["tuned MLP"], rows["last value"]
    assert tuned[0] < 0.85 * last[0]  # validation MAE
    assert tuned[1] < 0.85 * last[1]  # test MAE, measured once
    study = hs.load_study("sunspots-windowed-mlp", storage=url)
    assert len(study.trials) == 8
    assert study.user_attrs["final_test"]["runs"] == 1
    assert study.user_attrs["final_test"]["score"] == pytest.approx(-tuned[1], abs=0.01)
    best = printed_best(out)
    assert 2 <= best["window"] <= 24 and best["loss"] in ("mse", "mae", "logcosh", "huber")
    assert best["activation"] in ("relu", "tanh", "sigmoid") and 1e-4 <= best["lr"] <= 1e-1

    again = run_example(tmp_path, "windowed_forecaster.py", "--storage", url)
    assert again == out  # resumed: no new trial, the stored test result read back
    assert hs.load_study("sunspots-windowed-mlp", storage=url).user_attrs["final_test"]["runs"] == 1
