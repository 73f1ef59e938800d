"""SHACL validation, reported so that a curator can find and fix each problem.

pyshacl's own text report names shapes by blank-node ids and says nothing of files. Here each
result carries its focus node, path, message and the data files that mention the focus node.

The build validates with pyshacl-turbo, a Rust SHACL engine with pyshacl's API: on this
project's shapes it gives pyshacl's results, messages included, at a tenth of its time on the
article, and it reads a pyoxigraph Store, so the closure never becomes an rdflib graph.
pyshacl stays the reference (``engine="pyshacl"``, a test dependency):
tests/build/test_shacl_engines.py requires both to give the same results on the project, on
every shape fixture, on synthetic and on mutated data. The engine is given only the triples
the shapes read (build/reach.py: it indexes whatever it is given, at a cost that grows faster
than the data), with the SPARQL targets answered by Oxigraph on the whole data beforehand; the
reference reads all of it, so the same test checks that the part holds everything a shape reads.

SHACL validates RDF: the closure's generalized triples (a literal as subject, ``"15" rdf:type
xsd:integer`` from an rdfs:range) are not RDF, are never published, and are dropped here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import pyshacl_turbo
from pyshacl_turbo.rdf import Input
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..serialize import OxTerm, oxigraph_quad, oxigraph_term, rdflib_term
from ..shapes import path_text
from ..vocab import short
from .reach import Reach, prefixed_query, reach, visible_quads
from .report import Problem as Problem  # re-exported: the report's classes were defined here
from .report import ValidationReport as ValidationReport
from .report import ordered

_XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def sparql_targets(shapes: Graph) -> list[tuple[Node, Node, str]]:
    """Each (shape, target, query) of a SPARQL target in ``shapes``, its prefixes declared."""
    found: list[tuple[Node, Node, str]] = []
    for shape, target in shapes.subject_objects(SH.target):
        select = shapes.value(target, SH.select)
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or select is None:
            continue
        found.append((shape, target, prefixed_query(shapes, target, str(select))))
    return found


@dataclass(frozen=True)
class PreparedShapes:
    """What validation needs of a shapes graph before it sees any data (``prepare``): the build's
    background child makes it while the data is still being parsed and reasoned over."""

    shapes: Graph
    targets: list[tuple[Node, Node, str]]     # the SPARQL targets (sparql_targets)
    template: Graph                           # the shapes without the links to those targets
    seen: Reach | None                        # what the shapes read of the data (build/reach.py)
    # a copy of ``template`` made ahead, which the first resolution fills (copying the shapes
    # into an rdflib graph is a tenth of the article's validation)
    _spares: list[Graph] = field(default_factory=list, repr=False, compare=False)

    def copy_of_template(self) -> Graph:
        """A graph holding the template's triples and prefixes, for this caller to add to."""
        if self._spares:
            return self._spares.pop()
        return _copy(self.template, lambda triple: True)


def prepare(shapes: Graph | PreparedShapes) -> PreparedShapes:
    """``shapes`` ready to be resolved against data: its SPARQL targets found, and what it reads.

    What the shapes read does not depend on the nodes their targets select (sh:targetNode reads
    nothing), so ``reach`` is computed once, on the shapes without their SPARQL targets."""
    if isinstance(shapes, PreparedShapes):
        return shapes
    targets = sparql_targets(shapes)
    if not targets:
        return PreparedShapes(shapes, targets, shapes, reach(shapes))
    replaced = {(shape, SH.target, target) for shape, target, _ in targets}
    template = _copy(shapes, lambda triple: triple not in replaced)
    return PreparedShapes(shapes, targets, template, reach(template), [_copy(template, lambda triple: True)])


def _copy(graph: Graph, keep: Callable[[tuple[Node, Node, Node]], bool]) -> Graph:
    """A new graph of the triples of ``graph`` that ``keep`` keeps, with its prefixes (the
    engines write the report with them)."""
    copy = Graph()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        if keep(triple):
            copy.add(triple)
    return copy


