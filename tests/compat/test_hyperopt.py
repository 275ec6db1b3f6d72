"""hypersweep.compat.hyperopt runs hyperopt's documented usage with only the import changed."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from functools import partial

import numpy as np
import pytest

from hypersweep.compat.hyperopt import (
    STATUS_FAIL,
    STATUS_OK,
    AllTrialsFailed,
    Trials,
    anneal,
    atpe,
    fmin,
    hp,
    rand,
    space_eval,
    tpe,
)
from hypersweep.compat.hyperopt.early_stop import no_progress_loss
from hypersweep.compat.hyperopt.pyll import scope
from hypersweep.compat.hyperopt.pyll.stochastic import sample
from hypersweep.space import hp as hs_hp

QUIET = {"show_progressbar": False, "verbose": False}


def quadratic(x: float) -> float:
    return (x - 3.0) ** 2


@pytest.mark.parametrize(("algo", "tol"), [(tpe.suggest, 0.3), (rand.suggest, 1.0)])
def test_the_classic_quadratic(algo: object, tol: float) -> None:
    best = fmin(quadratic, hp.uniform("x", -10, 10), algo=algo, max_evals=60,
                rstate=np.random.default_rng(0), **QUIET)  # fmt: skip
    assert set(best) == {"x"}
    assert abs(best["x"] - 3.0) < tol


def test_tpe_beats_random_on_the_same_budget() -> None:
    def run(algo: object) -> float:
        trials = Trials()
        fmin(quadratic, hp.uniform("x", -10, 10), algo=algo, max_evals=50, trials=trials,
             rstate=np.random.default_rng(1), **QUIET)  # fmt: skip
        return float(np.mean(sorted(trials.losses())[:10]))

    assert run(tpe.suggest) < run(rand.suggest)


CLASSIFIERS = hp.choice(
    "classifier",
    [
        {"type": "naive_bayes"},
        {
            "type": "svm",
            "C": hp.lognormal("svm_C", 0, 1),
            "kernel": hp.choice("svm_kernel", [
                {"ktype": "linear"},
                {"ktype": "rbf", "width": hp.lognormal("svm_rbf_width", 0, 1)},
            ]),
        },
        {"type": "dtree", "criterion": hp.choice("dtree_criterion", ["gini", "entropy"]),
         "max_depth": scope.int(hp.quniform("dtree_max_depth", 1, 10, 1))},
    ],
)  # fmt: skip


def classifier_loss(p: dict) -> float:
    if p["type"] == "naive_bayes":
        assert set(p) == {"type"}
        return 2.0
    if p["type"] == "svm":
        assert set(p) == {"type", "C", "kernel"}
        extra = 0.0 if p["kernel"]["ktype"] == "linear" else abs(p["kernel"]["width"] - 1)
        return abs(math.log(p["C"])) + extra
    assert set(p) == {"type", "criterion", "max_depth"}
    assert isinstance(p["max_depth"], int)
    return 1.0 + 0.1 * p["max_depth"] + (p["criterion"] == "gini")


def test_a_nested_conditional_space() -> None:
    trials = Trials()
    best = fmin(classifier_loss, CLASSIFIERS, tpe.suggest, 60, trials=trials, rstate=3, **QUIET)
    # real values: the chosen option itself, its index in best.argmin
    assert best["classifier"]["type"] == "svm"
    assert best.argmin["classifier"] == 1
    assert set(best) == {"classifier", "svm_C", "svm_kernel"} | (
        {"svm_rbf_width"} if best["svm_kernel"]["ktype"] == "rbf" else set()
    )
    point = space_eval(CLASSIFIERS, best)
    assert point == best["classifier"]
    assert classifier_loss(point) == pytest.approx(trials.best_trial["result"]["loss"])
    # every family was tried, and inactive labels have empty vals
    types = {trials.trials[i]["misc"]["vals"]["classifier"][0] for i in range(len(trials))}
    assert types == {0, 1, 2}
    for t in trials.trials:
        vals = t["misc"]["vals"]
        assert bool(vals["svm_C"]) == (vals["classifier"] == [1])
        assert bool(vals["dtree_max_depth"]) == (vals["classifier"] == [2])


def test_trials_inspection_after_a_run() -> None:
    trials = Trials()
    space = {"x": hp.uniform("x", -5, 5), "kind": hp.choice("kind", ["a", "b"])}
    fmin(lambda p: p["x"] ** 2 + (p["kind"] == "b"), space, tpe.suggest, 20, trials=trials,
         rstate=0, **QUIET)  # fmt: skip
    assert len(trials) == 20 == len(trials.trials) == len(trials.results)
    assert trials.tids == list(range(20))
    assert trials.statuses() == [STATUS_OK] * 20
    losses = trials.losses()
    assert trials.best_trial["result"]["loss"] == min(losses)
    assert set(trials.vals) == {"x", "kind"} and len(trials.vals["x"]) == 20
    assert set(trials.vals["kind"]) <= {0, 1}  # hyperopt's record keeps indices
    doc = trials.trials[0]
    assert {"tid", "state", "result", "misc", "book_time", "refresh_time"} <= set(doc)
    assert doc["misc"]["idxs"] == {"x": [0], "kind": [0]}
    argmin = trials.argmin
    assert argmin["kind"] in ("a", "b") and argmin.argmin["kind"] in (0, 1)
    assert argmin["x"] == trials.best_trial["misc"]["vals"]["x"][0]


def test_the_same_trials_twice_continues_to_the_new_total() -> None:
    trials = Trials()
    fmin(quadratic, hp.uniform("x", -10, 10), tpe.suggest, 10, trials=trials, rstate=0, **QUIET)
    first = trials.losses()
    fmin(quadratic, hp.uniform("x", -10, 10), tpe.suggest, 25, trials=trials, rstate=1, **QUIET)
    assert len(trials) == 25 and trials.tids == list(range(25))
    assert trials.losses()[:10] == first


def test_points_to_evaluate_run_first() -> None:
    space = {"x": hp.uniform("x", -10, 10), "c": hp.choice("c", ["u", "v", "w"])}
    seen = []
    points = [{"x": 1.5, "c": 2}, {"x": -2.0, "c": "u"}]  # a choice by index or by value
    trials = Trials()
    fmin(lambda p: seen.append(p) or p["x"] ** 2, space, rand.suggest, 6, trials=trials,
         points_to_evaluate=points, rstate=0, **QUIET)  # fmt: skip
    assert seen[:2] == [{"x": 1.5, "c": "w"}, {"x": -2.0, "c": "u"}]
    assert len(trials) == 6  # the points count toward max_evals, as in hyperopt
    assert trials.trials[0]["misc"]["vals"] == {"x": [1.5], "c": [2]}


def test_early_stop_with_no_progress_loss() -> None:
    trials = Trials()
    fmin(lambda x: 1.0, hp.uniform("x", 0, 1), rand.suggest, 100, trials=trials,
         early_stop_fn=no_progress_loss(5), rstate=0, **QUIET)  # fmt: skip
    assert len(trials) == 5  # hyperopt 0.3 stops after the same five trials


def test_early_stop_fn_gets_trials_and_its_own_state() -> None:
    calls = []

    def stop_after_three(trials: Trials, *state: int) -> tuple[bool, list[int]]:
        calls.append(state)
        n = (state[0] if state else 0) + 1
        return n >= 3, [n]

    trials = Trials()
    fmin(quadratic, hp.uniform("x", 0, 1), rand.suggest, 50, trials=trials,
         early_stop_fn=stop_after_three, rstate=0, **QUIET)  # fmt: skip
    assert len(trials) == 3 and calls == [(), (1,), (2,)]


def test_max_evals_none_runs_until_stopped_as_hyperopt() -> None:
    """hyperopt has no default budget: hypersweep's own (100 trials) must not leak in."""
    trials = Trials()

    def stop_at_130(trials: Trials, *_state: object) -> tuple[bool, list[object]]:
        return len(trials) >= 130, []

    fmin(quadratic, hp.uniform("x", 0, 1), rand.suggest, None, trials=trials,
         early_stop_fn=stop_at_130, rstate=0, **QUIET)  # fmt: skip
    assert len(trials) == 130


