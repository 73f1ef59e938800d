"""A fast reasoner for the part of OWL 2 RL our ontology uses, equal to owlrl's filtered output.

owlrl computes the whole OWL-RL closure by brute force: every cycle applies every rule to
every triple until nothing changes, which takes ~9 s on 10k triples and ~90 s on 100k. Our
ontology uses few constructs, and ``reason._worth_keeping`` throws away most of what owlrl
derives anyway. This module derives the same kept triples directly, with Python indexes:

* the schema (small): ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` closed transitively
  (``owl:equivalentClass``/``owl:equivalentProperty`` count as subsumption both ways, and mutual
  subsumption gives equivalence back: scm-sco, scm-spo, scm-eqc*, scm-eqp*), domains and ranges
  inherited down the property hierarchy and up the class hierarchy (scm-dom*, scm-rng*);
* property assertions (prp-spo1, prp-eqp*, prp-symp, prp-inv*, prp-trp) with a work list, each
  new triple applied once to the rules of its property;
* types (prp-dom, prp-rng, cax-sco, cax-eqc*): asserted types and domain/range types, each
  closed under the precomputed superclasses of its class;
* the consistency checks owlrl makes on such an ontology: disjoint classes (cax-dw, cax-adc),
  including the disjoint XSD datatypes owlrl adds for the datatypes in use, lexical forms that
  do not fit their datatype (dt-not-type), and members of owl:Nothing (cls-nothing2). The
  messages are owlrl's, word for word.

It works on pyoxigraph triples, as the build holds them (rdflib graphs are converted first), with
Python indexes by predicate; the rdflib graphs of its result are made only when asked for
(tests compare them with owlrl's). Literals are read as rdflib reads the build's sources: a
plain or language-tagged string has no datatype.

Constructs outside this subset (owl:sameAs, restrictions, property chains, keys, functional
properties, ...) are handed to the ``fallback`` reasoner, owlrl by default, with a warning naming
them; with ``fallback=None`` they raise ``UnsupportedOntology``. So the
pipeline (``build/pipeline.py``) calls ``fast_closure`` without changing what the build concludes. Equivalence with
owlrl is tested in tests/build/test_reasoning_equivalence.py on the project's data, on synthetic data
and on the SHACL fixtures.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import cached_property
from typing import TypeAlias, TypeVar, cast

import pyoxigraph as ox
from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import Graph, URIRef
from rdflib.term import Node

from ..serialize import OxSubject, OxTerm, oxigraph_term, oxigraph_triple
from .load import rdflib_graph
from .reason import Closure, InconsistentError, owl_rl_closure

# The reasoner's index structures. Its terms are RDF 1.1's (the build refuses triple terms), and
# like owlrl it reasons over generalized triples: a literal may be a subject (a range's type of a
# value), dropped by ``_worth_keeping`` before anything is published.
Term: TypeAlias = OxTerm
Statement: TypeAlias = tuple[Term, Term, Term]          # (subject, predicate, object), generalized
Pattern: TypeAlias = tuple[Term | None, Term | None, Term | None]   # None matches anything
Pair: TypeAlias = tuple[Term, Term]                     # (subject, object) of one predicate
Step: TypeAlias = tuple[Term, Term, Term]               # (predicate, subject, object): a work-list item
Edges: TypeAlias = dict[Term, set[Term]]                # node -> related nodes (a property's domains, say)
Input: TypeAlias = Graph | Collection[ox.Triple]        # a graph as callers give it
_Node = TypeVar("_Node")


class _Namespace:
    """``RDF.type`` and the like as pyoxigraph IRIs."""

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        """The IRI, made once: the reasoner asks for ``RDF.type`` and the like per triple."""
        node = ox.NamedNode(self._base + name)
        setattr(self, name, node)       # found as an attribute from now on, __getattr__ not called
        return node

    def __str__(self) -> str:
        return self._base


RDF = _Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = _Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = _Namespace("http://www.w3.org/2002/07/owl#")
_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
_LANG_STRING = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
_W3C_VOCABULARIES = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
                     "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#")
_REFLEXIVE_NOISE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}


def _ox(iri: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _v(term: Term) -> str:
    """A term as owlrl's messages write it: the IRI, blank node id or lexical form alone."""
    return term.value


