"""Large studies: the report and the dashboard sample what a plot cannot show, say so,
and the dashboard pages its trial table."""

from __future__ import annotations

import html
import json
import re
import urllib.request
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.report import render_report, serve

pytest.importorskip("plotly")

N = 2600  # above the 2,000 trials a plot draws and a report lists


def large_study(storage: Any = None) -> hs.Study:
    space = {"x": hs.Float(-1, 1), "k": hs.Int(1, 9), "opt": hs.Categorical(["a", "b", "c"])}
    study = hs.create_study(name="large", storage=storage, space=space, sampler="random", seed=0)
    for _ in range(N):
        trial = study.ask(refresh=False)
        p = trial.params
        study.tell(trial, p["x"] ** 2 + 0.1 * p["k"] + (p["opt"] == "b"))
    return study


@pytest.fixture(scope="module")
def study() -> hs.Study:
    return large_study()


def test_report_of_a_large_study_samples_and_says_so(study: hs.Study) -> None:
    page = render_report(study)
    assert "The plots draw 2,000 of the 2,600 trials" in page
    assert f"Listing 2,000 of the {N:,} trials" in page
    assert len(re.findall(r"<tr class=", page)) == 2000
    assert page.count('<tr class="state-COMPLETE best">') == 1  # the best trial is listed
    figures = re.findall(r'class="figure-data"[^>]*>(.*?)</script>', page, flags=re.S)
    history = json.loads(figures[0])
    assert len(history["data"][0]["x"]) == 2000  # markers: the sample
    assert min(history["data"][1]["y"]) == pytest.approx(study.best_value)  # best line exact


def test_small_studies_are_not_sampled() -> None:
    small = hs.create_study(space={"x": hs.Float(0, 1)}, sampler="random", seed=0)
    small.optimize(lambda p: p["x"], 10, show_progress=False)
    page = render_report(small)
    assert "The plots draw" not in page and "Listing" not in page


def test_dashboard_pages_its_trial_table(study: hs.Study) -> None:
    with serve(study.storage, port=0).start() as board:
        base = f"{board.url}api/studies/large"
        with urllib.request.urlopen(base) as response:
            last = json.load(response)["table"]
        assert last["total"] == N and last["pages"] == 6 and last["page"] == 5
        assert [r[0][1] for r in last["rows"]] == list(range(2500, N))
        with urllib.request.urlopen(base + "?page=1&page_size=100") as response:
            second = json.load(response)["table"]
        assert [r[0][1] for r in second["rows"]] == list(range(100, 200))
        assert second["columns"] == last["columns"]
        with urllib.request.urlopen(base + "/figures") as response:
            assert "2,000 of the 2,600 trials" in json.load(response)["sampled"]


def counted(study: hs.Study) -> tuple[hs.Study, Any]:
    """The same study through a storage that counts its calls."""
    from .storage.forwarding import Counting

    storage = Counting(study.storage)
    return hs.load_study(study.name, storage=storage), storage


def test_a_large_report_reads_no_trial_it_does_not_show(study: hs.Study) -> None:
    """Briefs once, whole trials only for the plots' sample, the listed rows and the best:
    the full read of every trial (read_trials) never happens."""
    loaded, storage = counted(study)
    page = render_report(loaded)
    assert storage.calls["read_trials"] == 0 and storage.calls["read_briefs"] == 1, storage.calls
    best = study.best_trial
    assert f"Trial #{best.number} with value" in page
    assert page.count('<tr class="state-COMPLETE best">') == 1
    assert "The plots draw 2,000 of the 2,600 trials" in page


def test_a_large_dashboard_reads_no_trial_it_does_not_show(study: hs.Study) -> None:
    _, storage = counted(study)
    with serve(storage, port=0).start() as board:
        base = f"{board.url}api/studies/large"
        for path in ("", "?page=2&page_size=50", "/figures"):
            with urllib.request.urlopen(base + path) as response:
                answer = json.load(response)
        with urllib.request.urlopen(f"{board.url}api/studies") as response:
            (listed,) = json.load(response)["studies"]
    assert storage.calls["read_trials"] == 0, storage.calls
    assert listed["best_number"] == study.best_trial.number and listed["n_trials"] == N
    assert "2,000 of the 2,600 trials" in answer["sampled"]


def get(url: str) -> Any:
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def test_the_large_dashboard_state_matches_the_small_one(study: hs.Study) -> None:
    """Summary, best trial and a page read light equal what the full read gives."""
    from hypersweep.report import _data

    trials = study.trials
    with serve(study.storage, port=0).start() as board:
        light = get(f"{board.url}api/studies/large?page=3&page_size=70")
    assert light["token"].startswith("seq-")
    assert light["summary"] == json.loads(json.dumps(_data.summary(study, trials)))
    assert light["best"] == json.loads(json.dumps(_data.best_record(study, trials)))
    full = _data.page(study, trials, 3, 70)
    assert light["table"]["rows"] == json.loads(json.dumps(full["rows"]))


