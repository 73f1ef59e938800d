"""Content negotiation as clients send it: media-type parameters, format= short names and media
types, GET and POST alike, a 406 only when nothing the client accepts is written, Vary always.

The first tests read headers with nkhr.web.negotiation alone; the rest ask the running server.
"""

from __future__ import annotations

import pytest
import requests
from rdflib import Dataset, Graph, URIRef

from nkhr import formats
from nkhr.formats import Kind
from nkhr.web.negotiation import RDF, RESULTS, NotAcceptable, choose_format, parse_accept, wants_html_ranges

ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/nkhr/ontology#DetentionFacility> } LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/nkhr/id/kwan-li-so-15> AS ?s) ?s ?p ?o }"
KWAN_LI_SO = "https://w3id.org/nkhr/id/kwan-li-so-15"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


# --- the registry and the header reader -------------------------------------------------------------------

def test_every_format_name_and_alias_names_one_format_per_kind():
    for kind in Kind:
        seen: dict[str, str] = {}
        for fmt in formats.of_kind(kind):
            for name in fmt.names:
                assert seen.setdefault(name, fmt.name) == fmt.name, (kind, name)
    assert len({f.name for f in formats.FORMATS}) == len(formats.FORMATS)     # names are unique across kinds
    assert formats.lookup("xml", [Kind.RESULTS]).name == "xml"
    assert formats.lookup("xml", [Kind.GRAPH]).name == "rdfxml"                 # "xml" no longer means two things


@pytest.mark.parametrize("accept,offered,expected", [
    ("application/sparql-results+json;charset=utf-8", RESULTS, "json"),
    ("application/sparql-results+json; charset=UTF-8", RESULTS, "json"),
    ("text/turtle; charset=utf-8", RDF, "turtle"),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"', RDF, "jsonld"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted http://example.org/x"; q=0.9', RDF,
     "jsonld"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9, */*;q=0.1", RESULTS, "xml"),
    ("text/tab-separated-values, text/*;q=0.1", RESULTS, "tsv"),
    ("text/n3", RDF, "n3"),
    ("application/n-quads", RDF, "nquads"),
    ("application/trig", RDF, "trig"),
    (BROWSER, RDF, "turtle"),            # a browser on a resource without a page: the readable one, not RDF/XML
    ("", RDF, "turtle"),
    ("", RESULTS, "json"),
])
def test_accept_headers_as_clients_write_them(accept, offered, expected):
    assert choose_format(accept, None, offered).name == expected


def test_a_charset_other_than_utf8_cannot_be_met_and_the_406_says_why():
    with pytest.raises(NotAcceptable, match="UTF-8 only.*charset=iso-8859-1"):
        choose_format("text/turtle;charset=iso-8859-1", None, RDF)
    # ... unless something else acceptable remains
    assert choose_format("text/turtle;charset=iso-8859-1, application/n-triples;q=0.5", None, RDF).name == "nt"


@pytest.mark.parametrize("parameter,offered,expected", [
    ("n3", RDF, "n3"), ("rdf+xml", RDF, "rdfxml"), ("xml", RDF, "rdfxml"), ("xml", RESULTS, "xml"),
    ("json", RESULTS, "json"), ("json", RDF, "jsonld"), ("json-ld", RDF, "jsonld"), ("ttl", RDF, "turtle"),
    ("ntriples", RDF, "nt"), ("application/sparql-results+json", RESULTS, "json"),
    ("text/turtle;charset=utf-8", RDF, "turtle"), ("CSV", RESULTS, "csv"),
])
def test_format_names_short_names_and_media_types(parameter, offered, expected):
    assert choose_format("*/*", parameter, offered).name == expected


def test_a_format_parameter_that_does_not_fit_leaves_the_choice_to_accept():
    assert choose_format("text/turtle", "bogus", RDF).name == "turtle"
    assert choose_format("application/rdf+xml", "csv", RDF).name == "rdfxml"
    with pytest.raises(NotAcceptable):
        choose_format("image/png", "bogus", RDF)


def test_garbage_in_accept_is_skipped_not_fatal():
    assert [r.type for r in parse_accept(";;;q=abc,,,text/turtle;q=x, a")] == ["text"]
    assert not wants_html_ranges(parse_accept("application/json"))
    assert wants_html_ranges(parse_accept(BROWSER))


# --- the server --------------------------------------------------------------------------------------------

def sparql(server, query: str, accept: str | None = None, method: str = "GET", **params):
    headers = {"Accept": accept} if accept is not None else {}
    if method == "GET":
        return requests.get(server.url + "/sparql", params={"query": query, **params}, headers=headers, timeout=30)
    return requests.post(server.url + "/sparql", data={"query": query, **params}, headers=headers, timeout=30)


@pytest.mark.parametrize("path,accept,media", [
    ("/sparql?query=" + requests.utils.quote(ASK), "application/sparql-results+json;charset=utf-8",
     "application/sparql-results+json"),
    ("/id/kwan-li-so-15", "text/turtle; charset=utf-8", None),
    ("/.well-known/void", "text/turtle; charset=utf-8", "text/turtle"),
    ("/.well-known/void", 'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"',
     "application/ld+json"),
    ("/ontology", "application/rdf+xml;charset=UTF-8", "application/rdf+xml"),
    ("/rdf-graphs?default", "application/n-triples; charset=utf-8", "application/n-triples"),
    ("/sparql", "text/turtle;charset=utf-8", "text/turtle"),
])
def test_parameterised_accept_headers_are_served(server, path, accept, media):
    response = requests.get(server.url + path, headers={"Accept": accept}, timeout=30, allow_redirects=False)
    if media is None:
        assert response.status_code == 303 and response.headers["Location"].endswith(".ttl")
    else:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(media)
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/sparql?query=" + requests.utils.quote(ASK), "/id/kwan-li-so-15",
                                  "/.well-known/void", "/ontology", "/rdf-graphs?default", "/sparql"])
