"""YAML run configs: tags, long form, validation messages, the safe loader, running."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypersweep.config import ConfigError, RunConfig, load_config, parse_space, run_config

import hypersweep as hs

OBJECTIVE = """
def objective(params):
    return (params["x"] - 1.0) ** 2

NOT_A_FUNCTION = 3
SPACE = {"x": __import__("hypersweep").Float(-2.0, 2.0)}
"""


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """load_config puts the config's folder on sys.path; undo that after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(tmp_path)


def write_module(folder: Path, source: str = OBJECTIVE) -> str:
    """A uniquely named objective module, so no test sees another's cached import."""
    name = f"objmod_{uuid.uuid4().hex[:10]}"
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return name


def write_config(folder: Path, text: str, name: str = "tune.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def simple_config(folder: Path, extra: str = "", module: str | None = None) -> Path:
    module = module or write_module(folder)
    text = f"objective: {module}:objective\nn_trials: 4\nseed: 0\nspace:\n  x: !float [-2, 2]\n"
    return write_config(folder, text + extra)


# --- tags ------------------------------------------------------------------------
def test_tags_build_hypersweep_parameters() -> None:
    space = parse_space(
        """
        lr: !float {low: 1e-4, high: 1.0e-1, log: true}
        q: !float {low: 0, high: 1, step: 0.25}
        units: !int {low: 8, high: 128, log: true}
        even: !int {low: 2, high: 10, step: 2}
        act: !choice [relu, tanh]
        opt: !choice {choices: [adam, sgd]}
        init: !normal {mu: 1.0, sigma: 0.2}
        scale: !lognormal {mu: 0, sigma: 1, step: 0.5}
        dense: !repeat {of: {units: !int {low: 8, high: 64}}, min: 1, max: 3}
        model: !choice
          - {kind: knn, n_neighbors: !int {low: 1, high: 30}}
          - {kind: svm, C: !float {low: 1.0e-3, high: 1.0e3, log: true}}
        fixed: 7
        """.replace("\n        ", "\n")
    )
    assert space["lr"] == hs.Float(1e-4, 1e-1, log=True)
    assert space["q"] == hs.Float(0, 1, step=0.25)
    assert space["units"] == hs.Int(8, 128, log=True)
    assert space["even"] == hs.Int(2, 10, step=2)
    assert isinstance(space["act"], hs.Categorical) and space["act"].choices == ["relu", "tanh"]
    assert space["opt"].choices == ["adam", "sgd"]
    assert space["init"] == hs.Normal(1.0, 0.2)
    assert space["scale"] == hs.LogNormal(0.0, 1.0, step=0.5)
    assert isinstance(space["dense"], hs.Repeat)
    assert (space["dense"].min, space["dense"].max) == (1, 3)
    assert space["dense"].template == {"units": hs.Int(8, 64)}
    knn, svm = space["model"].choices
    assert knn == {"kind": "knn", "n_neighbors": hs.Int(1, 30)}
    assert svm["C"] == hs.Float(1e-3, 1e3, log=True)
    assert space["fixed"] == 7
    leaves = hs.Space(space).leaves
    assert {"model.knn.n_neighbors", "model.svm.C", "dense.len"} <= set(leaves)


def test_exponent_without_a_dot_is_a_number() -> None:
    # plain YAML 1.1 reads 1e-3 and 1.0e3 as strings; in a tuning config it always means a number
    assert parse_space("x: !float {low: 1e-3, high: 1e+2}")["x"] == hs.Float(1e-3, 100.0)
    assert parse_space("x: 1e-3")["x"] == 1e-3
    assert parse_space("x: 1.0e3")["x"] == 1000.0  # PyYAML wants 1.0e+3
    assert parse_space("x: v1e3")["x"] == "v1e3"


def test_long_form_as_written_by_space_to_json() -> None:
    original = hs.Space(
        {
            "lr": hs.Float(1e-4, 1e-1, log=True),
            "model": hs.Categorical(
                [{"kind": "knn", "k": hs.Int(1, 30)}, {"kind": "svm", "C": hs.Float(0.1, 10)}]
            ),
            "dense": hs.Repeat({"units": hs.Int(8, 64)}, min=1, max=2),
        }
    )
    text = yaml.safe_dump(original.to_json())
    assert "__hs__" in text
    assert hs.Space(parse_space(text)).to_json() == original.to_json()


def test_long_form_and_tags_mix() -> None:
    space = parse_space(
        """
        a: {__hs__: float, low: 0.0, high: 1.0}
        b: {__hs__: categorical, choices: [x, {kind: y, n: !int {low: 1, high: 3}}]}
        """.replace("\n        ", "\n")
    )
    assert space["a"] == hs.Float(0.0, 1.0)
    assert space["b"].choices[1] == {"kind": "y", "n": hs.Int(1, 3)}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x: !float {low: 2, high: 1}", r"space\.x \(line 1\): low <= high must hold"),
        ("x: !float {low: 0, high: 1, log: true}", r"space\.x .*log-scaled range needs low > 0"),
        ("x: !float {low: 1}", r"space\.x .*!float has missing \['high'\]"),
        ("x: !float {low: 0, high: 1, lg: true}", r"space\.x .*unknown keys \['lg'\]"),
        ("x: !int 5", r"space\.x .*!int needs a mapping"),
        ("x: !int {low: 0.5, high: 3}", r"space\.x .*must be an integer"),
        ("x: !choice []", r"space\.x .*at least one choice"),
        ("m: !choice\n  - {kind: a, k: !int {low: 3, high: 1}}", r"space\.m\.0\.k \(line 2\)"),
        ("d: !repeat {of: {u: !int [1, 3]}, min: 3, max: 1}", r"space\.d .*min <= max"),
        ("x: {__hs__: flot, low: 0, high: 1}", r"space\.x: bad long-form .*'flot'"),
        ("x: {__hs__: float, lo: 0, high: 1}", r"space\.x: bad long-form"),
    ],
)
def test_bad_parameter_names_its_path(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_space(text)


# --- loading a config ----------------------------------------------------------------
def test_load_config_resolves_everything(tmp_path: Path) -> None:
    cfg_dir = tmp_path / "conf"
    cfg_dir.mkdir()
    module = write_module(cfg_dir)
    path = write_config(
        cfg_dir,
        f"""
        objective: {module}:objective
        direction: MAXIMIZE
        sampler: grid
        grid_points: 3
        seed: 1
        timeout: 60
        storage: sqlite:///elsewhere.db
        space:
          x: !float {{low: -2, high: 2}}
        """,
        name="my-run.yaml",
    )
    cfg = load_config(path)  # the cwd is tmp_path: the module is found next to the config
    assert isinstance(cfg, RunConfig)
    assert cfg.objective({"x": 1.0}) == 0.0
    assert cfg.objective_ref == f"{module}:objective"
    assert (cfg.direction, cfg.sampler, cfg.grid_points, cfg.seed) == ("maximize", "grid", 3, 1)
    assert (cfg.timeout, cfg.n_trials, cfg.storage) == (60.0, None, "sqlite:///elsewhere.db")
    assert cfg.study == "my-run"  # the file's stem
    assert cfg.space == {"x": hs.Float(-2, 2)}
    with pytest.raises(AttributeError):
        cfg.seed = 2  # type: ignore[misc]
    assert cfg.replace(seed=2).seed == 2


def test_space_may_name_a_python_variable(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    path = write_config(tmp_path, f"objective: {module}:objective\nspace: {module}:SPACE\n")
    assert load_config(path).space == {"x": hs.Float(-2.0, 2.0)}


def _error(tmp_path: Path, text: str) -> str:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message, message
    assert "\n" not in message
    return message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    message = _error(tmp_path, f"objective: {module}:objective\nspace: {{}}\nn_trial: 5\n")
    assert "n_trial: unknown key; did you mean 'n_trials'?" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("space: {x: !float [0, 1]}\n", "objective: missing; add e.g. 'objective: "),
        ("objective: {mod}:objective\n", "space: missing; add the parameters"),
        ("objective: nocolon\nspace: {x: !float [0, 1]}\n", "objective: expected 'module:name'"),
        ("objective: a:b:c\nspace: {x: !float [0, 1]}\n", "objective: expected 'module:name'"),
        (
            "objective: no_such_module_xyz:objective\nspace: {x: !float [0, 1]}\n",
            "objective: no module 'no_such_module_xyz' next to the config",
        ),
        (
            "objective: {mod}:objectiv\nspace: {x: !float [0, 1]}\n",
            "has no 'objectiv'; did you mean {mod}:objective?",
        ),
        (
            "objective: {mod}:NOT_A_FUNCTION\nspace: {x: !float [0, 1]}\n",
            "objective: '{mod}:NOT_A_FUNCTION' is a int, not a function",
        ),
        ("objective: {mod}:objective\nspace: {x: 1}\n", "space: has no parameter"),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\ndirection: up\n",
            "direction: must be one of minimize, maximize, but got 'up'",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\nsampler: annealing\n",
            "sampler: unknown sampler 'annealing'",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\ngrid_points: 4\n",
            "grid_points: applies to 'sampler: grid' only",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\nn_trials: -1\n",
            "n_trials: must be an integer >= 0, but got -1",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\nn_trials: yes\n",
            "n_trials: must be an integer >= 0, but got True",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\ntimeout: 0\n",
            "timeout: must be a number of seconds > 0",
        ),
        (
            "objective: {mod}:objective\nspace: {x: !float [0, 1]}\nstudy: ''\n",
            "study: must be a non-empty string",
        ),
        ("- just\n- a list\n", "a config must be a mapping of keys"),
        ("", "but the file holds nothing"),
        (
            "objective: a\nobjective: b\n",
            "(line 2): not a valid config: the key 'objective' appears",
        ),
        ("objective: [unclosed\n", "not a valid config"),
    ],
)
def test_each_config_error_names_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    module = write_module(tmp_path)
    message = _error(tmp_path, text.replace("{mod}", module))
    assert fragment.replace("{mod}", module) in message, message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such config file"):
        load_config(tmp_path / "nope.yaml")


