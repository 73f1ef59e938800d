"""The web application: an app factory and one blueprint per job, as in Flask's own examples.

``create_app`` reads only the built dataset (dist/); it never parses the curated sources.
"""

from __future__ import annotations

import os
import re

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ..built import in_memory_max
from ..project import Project, find_project
from .negotiation import wants_html
from .site import Settings, Site

# Scripts only from this origin, no plugins, no framing. Styles may be inline because the
# editor (YASGUI) and the graph view (cytoscape.js) set them; CSS cannot run code, and every
# label on every page is escaped.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# CORS: what a page on another origin may send (revalidation with If-None-Match / If-Modified-Since,
# resumed downloads with Range / If-Range, Authorization for a proxy that wants it, the
# X-Requested-With of jQuery-era clients), and which answer headers its script may read.
CORS_ALLOWED = ("Accept, Accept-Language, Authorization, Cache-Control, Content-Type, If-Match, "
                "If-Modified-Since, If-None-Match, If-Range, Range, X-Requested-With")
CORS_EXPOSED = ("Accept-Ranges, Content-Length, Content-Range, ETag, Last-Modified, Link, Retry-After, Vary, "
                "NKHR-Cache")
# Every response, errors included, carries these (SECURITY.md, "Headers"), and the VoID link.
EVERY_RESPONSE = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                  ("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", CORS_EXPOSED))
VOID_LINK = '</.well-known/void>; rel="describedby"'


def settings_from_environment() -> Settings:
    return Settings(
        query_timeout=float(os.environ.get("NKHR_QUERY_TIMEOUT", Settings.query_timeout)),
        max_rows=int(os.environ.get("NKHR_MAX_ROWS", Settings.max_rows)),
        query_processes=int(os.environ.get("NKHR_QUERY_PROCESSES", Settings.query_processes)),
        answer_cache=int(os.environ.get("NKHR_ANSWER_CACHE", Settings.answer_cache)),
        in_memory_max=in_memory_max(),
        store_url=os.environ.get("NKHR_STORE") or None,
        store_query_url=os.environ.get("NKHR_STORE_QUERY") or None,
        base_url=os.environ.get("NKHR_BASE_URL") or None,
        query_wait=float(os.environ["NKHR_QUERY_WAIT"]) if os.environ.get("NKHR_QUERY_WAIT") else None,
        query_queue=int(os.environ.get("NKHR_QUERY_QUEUE", Settings.query_queue)),
        client_queries=int(os.environ.get("NKHR_CLIENT_QUERIES", Settings.client_queries)),
    )


def revalidatable(response: Response) -> Response:
    """Give every whole 200 answer to a GET a validator, and answer a matching revalidation 304.

    Dumps and query answers set their own ETags from the build (before doing any work); pages
    and entity documents are rendered first and tagged by a digest of their bytes, which still
    spares the client the transfer. Streamed and error responses are left alone.
    """
    if (request.method in ("GET", "HEAD") and response.status_code == 200
            and not response.is_streamed and "ETag" not in response.headers):
        response.add_etag()
        response.headers.setdefault("Cache-Control", "no-cache")
        response.make_conditional(request)        # it returns self, typed as werkzeug's Response
    return response


def create_app(project: Project | None = None, settings: Settings | None = None) -> Flask:
    project = project or find_project()
    app = Flask(__name__.rsplit(".", 1)[0])
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024            # request bodies: 1 MiB
    app.extensions["nkhr"] = Site(project, settings or settings_from_environment())

    from . import browse, data, graphs, hosting, pages, resources, search, sparql
    for module in (sparql, data, resources, pages, graphs, search, browse):
        app.register_blueprint(module.blueprint)
    from . import reconcile  # /reconcile: the OpenRefine reconciliation service
    app.register_blueprint(reconcile.blueprint)
    from . import questions  # /queries/NAME answered for people, /downloads
    app.register_blueprint(questions.blueprint)
    hosting.install(app)                     # absolute URLs from NKHR_BASE_URL, never from the Host header

    @app.before_request
    def refuse_control_characters() -> Response | None:
        """Refuse a request target holding a control character (CR, LF, NUL, ...) with a 400.

        No client sends one, but the app must not depend on the server filtering them: werkzeug
        copies the query string into the Location of its slash-merging redirect (/id//x), where
        a raw CR made building the response fail with a 500. IRIs and queries never hold them
        (a query's newlines arrive %-escaped).
        """
        target = request.environ.get("PATH_INFO", "") + request.environ.get("QUERY_STRING", "")
        if _CONTROL.search(target):
            return Response("The request's path or query string holds a control character; "
                            "escape it (%0A) or leave it out.\n", status=400, mimetype="text/plain")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        # One look at the few headers the view set, then each added once: werkzeug's
        # ``headers[name] = value`` scans and rewrites the whole list for every header.
        own = {name.lower() for name, _ in response.headers}
        for name, value in EVERY_RESPONSE:
            if name.lower() in own:
                response.headers[name] = value
            else:
                response.headers.add(name, value)
        if "link" in own:
            response.headers["Link"] = ", ".join(filter(None, [response.headers.get("Link"), VOID_LINK]))
        else:
            response.headers.add("Link", VOID_LINK)
        if request.method == "OPTIONS":          # CORS preflight (Flask answers OPTIONS itself)
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED
            response.headers["Access-Control-Max-Age"] = "86400"
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = CSP
        return revalidatable(response)

    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> ResponseReturnValue:
        message = f"Nothing is served at {request.path}. Start at / or query /sparql."
        # A browser (it names text/html; curl's */* does not count) gets a page with the site's links.
        if "text/html" in request.headers.get("Accept", "") and wants_html(request):
            return render_template("error.html", heading="Page not found", message=message), 404
        return Response(message + "\n", status=404, mimetype="text/plain")

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> Response:
        return Response("The request body is larger than the 1 MiB this endpoint accepts.\n",
                        status=413, mimetype="text/plain")

    @app.errorhandler(405)
    def not_allowed(error: HTTPException) -> Response:
        response = Response(f"{request.method} is not served at {request.path}; this endpoint is read-only.\n",
                            status=405, mimetype="text/plain")
        valid_methods = getattr(error, "valid_methods", None)     # a MethodNotAllowed's
        if valid_methods:                              # HTTP requires Allow on a 405
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException) -> Response:
        """Every other error werkzeug raises (a 400 for a request it cannot parse, 416, ...).

        Without this, those came as werkzeug's HTML page; like every error here, they are one
        sentence of plain text (served with nosniff, so no browser renders it as a page).
        """
        response = Response(f"{error.name}: {error.description}\n", status=error.code, mimetype="text/plain")
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    from ..query.sandbox import QueryTimeout
    from ..remote.client import StoreUnavailable

    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(QueryTimeout)
    def store_unavailable(error: StoreUnavailable | QueryTimeout) -> Response:
        """With ``serve --store``, pages query the store too: a store that is down or too slow is a
        503 saying so (the endpoint reports its own queries' timeouts itself), never a traceback."""
        if isinstance(error, QueryTimeout):
            message = f"The page's query was stopped: {error}. Try again shortly."
        else:
            message = f"The dataset's SPARQL store cannot answer now: {error}. Try again shortly."
        response = Response(message + "\n", status=503, mimetype="text/plain")
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(500)
    def internal(_error: HTTPException) -> Response:
        return Response("The server failed on this request. The failure was logged.\n",
                        status=500, mimetype="text/plain")

    # Last, so that pages are compressed before `headers` tags them (web/assets.py).
    from .assets import install as install_assets
    install_assets(app, project.root)
    return app
