"""SHACL problems name the file and line of their focus node, and of the offending triple (issue 14)."""

from __future__ import annotations

import pytest

from nkhr.build.locate import RDF_TYPE, index_lines
from nkhr.build.pipeline import NotConformingError, run_build
from support import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "shapes" / "Facility-number.ttl"
KG = "https://w3id.org/nkhr/id/"
NKHR = "https://w3id.org/nkhr/ontology#"


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_violation_in_a_fixture_names_its_file_and_lines(project):
    files = [ROOT / "data" / "source.ttl", ROOT / "data" / "common.ttl", FIXTURE]
    with pytest.raises(NotConformingError) as raised:
        run_build(project, data_files=files)
    [problem] = [p for p in raised.value.report.violations if p.focus == "kg:fixture-Facility-number-camp"]
    text = FIXTURE.read_text(encoding="utf-8")
    node, triple = _line_of(text, "kg:fixture-Facility-number-camp a"), _line_of(text, "nkhr:facilityNumber 0")
    assert problem.lines == (f"tests/fixtures/shapes/Facility-number.ttl:{node} (the triple: line {triple})",)
    assert f"Facility-number.ttl:{node} (the triple: line {triple})" in raised.value.report.render()


def test_lines_are_found_in_every_layout_the_curators_use():
    text = '''@prefix kg: <https://w3id.org/nkhr/id/> .
@prefix nkhr: <https://w3id.org/nkhr/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kg:alone
    rdfs:comment "A subject alone on its line; a string with ; kg:fake nkhr:x in it."@en ;
    nkhr:statedIn kg:s .
kg:compact a nkhr:Place ; rdfs:label "One line"@en ; nkhr:statedIn kg:s .
<https://w3id.org/nkhr/id/full> rdfs:label """A long
string over lines ; kg:inside nkhr:no"""@en ;
    nkhr:facilityNumber 3 .
'''
    prefixes = {"kg": KG, "nkhr": NKHR, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    lines = index_lines(text, prefixes)
    assert (lines.of_node(KG + "alone"), lines.of_triple(KG + "alone", NKHR + "statedIn")) == (5, 7)
    assert lines.of_triple(KG + "compact", RDF_TYPE) == 8
    assert lines.of_triple(KG + "compact", NKHR + "statedIn") == 8
    assert lines.of_node(KG + "full") == 9 and lines.of_triple(KG + "full", NKHR + "facilityNumber") == 11
    assert lines.of_node(KG + "fake") is None and lines.of_node(KG + "inside") is None