def test_fmin_studies_never_prune_hyperopt_has_no_pruning() -> None:
    trials = Trials()
    fmin(quadratic, hp.uniform("x", 0, 1), tpe.suggest, 3, trials=trials, rstate=0, **QUIET)
    assert trials.study is not None
    assert type(trials.study.pruner).__name__ == "NoPruning"


def test_loss_threshold_stops() -> None:
    trials = Trials()
    fmin(lambda x: x, hp.uniform("x", 0, 1), rand.suggest, 200, trials=trials,
         loss_threshold=0.05, rstate=0, **QUIET)  # fmt: skip
    losses = trials.losses()
    assert len(losses) < 200
    assert losses[-1] < 0.05 and all(v >= 0.05 for v in losses[:-1])


def test_scope_int_and_uniformint_give_ints() -> None:
    got = []
    space = {"n": scope.int(hp.quniform("n", 1, 10, 1)), "m": hp.uniformint("m", 2, 4),
             "r": hp.randint("r", 3), "s": hp.randint("s", 5, 8)}  # fmt: skip
    fmin(lambda p: got.append(p) or 0.0, space, rand.suggest, 30, rstate=0, **QUIET)
    for p in got:
        assert all(type(p[k]) is int for k in "nmrs")
        assert 1 <= p["n"] <= 10 and 2 <= p["m"] <= 4 and 0 <= p["r"] < 3 and 5 <= p["s"] < 8
    assert {p["r"] for p in got} == {0, 1, 2} and {p["s"] for p in got} == {5, 6, 7}


