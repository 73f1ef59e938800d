"""The descriptions are true of the data, and HTTP serves big downloads and browser clients.

VoID counts are recomputed here with SPARQL on the endpoint; DCAT has what DCAT-AP requires of
a distribution and a data service; the JSON-LD @context is published at a stable address;
dumps and exports answer Range and If-Range; a CORS preflight allows what a page on another
origin needs for revalidation, resumed downloads and auth.
"""

from __future__ import annotations

import json

import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from nkhr.vocab import is_section_graph

DATASET = URIRef("https://w3id.org/nkhr/dataset")


def void(server) -> Graph:
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    return Graph().parse(data=response.text, format="turtle")


def count(server, query: str) -> int:
    response = requests.post(server.url + "/sparql", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def value(graph: Graph, subject, predicate) -> int:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return int(values[0])


def test_void_counts_equal_their_sparql_recomputation(server):
    graph = void(server)
    space = str(next(graph.objects(DATASET, VOID.uriSpace)))
    assert value(graph, DATASET, VOID.triples) == count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert value(graph, DATASET, VOID.entities) == count(server, f"""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
        {{ ?e ?p ?o }} UNION {{ ?s ?p ?e }} FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{space}")) }}""")
    assert value(graph, DATASET, VOID.classes) == count(server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert value(graph, DATASET, VOID.properties) == count(server,
                                                           "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    subsets = set(graph.objects(DATASET, VOID.subset))
    named = {row["g"]["value"] for row in requests.get(server.url + "/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}, timeout=30).json()["results"]["bindings"]}
    assert {str(s) for s in subsets} == named
    for subset in subsets:
        assert value(graph, subset, VOID.triples) == count(
            server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{subset}> {{ ?s ?p ?o }} }}"), subset


def test_void_lists_every_vocabulary_the_data_uses(server):
    graph = void(server)
    listed = {str(v) for v in graph.objects(DATASET, VOID.vocabulary)}
    terms = requests.get(server.url + "/sparql", params={"query": "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION "
                                                                  "{ ?s a ?t FILTER(isIRI(?t)) } }"},
                         timeout=30).json()["results"]["bindings"]
    used = set()
    for row in terms:
        iri = row["t"]["value"]
        used.add(iri[: max(iri.rfind("#"), iri.rfind("/")) + 1])
    assert used == listed
    assert {"http://www.w3.org/2002/07/owl#", "http://purl.org/vocab/vann/"} <= listed


def test_dcat_distributions_and_data_service_are_complete(server):
    graph = void(server)
    distributions = set(graph.objects(DATASET, DCAT.distribution))
    downloads = [d for d in distributions if (d, DCAT.downloadURL, None) in graph]
    assert len(downloads) == 6
    for distribution in distributions:
        assert (distribution, RDF.type, DCAT.Distribution) in graph
        assert (distribution, DCAT.accessURL, None) in graph, distribution        # DCAT-AP: mandatory
        assert (distribution, DCTERMS.title, None) in graph and (distribution, DCTERMS.license, None) in graph
    for distribution in downloads:
        url = str(next(graph.objects(distribution, DCAT.downloadURL)))
        response = requests.get(url, timeout=60)
        assert response.status_code == 200
        media_type = str(next(graph.objects(distribution, DCAT.mediaType)))
        assert media_type.startswith("http://www.iana.org/assignments/media-types/")
        assert response.headers["Content-Type"].split(";")[0] == media_type.rsplit("/media-types/", 1)[1]
        assert value(graph, distribution, DCAT.byteSize) == len(response.content), url
    service = URIRef(server.url + "/sparql")
    assert (service, RDF.type, DCAT.DataService) in graph
    assert (service, DCTERMS.title, None) in graph
    assert (service, DCAT.endpointURL, service) in graph and (service, DCAT.servesDataset, DATASET) in graph
    sd = Graph().parse(data=requests.get(str(service), headers={"Accept": "text/turtle"}, timeout=30).text,
                       format="turtle")
    assert (service, DCTERMS.title, None) in sd
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat"),
            URIRef("http://www.w3.org/ns/formats/N-Quads")) in sd


def test_the_void_triple_count_is_the_default_graph_not_the_quads(server):
    graphs = json.loads((server.root / "dist" / "build.json").read_text())["graphs"]
    assert value(void(server), DATASET, VOID.triples) == sum(
        n for name, n in graphs.items() if not is_section_graph(name))


def test_the_json_ld_context_is_published_and_is_the_one_documents_carry(server):
    response = requests.get(server.url + "/context.jsonld", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/ld+json")
    context = response.json()["@context"]
    document = requests.get(server.url + "/id/kwan-li-so-15.jsonld", timeout=30).json()
    assert document["@context"] == context
    again = requests.get(server.url + "/context.jsonld", headers={"If-None-Match": response.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304
    # the context expands the compact IRIs back to the dataset's
    graph = Graph().parse(data=json.dumps({"@context": context, "@id": "kg:x", "rdfs:label": "x"}), format="json-ld")
    assert (URIRef("https://w3id.org/nkhr/id/x"), None, Literal("x")) in graph


# --- HTTP ----------------------------------------------------------------------------------------------------

def test_range_and_if_range_on_dumps_and_exports(server):
    """As ``curl -C -`` resumes a download: the bytes of the file, uncompressed."""
    for path in ("/dumps/dataset.nt", "/dumps/dataset.ttl", "/exports/graph.graphml"):
        whole = requests.get(server.url + path, headers={"Accept-Encoding": "identity"}, timeout=60)
        assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes", path
        size, etag = len(whole.content), whole.headers["ETag"]
        part = requests.get(server.url + path, headers={"Range": "bytes=0-99"}, timeout=60)      # gzip accepted
        assert part.status_code == 206 and part.content == whole.content[:100], path
        assert part.headers["Content-Range"] == f"bytes 0-99/{size}"
        rest = requests.get(server.url + path, headers={"Range": "bytes=100-", "If-Range": etag}, timeout=60)
        assert rest.status_code == 206 and part.content + rest.content == whole.content, path
        stale = requests.get(server.url + path, headers={"Range": "bytes=100-", "If-Range": '"another-build"'},
                             timeout=60)
        assert stale.status_code == 200 and stale.content == whole.content, path    # changed: the whole file
        beyond = requests.get(server.url + path, headers={"Range": f"bytes={size + 10}-"}, timeout=60)
        assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}", path


def test_cors_preflight_allows_revalidation_resumed_downloads_and_auth(server):
    wanted = ["If-None-Match", "If-Modified-Since", "Range", "If-Range", "X-Requested-With", "Authorization",
              "Content-Type", "Accept"]
    for path in ("/sparql", "/dumps/dataset.nt", "/id/kwan-li-so-15"):
        preflight = requests.options(server.url + path, timeout=30, headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": ", ".join(h.lower() for h in wanted)})
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
        assert {h.lower() for h in wanted} <= allowed, path
    answer = requests.get(server.url + "/dumps/dataset.nt", headers={"Origin": "https://example.org"}, timeout=30)
    exposed = {h.strip().lower() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "content-range", "accept-ranges", "last-modified"} <= exposed


def test_every_negotiated_answer_varies_on_accept(server):
    for path, accept in (("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
                         ("/sparql?query=ASK%7B%7D", "image/png"),
                         ("/sparql", "text/turtle"), ("/.well-known/void", "text/turtle"),
                         ("/ontology", "text/turtle"), ("/rdf-graphs?default", "application/n-triples"),
                         ("/id/kwan-li-so-15", "text/turtle"), ("/id/kwan-li-so-15", "image/png"),
                         ("/queries", "text/html"), ("/queries", "application/json"),
                         ("/queries/coi-members", "text/html"), ("/queries/coi-members", "text/csv")):
        response = requests.get(server.url + path, headers={"Accept": accept}, timeout=60, allow_redirects=False)
        assert "accept" in response.headers.get("Vary", "").lower(), (path, accept, response.status_code)
