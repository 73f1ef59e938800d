"""The build's SHACL engine (pyshacl-turbo) against the reference (pyshacl), result for result.

Each data set is validated by both; every result of the report must be the same (severity,
focus node, path, value, source shape, constraint component, message), and the curator's report
(``Problem`` and its text) must be the same too. Not compared: the nested results that explain
an sh:or or sh:node failure (sh:detail), which the curator's report leaves out; their generated
messages differ between the engines, and pyshacl gives more of them. The data sets: the
project, every shape fixture (each breaks one shape), synthetic data, and synthetic data with
values and links mutated so that many shapes fire at once.
"""

from __future__ import annotations

import random

import pytest
from bench.synthetic import generate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from nkhr.build.fastreason import fast_closure
from nkhr.build.load import load_files, parse_file
from nkhr.build.validate import ValidationReport, validate
from nkhr.shapes import path_text

FIXTURES = ("tests", "fixtures", "shapes")


def _plain(term):
    """RDF 1.1 has one term for "x" and "x"^^xsd:string; rdflib two. Blank nodes are relabelled."""
    if isinstance(term, BNode):
        return "_"
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def results_of(report: ValidationReport) -> set[tuple]:
    """Every top-level sh:ValidationResult of the report graph, as comparable values."""
    graph = report.graph
    nested = set(graph.objects(None, SH.detail))
    return {(
        graph.value(result, SH.resultSeverity),
        _plain(graph.value(result, SH.focusNode)),
        path_text(graph, graph.value(result, SH.resultPath)),
        _plain(graph.value(result, SH.value)),
        _plain(graph.value(result, SH.sourceShape)),
        graph.value(result, SH.sourceConstraintComponent),
        tuple(sorted(str(m) for m in graph.objects(result, SH.resultMessage))),
    ) for result in graph.subjects(RDF.type, SH.ValidationResult) if result not in nested}


def assert_same_validation(data: Graph, shapes: Graph) -> ValidationReport:
    turbo = validate(data, shapes, lambda node: [])
    reference = validate(data, shapes, lambda node: [], engine="pyshacl")
    assert turbo.conforms == reference.conforms
    assert results_of(turbo) == results_of(reference)
    assert turbo.problems == reference.problems
    assert turbo.render() == reference.render()
    return turbo


@pytest.fixture(scope="module")
def schema(project):
    ontology = load_files(project.ontology_files(), project.relative).graph
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    source = parse_file(project.data_dir / "source.ttl", "data/source.ttl")
    return ontology, shapes, source


def test_the_engines_agree_on_the_project(built):
    report = assert_same_validation(built.closure.full, built.shapes)
    assert report.warnings                         # the article's gaps: something was compared


def test_the_engines_agree_on_every_shape_fixture(project, schema):
    ontology, shapes, source = schema
    data = source + parse_file(project.data_dir / "common.ttl", "data/common.ttl")
    paths = sorted(project.root.joinpath(*FIXTURES).glob("*.ttl"))
    assert paths
    for path in paths:
        data += parse_file(path, path.name)
    report = assert_same_validation(fast_closure(ontology, data).full, shapes)
    assert report.violations and report.warnings


def test_the_engines_agree_on_synthetic_data(schema):
    ontology, shapes, source = schema
    data = source + Graph().parse(data=generate(3_000, seed=11), format="turtle")
    report = assert_same_validation(fast_closure(ontology, data).full, shapes)
    assert report.conforms


@pytest.mark.parametrize("seed", [1, 2])
def test_the_engines_agree_on_mutated_data(schema, seed):
    """Drop triples, make numbers negative, turn links into text or point them at nothing, seeded
    (changes the reasoner would find inconsistent, a boolean made a string, are left out).

    The triples are mutated in a sorted order (a graph's own order changes with the process's
    hash seed, and with it which triples the seeded rolls hit), and each link pointed at nothing
    gets an IRI of its own: two links of properties with disjoint ranges pointed at one IRI
    made it both a Claim and a Document, which the reasoner rightly refuses (CI met that once)."""
    ontology, shapes, source = schema
    rng = random.Random(seed)
    mutated = Graph()
    for number, (s, p, o) in enumerate(sorted(Graph().parse(data=generate(2_000, seed=seed), format="turtle"))):
        roll = rng.random()
        if roll < 0.05:
            continue                                                     # a missing label, date, author...
        if isinstance(o, URIRef) and p != RDF.type and roll < 0.10:
            o = Literal(str(o)) if roll < 0.08 else URIRef(f"https://w3id.org/nkhr/id/nowhere-{number}")
        elif isinstance(o, Literal) and o.datatype == XSD.integer and roll < 0.15:
            o = Literal(-int(o) - 1)
        mutated.add((s, p, o))
    report = assert_same_validation(fast_closure(ontology, source + mutated).full, shapes)
    assert report.violations
