"""The search index, written by the build: every labelled node's names and descriptions in SQLite FTS5.

Why SQLite FTS5 and not tantivy: it is in Python's standard library (no new dependency, no
native wheel to keep in step with the Python version), the index is one ordinary file that a
reader opens read-only in microseconds and the operating system's page cache shares between
all web workers, its prefix indexes make "kirb" -> "Kirby" an index look-up, and BM25 ranks
within a field. What it lacks, forgiving typos, is done here too: every indexed word of four
letters or more is stored with its one-letter deletions (the SymSpell method), so a reader
finds the words one edit away from "yodock" with a few indexed look-ups instead of a scan.

The index is read from the built dataset's N-Quads with pyoxigraph (not rdflib), so it costs
seconds, not minutes, at a million triples. It is deterministic: rows are inserted in sorted
order into an in-memory database, which is vacuumed and serialised; the same dataset and the
same SQLite library give the same bytes (``tests/build/test_build.py`` compares two builds).

What is indexed, per node with an IRI and a label: its names (``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel``, ``nkhr:officialName``, ``dcterms:title``, ``foaf:name``) and descriptions
(``rdfs:comment``, ``skos:definition``), folded by ``nkhr.text.fold``; its kind (the most
specific class it is asserted to be); and a one-line context to show under a hit.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ..query.search import DESCRIPTION, FIELDS, SCHEMA, SEARCH_FILE, STATEMENT_KINDS, STATEMENT_PENALTY, deletions
from ..text import folded_text, shorten
from ..vocab import GRAPH_INFERRED, PREFIXES

__all__ = ["SEARCH_FILE", "index_bytes", "index_store"]

_P = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())

_TEXTS = _P + f"""
SELECT DISTINCT ?node ?p ?value WHERE {{
  GRAPH ?g {{ ?node ?p ?value }}
  VALUES ?p {{ {" ".join(f"<{iri}>" for iri in FIELDS)} }}
  FILTER(?g != <{GRAPH_INFERRED}> && isIRI(?node) && isLiteral(?value))
}}"""

# Asserted types only: the inferred ones are the superclasses, which say less.
_TYPES = _P + f"""
SELECT DISTINCT ?node ?type WHERE {{
  GRAPH ?g {{ ?node a ?type }} FILTER(?g != <{GRAPH_INFERRED}> && isIRI(?node) && isIRI(?type))
}}"""

_CLASS_LABELS = _P + """
SELECT ?type (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?super) AS ?depth) WHERE {
  ?type rdfs:label|skos:prefLabel ?label .
  OPTIONAL { ?type rdfs:subClassOf+ ?super FILTER(?super != ?type) }
} GROUP BY ?type"""

_SECTIONS = _P + """
SELECT DISTINCT ?node ?label WHERE { ?node nkhr:statedIn ?section . ?section rdfs:label ?label }"""

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
_RESOURCE = "http://www.w3.org/2000/01/rdf-schema#Resource"


def _select(store: ox.Store, query: str) -> Iterable[list[Any]]:
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return ([solution[i] for i in range(len(solution))] for solution in solutions)


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def index_bytes(nquads: bytes) -> bytes:
    """The search index of the dataset in ``nquads``, as the bytes of an SQLite database file."""
    store = ox.Store()
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    return index_store(store)


def index_store(store: ox.Store) -> bytes:
    """The search index of the dataset in a pyoxigraph store (see ``index_bytes``)."""
    texts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for node, predicate, value in _select(store, _TEXTS):
        texts[node.value].add((FIELDS[predicate.value], value.value))
    labelled = {iri: fields for iri, fields in texts.items()
                if any(field != DESCRIPTION for field, _ in fields)}

    classes = {row[0].value: (row[1].value, int(row[2].value)) for row in _select(store, _CLASS_LABELS)
               if isinstance(row[0], ox.NamedNode)}
    types: dict[str, list[str]] = defaultdict(list)
    for node, kind in _select(store, _TYPES):
        if node.value in labelled:
            types[node.value].append(kind.value)
    sections: dict[str, set[str]] = defaultdict(set)
    for node, label in _select(store, _SECTIONS):
        if node.value in labelled:
            sections[node.value].add(label.value)

    database = sqlite3.connect(":memory:")
    database.execute("PRAGMA page_size = 4096")
    database.executescript(SCHEMA)
    words: dict[str, int] = defaultdict(int)
    entry_id = 0
    for node_id, iri in enumerate(sorted(labelled), start=1):
        fields = labelled[iri]
        kind, kind_label = _kind(types.get(iri, []), classes)
        label = _label(fields)
        descriptions = sorted(value for field, value in fields if field == DESCRIPTION)
        context = (shorten(descriptions[0]) if descriptions
                   else shorten("Stated in " + "; ".join(sorted(sections[iri]))) if sections.get(iri) else "")
        penalty = STATEMENT_PENALTY if kind in STATEMENT_KINDS else 0.0
        database.execute("INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (node_id, iri, label, kind, kind_label, context, penalty))
        for field, value in sorted(fields):
            folded = folded_text(value)
            if not folded:
                continue
            entry_id += 1
            database.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", (entry_id, node_id, field, value, folded))
            for word in set(folded.split()):
                words[word] += 1
    database.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    database.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    database.executemany("INSERT INTO words VALUES (?, ?)", sorted(words.items()))
    database.executemany("INSERT INTO deletions VALUES (?, ?)",
                         sorted({(variant, word) for word in words for variant in deletions(word)}))
    database.commit()
    database.execute("VACUUM")
    data = database.serialize()
    database.close()
    return data


def _label(fields: set[tuple[str, str]]) -> str:
    """The name to show: the first label, else the first other name, in a stable order."""
    for wanted in ("label", "title", "officialName", "altLabel"):
        values = sorted(value for field, value in fields if field == wanted)
        if values:
            return values[0]
    return sorted(value for _, value in fields)[0]


def _kind(asserted: list[str], classes: dict[str, tuple[str, int]]) -> tuple[str, str]:
    """The most specific of the node's asserted classes (the deepest in the hierarchy), and its name."""
    known = [t for t in asserted if t != _RESOURCE]
    if not known:
        return "", "Resource"
    best = sorted(known, key=lambda t: (-classes.get(t, ("", -1))[1], t not in classes, t))[0]
    name = classes[best][0] if best in classes else _KIND_NAMES.get(best, _local_name(best))
    return best, name
