"""The fast reasoner (nkhr.fastreason) concludes exactly what owlrl concludes and keeps.

"Exactly" is set equality of the published inferred triples, compared with owlrl's filtered
output on: the project's ontology and data, synthetic data of ~10k triples, the SHACL fixtures
(broken on purpose, so literals end up where nodes belong), and small random ontologies and data
built by hypothesis from every construct the fast reasoner implements. Both reasoners must also
find the same clashes, with the same messages, and SHACL must report the same problems on the
graph each of them hands to validation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from nkhr.build.fastreason import (
    UnsupportedOntology,
    fast_closure,
    unsupported_constructs,
)
from nkhr.build.load import load_files, parse_file
from nkhr.build.reason import InconsistentError, owl_rl_closure
from nkhr.build.validate import validate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.synthetic import generate  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
NKHR = "https://w3id.org/nkhr/ontology#"


def strict_fast_closure(*graphs):
    """The fast reasoner without its owlrl fallback: an unsupported construct fails the test."""
    return fast_closure(*graphs, fallback=None)


def _rdf11(term):
    """RDF 1.1 has one term for "x" and "x"^^xsd:string (the fast reasoner's, from pyoxigraph);
    rdflib has two."""
    return Literal(str(term)) if isinstance(term, Literal) and term.datatype == XSD.string else term


def outcome(reasoner, *graphs):
    """('ok', inferred triples) or ('inconsistent', messages)."""
    try:
        return "ok", {tuple(_rdf11(t) for t in triple) for triple in reasoner(*graphs).inferred}
    except InconsistentError as exc:
        return "inconsistent", sorted(exc.messages)


def rdf11_graph(graph: Graph) -> Graph:
    """``graph`` with each "x"^^xsd:string written "x": the one RDF 1.1 term the build reads (its
    loader is pyoxigraph's), so that owlrl, on rdflib, does not reason about a distinction the
    data cannot carry."""
    out = Graph()
    for triple in graph:
        out.add(tuple(_rdf11(t) for t in triple))
    return out


def assert_same(graphs):
    graphs = tuple(rdf11_graph(g) for g in graphs)
    expected = outcome(owl_rl_closure, *graphs)
    actual = outcome(strict_fast_closure, *graphs)
    assert actual[0] == expected[0], (expected, actual)
    if expected[0] == "ok":
        missing, extra = expected[1] - actual[1], actual[1] - expected[1]
        assert not missing and not extra, (f"missing {len(missing)}: {sorted(missing)[:5]}\n"
                                           f"extra {len(extra)}: {sorted(extra)[:5]}")
    else:
        assert actual[1] == expected[1]
    return actual


@pytest.fixture(scope="module")
def ontology(project):
    return load_files(project.ontology_files(), project.relative).graph


@pytest.fixture(scope="module")
def shapes(project):
    return parse_file(project.shapes_file, project.relative(project.shapes_file))


@pytest.fixture(scope="module")
def fast_project(built):
    return strict_fast_closure(built.ontology.graph, built.data.graph)


# The project's own data -----------------------------------------------------------------------

def test_fast_reasoner_infers_what_owlrl_keeps_on_the_project(built, fast_project):
    expected, actual = set(built.closure.inferred), set(fast_project.inferred)
    assert len(expected) > 1000
    assert actual == expected, (f"missing {sorted(expected - actual)[:5]}\n"
                                f"extra {sorted(actual - expected)[:5]}")


def test_shacl_reports_the_same_on_the_fast_closure(built, fast_project, shapes):
    report = validate(fast_project.full, shapes, built.files_for, lines_for=built.data.lines_for)
    assert report.conforms == built.report.conforms
    assert report.problems == built.report.problems
    assert len(report.problems) > 0     # the project has warnings: the comparison says something


# Synthetic data of ~10k triples ---------------------------------------------------------------

def test_fast_reasoner_infers_what_owlrl_keeps_on_10k_synthetic_triples(project, ontology):
    data = parse_file(project.data_dir / "source.ttl", "data/source.ttl")
    data += Graph().parse(data=generate(10_000 - len(ontology) - len(data)), format="turtle")
    assert 9_500 <= len(ontology) + len(data) <= 10_500
    kind, inferred = assert_same((ontology, data))
    assert kind == "ok" and len(inferred) > 3000


# The SHACL fixtures: broken data, literals where nodes belong ---------------------------------

def test_fast_reasoner_matches_owlrl_on_the_shape_fixtures(project, ontology, shapes):
    data = Graph()
    for path in [project.data_dir / "source.ttl", project.data_dir / "common.ttl",
                 *sorted(FIXTURES.glob("*.ttl"))]:
        data += parse_file(path, project.relative(path))
    expected = owl_rl_closure(ontology, data)
    actual = strict_fast_closure(ontology, data)
    assert set(actual.inferred) == set(expected.inferred)
    expected_report = validate(expected.full, shapes, lambda node: [])
    actual_report = validate(actual.full, shapes, lambda node: [])
    assert not expected_report.conforms
    assert actual_report.problems == expected_report.problems


# Clashes --------------------------------------------------------------------------------------

def turtle(text: str) -> Graph:
    return Graph().parse(data="@prefix nkhr: <https://w3id.org/nkhr/ontology#> .\n"
                              "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                              "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n" + text, format="turtle")


@pytest.mark.parametrize("clash", [
    # owl:AllDisjointClasses of the top classes, directly and through the class hierarchy
    "<https://w3id.org/nkhr/id/x> a nkhr:Person , nkhr:PoliticalPrisonCamp .",
    # the two kinds of camp are disjoint; one is entailed by a domain
    "<https://w3id.org/nkhr/id/x> a nkhr:ReeducationCamp ; nkhr:facilityNumber 3 .\n"
    "<https://w3id.org/nkhr/id/x> a nkhr:PoliticalPrisonCamp .",
    # a range makes a claim's target a Claim, and it is asserted a Person
    "<https://w3id.org/nkhr/id/c> nkhr:contradicts <https://w3id.org/nkhr/id/p> .\n"
    "<https://w3id.org/nkhr/id/p> a nkhr:Person .",
    # owl:disjointWith
    "nkhr:A owl:disjointWith nkhr:B . <https://w3id.org/nkhr/id/y> a nkhr:A , nkhr:B .",
    # a number where the range says boolean: owlrl's disjoint datatypes
    # (a datatype clash: "x"^^xsd:string would be one in rdflib only; RDF 1.1, Oxigraph and the
    # build read it as the plain "x", which owlrl gives no datatype)
    '<https://w3id.org/nkhr/id/c> a nkhr:Claim ; nkhr:atLeast "1"^^xsd:integer ; nkhr:approximate true .',
])
def test_both_reasoners_find_the_same_clash(ontology, clash):
    kind, messages = assert_same((ontology, turtle(clash)))
    assert kind == "inconsistent" and messages


def test_both_reasoners_reject_a_lexical_form_outside_its_datatype(ontology):
    data = Graph()
    data.add((URIRef("https://w3id.org/nkhr/id/v"), URIRef(NKHR + "votesFor"),
              Literal("many", datatype=XSD.integer)))
    kind, messages = assert_same((ontology, data))
    assert kind == "inconsistent" and "many" in messages[0]


def test_a_consistent_addition_is_not_a_clash(ontology):
    kind, _ = assert_same((ontology, turtle(
        "<https://w3id.org/nkhr/id/x> a nkhr:PoliticalPrisonCamp ; nkhr:facilityNumber 3 .")))
    assert kind == "ok"


# Constructs outside the subset ----------------------------------------------------------------

def test_unsupported_constructs_are_refused_or_handed_to_owlrl(ontology, caplog):
    data = turtle("<https://w3id.org/nkhr/id/a> owl:sameAs <https://w3id.org/nkhr/id/b> .\n"
                  "<https://w3id.org/nkhr/id/a> a nkhr:Person .")
    assert unsupported_constructs(ontology) == []
    assert unsupported_constructs(ontology, data) == [str(OWL.sameAs)]
    with pytest.raises(UnsupportedOntology, match="sameAs"):
        fast_closure(ontology, data, fallback=None)
    fallen_back = fast_closure(ontology, data)          # owlrl by default, with a warning
    assert set(fallen_back.inferred) == set(owl_rl_closure(ontology, data).inferred)
    assert (URIRef("https://w3id.org/nkhr/id/b"), RDF.type, URIRef(NKHR + "Person")) in fallen_back.inferred
    assert "sameAs" in caplog.text


# Random small ontologies and data -------------------------------------------------------------

E = "http://example.org/"
CLASSES = [URIRef(f"{E}C{i}") for i in range(5)]
PROPERTIES = [URIRef(f"{E}p{i}") for i in range(5)]
INDIVIDUALS = [URIRef(f"{E}i{i}") for i in range(6)]
LITERALS = [Literal("a"), Literal("b", lang="en"), Literal("1", datatype=XSD.integer),
            Literal("x", datatype=XSD.string), Literal("true", datatype=XSD.boolean)]
DATATYPES = [XSD.string, XSD.integer, XSD.boolean]

c, p, i = st.sampled_from(CLASSES), st.sampled_from(PROPERTIES), st.sampled_from(INDIVIDUALS)
axiom = st.one_of(
    st.tuples(c, st.just(RDFS.subClassOf), c),
    st.tuples(c, st.just(OWL.equivalentClass), c),
    st.tuples(c, st.just(OWL.disjointWith), c),
    st.tuples(c, st.just(RDF.type), st.just(OWL.Class)),
    st.tuples(p, st.just(RDFS.subPropertyOf), p),
    st.tuples(p, st.just(OWL.equivalentProperty), p),
    st.tuples(p, st.just(OWL.inverseOf), p),
    st.tuples(p, st.sampled_from([RDFS.domain, RDFS.range]), c),
    st.tuples(p, st.just(RDFS.range), st.sampled_from(DATATYPES)),
    st.tuples(p, st.just(RDF.type), st.sampled_from([OWL.SymmetricProperty, OWL.TransitiveProperty,
                                                     OWL.ObjectProperty, OWL.DatatypeProperty])),
)
fact = st.one_of(
    st.tuples(i, st.just(RDF.type), c),
    st.tuples(i, p, i),
    st.tuples(i, p, st.sampled_from(LITERALS)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(axioms=st.lists(axiom, max_size=12), facts=st.lists(fact, max_size=15),
       disjoint_lists=st.lists(st.lists(c, min_size=2, max_size=4), max_size=2))
def test_fast_reasoner_matches_owlrl_on_random_graphs(axioms, facts, disjoint_lists):
    schema, data = Graph(), Graph()
    for triple in axioms:
        schema.add(triple)
    for members in disjoint_lists:
        node, head = BNode(), BNode()
        schema.add((node, RDF.type, OWL.AllDisjointClasses))
        schema.add((node, OWL.members, head))
        Collection(schema, head, members)
    for triple in facts:
        data.add(triple)
    assert_same((schema, data))
