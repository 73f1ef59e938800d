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


def rdflib_labelled(triples: list[ox.Triple]) -> set[str]:
    """The reference: the triples holding blank nodes labelled by rdflib's to_canonical_graph."""
    from rdflib.compare import to_canonical_graph

    from nkhr.serialize import oxigraph_triple, rdflib_term
    small = Graph()
    for t in triples:
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
            small.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return {str(oxigraph_triple(*t)) for t in to_canonical_graph(small)}


def labelled(triples: list[ox.Triple]) -> set[str]:
    return {str(t) for t in canonical_triples(triples)
            if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)}


def random_graph(seed: int) -> list[ox.Triple]:
    """Blank nodes linked at random: trees, lists, cycles, shared parts, twins that look alike."""
    import random
    chance = random.Random(seed)
    nodes = [ox.BlankNode(f"b{i}") for i in range(chance.randint(1, 40))]
    iris = [ox.NamedNode(f"https://example.org/n{i}") for i in range(chance.randint(1, 6))]
    predicates = [ox.NamedNode(f"https://example.org/p{i}") for i in range(chance.randint(1, 4))]
    values: list = [*iris, ox.Literal("x"), ox.Literal("x", language="en"), ox.Literal("1", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")), ox.Literal('a "quoted"\nline')]
    triples = set()
    for _ in range(chance.randint(1, 120)):
        subject = chance.choice(nodes + iris[:1])
        obj = chance.choice(nodes + values) if chance.random() < 0.8 else chance.choice(nodes)
        if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
            triples.add(ox.Triple(subject, chance.choice(predicates), obj))
    return sorted(triples, key=str)


def test_the_labels_are_rdflibs_on_graphs_of_every_shape(built, project):
    """nkhr/bnode_labels.py computes rdflib's canonical labels without rdflib: the same labels
    on the article's SHACL report (48 results whose paths look alike), the shapes (lists, nested
    property shapes), the ontology and random graphs, those whose twins need rdflib's search too."""
    from nkhr.serialize import oxigraph_triple
    graphs = [[oxigraph_triple(*t) for t in built.report.graph],
              parsed(project.shapes_file.read_bytes()),
              *(parsed(path.read_bytes()) for path in project.ontology_files()),
              *(random_graph(seed) for seed in range(300))]
    for triples in graphs:
        assert labelled(triples) == rdflib_labelled(triples)