def test_arithmetic_on_parameters_runs_after_sampling() -> None:
    space = {
        "a": 1 + hp.lognormal("a", 0, 1),
        "b": hp.uniform("b", 0, 1) - 3,
        "c": 2 * hp.uniform("c", 1, 2),
        "d": hp.uniform("d", 1, 2) / 4,
        "e": hp.uniform("e", 1, 2) ** 2,
        "f": -hp.uniform("f", 1, 2),
        "g": scope.float(scope.int(hp.quniform("g", 0, 9, 3))) + hp.uniform("h", 0, 1),
    }
    got = []
    trials = Trials()
    fmin(lambda p: got.append(p) or 0.0, space, tpe.suggest, 15, trials=trials, rstate=0, **QUIET)
    for p, doc in zip(got, trials.trials):
        v = {k: vs[0] for k, vs in doc["misc"]["vals"].items()}
        assert p["a"] == pytest.approx(1 + v["a"]) and p["a"] > 1
        assert p["b"] == pytest.approx(v["b"] - 3)
        assert p["c"] == pytest.approx(2 * v["c"])
        assert p["d"] == pytest.approx(v["d"] / 4)
        assert p["e"] == pytest.approx(v["e"] ** 2)
        assert p["f"] == pytest.approx(-v["f"])
        assert p["g"] == pytest.approx(int(v["g"]) + v["h"]) and v["g"] in (0, 3, 6, 9)


def test_pchoice_frequencies_follow_the_weights() -> None:
    space = hp.pchoice("p", [(0.1, "a"), (0.2, "b"), (0.7, "c")])
    got: list[str] = []
    trials = Trials()
    best = fmin(lambda p: got.append(p) or {"a": 0.0, "b": 1.0, "c": 2.0}[p], space,
                rand.suggest, 400, trials=trials, rstate=np.random.default_rng(7),
                **QUIET)  # fmt: skip
    for value, p in (("a", 0.1), ("b", 0.2), ("c", 0.7)):
        sd = math.sqrt(400 * p * (1 - p))
        assert abs(got.count(value) - 400 * p) < 4 * sd, (value, got.count(value))
    assert best["p"] == "a" and best.argmin["p"] == 0
    assert set(trials.vals["p"]) == {0, 1, 2}  # option indices, not slots
    draws = [sample(space, np.random.default_rng(i)) for i in range(300)]
    assert draws.count("c") > 170  # a uniform choice would give about 100


def test_pchoice_with_sub_spaces_and_inexact_weights() -> None:
    with pytest.warns(UserWarning, match="slots"):
        space = {"m": hp.pchoice("m", [(0.1234, {"k": "lin"}),
                                       (0.8766, {"k": "poly", "deg": hp.randint("deg", 2, 5)})])}
        best = fmin(lambda p: p["m"].get("deg", 9), space, tpe.suggest, 25, rstate=0, **QUIET)
    assert best["m"] == {"k": "poly", "deg": 2} and best["deg"] == 2


