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

import io
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
import requests

from ..query.engine import QueryResult, QuerySyntaxError, take
from ..query.guard import QueryRefused, tokenize
from ..query.results import serialize
from ..query.sandbox import Answer, QueryCrashed, QueryTimeout
from ..vocab import is_section_graph
from .barrier import ParseChecker
from .client import (
    CONNECT_TIMEOUT,
    GRAPH_ACCEPT,
    TABULAR_ACCEPT,
    Store,
    StoreUnavailable,
    locate,
    response_text,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class _Readable(Protocol):
    """What ``_BlankNodeLabels`` reads from: the response's raw urllib3 stream."""

    def read(self, amt: int, /) -> bytes: ...


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

    def __init__(self, raw: _Readable):
        self.raw = raw
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self.done and len(self.pending) <= self.KEEP:
            chunk = self.raw.read(64 * 1024)
            if not chunk:
                self.done = True
            self.pending = self.PATTERN.sub(rb"\1", self.pending + chunk)
        size = len(self.pending) if self.done else len(self.pending) - self.KEEP
        view = memoryview(buffer)
        size = min(size, len(view))
        view[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class RemoteEngine:
    """``Engine.query`` answered by a SPARQL store over the SPARQL 1.1 Protocol.

    ``store`` may be a function that locates it: it is then called on the first query (and
    again after a failure), so a web worker starts while the store is down, and says so per
    request (StoreUnavailable) instead of failing to boot.
    """

    def __init__(self, store: Store | Callable[[], Store], graphs: Iterable[str], timeout: float = 30.0):
        self._store = store
        self.graphs = sorted(graphs)
        self.timeout = timeout

    @classmethod
    def for_url(cls, url: str | None, query_url: str | None, graphs: Iterable[str],
                timeout: float = 30.0) -> RemoteEngine:
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
              timeout: float | None = None, started: float | None = None,
              prefixes: Mapping[str, str] | None = None) -> QueryResult:
        """Run a read-only query; raise QuerySyntaxError, QueryTimeout, QueryCrashed,
        RuntimeError (the store could not evaluate it) or StoreUnavailable.

        The time limit counts from ``started`` (a time.monotonic() value; default: now).
        ``prefixes`` are declared as the embedded engine declares them: a store has no such
        option, so they go first in the query text."""
        if prefixes:
            sparql = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items()) + sparql
        limit = self.timeout if timeout is None else timeout
        deadline = (time.monotonic() if started is None else started) + limit
        remaining = max(0.01, deadline - time.monotonic())
        form = query_form(sparql)
        accept = {"SELECT": TABULAR_ACCEPT, "ASK": TABULAR_ACCEPT, "CONSTRUCT": GRAPH_ACCEPT,
                  "DESCRIBE": GRAPH_ACCEPT}.get(form or "", f"{TABULAR_ACCEPT}, {GRAPH_ACCEPT};q=0.9")
        # The embedded engine's dataset: the union of the build's graphs by default, and only
        # the build's graphs as named graphs (not the marker, nor other data in the store).
        form_data = [("query", sparql)]
        # (not the per-section graphs: they repeat the asserted triples)
        # A list given, even an empty one, is the request's own dataset (query.engine.dataset_of).
        if default_graphs is None:
            default_graphs = [g for g in self.graphs if not is_section_graph(g)]
        form_data += [("default-graph-uri", g) for g in default_graphs]
        form_data += [("named-graph-uri", g) for g in (self.graphs if named_graphs is None else named_graphs)]
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
                                   f"({str(exc)[:200] or 'no reason given'}); the store's own time "
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


def _deadline_check(deadline: float, limit: float) -> Callable[[], None]:
    """A check to run per row read: the store's answer may stream for longer than the time limit."""
    def check() -> None:
        if time.monotonic() > deadline:
            raise _timeout(limit)
    return check


def _solutions(answer: ox.QuerySolutions | ox.QueryBoolean, form: str | None, max_rows: int | None,
               deadline: float, limit: float) -> QueryResult:
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
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (TimeoutError, requests.exceptions.Timeout)) or "timed out" in str(cause).lower():
            return True
        cause = cause.__cause__ or cause.__context__
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
        raise StoreUnavailable(f"the SPARQL store at {url} cannot answer now "
                               f"(HTTP {status}){': ' + text if text else ''}")
    raise RuntimeError(f"the SPARQL store failed on the query (HTTP {status}){': ' + text if text else ''}")


class RemotePool:
    """``QueryPool.run`` answered by a store: the same arguments, ``Answer`` and exceptions.

    ``size`` bounds the queries this process has at the store at once, as the number of query
    processes does in embedded mode; a query waits for a free slot within its time limit.

    Before a query is sent, ``barrier`` reads it again with a full SPARQL parser in a sandboxed
    process (``barrier.ParseChecker``) and refuses SERVICE, foreign FROM and oversized queries
    (QueryRefused), whatever the guard made of it: a store has no kernel limit to fall back on.
    """

    def __init__(self, engine: RemoteEngine, size: int = 2, barrier: ParseChecker | None = None):
        self.engine = engine
        self._slots = threading.BoundedSemaphore(max(1, size))
        self.barrier = barrier or ParseChecker(size=max(1, size))

    def run(self, sparql: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            tabular_fmt: str | None = "json", graph_fmt: str | None = "turtle", max_rows: int | None = None,
            timeout: float = 10.0) -> Answer:
        # Reading the query has its own time limit; the query's own starts once it has been read
        # (a reader's start, once per worker, would otherwise eat the first query's time).
        self.barrier.check(sparql, self.engine.graphs, timeout=timeout)
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

    def wait_ready(self, timeout: float) -> bool:
        """Nothing to wait for: the store holds the data, and a checking process starts in ms."""
        return True

    def close(self) -> None:
        """Stop the checking processes; the store runs on its own."""
        self.barrier.close()

    @property
    def pids(self) -> list[int]:
        return []


