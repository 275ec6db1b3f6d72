"""The ``hypersweep`` command line, in-process with ``main([...])`` and as real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import cli, config
from hypersweep.cli import main

OBJECTIVE = """
import math

def objective(params):
    if params["model"]["kind"] == "bad":
        return math.inf
    return (params["x"] - 1.0) ** 2 + (0.0 if params["model"]["kind"] == "svm" else 0.5)

def broken(params):
    raise RuntimeError("boom")

calls = []

def interrupted(params):
    calls.append(params)
    if len(calls) == 3:
        raise KeyboardInterrupt
    return params["x"] ** 2
"""

CONFIG = """
objective: {module}:{function}
seed: 0
n_trials: 10
study: demo
space:
  x: !float {{low: -5, high: 5}}
  model: !choice
    - {{kind: svm, C: !float {{low: 1.0e-3, high: 1.0e3, log: true}}}}
    - {{kind: knn, k: !int {{low: 1, high: 50}}}}
"""


class Project:
    """A temporary working directory holding an objective module and a config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.module = f"cliobj_{uuid.uuid4().hex[:10]}"
        (root / f"{self.module}.py").write_text(OBJECTIVE)
        self.config = self.write_config("tune.yaml")
        self.db = root / "hypersweep.db"
        self.url = f"sqlite:///{self.db}"

    def write_config(self, name: str, function: str = "objective", extra: str = "") -> str:
        text = CONFIG.format(module=self.module, function=function) + textwrap.dedent(extra)
        (self.root / name).write_text(text)
        return str(self.root / name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hypersweep: error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- the whole workflow ----------------------------------------------------------------
def test_run_studies_show_best_export_delete(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "run", project.config, "-q")
    assert code == 0, err
    printed = json.loads(out)
    assert "Study 'demo' (minimize)" in err and "10 trials (10 complete)" in err
    assert project.db.exists()  # the default storage, in the working directory

    study = hs.load_study("demo", storage=project.url)
    best = study.best_trial
    assert printed == {"number": best.number, "value": best.value, "params": best.params}

    code, out, _ = run(capsys, "studies")
    assert code == 0
    assert "demo" in out and "minimize" in out and "10" in out
    assert f"{best.value:.6g}" in out

    code, out, _ = run(capsys, "show", "demo")
    assert code == 0
    assert out.count("COMPLETE") == 10
    assert "model.svm.C" in out and "model.knn.k" in out
    assert f"Best trial: #{best.number}" in out

    code, out, _ = run(capsys, "best", "demo", "--storage", project.url)
    assert code == 0
    assert json.loads(out) == {"number": best.number, "value": best.value, "params": best.params}
    assert isinstance(json.loads(out)["params"]["model"], dict)  # nested, real values

    code, out, _ = run(capsys, "export", "demo")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(study.trials) == 10
    assert rows[0]["number"] == "0" and "params_model.svm.C" in rows[0]
    assert out.splitlines()[0].endswith(",error")

    code, out, _ = run(capsys, "export", "demo", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 10
    assert records == json.loads(json.dumps(study.to_records(), default=str))

    target = tmp_path / "out" / "trials.json"
    target.parent.mkdir()
    code, out, err = run(capsys, "export", "demo", "-o", str(target))
    assert code == 0 and out == ""
    assert "Wrote 10 trials" in err
    assert len(json.loads(target.read_text())) == 10  # the format follows the suffix

    code, out, _ = run(capsys, "delete", "demo", "--yes")
    assert code == 0 and "Deleted study 'demo' (10 trials)" in out
    code, out, _ = run(capsys, "studies")
    assert code == 0 and "No studies" in out
    code, _, err = run(capsys, "best", "demo")
    assert code == 2 and "no study named 'demo'" in one_error_line(err)


def test_rerun_resumes_to_the_total(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "run", project.config, "--n-trials", "10", "-q")[0] == 0
    assert len(hs.load_study("demo", storage=project.url).trials) == 10
    code, _, err = run(capsys, "run", project.config, "--n-trials", "15", "-q")
    assert code == 0 and "15 trials" in err
    assert len(hs.load_study("demo", storage=project.url).trials) == 15


def test_run_storage_and_seed_flags(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, first, _ = run(capsys, "run", project.config, "--storage", other, "--seed", "3", "-q")
    assert code == 0 and not project.db.exists()
    assert len(hs.load_study("demo", storage=other).trials) == 10
    again = tmp_path / "again.db"
    code, second, _ = run(
        capsys, "run", project.config, "--storage", f"sqlite:///{again}", "--seed", "3", "-q"
    )
    assert code == 0 and json.loads(first) == json.loads(second)  # same seed, same search


def test_show_limit_and_sort(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "run", project.config, "-q")
    study = hs.load_study("demo", storage=project.url)
    code, out, _ = run(capsys, "show", "demo", "--limit", "3")
    assert code == 0 and "3 of 10 trials" in out and out.count("COMPLETE") == 3
    ordered = sorted(study.trials, key=lambda t: t.value or 0.0)
    code, out, _ = run(capsys, "show", "demo", "--sort", "value", "--limit", "2")
    table_rows = [line.split() for line in out.splitlines() if "COMPLETE" in line]
    assert [int(r[0]) for r in table_rows] == [t.number for t in ordered[:2]]


def test_show_lists_the_last_50_unless_told(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    study = hs.create_study("many", storage=project.url, space={"x": hs.Float(0, 1)}, seed=0)
    study.optimize(lambda p: p["x"], n_trials=60)
    code, out, _ = run(capsys, "show", "many")
    rows = [int(line.split()[0]) for line in out.splitlines() if "COMPLETE" in line]
    assert code == 0 and "50 of 60 trials" in out and rows == list(range(10, 60))
    assert "Only the last 50 of 60 trials are listed; --limit N lists N, --all" in out
    code, out, _ = run(capsys, "show", "many", "--all")
    assert code == 0 and out.count("COMPLETE") == 60 and "Only the" not in out
    code, _, err = run(capsys, "show", "many", "--all", "--limit", "3")
    assert code == 2 and "not allowed with argument" in err


def test_show_keeps_long_values_whole_in_a_pipe(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "run", project.config, "-q")
    code, out, _ = run(capsys, "show", "demo")
    assert code == 0 and "…" not in out


def test_user_attrs_appear_in_show_and_export(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    study = hs.create_study("attrs", storage=project.url, space={"x": hs.Float(0, 1)}, seed=0)
    study.optimize(lambda p: {"loss": p["x"], "std": 0.125}, n_trials=3)
    code, out, _ = run(capsys, "show", "attrs")
    assert code == 0 and "attrs.std" in out and "0.125" in out
    code, out, _ = run(capsys, "export", "attrs")
    first = next(iter(csv.DictReader(io.StringIO(out))))
    assert code == 0 and first["user_attrs_std"] == "0.125"


def test_json_output_stays_valid_with_infinite_values(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    space = {"x": hs.Float(0, 1), "model": hs.Categorical([{"kind": "bad"}])}
    study = hs.create_study("inf", storage=project.url, space=space, seed=0)
    study.optimize(lambda p: float("inf"), n_trials=2)

    def strict(text: str) -> Any:
        def refuse(name: str) -> Any:
            raise ValueError(f"not JSON: {name}")

        return json.loads(text, parse_constant=refuse)

    code, out, _ = run(capsys, "export", "inf", "--format", "json")
    assert code == 0 and strict(out)[0]["value"] == "inf"
    code, out, _ = run(capsys, "best", "inf")
    assert code == 0 and strict(out)["value"] == "inf"


def test_define_by_run_study_is_shown(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    study = hs.create_study("dbr", storage=project.url, seed=0)
    study.optimize(lambda t: t.suggest_float("lr", 1e-4, 1e-1, log=True), n_trials=3)
    code, out, _ = run(capsys, "show", "dbr")
    assert code == 0 and "lr" in out and out.count("COMPLETE") == 3
    code, out, _ = run(capsys, "best", "dbr")
    assert json.loads(out)["params"] == study.best_params


def test_show_marks_failed_pruned_conditional_and_repeated_trials(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_report import mixed_study

    mixed_study(project.url, "mixed")
    code, out, _ = run(capsys, "show", "mixed")
    assert code == 0
    lines = out.splitlines()
    heads = next(line for line in lines if line.strip().startswith("#")).split()
    assert heads[:5] == ["#", "state", "value", "duration", "steps"] and heads[-1] == "error"
    rows = {int(line.split()[0]): line for line in lines if line.strip()[:1].isdigit()
            and line.split()[1] in ("COMPLETE", "PRUNED", "FAIL")}  # fmt: skip
    assert len(rows) == 15
    assert all("RuntimeError: diverged <b>badly</b>" in rows[n] for n in (3, 8, 13))
    assert all("RuntimeError" not in rows[n] for n in (0, 4, 5))
    assert "15 trials: 9 complete, 3 pruned, 3 fail." in out
    assert "Configurations run more than once (1):" in out and "trials #0, #1, #2: mean" in out


def test_show_groups_configurations_by_the_samplers_rule(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.1 + 0.2 and 0.3 differ only beyond 12 significant digits: the samplers
    (history.config_key) call them one configuration, so show does too."""
    study = hs.create_study("same", storage=project.url, space={"x": hs.Float(0, 1)}, seed=0)
    for x in (0.1 + 0.2, 0.3, 0.3000001):
        study.enqueue({"x": x})
    study.optimize(lambda p: 1.0, 3, show_progress=False)
    xs = [t.params["x"] for t in hs.load_study("same", storage=project.url).trials]
    assert xs == [0.1 + 0.2, 0.3, 0.3000001]  # stored exactly, so show sees two floats
    code, out, _ = run(capsys, "show", "same")
    assert code == 0
    assert "Configurations run more than once (1):" in out
    assert "trials #0, #1: mean 1, std 0\n" in out and "#2" not in out.split("once")[1]


def test_show_gives_the_spread_of_repeats(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    def noisy(params: dict[str, Any], trial: hs.Trial) -> float:
        return float(params["x"] + (trial.seed % 1000) / 10_000)

    study = hs.create_study("rep", storage=project.url, space={"x": hs.Float(0, 1)}, repeats=3)
    study.optimize(noisy, 3, show_progress=False)
    code, out, _ = run(capsys, "show", "rep")
    assert code == 0
    heads = next(line for line in out.splitlines() if line.strip().startswith("#")).split()
    assert heads[:6] == ["#", "state", "value", "duration", "repeats", "std"]
    rows = {line.split()[0]: line.split() for line in out.splitlines() if "COMPLETE" in line}
    for trial in study.trials:
        row = rows[str(trial.number)]
        assert row[4] == "3" and row[5] == f"{trial.system_attrs['repeats']['std']:.6g}"


def test_report_command_writes_one_offline_file(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("plotly")
    run(capsys, "run", project.config, "-q")
    target = tmp_path / "out.html"
    code, out, err = run(capsys, "report", "demo", "-o", str(target), "--title", "Demo <1>")
    assert code == 0 and out == "" and f"to {target}" in err and "(10 trials)" in err
    text = target.read_text(encoding="utf-8")
    assert "<h1>Demo &lt;1&gt;</h1>" in text and "<script src" not in text
    assert text.count('<tr class="state-COMPLETE') == 10
    code, _, err = run(capsys, "report", "demo")  # default name: the study's, here
    assert code == 0 and (project.root / "demo.html").exists()
    code, out, err = run(capsys, "report", "nope")
    assert code == 2 and out == "" and "no study named 'nope'" in one_error_line(err)


# --- user errors: one line on stderr, exit code 2 ----------------------------------------
def test_unknown_study(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "run", project.config, "-q")
    for argv in (["show", "nope"], ["best", "nope"], ["export", "nope"], ["delete", "nope", "-y"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert "no study named 'nope'" in one_error_line(err)


def test_missing_database_is_reported_not_created(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    spelled = ["studies", "--storage", "sqlite+pysqlite:///gone.db"]
    for argv in (["studies"], ["show", "demo"], ["best", "demo"], ["export", "demo"], spelled):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert "no SQLite database at" in one_error_line(err)
    assert not project.db.exists() and not (project.root / "gone.db").exists()


def test_bad_storage_url(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "studies", "--storage", "runs.db")
    assert code == 2 and "unknown storage URL 'runs.db'" in one_error_line(err)


def test_bad_config(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    bad = project.write_config("bad.yaml", extra="n_trial: 3\n")
    code, out, err = run(capsys, "run", bad)
    assert code == 2 and out == ""
    assert "n_trial: unknown key; did you mean 'n_trials'?" in one_error_line(err)
    code, _, err = run(capsys, "run", "missing.yaml")
    assert code == 2 and "missing.yaml: no such config file" in one_error_line(err)


def test_debug_flag_shows_the_traceback(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(config.ConfigError):
        main(["--debug", "run", "missing.yaml"])


def test_every_trial_failing_exits_1(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    broken = project.write_config("broken.yaml", function="broken")
    code, out, err = run(capsys, "run", broken, "-q", "--n-trials", "2")
    assert code == 1 and out == ""
    assert "no trial completed; the last error was: RuntimeError: boom" in err


def test_ctrl_c_keeps_finished_trials(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = project.write_config("ctrlc.yaml", function="interrupted")
    code, out, err = run(capsys, "run", config_path, "-q")
    assert code == 130 and out == ""
    assert "interrupted; every finished trial is stored" in err and "Traceback" not in err
    states = [t.state for t in hs.load_study("demo", storage=project.url).trials]
    assert states == [hs.TrialState.COMPLETE] * 2 + [hs.TrialState.FAIL]


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2 and "usage: hypersweep" in err
    code, _, err = run(capsys, "show")
    assert code == 2 and "required: STUDY" in err
    code, _, err = run(capsys, "run", "x.yaml", "--n-trials", "-3")
    assert code == 2 and "argument --n-trials: the value must be an integer >= 0, but got -3" in err
    code, _, err = run(capsys, "run", "x.yaml", "--timeout", "nan")
    assert code == 2 and "must be a number of seconds > 0, but got nan" in err
    code, _, err = run(capsys, "dashboard", "--port", "70000")
    assert code == 2 and "expected a port number 0..65535, got 70000" in err


def test_delete_asks_first(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "run", project.config, "-q")
    code, _, err = run(capsys, "delete", "demo")  # stdin is not a terminal under pytest
    assert code == 2 and "pass --yes" in one_error_line(err)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, _, err = run(capsys, "delete", "demo")
    assert code == 1 and "Not deleted" in err
    assert len(hs.load_study("demo", storage=project.url).trials) == 10

    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out, _ = run(capsys, "delete", "demo")
    assert code == 0 and "Deleted study 'demo'" in out
    with pytest.raises(hs.StudyNotFound):
        hs.load_study("demo", storage=project.url)


# --- help ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command", ["run", "studies", "show", "best", "export", "delete", "report", "dashboard"]
)
def test_each_command_has_help_with_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "examples:" in out and f"hypersweep {command}" in out
    assert "--storage" in out and "sqlite:///hypersweep.db" in out


def test_default_storage_is_the_same_everywhere() -> None:
    assert cli.DEFAULT_STORAGE is config.DEFAULT_STORAGE
    assert cli.DEFAULT_STORAGE == "sqlite:///hypersweep.db"
    src = Path(cli.__file__).resolve().parents[1]
    defined = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if re.search(r"^DEFAULT_STORAGE\s*=", p.read_text(), re.MULTILINE)
    ]
    assert defined == [os.path.join("cli", "defaults.py")]


# --- real processes ----------------------------------------------------------------------
def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONWARNINGS": "ignore"}


def test_python_m_hypersweep_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hypersweep", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    for word in ("run", "studies", "show", "best", "export", "delete", "examples:"):
        assert word in done.stdout
    # --help stays fast: it loads none of the heavy dependencies
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hypersweep.cli import main; main(['--help']); "
            "heavy = ('rich', 'yaml', 'sqlalchemy', 'sklearn'); "
            "print([m for m in heavy if m in sys.modules])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip().splitlines()[-1] == "[]"


def test_python_m_hypersweep_help_imports_nothing_heavy() -> None:
    """`python -m hypersweep --help` itself (not a stand-in), timed by -X importtime."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hypersweep", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "hypersweep" in imported  # the probe sees the package's own imports
    heavy = {"numpy", "sqlalchemy", "yaml", "rich", "scipy", "sklearn", "plotly", "pandas"}
    assert not imported & heavy, sorted(imported & heavy)


def test_console_script_run(project: Project) -> None:
    script = Path(sys.executable).with_name("hypersweep")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "hypersweep"]
    done = subprocess.run(
        [*command, "run", project.config, "--n-trials", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=project.root,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    best = json.loads(done.stdout)
    assert set(best) == {"number", "value", "params"}
    assert best["params"]["model"]["kind"] in ("svm", "knn")
    assert "new best value" in done.stderr and "5 trials" in done.stderr
    assert len(hs.load_study("demo", storage=project.url).trials) == 5

    missing = subprocess.run(
        [*command, "best", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=project.root,
        env=_env(),
    )
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


# --- benchmark ---------------------------------------------------------------------------
def test_benchmark_runs_small(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    code, out, err = run(
        capsys, "benchmark", "--problems", "branin", "--methods", "hypersweep:random",
        "--seeds", "2", "--budgets", "5", "--jobs", "1", "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    assert "after 5 trials (2 seeds)" in out and "hs:random" in out and "mean rank" in out
    assert "[2/2] branin hypersweep:random" in err
    data = json.loads(out_json.read_text())
    assert [len(r["values"]) for r in data["runs"]] == [5, 5]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--problems", "nope"], "unknown benchmark problem"),
        (["--methods", "nope:x"], "unknown method 'nope:x'"),
        (["--seeds", "0"], "--seeds must be an integer >= 1, but got 0"),
    ],
)
def test_benchmark_user_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "benchmark", *args)
    assert code == 2 and out == ""
    assert err.startswith("hypersweep: error: ") and message in err and err.count("\n") == 1


def test_benchmark_help_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "benchmark", "--help")
    assert code == 0 and "examples:" in out and "hypersweep benchmark --problems" in out
    code, out, _ = run(capsys, "benchmark", "--list")
    assert code == 0 and "problem  branin" in out and "hypersweep:random" in out


# --- multi-objective studies: YAML directions, best as a front, selection ----------------
MO_OBJECTIVE = """
def two(params):
    x = params["x"]
    return {"loss": [1.0 - x / 10.0, x * x], "constraints": [abs(x) - 4.0]}
"""

MO_CONFIG = """
objective: {module}:two
seed: 0
n_trials: 25
study: mo
directions: [maximize, minimize]
objective_names: [accuracy, latency_ms]
space:
  x: !float {{low: -5, high: 5}}
"""


def test_a_yaml_config_with_directions_runs_a_multi_objective_study(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.root / f"{project.module}_mo.py").write_text(MO_OBJECTIVE)
    path = project.root / "mo.yaml"
    path.write_text(MO_CONFIG.format(module=f"{project.module}_mo"))
    code, out, err = run(capsys, "run", str(path), "-q")
    assert code == 0, err
    study = hs.load_study("mo", storage=project.url)
    assert [d.value for d in study.directions] == ["maximize", "minimize"]
    assert study.objective_names == ("accuracy", "latency_ms")
    assert type(study.sampler).__name__ == "GP"  # the default for two objectives
    front = {t.number for t in study.best_trials}
    printed = json.loads(out)
    assert {t["number"] for t in printed["best_trials"]} == front
    code, out, _ = run(capsys, "best", "mo")
    assert code == 0
    shown = json.loads(out)
    assert shown["directions"] == {"accuracy": "maximize", "latency_ms": "minimize"}
    assert {t["number"] for t in shown["best_trials"]} == front
    assert all(set(t["values"]) == {"accuracy", "latency_ms"} for t in shown["best_trials"])
    assert all(abs(t["params"]["x"]) <= 4.0 for t in shown["best_trials"])  # feasible only


def test_best_selects_by_knee_weights_and_bounds(project: Project, tmp_path: Path) -> None:
    import argparse

    from hypersweep.cli.shared import CommandError
    from hypersweep.cli.study_commands import cmd_best

    study = hs.create_study("sel", storage=project.url, directions=["maximize", "minimize"],
                            objective_names=["accuracy", "latency_ms"])  # fmt: skip
    for a, lat in [(0.5, 1.0), (0.8, 5.0), (0.85, 9.0), (0.9, 20.0), (0.95, 60.0)]:
        study.tell(study.ask(), (a, lat))

    def best(**options: Any) -> dict[str, Any]:
        args = argparse.Namespace(study="sel", storage=project.url, **options)
        buf = io.StringIO()
        old, sys.stdout = sys.stdout, buf
        try:
            assert cmd_best(args) == 0
        finally:
            sys.stdout = old
        return dict(json.loads(buf.getvalue()))

    bounded = best(best_of="accuracy", where=["latency_ms<=10"])
    assert bounded["values"] == {"accuracy": 0.85, "latency_ms": 9.0}
    fast = best(weights="accuracy=0.05,latency_ms=1")
    assert fast["values"]["latency_ms"] == 1.0
    assert best(knee=True)["number"] == study.select_trial().number
    with pytest.raises(CommandError, match="NAME<=NUMBER"):
        best(where=["latency_ms=10"])
    with pytest.raises(CommandError, match="unknown objective 'speed'"):
        best(best_of="speed")
    with pytest.raises(CommandError, match="one of --knee"):
        best(knee=True, weights="accuracy=1")


def test_export_names_every_objective(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    study = hs.create_study("ex", storage=project.url, directions=["maximize", "minimize"],
                            objective_names=["accuracy", "latency_ms"])  # fmt: skip
    study.tell(study.ask(), {"loss": (0.5, 3.0), "constraints": {"mem": -1.0}})
    code, out, _ = run(capsys, "export", "ex", "--format", "csv")
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["values_accuracy"] == "0.5" and row["values_latency_ms"] == "3.0"
    assert row["constraints_mem"] == "-1.0"


def test_show_and_studies_name_every_objective(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    study = hs.create_study("sh", storage=project.url, directions=["maximize", "minimize"],
                            objective_names=["accuracy", "latency_ms"])  # fmt: skip
    study.tell(study.ask(), {"loss": (0.5, 3.0), "constraints": [-1.0]})
    study.tell(study.ask(), {"loss": (0.9, 9.0), "constraints": [-1.0]})
    study.tell(study.ask(), {"loss": (0.99, 1.0), "constraints": [2.0]})  # infeasible
    code, out, err = run(capsys, "show", "sh")
    assert code == 0, err
    assert "accuracy" in out and "latency_ms" in out and "feasible" in out
    assert "maximize accuracy, minimize latency_ms" in out
    front = out.split("Pareto front")[1]
    assert "#0: accuracy=0.5, latency_ms=3" in front and "#1:" in front and "#2:" not in front
    code, out, _ = run(capsys, "studies")
    assert code == 0 and "maximize accuracy, minimize latency_ms" in out


def test_report_without_plotly_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    url = f"sqlite:///{tmp_path / 'p.db'}"
    hs.create_study("p", storage=url, space={"x": hs.Float(0, 1)}).optimize(
        lambda p: p["x"], n_trials=2
    )
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a)
    )
    out = tmp_path / "r.html"
    assert main(["report", "p", "--storage", url, "-o", str(out)]) != 0
    assert "pip install 'hypersweep[plot]'" in capsys.readouterr().err
    assert not out.exists()
