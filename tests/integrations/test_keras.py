"""Keras 3 (torch backend) callbacks on real training: 200 digits rows, a tiny MLP, few epochs;
a create_model tuned directly and through SearchCV on breast cancer rows."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

import numpy as np  # noqa: E402

import hypersweep as hs  # noqa: E402
from hypersweep import presets  # noqa: E402
from hypersweep.integrations import checkpoint as ck  # noqa: E402
from hypersweep.integrations import keras as hsk  # noqa: E402

from .helpers import breast_cancer, create_model, digits, digits_model  # noqa: E402

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
# Keras' own numpy conversions warn under numpy 2; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept")


@pytest.fixture(scope="module")
def data() -> tuple[Any, ...]:
    return digits()


class Script(keras.callbacks.Callback):
    """Put scripted values in ``logs[monitor]`` (the model still trains for real) and
    remember the weights and the learning rate of every epoch. Runs before the others."""

    def __init__(self, values: list[float] | None = None, monitor: str = "val_loss") -> None:
        super().__init__()
        self.values, self.monitor = values, monitor
        self.weights: list[list[np.ndarray]] = []
        self.rates: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.rates.append(_rate(self.model))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.weights.append(self.model.get_weights())
        if self.values is not None:
            logs[self.monitor] = self.values[epoch]


def _rate(model: Any) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _equal(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_report_callback_prunes_a_hopeless_trial(data: tuple[Any, ...]) -> None:
    xt, yt, xv, yv = data
    study = hs.create_study(space={"lr": hs.Float(1e-7, 1.0, log=True)}, seed=0,
                            pruner=hs.pruners.Median(n_startup_trials=2))  # fmt: skip
    for lr in (0.1, 0.05, 1e-7):
        study.enqueue({"lr": lr})
    epochs_run: dict[int, int] = {}

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        keras.utils.set_random_seed(0)
        model = digits_model(lr=params["lr"])
        try:
            history = model.fit(xt, yt, validation_data=(xv, yv), epochs=4, batch_size=50,
                                verbose=0, callbacks=[hsk.ReportCallback(trial)])  # fmt: skip
        finally:
            epochs_run[trial.number] = len(trial.intermediate)
        return float(history.history["val_loss"][-1])

    study.optimize(objective, n_trials=4, show_progress=False)  # 4: see test_torch's note
    good, good2, bad = study.trials[:3]
    assert [good.state, good2.state, bad.state] == [hs.TrialState.COMPLETE] * 2 + [
        hs.TrialState.PRUNED]  # fmt: skip
    assert sorted(good.intermediate) == [1, 2, 3, 4] and epochs_run[0] == 4
    assert list(bad.intermediate) == [1] and epochs_run[2] == 1  # fit stopped there
    assert good.value == pytest.approx(good.intermediate[4])


def test_report_callback_names_the_missing_monitor(data: tuple[Any, ...]) -> None:
    xt, yt, _, _ = data
    trial = hs.create_study().ask()
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not in this epoch's logs"):
        digits_model().fit(xt, yt, epochs=1, verbose=0, callbacks=[hsk.ReportCallback(trial)])


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best(
    data: tuple[Any, ...], restore: bool
) -> None:
    xt, yt, xv, yv = data
    keras.utils.set_random_seed(1)
    model = digits_model()
    script = Script([1.0, 0.8, 0.9, 0.85, 0.7, 0.6])
    early = hsk.EarlyStopping(patience=2, restore_best_weights=restore)
    out = hsk.fit(hs.create_study().ask(), model, xt, yt, validation_data=(xv, yv), epochs=6,
                  batch_size=50, early_stopping=early, callbacks=[script])  # fmt: skip
    assert early.stopped and early.best_epoch == 2 and len(script.weights) == 4
    assert out.stopped_early and len(out.history) == 4
    final = model.get_weights()
    assert _equal(final, script.weights[1]) is restore
    assert _equal(final, script.weights[3]) is not restore
    assert out.value == (0.8 if restore else 0.85)


def test_reduce_on_plateau_halves_and_stops_at_1_1024(data: tuple[Any, ...]) -> None:
    xt, yt, xv, yv = data
    model = digits_model(lr=0.2)
    script = Script([1.0] * 40)
    plateau = hsk.ReduceOnPlateau(patience=2)
    out = hsk.fit(hs.create_study().ask(), model, xt, yt, validation_data=(xv, yv), epochs=40,
                  batch_size=100, reduce_on_plateau=plateau, callbacks=[script])  # fmt: skip
    assert len(out.history) == 21 and out.stopped_early and plateau.stopped
    expected = [0.2 * (2.0 ** -((e - 1) // 2) if e else 1.0) for e in range(21)]
    assert script.rates == pytest.approx(expected, rel=1e-6)  # float32 variables
    assert _rate(model) == pytest.approx(0.2 / 1024, rel=1e-6)


@pytest.mark.parametrize(
    "schedule",
    [
        hs.schedules.exponential_decay(0.1, 0.5, 2, staircase=True),
        hs.schedules.piecewise_constant([2, 4], [0.1, 0.03, 0.001]),
        hs.schedules.polynomial_decay(0.1, 0.01, 3, power=2.0, cycle=True),
    ],
)
def test_schedule_callback_sets_the_formula_values(data: tuple[Any, ...], schedule: Any) -> None:
    xt, yt, xv, yv = data
    model = digits_model()
    script = Script()
    sched = hsk.LearningRateSchedule(schedule)
    hsk.fit(hs.create_study().ask(), model, xt, yt, validation_data=(xv, yv), epochs=6,
            batch_size=100, schedule=sched, callbacks=[script])  # fmt: skip
    assert sched.rates == [schedule(e) for e in range(6)]
    assert script.rates == pytest.approx(sched.rates, rel=1e-6)  # what the optimizer used


def test_objective_tunes_seed_001s_create_model(data: tuple[Any, ...]) -> None:
    x, y = breast_cancer(160)
    space = {
        "init_mode": hs.Categorical(["glorot_uniform", "he_normal", "lecun_uniform"]),
        "activation": hs.Categorical(["relu", "tanh"]),
        "dropout_rate": hs.Float(0.0, 0.5), "weight_constraint": hs.Float(1.0, 5.0),
        "neurons": hs.Int(4, 16), "batch_size": hs.Categorical([16, 32]),
        "epochs": hs.Int(2, 3), "optimizer": presets.optimizer(names=["adam", "rmsprop"]),
    }  # fmt: skip
    objective = hsk.objective(create_model, x[:100], y[:100], validation_data=(x[100:], y[100:]),
                              monitor="val_accuracy")  # fmt: skip
    study = hs.create_study(space=space, direction="maximize", sampler="random", seed=0)
    study.optimize(objective, n_trials=3, show_progress=False)
    for t in study.trials:
        assert t.state is hs.TrialState.COMPLETE, t.error
        assert sorted(t.intermediate) == list(range(1, t.params["epochs"] + 1))
        assert 0.0 <= t.value <= 1.0 and t.value == t.intermediate[t.params["epochs"]]
    # the sampled values reach the model and its optimizer
    model = hsk.build_model(create_model, study.best_params)
    assert model.layers[0].units == study.best_params["neurons"]
    assert model.layers[1].rate == pytest.approx(study.best_params["dropout_rate"])
    assert type(model.optimizer).__name__.lower() == study.best_params["optimizer"]["name"]
    assert _rate(model) == pytest.approx(study.best_params["optimizer"]["lr"], rel=1e-6)
    with pytest.raises(ValueError, match=r"create_model takes no argument\(s\) \['units'\]"):
        hsk.build_model(create_model, {"units": 3})


def test_searchcv_tunes_a_keras_classifier_on_breast_cancer() -> None:
    from hypersweep.sklearn import SearchCV

    x, y = breast_cancer(120)
    estimator = hsk.classifier(create_model, epochs=2, batch_size=16, random_state=0)
    space = {"neurons": [4, 12], "activation": ["relu", "tanh"],
             "dropout_rate": hs.Float(0.0, 0.5), "epochs": [2, 4],
             "optimizer": ["adam", "sgd"]}  # fmt: skip
    search = SearchCV(estimator, space, sampler="random", n_trials=3, cv=2, random_state=0)
    search.fit(x, y)
    assert set(search.best_params_) == set(space)
    results = search.cv_results_
    assert len(results["params"]) == 3 and len(results["split1_test_score"]) == 3
    assert np.all(np.isfinite(results["mean_test_score"]))
    best = search.best_estimator_
    assert best.model_.layers[0].units == search.best_params_["neurons"]
    assert type(best.model_.optimizer).__name__.lower() == search.best_params_["optimizer"]
    assert best.predict(x).shape == (120,) and set(best.predict(x)) <= {0, 1}
    assert search.score(x, y) > 0.6  # standardised breast cancer is easy even in 2-4 epochs


# --- checkpoints: a killed Keras training resumes ------------------------------------
SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["KERAS_BACKEND"] = "torch"
    sys.path.insert(0, sys.argv[3])
    import torch
    torch.set_num_threads(1)
    import hypersweep as hs
    from tests.integrations.test_keras import run_study
    run_study(sys.argv[1], sys.argv[2], "crash", kill=2)
    """
)


