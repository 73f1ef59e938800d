"""Reading the build's search index (``search.sqlite``, written by ``nkhr.build.search_index``).

``SearchIndex(path).search("yodock")`` finds nodes by their names and descriptions: case and
diacritics folded ("sunghori" finds Sŭnghori), every word also matching as a prefix ("kirb"
finds Kirby), a word found nowhere replaced by the indexed words one edit away from it ("yodock"
finds Yodok), and every word required. ``suggest("yo")`` is the same over names only, for the
search box. Hits are ranked in tiers, so a name always outranks a description:

    100  the whole name is the query            ("yodok" and an alternative name "Yodok")
     80  a name starts with the query
     60  a name holds the query's words
     30  only a description holds them

less 15 when a word was matched one edit away, less 5 for a claim (a statement about a thing
ranks below the thing), plus up to 9 from BM25 within the tier
(and 0.5 for the main label, so a label wins over an equal alternative name). ``field``
says which name matched (``label``, ``altLabel``, ``officialName``, ``title``, ``prefLabel``,
``name``) or ``description``, and ``matched`` the text that did, so a caller (reconciliation)
can score a hit its own way.

When more than 5,000 entries match (a word nearly every node holds, at a million triples), the
hits and the counts per kind come from at most 4,000 candidates (names starting with the query,
then matches in index order) and ``complete`` is False, so that no look-up takes a second.

The file is opened read-only and immutable (a build folder never changes), one connection per
thread, so any number of web workers and threads share it through the page cache.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..text import folded_text, tokens

SEARCH_FILE = "search.sqlite"
DESCRIPTION = "description"

# Which literal property is which field of a hit.
FIELDS = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel": "altLabel",
    "https://w3id.org/nkhr/ontology#officialName": "officialName",
    "http://purl.org/dc/terms/title": "title",
    "http://xmlns.com/foaf/0.1/name": "name",
    "http://www.w3.org/2000/01/rdf-schema#comment": DESCRIPTION,
    "http://www.w3.org/2004/02/skos/core#definition": DESCRIPTION,
}

SCHEMA = """
CREATE TABLE nodes (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
                    kind TEXT NOT NULL, kind_label TEXT NOT NULL, context TEXT NOT NULL,
                    penalty REAL NOT NULL);
