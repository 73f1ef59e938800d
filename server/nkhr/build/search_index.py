"""The search index, written by the build: every labelled node's names and descriptions in SQLite FTS5.

Why SQLite FTS5 and not tantivy: it is in Python's standard library (no new dependency, no
native wheel to keep in step with the Python version), the index is one ordinary file that a
reader opens read-only in microseconds and the operating system's page cache shares between
all web workers, its prefix indexes make "kirb" -> "Kirby" an index look-up, and BM25 ranks
within a field. What it lacks, forgiving typos, is done here too: every indexed word of four
letters or more is stored with its one-letter deletions (the SymSpell method), so a reader
finds the words one edit away from "yodock" with a few indexed look-ups instead of a scan.

The index is read from the built dataset in a pyoxigraph Store, a predicate at a time through
its indexes (build/stored.py says why not SPARQL), so it costs seconds at a million triples. It
is deterministic: rows are inserted in sorted order into an in-memory database, which is
vacuumed and serialised; the same dataset and the same SQLite library give the same bytes
(``tests/build/test_build.py`` compares two builds).

What is indexed, per node with an IRI and a label: its names (``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel``, ``nkhr:officialName``, ``dcterms:title``, ``foaf:name``) and descriptions
(``rdfs:comment``, ``skos:definition``), folded by ``nkhr.text.fold``; its kind (the most
specific class it is asserted to be); and a one-line context to show under a hit.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from ..query.search import (
    DESCRIPTION,
    FIELDS,
    INDEXES,
    SCHEMA,
    SEARCH_FILE,
    STATEMENT_KINDS,
    STATEMENT_PENALTY,
    deletions,
)
from ..text import folded_text, shorten
from ..vocab import NKHR, RDF_TYPE, RDFS_LABEL, RDFS_RESOURCE, RDFS_SUBCLASS_OF, SKOS_PREF_LABEL
from .stored import GIVEN_GRAPHS, pairs

__all__ = ["SEARCH_FILE", "index_bytes", "index_store"]

# Kinds of the ontology's own terms, which carry no label of ours.
_KIND_NAMES = {
    "http://www.w3.org/2002/07/owl#Class": "Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty": "Property",
    "http://www.w3.org/2002/07/owl#DatatypeProperty": "Property",
    "http://www.w3.org/2002/07/owl#AnnotationProperty": "Property",
    "http://www.w3.org/2002/07/owl#Ontology": "Ontology",
    "http://www.w3.org/2004/02/skos/core#Concept": "Concept",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "Concept scheme",
}
_NAMES = (RDFS_LABEL, SKOS_PREF_LABEL)      # a class's name: either


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def index_bytes(nquads: bytes) -> bytes:
    """The search index of the dataset in ``nquads``, as the bytes of an SQLite database file."""
    store = ox.Store()
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    return index_store(store)


def index_store(store: ox.Store) -> bytes:
    """The search index of the dataset in a pyoxigraph store (see ``index_bytes``)."""
    labelled = _texts(store)
    types: dict[str, list[str]] = defaultdict(list)
    for node, cls in pairs(store, RDF_TYPE, GIVEN_GRAPHS):    # the inferred ones are superclasses: say less
        if isinstance(cls, ox.NamedNode) and node.value in labelled:
            types[node.value].append(cls.value)
    classes = _classes(store, {cls for given in types.values() for cls in given})
    undescribed = {iri for iri, fields in labelled.items() if all(field != DESCRIPTION for field, _ in fields)}
    stated_in = [(node.value, section) for node, section in pairs(store, str(NKHR.statedIn))   # their context
                 if node.value in undescribed and not isinstance(section, ox.Literal)]
    section_labels = _labels(store, {section for _, section in stated_in}, (RDFS_LABEL,))
    sections: dict[str, set[str]] = defaultdict(set)
    for iri, section in stated_in:
        sections[iri] |= section_labels.get(section.value, set())

    order = sorted(labelled)
    kinds: dict[tuple[str, ...], tuple[str, str]] = {}      # many nodes share their classes

    def nodes() -> Iterator[tuple[Any, ...]]:
        for node_id, iri in enumerate(order, start=1):
            fields = sorted(labelled[iri])
            given = tuple(types.get(iri, ()))
            if given not in kinds:
                kinds[given] = _kind(given, classes)
            kind, kind_label = kinds[given]
            descriptions = [value for field, value in fields if field == DESCRIPTION]
            context = (shorten(descriptions[0]) if descriptions
                       else shorten("Stated in " + "; ".join(sorted(sections[iri]))) if sections.get(iri) else "")
            penalty = STATEMENT_PENALTY if kind in STATEMENT_KINDS else 0.0
            yield node_id, iri, _label(fields), kind, kind_label, context, penalty

    words: dict[str, int] = defaultdict(int)       # how many entries hold each word, counted as they go in

    def entries() -> Iterator[tuple[Any, ...]]:
        entry_id = 0
        for node_id, iri in enumerate(order, start=1):
            for field, value in sorted(labelled[iri]):
                if folded := folded_text(value):
                    entry_id += 1
                    yield entry_id, node_id, field, value, folded
                    for word in set(folded.split()):
                        words[word] += 1

    return _database(nodes(), entries(), words)


def _texts(store: ox.Store) -> dict[str, set[tuple[str, str]]]:
    """Each node with a name: its (field, text) pairs, names and descriptions, as given (not inferred)."""
    texts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for predicate, field in FIELDS.items():
        for node, text in pairs(store, predicate, GIVEN_GRAPHS):
            if isinstance(node, ox.NamedNode) and isinstance(text, ox.Literal):
                texts[node.value].add((field, text.value))
    return {iri: fields for iri, fields in texts.items() if any(field != DESCRIPTION for field, _ in fields)}


def _database(nodes: Iterable[tuple[Any, ...]], entries: Iterable[tuple[Any, ...]], words: dict[str, int]) -> bytes:
    """The SQLite file: rows inserted in order in one transaction, the indexes and the full-text
    index built after them.

    The rows are streamed, not held; ``words`` is read once ``entries`` is spent (it counts them).
    """
    database = sqlite3.connect(":memory:")
    database.execute("PRAGMA page_size = 4096")
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = MEMORY"):    # a throw-away
        database.execute(f"PRAGMA {pragma}")      # database: no rollback journal, VACUUM's copy in memory
    database.executescript(SCHEMA)
    database.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?, ?)", nodes)
    database.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", entries)
    for index in INDEXES:
        database.execute(index)
    database.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    database.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    database.executemany("INSERT INTO words VALUES (?, ?)", sorted(words.items()))
    # unsorted: SQLite orders them in its B-tree faster than Python sorts the pairs, and VACUUM
    # copies a table in its key's order, so the file is the same
    database.executemany("INSERT INTO deletions VALUES (?, ?)",
                         {(variant, word) for word in words for variant in deletions(word)})
    database.commit()
    database.execute("VACUUM")
    data = database.serialize()
    database.close()
    return data


def _label(fields: list[tuple[str, str]]) -> str:
    """The name to show: the first label, else the first other name (``fields`` sorted)."""
    first: dict[str, str] = {}
    for field, value in fields:
        first.setdefault(field, value)
    for wanted in ("label", "title", "officialName", "altLabel"):
        if wanted in first:
            return first[wanted]
    return min(value for _, value in fields)


def _kind(asserted: tuple[str, ...], classes: dict[str, tuple[str, int]]) -> tuple[str, str]:
    """The most specific of the node's asserted classes (the deepest in the hierarchy), and its name."""
    known = [t for t in asserted if t != RDFS_RESOURCE]
    if not known:
        return "", "Resource"
    best = sorted(known, key=lambda t: (-classes.get(t, ("", -1))[1], t not in classes, t))[0]
    name = classes[best][0] if best in classes else _KIND_NAMES.get(best, _local_name(best))
    return best, name


