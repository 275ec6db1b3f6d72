"""The live dashboard's server: JSON endpoints, incremental updates, read-only, loopback only."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import hypersweep as hs
from hypersweep.report import Dashboard, serve
from tests.test_report import mixed_study

pytest.importorskip("plotly")

NAME = "mixed <b>&"


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(url: str) -> Any:
    status, headers, body = get(url)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def api(board: Dashboard, name: str, tail: str = "") -> str:
    return f"{board.url}api/studies/{quote(name, safe='')}{tail}"


@pytest.fixture
def url(tmp_path: Path) -> str:
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    mixed_study(storage, NAME)
    return storage


@pytest.fixture
def board(url: str) -> Iterator[Dashboard]:
    with serve(url, port=0).start() as running:
        yield running


def test_binds_loopback_by_default(board: Dashboard) -> None:
    assert board.host == "127.0.0.1" and board.port > 0
    assert board.url == f"http://127.0.0.1:{board.port}/"


def test_lists_the_studies(board: Dashboard, url: str) -> None:
    hs.create_study(name="empty", storage=url, space={"x": hs.Float(0, 1)})
    data = get_json(f"{board.url}api/studies")
    assert [s["name"] for s in data["studies"]] == [NAME, "empty"]
    mixed = data["studies"][0]
    assert mixed["n_trials"] == 15 and mixed["direction"] == "minimize"
    assert mixed["counts"] == {"WAITING": 0, "RUNNING": 0, "COMPLETE": 9, "PRUNED": 3, "FAIL": 3}
    assert mixed["best_value"] == hs.load_study(NAME, storage=url).best_value
    assert data["studies"][1]["n_trials"] == 0 and data["studies"][1]["best_value"] is None


def test_study_state_follows_new_trials(board: Dashboard, url: str) -> None:
    first = get_json(api(board, NAME))
    assert first["changed"] is True
    rows = first["table"]["rows"]
    assert [r[0][1] for r in rows] == list(range(15))
    assert [r[1][0] for r in rows].count("PRUNED") == 3
    assert first["best"]["user_attrs"]["note"].startswith("<script>")  # raw data: JSON, not HTML
    same = get_json(api(board, NAME, f"?since={first['token']}"))
    assert same == {"token": first["token"], "changed": False}  # nothing new: nothing sent

    study = hs.load_study(NAME, storage=url)
    trial = study.ask()
    running = get_json(api(board, NAME, f"?since={first['token']}"))
    assert running["changed"] and running["table"]["rows"][-1][1][0] == "RUNNING"
    study.tell(trial, -1.0)
    done = get_json(api(board, NAME, f"?since={running['token']}"))
    last = done["table"]["rows"][-1]
    assert done["changed"] and last[:3] == [["15", 15], ["COMPLETE", "COMPLETE"], ["-1", -1.0]]
    assert done["summary"]["best_number"] == 15 and done["best"]["value"] == -1.0


def test_figures_match_the_visualization_and_are_redrawn_only_on_change(
    board: Dashboard, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plotly.graph_objects as go

    payload = get_json(api(board, NAME, "/figures"))
    study = hs.load_study(NAME, storage=url)
    titles = list(hs.visualization.figures(study))
    assert [f["title"] for f in payload["figures"]] == titles  # the forest's plots: places
    pending = [f["title"] for f in payload["figures"] if f.get("pending")]
    assert pending == ["Parameter importance", "Contour of a pair"] and payload["later"]
    drawn = [f for f in payload["figures"] if not f.get("pending")]
    assert payload["error"] is None and all(f["figure"]["data"] for f in drawn)
    later = get_json(api(board, NAME, "/figures?part=later"))
    assert [f["title"] for f in later["figures"]] == pending and later["later"] is False
    assert all(f["figure"]["data"] for f in later["figures"]) and later["error"] is None

    calls: list[int] = []

    def counted(_: Any) -> list[tuple[str, Any]]:
        calls.append(1)
        return [("tiny", lambda: go.Figure(go.Scatter(x=[0], y=[0])))]

    monkeypatch.setattr("hypersweep.visualization.plan", counted)
    assert get_json(api(board, NAME, "/figures")) == payload and calls == []  # cached
    study.tell(study.ask(), 0.0)
    redrawn = get_json(api(board, NAME, "/figures"))
    assert calls == [1] and [f["title"] for f in redrawn["figures"]] == ["tiny"]
    assert redrawn["token"] != payload["token"]


def test_pages_and_static_files(board: Dashboard) -> None:
    status, headers, body = get(board.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert b'data-page="index"' in body
    status, headers, body = get(f"{board.url}study/{quote(NAME, safe='')}")
    assert status == 200
    assert b'data-study="mixed &lt;b&gt;&amp;"' in body and b"<b>&" not in body  # escaped
    assert b"<script>" not in body  # scripts come from /static, which the CSP allows
    status, headers, body = get(f"{board.url}static/plotly.min.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert len(body) > 1_000_000
    status, _, body = get(f"{board.url}static/hypersweep.js")
    assert status == 200 and b"hs.followStudy" in body


def test_unknown_study_and_page_are_404(board: Dashboard) -> None:
    for path in ("api/studies/nope", "api/studies/nope/figures", "study/nope", "nothing/here"):
        status, headers, _ = get(board.url + path)
        assert status == 404, path
        assert headers["Content-Type"] == "application/json"
    assert "no study named 'nope'" in json.loads(get(board.url + "study/nope")[2])["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_read_only_every_write_method_is_405(board: Dashboard, url: str, method: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", board.port, timeout=30)
    conn.request(method, f"/api/studies/{quote(NAME, safe='')}", body=b"{}")
    response = conn.getresponse()
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"
    assert "read-only" in json.loads(response.read())["error"]
    conn.close()
    assert len(hs.load_study(NAME, storage=url).trials) == 15  # nothing changed


def test_other_host_names_are_refused(board: Dashboard) -> None:
    """A page on another site cannot read the studies through DNS rebinding."""
    status, _, body = get(f"{board.url}api/studies", Host="evil.example:8080")
    assert status == 403 and b"127.0.0.1" in body
    assert get(f"{board.url}api/studies", Host=f"localhost:{board.port}")[0] == 200


def test_a_deleted_study_disappears(board: Dashboard, url: str) -> None:
    assert get_json(api(board, NAME))["changed"]
    hs.delete_study(NAME, storage=url)
    assert get_json(f"{board.url}api/studies")["studies"] == []
    assert get(api(board, NAME))[0] == 404


def test_bad_arguments(url: str) -> None:
    with pytest.raises(ValueError, match=r"port must be an integer in 0\.\.65535"):
        serve(url, port=70000)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="choose another --port"):
            serve(url, port=taken.getsockname()[1])


def test_stop_frees_the_port(url: str) -> None:
    board = serve(url, port=0).start()
    port = board.port
    assert get(board.url)[0] == 200
    board.stop()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))  # the server really let go of it


def test_cli_dashboard_serves_until_ctrl_c(url: str) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hypersweep", "dashboard", "--storage", url, "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        data = get_json(f"{found.group(0)}api/studies")
        assert [s["name"] for s in data["studies"]] == [NAME]
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[1]
        assert proc.returncode == 0
        assert "stopped" in rest and "Traceback" not in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_dashboard_refuses_a_missing_database(tmp_path: Path) -> None:
    from hypersweep.cli import main

    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["dashboard", "--storage", missing, "--port", "0"]) == 2
    assert not (tmp_path / "none.db").exists()


def test_storage_passwords_are_not_shown() -> None:
    from hypersweep.report.dashboard import _masked

    assert _masked("postgresql://me:s3cret@db/hpo") == "postgresql://me:***@db/hpo"
    assert _masked("sqlite:///x.db") == "sqlite:///x.db"


def test_time_to_answer_a_poll(board: Dashboard) -> None:
    """A poll with nothing new is cheap: it reads only what changed in storage."""
    token = get_json(api(board, NAME))["token"]
    start = time.perf_counter()
    for _ in range(20):
        get_json(api(board, NAME, f"?since={token}"))
    assert (time.perf_counter() - start) / 20 < 0.25


def test_idle_connections_neither_pile_up_threads_nor_stay_open(url: str) -> None:
    """100 connections that never send a request: a bounded number of threads serve them,
    the rest are refused at once, all are closed after the (short) request timeout, and
    the dashboard answers a normal request right after."""
    before = threading.active_count()
    with serve(url, port=0, request_timeout=0.5, max_connections=8).start() as running:
        port = running.port
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(100)]
        try:
            time.sleep(0.3)  # let the server accept them all
            assert threading.active_count() <= before + 1 + 8 + 2  # server, slots, slack
            for sock in idle:  # each is closed by the server: read until EOF
                sock.settimeout(5)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and sock.recv(4096):
                    pass
                assert sock.recv(1) == b""
            assert get_json(running.url + "api/studies")["studies"]  # slots are free again
        finally:
            for sock in idle:
                sock.close()
    assert threading.active_count() <= before + 2


def test_a_request_is_served_while_slots_are_taken_by_idle_connections(url: str) -> None:
    """Connections over the bound get 503 at once, not a thread; a request waits for none."""
    with serve(url, port=0, request_timeout=30, max_connections=4).start() as running:
        idle = [socket.create_connection(("127.0.0.1", running.port), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.2)
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(running.url, timeout=5)
            assert info.value.code == 503
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 5  # closing them frees the slots
        status, _, _ = get(running.url)
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
            status, _, _ = get(running.url)
        assert status == 200


def test_bad_connection_limits_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="request_timeout"):
        serve(url, port=0, request_timeout=0)
    with pytest.raises(ValueError, match="max_connections"):
        serve(url, port=0, max_connections=0)
