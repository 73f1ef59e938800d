"""The part of the data that a shapes graph can read, so that the SHACL engine indexes only that.

pyshacl-turbo copies the whole data graph into six B-tree indexes before it evaluates a shape:
at a million triples that copy alone took 30 s of CPU (15x its time at 100k), and every
lookup of the shapes then searched the larger trees. Most of the closure is read by no shape
(prov:wasDerivedFrom, nkhr:mentionedIn, nkhr:hasParticipant, the schema:, foaf: and prov:
types the reasoner adds). A shape reads only:

* the predicates of its paths, of sh:targetSubjectsOf / sh:targetObjectsOf and of the
  property-pair constraints (sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals);
* the rdf:type statements of the classes it targets or requires (sh:targetClass, sh:class,
  implicit class targets), and of their subclasses, through the data's rdfs:subClassOf;
* what its SPARQL constraints name (their triple patterns; ``$PATH`` is the shape's path).

SPARQL targets are not in that list: nks:Described reads every triple (``?s ?p ?this``), so
``resolve_sparql_targets`` in validate.py answers them on the whole data first and hands the
engine sh:targetNode lists instead. When a shapes graph uses anything else of SHACL
(sh:closed, rules, SHACL-JS, node expressions, a SPARQL pattern with a variable predicate...),
``reach`` returns None and the engine sees all the data: a shape never loses a triple it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

# The SHACL terms whose reading of the data this module knows (every other sh: predicate of the
# shapes graph makes ``reach`` give up). Targets, paths, and constraints on the value nodes alone.
_UNDERSTOOD = frozenset(SH[name] for name in (
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "path", "alternativePath", "inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
    "property", "node", "not", "and", "or", "xone",
    "class", "datatype", "nodeKind", "minCount", "maxCount",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength",
    "pattern", "flags", "languageIn", "uniqueLang", "in", "hasValue",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
    "equals", "disjoint", "lessThan", "lessThanOrEquals",
    "message", "severity", "deactivated", "name", "description", "order", "group", "defaultValue",
    "sparql", "select", "prefixes", "declare", "prefix", "namespace",
))
_PAIRS = (SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
_PATH_STEPS = (SH.alternativePath, SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


class _Unreadable(Exception):
    """The shapes read the data in a way this module does not follow."""


@dataclass(frozen=True)
class Reach:
    predicates: frozenset[URIRef]            # every triple with one of these predicates is read
    classes: frozenset[URIRef] | None        # rdf:type statements of these classes (None: all of them)


def reach(shapes: Graph) -> Reach | None:
    """What ``shapes`` (with no SPARQL target left) can read of a data graph, or None if unknown."""
    try:
        predicates: set[URIRef] = set()
        classes: set[URIRef] = set()
        for _, p, _ in shapes:
            if str(p).startswith(str(SH)) and p not in _UNDERSTOOD:
                raise _Unreadable(p)
        for path in shapes.objects(None, SH.path):
            predicates |= _path_predicates(shapes, path)
        for predicate in _PAIRS:
            predicates |= {_iri(o) for o in shapes.objects(None, predicate)}
        classes |= {_iri(o) for predicate in (SH.targetClass, SH["class"]) for o in shapes.objects(None, predicate)}
        classes |= {_iri(s) for c in (RDFS.Class, OWL.Class) for s in shapes.subjects(RDF.type, c)}
        all_types = False
        for constraint in shapes.objects(None, SH.sparql):
            found, typed = _sparql_predicates(shapes, constraint)
            predicates |= found
            if typed is None:
                all_types = True
            else:
                classes |= typed
    except _Unreadable:
        return None
    if RDF.type in predicates:              # a path or a query follows rdf:type itself
        all_types = True
        predicates.discard(RDF.type)
    if classes or all_types:
        predicates.add(RDFS.subClassOf)     # SHACL's class membership follows it in the data
    return Reach(frozenset(predicates), None if all_types else frozenset(classes))


def visible_part(store: ox.Store, seen: Reach) -> ox.Store:
    """A new Store of the triples of ``store``'s default graph that ``seen`` says are read."""
    part = ox.Store()
    part.bulk_extend(visible_quads(store, seen))
    return part


