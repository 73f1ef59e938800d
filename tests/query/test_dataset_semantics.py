"""SPARQL 1.1 dataset rules (Query 13.2, Protocol 2.1.4), table-driven against a reference.

Every row names a dataset the way a client may: FROM / FROM NAMED in the query, the protocol's
``default-graph-uri`` / ``named-graph-uri``, or both (the parameters then replace the query's
dataset). Each is asked of nkhr and of an Oxigraph server loaded with the same dump, and the
counts must be equal: the triples of the default graph, the quads of the named graphs, and
which graphs ``GRAPH ?g`` sees. With no dataset at all, nkhr's is the union of the ontology,
asserted and inferred graphs and every named graph, so the reference is asked that dataset
explicitly. The graphs come from the build's build.json, not from a list in the test.
"""

from __future__ import annotations

import json

import pytest
import requests

from nkhr.vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, is_section_graph
from support import OXIGRAPH, OxigraphServer

pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the Oxigraph server is not installed "
                                                          "(pip install -e '.[test]')")

A, ONT, INF = GRAPH_ASSERTED, GRAPH_ONTOLOGY, GRAPH_INFERRED
QUERIES = {
    "default triples": "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}",
    "named quads": "SELECT (COUNT(*) AS ?n) {from} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "named graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) {from} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "asserted as named": "SELECT (COUNT(*) AS ?n) {from} WHERE {{ GRAPH <" + A + "> {{ ?s ?p ?o }} }}",
}
# (FROM graphs, FROM NAMED graphs, default-graph-uri, named-graph-uri)
ROWS = [
    ((), (), (), ()),
    ((A,), (), (), ()),
    ((), (A,), (), ()),
    ((A,), (ONT,), (), ()),
    ((A, ONT), (), (), ()),
    ((), (A, INF), (), ()),
    ((A,), (A,), (), ()),
    ((), (), (A,), ()),
    ((), (), (), (A,)),
    ((), (), (A,), (ONT,)),
    ((), (), (A, INF), (A, ONT)),
    ((A,), (), (), (INF,)),          # the parameters replace FROM: the default graph is empty
    ((), (A,), (ONT,), ()),          # ... and FROM NAMED: no named graphs
    ((A,), (ONT,), (INF,), (A,)),
    ("section", (), (), ()),       # a per-section graph, as FROM
    ((), "section", (), ()),
    ((), (), (), "section"),
]


def _dataset_clause(froms, from_nameds) -> str:
    return " ".join([f"FROM <{g}>" for g in froms] + [f"FROM NAMED <{g}>" for g in from_nameds])


def _count(url: str, query: str, params: list[tuple[str, str]]) -> int:
    response = requests.post(url, data=[("query", query), *params],
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, (url, query, params, response.text)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def graphs(server) -> dict[str, int]:
    return json.loads((server.root / "dist" / "build.json").read_text())["graphs"]


@pytest.fixture(scope="module")
def reference(server, tmp_path_factory):
    """An Oxigraph server holding dist/dataset.nq of the served build."""



    running = OxigraphServer(tmp_path_factory.mktemp("reference"))
    loaded = requests.post(running.url + "/store", data=(server.root / "dist" / "dataset.nq").read_bytes(),
                           headers={"Content-Type": "application/n-quads"}, timeout=120)
    assert loaded.status_code in (200, 204), loaded.text
    yield running
    running.stop()


def _resolve(value, graphs) -> tuple[str, ...]:
    if value == "section":
        sections = sorted(g for g in graphs if is_section_graph(g))
        return (sections[0],) if sections else (A,)
    return value


@pytest.mark.parametrize("row", ROWS, ids=lambda row: "|".join(
    f"{label}:{','.join(g.rsplit('/', 1)[-1] for g in part) if isinstance(part, tuple) else part}"
    for label, part in zip(("FROM", "NAMED", "dgu", "ngu"), row, strict=True) if part))
def test_every_dataset_combination_matches_the_reference(server, reference, graphs, row):
    froms, from_nameds, defaults, nameds = (_resolve(part, graphs) for part in row)
    params = [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in nameds]
    given = bool(froms or from_nameds or defaults or nameds)
    # nkhr's own dataset, spelled out for the reference
    reference_params = params if given else (
        [("default-graph-uri", g) for g in graphs if not is_section_graph(g)]
        + [("named-graph-uri", g) for g in graphs])
    for name, template in QUERIES.items():
        query = template.format(**{"from": _dataset_clause(froms, from_nameds)})
        ours = _count(server.url + "/sparql", query, params)
        theirs = _count(reference.url + "/query", query, reference_params)
        assert ours == theirs, (name, row, ours, theirs)


def test_the_cases_of_the_issue(server, graphs):
    """FROM NAMED alone, or named-graph-uri alone, leaves the default graph empty; default-graph-uri
    alone leaves GRAPH ?g nothing to see; no dataset at all is the union of three graphs."""
    url = server.url + "/sparql"
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert _count(url, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{A}> WHERE {{ ?s ?p ?o }}", []) == 0
    assert _count(url, everything, [("named-graph-uri", A)]) == 0
    assert _count(url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", [("default-graph-uri", A)]) == 0
    assert _count(url, f"SELECT (COUNT(*) AS ?n) FROM <{A}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", []) == 0
    assert _count(url, everything, [("default-graph-uri", A)]) == graphs[A]
    assert _count(url, everything, []) == graphs[A] + graphs[ONT] + graphs[INF]
    assert _count(url, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", []) == len(graphs)


def test_store_modes_second_reading_accepts_every_dataset_clause_of_this_dataset():
    """nkhr serve --store reads each query again (remote/barrier.py): FROM NAMED of one of our graphs
    passes there too, and a foreign one is refused there too."""
    from rdflib.plugins.sparql.parser import parseQuery

    from nkhr.remote.barrier import judge
    allowed = {A, ONT, INF}
    for clause in (f"FROM <{A}>", f"FROM NAMED <{A}>", f"FROM <{A}> FROM NAMED <{ONT}>"):
        assert judge(parseQuery(f"SELECT * {clause} WHERE {{ ?s ?p ?o }}"), allowed)[0] == "ok", clause
    for clause in ("FROM <http://example.org/g>", "FROM NAMED <http://example.org/g>"):
        verdict, message = judge(parseQuery(f"SELECT * {clause} WHERE {{ ?s ?p ?o }}"), allowed)
        assert verdict == "refused" and "http://example.org/g" in message, clause
