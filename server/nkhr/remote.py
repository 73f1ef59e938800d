"""Answering queries from an existing SPARQL 1.1 store instead of from dist/ in this process.

When the data outgrows one process, ``nkhr publish`` loads the build into a store (Oxigraph
server, Virtuoso, ...) and ``nkhr serve --store URL`` sends every query there with the SPARQL
1.1 Protocol. ``RemoteEngine`` has the interface of ``engine.Engine`` (pyoxigraph terms in a
``QueryResult``, so ``results`` writes them unchanged) and ``RemotePool`` that of
``sandbox.QueryPool`` (the same ``Answer`` and exceptions), so the endpoint needs no change:
the guard still refuses updates, SERVICE and foreign graphs before anything reaches the store,
and the time limit and row cap are enforced here, by the HTTP client.

The dataset is the one the embedded engine queries: with no FROM / default-graph-uri, the
default graph is the union of the build's graphs, and ``GRAPH ?g`` sees only the build's
graphs (not the build marker, nor anything else the store holds). Both are sent as the
protocol's default-graph-uri / named-graph-uri on every request.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from .engine import QueryResult, QuerySyntaxError, take
from .guard import QueryRefused, tokenize
from .namespaces import BASE
from .results import serialize
from .sandbox import Answer, QueryCrashed, QueryTimeout

# The graph in the store that says which build it holds (written last by ``nkhr publish``).
BUILD_GRAPH = BASE + "graph/build"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"

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

    def __call__(self, request):
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

    def request(self, method: str, url: str, *, timeout, **options) -> requests.Response:
        """Send one request; a refused connection or a DNS failure is StoreUnavailable."""
        try:
            response = self.session().request(method, url, timeout=timeout, **options)
            if self.auth is not None and self.auth.learn(response):
                response.close()
                body = options.get("data")
                if hasattr(body, "seek"):
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


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword (after PREFIX / BASE)."""
    try:
        tokens = tokenize(sparql)
    except QueryRefused:
        return None
    return next((t.text.upper() for t in tokens
                 if t.kind == "word" and t.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)


class _BlankNodeLabels(io.RawIOBase):
    """Virtuoso's JSON results label blank nodes ``nodeID://b10000``, which is not a blank-node
    label (pyoxigraph rejects it): this stream drops the ``nodeID://`` of a bnode's value as it
    is read. The pattern includes ``"type": "bnode"`` with unescaped quotes, which only occur
    as JSON structure, so a literal that contains the same text is never touched."""

    PATTERN = re.compile(rb'("type"[ \t]{0,4}:[ \t]{0,4}"bnode"[ \t]{0,4},[ \t]{0,4}"value"[ \t]{0,4}:[ \t]{0,4}")nodeID://')
    KEEP = 80       # longer than any match: a match cut by a read boundary is completed first

    def __init__(self, raw):
        self.raw = raw
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.done and len(self.pending) <= self.KEEP:
            chunk = self.raw.read(64 * 1024)
            if not chunk:
                self.done = True
            self.pending = self.PATTERN.sub(rb"\1", self.pending + chunk)
        size = len(self.pending) if self.done else len(self.pending) - self.KEEP
        size = min(size, len(buffer))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class RemoteEngine:
    """``Engine.query`` answered by a SPARQL store over the SPARQL 1.1 Protocol.

    ``store`` may be a function that locates it: it is then called on the first query (and
    again after a failure), so a web worker starts while the store is down, and says so per
    request (StoreUnavailable) instead of failing to boot.
    """

    def __init__(self, store: Store | Callable[[], Store], graphs, timeout: float = 30.0):
        self._store = store
        self.graphs = sorted(graphs)
        self.timeout = timeout

    @classmethod
    def for_url(cls, url: str | None, query_url: str | None, graphs, timeout: float = 30.0) -> RemoteEngine:
        """The engine of ``serve --store``: the kind and the credentials come from NKHR_STORE_KIND,
        NKHR_STORE_USER and NKHR_STORE_PASSWORD (never from the command line or the settings)."""
        def find() -> Store:
            return locate(url, query_url=query_url, kind=os.environ.get("NKHR_STORE_KIND") or "auto",
                          user=os.environ.get("NKHR_STORE_USER") or None,
                          password=os.environ.get("NKHR_STORE_PASSWORD"))
        return cls(find, graphs, timeout)

    @property
    def store(self) -> Store:
        if callable(self._store):
            self._store = self._store()
        return self._store

    def named_graphs(self) -> list[str]:
        return list(self.graphs)

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, max_rows: int | None = None,
              timeout: float | None = None, started: float | None = None) -> QueryResult:
        """Run a read-only query; raise QuerySyntaxError, QueryTimeout, QueryCrashed,
        RuntimeError (the store could not evaluate it) or StoreUnavailable.

        The time limit counts from ``started`` (a time.monotonic() value; default: now)."""
        limit = self.timeout if timeout is None else timeout
        deadline = (time.monotonic() if started is None else started) + limit
        remaining = max(0.01, deadline - time.monotonic())
        form = query_form(sparql)
        accept = {"SELECT": TABULAR_ACCEPT, "ASK": TABULAR_ACCEPT, "CONSTRUCT": GRAPH_ACCEPT,
                  "DESCRIBE": GRAPH_ACCEPT}.get(form, f"{TABULAR_ACCEPT}, {GRAPH_ACCEPT};q=0.9")
        # The embedded engine's dataset: the union of the build's graphs by default, and only
        # the build's graphs as named graphs (not the marker, nor other data in the store).
        form_data = [("query", sparql)]
        form_data += [("default-graph-uri", g) for g in (default_graphs or self.graphs)]
        form_data += [("named-graph-uri", g) for g in (named_graphs or self.graphs)]
        if self.store.kind == "virtuoso":
            # Virtuoso's own limit (ms): it then stops the query and says so in X-SQL-State.
            form_data.append(("timeout", str(max(1, int(remaining * 1000)))))
        try:
            response = self.store.request(
                "POST", self.store.query_url, data=form_data, stream=True,
                headers={"Accept": accept}, timeout=(min(CONNECT_TIMEOUT, remaining), remaining))
        except requests.exceptions.Timeout:
            raise _timeout(limit) from None
        with response:
            _check_status(response, self.store.query_url)
            if response.headers.get("X-SQL-State", "").startswith("S1T"):
                raise _timeout(limit)               # Virtuoso's anytime answer: incomplete
            try:
                return self._read(response, form, max_rows, deadline, limit)
            except (QueryTimeout, QuerySyntaxError, QueryCrashed, RuntimeError):
                raise
            except Exception as exc:  # noqa: BLE001 - a read timeout or a broken stream, from any layer
                if time.monotonic() >= deadline - 0.05 or _is_timeout(exc):
                    raise _timeout(limit) from None
                raise QueryCrashed(f"the SPARQL store's answer broke off or could not be read "
                                   f"({type(exc).__name__}: {str(exc)[:200]}); the store's own time "
                                   "limit may be shorter than this endpoint's") from None

    def _read(self, response: requests.Response, form: str | None, max_rows: int | None,
              deadline: float, limit: float) -> QueryResult:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        response.raw.decode_content = True
        stream = response.raw
        results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
        if results_format is not None:
            if self.store.kind == "virtuoso" and results_format == ox.QueryResultsFormat.JSON:
                stream = io.BufferedReader(_BlankNodeLabels(stream))
            return _solutions(ox.parse_query_results(stream, format=results_format), form,
                              max_rows, deadline, limit)
        rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is None:
            raise RuntimeError(f"the SPARQL store answered in {media_type or 'no declared format'}, "
                               "which this endpoint does not read")
        triples, truncated = take((quad.triple for quad in ox.parse(stream, format=rdf_format)), max_rows,
                                  _deadline_check(deadline, limit))
        return QueryResult(kind="graph", triples=triples, truncated=truncated)