def run_study(url: str, root: str, name: str, kill: int = -1) -> Any:
    """One trial of 4 epochs with early stopping and checkpoints; dies in epoch ``kill``."""
    xt, yt, xv, yv = digits()

    class Die(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if self.epoch == kill and batch == 1:
                os._exit(9)  # mid-epoch, like kill -9

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.epoch = epoch
            with open(os.path.join(root, f"{name}.log"), "a") as log:
                log.write(f"{epoch}\n")

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        keras.utils.set_random_seed(0)
        model = digits_model(lr=params["lr"])
        early = hsk.EarlyStopping(patience=3)
        out = hsk.fit(trial, model, xt, yt, validation_data=(xv, yv), epochs=4, batch_size=50,
                      early_stopping=early, checkpoints=root, callbacks=[Die()])  # fmt: skip
        return out.value

    study = hs.create_study(name=name, storage=url, space={"lr": hs.Float(0.05, 0.2)}, seed=0,
                            load_if_exists=True)  # fmt: skip
    study.optimize(objective, n_trials=2, retries=1, show_progress=False)
    return study


def test_a_killed_keras_training_resumes_from_its_saved_epoch(tmp_path: Path) -> None:
    url, root = f"sqlite:///{tmp_path / 'runs.db'}", tmp_path / "ckpt"
    root.mkdir()
    (tmp_path / "train.py").write_text(SCRIPT)
    proc = subprocess.run([sys.executable, str(tmp_path / "train.py"), url, str(root), str(ROOT)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 9, proc.stderr[-3000:]
    assert (root / "crash.log").read_text().split() == ["0", "1", "2"]
    assert ck.trial_directory(root, "crash", 0).joinpath("epoch-00002.pt").exists()

    crashed = run_study(url, str(root), "crash")  # this process is the rerun: it resumes
    # the retry (trial 1) trained epochs 2 and 3 only; trial 2 is a fresh one of the budget
    assert (root / "crash.log").read_text().split() == ["0", "1", "2", "2", "3", *"0123"]
    dead, retry = crashed.trials[:2]
    assert dead.interrupted and retry.system_attrs["retry_of"] == 0
    assert retry.user_attrs["resumed_at_epoch"] == 2 and sorted(retry.intermediate) == [1, 2, 3, 4]

    clean = run_study(url, str(root), "clean").trials[0]
    assert clean.params == retry.params
    # weights, optimizer slots, early-stopping state and the shuffling continued exactly
    assert retry.intermediate == clean.intermediate and retry.value == clean.value

    model = digits_model()
    ck.load_best(crashed, root, model)
    best = crashed.best_trial
    final = ck.trial_directory(root, "crash", ck.origin_number(best)) / "final.pt"
    assert _equal(model.get_weights(), [w.numpy() for w in ck.load(final)["model"]])
    model.compile(loss="sparse_categorical_crossentropy")
    _, _, xv, yv = digits()
    assert model.evaluate(xv, yv, verbose=0) == pytest.approx(best.value, rel=1e-5)


def test_searchcv_grid_reproduces_gridsearchcv_on_a_keras_model() -> None:
    """A Keras grid search with scikit-learn: the same grid and folds give GridSearchCV's
    scores, because an integer random_state makes each Keras fit reproducible on the torch
    backend."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from hypersweep.sklearn import SearchCV

    x, y = breast_cancer(120)
    grid = {"neurons": [2, 6], "activation": ["relu", "tanh"]}
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    estimator = hsk.classifier(create_model, epochs=2, batch_size=16, random_state=3)
    ours = SearchCV(estimator, grid, sampler="grid", n_trials=None, cv=folds).fit(x, y)
    theirs = GridSearchCV(estimator, grid, cv=folds).fit(x, y)
    assert ours.best_params_ == theirs.best_params_
    order = [theirs.cv_results_["params"].index(p) for p in ours.cv_results_["params"]]
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"][order], rtol=0, atol=1e-12)
    assert len(set(theirs.cv_results_["mean_test_score"])) > 1  # the cells really differ


def test_a_retry_of_a_trial_that_had_finished_training_trains_nothing(
    data: tuple[Any, ...], tmp_path: Path
) -> None:
    """Killed after its last epoch was saved but before the study heard the result: the
    retry restores the best weights from the checkpoint and trains no epoch."""
    xt, yt, xv, yv = data
    study = hs.create_study(name="done")
    first, retry = study.ask(), study.ask()
    keras.utils.set_random_seed(0)
    model = digits_model()
    script = Script([1.0, 0.5, 0.9])
    out = hsk.fit(first, model, xt, yt, validation_data=(xv, yv), epochs=3, callbacks=[script],
                  early_stopping=hsk.EarlyStopping(patience=5), checkpoints=tmp_path)  # fmt: skip
    assert out.value == 0.5 and _equal(model.get_weights(), script.weights[1])
    ckpt = ck.Checkpoints(tmp_path, retry)
    ckpt.origin, ckpt.directory = first.number, ck.trial_directory(tmp_path, "done", 0)
    again = digits_model()
    later = Script([9.0] * 3)
    out = hsk.fit(retry, again, xt, yt, validation_data=(xv, yv), epochs=3, callbacks=[later],
                  early_stopping=hsk.EarlyStopping(patience=5), checkpoints=ckpt)  # fmt: skip
    assert (out.resumed_at, out.epochs_run, out.value) == (3, 0, 0.5) and not later.weights
    assert _equal(again.get_weights(), script.weights[1])  # the best epoch's, from the file
    assert retry.intermediate == {1: 1.0, 2: 0.5, 3: 0.9}  # the curve, reported again
