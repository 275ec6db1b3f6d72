"""A live, read-only web page over a storage: every study, its plots and trials.

Standard library only (``http.server``): the pages are static shells whose
script polls JSON every two seconds; the server re-reads each study
incrementally (``study.trials`` fetches only what changed) and redraws the
figures only when a trial appeared, reported or finished.

Safety: it binds 127.0.0.1 unless told otherwise, answers only
GET and HEAD (anything else is 405: there is no write action at all), refuses
requests whose Host header is not a loopback name while bound to loopback (so
a web page elsewhere cannot read it through DNS rebinding), and serves its
pages with a Content-Security-Policy that runs only its own scripts.

Bounded: a connection that sends nothing (or stalls) is closed after
``request_timeout`` seconds, and at most ``max_connections`` are served at once,
each on its own thread; one more is answered "503 busy" and closed at once, so
idle or half-open connections can neither pile up threads nor starve the pages.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .._checks import int_at_least, number_above
from .._json import jsonable
from ..exceptions import StudyNotFound
from . import _assets, _data
from ._figures import figure_json, plotly_js
from ._pages import index_page, study_page

if TYPE_CHECKING:
    from ..storage import Storage
    from ..storage.base import Briefs
    from ..study import Study
    from ..trial import FrozenTrial

LOOPBACK = ("127.0.0.1", "localhost", "::1")
LARGE = 2000  # above this many trials, polls read briefs and pages, never every trial
REQUEST_TIMEOUT = 10.0  # seconds a connection may stay silent (or a send may stall)
MAX_CONNECTIONS = 32  # connections served at once; each holds one thread
STORAGE_THREADS = 2  # threads that read the storage for all of them
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 38\r\nConnection: close\r\n\r\ndashboard busy: too many connections\r\n"
)
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'none'"
)


class _Watched:
    """One study the dashboard follows, with the figures drawn for its last state.

    Up to ``LARGE`` trials it reads the study incrementally (``study.trials``); above,
    every poll reads the storage's briefs (number, state, value of each trial: no
    parameters to decode), and whole trials only for the page shown and the best one.
    """

    def __init__(self, study: Study) -> None:
        self.study = study
        self.lock = threading.Lock()
        self.drawn: dict[str, tuple[str, dict[str, Any]]] = {}  # part -> (token, payload)

    def _briefs(self) -> Briefs:
        return self.study.storage.read_briefs(self.study.record.study_id)

    def _token(self, briefs: Briefs) -> tuple[str, list[FrozenTrial] | None]:
        """A token that changes with the study, and its trials when it is small."""
        if len(briefs.trials) > LARGE:
            return f"seq-{briefs.cursor}", None
        trials = self.study.trials
        return _data.fingerprint(trials), trials

    def state(self, since: str | None, page: int | None = None, size: int | None = None
              ) -> dict[str, Any]:  # fmt: skip
        """Summary, best trial and one page of the trial table (None: the last page)."""
        with self.lock:
            briefs = self._briefs()
            token, trials = self._token(briefs)
            if since == token:
                return {"token": token, "changed": False}
            size = size or _data.PAGE_SIZE
            if trials is not None:
                return {
                    "token": token,
                    "changed": True,
                    "summary": _data.summary(self.study, trials),
                    "best": _data.best_record(self.study, trials),
                    "table": _data.page(self.study, trials, page, size),
                }
            return {
                "token": token,
                "changed": True,
                "summary": _data.summary(self.study, briefs.trials),
                "best": _data.record_of(_data.best_read(self.study, briefs.trials)),
                "table": _data.light_page(self.study, len(briefs.trials), page, size),
            }

    def figures(self, part: str = "first") -> dict[str, Any]:
        """The figures of the study's last state: ``"first"`` all but the ranking plots
        (their places marked pending), ``"later"`` only those, each drawn once per state."""
        with self.lock:
            briefs = self._briefs()
            token, trials = self._token(briefs)
            drawn = self.drawn.get(part)
            if drawn is None or drawn[0] != token:
                # a large study: the briefs just read choose the sample (no second read)
                figures, error, sampled = figure_json(
                    self.study, part, briefs.trials if trials is None else None
                )
                later = any(item.get("pending") for item in figures)
                payload = {"token": token, "figures": figures, "error": error,
                           "sampled": sampled, "later": later}  # fmt: skip
                self.drawn[part] = drawn = (token, payload)
            return drawn[1]


class _Studies:
    """The studies of one storage, loaded once each and then read incrementally."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._lock = threading.Lock()
        self._watched: dict[str, _Watched] = {}

    def names(self) -> list[str]:
        from ..study.factory import list_studies

        names = list_studies(self.storage)
        with self._lock:
            for gone in set(self._watched) - set(names):
                del self._watched[gone]  # deleted since: forget it
        return names

    def get(self, name: str) -> _Watched:
        """The study called ``name``; raises StudyNotFound when there is none."""
        from ..study.factory import load_study

        with self._lock:
            watched = self._watched.get(name)
        if watched is None:
            # the page never asks for a trial: the random sampler spares TPE's imports (scipy)
            watched = _Watched(load_study(name, storage=self.storage, sampler="random"))
            with self._lock:
                watched = self._watched.setdefault(name, watched)
        return watched

    def index(self) -> list[dict[str, Any]]:
        out = []
        for name in self.names():
            try:
                watched = self.get(name)
            except StudyNotFound:
                continue  # deleted between the listing and the load
            study = watched.study  # the briefs are enough: no trial is read whole
            briefs = study.storage.read_briefs(study.record.study_id)
            out.append(_data.summary(study, briefs.trials))
        return out


