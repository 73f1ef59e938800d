"""Store mode's second barrier (remote/barrier.py): every bypass of the guard the issue found is
refused before a real Oxigraph server sees it, even when the guard is left out entirely.

The store is a real ``oxigraph serve`` (in memory, empty: these queries need no data) on a
loopback port, and a loopback ``Listener`` stands for the "internal service" an attacker wants
the store to call. A control shows the store itself would call it.
"""

from __future__ import annotations

import time

import pytest
import requests

from nkhr.query.engine import QuerySyntaxError
from nkhr.query.guard import QueryRefused
from nkhr.remote.barrier import ParseChecker
from nkhr.remote.client import locate
from nkhr.remote.engine import RemoteEngine, RemotePool
from nkhr.vocab import GRAPH_ASSERTED
from support import OXIGRAPH, Listener, OxigraphServer

pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the Oxigraph server is not installed "
                                                          "(pip install -e '.[test]')")

HOSTS = ("127.0.0.1", "localhost", "2130706433")


def bypasses(port: int) -> dict[str, str]:
    """The issue's probes (and the older string trick), each aimed at the listener."""
    probes = {}
    for host in HOSTS:
        target = f"http://{host}:{port}/internal"
        probes[f"escaped IRI, {host}"] = ("SELECT ?o WHERE { BIND(<http://x/\\u0041#> AS ?x) "
                                          f"SERVICE <{target}> {{ ?s ?p ?o }} }}")
        probes[f"non-ASCII escape, {host}"] = ("SELECT ?o WHERE { BIND(<http://x/\\u00C9#> AS ?x) "
                                               f"SERVICE <{target}> {{ ?s ?p ?o }} }}")
        probes[f"less-than read as an IRI, {host}"] = (f"SELECT * WHERE {{ FILTER(1<'>') SERVICE <{target}> "
                                                       "{ ?x ?y ?z } FILTER('x'='x') } #'")
        probes[f"plain SERVICE, {host}"] = f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"
        probes[f"FROM, {host}"] = f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"
    probes["2,000 UNIONs"] = "SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(2000)) + " }"
    probes["700 MINUS"] = "SELECT * WHERE { ?s ?p ?o " + " ".join(f"MINUS {{ ?s ?p {i} }}" for i in range(700)) + " }"
    probes["45,000-deep nesting"] = "SELECT * WHERE " + "{ " * 45_000 + "?s ?p ?o" + " }" * 45_000
    return probes




@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    running = OxigraphServer(tmp_path_factory.mktemp("barrier-oxigraph"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def listener():
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def pool(oxigraph):
    running = RemotePool(RemoteEngine(locate(oxigraph.url), [GRAPH_ASSERTED], timeout=10))
    yield running
    running.close()


def store_answers(oxigraph) -> bool:
    response = requests.post(oxigraph.url + "/query", data={"query": "ASK {}"}, timeout=10,
                             headers={"Accept": "application/sparql-results+json"})
    return oxigraph.process.poll() is None and response.json()["boolean"] is True


def test_the_store_itself_would_call_the_listener(oxigraph, listener):
    """The control: sent straight to the store (no guard, no barrier), the escaped-IRI query makes
    the Oxigraph server connect to the listener, so the test below can fail."""
    before = listener.connections
    engine = RemoteEngine(locate(oxigraph.url), [GRAPH_ASSERTED], timeout=10)
    query = bypasses(listener.port)["escaped IRI, 127.0.0.1"]
    with pytest.raises(Exception):  # noqa: B017 - the listener hangs up; the store says so, in its way
        engine.query(query)
    deadline = time.monotonic() + 5
    while listener.connections == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections > before


def test_every_bypass_is_refused_by_the_barrier_alone(pool, oxigraph, listener):
    time.sleep(0.3)
    before = listener.connections
    for name, query in bypasses(listener.port).items():
        with pytest.raises((QueryRefused, QuerySyntaxError)) as refused:
            pool.run(query, timeout=10)
        assert str(refused.value) and "Traceback" not in str(refused.value), name
    time.sleep(0.3)
    assert listener.connections == before
    assert store_answers(oxigraph)


def test_the_barrier_forwards_legal_queries_and_the_stores_syntax_errors(pool):
    answer = pool.run("ASK { FILTER(1 < 2) }", timeout=10)
    assert answer.kind == "ask" and b"true" in answer.body
    with pytest.raises(QuerySyntaxError) as error:
        pool.run("SELECT ?s WHERE { ?s ?p }", timeout=10)
    assert "error at" in str(error.value)


def test_a_reader_that_runs_out_of_time_is_replaced():
    checker = ParseChecker(size=1)
    try:
        checker.check("ASK {}", [], timeout=30)          # started
        with pytest.raises(QueryRefused) as refused:
            checker.check("SELECT * WHERE { " + "?s ?p ?o . " * 4000 + "}", [], timeout=0.05)
        assert "time limit" in str(refused.value)
        checker.check("ASK {}", [], timeout=30)          # a fresh reader answers
    finally:
        checker.close()


def test_a_verdict_is_remembered_so_a_query_asked_again_is_not_read_again():
    import queue
    checker = ParseChecker(size=1)
    try:
        checker.check("ASK { ?s ?p ?o }", [GRAPH_ASSERTED], timeout=30)
        with pytest.raises(QueryRefused):
            checker.check("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", [], timeout=30)
        readers, checker._idle = checker._idle, queue.Queue()     # no reader is free from now on
        checker.check("ASK { ?s ?p ?o }", [GRAPH_ASSERTED], timeout=0.1)
        with pytest.raises(QueryRefused, match="SERVICE"):
            checker.check("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", [], timeout=0.1)
        with pytest.raises(QueryRefused) as busy:
            checker.check("ASK { ?a ?b ?c }", [GRAPH_ASSERTED], timeout=0.1)
        assert busy.value.status == 503
        checker._idle = readers
    finally:
        checker.close()


def test_a_readers_start_does_not_count_against_the_query():
    """The first query a fresh reader gets waits for it to start (rdflib and pyoxigraph to load),
    then has its whole time limit: a short limit must not make it refuse every query."""
    checker = ParseChecker(size=1)
    try:
        checker.check("ASK { ?s ?p ?o }", [GRAPH_ASSERTED], timeout=0.5)
    finally:
        checker.close()
