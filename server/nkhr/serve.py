"""Serving the built dataset with gunicorn, a production WSGI server.

Each gunicorn worker builds its own app (and so its own pool of query processes) after the
fork; threads let a worker keep answering while some of its requests wait on slow queries.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .project import Project


class Server(BaseApplication):
    def __init__(self, project: Project, options: dict):
        self.project = project
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .web import create_app
        return create_app(self.project)


def serve(project: Project, host: str, port: int, workers: int = 2, threads: int = 8) -> None:
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
    Server(project, options).run()