def test_import_error_inside_the_module_is_explained(tmp_path: Path) -> None:
    module = write_module(tmp_path, "import not_installed_pkg_xyz\n")
    message = _error(tmp_path, f"objective: {module}:f\nspace: {{x: !float [0, 1]}}\n")
    assert f"importing '{module}' failed: No module named 'not_installed_pkg_xyz'" in message


def test_bad_parameter_in_a_config_is_a_value_error_with_the_path(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    path = write_config(
        tmp_path, f"objective: {module}:objective\nspace:\n  lr: !float {{low: 1, high: 0}}\n"
    )
    with pytest.raises(ValueError, match=r"space\.lr \(line 3\): low <= high must hold"):
        load_config(path)


# --- safety ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        '!!python/object/apply:os.system ["touch pwned"]\n',
        'objective: !!python/object/apply:os.system ["touch pwned"]\nspace: {}\n',
        'space:\n  x: !!python/object/apply:os.system ["touch pwned"]\n',
        "objective: !!python/name:os.system\nspace: {}\n",
    ],
)
def test_hostile_yaml_is_refused_and_runs_nothing(tmp_path: Path, text: str) -> None:
    message = _error(tmp_path, text)
    assert "could not determine a constructor" in message
    assert "Only plain YAML and the tags" in message
    assert not (tmp_path / "pwned").exists()


