"""Serving the built dataset: nginx in front (``front.py``), gunicorn behind it.

Each gunicorn worker builds its own app (and so its own pool of query processes) after the
fork; threads let a worker keep answering while some of its requests wait on slow queries.
With the front, gunicorn listens only on a private Unix socket, sees only whole requests, and
hands each answer to nginx at once, so a thread is held only while there is work to do.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import HaltServer

from ..project import Project
from . import front as fronts
from .hosting import listening_base

SHARED_MEMORY = "/dev/shm"
READY_WAIT = 30.0          # seconds a starting worker waits for its query processes


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Answer a request gunicorn itself refuses, in the form of every other error of this server.

    gunicorn answers a request it cannot parse (too long a request line or header, too many
    headers, a bad method or chunk size) before the app sees it, with an HTML page and none of
    the app's headers. This sends the same status as one line of plain text with
    ``X-Content-Type-Options: nosniff``; the echoed detail is cut short and made ASCII.
    """
    detail = mesg[:300].encode("ascii", "backslashreplace").decode("ascii")
    body = (f"{reason}: {detail}\n" if detail else f"{reason}.\n").encode("ascii")
    head = (f"HTTP/1.1 {status_int} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
    util.write_nonblock(sock, head + body)


class FrontedArbiter(Arbiter):  # type: ignore[misc]  # gunicorn has no type information
    """gunicorn's master, which also runs the nginx front and stops with it.

    nginx starts once gunicorn has bound its socket, and is told to stop taking connections
    (and finish the requests under way) before gunicorn's workers are stopped. If nginx dies,
    nothing reaches the workers any more, so the server stops with an error instead of
    running unreachable.
    """

    def __init__(self, app: BaseApplication, front: fronts.Front):
        self.front = front
        super().__init__(app)

    def start(self) -> None:
        fronts.adopt_orphans()
        super().start()
        self.front.start()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.front.process is not None and not self.front.alive():
            raise HaltServer("the nginx front stopped; the server cannot be reached and stops too", 1)

    def stop(self, graceful: bool = True) -> None:
        self.front.begin_stop()
        super().stop(graceful)
        self.front.finish(timeout=self.cfg.graceful_timeout if graceful else 2)


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, project: Project, options: dict[str, Any], overrides: dict[str, Any] | None = None,
                 front: fronts.Front | None = None):
        self.project = project
        self.options = options
        self.overrides = overrides or {}     # Settings fields set by serve (store, front)
        self.front = front
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        util.write_error = write_error       # gunicorn has no setting for its error responses

    def load(self) -> Any:
        from . import create_app, settings_from_environment
        settings = settings_from_environment()
        for name, value in self.overrides.items():
            setattr(settings, name, value)
        app = create_app(self.project, settings)
        # gunicorn loads the app in each worker after the fork: start its query processes now,
        # and serve once they have loaded the dataset. A worker that took requests at once made
        # them wait for that (at 100k triples, 6-9 s for the first query, and a load test
        # started with the server measured only the warm-up); until a worker serves, requests
        # wait in the socket's backlog. Past READY_WAIT seconds it serves anyway (gunicorn
        # replaces a worker silent for its 60 s timeout), and a query waits as before.
        app.extensions["nkhr"].pool.wait_ready(READY_WAIT)
        return app

    def run(self) -> None:
        if self.front is None:
            super().run()
            return
        try:
            FrontedArbiter(self, self.front).run()
        finally:
            self.front.finish(timeout=2)


def serve(project: Project, host: str, port: int, workers: int = 2, threads: int = 16,
          store_url: str | None = None, store_query_url: str | None = None) -> None:
    """Serve on gunicorn behind nginx; with ``store_url`` / ``store_query_url``, queries go to that store.

    Raises ``front.FrontUnavailable`` (a sentence) when nginx is missing or refuses to start.
    """
    front = fronts.Front(host, port, fronts.FrontSettings.from_environment()) if fronts.wanted() else None
    options = {
        "bind": front.bind if front else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,                    # a worker silent this long is replaced
        "graceful_timeout": 20,           # SIGTERM lets requests in flight finish for this long
        "limit_request_line": 8190,       # longer queries must be POSTed
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None if front else "-",   # behind the front, nginx logs each request with its client
        # The heartbeat each worker writes on every turn of its loop (a file's mtime, several
        # times a request) goes to memory rather than to a disk's journal.
        "worker_tmp_dir": SHARED_MEMORY if os.access(SHARED_MEMORY, os.W_OK) else None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "nkhr",
    }
    overrides: dict[str, Any] = {"behind_front": front is not None}
    if not os.environ.get("NKHR_BASE_URL"):          # absolute URLs name the address served (web/hosting.py)
        overrides["base_url"] = listening_base(host, port)
    if store_url or store_query_url:
        overrides.update(store_url=store_url, store_query_url=store_query_url)
    Server(project, options, overrides, front).run()
