"""The server's public address, which comes from its configuration and never from a request.

A request's Host header is whatever the client wrote. Building URLs from it (werkzeug's
slash redirects did, and so did VoID, the service description and /queries) lets anyone put
``http://evil-host.example/`` into an answer that a shared cache then keeps and serves to
everyone else: the answers are ``Cache-Control: public`` with an ETag that does not depend on
the Host. So every absolute URL the server writes starts with ``public_base()``: the
``NKHR_BASE_URL`` setting (``https://nkhr.example.org/`` behind a proxy), or, when it is not
set, the address ``nkhr serve`` listens on. Redirects are relative (``/dumps/``), which every
client resolves against the address it asked.

Also here: HTTP/1.1 requires a Host header (RFC 9112 section 3.2); a request without one is
answered 400, as the RFC asks, instead of being served under a made-up name.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, request

DEFAULT_BASE = "http://localhost:8000/"     # create_app without nkhr serve and without NKHR_BASE_URL


def normalise_base(url: str) -> str:
    """``url`` as a base: absolute http(s), ending in "/"; ValueError with a sentence otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"NKHR_BASE_URL must be an absolute http:// or https:// URL without a query, "
                         f"such as https://nkhr.example.org/ (it is {url!r}).")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def listening_base(host: str, port: int) -> str:
    """The base URL of a server bound to ``host``:``port`` (an any-address bind reads as localhost)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def public_base() -> str:
    """Where this server is reached from outside, as configured (never the request's Host)."""
    configured = getattr(current_app.extensions["nkhr"].settings, "base_url", None)
    return normalise_base(configured) if configured else DEFAULT_BASE


def relative_location(response: Response) -> Response:
    """Make a Location that points back at this server relative (``/dumps/``): werkzeug's slash
    redirects are built from the request's Host."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc.lower() == request.host.lower():
            relative = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
            response.headers["Location"] = relative
            if 300 <= response.status_code < 400:     # werkzeug's page repeats the absolute URL
                response.set_data(f"Moved to {relative}\n")
                response.mimetype = "text/plain"
    return response


def require_host() -> Response | None:
    """400 for an HTTP/1.1 request without a Host header (HTTP/1.0 may omit it)."""
    if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and not request.environ.get("HTTP_HOST"):
        return Response("An HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2).\n",
                        status=400, mimetype="text/plain")
    return None


def install(app: Flask) -> None:
    """Register the Host rules on the app, and ``public_base`` for the templates.

    A base URL that is not one (``NKHR_BASE_URL=nkhr.example.org``) stops the app from starting,
    with the sentence of ``normalise_base``, rather than failing every request."""
    settings = app.extensions["nkhr"].settings
    if getattr(settings, "base_url", None):
        settings.base_url = normalise_base(settings.base_url)
    app.before_request(require_host)
    app.after_request(relative_location)
    app.jinja_env.globals["public_base"] = public_base