__all__ = ["Closure", "FastClosure", "InconsistentError", "fast_closure", "UnsupportedOntology",
           "unsupported_constructs"]
log = logging.getLogger(__name__)


class UnsupportedOntology(ValueError):
    """The graphs use OWL constructs this reasoner does not implement; use owlrl for them."""

    def __init__(self, constructs: list[str]):
        self.constructs = constructs
        super().__init__("the fast reasoner does not implement " + ", ".join(constructs)
                         + "; reason with nkhr.build.reason.owl_rl_closure instead")


# Predicates and classes whose OWL-RL rules are not implemented here. Any use of them means the
# fast reasoner could miss an entailment or an inconsistency, so it refuses.
_UNSUPPORTED_PREDICATES = (
    OWL.sameAs, OWL.differentFrom, OWL.distinctMembers, OWL.propertyChainAxiom, OWL.hasKey,
    OWL.propertyDisjointWith, OWL.sourceIndividual, OWL.intersectionOf, OWL.unionOf,
    OWL.complementOf, OWL.oneOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass,
)
_UNSUPPORTED_CLASSES = (
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty, OWL.AllDisjointProperties, OWL.AllDifferent,
    OWL.NegativePropertyAssertion, OWL.Restriction,
)
# Terms whose meaning the rules depend on: asserting axioms *about* them (meta-modelling, such
# as a sub-property of rdf:type) would change the rules themselves.
_SCHEMA_TERMS = frozenset({
    RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.members, RDF.first, RDF.rest,
    OWL.Class, OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.AllDisjointClasses,
    OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.Thing, OWL.Nothing,
    *_UNSUPPORTED_PREDICATES, *_UNSUPPORTED_CLASSES,
})
_DATATYPES = frozenset(_ox(d) for d in OWL_RL_Datatypes)
_DISJOINT_DATATYPES = [(_ox(a), _ox(b)) for a, _, b in OWLRL_Datatypes_Disjointness]
_SUBSUMPTIONS: dict[Term, list[ox.NamedNode]] = {
    _ox(d): [_ox(s) for s in supers] for d, supers in OWL_Datatype_Subsumptions.items()}
_LEXICAL_CHECKS = {_ox(d): check for d, check in AltXSDToPYTHON.items()}


def _datatype(literal: ox.Literal) -> ox.NamedNode | None:
    """A literal's datatype as rdflib reads our sources: none for plain and tagged strings."""
    datatype = literal.datatype
    return None if datatype == _XSD_STRING or datatype == _LANG_STRING else datatype


def _worth_keeping(triple: Statement) -> bool:
    """``reason._worth_keeping`` on pyoxigraph terms."""
    s, p, o = triple
    if isinstance(s, ox.Literal):
        return False
    if isinstance(s, ox.NamedNode) and s.value.startswith(_W3C_VOCABULARIES):
        return False
    if p in _REFLEXIVE_NOISE and s == o:
        return False
    if o == OWL.Thing or (p == RDF.type and o in (RDFS.Resource, OWL.NamedIndividual)):
        return False
    return True


