"""A population run: its lineage is complete and consistent, exploit copies only members
with a checkpoint, the best schedule replays, and bad input gets one clear error."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState, pbt
from hypersweep.pbt.population import Population, Settings

from .toy import SPACE, STATE, train


def run(tmp_path: Path, **kw: Any) -> pbt.Result:
    hs.set_verbosity(0)
    args: dict[str, Any] = dict(population=6, interval=2, total_steps=20, seed=3,
                                checkpoint_dir=tmp_path / "ckpt")  # fmt: skip
    return pbt.run(train, SPACE, **{**args, **kw})


def check_lineage(result: pbt.Result, population: int, n_intervals: int) -> None:
    """Every member reaches the last interval; each turn continues from the checkpoint of the
    turn (own, or the donor's) that its steps say it continues from."""
    steps = result.lineage
    by_key = {(s.member, s.turn): s for s in steps}
    assert len(by_key) == len(steps)  # no turn counted twice
    for m in range(population):
        own = sorted((s for s in steps if s.member == m), key=lambda s: s.turn)
        assert [s.turn for s in own] == list(range(len(own)))
        assert own[0].interval == 0 and own[0].parent is None
        assert own[-1].interval == n_intervals - 1
        for prev, cur in itertools.pairwise(own):
            source = by_key[(cur.parent, cur.parent_turn)] if cur.parent is not None else prev
            assert cur.interval == source.interval + 1
            assert cur.start_step == source.end_step
    trials = {t.number: t for t in result.study.trials}
    for s in steps:
        if s.parent is not None:  # the donor's turn was finished before this turn began
            donor = trials[by_key[(s.parent, s.parent_turn)].number]
            assert donor.finished is not None and donor.finished <= trials[s.number].started


@pytest.mark.parametrize("synchronous", [True, False])
def test_lineage_is_complete_and_consistent(tmp_path: Path, synchronous: bool) -> None:
    result = run(tmp_path, synchronous=synchronous)
    check_lineage(result, 6, 10)
    assert any(s.parent is not None for s in result.lineage)  # exploit happened
    # a copy inherits its donor's steps: asynchronous members may skip ahead
    assert result.steps_used == 6 * 20 if synchronous else 20 <= result.steps_used <= 6 * 20
    final = [s for s in result.lineage if s.interval == 9]
    assert result.best_score == max(s.score for s in final)
    assert (result.best_checkpoint / STATE).exists()


def test_pbt_beats_the_members_it_started_with(tmp_path: Path) -> None:
    """On the toy the score is the lr integrated over training: exploiting the largest lr
    and exploring upwards must beat keeping each member's first lr."""
    result = run(tmp_path, population=8, total_steps=30, quantile=0.25)
    first = {s.member: s.flat["lr"] for s in result.lineage if s.turn == 0}
    assert result.best_score > max(first.values()) * 30 * 1.05


def test_burn_in_delays_the_first_copy(tmp_path: Path) -> None:
    result = run(tmp_path, burn_in=10)
    copies = [s for s in result.lineage if s.parent is not None]
    assert copies and min(s.start_step for s in copies) >= 10


def test_a_synchronous_run_is_reproducible_with_its_seed(tmp_path: Path) -> None:
    a = run(tmp_path / "a")
    b = run(tmp_path / "b")
    key = lambda r: [(s.member, s.turn, s.parent, s.flat) for s in r.lineage]  # noqa: E731
    assert key(a) == key(b)


def test_exploit_never_copies_a_member_without_a_checkpoint() -> None:
    """Asynchronous: while some members have no finished turn, a laggard may only copy
    members that have one (and so a checkpoint)."""
    study = hs.create_study(space=SPACE, direction="maximize")
    settings = Settings(population=4, interval=1, total_steps=10, checkpoint_dir="/x",
                        quantile=0.5, synchronous=False)  # fmt: skip
    space = hs.Space(SPACE)
    for m, score in [(0, 5.0), (1, 1.0)]:  # members 2 and 3 have no checkpoint yet
        for turn in range(3):
            t = study.ask()
            attrs = {"member": m, "turn": turn, "interval": turn, "attempt": 0,
                     "save": settings.checkpoint(m, turn), "parent": None}  # fmt: skip
            study.tell(t, score + turn, system_attrs={"pbt": attrs})
    population = Population(study.trials, settings)
    for seed in range(30):
        plan = Population(study.trials, Settings(**{**settings.__dict__, "seed": seed})).plan(
            1, space
        )
        assert plan.parent in (None, 0)
        if plan.parent is not None:
            assert plan.restore == settings.checkpoint(0, plan.parent_turn or 0)
    assert population.plan(2, space).restore is None  # no turn yet: starts from scratch
    assert population.plan(0, space).parent is None  # the best never copies


def test_replay_reproduces_the_best_schedule(tmp_path: Path) -> None:
    result = run(tmp_path, explore="model")
    seen: list[Any] = []

    def recording(config: Any, interval: Any) -> float:
        seen.append((dict(config), interval.start_step, interval.steps))
        return train(config, interval)

    scores = pbt.replay(recording, result.schedule, checkpoint_dir=tmp_path / "replay")
    assert seen == [(s.params, s.start_step, s.steps) for s in result.schedule]
    assert scores[-1] == pytest.approx(result.best_score)  # the toy is deterministic
    state = json.loads((tmp_path / "replay" / f"turn-{len(seen) - 1:04d}" / STATE).read_text())
    assert state["configs"] == [s.params for s in result.schedule]


def test_model_explore_records_model_choices(tmp_path: Path) -> None:
    result = run(tmp_path, explore="model", population=8)
    how = {s.explored for s in result.lineage if s.parent is not None}
    assert "model" in how
    for s in result.lineage:
        assert hs.Space(SPACE).contains(s.params)


def test_resuming_with_other_settings_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run(tmp_path, storage=url, study_name="p", total_steps=4)
    with pytest.raises(ValueError, match=r"other settings \(\['quantile'\]\)"):
        run(tmp_path, storage=url, study_name="p", total_steps=4, quantile=0.5)
    again = run(tmp_path, storage=url, study_name="p", total_steps=4)  # nothing left to do
    assert len(again.study.trials) == 6 * 2


def train_without_saving(config: Any, interval: Any) -> float:
    return 1.0


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"population": 1}, "population must be an integer >= 2"),
        ({"quantile": 0.7}, r"quantile must be in \(0, 0.5\]"),
        ({"explore": "bayes"}, "explore must be one of"),
        ({"perturb": (0.8, -1)}, "positive factors"),
        ({"n_jobs": 2}, "must share a storage"),
        ({"interval": 0}, "interval must be an integer >= 1"),
    ],
)
def test_bad_arguments_say_what_to_do(tmp_path: Path, kw: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        run(tmp_path, **kw)


def test_a_train_that_saves_nothing_fails_with_a_clear_error(tmp_path: Path) -> None:
    hs.set_verbosity(0)
    with pytest.raises(Exception, match=r"saved nothing into the directory interval\.save"):
        pbt.run(train_without_saving, SPACE, population=2, interval=1, total_steps=3,
                checkpoint_dir=tmp_path)  # fmt: skip


def test_failed_turns_are_retried_then_the_member_is_given_up(tmp_path: Path) -> None:
    calls: list[int] = []

    def flaky(config: Any, interval: Any) -> float:
        calls.append(interval.member)
        if interval.member == 1 and interval.turn == 1:
            raise RuntimeError("member 1 diverged")
        return train(config, interval)

    hs.set_verbosity(0)
    result = pbt.run(flaky, SPACE, population=3, interval=1, total_steps=3, fail_fast=0,
                     checkpoint_dir=tmp_path)  # fmt: skip
    failed = result.study.get_trials([TrialState.FAIL])
    assert len(failed) == 3 and calls.count(1) == 4  # turn 0, then three attempts of turn 1
    assert {s.member for s in result.lineage if s.interval == 2} == {0, 2}


@pytest.mark.parametrize("synchronous", [True, False])
def test_keep_checkpoints_deletes_only_what_no_copy_needs(
    tmp_path: Path, synchronous: bool
) -> None:
    result = run(tmp_path, keep_checkpoints=2, synchronous=synchronous)
    check_lineage(result, 6, 10)  # every copy found its donor's checkpoint
    for member in (tmp_path / "ckpt").iterdir():
        kept = sorted(p.name for p in member.iterdir())
        newest = max(s.turn for s in result.lineage if s.member == int(member.name[-3:]))
        assert kept == [f"turn-{t:04d}" for t in (newest - 1, newest)]
    with pytest.raises(ValueError, match="keep_checkpoints must be an integer >= 2"):
        run(tmp_path / "b", keep_checkpoints=1)
