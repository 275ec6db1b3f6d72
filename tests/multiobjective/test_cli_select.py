"""hypersweep best --knee / --weights / --best --where, as typed on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.cli import main


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mo.db'}"
    study = hs.create_study("mo", storage=url, directions=["maximize", "minimize"],
                            objective_names=["acc", "lat"], sampler="random", seed=0,
                            space={"x": hs.Float(0, 1)})  # fmt: skip
    study.optimize(lambda p: (p["x"], 10 * p["x"] ** 2), n_trials=30)
    return url


def best(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["best", "mo", "--storage", url, *args]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_each_selection_flag_picks_from_the_front(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    study = hs.load_study("mo", storage=url)
    front = {t.number for t in study.best_trials}
    knee = best(url, capsys, "--knee")
    assert knee["number"] in front
    assert knee["number"] == study.select_trial().number
    bounded = best(url, capsys, "--best", "acc", "--where", "lat<=2")
    allowed = [t for t in study.trials if t.values and t.values[1] <= 2]
    assert bounded["number"] == max(allowed, key=lambda t: t.values[0]).number  # type: ignore[index]
    heavy = best(url, capsys, "--weights", "acc=1,lat=0.01")
    light = best(url, capsys, "--weights", "acc=0.01,lat=1")
    assert heavy["values"]["acc"] > light["values"]["acc"]  # type: ignore[index]


def test_two_selections_at_once_are_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["best", "mo", "--storage", url, "--knee", "--weights", "acc=1,lat=1"]) != 0
    assert "give one of" in capsys.readouterr().err


def test_stability_on_several_objectives_is_one_clear_error(url: str) -> None:
    study = hs.load_study("mo", storage=url)
    with pytest.raises(ValueError, match="select_trial"):
        study.stability(lambda p: (p["x"], p["x"]), top=2, seeds=2)
