"""OWL-RL reasoning: what the ontology lets us conclude from the asserted data.

owlrl computes the full OWL 2 RL closure, which includes much that no user wants to see
(every resource ``owl:sameAs`` itself, every class a subclass of itself and of owl:Thing).
We keep the entailments that say something: types from the class hierarchy, super-properties,
symmetric links. The full closure is still what SHACL validates and what the consistency
check reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import owlrl
import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ..serialize import oxigraph_triple

_W3C_VOCABULARIES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE_NOISE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty,
                    RDFS.subClassOf, RDFS.subPropertyOf}
_ERROR_TYPE = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
_ERROR_TEXT = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


class InconsistentError(Exception):
    """The ontology and data contradict each other under OWL-RL (e.g. a node in two disjoint classes)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("OWL-RL found the graph inconsistent:\n" + "\n".join(f"  - {m}" for m in messages))


@dataclass
class Closure:
    """owlrl's closure, as rdflib graphs; the same interface as ``fastreason.FastClosure``."""

    full: Graph       # ontology + asserted + everything entailed
    inferred: Graph   # the entailments worth publishing, none of them asserted

    @property
    def inferred_triples(self) -> set[ox.Triple]:
        return {oxigraph_triple(s, p, o) for s, p, o in self.inferred}

    def validated(self) -> ox.Store:
        """What SHACL reads: the closure without its generalized triples (literal subjects)."""
        from .validate import data_store
        return data_store(self.full)


def _worth_keeping(triple: tuple[Node, Node, Node]) -> bool:
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if str(s).startswith(_W3C_VOCABULARIES):
        return False
    if p in _REFLEXIVE_NOISE and s == o:
        return False
    if o == OWL.Thing or (p == RDF.type and o in (RDFS.Resource, OWL.NamedIndividual)):
        return False
    return True


def owl_rl_closure(*graphs: Graph) -> Closure:
    """Return the OWL-RL closure of the union of ``graphs``; raise InconsistentError on a clash."""
    full = Graph()
    for graph in graphs:
        for triple in graph:
            full.add(triple)
    asserted = set(full)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(full)
    errors = sorted(str(o) for _, _, o in full.triples((None, _ERROR_TEXT, None)))
    if errors:
        raise InconsistentError(errors)
    inferred = Graph()
    for triple in full:
        if triple not in asserted and _worth_keeping(triple):
            inferred.add(triple)
    return Closure(full=full, inferred=inferred)
