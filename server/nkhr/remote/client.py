"""Talking to an existing SPARQL 1.1 store over HTTP: where it answers, with what credentials.

``locate`` finds a store's query and Graph Store Protocol endpoints from one URL (by its Server
header) and returns a ``Store``, the HTTP client every other module of ``nkhr.remote`` uses.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

# Where each kind of store answers, relative to its base URL: (query endpoint, Graph Store
# Protocol endpoint, the GSP endpoint that takes credentials). Oxigraph server: /query and
# /store. Virtuoso: /sparql, and /sparql-graph-crud-auth (Digest authentication, e.g. as dba;
# the open /sparql-graph-crud refuses writes unless the SPARQL user is granted SPARQL_UPDATE).
LAYOUTS = {
    "oxigraph": ("/query", "/store", "/store"),
    "virtuoso": ("/sparql", "/sparql-graph-crud", "/sparql-graph-crud-auth"),
}
SERVERS = {"oxigraph": "oxigraph/", "virtuoso": "virtuoso/"}    # Server header -> kind

CONNECT_TIMEOUT = 5.0
TABULAR_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"


class StoreError(Exception):
    """The store cannot be used as asked (unreachable, refuses, or holds another build)."""


class StoreUnavailable(StoreError):
    """The store cannot answer now (down, refusing our credentials, overloaded): a 503."""


class StoreAuth(AuthBase):
    """The store's credentials, in whichever scheme it asks for: Digest (Virtuoso) or Basic.

    Until the store has asked, requests go out as Digest would send them (without credentials);
    the first 401 tells the scheme. Digest is then answered by requests itself; a Basic
    challenge is remembered, and the caller sends that request again (``learn``).
    """

    def __init__(self, user: str, password: str):
        self.user = user
        self._basic = HTTPBasicAuth(user, password)
        self._digest = HTTPDigestAuth(user, password)
        self.scheme: str | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return (self._basic if self.scheme == "basic" else self._digest)(request)

    def learn(self, response: requests.Response) -> bool:
        """True when a 401 asked for Basic and the request should be sent again with it."""
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        if response.status_code == 401 and challenge.startswith("basic") and self.scheme != "basic":
            self.scheme = "basic"
            return True
        return False

    def __repr__(self) -> str:                      # never shows the password
        return f"StoreAuth(user={self.user!r})"


@dataclass
class Store:
    """A SPARQL store: its query endpoint, its Graph Store Protocol endpoint, and how to talk to it."""
    query_url: str
    gsp_url: str | None = None
    kind: str = "generic"                   # "oxigraph", "virtuoso" or "generic": which quirks to expect
    auth: StoreAuth | None = field(default=None, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def session(self) -> requests.Session:
        """One HTTP session (and connection pool) per thread: gunicorn's threads share a Store."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = self.auth
            session.headers["User-Agent"] = "nkhr (https://w3id.org/nkhr/)"
        return session

    def request(self, method: str, url: str, *, timeout: float | tuple[float, float],
                **options: Any) -> requests.Response:       # Any: requests' own keyword arguments
        """Send one request; a refused connection or a DNS failure is StoreUnavailable."""
        try:
            response = self.session().request(method, url, timeout=timeout, **options)
            if self.auth is not None and self.auth.learn(response):
                response.close()
                body = options.get("data")
                if body is not None and hasattr(body, "seek"):
                    body.seek(0)
                response = self.session().request(method, url, timeout=timeout, **options)
        except requests.exceptions.ConnectTimeout:
            raise StoreUnavailable(f"the SPARQL store at {url} did not accept a connection within "
                                   f"{CONNECT_TIMEOUT:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            raise StoreUnavailable(f"the SPARQL store at {url} cannot be reached ({_reason(exc)})") from None
        if response.status_code in (401, 403):
            text = response_text(response)
            response.close()
            who = "the credentials given (NKHR_STORE_USER / NKHR_STORE_PASSWORD)" if self.auth else "no credentials"
            raise StoreUnavailable(f"the SPARQL store at {url} refused the request with {who}: "
                                   f"HTTP {response.status_code}{': ' + text if text else ''}")
        return response


def _reason(exc: Exception) -> str:
    """The innermost cause of a connection error, e.g. 'Connection refused', without the noise."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    return "no connection" if not text else text[:200]


def response_text(response: requests.Response, limit: int = 500) -> str:
    """The start of an error response's body as one line of text (stores answer in text or HTML)."""
    try:
        body = response.content[:limit * 4]
    except Exception:       # noqa: BLE001 - an unreadable error body is no reason for another error
        body = b""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<[^>]+>", " ", text)                # HTML error pages: keep the words
    return " ".join(text.split())[:limit]


def locate(url: str | None = None, *, query_url: str | None = None, gsp_url: str | None = None,
           kind: str = "auto", user: str | None = None, password: str | None = None) -> Store:
    """The store at base URL ``url``, its endpoints derived from its kind unless given.

    With ``kind="auto"`` the kind is read from the store's ``Server`` header (one GET); a store
    that does not say, or an endpoint given without a base URL, is "generic": then both
    endpoints must be given. Raises StoreError / StoreUnavailable with what to do.
    """
    auth = StoreAuth(user, password or "") if user else None
    if kind == "auto":
        probe = url or query_url
        if not probe:
            raise StoreError("give the store's base URL (or its query endpoint with --query-endpoint)")
        kind = _kind_of(Store(query_url=probe, auth=auth), probe)
    if kind not in (*LAYOUTS, "generic"):
        raise StoreError(f"unknown kind of store {kind!r}: use one of {', '.join(LAYOUTS)}, generic")
    if kind in LAYOUTS and url:
        base = url.rstrip("/")
        query_path, gsp_path, gsp_auth_path = LAYOUTS[kind]
        query_url = query_url or base + query_path
        gsp_url = gsp_url or base + (gsp_auth_path if auth else gsp_path)
    if not query_url:
        raise StoreError(f"cannot tell where the store at {url} answers queries (its Server header names "
                         f"no store nkhr knows: {', '.join(LAYOUTS)}); give --query-endpoint and --gsp")
    return Store(query_url=query_url, gsp_url=gsp_url, kind=kind, auth=auth)


def _kind_of(store: Store, url: str) -> str:
    try:
        response = store.request("GET", url, timeout=(CONNECT_TIMEOUT, 10))
    except requests.exceptions.Timeout:
        raise StoreUnavailable(f"the SPARQL store at {url} did not answer within 10 s") from None
    response.close()
    server = response.headers.get("Server", "").lower()
    return next((kind for kind, prefix in SERVERS.items() if server.startswith(prefix)), "generic")


