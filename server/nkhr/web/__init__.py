"""The web application: an app factory and one blueprint per job, as in Flask's own examples.

``create_app`` reads only the built dataset (dist/); it never parses the curated sources.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request

from ..project import Project, find_project
from .site import Settings, Site

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def settings_from_environment() -> Settings:
    return Settings(
        query_timeout=float(os.environ.get("NKHR_QUERY_TIMEOUT", Settings.query_timeout)),
        max_rows=int(os.environ.get("NKHR_MAX_ROWS", Settings.max_rows)),
        query_processes=int(os.environ.get("NKHR_QUERY_PROCESSES", Settings.query_processes)),
    )


def create_app(project: Project | None = None, settings: Settings | None = None) -> Flask:
    project = project or find_project()
    app = Flask(__name__.rsplit(".", 1)[0])
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024            # request bodies: 1 MiB
    app.extensions["nkhr"] = Site(project, settings or settings_from_environment())

    from . import data, pages, resources, sparql
    for module in (sparql, data, resources, pages):
        app.register_blueprint(module.blueprint)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Link, NKHR-Results-Truncated"
        response.headers["Link"] = ", ".join(filter(None, [
            response.headers.get("Link"), '</.well-known/void>; rel="describedby"']))
        if request.method == "OPTIONS":          # CORS preflight (Flask answers OPTIONS itself)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "86400"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = CSP
        return response

    @app.errorhandler(404)
    def not_found(_error):
        return Response(f"Nothing is served at {request.path}. Start at / or query /sparql.\n",
                        status=404, mimetype="text/plain")

    @app.errorhandler(413)
    def too_large(_error):
        return Response("The request body is larger than the 1 MiB this endpoint accepts.\n",
                        status=413, mimetype="text/plain")

    @app.errorhandler(405)
    def not_allowed(_error):
        return Response(f"{request.method} is not served at {request.path}; this endpoint is read-only.\n",
                        status=405, mimetype="text/plain")

    @app.errorhandler(500)
    def internal(_error):
        return Response("The server failed on this request. The failure was logged.\n",
                        status=500, mimetype="text/plain")

    return app