def test_406_says_why_and_varies_on_accept(server, path):
    response = requests.get(server.url + path, headers={"Accept": "text/turtle;charset=iso-8859-1"}, timeout=30,
                            allow_redirects=False)
    if path.startswith("/sparql?"):        # an ASK has no Turtle form: nothing acceptable either way
        assert response.status_code == 406
    else:
        assert response.status_code == 406 and "charset=iso-8859-1" in response.text
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query,parameter,accept,media", [
    (CONSTRUCT, {"format": "n3", "output": "n3", "results": "n3"}, "application/turtle,text/turtle,text/rdf+n3",
     "text/n3"),
    (CONSTRUCT, {"format": "rdf+xml"}, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, {"format": "xml"}, "application/rdf+xml", "application/rdf+xml"),
    (SELECT, {"format": "xml"}, "application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, {"format": "application/sparql-results+json"}, None, "application/sparql-results+json"),
    (SELECT, {"format": "csv"}, "application/sparql-results+xml", "text/csv"),     # format= wins when it fits
    (SELECT, {"format": "bogus"}, "text/tab-separated-values", "text/tab-separated-values"),
    (SELECT, {"format": "bogus"}, None, "application/sparql-results+json"),
    (CONSTRUCT, {"format": "csv"}, "text/turtle", "text/turtle"),                  # ... and Accept when it does not
    (CONSTRUCT, {"output": "json-ld"}, None, "application/ld+json"),
])
def test_format_parameters_as_clients_send_them_get_and_post_alike(server, method, query, parameter, accept,
                                                                   media):
    response = sparql(server, query, accept, method, **parameter)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(media)
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept,extension", [
    ("text/n3", "n3"), ("application/n-quads", "nq"), ("application/trig", "trig"),
    ("application/rdf+xml", "rdf"), ("application/ld+json", "jsonld"), ("application/n-triples", "nt"),
    (BROWSER, "html"),
])
def test_entity_iris_offer_every_format_of_the_dumps(server, accept, extension):
    response = requests.get(server.url + "/id/kwan-li-so-15", headers={"Accept": accept}, timeout=30,
                            allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == f"/id/kwan-li-so-15.{extension}"


@pytest.mark.parametrize("extension", sorted({f.extension for f in RDF}))
def test_entity_documents_parse_in_every_format_and_link_their_alternates(server, extension):
    fmt = next(f for f in RDF if f.extension == extension)
    response = requests.get(f"{server.url}/id/kwan-li-so-15.{extension}", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(fmt.media_type)
    if fmt.kind is Kind.DATASET:
        triples = list(Dataset().parse(data=response.content, format=fmt.media_type).quads())
    else:
        triples = list(Graph().parse(data=response.content, format=fmt.media_type))
    assert any(str(t[0]) == KWAN_LI_SO for t in triples)
    links = response.headers["Link"]
    assert all(f'.{f.extension}>; rel="alternate"; type="{f.media_type}"' in links for f in RDF)
    assert f'<{KWAN_LI_SO}>; rel="describes"' in links


def test_the_entity_page_links_every_document(server):
    html = requests.get(server.url + "/id/kwan-li-so-15.html", timeout=30).text
    for f in RDF:
        assert f'<link rel="alternate" type="{f.media_type}" href="/id/kwan-li-so-15.{f.extension}"' in html


def test_a_browser_following_the_void_link_gets_turtle_not_rdfxml(server):
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": BROWSER}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    assert (None, None, None) in Graph().parse(data=response.text, format="turtle")


def test_construct_answers_and_entity_documents_are_compact_json_ld(server):
    for response in (sparql(server, CONSTRUCT, "application/ld+json"),
                     requests.get(server.url + "/id/kwan-li-so-15.jsonld", timeout=30)):
        document = response.json()
        assert document["@context"]["nkhr"] == "https://w3id.org/nkhr/ontology#"
        nodes = {node["@id"]: node for node in document["@graph"]}
        assert "kg:kwan-li-so-15" in nodes and "rdfs:label" in nodes["kg:kwan-li-so-15"]
        graph = Graph().parse(data=response.content, format="json-ld")
        assert (URIRef(KWAN_LI_SO), None, None) in graph
