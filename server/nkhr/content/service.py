"""Machine-readable descriptions of the endpoint and the dataset.

The SPARQL Service Description says what /sparql speaks; the VoID + DCAT description says
what the dataset is, where it comes from, under which licence, how big it is, which
vocabularies it uses and where to download it. Both are built from the build's metadata, so
they are always true of what is served.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from .. import formats
from ..built import DUMP_FORMATS, dump_name
from ..formats import Kind
from ..query.engine import QueryEngine
from ..vocab import (
    BASE,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_SECTION,
    ONTOLOGY_IRI,
    SD,
    bind_prefixes,
    is_section_graph,
)

SOURCE_ARTICLE = URIRef("https://en.wikipedia.org/wiki/Human_rights_in_North_Korea")
LICENSE = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
DATASET = URIRef(BASE + "dataset")

GRAPH_TITLES = {
    GRAPH_ONTOLOGY: "The ontology and its controlled vocabularies",
    GRAPH_ASSERTED: "Facts asserted by the curators from the article",
    GRAPH_INFERRED: "Triples entailed by OWL-RL reasoning over the ontology and the facts",
}
class Served(Protocol):
    """What the descriptions read of the served dataset (``nkhr.web.site.Site`` is one)."""
    engine: QueryEngine
    metadata: dict[str, Any]
    graphs: list[str]
    settings: Any
    built_at: datetime

    def file(self, name: str) -> Path: ...


# What /sparql answers in: every results format, and every RDF format (for CONSTRUCT and DESCRIBE).
RESULT_FORMATS = formats.of_kind(Kind.RESULTS, Kind.GRAPH, Kind.DATASET)


def service_description_graph(site: Served, root: str) -> Graph:
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(root + "sparql")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in RESULT_FORMATS:
        if fmt.w3c_iri:
            graph.add((service, SD.resultFormat, URIRef(fmt.w3c_iri)))
    graph.add((service, DCTERMS.title, Literal(SERVICE_TITLE, lang="en")))
    graph.add((service, RDFS.comment, Literal(
        "Read-only SPARQL 1.1 Query endpoint of the North Korea human-rights knowledge graph. With no "
        "dataset given, the default graph is the union of the ontology, asserted and inferred graphs (the "
        "per-section graphs repeat asserted triples) and GRAPH sees every named graph; FROM, FROM NAMED "
        "and the protocol's dataset parameters follow SPARQL 1.1 exactly. Queries run with a time limit of "
        f"{site.settings.query_timeout:g} s; one with more than {site.settings.max_rows:,} results gets an "
        "error, never a cut answer. SERVICE, SPARQL Update and FROM graphs from elsewhere are refused.",
        lang="en")))
    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(default_graph_triples(site), datatype=XSD.integer)))
    for index, name in enumerate(site.graphs):
        named = BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        description = BNode(f"graph{index}description")
        graph.add((named, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(site.metadata["graphs"][name], datatype=XSD.integer)))
    graph.add((service, RDFS.seeAlso, URIRef(root + ".well-known/void")))
    return graph


SERVICE_TITLE = "SPARQL endpoint of the North Korea human-rights knowledge graph"
URI_SPACE = BASE + "id/"
# Over the default graph (the union of the ontology, asserted and inferred graphs).
VOCABULARY_QUERY = "SELECT DISTINCT ?term WHERE { { ?s ?term ?o } UNION { ?s a ?term FILTER(isIRI(?term)) } }"
CLASS_COUNT = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"
ENTITY_COUNT = ("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { { ?e ?p ?o } UNION { ?s ?p ?e } "
                f'FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{URI_SPACE}")) }}')
PROPERTY_COUNT = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"
TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: everything up to its last ``#`` or ``/``."""
    for separator in ("#", "/"):
        if separator in iri:
            return iri[: iri.rindex(separator) + 1]
    return iri


def _count(site: Served, query: str) -> int:
    result = site.engine.query(query)
    return int(result.rows[0][0].value)


def default_graph_triples(site: Served) -> int:
    """Triples of the default graph, as ``COUNT(*)`` over it gives: the sum of the graphs it
    is the union of (not the section graphs, whose triples are asserted ones again)."""
    return sum(int(count) for name, count in site.metadata["graphs"].items() if not is_section_graph(name))


