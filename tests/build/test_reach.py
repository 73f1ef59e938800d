"""build/reach.py: the engine is given only the triples the shapes read, and all of those.

That the results do not change is tests/build/test_shacl_engines.py's work (pyshacl reads the
whole data, pyshacl-turbo the part reach.py keeps); here: that the project's shapes are
understood (so the build does validate the smaller part), what is kept and dropped, and that
a shapes graph that reads more than reach.py follows makes it give up.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from pyshacl_turbo.rdf import Input
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from nkhr.build.load import parse_file
from nkhr.build.reach import reach, visible_part
from nkhr.build.validate import engine_input, resolve_sparql_targets

NKHR = "https://w3id.org/nkhr/ontology#"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"""


@pytest.fixture(scope="module")
def project_shapes(project) -> Graph:
    return parse_file(project.shapes_file, project.relative(project.shapes_file))


def _shapes(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def test_the_project_shapes_are_understood(built, project_shapes):
    seen = reach(resolve_sparql_targets(built.closure.validated(), project_shapes))
    assert seen is not None and seen.classes is not None
    assert {URIRef(RDFS.label), URIRef(NKHR + "statedIn"), URIRef(NKHR + "facilityNumber"),
            URIRef(NKHR + "periodEnd")} <= seen.predicates       # periodEnd: only Claim-period's SPARQL reads it
    assert URIRef("http://www.w3.org/ns/prov#wasDerivedFrom") not in seen.predicates
    assert URIRef(NKHR + "Claim") in seen.classes and URIRef(NKHR + "Country") in seen.classes


def test_the_build_validates_a_smaller_store(built, project_shapes):
    store = built.closure.validated()
    seen, shapes = engine_input(store, project_shapes)
    assert isinstance(seen, Input)
    part = set(ox.parse(seen.source, format=ox.RdfFormat.N_QUADS))
    assert 0 < len(part) < len(store)
    assert part <= set(store)
    assert not list(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#target")))   # answered already


def test_types_of_subclasses_are_kept_and_others_dropped():
    ex = "http://example.org/"
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(ex + s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in [
        ("Camp", str(RDFS.subClassOf), ex + "Facility"),
        ("a", str(RDF.type), ex + "Camp"),
        ("a", str(RDF.type), ex + "Thing"),
        ("a", ex + "runBy", ex + "b"),
        ("a", ex + "mentionedIn", ex + "c"),
    ])
    seen = reach(_shapes("ex:S a sh:NodeShape ; sh:targetClass ex:Facility ; sh:property [ sh:path ex:runBy ] ."))
    assert seen is not None
    kept = {(q.subject.value, q.predicate.value, q.object.value) for q in visible_part(store, seen)}
    assert kept == {(ex + "Camp", str(RDFS.subClassOf), ex + "Facility"), (ex + "a", str(RDF.type), ex + "Camp"),
                    (ex + "a", ex + "runBy", ex + "b")}


@pytest.mark.parametrize("turtle", [
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",                   # reads every predicate
    """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
        sh:select "SELECT $this WHERE { $this ?p ?o }" ] .""",                       # a variable predicate
    """ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ;
        sh:select "SELECT ?this WHERE { ?this ?p ?o }" ] .""",                       # a target not answered first
    """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
        sh:select "SELECT $this WHERE { $this !<http://example.org/p> ?o }" ] .""",   # a negated property set
])
def test_shapes_that_read_more_make_it_give_up(turtle):
    assert reach(_shapes(turtle)) is None


def test_a_sparql_constraint_on_types_of_any_class_keeps_every_type():
    seen = reach(_shapes("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
        sh:select "SELECT $this WHERE { $this a ?type ; <http://example.org/p>/<http://example.org/q> ?o }" ] ."""))
    assert seen is not None and seen.classes is None
    assert {URIRef("http://example.org/p"), URIRef("http://example.org/q")} <= seen.predicates