class _Handler(BaseHTTPRequestHandler):
    """Routes GET requests; every other method gets 405."""

    server: _Server
    server_version = "hypersweep-dashboard"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.request_timeout)  # silent or stalled: closed

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # --- methods -------------------------------------------------------------------
    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _refuse(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _json({"error": f"{self.command} is not allowed: the dashboard is read-only"}),
            "application/json",
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = _refuse

    # --- routing -------------------------------------------------------------------
    def _answer(self, head: bool) -> None:
        if not self._host_allowed():
            body = _json({"error": "this dashboard only answers requests for 127.0.0.1/localhost"})
            self._send(HTTPStatus.FORBIDDEN, body, "application/json", head=head)
            return
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        query = parse_qs(url.query)
        try:
            status, body, ctype = self.server.work.submit(self._route, parts, query).result()
        except StudyNotFound as exc:
            status, body, ctype = HTTPStatus.NOT_FOUND, _json({"error": str(exc)}), _JSON
        except Exception as exc:  # a broken study must not kill the server; say what happened
            message = f"{type(exc).__name__}: {exc}"
            status, body, ctype = HTTPStatus.INTERNAL_SERVER_ERROR, _json({"error": message}), _JSON
        self._send(status, body, ctype, head=head)

    def _route(self, parts: list[str], query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        studies, label = self.server.studies, self.server.label
        if parts == [""]:
            return HTTPStatus.OK, index_page(label), "text/html; charset=utf-8"
        if len(parts) == 2 and parts[0] == "study":
            studies.get(parts[1])  # 404 for an unknown name
            return HTTPStatus.OK, study_page(parts[1], label), "text/html; charset=utf-8"
        if len(parts) == 2 and parts[0] == "static" and parts[1] in _STATIC:
            return HTTPStatus.OK, *_STATIC[parts[1]]()
        if parts[:2] == ["api", "studies"]:
            if len(parts) == 2:
                return HTTPStatus.OK, _json({"storage": label, "studies": studies.index()}), _JSON
            if len(parts) == 3:
                since = query.get("since", [None])[0]
                page, size = _number(query, "page"), _number(query, "page_size")
                state = studies.get(parts[2]).state(since, page, size)
                return HTTPStatus.OK, _json(state), _JSON
            if len(parts) == 4 and parts[3] == "figures":
                part = query.get("part", ["first"])[0]
                if part not in ("first", "later"):
                    return HTTPStatus.BAD_REQUEST, _json({"error": "part is first or later"}), _JSON
                return HTTPStatus.OK, _json(studies.get(parts[2]).figures(part)), _JSON
        return HTTPStatus.NOT_FOUND, _json({"error": f"no such page: {self.path}"}), _JSON

    def _host_allowed(self) -> bool:
        if self.server.host not in LOOPBACK:
            return True  # the user chose to expose it
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]").lower() in LOOPBACK

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        *,
        head: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        static = ctype.startswith(("text/css", "text/javascript"))
        self.send_header("Cache-Control", "max-age=3600" if static else "no-store")
        if ctype.startswith("text/html"):
            self.send_header("Content-Security-Policy", _CSP)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


_JSON = "application/json"


def _number(query: dict[str, list[str]], key: str) -> int | None:
    """An integer query argument (None when absent or not an integer)."""
    try:
        return int(query[key][0])
    except (KeyError, IndexError, ValueError):
        return None


def _json(value: Any) -> bytes:
    return json.dumps(jsonable(value), allow_nan=False).encode("utf-8")


_plotly_cache: list[bytes] = []


def _plotly() -> tuple[bytes, str]:
    if not _plotly_cache:
        _plotly_cache.append(plotly_js().encode("utf-8"))
    return _plotly_cache[0], "text/javascript; charset=utf-8"


_STATIC = {
    "plotly.min.js": _plotly,
    "hypersweep.js": lambda: (
        (_assets.COMMON_JS + _assets.DASHBOARD_JS).encode("utf-8"),
        "text/javascript; charset=utf-8",
    ),
    "style.css": lambda: (_assets.STYLE.encode("utf-8"), "text/css; charset=utf-8"),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a slow browser never holds up Ctrl-C
    request_queue_size = 64  # listen backlog: a burst of connections waits in the kernel

    def __init__(
        self,
        address: tuple[str, int],
        studies: _Studies,
        label: str,
        verbose: bool,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ):
        import socket

        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.studies, self.label, self.verbose, self.host = studies, label, verbose, address[0]
        self.request_timeout = request_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        # the storage is read on these threads only, whatever the number of connections: a
        # storage that keeps connections per thread (SQLite's hot path) holds a bounded few
        self.work = ThreadPoolExecutor(STORAGE_THREADS, thread_name_prefix="hypersweep-read")
        super().__init__(address, _Handler)

    def server_close(self) -> None:
        super().server_close()
        self.work.shutdown(wait=False, cancel_futures=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection if a slot is free; else "503 busy", without a thread."""
        if not self._slots.acquire(blocking=False):
            self._refuse_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()  # no thread started: give the slot back here
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse_busy(self, request: Any) -> None:
        try:
            request.setblocking(False)  # the accepting thread never waits on a client
            request.send(_BUSY)
        except OSError:
            pass
        self.shutdown_request(request)


class Dashboard:
    """A bound dashboard server: ``start()`` in a thread or ``serve_forever()``, then ``stop()``.

    >>> import hypersweep as hs
    >>> from hypersweep.report import serve
    >>> with serve(hs.create_study(name="demo").storage, port=0).start() as board:
    ...     board.url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(self, server: _Server, storage: Storage, owns_storage: bool) -> None:
        self._server, self._storage, self._owns = server, storage, owns_storage
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> Dashboard:
        """Serve from a background thread (tests, notebooks); returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="hypersweep-dashboard", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()`` or Ctrl-C (KeyboardInterrupt propagates)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving, close the socket and the storage it opened itself."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        if self._owns:
            self._storage.close()

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    storage: str | Storage,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    verbose: bool = False,
    request_timeout: float = REQUEST_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> Dashboard:
    """Bind a read-only dashboard over every study in ``storage``; port 0 picks a free one.

    A connection silent for ``request_timeout`` seconds is closed; at most
    ``max_connections`` are served at once (one thread each), more get "503 busy".

    Binding anything but a loopback address exposes the studies to the network
    without any password; a warning says so.
    """
    from ..storage import get_storage

    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in 0..65535, but got {port!r}")
    request_timeout = number_above("serve", "request_timeout", request_timeout, 0.0)
    int_at_least("serve", "max_connections", max_connections, 1)
    store = get_storage(storage)
    label = _masked(storage) if isinstance(storage, str) else type(storage).__name__
    try:
        server = _Server(
            (host, port), _Studies(store), label, verbose, request_timeout, max_connections
        )
    except OSError as exc:
        if isinstance(storage, str):
            store.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                      f"choose another --port (0 picks a free one)") from None  # fmt: skip
    if host not in LOOPBACK:
        print(
            f"hypersweep dashboard: listening on {host}, not 127.0.0.1: anyone who can reach "
            "this machine can read these studies (there is no password)",
            file=sys.stderr,
        )
    return Dashboard(server, store, owns_storage=isinstance(storage, str))


def _masked(url: str) -> str:
    """A storage URL fit to show: the password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
