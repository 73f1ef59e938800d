"""The ontology is documented, aligned, versioned and consistent."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from nkhr.build.load import load_files
from nkhr.build.reason import InconsistentError, owl_rl_closure
from nkhr.vocab import NKHR, ONTOLOGY_IRI


@pytest.fixture(scope="module")
def ontology(project) -> Graph:
    return load_files(project.ontology_files(), project.relative).graph


def own_terms(graph: Graph):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({s for kind in kinds for s in graph.subjects(RDF.type, kind)
                   if str(s).startswith(str(NKHR))})


def test_the_ontology_has_tens_of_terms(ontology):
    assert 30 <= len(own_terms(ontology)) < 150


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment, RDFS.isDefinedBy])
def test_every_term_is_documented(ontology, prop):
    missing = [str(t) for t in own_terms(ontology) if ontology.value(t, prop) is None]
    assert missing == [], f"terms without {prop}"


def test_labels_and_comments_are_english(ontology):
    for term in own_terms(ontology):
        for prop in (RDFS.label, RDFS.comment):
            value = ontology.value(term, prop)
            assert isinstance(value, Literal) and value.language == "en", (term, prop)


def test_header_carries_title_description_version_licence_and_date(ontology):
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, OWL.versionIRI,
                 DCTERMS.license, DCTERMS.created):
        assert ontology.value(header, prop) is not None, prop
    assert str(ontology.value(header, OWL.versionIRI)).endswith(str(ontology.value(header, OWL.versionInfo)))


def test_classes_are_aligned_to_well_known_vocabularies(ontology):
    """Generic tools (PROV, FOAF, schema.org, Dublin Core) must understand our main classes."""
    closure = owl_rl_closure(ontology).full
    expectations = {
        "Person": "http://www.w3.org/ns/prov#Agent",
        "Organisation": "http://xmlns.com/foaf/0.1/Organization",
        "Document": "http://purl.org/dc/terms/BibliographicResource",
        "Claim": "http://www.w3.org/ns/prov#Entity",
        "Event": "https://schema.org/Event",
        "Place": "https://schema.org/Place",
    }
    for ours, theirs in expectations.items():
        assert (NKHR[ours], RDFS.subClassOf, URIRef(theirs)) in closure, ours


def test_ontology_and_data_are_owl_rl_consistent(built):
    assert len(built.closure.inferred) > 0


def test_disjoint_classes_make_a_clash_inconsistent(ontology):
    clash = Graph()
    clash.parse(data="""
        @prefix nkhr: <https://w3id.org/nkhr/ontology#> .
        <https://w3id.org/nkhr/id/x> a nkhr:Person , nkhr:PoliticalPrisonCamp .
    """, format="turtle")
    with pytest.raises(InconsistentError):
        owl_rl_closure(ontology, clash)


def test_subproperties_are_materialised(built):
    """statedIn is a kind of prov:wasDerivedFrom: reasoning must add the PROV triple."""
    from rdflib.namespace import PROV
    camp = URIRef("https://w3id.org/nkhr/id/kwan-li-so-15")
    assert any(built.closure.inferred.triples((camp, PROV.wasDerivedFrom, None)))


def test_rights_concepts_link_to_treaty_articles(built):
    from rdflib.namespace import SKOS
    graph = built.closure.full
    food = URIRef("https://w3id.org/nkhr/id/right/food")
    provisions = {str(graph.value(p, RDFS.label)) for p in graph.objects(food, NKHR.protectedBy)}
    assert provisions == {"UDHR article 25", "ICESCR article 11"}
    assert graph.value(food, SKOS.inScheme) == URIRef("https://w3id.org/nkhr/id/scheme/rights")
