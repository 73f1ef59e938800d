"""Serving the built dataset with gunicorn, a production WSGI server.

Each gunicorn worker builds its own app (and so its own pool of query processes) after the
fork; threads let a worker keep answering while some of its requests wait on slow queries.
"""

from __future__ import annotations

from gunicorn import util
from gunicorn.app.base import BaseApplication

from ..project import Project


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
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


class Server(BaseApplication):
    def __init__(self, project: Project, options: dict, store: dict | None = None):
        self.project = project
        self.options = options
        self.store = store or {}          # Settings.store_url / store_query_url, for serve --store
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        util.write_error = write_error       # gunicorn has no setting for its error responses

    def load(self):
        from . import create_app, settings_from_environment
        settings = settings_from_environment()
        for name, value in self.store.items():
            setattr(settings, name, value)
        return create_app(self.project, settings)


def serve(project: Project, host: str, port: int, workers: int = 2, threads: int = 8,
          store_url: str | None = None, store_query_url: str | None = None) -> None:
    """Serve on gunicorn; with ``store_url`` / ``store_query_url``, queries go to that SPARQL store."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,                    # a worker silent this long is replaced
        "graceful_timeout": 20,           # SIGTERM lets requests in flight finish for this long
        "limit_request_line": 8190,       # longer queries must be POSTed
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "nkhr",
    }
    store = {"store_url": store_url, "store_query_url": store_query_url} if store_url or store_query_url else None
    Server(project, options, store).run()
