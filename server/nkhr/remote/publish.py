"""Loading a build into an existing SPARQL store with the Graph Store Protocol (``nkhr publish``).

Each named graph of dist/dataset.nq is sent to the store's GSP endpoint (``?graph=<iri>``):
a PUT replaces what the graph held, so publishing twice leaves the same store. The N-Quads are
split once into N-Triples files on disk, so memory stays small whatever the size of the data,
and a graph larger than ``chunk`` triples goes as one PUT followed by POSTs (which add) of
``chunk`` triples each, so no request is larger than a store accepts. Blank nodes are scoped
to one request, so every triple that mentions one goes in the first request of its graph.

The build graph (remote.BUILD_GRAPH) says which build the store holds; ``serve --store``
checks it. It is removed before anything else is sent and written only after the store's
counts match build.json, so a publish that fails half-way leaves a store that names no build.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import pyoxigraph as ox
import requests

from ..built import dump_name, verify
from ..project import Project
from ..vocab import BUILD_GRAPH, DCTERMS, VOID
from .client import CONNECT_TIMEOUT, Store, StoreError, response_text
from .engine import RemoteEngine
from .marker import build_digest

NTRIPLES = "application/n-triples"
DEFAULT_CHUNK = 200_000             # triples per request: about 30 MB of N-Triples
REQUEST_TIMEOUT = 600.0             # seconds a store may take to load one request


@dataclass
class GraphReport:
    graph: str
    triples: int
    requests: int
    seconds: float


@dataclass
class PublishReport:
    store: Store
    digest: str
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


@dataclass
class _Split:
    """One graph's triples as N-Triples files: ``chunks[0]`` holds every triple with a blank node."""
    graph: str
    chunks: list[Path]
    triples: int = 0


@dataclass
class _Handles:
    """The open files of one graph while it is split: the blank-node file and the current chunk."""
    bnodes: TextIO
    plain: TextIO | None = None
    count: int = 0              # triples in ``plain``


def publish(project: Project, store: Store, chunk: int = DEFAULT_CHUNK,
            progress: Callable[[str], object] = lambda message: None) -> PublishReport:
    """Replace the build's graphs in ``store`` with those of dist/; raise StoreError on failure."""
    if store.gsp_url is None:
        raise StoreError("no Graph Store Protocol endpoint is known for this store: give --gsp URL")
    metadata = verify(project)                  # never publish a damaged dist/
    started = time.perf_counter()
    report = PublishReport(store=store, digest=build_digest(project.dist_dir))
    expected = metadata["graphs"]
    _send(store, "DELETE", BUILD_GRAPH, allow_missing=True)
    with tempfile.TemporaryDirectory(prefix="nkhr-publish-") as folder:
        splits = split_dataset(project.dist_dir / dump_name("nquads"), Path(folder), expected, chunk)
        for graph in sorted(expected):
            part = splits[graph]
            if part.triples != expected[graph]:
                raise StoreError(f"dist/{dump_name('nquads')} holds {part.triples} triples in <{graph}> "
                                 f"where build.json says {expected[graph]}: run `nkhr build` again")
            began = time.perf_counter()
            for index, path in enumerate(part.chunks):
                _send(store, "PUT" if index == 0 else "POST", graph, path)
            seconds = time.perf_counter() - began
            report.graphs.append(GraphReport(graph, part.triples, len(part.chunks), seconds))
            progress(f"  <{graph}>: {part.triples} triples in {len(part.chunks)} request(s), {seconds:.2f}s")
    _check_counts(store, expected)
    _send_marker(store, report, metadata)
    report.seconds = time.perf_counter() - started
    return report


def split_dataset(nquads: Path, folder: Path, graphs: Iterable[str], chunk: int = DEFAULT_CHUNK) -> dict[str, _Split]:
    """Write each graph of ``nquads`` as N-Triples files in ``folder``, in one streaming pass.

    Raises StoreError for a triple outside the build's named graphs, and for a blank node shared
    by two graphs: the Graph Store Protocol sends graphs one by one, so the store would make two
    nodes of it, and queries over the union would then join differently than on dist/.
    """
    splits = {g: _Split(g, [folder / f"{i}-0.nt"]) for i, g in enumerate(sorted(graphs))}
    index = {g: i for i, g in enumerate(sorted(graphs))}
    handles = {g: _Handles(open(s.chunks[0], "w", encoding="utf-8")) for g, s in splits.items()}
    owner: dict[str, str] = {}                  # blank node label -> the graph it was seen in
    try:
        for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            if graph is None or graph not in splits:
                where = f"<{graph}>" if graph else "the default graph"
                raise StoreError(f"{nquads.name} holds a triple in {where}, which is not one of the build's "
                                 "graphs: run `nkhr build` again")
            terms = (quad.subject, quad.object)
            line = f"{quad.triple} .\n"
            split, handle = splits[graph], handles[graph]
            split.triples += 1
            blanks = [t.value for t in terms if isinstance(t, ox.BlankNode)]
            if blanks:
                for label in blanks:
                    first = owner.setdefault(label, graph)
                    if first != graph:
                        raise StoreError(f"the blank node _:{label} occurs in <{first}> and in <{graph}>; the "
                                         "Graph Store Protocol would load it as two nodes. Give it an IRI.")
                handle.bnodes.write(line)
                continue
            if handle.plain is None or handle.count >= chunk:
                if handle.plain is not None:
                    handle.plain.close()
                path = folder / f"{index[graph]}-{len(split.chunks)}.nt"
                split.chunks.append(path)
                handle.plain = open(path, "w", encoding="utf-8")
                handle.count = 0
            handle.plain.write(line)
            handle.count += 1
    except SyntaxError as exc:
        raise StoreError(f"{nquads.name} cannot be read ({exc}): run `nkhr build` again") from None
    finally:
        for handle in handles.values():
            handle.bnodes.close()
            if handle.plain is not None:
                handle.plain.close()
    # The first request carries the blank nodes; when there are none, it takes the first chunk.
    for split in splits.values():
        if len(split.chunks) > 1 and split.chunks[0].stat().st_size == 0:
            split.chunks.pop(0)
    return splits


