"""Writing graphs and datasets so that the same input always gives the same bytes.

Blank nodes get labels derived from their content (rdflib's canonical labelling), and the
line-based formats are sorted, so a rebuild of unchanged sources changes no file and a diff of
two builds shows only what changed.
"""

from __future__ import annotations

import json

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from .namespaces import bind_prefixes

# name -> (rdflib format, media type, file extension, holds named graphs?)
FORMATS = {
    "turtle": ("turtle", "text/turtle", "ttl", False),
    "nt": ("nt", "application/n-triples", "nt", False),
    "jsonld": ("json-ld", "application/ld+json", "jsonld", False),
    "xml": ("xml", "application/rdf+xml", "rdf", False),
    "trig": ("trig", "application/trig", "trig", True),
    "nquads": ("nquads", "application/n-quads", "nq", True),
}


def canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` whose blank nodes have content-derived labels, filled in sorted order.

    rdflib's serialisers of JSON-LD and RDF/XML write triples in the graph's insertion order,
    so sorting here makes their output independent of Python's per-process hash seed.
    """
    has_bnodes = any(isinstance(t, BNode) for triple in graph for t in triple)
    triples = to_canonical_graph(graph) if has_bnodes else graph
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for triple in sorted(triples):
        out.add(triple)
    return bind_prefixes(out)


def make_dataset(named: dict[str, Graph]) -> Dataset:
    """A dataset holding each graph under its name, with canonical blank nodes."""
    dataset = bind_prefixes(Dataset())
    for name, graph in named.items():
        target = dataset.graph(URIRef(name))
        for triple in canonical(graph):
            target.add(triple)
    return dataset


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + ("\n" if lines else "")


def graph_bytes(graph: Graph, fmt: str) -> bytes:
    """Serialise one graph in a triple format of FORMATS."""
    graph = canonical(graph)
    if fmt == "jsonld":
        text = graph.serialize(format="json-ld", context=_jsonld_context(), auto_compact=True)
        return (json.dumps(_sorted_json(json.loads(text)), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "xml":
        return _rdfxml(graph)
    text = graph.serialize(format=FORMATS[fmt][0])
    if fmt == "nt":
        text = _sorted_lines(text)
    return text.encode("utf-8")


def _sorted_json(node, in_list: bool = False):
    """JSON-LD with every unordered array sorted (arrays under @list keep their order)."""
    if isinstance(node, dict):
        return {key: _sorted_json(value, key == "@list") for key, value in sorted(node.items())}
    if isinstance(node, list):
        items = [_sorted_json(item) for item in node]
        return items if in_list else sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return node


def _rdfxml(graph: Graph) -> bytes:
    """RDF/XML written by pyoxigraph from sorted N-Triples: one stable order, subjects grouped."""
    import pyoxigraph as ox
    from .namespaces import PREFIXES
    nt = _sorted_lines(graph.serialize(format="nt")).encode("utf-8")
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.RDF_XML,
                        prefixes=PREFIXES)


def dataset_bytes(dataset: Dataset, fmt: str) -> bytes:
    """Serialise a dataset in TriG or N-Quads, graphs in name order."""
    if fmt == "nquads":
        return _sorted_lines(dataset.serialize(format="nquads")).encode("utf-8")
    graphs = sorted((g for g in dataset.graphs() if len(g)), key=lambda g: str(g.identifier))
    prefix_lines, blocks = set(), []
    for graph in graphs:
        body = []
        for line in canonical(graph).serialize(format="turtle").splitlines():
            (prefix_lines.add(line) if line.startswith("@prefix") else body.append(line))
        blocks.append(f"<{graph.identifier}> {{\n" + "\n".join(body).strip("\n") + "\n}\n")
    return ("\n".join(sorted(prefix_lines)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def union(dataset: Dataset) -> Graph:
    """All triples of all named graphs of ``dataset`` in one graph."""
    out = bind_prefixes(Graph())
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        out.add((s, p, o))
    return out


def _jsonld_context() -> dict:
    from .namespaces import PREFIXES
    return dict(PREFIXES)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def oxigraph_term(term):
    """The Oxigraph term for an rdflib term; a literal without datatype or language is an xsd:string."""
    import pyoxigraph as ox
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if term.language:
        return ox.Literal(term, language=term.language)
    return ox.Literal(term, datatype=ox.NamedNode(term.datatype or _XSD_STRING))