def _deadline_check(deadline: float, limit: float):
    """A check to run per row read: the store's answer may stream for longer than the time limit."""
    def check() -> None:
        if time.monotonic() > deadline:
            raise _timeout(limit)
    return check


def _solutions(answer, form: str | None, max_rows: int | None, deadline: float, limit: float) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    variables = [v.value for v in answer.variables]
    rows, truncated = take(([solution[v] for v in variables] for solution in answer), max_rows,
                           _deadline_check(deadline, limit))
    if form == "ASK" and variables == ["__ASK_RETVAL"]:
        # Virtuoso 7 answers ASK in JSON as a one-column table: one row "1" for true, none for false.
        return QueryResult(kind="ask", boolean=bool(rows) and rows[0][0] is not None
                           and rows[0][0].value in ("1", "true"))
    return QueryResult(kind="select", variables=variables, rows=rows, truncated=truncated)


def _timeout(limit: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran longer than the {limit:g}-second limit and was stopped")


def _is_timeout(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, (TimeoutError, requests.exceptions.Timeout)) or "timed out" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _check_status(response: requests.Response, url: str) -> None:
    """Turn the store's error statuses into the engine's exceptions, with the store's words."""
    status = response.status_code
    if status < 300:
        return
    text = response_text(response)
    if status == 400:
        raise QuerySyntaxError(text or "the SPARQL store refused the query (HTTP 400)")
    if status == 404:
        raise StoreUnavailable(f"no SPARQL endpoint answers at {url} (HTTP 404)")
    if status in (408, 504):
        raise QueryTimeout(f"the SPARQL store gave up on the query (HTTP {status}): {text}")
    if status in (429, 502, 503):
        raise StoreUnavailable(f"the SPARQL store at {url} cannot answer now (HTTP {status}){': ' + text if text else ''}")
    raise RuntimeError(f"the SPARQL store failed on the query (HTTP {status}){': ' + text if text else ''}")


class RemotePool:
    """``QueryPool.run`` answered by a store: the same arguments, ``Answer`` and exceptions.

    ``size`` bounds the queries this process has at the store at once, as the number of query
    processes does in embedded mode; a query waits for a free slot within its time limit.
    """

    def __init__(self, engine: RemoteEngine, size: int = 2):
        self.engine = engine
        self._slots = threading.BoundedSemaphore(max(1, size))

    def run(self, sparql: str, default_graphs=None, named_graphs=None, tabular_fmt: str | None = "json",
            graph_fmt: str | None = "turtle", max_rows: int | None = None, timeout: float = 10.0) -> Answer:
        started = time.monotonic()
        if not self._slots.acquire(timeout=timeout):
            raise QueryTimeout("every query slot stayed busy for the whole time limit")
        try:
            result = self.engine.query(sparql, default_graphs, named_graphs, max_rows=max_rows,
                                       timeout=timeout, started=started)
        finally:
            self._slots.release()
        fmt = graph_fmt if result.kind == "graph" else tabular_fmt
        body = serialize(result, fmt) if fmt else b""
        return Answer(result.kind, fmt, body, result.truncated)

    def close(self) -> None:
        """Nothing to stop: the store runs on its own."""

    @property
    def pids(self) -> list[int]:
        return []


# --- which build the store holds --------------------------------------------------------------

def build_digest(dist_dir: Path) -> str:
    """The build's identity: the SHA-256 of its build.json (which digests every artifact)."""
    return hashlib.sha256((Path(dist_dir) / "build.json").read_bytes()).hexdigest()


@dataclass
class Marker:
    digest: str
    published: str | None


def read_marker(store: Store, timeout: float = 10.0) -> Marker | None:
    """The build the store holds according to its build graph; None when it holds none."""
    engine = RemoteEngine(store, [BUILD_GRAPH], timeout=timeout)
    try:
        result = engine.query(f"SELECT ?digest ?published WHERE {{ GRAPH <{BUILD_GRAPH}> {{ "
                              f"<{BUILD_GRAPH}> <{DCTERMS}identifier> ?digest "
                              f"OPTIONAL {{ <{BUILD_GRAPH}> <{DCTERMS}modified> ?published }} }} }}")
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - QueryTimeout, a store error, an unreadable answer
        raise StoreError(f"the store's query endpoint {store.query_url} could not say which build it "
                         f"holds: {exc}") from None
    if not result.rows:
        return None
    digest, published = result.rows[0]
    return Marker(digest.value, published.value if published is not None else None)


def check_build(store: Store, dist_dir: Path) -> Marker:
    """Raise StoreError unless the store holds the build in ``dist_dir``; return its marker."""
    marker = read_marker(store)
    here = build_digest(dist_dir)
    where = store.query_url
    if marker is None:
        raise StoreError(f"the store at {where} holds no nkhr build: load it first with "
                         f"`nkhr publish --to <store URL>`")
    if marker.digest != here:
        raise StoreError(f"the store at {where} holds another build ({marker.digest[:16]}, published "
                         f"{marker.published or 'at an unknown time'}) than dist/ ({here[:16]}): "
                         "publish this build with `nkhr publish --to <store URL>`, or build the one the "
                         "store holds")
    return marker
