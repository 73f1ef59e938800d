"""Which article section states each asserted triple: one named graph per section.

Curators write plain Turtle and name sections per node (``kg:x nkhr:statedIn sec:A``); a node
that a section only mentions gets ``nkhr:mentionedIn`` instead. From that the build derives,
for every asserted triple, the sections that state it, file by file:

1. ``nkhr:statedIn`` / ``nkhr:mentionedIn`` triples belong to the section they name;
2. a triple about a node that names its sections *in the same file* is stated by those
   sections (the facts a file records about a node come from the sections it names there, so
   ``food.ttl`` mentioning Yodok does not credit Yodok's facility number to the food section);
3. a triple about a blank node is stated where the triple that holds the blank node is;
4. otherwise, a file that covers a single section credits it with the triple, and a node that
   only one section states is credited to that section;
5. what is left (the article and its sections in ``source.ttl``, things cited from their own
   ``dcterms:source``) is stated by no section and is returned as ``unattributed``.

The result is one graph per section, IRI ``vocab.section_graph(section)``; the asserted graph
stays their union plus the unattributed triples. The code works on any term objects that are
IRIs with ``.value`` (pyoxigraph) or ``str()`` (rdflib), so it survives either parser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import pyoxigraph as ox
from rdflib import URIRef

from ..vocab import NKHR

STATED_IN = str(NKHR.statedIn)
MENTIONED_IN = str(NKHR.mentionedIn)
_PROVENANCE = (STATED_IN, MENTIONED_IN)

Triple: TypeAlias = tuple[Any, Any, Any] | ox.Triple      # rdflib terms or a pyoxigraph triple: the code reads either


def iri_of(term: Any) -> str | None:
    """The IRI of an IRI term of rdflib or pyoxigraph, else None (literal, blank node)."""
    kind = type(term).__name__
    if kind == "NamedNode":
        return str(term.value)
    if kind == "URIRef":
        return str(term)
    return None


# The provenance predicates as the terms of either parser: a predicate is compared with these
# (one hash lookup) before its IRI is read, which most triples would otherwise pay for.
_STATED_IN_TERMS: set[Any] = {ox.NamedNode(STATED_IN), URIRef(STATED_IN)}
_PROVENANCE_TERMS: set[Any] = {ox.NamedNode(iri) for iri in _PROVENANCE} | {URIRef(iri) for iri in _PROVENANCE}


def _is(predicate: Any, terms: set[Any]) -> bool:
    """Whether ``predicate`` (a pyoxigraph or an rdflib IRI) is one of ``terms``."""
    return predicate in terms


def _is_blank(term: Any) -> bool:
    return type(term).__name__ in ("BNode", "BlankNode")


@dataclass
class Provenance:
    """The triples each section states (by section IRI), and the triples no section states."""

    by_section: dict[str, list[Triple]] = field(default_factory=dict)
    unattributed: list[tuple[str, Triple]] = field(default_factory=list)   # (file, triple)

    def sections_of(self, triple: Triple) -> list[str]:
        """The sections that state ``triple`` (a linear scan: for tests and tools, not the server)."""
        return sorted(section for section, triples in self.by_section.items() if triple in triples)


def derive(files: Mapping[str, Sequence[Triple]]) -> Provenance:
    """The sections stating each triple of ``files`` (file name -> its triples, in any order)."""
    stated_anywhere: dict[Hashable, set[str]] = defaultdict(set)
    for triples in files.values():
        for s, p, o in triples:
            if _is(p, _STATED_IN_TERMS) and (section := iri_of(o)):
                stated_anywhere[s].add(section)
    by_section: dict[str, set[Triple]] = defaultdict(set)
    unattributed: list[tuple[str, Triple]] = []
    for name in sorted(files):
        for triple, sections in _file_sections(files[name], stated_anywhere).items():
            if sections:
                for section in sections:
                    by_section[section].add(triple)
            else:
                unattributed.append((name, triple))
    # In no order: the store and the dumps (serialize.SortedDataset) put each graph in theirs.
    return Provenance(by_section={section: list(triples) for section, triples in by_section.items()},
                      unattributed=unattributed)


def _file_sections(triples: Sequence[Triple], stated_anywhere: Mapping[Hashable, set[str]]) -> dict[Triple, set[str]]:
    local: dict[Hashable, set[str]] = defaultdict(set)
    holder: dict[Hashable, Hashable] = {}          # blank node -> the subject of the triple holding it
    for s, p, o in triples:
        if _is(p, _STATED_IN_TERMS) and (section := iri_of(o)):
            local[s].add(section)
        if _is_blank(o):
            holder.setdefault(o, s)
    file_sections = set().union(*local.values()) if local else set()

    def sections_for(subject: Hashable, seen: frozenset[Hashable] = frozenset()) -> set[str]:
        if _is_blank(subject) and subject in holder and subject not in seen:
            return sections_for(holder[subject], seen | {subject})
        if local.get(subject):
            return local[subject]
        if len(file_sections) == 1:
            return set(file_sections)
        if len(stated_anywhere.get(subject, ())) == 1:
            return set(stated_anywhere[subject])
        return set()

    found: dict[Triple, set[str]] = {}
    for triple in triples:
        s, p, o = triple
        if _is(p, _PROVENANCE_TERMS) and (section := iri_of(o)):
            found.setdefault(triple, set()).add(section)
        else:
            found.setdefault(triple, set()).update(sections_for(s))
    return found
