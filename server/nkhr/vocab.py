"""The vocabulary: every IRI the project mints or reads, the prefixes it writes them with, and
``curie()``, the one way an IRI is shortened for people.

Every IRI the project mints starts with BASE. The server answers for them by path: the part
after BASE is the path on whatever host serves the dataset (``BASE + "id/kwan-li-so-15"`` is
served at ``/id/kwan-li-so-15``).
"""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCTERMS  # re-exported: publish and the marker use it
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.namespace import VOID as VOID  # re-exported: the publisher and the descriptions use it
from rdflib.term import Node

BASE = "https://w3id.org/nkhr/"

NKHR = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
KG = Namespace(BASE + "id/")
SEC = Namespace(BASE + "id/section/")
SHAPES = Namespace(BASE + "shapes#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_ASSERTED = BASE + "graph/asserted"
GRAPH_INFERRED = BASE + "graph/inferred"
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED)
# One named graph per article section, holding the asserted triples that section states
# (derived by build/provenance.py; docs/MODELLING.md). They repeat asserted triples, so they
# are not part of the default graph.
GRAPH_SECTION = BASE + "graph/section/"
# Written by `nkhr publish` into a SPARQL store, last: which build the store holds.
BUILD_GRAPH = BASE + "graph/build"

PREFIXES = {
    "nkhr": str(NKHR),
    "kg": str(KG),
    "sec": str(SEC),
    "qk": BASE + "id/quantity/",
    "right": BASE + "id/right/",
    "dim": BASE + "id/dimension/",
    "ground": BASE + "id/ground/",
    "scheme": BASE + "id/scheme/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "foaf": str(FOAF),
    "unit": str(UNIT),
}

# The IRIs the code compares pyoxigraph terms with, as plain strings (``term.value == RDF_TYPE``).
# rdflib's URIRef never equals a str, so code on pyoxigraph terms takes these, not the namespaces.
RDF_TYPE = str(RDF.type)
RDF_LANGSTRING = str(RDF.langString)
RDFS_LABEL = str(RDFS.label)
RDFS_SUBCLASS_OF = str(RDFS.subClassOf)
SKOS_PREF_LABEL = str(SKOS.prefLabel)
RDFS_RESOURCE = str(RDFS.Resource)
XSD_STRING = str(XSD.string)
PROV_AGENT = str(PROV.Agent)
QUANTITY_KINDS = PREFIXES["qk"]         # kg:quantity/..., the quantity a claim measures
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on an rdflib graph or dataset, replacing rdflib's defaults."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def section_graph(section_iri: str) -> str:
    """The named graph of the triples an article section states: its IRI's anchor under GRAPH_SECTION."""
    return GRAPH_SECTION + section_iri.rsplit("/", 1)[-1]


def is_section_graph(graph_iri: str) -> bool:
    return graph_iri.startswith(GRAPH_SECTION)


def curie(iri: str) -> str | None:
    """``iri`` as ``prefix:local`` with the longest of the project's prefixes that fits, else None."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return None


def short(node: Node | None) -> str:
    """Write an IRI with the project's prefixes where one fits, for humans."""
    if node is None:
        return ""
    if isinstance(node, Literal):
        return node.n3()
    text = str(node)
    compact = curie(text)
    if compact is not None:
        return compact
    return f"<{text}>" if isinstance(node, URIRef) else text
