"""Every SHACL shape fires on its broken fixture, with its own message and severity.

tests/fixtures/shapes/<ShapeLocalName>.ttl breaks exactly the rule of nks:<ShapeLocalName>;
valid.ttl holds one correct instance of each main class. All fixtures are validated together,
once, with the ontology, data/source.ttl and data/common.ttl (the sections and shared entities
they refer to); each fixture uses IRIs of its own (kg:fixture-<ShapeLocalName>-...), so a
result is traced back to its fixture through its focus node.

The shapes are read from ontology/shapes.ttl, so a new shape with an sh:message and no
fixture fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from nkhr.build.load import load_files, parse_file
from nkhr.build.reason import owl_rl_closure
from nkhr.build.validate import (
    Problem,
    resolve_sparql_targets,
    sparql_targets,
    validate,
)
from nkhr.vocab import KG, SHAPES, short

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
BASE_DATA = ("data/source.ttl", "data/common.ttl")
VALID = "valid"


@dataclass(frozen=True)
class ShapeRule:
    iri: str
    name: str          # local name in nks:, also the fixture's file name
    message: str       # may be a template with {?var} / {$this} (SPARQL constraints)
    severity: str      # "Violation" or "Warning"

    def matches(self, text: str) -> bool:
        parts = re.split(r"\{[?$]\w+\}", self.message)
        return re.fullmatch(".+?".join(re.escape(p) for p in parts), text, re.S) is not None


def _read_shapes() -> tuple[Graph, list[ShapeRule]]:
    graph = Graph().parse(SHAPES_FILE, format="turtle")
    rules = []
    for shape in sorted(set(graph.subjects(SH.message, None)) | set(graph.subjects(SH.sparql, None))):
        if not isinstance(shape, URIRef):
            continue  # a SPARQL constraint node; its shape is found through sh:sparql
        message = graph.value(shape, SH.message)
        if message is None:
            messages = [graph.value(c, SH.message) for c in graph.objects(shape, SH.sparql)]
            message = next((m for m in messages if m is not None), None)
        if message is None:
            continue
        severity = graph.value(shape, SH.severity, default=SH.Violation)
        rules.append(ShapeRule(iri=str(shape), name=str(shape).removeprefix(str(SHAPES)),
                               message=str(message), severity=str(severity).rsplit("#", 1)[-1]))
    return graph, rules


SHAPES_GRAPH, RULES = _read_shapes()
RULE_BY_NAME = {rule.name: rule for rule in RULES}
MESSAGE_SHAPES = {rule.iri for rule in RULES}


@dataclass
class FixtureRun:
    problems: list[Problem]
    nodes: dict[str, set[str]]           # fixture name -> its nodes, written as Problem.focus is
    graphs: dict[str, Graph]             # fixture name -> its triples
    base_nodes: set                      # every node of the ontology, source.ttl and common.ttl
    data: Graph                          # what was validated: all of the above, reasoned over

    def problems_of(self, fixture: str) -> list[Problem]:
        nodes = self.nodes[fixture]
        return [p for p in self.problems if p.focus in nodes]


@pytest.fixture(scope="module")
def run(project) -> FixtureRun:
    """Ontology + source + common + every fixture, reasoned over and validated once."""
    ontology = load_files(project.ontology_files(), project.relative)
    base = load_files([project.root / f for f in BASE_DATA], project.relative)
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    base_nodes = {n for g in (ontology.graph, base.graph) for t in g for n in (t[0], t[2])}

    graphs, data = {}, Graph()
    for path in sorted(FIXTURES.glob("*.ttl")):
        graph = parse_file(path, project.relative(path))   # same parser and checks as data/
        graphs[path.stem] = graph
        for triple in graph:
            data.add(triple)

    # A fixture's nodes: what it describes and the IRIs it links to (Described-label reports
    # the linked IRI), minus the shared nodes it refers to. Literals are left out: a literal
    # given where a node is expected is typed by an rdfs:range and then targeted itself.
    nodes = {}
    for name, graph in graphs.items():
        mentioned = set(graph.subjects()) | {o for o in graph.objects() if not isinstance(o, Literal)}
        nodes[name] = {short(n) for n in mentioned - base_nodes}

    closure = owl_rl_closure(ontology.graph, base.graph, data)
    report = validate(closure.full, shapes, lambda node: [])
    return FixtureRun(problems=report.problems, nodes=nodes, graphs=graphs, base_nodes=base_nodes,
                      data=closure.full)


def _describe(problems: list[Problem]) -> str:
    return "\n".join(f"  {p.severity} {p.focus} [{p.shape}] {p.message}" for p in problems) or "  (none)"


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_shape_fires_on_its_fixture_with_its_message_and_severity(run, rule):
    path = FIXTURES / f"{rule.name}.ttl"
    assert path.is_file(), f"nks:{rule.name} has no broken fixture: add {path.relative_to(ROOT)}"
    produced = run.problems_of(rule.name)
    fired = [p for p in produced if p.shape == rule.iri]
    assert fired, (f"{path.name} does not trigger nks:{rule.name}; its nodes produced:\n"
                   + _describe(produced))
    for problem in fired:
        assert rule.matches(problem.message), (
            f"nks:{rule.name} reported {problem.message!r}, expected {rule.message!r}")
        assert problem.severity == rule.severity, (
            f"nks:{rule.name} reported a {problem.severity}, expected a {rule.severity}")


@pytest.mark.parametrize("fixture", sorted(RULE_BY_NAME))
def test_fixture_breaks_no_other_rule(run, fixture):
    """A fixture that broke two rules would hide a shape that stopped firing.

    Results of the helper shapes reached through sh:node (AnAgent, ADate, ...) have no message of
    their own; pyshacl reports them as details of the result above, so they are not counted.
    """
    if not (FIXTURES / f"{fixture}.ttl").is_file():
        pytest.skip("no fixture (reported by the test above)")
    others = [p for p in run.problems_of(fixture)
              if p.shape in MESSAGE_SHAPES and p.shape != RULE_BY_NAME[fixture].iri]
    assert not others, f"{fixture}.ttl also breaks other rules:\n" + _describe(others)


def test_valid_fixture_produces_no_result(run):
    problems = run.problems_of(VALID)
    assert problems == [], "valid.ttl should conform without warnings:\n" + _describe(problems)


def test_every_fixture_is_named_after_a_shape_with_a_message():
    names = {p.stem for p in FIXTURES.glob("*.ttl")} - {VALID}
    stale = sorted(names - set(RULE_BY_NAME))
    assert not stale, f"fixtures for no shape with an sh:message in shapes.ttl: {stale}"


def test_fixture_iris_are_its_own(run):
    """Fixtures only describe kg:fixture-<name>-... nodes (or blank nodes), never shared ones."""
    wrong = []
    for name, graph in run.graphs.items():
        prefix = f"{KG}fixture-{name}-"
        for subject in set(graph.subjects()):
            if isinstance(subject, URIRef) and not str(subject).startswith(prefix):
                wrong.append(f"{name}.ttl describes {short(subject)}")
        for node in run.nodes[name]:
            if node.startswith("kg:") and not node.startswith(f"kg:fixture-{name}-"):
                wrong.append(f"{name}.ttl links to the undescribed {node}")
    assert not wrong, "\n".join(wrong)


def test_every_shape_with_a_message_has_an_iri():
    """Results name their shape by IRI; an anonymous shape could not be told apart here."""
    sparql_constraints = set(SHAPES_GRAPH.objects(None, SH.sparql))
    anonymous = [m for s, m in SHAPES_GRAPH.subject_objects(SH.message)
                 if not isinstance(s, URIRef) and s not in sparql_constraints]
    assert not anonymous, f"shapes with an sh:message but no nks: IRI: {anonymous}"
    assert all(rule.iri.startswith(str(SHAPES)) for rule in RULES)


@pytest.mark.parametrize("which", ["fixtures", "project"])
def test_each_sparql_target_selects_with_oxigraph_what_rdflib_selects(run, built, which):
    """validation.py evaluates SPARQL targets with Oxigraph, which cannot hold the reasoner's
    triples about literals; rdflib, which pyshacl would use, reads them too."""
    data = run.data if which == "fixtures" else built.closure.full
    resolved = resolve_sparql_targets(data, SHAPES_GRAPH)
    targets = sparql_targets(SHAPES_GRAPH)
    assert {str(shape) for shape, _, _ in targets} == {SHAPES + "Described", SHAPES + "Claim-period"}
    for shape, _, query in targets:
        expected = {row[0] for row in data.query(query)}
        assert expected, f"the target of {short(shape)} selects nothing"
        selected = set(resolved.objects(shape, SH.targetNode)) - set(SHAPES_GRAPH.objects(shape, SH.targetNode))
        assert selected == expected, short(shape)


def test_a_claim_with_two_period_starts_and_no_end_breaks_claim_period(project):
    """nks:Claim-period targets the claims that give a period start, not every claim: its
    sh:maxCount must still reach a claim that gives two starts and no end."""
    ontology = load_files(project.ontology_files(), project.relative)
    base = load_files([project.root / f for f in BASE_DATA], project.relative)
    claim = KG["test-claim-two-starts"]
    data = Graph().parse(format="turtle", data=f"""
        @prefix nkhr: <https://w3id.org/nkhr/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{claim}> a nkhr:Claim ; rdfs:label "A claim with two starts"@en ;
            nkhr:about <{KG}north-korea> ; nkhr:certainty nkhr:StatedAsFact ;
            nkhr:statedIn <{KG}section/Number_of_victims> ;
            nkhr:periodStart "1990"^^xsd:gYear , "1995"^^xsd:gYear .""")
    closure = owl_rl_closure(ontology.graph, base.graph, data)
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    problems = [p for p in validate(closure.full, shapes, lambda node: []).problems if p.focus == short(claim)]
    assert [(p.shape, p.path) for p in problems] == [(SHAPES + "Claim-period", "nkhr:periodStart")], problems


def test_the_project_data_conforms(built):
    assert built.report.violations == [], built.report.render()
