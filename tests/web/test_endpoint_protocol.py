"""SPARQL 1.1 Protocol conformance, modelled on the query tests of the W3C protocol test suite
(w3c/rdf-tests, sparql/sparql11/protocol): the positive cases (GET, form POST, direct POST,
dataset parameters, result formats) and the negative ones (bad syntax, update, wrong media
types, repeated parameters)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Graph

from nkhr.vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, is_section_graph

COUNT_CAMPS = """PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
SELECT (COUNT(?c) AS ?n) WHERE { ?c a nkhr:PoliticalPrisonCamp }"""
ASK_YODOK = """PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
ASK { <https://w3id.org/nkhr/id/kwan-li-so-15> nkhr:officialName "Kwan-li-so No. 15" }"""
CONSTRUCT_YODOK = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/nkhr/id/kwan-li-so-15> AS ?s) ?s ?p ?o }"
DESCRIBE_YODOK = "DESCRIBE <https://w3id.org/nkhr/id/kwan-li-so-15>"
SRX = "{http://www.w3.org/2005/sparql-results#}"


def get(server, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.url + "/sparql", params={"query": query, **params}, headers=headers, timeout=30)


def json_count(response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_query_by_get(server):
    response = get(server, COUNT_CAMPS, "application/sparql-results+json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert json_count(response) == 7


def test_query_by_form_post(server):
    response = requests.post(server.url + "/sparql", data={"query": COUNT_CAMPS},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200 and json_count(response) == 7


def test_query_by_direct_post(server):
    response = requests.post(server.url + "/sparql", data=COUNT_CAMPS.encode(),
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200 and json_count(response) == 7


def test_direct_post_with_charset_parameter(server):
    response = requests.post(server.url + "/sparql", data=COUNT_CAMPS.encode(),
                             headers={"Content-Type": "application/sparql-query; charset=UTF-8"}, timeout=30)
    assert response.status_code == 200 and json_count(response) == 7


def test_select_as_xml(server):
    response = get(server, COUNT_CAMPS, "application/sparql-results+xml")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    root = ET.fromstring(response.content)
    assert root.find(f"{SRX}results/{SRX}result/{SRX}binding/{SRX}literal").text == "7"


def test_select_as_csv_and_tsv(server):
    rows = list(csv.reader(io.StringIO(get(server, COUNT_CAMPS, "text/csv").text)))
    assert rows == [["n"], ["7"]]
    tsv = get(server, COUNT_CAMPS, "text/tab-separated-values")
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    lines = tsv.text.splitlines()
    assert lines[0] == "?n" and lines[1].startswith('"7"^^')


@pytest.mark.parametrize("accept,check", [
    ("application/sparql-results+json", lambda r: r.json()["boolean"] is True),
    ("application/sparql-results+xml", lambda r: ET.fromstring(r.content).find(f"{SRX}boolean").text == "true"),
    ("text/csv", lambda r: r.text.split() == ["_askResult", "true"]),
    ("text/tab-separated-values", lambda r: r.text.split() == ["?_askResult", "true"]),
])
def test_ask_in_every_result_format(server, accept, check):
    response = get(server, ASK_YODOK, accept)
    assert response.status_code == 200 and check(response)


@pytest.mark.parametrize("query", [CONSTRUCT_YODOK, DESCRIBE_YODOK])
@pytest.mark.parametrize("accept,parser", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
])
def test_construct_and_describe_in_every_rdf_format(server, query, accept, parser):
    response = get(server, query, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=response.content, format=parser)
    labels = {str(o) for o in graph.objects(predicate=None) if str(o) == "Yodok Political Prison Camp"}
    assert labels == {"Yodok Political Prison Camp"}


def test_q_values_are_honoured(server):
    response = get(server, COUNT_CAMPS, "text/csv;q=0.4, application/sparql-results+xml;q=0.9, */*;q=0.1")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    response = get(server, COUNT_CAMPS, "application/sparql-results+xml;q=0.2, text/csv")
    assert response.headers["Content-Type"].startswith("text/csv")


def test_format_parameter_overrides_accept(server):
    response = get(server, COUNT_CAMPS, "application/sparql-results+xml", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    response = get(server, CONSTRUCT_YODOK, "text/turtle", format="jsonld")
    assert response.headers["Content-Type"].startswith("application/ld+json")


def test_unacceptable_format_is_406_listing_what_is_supported(server):
    response = get(server, COUNT_CAMPS, "image/png")
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/csv" in response.text


def test_default_accept_gives_json_for_select_and_turtle_for_construct(server):
    assert get(server, COUNT_CAMPS).headers["Content-Type"].startswith("application/sparql-results+json")
    assert get(server, CONSTRUCT_YODOK).headers["Content-Type"].startswith("text/turtle")


def test_syntax_error_is_400_with_the_parsers_message_and_position(server):
    response = get(server, "SELECT ?x WHERE { ?x ?y }")
    assert response.status_code == 400
    assert "not valid SPARQL" in response.text
    assert "1:" in response.text   # line:column of the error


def test_default_graph_is_the_union_and_each_graph_is_queryable(server):
    inferred_type = """PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK { <https://w3id.org/nkhr/id/michael-kirby> a prov:Agent }"""
    assert get(server, inferred_type).json()["boolean"] is True
    for graph, expect in [(GRAPH_INFERRED, True), (GRAPH_ASSERTED, False)]:
        in_graph = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
            ASK {{ GRAPH <{graph}> {{ <https://w3id.org/nkhr/id/michael-kirby> a prov:Agent }} }}"""
        assert get(server, in_graph).json()["boolean"] is expect
    counts = get(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").json()
    named = {b["g"]["value"] for b in counts["results"]["bindings"]}
    assert {g for g in named if not is_section_graph(g)} == {GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED}
    assert any(is_section_graph(g) for g in named)         # and one graph per article section


def test_default_graph_uri_restricts_the_default_graph(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> }"
    in_ontology = json_count(get(server, query, **{"default-graph-uri": GRAPH_ONTOLOGY}))
    in_asserted = json_count(get(server, query, **{"default-graph-uri": GRAPH_ASSERTED}))
    assert in_ontology > 30 and in_asserted == 0


def test_named_graph_uri_restricts_graph_patterns(server):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = get(server, query, **{"named-graph-uri": GRAPH_ASSERTED})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [GRAPH_ASSERTED]


def test_from_our_own_graph_is_allowed(server):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGY}> WHERE {{ ?s a <http://www.w3.org/2002/07/owl#Class> }}"
    assert json_count(get(server, query)) > 30


@pytest.mark.parametrize("send", [
    lambda url: requests.post(url, data="INSERT DATA { <a:a> <a:b> <a:c> }",
                              headers={"Content-Type": "application/sparql-update"}, timeout=30),
    lambda url: requests.post(url, data={"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}, timeout=30),
    lambda url: requests.get(url, params={"update": "CLEAR ALL"}, timeout=30),
    lambda url: requests.get(url, params={"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}, timeout=30),
    lambda url: requests.post(url, data={"query": "DROP ALL"}, timeout=30),
])
def test_update_is_refused_with_403_read_only(server, send):
    response = send(server.url + "/sparql")
    assert response.status_code == 403
    assert "read-only" in response.text


def test_query_and_update_together_is_400(server):
    response = requests.post(server.url + "/sparql", data={"query": ASK_YODOK, "update": "CLEAR ALL"}, timeout=30)
    assert response.status_code == 400 and "both" in response.text


def test_two_query_parameters_is_400(server):
    response = requests.get(server.url + "/sparql", params=[("query", ASK_YODOK), ("query", ASK_YODOK)], timeout=30)
    assert response.status_code == 400 and "exactly one" in response.text


def test_post_without_a_query_is_400(server):
    response = requests.post(server.url + "/sparql", data={"default-graph-uri": GRAPH_ASSERTED}, timeout=30)
    assert response.status_code == 400 and "query" in response.text


def test_post_with_an_unknown_media_type_is_415(server):
    response = requests.post(server.url + "/sparql", data=ASK_YODOK, headers={"Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 415 and "application/sparql-query" in response.text


def test_non_utf8_body_is_400(server):
    response = requests.post(server.url + "/sparql", data=b"ASK { ?s ?p \xff\xfe }",
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 400 and "UTF-8" in response.text


def test_service_description_without_a_query(server):
    response = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    result = graph.query(f"""PREFIX sd: <{sd}> SELECT ?endpoint ?name WHERE {{
        ?s a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage sd:SPARQL11Query ;
           sd:feature sd:UnionDefaultGraph ; sd:defaultDataset/sd:namedGraph/sd:name ?name }}""")
    rows = {(str(e), str(n)) for e, n in result}
    assert {n for _, n in rows if not is_section_graph(n)} == {GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED}
    assert {e for e, _ in rows} == {server.url + "/sparql"}


def test_cors_headers_for_browser_clients_on_other_origins(server):
    response = get(server, ASK_YODOK)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"}, timeout=30)
    assert preflight.status_code in (200, 204)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_served_by_a_production_front_without_a_version(server):
    """nginx in front of gunicorn (web/front.py); neither says its version, Werkzeug is not there."""
    response = requests.get(server.url + "/", timeout=30)
    assert "Werkzeug" not in response.headers.get("Server", "")
    assert response.headers.get("Server", "") == "nginx"


TABULAR_FORMATS = [("json", "application/sparql-results+json"), ("csv", "text/csv"),
                   ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml")]
GRAPH_FORMATS = [("turtle", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
                 ("xml", "application/rdf+xml")]


def test_named_queries_over_http_in_every_format(server, catalog):
    from nkhr.query.guard import inspect
    listing = requests.get(server.url + "/queries", headers={"Accept": "application/json"}, timeout=30).json()
    assert {q["name"] for q in listing} == set(catalog)
    assert all(q["title"] and q["description"] for q in listing)
    allowed = {GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED}
    for name, named in catalog.items():
        form = inspect(named.text, allowed).form
        formats = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else TABULAR_FORMATS
        for fmt, media in formats:
            response = requests.get(f"{server.url}/queries/{name}", params={"format": fmt}, timeout=30)
            assert response.status_code == 200, (name, fmt, response.text)
            assert response.headers["Content-Type"].startswith(media), (name, fmt)


def test_result_rows_are_capped(tmp_path, project):
    from support import RunningServer, copy_project
    copy_project(project, tmp_path)
    small = RunningServer(tmp_path, env={"NKHR_MAX_ROWS": "5"})
    try:
        # more results than the cap: an error, never the first five passed off as the answer
        response = requests.get(small.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30)
        assert response.status_code == 503 and "more than 5 results" in response.text
        assert response.headers["Content-Type"].startswith("text/plain")
        # as many as the cap: the whole answer
        response = requests.get(small.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"},
                                timeout=30)
        assert response.status_code == 200 and len(response.json()["results"]["bindings"]) == 5
    finally:
        small.stop()
