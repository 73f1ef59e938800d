"""The reconciler's matching on its own (content/reconcile.py), on a small made-up dataset: more
things sharing common words than it scores for one query, so the bounded path is exercised."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nkhr.content.reconcile import MAX_POOL, Reconciler
from nkhr.query.engine import Engine

N = MAX_POOL + 500
ONT = "https://w3id.org/nkhr/ontology#"
KG = "https://w3id.org/nkhr/id/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_CLASS = "<http://www.w3.org/2002/07/owl#Class>"
A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@pytest.fixture(scope="module")
def reconciler() -> Reconciler:
    lines = [f"<{ONT}{c}> {A} {OWL_CLASS} <https://w3id.org/nkhr/graph/ontology> ." for c in
             ("Place", "DetentionFacility", "PoliticalPrisonCamp")]
    lines += [f'<{ONT}{c}> <{RDFS}label> "{label}"@en <https://w3id.org/nkhr/graph/ontology> .' for c, label in
              (("Place", "place"), ("DetentionFacility", "detention facility"),
               ("PoliticalPrisonCamp", "political prison camp"))]
    lines += [f"<{ONT}PoliticalPrisonCamp> <{RDFS}subClassOf> <{ONT}DetentionFacility> "
              "<https://w3id.org/nkhr/graph/ontology> .",
              f"<{ONT}DetentionFacility> <{RDFS}subClassOf> <{ONT}Place> <https://w3id.org/nkhr/graph/ontology> ."]
    for i in range(N):
        camp = f"<{KG}test-camp-{i}>"
        lines += [f"{camp} {A} <{ONT}PoliticalPrisonCamp> <https://w3id.org/nkhr/graph/asserted> .",
                  f"{camp} {A} <{ONT}Place> <https://w3id.org/nkhr/graph/inferred> .",
                  f'{camp} <{RDFS}label> "Test camp {i} of the long and winding valley"@en '
                  "<https://w3id.org/nkhr/graph/asserted> .",
                  f'{camp} <{ONT}facilityNumber> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> '
                  "<https://w3id.org/nkhr/graph/asserted> ."]
    lines.append(f'<{KG}test-camp-{N - 1}> <http://www.w3.org/2004/02/skos/core#altLabel> "Test camp"@en '
                 "<https://w3id.org/nkhr/graph/asserted> .")
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.N_QUADS)
    return Reconciler(Engine(store))


def test_every_thing_is_indexed_with_its_classes(reconciler):
    assert len(reconciler.things) == N
    assert f"{ONT}DetentionFacility" in reconciler.things[f"{KG}test-camp-7"].types


def test_a_thing_named_exactly_is_found_among_more_namesakes_than_are_scored(reconciler):
    """Every thing holds "test camp"; the one whose alternative name is exactly that is kept and matched."""
    found = reconciler.candidates("Test Camp", limit=3)
    assert found[0].thing.iri == f"{KG}test-camp-{N - 1}" and found[0].exact
    assert all(not c.exact for c in found[1:])


def test_the_number_decides_among_namesakes(reconciler):
    found = reconciler.candidates("test camp 4321", limit=2)
    assert found[0].thing.iri == f"{KG}test-camp-4321" and not found[0].exact
    assert all(c.thing.iri != f"{KG}test-camp-1234" for c in found)


def test_suggest_completes_the_last_word(reconciler):
    assert [t.iri for t in reconciler.suggest("test camp 432", limit=1)] == [f"{KG}test-camp-432"]
    assert reconciler.suggest("valley zz") == []