class _Graphs:
    """Read access to the union of several collections of pyoxigraph triples, by pattern."""

    def __init__(self, graphs: Iterable[Iterable[ox.Triple]]):
        self.all: set[ox.Triple] = set()
        for graph in graphs:
            self.all.update(graph)
        self.by_predicate: defaultdict[Term, list[Pair]] = defaultdict(list)
        for s, p, o in self.all:
            self.by_predicate[p].append((s, o))
        self.by_subject_predicate: defaultdict[Pair, list[Term]] | None = None

    def triples(self, pattern: Pattern) -> Iterator[Statement]:
        s, p, o = pattern
        if p is None:
            for triple in self.all:
                if (s is None or triple.subject == s) and (o is None or triple.object == o):
                    yield tuple(triple)
            return
        if s is not None and o is None:
            for value in self._objects(s, p):
                yield s, p, value
            return
        for subject, value in self.by_predicate.get(p, ()):
            if (s is None or subject == s) and (o is None or value == o):
                yield subject, p, value

    def pairs(self, predicate: Term) -> Iterator[Pair]:
        return iter(self.by_predicate.get(predicate, ()))

    def literals(self) -> set[ox.Literal]:
        """Every literal in object position, once."""
        return {t.object for t in self.all if isinstance(t.object, ox.Literal)}

    def __contains__(self, triple: Statement) -> bool:
        s, p, o = triple
        # the statements asked about are schema triples: their predicate is an IRI
        return not isinstance(s, ox.Literal) and ox.Triple(s, cast(ox.NamedNode, p), o) in self.all

    def items(self, head: Term | None) -> list[Term]:
        """An rdf:List's members (as owlrl reads them: from the first graph that has the list)."""
        members: list[Term] = []
        seen: set[Term] = set()
        while head is not None and head != RDF.nil and head not in seen:
            seen.add(head)
            first = next(iter(self._objects(head, RDF.first)), None)
            if first is None:
                break
            members.append(first)
            head = next(iter(self._objects(head, RDF.rest)), None)
        return members

    def _objects(self, s: Term, p: Term) -> list[Term]:
        if self.by_subject_predicate is None:       # only rdf:first, rdf:rest and owl:members
            self.by_subject_predicate = defaultdict(list)
            for q in (RDF.first, RDF.rest, OWL.members):
                for subject, value in self.by_predicate.get(q, ()):
                    self.by_subject_predicate[(subject, q)].append(value)
        if p in (RDF.first, RDF.rest, OWL.members):
            return self.by_subject_predicate.get((s, p), [])
        return [value for subject, value in self.by_predicate.get(p, ()) if subject == s]


def _triples_of(graphs: Iterable[Input]) -> list[Collection[ox.Triple]]:
    """Each graph as pyoxigraph triples (rdflib graphs are converted)."""
    converted: list[Collection[ox.Triple]] = []
    for graph in graphs:
        if isinstance(graph, Graph):
            memo: dict[Node, OxTerm] = {}

            def term(node: Node, memo: dict[Node, OxTerm] = memo) -> OxTerm:
                found = memo.get(node)
                if found is None:
                    found = memo[node] = oxigraph_term(node)
                return found
            graph = [oxigraph_triple(s, p, o, term) for s, p, o in graph]
        converted.append(graph)
    return converted


def unsupported_constructs(*graphs: _Graphs | Input) -> list[str]:
    """The OWL constructs in ``graphs`` that ``fast_closure`` does not implement, as CURIE-ish names."""
    first = graphs[0] if len(graphs) == 1 else None
    union = first if isinstance(first, _Graphs) else _Graphs(_triples_of(cast(tuple[Input, ...], graphs)))
    found: set[Term | str] = set()
    for predicate in _UNSUPPORTED_PREDICATES:
        if next(union.triples((None, predicate, None)), None) is not None:
            found.add(predicate)
    for cls in _UNSUPPORTED_CLASSES:
        if next(union.triples((None, RDF.type, cls)), None) is not None:
            found.add(cls)
    # Axioms about the schema vocabulary itself.
    for predicate in (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf, RDFS.domain, RDFS.range):
        for s, o in union.pairs(predicate):
            if s in _SCHEMA_TERMS or (predicate != RDFS.domain and predicate != RDFS.range
                                      and o in _SCHEMA_TERMS):
                found.add(f"{_v(predicate)} on {_v(s)}")
    # Entailing that something is a class or a property (a range of owl:Class, a subclass of
    # owl:SymmetricProperty) would feed the schema from the data.
    for predicate in (RDFS.domain, RDFS.range, RDFS.subClassOf, OWL.equivalentClass):
        for s, o in union.pairs(predicate):
            if o in _SCHEMA_TERMS and o != OWL.Thing:
                found.add(f"{_v(predicate)} {_v(o)} on {_v(s)}")
    for cls in (OWL.SymmetricProperty, OWL.TransitiveProperty):
        for s, _, _ in union.triples((None, RDF.type, cls)):
            if s in _SCHEMA_TERMS:
                found.add(f"{_v(cls)} on {_v(s)}")
    # Classes of the datatypes take part in owlrl's one-time datatype rules, not in the class
    # hierarchy: axioms placing them in it are not handled.
    for predicate in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith):
        for s, o in union.pairs(predicate):
            if s in _DATATYPES or o in _DATATYPES:
                found.add(f"{_v(predicate)} on the datatype {_v(s if s in _DATATYPES else o)}")
    for node, _ in union.pairs(OWL.members):
        if (node, RDF.type, OWL.AllDisjointClasses) in union:
            for member in union.items(next(iter(union._objects(node, OWL.members)), None)):
                if member in _DATATYPES:
                    found.add(f"owl:AllDisjointClasses on the datatype {_v(member)}")
    return sorted(f if isinstance(f, str) else f.value for f in found)


