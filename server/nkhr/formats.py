"""Every format the project reads or writes, in one registry.

A ``Format`` says what a format is called (its name, and the short names clients send for it:
SPARQLWrapper's ``format=n3``, Fuseki's ``format=json``, YASGUI's media types), which media
types stand for it (the first is the one we send), the extension of its files, what kind of
data it holds (an RDF graph, an RDF dataset, SPARQL results or a property graph), the
pyoxigraph format that reads and writes it where there is one, and the function that writes it.
The CLI, content negotiation, the dumps, the service descriptions and the property-graph
exports all look formats up here; none keeps a table of its own.

Names are unique across kinds: ``xml`` is SPARQL results XML and ``rdfxml`` is RDF/XML. A short
name a client sends may stand for one format of each kind (``format=xml`` asks for XML results
from a SELECT and for RDF/XML from a CONSTRUCT, as SPARQLWrapper means it); ``lookup`` takes the
kinds that fit the answer and resolves the name among them.

Writers are named as ``module:function`` and imported when first used, so that this module,
which everything imports, imports nothing of the project.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox


class Kind(enum.Enum):
    """What a format holds; it decides which answers a format can carry."""

    GRAPH = "RDF graph"
    DATASET = "RDF dataset"
    RESULTS = "SPARQL results"
    PROPERTY_GRAPH = "property graph"


@dataclass(frozen=True)
class Format:
    name: str
    label: str                          # for people: "RDF/XML"
    kind: Kind
    media_types: tuple[str, ...]        # the first is canonical: what we send
    extension: str                      # of files in this format, without the dot
    aliases: tuple[str, ...] = ()       # short names a client may send as format=
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    writer: str | None = None           # "module:function"; see Format.write
    w3c: str | None = None              # its IRI under http://www.w3.org/ns/formats/, for descriptions
    textual: bool = False               # text that we label with charset=utf-8
    _resolved: dict[str, Callable[..., bytes]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """The Content-Type header we send: the canonical media type, with its charset for text."""
        return self.media_type + ("; charset=utf-8" if self.textual else "")

    @property
    def names(self) -> tuple[str, ...]:
        """Every short name that stands for this format: its name first, then its aliases."""
        return (self.name, *self.aliases)

    @property
    def w3c_iri(self) -> str | None:
        return None if self.w3c is None else W3C_FORMATS + self.w3c

    @property
    def iana_iri(self) -> str:
        """The IANA page of its media type, the value DCAT-AP expects for dcat:mediaType."""
        return "http://www.iana.org/assignments/media-types/" + self.media_type

    def write(self, *args: Any, **kwargs: Any) -> bytes:
        """Write data in this format with its writer.

        The writer's arguments depend on the kind: SPARQL results take a ``QueryResult``; RDF
        graphs and datasets take Oxigraph triples or quads; property graphs a ``PropertyGraph``.
        """
        if self.writer is None:
            raise LookupError(f"nkhr does not write {self.label}")
        if "writer" not in self._resolved:
            load_writers(self.kind)
        return self._resolved["writer"](self, *args, **kwargs)


W3C_FORMATS = "http://www.w3.org/ns/formats/"
_RESULTS = "nkhr.query.results:write_results"
_RDF = "nkhr.serialize:write_rdf"
_PROPERTY_GRAPH = "nkhr.exports.model:write_property_graph"

FORMATS: tuple[Format, ...] = (
    # SPARQL results (SELECT and ASK answers)
    Format("json", "SPARQL 1.1 Query Results JSON", Kind.RESULTS,
           ("application/sparql-results+json", "application/json"), "srj",
           aliases=("srj", "sparql-results+json"), oxigraph=ox.QueryResultsFormat.JSON, writer=_RESULTS,
           w3c="SPARQL_Results_JSON"),
    Format("xml", "SPARQL Query Results XML", Kind.RESULTS,
           ("application/sparql-results+xml", "application/xml", "text/xml"), "srx",
           aliases=("srx", "sparql-results+xml"), oxigraph=ox.QueryResultsFormat.XML, writer=_RESULTS,
           w3c="SPARQL_Results_XML"),
    Format("csv", "SPARQL 1.1 Query Results CSV", Kind.RESULTS, ("text/csv",), "csv",
           oxigraph=ox.QueryResultsFormat.CSV, writer=_RESULTS, w3c="SPARQL_Results_CSV", textual=True),
    Format("tsv", "SPARQL 1.1 Query Results TSV", Kind.RESULTS, ("text/tab-separated-values",), "tsv",
           oxigraph=ox.QueryResultsFormat.TSV, writer=_RESULTS, w3c="SPARQL_Results_TSV", textual=True),
    # RDF graphs (CONSTRUCT and DESCRIBE answers, documents, the union of the dataset)
    Format("turtle", "Turtle", Kind.GRAPH, ("text/turtle", "application/x-turtle", "application/turtle"), "ttl",
           aliases=("ttl",), oxigraph=ox.RdfFormat.TURTLE, writer=_RDF, w3c="Turtle", textual=True),
    Format("n3", "Notation3 (written as Turtle, which is N3)", Kind.GRAPH,
           ("text/n3", "text/rdf+n3", "application/n3"), "n3",
           oxigraph=ox.RdfFormat.TURTLE, writer=_RDF, w3c="N3", textual=True),
    Format("nt", "N-Triples", Kind.GRAPH, ("application/n-triples", "text/plain"), "nt",
           aliases=("ntriples", "n-triples"), oxigraph=ox.RdfFormat.N_TRIPLES, writer=_RDF, w3c="N-Triples"),
    Format("jsonld", "JSON-LD", Kind.GRAPH, ("application/ld+json", "application/json"), "jsonld",
           aliases=("json-ld", "json"), oxigraph=ox.RdfFormat.JSON_LD, writer=_RDF, w3c="JSON-LD"),
    Format("rdfxml", "RDF/XML", Kind.GRAPH, ("application/rdf+xml", "application/xml", "text/xml"), "rdf",
           aliases=("rdf+xml", "rdf", "xml", "owl"), oxigraph=ox.RdfFormat.RDF_XML, writer=_RDF,
           w3c="RDF_XML"),
    # RDF datasets (the named graphs kept apart)
    Format("trig", "TriG", Kind.DATASET, ("application/trig",), "trig",
           oxigraph=ox.RdfFormat.TRIG, writer=_RDF, w3c="TriG", textual=True),
    Format("nquads", "N-Quads", Kind.DATASET, ("application/n-quads",), "nq",
           aliases=("nq", "n-quads"), oxigraph=ox.RdfFormat.N_QUADS, writer=_RDF, w3c="N-Quads"),
    # Property graphs (exports for graph tools)
    Format("graphml", "GraphML", Kind.PROPERTY_GRAPH, ("application/graphml+xml",), "graphml",
           writer=_PROPERTY_GRAPH),
    Format("gexf", "GEXF", Kind.PROPERTY_GRAPH, ("application/gexf+xml",), "gexf", writer=_PROPERTY_GRAPH),
    Format("cyjs", "Cytoscape.js JSON", Kind.PROPERTY_GRAPH, ("application/json",), "cyjs.json",
           aliases=("cytoscape",), writer=_PROPERTY_GRAPH),
    Format("dot", "Graphviz DOT", Kind.PROPERTY_GRAPH, ("text/vnd.graphviz",), "dot",
           aliases=("graphviz", "gv"), writer=_PROPERTY_GRAPH, textual=True),
)

BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}


def get(name: str) -> Format:
    """The format of this name (not an alias); a KeyError names the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no format {name!r}; the formats are {', '.join(BY_NAME)}") from None


def of_kind(*kinds: Kind) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind in kinds)


def lookup(value: str, kinds: Iterable[Kind]) -> Format | None:
    """The format of ``kinds`` that ``value`` names: a name, an alias or a media type
    (parameters such as ``;charset=utf-8`` ignored), case-insensitively. Names win over aliases,
    and among aliases the earlier kind of ``kinds`` wins; None when none fits."""
    key = value.split(";", 1)[0].strip().lower()
    candidates = [f for kind in kinds for f in FORMATS if f.kind == kind]
    for matches in (lambda f: key == f.name, lambda f: key in f.aliases, lambda f: key in f.media_types):
        found = next((f for f in candidates if matches(f)), None)
        if found is not None:
            return found
    return None


def load_writers(*kinds: Kind) -> None:
    """Import the writers of ``kinds`` (all when none is given) now rather than at first use: a
    query process does so before it gives up the right to open files (``nkhr.query.sandbox``)."""
    for fmt in of_kind(*kinds) if kinds else FORMATS:
        if fmt.writer is not None and "writer" not in fmt._resolved:
            module, _, name = fmt.writer.partition(":")
            fmt._resolved["writer"] = getattr(importlib.import_module(module), name)
