"""study.stability: was the best run a lucky seed? Built-in luck is flagged, a real lead holds."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypersweep.seeding import derive_seed
from hypersweep.stability import fresh_seeds, one_sided_p

import hypersweep as hs
from hypersweep import Direction

KINDS = {"kind": hs.Categorical(["a", "b", "c", "d", "e"])}


def noise(params: dict[str, Any], trial: hs.Trial, sd: float) -> float:
    """Gaussian noise drawn from the seed; each configuration reacts to a seed its own way
    (as networks of different shapes do), so common seeds do not cancel the noise."""
    return random.Random(f"{trial.seed}:{params['kind']}").gauss(0.0, sd)


def equal_configs(params: dict[str, Any], trial: hs.Trial) -> float:
    """Five configurations with the same true accuracy: any lead is seed noise."""
    return 0.80 + noise(params, trial, 0.05)


def one_real_leader(params: dict[str, Any], trial: hs.Trial) -> float:
    """Configuration "c" is truly better by 0.2 (four noise standard deviations)."""
    return (1.0 if params["kind"] == "c" else 0.8) + noise(params, trial, 0.05)


def searched(objective: Any, seed: int, storage: str | None = None) -> hs.Study:
    study = hs.create_study(storage=storage, space=KINDS, sampler="grid", seed=seed,
                            direction="maximize")  # fmt: skip
    study.optimize(objective, 5)
    return study


def test_a_lead_within_seed_noise_is_flagged() -> None:
    verdicts, drops = [], []
    for seed in range(20):
        study = searched(equal_configs, seed)
        report = study.stability(equal_configs, top=3, seeds=10)
        verdicts.append(report.verdict)
        best = next(c for c in report.configs if c.original_rank == 1)
        drops.append(best.original - best.mean)  # the search's best was the luckiest draw
    assert verdicts.count("noise") >= 16, verdicts
    assert sum(drops) / len(drops) > 0.03  # max of 5 draws of sd 0.05 is ~0.058 above the mean
    report = searched(equal_configs, 0).stability(equal_configs, top=3, seeds=10)
    if report.verdict == "noise":
        assert not report.lead_holds and report.p_value >= 0.05
        assert report.message.startswith("within seed noise")
        assert "the best run was probably a lucky seed" in report.message


@pytest.mark.parametrize("test", ["welch", "paired", "mannwhitney"])
def test_a_real_lead_holds(test: str) -> None:
    for seed in range(5):
        study = searched(one_real_leader, seed)
        assert study.best_params["kind"] == "c"
        report = study.stability(one_real_leader, top=3, seeds=8, test=test)
        assert report.verdict == "holds" and report.lead_holds, str(report)
        assert report.leader.number == study.best_trial.number
        assert report.leader.rank == report.leader.original_rank == 1
        assert report.p_value < 0.01
        assert report.leader.mean == pytest.approx(1.0, abs=0.06)
        assert report.message.startswith("lead holds")


def test_a_lucky_search_winner_is_overtaken() -> None:
    """"a" scores 2.0 only on the seed the search gave it, 0.5 on every other; "b" is a
    solid 0.8. The search crowns "a"; on fresh seeds "b" leads, significantly."""
    search_seeds: set[int] = set()

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        if params["kind"] == "b":
            return 0.8 + noise(params, trial, 0.02)
        if not search_seeds or trial.seed in search_seeds:
            search_seeds.add(trial.seed)
            return 2.0
        return 0.5 + noise(params, trial, 0.02)

    study = hs.create_study(space={"kind": hs.Categorical(["a", "b"])}, sampler="grid", seed=1,
                            direction="maximize")  # fmt: skip
    study.optimize(objective, 2)
    assert study.best_params["kind"] == "a"
    report = study.stability(objective, top=2, seeds=6)
    assert report.verdict == "changed" and not report.lead_holds
    assert report.leader.params == {"kind": "b"} and report.runner_up.original_rank == 1
    assert report.runner_up.values == pytest.approx([0.5] * 6, abs=0.1)
    assert "ranking changed" in report.message and "lucky seed" in report.message


def test_runs_are_recorded_apart_from_the_trials_on_fresh_seeds(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'st.db'}"
    study = hs.create_study("s", storage=db, space=KINDS, sampler="grid", seed=2,
                            direction="maximize", repeats=2)  # fmt: skip
    study.optimize(one_real_leader, 5)
    trials_before = study.trials
    first = study.stability(one_real_leader, top=2, seeds=4)
    second = study.stability(one_real_leader, top=2, seeds=4)
    used = {s for t in trials_before for s in t.system_attrs["repeats"]["seeds"]}
    assert used == {derive_seed(2, n, r) for n in range(5) for r in range(2)}
    assert not (set(first.seeds) | set(second.seeds)) & used
    assert not set(first.seeds) & set(second.seeds) and len(set(first.seeds)) == 4
    loaded = hs.load_study("s", storage=db)
    assert loaded.trials == trials_before  # nothing added or changed, no budget used
    runs = loaded.system_attrs["stability"]
    assert [r["seeds"] for r in runs] == [list(first.seeds), list(second.seeds)]
    assert runs[0]["configs"][0]["values"] == list(first.leader.values)
    assert runs[0]["verdict"] == first.verdict
    loaded.optimize(one_real_leader, 5)  # the budget is still full: nothing runs
    assert len(loaded.trials) == 5
    third = loaded.stability(one_real_leader, top=2, seeds=3)  # another process: still fresh
    assert not set(third.seeds) & (set(first.seeds) | set(second.seeds) | used)


def test_define_by_run_objectives_replay_their_values_and_store_no_reports() -> None:
    seen: list[tuple[float, int]] = []

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        noise = random.Random(trial.seed).gauss(0.0, 0.01)
        trial.report(x + noise, 0)
        assert not trial.should_prune()
        seen.append((x, trial.seed))
        return x + noise

    study = hs.create_study(seed=0, pruner=hs.pruners.Threshold(upper=10.0))
    study.optimize(objective, 6)
    before = study.trials
    seen.clear()
    report = study.stability(objective, top=3, seeds=5)
    leaders = sorted(before, key=lambda t: t.value or 0.0)[:3]
    assert {x for x, _ in seen} == {t.params["x"] for t in leaders}
    assert {s for _, s in seen} == set(report.seeds)
    assert study.trials == before
    assert report.verdict == "holds"  # x values differ by far more than the 0.01 noise


def test_report_table_and_dict() -> None:
    study = searched(one_real_leader, 3)
    report = study.stability(one_real_leader, top=3, seeds=5)
    text = str(report)
    lines = text.splitlines()
    assert "top 3 configurations re-run over 5 fresh seeds" in lines[0]
    assert lines[2].split()[:6] == ["rank", "was", "trial", "search", "value", "fresh"]
    assert len([ln for ln in lines if ln.strip().startswith(("1 ", "2 ", "3 "))]) == 3
    assert f"#{report.leader.number}" in lines[3] and "{'kind': 'c'}" in lines[3]
    assert "Welch's t-test, one-sided" in text and text.endswith(report.message)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["verdict"] == "holds" and data["direction"] == "maximize"
    assert [c["rank"] for c in data["configs"]] == [1, 2, 3]
    assert len(data["configs"][0]["values"]) == 5 and data["seeds"] == list(report.seeds)


def test_one_sided_p_follows_the_direction() -> None:
    high, low = [1.0, 1.1, 0.9, 1.05], [0.5, 0.6, 0.4, 0.55]
    for test in ("welch", "paired", "mannwhitney"):
        assert one_sided_p(test, high, low, Direction.MAXIMIZE) < 0.05
        assert one_sided_p(test, high, low, Direction.MINIMIZE) > 0.95
        assert one_sided_p(test, low, high, Direction.MINIMIZE) < 0.05
    # no spread: scipy gives NaN, the means decide
    assert one_sided_p("welch", [1.0, 1.0], [0.0, 0.0], Direction.MAXIMIZE) == 0.0
    assert one_sided_p("welch", [1.0, 1.0], [1.0, 1.0], Direction.MAXIMIZE) == 1.0


def test_fresh_seeds_avoid_every_seed_used_before() -> None:
    study = searched(equal_configs, 4)
    seeds = fresh_seeds(study, 50)
    assert len(set(seeds)) == 50
    assert not set(seeds) & {t.system_attrs["seed"] for t in study.trials}
    assert fresh_seeds(study, 50) == seeds  # derived, not random: the same until recorded


def test_bad_input_is_refused() -> None:
    study = searched(equal_configs, 0)
    with pytest.raises(ValueError, match="top must be an integer >= 2, but got 1"):
        study.stability(equal_configs, top=1)
    with pytest.raises(ValueError, match="seeds must be an integer >= 2"):
        study.stability(equal_configs, seeds=1)
    with pytest.raises(ValueError, match=r"alpha must be a number in \(0, 1\)"):
        study.stability(equal_configs, alpha=1.5)
    with pytest.raises(ValueError, match="test must be one of"):
        study.stability(equal_configs, test="ttest")
    lone = hs.create_study(space=KINDS, sampler="grid", seed=0)
    lone.optimize(equal_configs, 1)
    with pytest.raises(ValueError, match=r"has 1 COMPLETE one.*run more trials first"):
        lone.stability(equal_configs)

    def broken(params: dict[str, Any], trial: hs.Trial) -> float:
        raise RuntimeError("no GPU")

    with pytest.raises(RuntimeError, match="no GPU") as info:
        study.stability(broken, top=2, seeds=2)
    assert "stability re-run of trial" in "".join(getattr(info.value, "__notes__", []))
    assert "stability" not in study.system_attrs  # nothing recorded for a failed call


def test_the_method_and_the_function_are_one_and_take_top_seeds_alpha_by_position() -> None:
    from hypersweep.study.stability import stability

    assert hs.Study.stability is stability
    study = searched(one_real_leader, 0)
    by_position = study.stability(one_real_leader, 2, 3, 0.05, test="paired")
    assert (len(by_position.configs), len(by_position.seeds)) == (2, 3)
    assert stability(study, one_real_leader, top=2, seeds=3).configs[0].params == {"kind": "c"}
