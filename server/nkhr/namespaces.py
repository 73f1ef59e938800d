"""The IRIs the project mints and the prefixes it writes them with.

Every IRI the project mints starts with BASE. The server answers for them by path: the part
after BASE is the path on whatever host serves the dataset (``BASE + "id/kwan-li-so-15"`` is
served at ``/id/kwan-li-so-15``).
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

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

PREFIXES = {
    "nkhr": str(NKHR),
    "kg": str(KG),
    "sec": str(SEC),
    "qk": BASE + "id/quantity/",
    "right": BASE + "id/right/",
    "dim": BASE + "id/dimension/",
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


def bind_prefixes(graph):
    """Bind the project's prefixes on an rdflib graph or dataset, replacing rdflib's defaults."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