def resolve_sparql_targets(data: Graph | ox.Store, shapes: Graph | PreparedShapes) -> Graph:
    """``shapes`` with each SPARQL target replaced by the nodes it selects in ``data`` (sh:targetNode).

    Oxigraph holds standard RDF only: the query does not see the triples the reasoner derives
    about literals (``"15" rdf:type xsd:integer``, from an rdfs:range). tests/data/test_shapes.py
    checks that every target of shapes.ttl selects the same nodes as rdflib would.
    """
    prepared = prepare(shapes)
    if not prepared.targets:
        return prepared.shapes
    store = data_store(data)
    resolved = prepared.copy_of_template()
    for shape, _, query in prepared.targets:
        solutions = store.query(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValueError(f"the SPARQL target of {shape} is not a SELECT query")
        for solution in solutions:
            node = solution["this"]       # a node of the data, or an IRI the query wrote
            if isinstance(node, ox.Triple) or node is None:
                raise ValueError(f"the SPARQL target of {shape} selects {node}, not a node")
            resolved.add((shape, SH.targetNode, rdflib_term(node)))
    return resolved


def data_store(data: Graph | ox.Store) -> ox.Store:
    """``data`` as a pyoxigraph Store of RDF triples: without the generalized ones (literal subjects)."""
    if isinstance(data, ox.Store):
        return data
    store, memo = ox.Store(), dict[Node, OxTerm]()

    def term(node: Node) -> OxTerm:
        found = memo.get(node)
        if found is None:
            found = memo[node] = oxigraph_term(node)
        return found

    store.extend(oxigraph_quad(s, p, o, term) for s, p, o in data if not isinstance(s, Literal))
    return store


def engine_input(store: ox.Store, shapes: Graph | PreparedShapes) -> tuple[ox.Store | Input, Graph]:
    """What pyshacl-turbo is given: the part of ``store`` that ``shapes`` read (build/reach.py),
    and the shapes with their SPARQL targets answered on the whole store; or, when the shapes
    read more than reach.py follows, the whole store and the shapes as they are.

    pyshacl-turbo reads a Store by writing it out as N-Quads and parsing that
    (``pyshacl_turbo.rdf.input_graph``); the part is handed over as that same input, written
    straight from ``store``, which spares building a second Store (5 s at a million triples).
    """
    prepared = prepare(shapes)
    resolved = resolve_sparql_targets(store, prepared)
    seen = prepared.seen
    if seen is None or any(isinstance(node, BNode) for node in resolved.objects(None, SH.targetNode)):
        return store, prepared.shapes   # a blank node of the data cannot be named in the shapes
    nquads = ox.serialize(visible_quads(store, seen), format=ox.RdfFormat.N_QUADS)
    assert nquads is not None
    return Input(nquads.decode(), "oxigraph-nquads", None, {}, preserve_ids=True), resolved


def validate(data: Graph | ox.Store, shapes: Graph | PreparedShapes,
             files_for: Callable[[Node], Iterable[str]] | None, engine: str = "turbo",
             lines_for: Callable[[Node, Node | None], Iterable[str]] | None = None) -> ValidationReport:
    """Validate ``data`` (already reasoned over; its default graph) against ``shapes``.

    Each problem names the files (and, with ``lines_for``, the lines) that describe its focus
    node; without ``files_for`` it names none yet (``ValidationReport.located`` adds them).

    ``engine="pyshacl"`` validates with the reference engine instead (tests and benchmarks only:
    pyshacl is a test dependency), with the SPARQL targets resolved by Oxigraph as it needs.
    """
    store = data_store(data)
    if engine == "pyshacl":
        import pyshacl
        graph = Graph()
        for quad in store:
            graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
        conforms, report, _ = pyshacl.validate(
            graph, shacl_graph=resolve_sparql_targets(store, prepare(shapes)), inference="none",
            allow_warnings=True, advanced=True)
    else:
        seen, engine_shapes = engine_input(store, shapes)
        conforms, report, _ = pyshacl_turbo.validate(
            seen, shacl_graph=engine_shapes, inference="none", allow_warnings=True, advanced=True)
        report = _plain_strings(report)
    problems = []
    nested = set(report.objects(None, SH.detail))   # sub-results of sh:node / sh:or: the parent says it
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if result in nested:
            continue
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        problems.append(Problem(
            severity=str(severity).rsplit("#", 1)[-1],
            focus=short(focus),
            path=path_text(report, path),
            message=" / ".join(messages),
            value=short(report.value(result, SH.value)),
            shape=str(shape) if isinstance(shape, URIRef) else "",
            files=(),
            focus_node=focus,
            path_predicate=path if isinstance(path, URIRef) else None,
        ))
    found = ValidationReport(conforms=bool(conforms), problems=ordered(problems), graph=report)
    return found.located(files_for, lines_for) if files_for is not None else found


def _plain_strings(report: Graph) -> Graph:
    """The report with "x"^^xsd:string written "x", as rdflib reads it: one term in RDF 1.1, two
    in rdflib, and the curator's report (and pyshacl's) show the short one."""
    plain = Graph(namespace_manager=report.namespace_manager)
    for s, p, o in report:
        if isinstance(o, Literal) and o.datatype == _XSD_STRING:
            o = Literal(str(o))
        plain.add((s, p, o))
    return plain