def graph_title(name: str) -> str:
    if name in GRAPH_TITLES:
        return GRAPH_TITLES[name]
    if is_section_graph(name):
        return f"Facts the article states in its section {unquote(name[len(GRAPH_SECTION):]).replace('_', ' ')}"
    return name


def void_graph(site: Served, root: str) -> Graph:
    """VoID and DCAT (DCAT-AP's mandatory properties included) for the dataset as served.

    Counts come from the data (SPARQL over the default graph) or from build.json, which the
    build wrote from the same graphs; a test recomputes every one of them with SPARQL."""
    graph = bind_prefixes(Graph())
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    dataset = DATASET
    metadata = site.metadata
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("North Korea human-rights knowledge graph", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "The facts of the English Wikipedia article 'Human rights in North Korea' as RDF: people, bodies, "
        "places, detention facilities, documents, events and attributed claims, each traced to the article "
        "section that states it, with its author, date, certainty and disputes.", lang="en")))
    graph.add((dataset, DCTERMS.license, LICENSE))
    graph.add((dataset, DCTERMS.source, SOURCE_ARTICLE))
    graph.add((dataset, DCTERMS.modified, Literal(site.built_at.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    graph.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    graph.add((dataset, FOAF.homepage, URIRef(root)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(root + "sparql")))
    graph.add((dataset, DCAT.landingPage, URIRef(root)))
    graph.add((dataset, VOID.uriSpace, Literal(URI_SPACE)))
    graph.add((dataset, VOID.exampleResource, URIRef(BASE + "id/kwan-li-so-15")))
    graph.add((dataset, VOID.triples, Literal(default_graph_triples(site), datatype=XSD.integer)))
    graph.add((dataset, VOID.entities, Literal(_count(site, ENTITY_COUNT), datatype=XSD.integer)))
    graph.add((dataset, VOID.classes, Literal(_count(site, CLASS_COUNT), datatype=XSD.integer)))
    graph.add((dataset, VOID.properties, Literal(_count(site, PROPERTY_COUNT), datatype=XSD.integer)))
    vocabularies = sorted({namespace(row[0].value) for row in site.engine.query(VOCABULARY_QUERY).rows})
    for vocabulary in vocabularies:
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    service = URIRef(root + "sparql")
    for fmt in DUMP_FORMATS:
        name = dump_name(fmt)
        url = URIRef(root + "dumps/" + name)
        dump_format = formats.get(fmt)
        graph.add((dataset, VOID.dataDump, url))
        distribution = URIRef(f"{BASE}dataset/distribution/{dump_format.extension}")
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(f"Whole dataset as {dump_format.label}", lang="en")))
        graph.add((distribution, DCAT.accessURL, url))        # DCAT-AP: mandatory; a direct download is both
        graph.add((distribution, DCAT.downloadURL, url))
        graph.add((distribution, DCAT.mediaType, URIRef(dump_format.iana_iri)))
        if dump_format.w3c_iri:
            graph.add((distribution, DCTERMS.conformsTo, URIRef(dump_format.w3c_iri)))
        graph.add((distribution, DCAT.byteSize, Literal(site.file(name).stat().st_size,
                                                        datatype=XSD.nonNegativeInteger)))
        graph.add((distribution, DCTERMS.license, LICENSE))
    endpoint = URIRef(f"{BASE}dataset/distribution/sparql")
    graph.add((dataset, DCAT.distribution, endpoint))
    graph.add((endpoint, RDF.type, DCAT.Distribution))
    graph.add((endpoint, DCTERMS.title, Literal("The dataset through its SPARQL endpoint", lang="en")))
    graph.add((endpoint, DCAT.accessURL, service))
    graph.add((endpoint, DCAT.accessService, service))
    graph.add((endpoint, DCTERMS.license, LICENSE))
    for name in site.graphs:
        subset = URIRef(name)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, DCTERMS.title, Literal(graph_title(name), lang="en")))
        graph.add((subset, VOID.triples, Literal(metadata["graphs"][name], datatype=XSD.integer)))
        if is_section_graph(name):      # the article section whose statements the graph holds
            graph.add((subset, DCTERMS.source, URIRef(BASE + "id/section/" + name[len(GRAPH_SECTION):])))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal(SERVICE_TITLE, lang="en")))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, service))     # GET /sparql: its Service Description
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((service, DCTERMS.license, LICENSE))
    return graph