def _reach(edges: Mapping[_Node, Iterable[_Node]]) -> dict[_Node, set[_Node]]:
    """For each node with outgoing edges, every node reachable in one or more steps."""
    reach: dict[_Node, set[_Node]] = {}
    for start in edges:
        seen: set[_Node] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        reach[start] = seen
    return reach


class _Schema:
    """The class and property hierarchies, domains, ranges and property characteristics."""

    def __init__(self, union: _Graphs):
        self.asserted = union
        classes = {s for s, _, _ in union.triples((None, RDF.type, OWL.Class))}
        sub_class: defaultdict[Term, set[Term]] = defaultdict(set)
        for c1, c2 in union.pairs(RDFS.subClassOf):
            sub_class[c1].add(c2)
        for c1, c2 in union.pairs(OWL.equivalentClass):          # scm-eqc
            if c1 != c2:
                sub_class[c1].add(c2)
                sub_class[c2].add(c1)
        for c in classes:                                           # scm-cls
            sub_class[c].add(OWL.Thing)
            sub_class[OWL.Nothing].add(c)
        self.super_classes = _reach(sub_class)                     # scm-sco

        sub_property: defaultdict[Term, set[Term]] = defaultdict(set)
        for p1, p2 in union.pairs(RDFS.subPropertyOf):
            sub_property[p1].add(p2)
        for p1, p2 in union.pairs(OWL.equivalentProperty):        # scm-eqp
            if p1 != p2:
                sub_property[p1].add(p2)
                sub_property[p2].add(p1)
        self.super_properties = _reach(sub_property)               # scm-spo

        # scm-dom1/2, scm-rng1/2: a property has the domains of its super-properties, and a
        # domain's superclasses are domains too.
        self.domains = self._inherit(union.pairs(RDFS.domain))
        self.ranges = self._inherit(union.pairs(RDFS.range))

        self.symmetric = {s for s, _, _ in union.triples((None, RDF.type, OWL.SymmetricProperty))}
        self.transitive = {s for s, _, _ in union.triples((None, RDF.type, OWL.TransitiveProperty))}
        self.inverses: defaultdict[Term, set[Term]] = defaultdict(set)
        for p1, p2 in union.pairs(OWL.inverseOf):
            self.inverses[p1].add(p2)
            self.inverses[p2].add(p1)

        self.disjoint_pairs = list(union.pairs(OWL.disjointWith))
        self.disjoint_lists: list[list[Term]] = []
        for node, _, _ in union.triples((None, RDF.type, OWL.AllDisjointClasses)):
            for _, _, head in union.triples((node, OWL.members, None)):
                self.disjoint_lists.append(union.items(head))

    def _inherit(self, pairs: Iterable[Pair]) -> Edges:
        direct: defaultdict[Term, set[Term]] = defaultdict(set)
        for p, c in pairs:
            direct[p].add(c)
        result: defaultdict[Term, set[Term]] = defaultdict(set)
        for p, classes in direct.items():
            for c in classes:
                result[p].add(c)
                result[p].update(self.super_classes.get(c, ()))
        for p, supers in self.super_properties.items():
            for q in supers:
                if q != p:
                    for c in result.get(q, ()):
                        result[p].add(c)
        return dict(result)

    def types_of(self, cls: Term) -> set[Term]:
        """``cls`` and its superclasses."""
        return {cls, *self.super_classes.get(cls, ())}

    def entailed_schema(self) -> Iterator[Statement]:
        """The schema triples owlrl adds (reflexive and owl:Thing ones included; the filter drops them)."""
        for c1, supers in self.super_classes.items():
            for c2 in supers:
                yield c1, RDFS.subClassOf, c2
                if c1 in self.super_classes.get(c2, ()):                 # scm-eqc2
                    yield c1, OWL.equivalentClass, c2
        for p1, supers in self.super_properties.items():
            for p2 in supers:
                yield p1, RDFS.subPropertyOf, p2
                if p1 in self.super_properties.get(p2, ()):              # scm-eqp2
                    yield p1, OWL.equivalentProperty, p2
        for p, classes in self.domains.items():
            for c in classes:
                yield p, RDFS.domain, c
        for p, classes in self.ranges.items():
            for c in classes:
                yield p, RDFS.range, c