def test_space_eval_accepts_real_values_and_indices() -> None:
    space = {"kernel": hp.choice("kernel", ["rbf", "poly"]), "C": hp.uniform("C", 0, 1),
             "depth": hp.choice("depth", [1, 2, 4])}  # fmt: skip
    best = fmin(lambda p: p["C"] + p["depth"], space, tpe.suggest, 20, rstate=0, **QUIET)
    assert best["depth"] == 1 and best.argmin["depth"] == 0
    point = space_eval(space, best)
    assert point == {"kernel": best["kernel"], "C": best["C"], "depth": 1}
    assert space_eval(space, best.argmin) == point
    assert space_eval(space, {"kernel": "poly", "C": 0.5, "depth": 2}) == {
        "kernel": "poly", "C": 0.5, "depth": 4}  # plain ints in range stay hyperopt's indices
    assert space_eval(space, {"kernel": 1, "C": 0.5, "depth": 0})["kernel"] == "poly"
    with pytest.raises(ValueError, match="neither an option index"):
        space_eval(space, {"kernel": "linear", "C": 0.5, "depth": 0})
    whole = fmin(lambda p: p["C"], space, tpe.suggest, 5, rstate=0, return_argmin=False, **QUIET)
    assert set(whole) == {"kernel", "C", "depth"} and whole["kernel"] in ("rbf", "poly")


def test_status_fail_marks_trials_failed() -> None:
    def objective(x: float) -> dict:
        if x < 0:
            return {"status": STATUS_FAIL, "why": "negative"}
        return {"loss": x, "status": STATUS_OK}

    trials = Trials()
    best = fmin(objective, hp.uniform("x", -1, 1), rand.suggest, 30, trials=trials, rstate=0,
                **QUIET)  # fmt: skip
    statuses = trials.statuses()
    assert len(statuses) == 30 and "fail" in statuses and "ok" in statuses
    failed = [r for r in trials.results if r["status"] == "fail"]
    assert all(r == {"status": "fail", "why": "negative"} for r in failed)
    assert best["x"] >= 0 and trials.best_trial["result"]["status"] == "ok"
    assert {t.state.value for t in trials.study.trials} == {"COMPLETE", "FAIL"}
    with pytest.raises(AllTrialsFailed):
        fmin(lambda x: {"status": STATUS_FAIL}, hp.uniform("x", 0, 1), rand.suggest, 3,
             rstate=0, **QUIET)  # fmt: skip


def test_an_exception_in_the_objective_propagates_unless_caught() -> None:
    def boom(x: float) -> float:
        if x > 0.5:
            raise RuntimeError("boom")
        return x

    with pytest.raises(RuntimeError, match="boom"):
        fmin(boom, hp.uniform("x", 0, 1), rand.suggest, 50, rstate=0, **QUIET)
    trials = Trials()
    fmin(boom, hp.uniform("x", 0, 1), rand.suggest, 20, trials=trials, rstate=0,
         catch_eval_exceptions=True, **QUIET)  # fmt: skip
    assert 0 < len(trials) < 20  # errored trials are left out, as hyperopt does
    assert all(v <= 0.5 for v in trials.losses())


def test_bytes_and_attachments_come_back_as_bytes(tmp_path: object) -> None:
    def objective(x: float) -> dict:
        return {"loss": x, "status": STATUS_OK, "model": b"\x00\xffweights",
                "nested": {"raw": [b"\x01"]}, "attachments": {"log": b"\x89PNG", "text": "hi"}}

    url = f"sqlite:///{tmp_path}/h.db"
    trials = Trials(storage=url, study="bytes")
    assert len(trials) == 0 and trials.study is None  # no database file yet
    fmin(objective, hp.uniform("x", 0, 1), rand.suggest, 3, trials=trials, rstate=0, **QUIET)
    again = Trials(storage=url, study="bytes")  # read back from the database
    result = again.results[0]
    assert result["model"] == b"\x00\xffweights" and result["nested"] == {"raw": [b"\x01"]}
    assert "attachments" not in result
    assert again.trial_attachments(again.trials[0])["log"] == b"\x89PNG"
    assert again.attachments["ATTACH::1::text"] == "hi"
    again.attachments["summary"] = b"\x00done"
    assert Trials(storage=url, study="bytes").attachments["summary"] == b"\x00done"


