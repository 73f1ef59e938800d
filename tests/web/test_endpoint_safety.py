"""Safe by default: nothing in a request makes the server reach outside its dataset, a runaway
query is stopped while other clients keep their answers, and requests are bounded in size."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from nkhr.vocab import GRAPH_ASSERTED
from support import Listener


@pytest.fixture
def listener():
    running = Listener()
    yield running
    running.close()


def ask(server, query, **params):
    return requests.get(server.url + "/sparql", params={"query": query, **params}, timeout=30)


@pytest.mark.parametrize("template", [
    "SELECT * FROM <http://127.0.0.1:{port}/x> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * FROM ex:x WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE {{ SERVICE <http://169.254.169.254/latest/meta-data> {{ ?s ?p ?o }} }}",
])
def test_outside_graphs_and_services_are_refused_without_any_connection(server, listener, template):
    response = ask(server, template.format(port=listener.port))
    assert response.status_code == 400
    assert "never" in response.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_dataset_parameters_naming_outside_graphs_are_refused(server, listener):
    outside = f"http://127.0.0.1:{listener.port}/g"
    for parameter in ("default-graph-uri", "named-graph-uri"):
        response = ask(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{parameter: outside})
        assert response.status_code == 400 and outside in response.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_words_service_and_from_inside_strings_and_variables_are_fine(server):
    query = """SELECT ?service ?from WHERE { BIND("SERVICE <http://x/>" AS ?service) BIND('FROM' AS ?from) }
               # SERVICE <http://127.0.0.1:1/> in a comment"""
    response = ask(server, query)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["service"]["value"] == "SERVICE <http://x/>"


def test_a_runaway_query_times_out_while_another_client_gets_answers(server):
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["response"] = ask(server, cartesian)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    quick = []
    while thread.is_alive():
        started = time.monotonic()
        response = ask(server, "ASK { ?s ?p ?o }")
        quick.append((response.status_code, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert outcome["response"].status_code == 503
    assert "stopped" in outcome["response"].text and "2-second limit" in outcome["response"].text
    assert outcome["seconds"] < 2 + 1.5
    assert quick and all(status == 200 for status, _ in quick)
    # and the server is healthy afterwards
    assert ask(server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_deeply_nested_queries_are_refused_before_they_reach_the_engine(server):
    query = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    response = requests.post(server.url + "/sparql", data=query.encode(),
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 400 and "deep" in response.text
    assert ask(server, "ASK { ?s ?p ?o }").status_code == 200


def test_oversized_queries_and_bodies_are_refused(server):
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    response = requests.post(server.url + "/sparql", data=long_query.encode(),
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 413 and "at most" in response.text
    huge = b"#" * (2 * 1024 * 1024)
    response = requests.post(server.url + "/sparql", data=huge,
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 413


def test_graph_store_is_read_only(server):
    response = requests.put(server.url + "/rdf-graphs", params={"graph": GRAPH_ASSERTED}, data="<a:a> <a:b> <a:c> .",
                            headers={"Content-Type": "text/turtle"}, timeout=30)
    assert response.status_code == 405 and "read-only" in response.text
    assert "GET" in response.headers["Allow"]