CREATE TABLE entries (id INTEGER PRIMARY KEY, node INTEGER NOT NULL REFERENCES nodes, field TEXT NOT NULL,
                      value TEXT NOT NULL, folded TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5 (folded, content='entries', content_rowid='id',
                                     tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TABLE words (word TEXT PRIMARY KEY, entries INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE deletions (variant TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (variant, word)) WITHOUT ROWID;
"""
# Made once the rows are in (one sort each rather than an insertion per row). VACUUM, which ends
# the writing, lays out the tables, then the indexes, each in the order they were made: where the
# index statements run does not change the file.
INDEXES = ("CREATE INDEX entries_by_node ON entries (node)",
           "CREATE INDEX nodes_by_kind ON nodes (kind)",
           "CREATE INDEX entries_by_folded ON entries (folded)")

# Kinds whose hits rank a little lower: statements about things, below the things themselves.
STATEMENT_KINDS = ("https://w3id.org/nkhr/ontology#Claim", "https://w3id.org/nkhr/ontology#Rating")
STATEMENT_PENALTY = 5.0

FUZZY_MIN_LENGTH = 4          # shorter words are not corrected: too many neighbours one edit away


def deletions(word: str) -> set[str]:
    """``word`` with one letter left out, each way (for words worth correcting, without digits)."""
    if len(word) < FUZZY_MIN_LENGTH or any(map(str.isdigit, word)):
        return set()
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def one_edit_apart(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


class SearchError(ValueError):
    """The index is missing or unreadable; the message says what to do."""


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str              # the class IRI ("" when the node has none)
    kind_label: str        # its name ("Political prison camp")
    field: str             # which text matched: label, altLabel, officialName, title, ... or description
    matched: str           # that text, as the data has it
    score: float           # 0-100, see the module's docstring
    context: str           # one line to show under the hit
    fuzzy: bool = False    # a word matched one edit away, not as typed

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResults:
    """One page of hits, with how many matched in all and per kind (before any kind filter)."""
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0                                                       # after the kind filter
    kinds: list[tuple[str, str, int]] = field(default_factory=list)      # (kind, kind_label, nodes)
    corrected: dict[str, list[str]] = field(default_factory=dict)        # word -> the words used instead
    complete: bool = True       # False: so many entries matched that hits and counts come from 4,000 candidates

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def as_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "complete": self.complete,
                "kinds": [{"kind": k, "label": label, "count": n} for k, label, n in self.kinds],
                "corrected": self.corrected, "hits": [hit.as_json() for hit in self.hits]}


# One row per matching entry with its score and its node's kind; Python keeps each node's best
# entry, counts nodes per kind and takes the page (a single pass over at most ~5,000 rows).
_SCORED = """
WITH matched AS MATERIALIZED ({matched})
SELECT e.node, e.field, e.value,
       (CASE WHEN e.field = 'description' THEN 30
             WHEN e.folded = :whole THEN 100
             WHEN substr(e.folded, 1, length(:whole)) = :whole THEN 80
             ELSE 60 END) - :penalty + 9.0 * (-m.rank) / (1.0 - m.rank)
       + (CASE WHEN e.field = 'label' THEN 0.5 ELSE 0 END) - n.penalty AS score,
       n.kind, n.kind_label
FROM matched m JOIN entries e ON e.id = m.id JOIN nodes n ON n.id = e.node
WHERE 1 {names_only}
"""
# Which entries match, and how well within their tier. Up to EXACT_LIMIT (5,000) matching entries, all of
# them, ranked by BM25. Above it (a word most nodes hold, at a million triples), ranking them all
# would cost ~2.5 µs each: then the candidates are the first CANDIDATES matches in index order and
# every name starting with the query (an indexed range), ranked by shortness, and the counts are
# those of the candidates, flagged as incomplete.
_MATCHED_ALL = "SELECT rowid AS id, bm25(fts) AS rank FROM fts WHERE fts MATCH :match"
_MATCHED_SOME = """
SELECT id, MIN(rank) AS rank FROM (
  SELECT * FROM (SELECT rowid AS id, -20.0 / (20.0 + length(folded)) AS rank FROM fts WHERE fts MATCH :match
                 LIMIT :candidates)
  UNION ALL
  SELECT * FROM (SELECT id, -20.0 / (20.0 + length(folded)) AS rank FROM entries
                 WHERE folded >= :whole AND folded < :whole_end LIMIT :candidates))
GROUP BY id"""
_COUNT_UP_TO = "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)"
_NODES = "SELECT id, iri, label, context FROM nodes WHERE id IN ({marks})"
EXACT_LIMIT = 5_000
CANDIDATES = 2_000


class SearchIndex:
    """The build's search index, read-only. Thread-safe: each thread opens its own connection."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.is_file():
            raise SearchError(f"{self.path} does not exist: run `nkhr build` to write the search index")
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self._local.connection = connection
        return connection

    def search(self, text: str, kinds: list[str] | None = None, limit: int = 20, offset: int = 0) -> SearchResults:
        """Nodes whose names or descriptions hold every word of ``text``; ``kinds`` keeps those classes only."""
        return self._run(text, kinds, limit, offset, names_only=False)

    def suggest(self, prefix: str, limit: int = 8) -> list[Hit]:
        """Names starting with or holding ``prefix`` (as typed so far), best first, for a search box."""
        return self._run(prefix, None, limit, 0, names_only=True, count=False).hits

    def _run(self, text: str, kinds: list[str] | None, limit: int, offset: int, names_only: bool,
             count: bool = True) -> SearchResults:
        results = SearchResults(query=text)
        words = tokens(text)
        if not words:
            return results
        match, corrected = self._match_expression(words)
        results.corrected = corrected
        if match is None:
            return results
        names = "AND e.field != 'description'" if names_only else ""
        whole = folded_text(text)
        entries = self._db.execute(_COUNT_UP_TO, (match, EXACT_LIMIT + 1)).fetchone()[0]
        results.complete = entries <= EXACT_LIMIT
        matched = _MATCHED_ALL if results.complete else _MATCHED_SOME
        parameters = {"match": match, "whole": whole, "whole_end": whole + "\U0010ffff", "candidates": CANDIDATES,
                      "penalty": 15 if corrected else 0}
        best: dict[int, tuple[float, str, str, str, str]] = {}       # node -> (score, field, value, kind, label)
        for node, field_, value, score, kind, kind_label in self._db.execute(
                _SCORED.format(matched=matched, names_only=names), parameters):
            if node not in best or score > best[node][0]:
                best[node] = (score, field_, value, kind, kind_label)
        if count:
            per_kind: dict[tuple[str, str], int] = {}
            for _, _, _, kind, kind_label in best.values():
                per_kind[(kind, kind_label)] = per_kind.get((kind, kind_label), 0) + 1
            results.kinds = sorted(((k, label, n) for (k, label), n in per_kind.items()),
                                   key=lambda item: (-item[2], item[1]))
        wanted = set(kinds or ())
        chosen = [(node, hit) for node, hit in best.items() if not wanted or hit[3] in wanted]
        results.total = len(chosen)
        chosen.sort(key=lambda item: (-item[1][0], item[0]))         # ties in IRI order (node ids follow it)
        page = chosen[max(0, offset): max(0, offset) + max(0, min(limit, 1000))]
        shown = self._details([node for node, _ in page])
        results.hits = [Hit(shown[node][0], shown[node][1], kind, kind_label, field_, value, round(score, 3),
                            shown[node][2], fuzzy=bool(corrected))
                        for node, (score, field_, value, kind, kind_label) in page]
        return results

    def _details(self, nodes: list[int]) -> dict[int, tuple[str, str, str]]:
        """IRI, label and context of these nodes, by id."""
        found: dict[int, tuple[str, str, str]] = {}
        for start in range(0, len(nodes), 500):
            chunk = nodes[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for node, iri, label, context in self._db.execute(_NODES.format(marks=marks), chunk):
                found[node] = (iri, label, context)
        return found

    def _match_expression(self, words: list[str]) -> tuple[str | None, dict[str, list[str]]]:
        """An FTS5 query requiring every word, as typed or as a prefix, or else one edit away."""
        parts: list[str] = []
        corrected: dict[str, list[str]] = {}
        for word in words:
            if self._has_prefix(word):
                parts.append(f'"{word}"*')
                continue
            near = self.neighbours(word)
            if not near:
                return None, corrected
            corrected[word] = near
            parts.append("(" + " OR ".join(f'"{w}"' for w in near) + ")")
        return " AND ".join(parts), corrected

    def _has_prefix(self, word: str) -> bool:
        row = self._db.execute("SELECT 1 FROM words WHERE word >= ? AND word < ? LIMIT 1",
                               (word, word + "\U0010ffff")).fetchone()
        return row is not None

    def neighbours(self, word: str) -> list[str]:
        """The indexed words one edit away from ``word``, most frequent first (at most 10)."""
        variants = sorted(deletions(word))
        if not variants:
            return []
        marks = ", ".join("?" for _ in variants)
        rows = self._db.execute(
            f"""SELECT word FROM words WHERE word IN ({marks})
                UNION SELECT word FROM deletions WHERE variant = ?
                UNION SELECT word FROM deletions WHERE variant IN ({marks})""",
            (*variants, word, *variants)).fetchall()
        near = [w for (w,) in rows if one_edit_apart(word, w)]
        if not near:
            return []
        marks = ", ".join("?" for _ in near)
        counted = self._db.execute(
            f"SELECT word FROM words WHERE word IN ({marks}) ORDER BY entries DESC, word LIMIT 10", near).fetchall()
        return [w for (w,) in counted]

    def labels(self, iris: list[str]) -> dict[str, tuple[str, str]]:
        """The label and kind name of each of ``iris`` the index knows (unknown ones are left out)."""
        found: dict[str, tuple[str, str]] = {}
        unique = sorted(set(iris))
        for start in range(0, len(unique), 500):           # SQLite's limit on bound parameters
            chunk = unique[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for iri, label, kind_label in self._db.execute(
                    f"SELECT iri, label, kind_label FROM nodes WHERE iri IN ({marks})", chunk):
                found[iri] = (label, kind_label)
        return found

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