def test_sqlite_trials_resume_without_pickles(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/runs.db"
    space = {"x": hp.uniform("x", -10, 10), "c": hp.choice("c", ["a", "b"])}
    fmin(lambda p: quadratic(p["x"]), space, tpe.suggest, 8,
         trials=Trials(storage=url, study="q"), rstate=0, **QUIET)  # fmt: skip
    trials = Trials(storage=url, study="q")
    assert len(trials) == 8 and set(trials.vals["c"]) <= {0, 1}
    fmin(lambda p: quadratic(p["x"]), space, tpe.suggest, 12, trials=trials, rstate=1, **QUIET)
    assert len(Trials(storage=url, study="q")) == 12


def test_algorithm_options_and_mappings() -> None:
    seen = []
    algo = partial(tpe.suggest, n_startup_jobs=3)
    trials = Trials()
    fmin(lambda x: seen.append(x) or quadratic(x), hp.uniform("x", -10, 10), algo, 8,
         trials=trials, rstate=0, **QUIET)  # fmt: skip
    assert trials.study.sampler.n_startup_trials == 3
    with pytest.warns(UserWarning, match="TPE"):
        fmin(quadratic, hp.uniform("x", -10, 10), atpe.suggest, 3, rstate=0, **QUIET)
    with pytest.warns(UserWarning, match="Evolution"):
        fmin(quadratic, hp.uniform("x", -10, 10), anneal.suggest, 3, rstate=0, **QUIET)
    with pytest.raises(TypeError, match="custom hyperopt algorithms"):
        fmin(quadratic, hp.uniform("x", 0, 1), lambda *a: [], 3, **QUIET)
    with pytest.raises(TypeError, match="only names an algorithm"):
        tpe.suggest([0], None, None, 0)


def test_a_generator_rstate_makes_runs_repeatable() -> None:
    def run() -> list:
        trials = Trials()
        fmin(quadratic, hp.uniform("x", -10, 10), tpe.suggest, 15, trials=trials,
             rstate=np.random.default_rng(42), **QUIET)  # fmt: skip
        return trials.losses()

    assert run() == run()


def test_labels_must_be_unique_but_a_shared_node_is_one_parameter() -> None:
    with pytest.raises(ValueError, match="labelled 'x'"):
        fmin(quadratic, [hp.uniform("x", 0, 1), hp.uniform("x", 0, 1)], rand.suggest, 2,
             **QUIET)  # fmt: skip
    x = hp.uniform("x", 0, 1)
    got = []
    fmin(lambda p: got.append(p) or 0.0, {"a": x, "b": x * 2}, rand.suggest, 5, rstate=0,
         **QUIET)  # fmt: skip
    assert all(p["b"] == pytest.approx(2 * p["a"]) for p in got)


SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from hyperopt import fmin, tpe, hp, Trials, STATUS_OK, space_eval
    from hyperopt.pyll import scope

    space = {
        "model": hp.choice("model", [
            {"type": "linear", "alpha": hp.loguniform("alpha", -5, 0)},
            {"type": "tree", "depth": scope.int(hp.quniform("depth", 1, 8, 1))},
        ]),
        "lr": hp.uniform("lr", 0.0, 1.0),
    }

    def objective(params):
        m = params["model"]
        base = m["alpha"] if m["type"] == "linear" else m["depth"] / 8
        return {"loss": base + (params["lr"] - 0.3) ** 2, "status": STATUS_OK, "note": "x"}

    trials = Trials()
    best = fmin(objective, space, algo=tpe.suggest, max_evals=25, trials=trials,
                rstate=np.random.default_rng(0), show_progressbar=False)
    point = space_eval(space, best)
    print(json.dumps({
        "best_keys": sorted(best),
        "n": len(trials),
        "point_keys": sorted(point),
        "model_keys": sorted(point["model"]),
        "result_keys": sorted(trials.results[0]),
        "vals_keys": sorted(trials.vals),
        "statuses": sorted(set(trials.statuses())),
        "best_loss_is_min": trials.best_trial["result"]["loss"] == min(trials.losses()),
    }))
    """
)


def run_script(source: str) -> dict:
    out = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_hyperopt_script_runs_with_only_the_import_changed() -> None:
    pytest.importorskip("hyperopt")
    original = run_script(SCRIPT)
    changed = SCRIPT.replace("from hyperopt", "from hypersweep.compat.hyperopt")
    assert changed.count("hypersweep.compat.hyperopt") == 2
    ours = run_script(changed)
    assert ours == original
    assert ours["n"] == 25 and ours["result_keys"] == ["loss", "note", "status"]


def test_every_hp_spelling_is_defined_labelled_and_named_as_spelled() -> None:
    # hp.__all__ is hypersweep's own spellings plus pchoice: each must exist here too
    assert set(hp.__all__) == {*hs_hp.__all__, "pchoice"}
    for spelling in set(hs_hp.__all__) - {"choice"}:
        bounds = (0, 1, 0.5) if spelling[0] == "q" else (1, 5) if "int" in spelling else (0, 1)
        node = getattr(hp, spelling)("x", *bounds)
        assert (node.label, node.spelling) == ("x", spelling)
        with pytest.raises(TypeError, match=f"hp.{spelling}: the label must be"):
            getattr(hp, spelling)("", *bounds)
