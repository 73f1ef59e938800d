"""Content negotiation: which format to answer in, from Accept (with q-values) or ``format=``.

SELECT/ASK and CONSTRUCT/DESCRIBE results have different formats, and which kind a query is
only shows once it runs; so both choices are made up front and the engine uses the one that
fits. ``format=`` (for links, where a browser cannot set Accept) overrides the Accept header.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

TABULAR = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
GRAPH = {
    "turtle": ("text/turtle", "application/x-turtle"),
    "nt": ("application/n-triples", "text/plain"),
    "jsonld": ("application/ld+json", "application/json"),
    "xml": ("application/rdf+xml", "application/xml"),
}
MEDIA_TYPE = {  # what we send for each format
    ("tabular", "json"): "application/sparql-results+json",
    ("tabular", "xml"): "application/sparql-results+xml",
    ("tabular", "csv"): "text/csv; charset=utf-8",
    ("tabular", "tsv"): "text/tab-separated-values; charset=utf-8",
    ("graph", "turtle"): "text/turtle; charset=utf-8",
    ("graph", "nt"): "application/n-triples",
    ("graph", "jsonld"): "application/ld+json",
    ("graph", "xml"): "application/rdf+xml",
}
FORMAT_ALIASES = {
    "json": ("json", "jsonld"), "srj": ("json", None), "xml": ("xml", "xml"), "srx": ("xml", None),
    "csv": ("csv", None), "tsv": ("tsv", None), "turtle": (None, "turtle"), "ttl": (None, "turtle"),
    "nt": (None, "nt"), "ntriples": (None, "nt"), "n-triples": (None, "nt"), "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"), "rdfxml": (None, "xml"), "rdf": (None, "xml"),
}


class NotAcceptable(Exception):
    """No format we write is acceptable to the client."""

    def __init__(self, kinds=("tabular", "graph")):
        offered = []
        if "tabular" in kinds:
            offered += [t for types in TABULAR.values() for t in types]
        if "graph" in kinds:
            offered += [t for types in GRAPH.values() for t in types]
        self.offered = sorted(set(offered))
        super().__init__("None of the requested formats is available. This endpoint writes: "
                         + ", ".join(self.offered) + ". Use the Accept header or format= "
                         + "(" + ", ".join(sorted(FORMAT_ALIASES)) + ").")


def _best(accept: MIMEAccept, table: dict[str, tuple[str, ...]]) -> str | None:
    if not accept or not list(accept.values()):
        return next(iter(table))
    candidates = [t for types in table.values() for t in types]
    best = accept.best_match(candidates)
    if best is None:
        return None
    return next(name for name, types in table.items() if best in types)


def choose(accept: MIMEAccept, format_parameter: str | None) -> tuple[str | None, str | None]:
    """(tabular format, graph format) to answer in; None where nothing acceptable exists."""
    if format_parameter:
        key = format_parameter.strip().lower()
        if key not in FORMAT_ALIASES:
            raise NotAcceptable()
        return FORMAT_ALIASES[key]
    return _best(accept, TABULAR), _best(accept, GRAPH)


def choose_graph_format(accept: MIMEAccept, format_parameter: str | None = None) -> str:
    """The format for a document that is always a graph (dumps, descriptions); raise NotAcceptable."""
    _, graph_format = choose(accept, format_parameter)
    if graph_format is None:
        raise NotAcceptable(kinds=("graph",))
    return graph_format


def wants_html(accept: MIMEAccept) -> bool:
    """True when a browser asks: text/html is preferred to every RDF type we offer."""
    rdf_types = [t for types in GRAPH.values() for t in types] + [t for types in TABULAR.values() for t in types]
    best = accept.best_match(["text/html", *rdf_types])
    return best == "text/html" and accept.quality("text/html") >= max(
        [accept.quality(t) for t in rdf_types] + [0])
