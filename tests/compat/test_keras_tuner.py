"""KerasTuner scripts run on hypersweep: tiny Keras models (torch backend) trained for real
on 300 rows of scikit-learn's digits, a few epochs and trials per tuner."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
pytest.importorskip("sklearn")

import numpy as np  # noqa: E402

import hypersweep as hs  # noqa: E402
import hypersweep.compat.keras_tuner as kt  # noqa: E402

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept")
FIT = {"epochs": 3, "batch_size": 64, "verbose": 0}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    order = np.random.default_rng(0).permutation(len(y))
    return x[order[:300]], y[order[:300]], x[order[300:450]], y[order[300:450]]


def build(hp: kt.HyperParameters) -> Any:
    """A tutorial-style build: Int, Float, Choice, Boolean and a conditional scope."""
    model = keras.Sequential([keras.Input((64,))])
    kind = hp.Choice("kind", ["wide", "deep"])
    with hp.conditional_scope("kind", "wide"):
        if kind == "wide":
            model.add(keras.layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))
    with hp.conditional_scope("kind", "deep"):
        if kind == "deep":
            for _ in range(hp.Int("layers", 1, 2)):
                model.add(keras.layers.Dense(16, activation="relu"))
    if hp.Boolean("dropout"):
        model.add(keras.layers.Dropout(0.2))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-3, 1e-1, sampling="log")
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    return model


def flat(hp: kt.HyperParameters) -> Any:
    """An unconditional space: what BayesianOptimization gives the GP."""
    model = keras.Sequential([keras.Input((64,)),
                              keras.layers.Dense(hp.Int("units", 8, 32, step=8), "relu"),
                              keras.layers.Dense(10, activation="softmax")])  # fmt: skip
    model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-3, 1e-1, sampling="log")),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    return model


def search(tuner: kt.Tuner, data: tuple[np.ndarray, ...], **fit: Any) -> kt.Tuner:
    xt, yt, xv, yv = data
    tuner.search(xt, yt, validation_data=(xv, yv), **{**FIT, **fit})
    return tuner


def test_random_search_best_model_scores_what_was_recorded(
    data: tuple[np.ndarray, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tuner = search(kt.RandomSearch(build, objective="val_accuracy", max_trials=4, seed=0,
                                   directory=tmp_path, project_name="digits"), data)  # fmt: skip
    assert isinstance(tuner.study.sampler, hs.samplers.Random)
    assert tuner.study.direction.value == "maximize"  # inferred from "accuracy"
    trials = tuner.study.trials
    assert [t.state for t in trials] == [hs.TrialState.COMPLETE] * 4
    assert {t.params["kind"] for t in trials} == {"wide", "deep"}
    best = tuner.oracle.get_best_trials(4)
    assert [t.score for t in best] == sorted((t.value for t in trials), reverse=True)
    # the score is the best epoch's val_accuracy, and the saved model is that epoch's
    model = tuner.get_best_models(1)[0]
    xv, yv = data[2], data[3]
    evaluated = model.evaluate(xv, yv, verbose=0, return_dict=True)["accuracy"]
    assert evaluated == pytest.approx(best[0].score, abs=1e-6)
    assert 1 <= (best[0].best_step or 0) <= 3 and best[0].status == "COMPLETED"
    hp = tuner.get_best_hyperparameters(1)[0]
    assert hp.values == best[0].hyperparameters.values
    assert set(hp.values) >= {"kind", "dropout", "lr"} and isinstance(hp.values["dropout"], bool)
    rebuilt = tuner.hypermodel.build(hp)  # the usual "retrain the best" line
    assert rebuilt.count_params() == model.count_params()
    tuner.search_space_summary()
    tuner.results_summary(num_trials=2)
    out = capsys.readouterr().out
    assert "Default search space size: 5" in out and "units (Int)" in out
    assert out.count(" summary\nHyperparameters:") == 2 and f"Score: {best[0].score}" in out
    assert (tmp_path / "digits" / "hypersweep.db").exists()


def test_rerun_resumes_and_overwrite_starts_over(data: tuple[np.ndarray, ...],
                                                 tmp_path: Path) -> None:  # fmt: skip
    fits: list[int] = []

    class Counting(kt.HyperModel):
        def build(self, hp: kt.HyperParameters) -> Any:
            return flat(hp)

        def fit(self, hp: kt.HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
            fits.append(1)
            return model.fit(*args, **kwargs)

    def tuner(n: int, **kw: Any) -> kt.Tuner:
        return kt.RandomSearch(Counting(), objective="val_loss", max_trials=n, seed=1,
                               directory=tmp_path, project_name="p", **kw)  # fmt: skip

    search(tuner(2), data, epochs=1)
    first = [t.params for t in tuner(2).study.trials]
    search(tuner(3), data, epochs=1)  # a rerun with a larger budget: one more trial
    assert len(fits) == 3
    again = tuner(3)
    assert [t.params for t in again.study.trials[:2]] == first and len(again.study.trials) == 3
    search(tuner(2, overwrite=True), data, epochs=1)
    assert len(fits) == 5 and len(tuner(2).study.trials) == 2


def test_executions_average_the_best_epoch_and_fit_can_tune_batch_size(
    data: tuple[np.ndarray, ...], tmp_path: Path
) -> None:
    histories: list[dict[str, list[float]]] = []
    sizes: list[int] = []

    class Tuned(kt.HyperModel):
        def build(self, hp: kt.HyperParameters) -> Any:
            return flat(hp)

        def fit(self, hp: kt.HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
            kwargs["batch_size"] = hp.Choice("batch_size", [32, 128])
            sizes.append(kwargs["batch_size"])
            history = model.fit(*args, **kwargs)
            histories.append(history.history)
            return history

    tuner = search(kt.RandomSearch(Tuned(), objective="val_accuracy", max_trials=2, seed=3,
                                   executions_per_trial=2, directory=tmp_path),
                   data, epochs=2)  # fmt: skip
    assert len(histories) == 4  # two executions per trial
    for i, trial in enumerate(tuner.study.trials):
        runs = histories[2 * i : 2 * i + 2]
        assert runs[0]["val_accuracy"] != runs[1]["val_accuracy"]  # each execution retrains
        expected = np.mean([max(r["val_accuracy"]) for r in runs])
        assert trial.value == pytest.approx(expected, abs=1e-9)
        assert trial.user_attrs["keras_tuner/values"]["batch_size"] == sizes[2 * i]
    assert set(sizes) <= {32, 128}


def test_bayesian_optimization_is_the_gp_or_tpe_on_a_conditional_space(
    data: tuple[np.ndarray, ...], tmp_path: Path
) -> None:
    gp = search(kt.BayesianOptimization(flat, objective="val_loss", max_trials=3,
                                        num_initial_points=2, seed=0, directory=tmp_path,
                                        project_name="gp"), data, epochs=2)  # fmt: skip
    assert isinstance(gp.study.sampler, hs.samplers.GP)
    assert gp.study.sampler.n_startup_trials == 2
    assert gp.study.direction.value == "minimize"
    assert all(t.state is hs.TrialState.COMPLETE for t in gp.study.trials)
    tpe = kt.BayesianOptimization(build, objective="val_accuracy", max_trials=2, seed=0,
                                  directory=tmp_path, project_name="tpe")  # fmt: skip
    assert isinstance(tpe.study.sampler, hs.samplers.TPE)
    assert tpe.study.sampler.n_startup_trials == 3 * 5  # 3 per parameter, as KerasTuner


def test_grid_search_runs_every_cell_in_order(data: tuple[np.ndarray, ...],
                                              tmp_path: Path) -> None:  # fmt: skip
    def small(hp: kt.HyperParameters) -> Any:
        hp.Fixed("lr", 0.01)
        model = keras.Sequential([keras.Input((64,)),
                                  keras.layers.Dense(hp.Int("units", 8, 16, step=8), "relu")])
        if hp.Boolean("extra"):
            model.add(keras.layers.Dense(8, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.compile(keras.optimizers.Adam(hp["lr"]), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])  # fmt: skip
        return model

    tuner = search(kt.GridSearch(small, objective="val_accuracy", directory=tmp_path,
                                 project_name="grid"), data, epochs=1)  # fmt: skip
    assert isinstance(tuner.study.sampler, hs.samplers.Grid)
    seen = [(t.params["units"], t.params["extra"]) for t in tuner.study.trials]
    assert seen == [(8, False), (8, True), (16, False), (16, True)]  # all, once, then stop
    # a conditional space: its cells name only the parameters active in them
    cond = kt.GridSearch(build, objective="val_accuracy", max_trials=5, directory=tmp_path,
                         project_name="cond", float_points=2)  # fmt: skip
    cells = cond.cells()
    assert len(cells) == 4 * 2 * 2 + 2 * 2 * 2  # wide: units x dropout x lr; deep: layers x ...
    assert all(("units" in c) == (c["kind"] == "wide") for c in cells)
    search(cond, data, epochs=1)
    ran = [t.user_attrs["keras_tuner/values"] for t in cond.study.trials]
    assert [{k: v for k, v in r.items()} for r in ran] == cells[:5]


def test_hyperband_prunes_on_epochs(data: tuple[np.ndarray, ...], tmp_path: Path) -> None:
    tuner = search(kt.Hyperband(build, objective="val_accuracy", max_epochs=3, factor=3,
                                max_trials=8, seed=0, directory=tmp_path),
                   data, epochs=50)  # fmt: skip
    pruner = tuner.study.pruner
    assert isinstance(pruner, hs.pruners.Hyperband)
    assert (pruner.min_resource, pruner.max_resource, pruner.reduction_factor) == (1, 3, 3)
    trials = tuner.study.trials
    epochs = [len(t.intermediate) for t in trials]
    assert max(epochs) == 3  # max_epochs replaces search's epochs
    pruned = [t for t in trials if t.state is hs.TrialState.PRUNED]
    assert pruned and all(len(t.intermediate) < 3 for t in pruned)
    assert all(t.state is hs.TrialState.COMPLETE for t in trials if len(t.intermediate) == 3)
    assert kt.Hyperband(build, objective="val_loss", max_epochs=9, factor=3,
                        directory=tmp_path, project_name="n").n_trials() == 9 + 5 + 3  # fmt: skip


def test_bad_input_fails_at_once_with_one_clear_error(data: tuple[np.ndarray, ...],
                                                      tmp_path: Path) -> None:  # fmt: skip
    tuner = kt.RandomSearch(build, objective="val_acc", max_trials=5, directory=tmp_path,
                            project_name="bad")  # fmt: skip
    with pytest.raises(kt.ObjectiveNotLogged, match=r"'val_acc' is not among .*'val_accuracy'"):
        search(tuner, data)
    assert len(tuner.study.trials) == 1  # stopped after the first trial, not five
    with pytest.raises(kt.ObjectiveNotLogged, match="validation_data or validation_split"):
        kt.RandomSearch(build, objective="val_accuracy", max_trials=2, directory=tmp_path,
                        project_name="noval").search(data[0], data[1], **FIT)  # fmt: skip

    def reversed_range(hp: kt.HyperParameters) -> Any:
        hp.Int("units", 64, 16)
        return flat(hp)

    with pytest.raises(ValueError, match=r"min_value=64 is greater than max_value=16"):
        kt.RandomSearch(reversed_range, objective="val_loss", directory=tmp_path)
    with pytest.raises(ValueError, match="cannot tell whether objective 'val_score'"):
        kt.RandomSearch(build, objective="val_score", directory=tmp_path)
    with pytest.raises(TypeError, match=r"build\(hp\) function or a kt\.HyperModel"):
        kt.RandomSearch(None, objective="val_loss", directory=tmp_path)
    with pytest.raises(ValueError, match="executions_per_trial must be an integer >= 1"):
        kt.RandomSearch(build, executions_per_trial=0, directory=tmp_path)


def test_restricted_space_and_a_lazily_built_model(data: tuple[np.ndarray, ...],
                                                   tmp_path: Path) -> None:  # fmt: skip
    """hyperparameters= fixes or re-ranges names; tune_new_entries=False keeps the rest at
    their defaults; a model without keras.Input is built before its weights are loaded."""

    def lazy(hp: kt.HyperParameters) -> Any:
        model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 64, step=8), "relu"),
                                  keras.layers.Dense(10, activation="softmax")])  # fmt: skip
        model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-3, 1e-1, sampling="log")),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
        return model

    preset = kt.HyperParameters()
    preset.Fixed("lr", 0.02)
    preset.Choice("units", [8, 24])
    grid = kt.GridSearch(lazy, objective="val_accuracy", hyperparameters=preset,
                         directory=tmp_path, project_name="preset")  # fmt: skip
    tuner = search(grid, data, epochs=1)
    values = [t.user_attrs["keras_tuner/values"] for t in tuner.study.trials]
    assert values == [{"units": 8, "lr": 0.02}, {"units": 24, "lr": 0.02}]
    model = tuner.get_best_models(1)[0]
    evaluated = model.evaluate(data[2], data[3], verbose=0, return_dict=True)["accuracy"]
    assert evaluated == pytest.approx(tuner.oracle.get_best_trials(1)[0].score, abs=1e-6)

    only_units = kt.HyperParameters()
    only_units.Int("units", 8, 16, step=8)
    rs = kt.RandomSearch(lazy, objective="val_loss", max_trials=2, seed=0,
                         hyperparameters=only_units, tune_new_entries=False,
                         directory=tmp_path, project_name="frozen")  # fmt: skip
    frozen = search(rs, data, epochs=1)
    seen = [t.user_attrs["keras_tuner/values"] for t in frozen.study.trials]
    assert all(v["units"] in (8, 16) for v in seen) and {v["lr"] for v in seen} == {1e-3}
    with pytest.raises(ValueError, match="allow_new_entries=False"):
        kt.RandomSearch(lazy, hyperparameters=only_units, allow_new_entries=False,
                        directory=tmp_path, project_name="closed")  # fmt: skip
