"""The built dataset read back from a pyoxigraph Store, one predicate at a time, for the writers.

The tables (build/tables.py) and the search index (build/search_index.py) are computed from the
published dataset, which the write stage holds in one Store. Asking it in SPARQL over the union
of its graphs cost tens of seconds at a million triples: the section graphs repeat the asserted
triples (build/provenance.py: the asserted graph is their union plus the unattributed triples),
so every pattern matched each triple twice or more for DISTINCT to undo, and every OPTIONAL
label was a join per row. Here a predicate's triples are read once through the store's
predicate index, from the ontology, asserted and inferred graphs only (between them they hold
every triple of the dataset), and the callers join them with dict look-ups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ..vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY, GRAPHS, RDF_TYPE

MAIN_GRAPHS = GRAPHS                                 # the ontology, asserted and inferred graphs
GIVEN_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_ASSERTED)      # what the sources say, without the closure


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def pairs(store: ox.Store, predicate: str, graphs: Iterable[str] = MAIN_GRAPHS,
          subject: ox.NamedNode | ox.BlankNode | None = None) -> Iterator[tuple[ox.NamedNode | ox.BlankNode, Term]]:
    """(subject, object) of every triple with ``predicate`` (and ``subject``, when given) in
    ``graphs`` (a triple in two graphs comes twice; quoted triples, which our data has none of,
    are left out)."""
    wanted = ox.NamedNode(predicate)
    for graph in graphs:
        for quad in store.quads_for_pattern(subject, wanted, None, ox.NamedNode(graph)):
            node, value = quad.subject, quad.object
            if not isinstance(node, ox.Triple) and not isinstance(value, ox.Triple):
                yield node, value


def instances(store: ox.Store, cls: str, graphs: Iterable[str] = MAIN_GRAPHS) -> set[str]:
    """The IRIs of the things of class ``cls`` (asserted or, with the inferred graph, inferred)."""
    kind, wanted = ox.NamedNode(RDF_TYPE), ox.NamedNode(cls)
    return {quad.subject.value for graph in graphs
            for quad in store.quads_for_pattern(None, kind, wanted, ox.NamedNode(graph))
            if isinstance(quad.subject, ox.NamedNode)}