def test_loader_is_a_safe_loader_and_leaves_pyyaml_alone() -> None:
    from hypersweep.cli.config.loader import Loader

    assert issubclass(Loader, yaml.SafeLoader)
    assert "!float" not in yaml.SafeLoader.yaml_constructors
    assert yaml.safe_load("x: 1e-3") == {"x": "1e-3"}  # PyYAML's own resolver is untouched


def billion_laughs(module: str, levels: int = 9) -> str:
    """The classic: each anchor is a list of ten aliases of the previous one (10**levels)."""
    lines = [f"objective: {module}:objective", "n_trials: 1", "study: laughs", "space:"]
    lols = ", ".join(["lol"] * 10)
    lines += ["  x: !float [-2, 2]", "  lol: !choice", f"    - &l0 [{lols}]"]
    lines += [f"    - &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_once_and_writes_nothing(tmp_path: Path) -> None:
    """13 lines of nested aliases expand to billions of values: refused before building any."""
    db = tmp_path / "laughs.db"
    path = write_config(tmp_path, billion_laughs(write_module(tmp_path)))
    assert len(path.read_text().splitlines()) == 15
    argv = [sys.executable, "-m", "hypersweep", "run", str(path), "--storage", f"sqlite:///{db}"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert done.returncode == 2, done.stderr
    assert elapsed < 10  # about half a second, most of it Python starting; it was 54 s
    message = done.stderr.strip()
    assert message.count("\n") == 0 and str(path) in message
    assert re.search(r"holds \d,\d{3},\d{3},\d{3} values", message)  # billions
    assert "over the limit of 100,000 for a config" in message
    assert "write the repeated parts out" in message
    assert not db.exists()


def test_billion_laughs_inside_the_space_is_refused_too() -> None:
    text = "\n".join(
        ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
        + [f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    )
    started = time.perf_counter()
    with pytest.raises(
        ConfigError, match=r"space.yaml: .* holds 1,\d{3},\d{3},\d{3} values, over the limit"
    ):
        parse_space(text, "space.yaml")
    assert time.perf_counter() - started < 2


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, "objective: m:objective\nspace:\n  x: &loop [1, *loop]\n")
    assert "refers to the anchor it sits inside" in message and "tune.yaml" in message


def test_a_few_anchors_and_aliases_still_work(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    path = write_config(
        tmp_path,
        f"""
        objective: {module}:objective
        n_trials: 3
        space:
          x: !float [-2, 2]
          first: &layer {{units: !int [8, 64], act: &acts !choice [relu, tanh]}}
          second: *layer
          third: {{<<: *layer, dropout: !float [0, 0.5]}}
          head: *acts
        """,
    )
    space = hs.Space(load_config(path).space)
    assert set(space.leaves) >= {"first.units", "second.units", "third.dropout", "head"}
    assert sorted(hs.Space(load_config(path).space).leaves) == sorted(space.leaves)


def test_a_large_plain_config_within_the_limit_still_loads(tmp_path: Path) -> None:
    choices = ", ".join(f"c{i}" for i in range(20_000))  # 20,000 values, no aliases
    space = parse_space(f"x: !choice [{choices}]\n")
    assert len(space["x"].choices) == 20_000


# --- running ---------------------------------------------------------------------------
def test_run_config_runs_and_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    cfg = load_config(simple_config(tmp_path))
    study = run_config(cfg, storage_override=url)
    assert study.name == "tune" and len(study.trials) == 4
    study = run_config(cfg.replace(n_trials=7), storage_override=url)
    assert len(study.trials) == 7
    assert len(hs.load_study("tune", storage=url).trials) == 7
    assert -2 <= study.best_params["x"] <= 2


def test_storage_precedence(tmp_path: Path) -> None:
    cfg = load_config(simple_config(tmp_path, "storage: sqlite:///from-config.db\n"))
    run_config(cfg)
    assert (tmp_path / "from-config.db").exists()
    run_config(cfg, storage_override=f"sqlite:///{tmp_path / 'override.db'}")
    assert (tmp_path / "override.db").exists()
    run_config(cfg.replace(storage=None))
    assert (tmp_path / "hypersweep.db").exists()  # the default, in the working directory


def test_grid_config_runs_the_whole_grid(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    path = write_config(
        tmp_path,
        f"""
        objective: {module}:objective
        sampler: grid
        grid_points: 5
        space:
          x: !float {{low: -2, high: 2}}
        """,
    )
    study = run_config(load_config(path), storage_override=f"sqlite:///{tmp_path / 'g.db'}")
    assert sorted(t.params["x"] for t in study.trials) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert study.best_params == {"x": 1.0}


def test_a_search_without_budget_is_refused(tmp_path: Path) -> None:
    module = write_module(tmp_path)
    path = write_config(tmp_path, f"objective: {module}:objective\nspace: {{x: !float [0, 1]}}\n")
    with pytest.raises(ConfigError, match="n_trials: tpe search needs a budget"):
        run_config(load_config(path), storage_override=None)


def test_maximize_direction_is_used(tmp_path: Path) -> None:
    cfg = load_config(simple_config(tmp_path, "direction: maximize\n"))
    study = run_config(cfg, storage_override=f"sqlite:///{tmp_path / 'm.db'}")
    values: list[Any] = [t.value for t in study.trials]
    assert study.best_value == max(values)


CURVE_OBJECTIVE = """
def objective(params, trial):
    for step in range(1, 10):
        trial.report(params["x"] ** 2 + 1.0 / step, step)
        trial.prune_if_needed()
    return params["x"] ** 2 + (trial.seed % 7) / 100
"""


def test_pruner_repeats_and_select_reach_the_study(tmp_path: Path) -> None:
    module = write_module(tmp_path, CURVE_OBJECTIVE)
    path = simple_config(
        tmp_path,
        "pruner: {asha: {min_resource: 1, reduction_factor: 2}}\nrepeats: 3\nselect: lcb\n",
        module,
    )
    cfg = load_config(path)
    assert cfg.pruner == {"name": "asha", "options": {"min_resource": 1, "reduction_factor": 2}}
    study = run_config(cfg.replace(n_trials=12), f"sqlite:///{tmp_path / 'c.db'}")
    assert isinstance(study.pruner, hs.pruners.ASHA) and study.pruner.reduction_factor == 2
    assert study.repeats == 3 and study.select == "lcb"
    states = {t.state for t in study.trials}
    assert hs.TrialState.PRUNED in states  # halving by 2 over 12 trials must stop some
    done = [t for t in study.trials if t.state is hs.TrialState.COMPLETE]
    assert done and all(len(t.system_attrs["repeats"]["values"]) == 3 for t in done)
    assert study.system_attrs["run"]["pruner"]["name"] == "asha"  # for `hypersweep worker`


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("pruner: sometimes\n", "pruner: must be one of none, median"),
        ("pruner: {asha: {reduction_factor: 1}}\n", "reduction_factor"),
        ("pruner: {median: {warmup: 3}}\n", "warmup"),
        ("pruner: [asha]\n", "a name or a one-key mapping"),
        ("repeats: 0\n", "repeats: must be an integer >= 1"),
        ("select: median\n", "select: must be one of mean, mean_minus_std, lcb"),
    ],
)
def test_bad_pruner_or_repeats_is_one_clear_error(
    tmp_path: Path, extra: str, fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[")):
        load_config(simple_config(tmp_path, extra))


def test_old_import_path_keeps_every_public_name() -> None:
    """`hypersweep.config` moved to the `hypersweep.cli.config` package; its names stay."""
    import hypersweep.config as old

    from hypersweep.cli import config as new
    from hypersweep.cli.defaults import DEFAULT_STORAGE

    assert old is new
    assert set(old.__all__) == {"DEFAULT_STORAGE", "ConfigError", "RunConfig", "import_objective",
                                "load_config", "parse_space", "pruner_for", "run_config",
                                "sampler_for"}  # fmt: skip
    assert all(hasattr(old, name) for name in old.__all__)
    assert old.DEFAULT_STORAGE is DEFAULT_STORAGE


def test_directions_and_objective_names_are_read_and_checked(tmp_path: Path) -> None:
    module = write_module(tmp_path)

    def config(extra: str) -> Path:
        path = tmp_path / f"c{uuid.uuid4().hex[:6]}.yaml"
        path.write_text(f"objective: {module}:objective\nspace: {{x: !float {{low: 0, high: 1}}}}\n"
                        + textwrap.dedent(extra))  # fmt: skip
        return path

    cfg = load_config(config("directions: [Maximize, minimize]\nobjective_names: [acc, lat]\n"))
    assert cfg.directions == ("maximize", "minimize") and cfg.objective_names == ("acc", "lat")
    assert cfg.sampler == "gp"  # the multi-objective default (log EHVI), not plain TPE
    assert load_config(config("")).directions is None
    for extra, match in [
        ("directions: maximize\n", "must be a list"),
        ("directions: [up, down]\n", "must be one of minimize, maximize"),
        ("directions: [maximize, minimize]\nobjective_names: [a]\n", "2 distinct names"),
        ("direction: maximize\ndirections: [maximize, minimize]\n", "not both"),
        ("objective_names: [a, b]\n", "goes with 'directions"),
    ]:
        with pytest.raises(ConfigError, match=match):
            load_config(config(extra))