class _Properties:
    """Property assertions closed under sub-properties, symmetry, inverses and transitivity."""

    def __init__(self, union: _Graphs, schema: _Schema):
        self.schema = schema
        rules = set(schema.super_properties) | schema.symmetric | schema.transitive | set(schema.inverses)
        # Every property a rule can write to: its asserted pairs are needed to tell old from new.
        targets = set(rules)
        for p in rules:
            targets.update(schema.super_properties.get(p, ()))
            targets.update(schema.inverses.get(p, ()))
        self.asserted = {p: set(union.pairs(p)) for p in targets}
        self.derived: defaultdict[Term, set[Pair]] = defaultdict(set)
        # transitive properties only: property -> subject -> its objects (``out``), object -> its subjects
        self.out: defaultdict[Term, defaultdict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
        self.into: defaultdict[Term, defaultdict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
        for p in schema.transitive:
            for s, o in self.asserted[p]:
                self.out[p][s].add(o)
                self.into[p][o].add(s)
        queue = deque((p, s, o) for p in rules for s, o in self.asserted[p])
        self._run(queue)

    def _add(self, queue: deque[Step], p: Term, s: Term, o: Term) -> None:
        pair = (s, o)
        known = self.asserted.get(p)
        if (known is not None and pair in known) or pair in self.derived[p]:
            return
        self.derived[p].add(pair)
        if p in self.schema.transitive:
            self.out[p][s].add(o)
            self.into[p][o].add(s)
        queue.append((p, s, o))

    def _run(self, queue: deque[Step]) -> None:
        schema = self.schema
        while queue:
            p, s, o = queue.popleft()
            for q in schema.super_properties.get(p, ()):          # prp-spo1, prp-eqp1/2
                if q != p:
                    self._add(queue, q, s, o)
            if p in schema.symmetric:                              # prp-symp
                self._add(queue, p, o, s)
            for q in schema.inverses.get(p, ()):                   # prp-inv1/2
                self._add(queue, q, o, s)
            if p in schema.transitive:                             # prp-trp
                for z in list(self.out[p].get(o, ())):
                    self._add(queue, p, s, z)
                for w in list(self.into[p].get(s, ())):
                    self._add(queue, p, w, o)

    def pairs(self, union: _Graphs, p: Term) -> Iterator[Pair]:
        """Asserted and derived pairs of ``p``."""
        if p in self.asserted:
            yield from self.asserted[p]
        else:
            yield from union.pairs(p)
        yield from self.derived.get(p, ())


def _literal_types(literal: ox.Literal) -> set[Term]:
    """owlrl's dt-type2 and datatype subsumption for a literal of an OWL-RL datatype."""
    datatype = _datatype(literal)
    if datatype not in _DATATYPES:
        return set()
    return {datatype, *_SUBSUMPTIONS.get(datatype, ())}


def _check_lexical_forms(literals: set[ox.Literal], errors: set[str]) -> None:
    """dt-not-type: a typed literal whose lexical form is not in its datatype's lexical space."""
    for o in literals:
        datatype = _datatype(o)
        if datatype is None or datatype not in _DATATYPES:
            continue
        converter = _LEXICAL_CHECKS.get(datatype)
        if converter is None:
            continue
        try:
            converter(o.value)
        except ValueError:
            errors.add(f"Lexical value of the literal '{o.value}' does not match its datatype ({datatype.value})")


def _used_datatypes(union: _Graphs, literals: set[ox.Literal]) -> set[Term]:
    """The datatypes owlrl adds disjointness axioms for: those of literals and of asserted types."""
    used: set[Term] = set()
    for literal in literals:
        used.update(_literal_types(literal))
    for _, o in union.pairs(RDF.type):
        if o in _DATATYPES:
            used.add(o)
            used.update(_SUBSUMPTIONS.get(o, ()))
    return used


class FastClosure:
    """What ``fast_closure`` concludes, as pyoxigraph triples; rdflib graphs of it on demand.

    ``inferred_triples`` are the entailments worth publishing. ``validated()`` is what SHACL
    reads: the input and those entailments, RDF only. The generalized triples owlrl also derives
    (a literal typed by an rdfs:range: ``"15" rdf:type xsd:integer``) are not RDF and are dropped:
    neither validated nor published.
    """

    def __init__(self, graphs: list[Collection[ox.Triple]], inferred: set[ox.Triple]):
        self.graphs = graphs
        self.inferred_triples = inferred

    def validated(self) -> ox.Store:
        """A Store of the input and the kept entailments, in its default graph."""
        store = ox.Store()
        seen: set[ox.Triple] = set()
        for graph in (*self.graphs, self.inferred_triples):
            store.extend(_unseen_quads(graph, seen))
        return store

    @cached_property
    def inferred(self) -> Graph:
        return rdflib_graph(self.inferred_triples)

    @cached_property
    def full(self) -> Graph:
        return rdflib_graph({t for graph in (*self.graphs, self.inferred_triples) for t in graph})


def _unseen_quads(triples: Iterable[ox.Triple], seen: set[ox.Triple]) -> Iterator[ox.Quad]:
    """The triples not in ``seen``, as quads of the default graph, added to ``seen`` as they go."""
    for t in triples:
        if t not in seen:
            seen.add(t)
            yield ox.Quad(*t)


def fast_closure(*graphs: Input, fallback: Callable[..., Closure] | None = owl_rl_closure) -> FastClosure | Closure:
    """The entailments of ``graphs`` (pyoxigraph triples or rdflib graphs) that
    ``reason.owl_rl_closure`` keeps, and the same errors.

    Raises InconsistentError with owlrl's messages on a clash. On constructs outside the subset,
    returns ``fallback(*graphs)`` (as rdflib graphs), or raises UnsupportedOntology when
    ``fallback`` is None.
    """
    triples = _triples_of(graphs)
    union = _Graphs(triples)
    unsupported = unsupported_constructs(union)
    if unsupported:
        if fallback is None:
            raise UnsupportedOntology(unsupported)
        log.warning("the fast reasoner does not implement %s: reasoning with %s instead",
                    ", ".join(unsupported), getattr(fallback, "__name__", fallback))
        return fallback(*(g if isinstance(g, Graph) else rdflib_graph(g) for g in graphs))

    schema = _Schema(union)
    properties = _Properties(union, schema)

    # Types: asserted ones and those from domains and ranges, each with its superclasses.
    asserted_types: defaultdict[Term, set[Term]] = defaultdict(set)
    for s, o in union.pairs(RDF.type):
        asserted_types[s].add(o)
    types: defaultdict[Term, set[Term]] = defaultdict(set)
    for node, classes in asserted_types.items():
        for c in classes:
            supers = schema.super_classes.get(c)
            if supers:
                types[node].update(supers)
            if c in _DATATYPES:                                    # owlrl's "explicit" datatypes
                types[node].update(_SUBSUMPTIONS.get(c, ()))
    for p, classes in schema.domains.items():                     # prp-dom
        for s, _ in properties.pairs(union, p):
            types[s].update(classes)
    for p, classes in schema.ranges.items():                       # prp-rng
        for _, o in properties.pairs(union, p):
            types[o].update(classes)

    # Consistency.
    errors: set[str] = set()
    literals = union.literals()
    _check_lexical_forms(literals, errors)
    _check_disjointness(union, schema, asserted_types, types, errors, literals)
    if errors:
        raise InconsistentError(sorted(errors))

    # What to publish: every new triple the filter keeps.
    entailed: set[Statement] = set()
    for triple in schema.entailed_schema():
        if _worth_keeping(triple) and triple not in union:
            entailed.add(triple)
    for p, pairs in properties.derived.items():
        for s, o in pairs:
            entailed.add((s, p, o))
    for node, classes in types.items():
        have = asserted_types.get(node, ())
        for c in classes:
            if c not in have:
                entailed.add((node, RDF.type, c))
    # What _worth_keeping keeps has no literal subject; the predicates are the ontology's properties.
    inferred = {ox.Triple(cast(OxSubject, s), cast(ox.NamedNode, p), o)
                for s, p, o in (triple for triple in entailed if _worth_keeping(triple))}
    return FastClosure(triples, inferred)


def _check_disjointness(union: _Graphs, schema: _Schema, asserted_types: Mapping[Term, set[Term]],
                        types: Mapping[Term, set[Term]], errors: set[str], literals: set[ox.Literal]) -> None:
    """cls-nothing2, cax-dw and cax-adc on the typed nodes, with owlrl's messages."""
    def all_types(node: Term) -> set[Term]:
        found = asserted_types.get(node, set()) | types.get(node, set())
        if isinstance(node, ox.Literal):
            found = found | _literal_types(node)
        return found

    pairs = list(schema.disjoint_pairs)
    lists = [classes for classes in schema.disjoint_lists if len(classes) > 1]
    relevant = {c for pair in pairs for c in pair} | {c for classes in lists for c in classes}
    relevant |= {OWL.Nothing} | {c for pair in _DISJOINT_DATATYPES for c in pair}
    datatype_clash = False
    for node in set(asserted_types) | set(types):
        node_types = all_types(node)
        hit = node_types & relevant
        if not hit:
            continue
        if OWL.Nothing in hit:                                     # cls-nothing2
            errors.add(f"{_v(node)} is defined of type 'Nothing'")
        for c1, c2 in pairs:                                       # cax-dw
            if c1 in hit and c2 in hit:
                errors.add(f"Disjoint classes {_v(c1)} and {_v(c2)} have a common individual {_v(node)}")
        for classes in lists:                                      # cax-adc
            for i, c1 in enumerate(classes[:-1]):
                if c1 in hit:
                    for c2 in classes[i + 1:]:
                        if c2 in hit:
                            errors.add(f"Disjoint classes {_v(c1)} and {_v(c2)} have a common individual "
                                       f"{_v(node)}")
        datatype_clash = datatype_clash or any(a in hit and b in hit for a, b in _DISJOINT_DATATYPES)
    if datatype_clash:
        # owlrl declares two datatypes disjoint only when both are in use in the graph (cax-dw).
        used = _used_datatypes(union, literals)
        active = [(a, b) for a, b in _DISJOINT_DATATYPES if a in used and b in used]
        for node in set(asserted_types) | set(types):
            node_types = all_types(node)
            for a, b in active:
                if a in node_types and b in node_types:
                    errors.add(f"Disjoint classes {_v(a)} and {_v(b)} have a common individual {_v(node)}")
