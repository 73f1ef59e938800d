"""Real SPARQL clients against the running server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

MEMBERS = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name WHERE { ?p org:memberOf <https://w3id.org/nkhr/id/commission-of-inquiry> ; rdfs:label ?name }
ORDER BY ?name"""


def test_sparqlwrapper_select_in_json_xml_and_csv(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(MEMBERS)
    client.setReturnFormat(JSON)
    names = [b["name"]["value"] for b in client.query().convert()["results"]["bindings"]]
    assert names == ["Marzuki Darusman", "Michael Kirby", "Sonja Biserko"]
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 3
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[1:] == names


def test_sparqlwrapper_post_construct_and_ask(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setMethod("POST")
    client.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/nkhr/id/michael-kirby> AS ?s) ?s ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert (URIRef("https://w3id.org/nkhr/id/michael-kirby"), None, None) in graph
    client.setQuery("ASK { <https://w3id.org/nkhr/id/michael-kirby> ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_rdflib_sparqlstore(server):
    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    names = sorted(str(row.name) for row in graph.query(MEMBERS))
    assert names == ["Marzuki Darusman", "Michael Kirby", "Sonja Biserko"]
    assert (URIRef("https://w3id.org/nkhr/id/michael-kirby"), None, None) in graph