def test_hypersweep_report_reads_no_trial_it_does_not_show(
    study: hs.Study, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command too: its closing line counts the trials without reading them."""
    from hypersweep.cli import main, view_commands

    _, storage = counted(study)
    monkeypatch.setattr(view_commands, "open_storage", lambda url: storage)
    monkeypatch.setattr(storage, "close", lambda: None)  # the module's study lives on
    out = tmp_path / "r.html"
    assert main(["report", "large", "--storage", "sqlite:///unused.db", "-o", str(out)]) == 0
    assert storage.calls["read_trials"] == 0, storage.calls
    assert f"Listing 2,000 of the {N:,} trials" in out.read_text(encoding="utf-8")


def figures_of(page: str) -> dict[str, Any]:
    """Title -> (note under it or None, figure JSON) of every plot card of a report."""
    cards = re.findall(
        r'<figure class="plot-card"><h3>(.*?)</h3>(?:<p class="note plot-note">(.*?)</p>)?'
        r'.*?class="figure-data"[^>]*>(.*?)</script>', page, flags=re.S)  # fmt: skip
    return {html.unescape(t): (html.unescape(n) if n else None, json.loads(f)) for t, n, f in cards}


def test_each_plot_says_whether_it_shows_a_sample_or_an_aggregate(study: hs.Study) -> None:
    shown = figures_of(render_report(study))
    done = [t for t in study.trials if t.state is hs.TrialState.COMPLETE]
    assert shown["Parameters by trial"][0] == f"A sample of 2,000 of {N:,} trials."
    assert shown["Optimisation history"][0].startswith(f"Markers: a sample of 2,000 of {N:,}")
    assert shown["Parameter importance"][0] == (
        f"Learnt from an even spread of 500 of the {len(done):,} COMPLETE trials."
    )
    assert shown["Distribution of results"][0] == (
        f"Aggregate: every one of the {len(done):,} COMPLETE trials' values."
    )


def test_the_distribution_of_results_counts_every_trial_not_the_sample(study: hs.Study) -> None:
    """The sample holds the best 200 and every new best: an ECDF of it would lean low."""
    import numpy as np

    (_, ecdf) = figures_of(render_report(study))["Distribution of results"]
    values = np.sort([t.value for t in study.trials if t.state is hs.TrialState.COMPLETE])
    xs, ys = ecdf["data"][0]["x"], ecdf["data"][0]["y"]
    assert len(xs) <= 2000 and ys[-1] == 1.0 and xs[0] == values[0] and xs[-1] == values[-1]
    at = [int(round(y * len(values))) - 1 for y in ys]  # the rank each point stands for
    assert np.allclose(xs, values[at])
    median = xs[int(np.searchsorted(ys, 0.5))]
    assert median == pytest.approx(np.median(values), rel=0.01)


def test_importance_of_a_large_study_ranks_the_known_effects(study: hs.Study) -> None:
    """value = x^2 + 0.1 k + [opt == "b"]: variances 0.22 (opt), 0.09 (x), 0.07 (k)."""
    (_, bars) = figures_of(render_report(study))["Parameter importance"]
    names, shares = bars["data"][0]["y"], bars["data"][0]["x"]
    ranked = [n for _, n in sorted(zip(shares, names), reverse=True)]
    assert ranked == ["opt", "x", "k"]


def test_the_dashboard_draws_its_first_figures_without_the_forest(
    study: hs.Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importance and the contour (a random forest, scikit-learn's import) come in a second
    request; the first holds their places and every other plot."""
    import hypersweep.importance

    def no_forest(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the first figures fitted a forest")

    with serve(study.storage, port=0).start() as board:
        base = f"{board.url}api/studies/large/figures"
        monkeypatch.setattr(hypersweep.importance, "importance", no_forest)
        first = get(base)
        monkeypatch.undo()
        later = get(base + "?part=later")
    assert first["error"] is None and first["later"] is True
    pending = [f["title"] for f in first["figures"] if f.get("pending")]
    assert pending == ["Parameter importance", "Contour of a pair"]
    assert [f["title"] for f in later["figures"]] == pending and later["error"] is None
    notes = {f["title"]: f.get("note") for f in first["figures"] + later["figures"]}
    assert notes["Parameters by trial"] == f"A sample of 2,000 of {N:,} trials."
    assert notes["Parameter importance"].startswith("Learnt from an even spread of 500")