def _send(store: Store, method: str, graph: str, path: Path | None = None, allow_missing: bool = False) -> None:
    """One Graph Store Protocol request on ``graph``; a file body is streamed from disk."""
    assert store.gsp_url is not None            # publish() refuses a store without one
    url = f"{store.gsp_url}{'&' if '?' in store.gsp_url else '?'}graph={quote(graph, safe='')}"
    try:
        if path is None:
            response = store.request(method, url, timeout=(CONNECT_TIMEOUT, REQUEST_TIMEOUT))
        else:
            with open(path, "rb") as body:
                response = store.request(method, url, data=body, timeout=(CONNECT_TIMEOUT, REQUEST_TIMEOUT),
                                         headers={"Content-Type": f"{NTRIPLES}; charset=utf-8"})
    except requests.exceptions.Timeout:
        raise StoreError(f"the store did not answer a {method} of <{graph}> within {REQUEST_TIMEOUT:g} s") from None
    except requests.RequestException as exc:        # the connection broke mid-request, ...
        raise StoreError(f"the {method} of <{graph}> to {store.gsp_url} failed: {type(exc).__name__}: "
                         f"{str(exc)[:200]}") from None
    with response:
        if response.status_code == 404 and allow_missing:
            return
        if response.status_code >= 300:
            detail = response_text(response)
            raise StoreError(f"the store refused the {method} of <{graph}> at {store.gsp_url}: "
                             f"HTTP {response.status_code}{': ' + detail if detail else ''}")


def _check_counts(store: Store, expected: dict[str, int]) -> None:
    """The store must now hold exactly build.json's triple count in each graph."""
    held = store_counts(store, expected)
    wrong = {g: (held.get(g, 0), n) for g, n in expected.items() if held.get(g, 0) != n}
    if wrong:
        listing = "; ".join(f"<{g}> holds {have} triples, the build {want}"
                            for g, (have, want) in sorted(wrong.items()))
        raise StoreError(f"after loading, the store's counts differ from build.json ({listing}); "
                         "the store may have rewritten some literals. The build graph was not written.")


def store_counts(store: Store, graphs: Iterable[str]) -> dict[str, int]:
    """Triples per graph as the store's query endpoint counts them."""
    engine = RemoteEngine(store, sorted(graphs), timeout=REQUEST_TIMEOUT)
    try:
        result = engine.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - QueryTimeout, a store error, an unreadable answer
        raise StoreError(f"the store's query endpoint {store.query_url} could not count the graphs: {exc}") from None
    return {row[0].value: int(row[1].value) for row in result.rows if row[0] is not None}


def _send_marker(store: Store, report: PublishReport, metadata: dict[str, Any]) -> None:   # build.json
    graph = ox.NamedNode(BUILD_GRAPH)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    triples = [
        ox.Triple(graph, ox.NamedNode(DCTERMS + "identifier"), ox.Literal(report.digest)),
        ox.Triple(graph, ox.NamedNode(DCTERMS + "modified"),
                  ox.Literal(now, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))),
        ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(metadata["triples"]),
                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    ]
    for name, count in sorted(metadata["graphs"].items()):
        triples.append(ox.Triple(graph, ox.NamedNode(VOID + "subset"), ox.NamedNode(name)))
        triples.append(ox.Triple(ox.NamedNode(name), ox.NamedNode(VOID + "triples"),
                                 ox.Literal(str(count), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    with tempfile.NamedTemporaryFile(suffix=".nt") as body:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        assert data is not None                 # no output given: serialize returns the bytes
        body.write(data)
        body.flush()
        _send(store, "PUT", BUILD_GRAPH, Path(body.name))
