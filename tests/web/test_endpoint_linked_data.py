"""Linked-data publishing: dereferenceable IRIs, entity pages, dumps, the Graph Store, VoID."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from nkhr.vocab import BASE, GRAPH_ASSERTED, GRAPHS, NKHR


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE):]


def test_a_thing_iri_answers_303_to_a_document_chosen_by_accept(server):
    for accept, suffix in [("text/html", ".html"), ("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"),
                           ("application/n-triples", ".nt"), ("application/rdf+xml", ".rdf")]:
        response = requests.get(server.url + "/id/kwan-li-so-15", headers={"Accept": accept},
                                allow_redirects=False, timeout=30)
        assert response.status_code == 303, accept
        assert response.headers["Location"].endswith("/id/kwan-li-so-15" + suffix)
        assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("suffix,parser", [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")])
def test_the_rdf_description_holds_the_facts_and_the_claims_about_it(server, suffix, parser):
    response = requests.get(f"{server.url}/id/kwan-li-so-15.{suffix}", timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=parser)
    camp = URIRef(BASE + "id/kwan-li-so-15")
    assert (camp, NKHR.officialName, None) in graph
    claims = set(graph.subjects(NKHR.about, camp))
    assert URIRef(BASE + "id/claim-kwan-li-so-15-prisoners") in claims
    assert (URIRef(BASE + "id/claim-kwan-li-so-15-prisoners"), NKHR.certainty, None) in graph


def test_every_entity_iri_in_the_data_resolves(server, built):
    subjects = sorted({str(s) for s in built.data.graph.subjects() if str(s).startswith(BASE + "id/")})
    assert len(subjects) > 50
    session = requests.Session()
    failures = []
    for iri in subjects:
        response = session.get(server.url + path_of(iri), headers={"Accept": "text/turtle"}, timeout=30)
        if response.status_code != 200 or URIRef(iri) not in (
                {s for s in Graph().parse(data=response.text, format="turtle").subjects()}
                | {o for o in Graph().parse(data=response.text, format="turtle").objects()}):
            failures.append((iri, response.status_code))
    assert failures == []


def test_a_section_iri_with_an_apostrophe_resolves(server):
    path = "/id/section/Commission_of_Inquiry_on_Human_Rights_in_the_Democratic_People%27s_Republic_of_Korea"
    response = requests.get(server.url + path, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert any(str(o).startswith("https://en.wikipedia.org/wiki/Human_rights_in_North_Korea#Commission")
               for o in graph.objects())


def test_unknown_iris_are_404(server):
    assert requests.get(server.url + "/id/no-such-thing", timeout=30).status_code == 404


def test_the_entity_page_shows_label_facts_sources_claims_and_links(server):
    page = requests.get(server.url + "/id/kwan-li-so-15", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "<h1>Yodok Political Prison Camp</h1>" in html
    assert "Kwan-li-so No. 15" in html                                  # a fact
    assert 'href="/id/section/Internment_camps_for_political_prisoners"' in html   # its source section
    assert "46500" in html and "stated as fact" in html                 # a claim, with its certainty
    assert "Linked from" in html and "Yodok camp section for lifelong detention" in html
    assert "Content-Security-Policy" in page.headers


def test_claim_boxes_give_each_quantity_as_a_person_would_write_it(server):
    html = requests.get(server.url + "/id/kwan-li-so-15.html", timeout=30).text
    assert '<p class="quantity">46,500</p>' in html
    assert '<p class="quantity">378 km²</p>' in html and '<p class="quantity">146 mi²</p>' in html
    assert '<p class="quantity">3–4</p>' in html                      # a range, from min and max


def test_claims_show_attribution_and_disputes(server):
    html = requests.get(server.url + "/id/north-korea.html", timeout=30).text
    assert "Commission of Inquiry" in html and "disputed by" in html.lower()


def test_ontology_resolves_for_browsers_and_machines(server):
    html = requests.get(server.url + "/ontology", headers={"Accept": "text/html"}, timeout=30)
    assert html.status_code == 200 and "nkhr:Claim" in html.text
    turtle = requests.get(server.url + "/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (NKHR.Claim, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph


@pytest.mark.parametrize("name,parser,quads", [
    ("dataset.ttl", "turtle", False), ("dataset.nt", "nt", False), ("dataset.jsonld", "json-ld", False),
    ("dataset.rdf", "xml", False), ("dataset.trig", "trig", True), ("dataset.nq", "nquads", True),
])
def test_dumps_in_every_format_with_validators_and_gzip(server, name, parser, quads):
    url = f"{server.url}/dumps/{name}"
    response = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    if quads:
        dataset = Dataset()
        dataset.parse(data=response.content, format=parser)
        assert {str(g.identifier) for g in dataset.graphs() if len(g)} >= set(GRAPHS)
    else:
        assert len(Graph().parse(data=response.content, format=parser)) > 1000
    again = requests.get(url, headers={"If-None-Match": response.headers["ETag"], "Accept-Encoding": "identity"},
                         timeout=30)
    assert again.status_code == 304
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=60)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.raw.read()) == response.content


def test_graph_store_protocol_reads_each_graph(server, built):
    for name in GRAPHS:
        response = requests.get(server.url + "/rdf-graphs", params={"graph": name},
                                headers={"Accept": "application/n-triples"}, timeout=60)
        assert response.status_code == 200
        assert len(Graph().parse(data=response.text, format="nt")) == len(built.graphs[name])
    union = requests.get(server.url + "/rdf-graphs?default", headers={"Accept": "text/turtle"}, timeout=60)
    assert len(Graph().parse(data=union.text, format="turtle")) > len(built.graphs[GRAPH_ASSERTED])
    missing = requests.get(server.url + "/rdf-graphs", params={"graph": BASE + "graph/nope"}, timeout=30)
    assert missing.status_code == 404


def test_void_and_dcat_describe_the_dataset_truthfully(server):
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(BASE + "dataset")
    metadata = json.loads((server.root / "dist" / "build.json").read_text())
    # the default graph's triples (the section graphs repeat asserted ones; tests/web/test_descriptions_and_http.py)
    assert int(graph.value(dataset, VOID.triples)) == sum(
        n for name, n in metadata["graphs"].items() if not name.startswith(BASE + "graph/section/"))
    assert graph.value(dataset, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
    assert graph.value(dataset, DCTERMS.source) == URIRef("https://en.wikipedia.org/wiki/Human_rights_in_North_Korea")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(server.url + "/sparql")
    assert len(list(graph.objects(dataset, VOID.dataDump))) == 6
    assert len([d for d in graph.objects(dataset, DCAT.distribution) if graph.value(d, DCAT.downloadURL)]) == 6
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert {str(NKHR), "http://www.w3.org/ns/prov#", "https://schema.org/"} <= vocabularies
    assert {str(s) for s in graph.objects(dataset, VOID.subset)} == set(metadata["graphs"]) >= set(GRAPHS)


def test_every_page_links_to_the_void_description(server):
    for path in ("/", "/queries", "/id/kwan-li-so-15.html", "/sparql"):
        response = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert '</.well-known/void>; rel="describedby"' in response.headers["Link"]
        assert 'href="/.well-known/void"' in response.text