def _labels(store: ox.Store, nodes: Iterable[ox.NamedNode | ox.BlankNode],
            properties: tuple[str, ...] = _NAMES) -> dict[str, set[str]]:
    """The labels of a few ``nodes``, by IRI or blank node id, from every graph (a look-up each)."""
    found = {node.value: {label.value for predicate in properties for _, label in pairs(store, predicate, subject=node)}
             for node in nodes}
    return {node: labels for node, labels in found.items() if labels}


def _classes(store: ox.Store, kinds: set[str]) -> dict[str, tuple[str, int]]:
    """For each of ``kinds`` that has a label: its first label and how many superclasses it has
    (``rdfs:subClassOf`` followed one or more steps, itself left out): the deeper, the more specific."""
    supers: dict[str, set[str]] = defaultdict(set)
    for sub, sup in pairs(store, RDFS_SUBCLASS_OF):
        supers[sub.value].add(sup.value)
    classes = {}
    for kind, names in _labels(store, map(ox.NamedNode, kinds)).items():
        seen: set[str] = set()
        todo = list(supers.get(kind, ()))
        while todo:
            if (step := todo.pop()) not in seen:
                seen.add(step)
                todo.extend(supers.get(step, ()))
        classes[kind] = (min(names), len(seen - {kind}))
    return classes
