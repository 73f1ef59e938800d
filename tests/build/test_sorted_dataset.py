"""``SortedDataset`` (the dumps' order by sorted N-Triples lines) against ``make_dataset`` (the
order by a key of each triple's terms): the same quads in the same order, and the same bytes in
every dump format, on data made to find where sorting lines and sorting terms could part: IRIs
that are prefixes of one another, blank nodes whose labels are, literals that hold rdf:type's
IRI or a blank node's label, language tags and datatypes on the same text, duplicates."""

from __future__ import annotations

import pyoxigraph as ox

from nkhr.serialize import SortedDataset, dataset_bytes, make_dataset, triples_bytes, triples_of

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
EX = "https://example.org/"


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def tricky() -> list[ox.Triple]:
    type_ = ox.NamedNode(RDF_TYPE)
    subjects: list[ox.NamedNode | ox.BlankNode] = [iri("a"), iri("a/b"), iri("a#"), iri("ab"), iri("b")]
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        iri("Z"), iri("a"), ox.Literal("x"), ox.Literal("x", language="en"), ox.Literal("x", language="en-gb"),
        ox.Literal("x y"), ox.Literal("x", datatype=iri("t")), ox.Literal("15", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal(f"mentions <{RDF_TYPE}> inside"), ox.Literal(f"x <{RDF_TYPE}> y"),
        ox.Literal("a _:b1 ."), ox.Literal("ends with _:c"), ox.Literal("line\nbreak\t\"quoted\" \\ \u2028"),
    ]
    triples = [ox.Triple(s, p, o) for s in subjects for p in (type_, iri("p"), iri("p2"), iri("o"))
               for o in objects if p != type_ or not isinstance(o, ox.Literal)]
    blank, other = ox.BlankNode("b1"), ox.BlankNode("b10")
    triples += [ox.Triple(iri("a"), iri("p"), blank), ox.Triple(blank, type_, iri("Z")),
                ox.Triple(blank, iri("p"), other), ox.Triple(other, iri("p"), ox.Literal("end")),
                ox.Triple(iri("a"), iri("p"), ox.Literal(f"_:b1 <{RDF_TYPE}> "))]
    return triples


def graphs() -> dict[str, list[ox.Triple]]:
    triples = tricky()
    return {EX + "g2": triples[::-1], EX + "g1": triples[::3] + triples[:5],     # duplicates kept
            EX + "g1/x": [t for t in triples if isinstance(t.subject, ox.BlankNode)]}


def test_the_quads_come_in_the_order_of_make_dataset():
    named = graphs()
    expected = make_dataset(named)
    assert list(SortedDataset(named).quads()) == expected
    assert list(SortedDataset(named).triples()) == triples_of(expected)
    for name in named:
        assert list(SortedDataset(named).triples(name)) == triples_of(expected, name)


def test_every_dump_format_has_the_same_bytes():
    named = graphs()
    quads, dataset = make_dataset(named), SortedDataset(named)
    assert dataset.nquads() == dataset_bytes(quads, "nquads")
    assert dataset_bytes(dataset.quads(), "trig") == dataset_bytes(quads, "trig")
    union = triples_of(quads)
    assert dataset.ntriples() == triples_bytes(union, "nt")
    for fmt in ("turtle", "jsonld", "rdfxml"):
        assert triples_bytes(dataset.triples(), fmt) == triples_bytes(union, fmt), fmt
        assert triples_bytes(dataset.statements(), fmt) == triples_bytes(union, fmt), fmt    # as the build writes


def test_a_literal_holding_rdf_type_sorts_as_its_text():
    """The predicate rdf:type sorts first by standing as NUL; inside a literal its text must not."""
    subject, predicate = iri("s"), iri("p")
    triples = [ox.Triple(subject, predicate, ox.Literal(f"a <{RDF_TYPE}> b")),
               ox.Triple(subject, predicate, ox.Literal("a ")), ox.Triple(subject, predicate, ox.Literal("a <z"))]
    named = {EX + "g": triples}
    assert list(SortedDataset(named).quads()) == make_dataset(named)


def test_an_empty_graph_writes_nothing():
    named: dict[str, list[ox.Triple]] = {EX + "empty": [], EX + "g": tricky()[:3]}
    assert SortedDataset(named).nquads() == dataset_bytes(make_dataset(named), "nquads")
    assert SortedDataset(named).ntriples(EX + "empty") == b""
