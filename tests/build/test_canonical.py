"""Blank-node labels: derived from the data, so the same graph is always the same bytes, and
computed in bounded time however the blank nodes are linked (a long rdf:List took rdflib's
canonical labelling minutes: 65 s for 2,000 items)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from nkhr.serialize import RDFLIB_LABELS_MAX, canonical_triples, graph_bytes, make_dataset


def long_list(items: int) -> bytes:
    members = " ".join(f'"item {i}"' for i in range(items))
    return f"<https://example.org/a> <https://example.org/p> ( {members} ) .\n".encode()


def parsed(data: bytes) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]


def test_a_long_list_gets_the_same_labels_from_any_parse():
    data = long_list(10_000)                                    # 20,000 triples with blank nodes
    first, second = canonical_triples(parsed(data)), canonical_triples(parsed(data))
    assert len(first) == 20_001 and sorted(map(str, first)) == sorted(map(str, second))
    assert all(t.subject.value.startswith("c14n") for t in first if isinstance(t.subject, ox.BlankNode))


def test_the_labelled_list_is_the_list():
    graph = Graph().parse(data=long_list(RDFLIB_LABELS_MAX), format="turtle")       # above the bound
    written, original = (ox.Dataset(ox.Quad(*t) for t in triples)
                         for triples in (parsed(graph_bytes(graph, "nt")), parsed(long_list(RDFLIB_LABELS_MAX))))
    for dataset in (written, original):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert written == original


def test_small_graphs_keep_the_labels_they_always_had():
    """Below the bound, rdflib's canonical labels: the article's dumps do not change."""
    graph = Graph().parse(data=long_list(3), format="turtle")
    from rdflib.compare import to_canonical_graph
    expected = {str(node) for t in to_canonical_graph(graph) for node in t}
    assert {node.value for q in make_dataset({"https://example.org/g": graph})
            for node in (q.subject, q.object) if isinstance(node, ox.BlankNode)} <= expected
