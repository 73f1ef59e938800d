"""The benchmark's synthetic data is shaped like ours: it conforms to the shapes, and is repeatable.

Not a timed test: the sizes and times of the benchmark live in ``python -m bench``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from nkhr.build.fastreason import fast_closure
from nkhr.build.load import load_files, parse_file
from nkhr.build.validate import validate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.synthetic import generate  # noqa: E402

NKHR = "https://w3id.org/nkhr/ontology#"


@pytest.fixture(scope="module")
def synthetic() -> Graph:
    return Graph().parse(data=generate(10_000), format="turtle")


def test_the_generator_is_deterministic_and_sized():
    text = generate(10_000)
    assert text == generate(10_000)
    assert text != generate(10_000, seed=8)
    graph = Graph().parse(data=text, format="turtle")
    assert 10_000 <= len(graph) <= 10_200
    assert 1_000 <= len(Graph().parse(data=generate(1_000), format="turtle")) <= 1_200


def test_the_synthetic_data_has_the_shape_of_ours(synthetic):
    classes = Counter(str(o) for o in synthetic.objects(None, RDF.type))
    for local in ("PoliticalPrisonCamp", "ReeducationCamp", "Claim", "Person", "Practice", "Group",
                  "Country", "AdministrativeRegion"):
        assert classes[NKHR + local] > 0, local
    assert sum(n for c, n in classes.items() if c.endswith(("Organisation", "Body"))) > 0
    predicates = {str(p) for p in synthetic.predicates()}
    for iri in ("https://schema.org/minValue", "https://schema.org/maxValue", NKHR + "atLeast",
                NKHR + "approximate", NKHR + "contradicts", NKHR + "disputedBy", NKHR + "statedIn",
                "http://www.w3.org/ns/prov#wasAttributedTo", "http://purl.org/dc/terms/date",
                NKHR + "actor", NKHR + "affected", NKHR + "witness", NKHR + "violates"):
        assert iri in predicates, iri
    sections = {o for o in synthetic.objects(None, URIRef(NKHR + "statedIn"))}
    assert len(sections) > 10, "facts are spread over the real sections"


def test_the_synthetic_data_conforms_to_the_shapes(project, synthetic):
    ontology = load_files(project.ontology_files(), project.relative).graph
    data = parse_file(project.data_dir / "source.ttl", "data/source.ttl") + synthetic
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    closure = fast_closure(ontology, data)
    report = validate(closure.full, shapes, lambda node: [])
    assert report.conforms, report.render()[:3000]
    assert not report.warnings, report.render()[:3000]