def visible_quads(store: ox.Store, seen: Reach) -> Iterator[ox.Quad]:
    """The quads of ``store``'s default graph that ``seen`` says are read, each once."""
    graph = ox.DefaultGraph()
    for predicate in sorted(seen.predicates):
        yield from store.quads_for_pattern(None, ox.NamedNode(predicate), None, graph)
    rdf_type = ox.NamedNode(str(RDF.type))
    if seen.classes is None:
        yield from store.quads_for_pattern(None, rdf_type, None, graph)
        return
    for cls in sorted(_with_subclasses(store, seen.classes)):
        yield from store.quads_for_pattern(None, rdf_type, ox.NamedNode(cls), graph)


def _with_subclasses(store: ox.Store, classes: frozenset[URIRef]) -> set[str]:
    """``classes`` and every class below one of them by rdfs:subClassOf in ``store``."""
    below: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDFS.subClassOf)), None, ox.DefaultGraph()):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
            below.setdefault(quad.object.value, set()).add(quad.subject.value)
    found, pending = set(), [str(c) for c in classes]
    while pending:
        cls = pending.pop()
        if cls not in found:
            found.add(cls)
            pending.extend(below.get(cls, ()))
    return found


def prefixed_query(shapes: Graph, node: Node, query: str) -> str:
    """``query`` (the sh:select of ``node``) with the prefixes its sh:prefixes declare."""
    declarations = sorted({
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for source in shapes.objects(node, SH.prefixes) for d in shapes.objects(source, SH.declare)})
    return "".join(declarations) + query


def _iri(node: Node) -> URIRef:
    if not isinstance(node, URIRef):
        raise _Unreadable(node)
    return node


def _path_predicates(shapes: Graph, path: Node) -> set[URIRef]:
    """The predicates a SHACL path expression follows."""
    if isinstance(path, URIRef):
        return {path}
    if shapes.value(path, RDF.first) is not None:            # a sequence path
        return {p for step in Collection(shapes, path) for p in _path_predicates(shapes, step)}
    for step in _PATH_STEPS:
        inner = shapes.value(path, step)
        if inner is not None:
            if step == SH.alternativePath:
                return {p for option in Collection(shapes, inner) for p in _path_predicates(shapes, option)}
            return _path_predicates(shapes, inner)
    raise _Unreadable(path)


def _sparql_predicates(shapes: Graph, constraint: Node) -> tuple[set[URIRef], set[URIRef] | None]:
    """The predicates an sh:sparql constraint's query names, and the classes of its ``a`` patterns
    (None when it asks for the type of something without naming the class)."""
    query = shapes.value(constraint, SH.select)
    if query is None:
        raise _Unreadable(constraint)
    predicates: set[URIRef] = set()
    classes: set[URIRef] | None = set()
    for _, predicate, value in _patterns(prepareQuery(prefixed_query(shapes, constraint, str(query))).algebra):
        if isinstance(predicate, Variable):
            if str(predicate) != "PATH":            # $PATH is the shape's own path, read already
                raise _Unreadable(predicate)
            continue
        if predicate == RDF.type:
            if isinstance(value, URIRef) and classes is not None:
                classes.add(value)
            else:
                classes = None
            continue
        predicates |= _sparql_path_predicates(predicate)
    return predicates, classes


def _patterns(algebra: object) -> Iterator[tuple[Node, object, Node]]:
    """Every triple pattern of a query's algebra, in EXISTS filters and subqueries too."""
    if isinstance(algebra, CompValue):
        if algebra.name in ("ServiceGraphPattern", "Graph"):
            raise _Unreadable(algebra.name)
        if algebra.name == "BGP":
            yield from algebra["triples"]
        for value in algebra.values():
            yield from _patterns(value)
    elif isinstance(algebra, (list, tuple)):
        for value in algebra:
            yield from _patterns(value)


def _sparql_path_predicates(predicate: object) -> set[URIRef]:
    if isinstance(predicate, URIRef):
        return {predicate}
    if isinstance(predicate, (SequencePath, AlternativePath)):
        return {p for arg in predicate.args for p in _sparql_path_predicates(arg)}
    if isinstance(predicate, InvPath):
        return _sparql_path_predicates(predicate.arg)
    if isinstance(predicate, MulPath):
        return _sparql_path_predicates(predicate.path)
    raise _Unreadable(predicate)            # a negated property set reads every predicate
