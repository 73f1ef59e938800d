"""Browse by kind: every class with its number of instances, and one table per class.

Each class's table has the columns that matter for its kind (a camp's number, official name,
status, place, area and prisoner figures; a person's bodies; a document's date, author and
publisher; an event's date, place and participants; a claim's subject, figure, author and
certainty), read with a handful of SPARQL queries over the served dataset. A class takes the
columns of its nearest ancestor that has some (a Hearing those of Event), else the default
(description and the article section).

Every cell is a ``Cell``: the text a person reads and, for resources, the links behind it, so
the page, the CSV and the JSON come from the same rows (Datasette's habit: a download holds
exactly the rows the page shows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..query.engine import QueryEngine
from ..text import fold
from ..vocab import GRAPH_ONTOLOGY, NKHR
from ..vocab import QUANTITY_KINDS as QK
from .quantity import quantity_text
from .sparql import rows as _rows


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    path: str = ""            # a SPARQL property path from the instance to the value
    kind: str = "text"        # text, resource, number, date, figure (a claim's quantity) or about-figure
    quantity: str = ""        # for about-figure: the quantity kind of the claims about the instance


@dataclass
class Cell:
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)    # (iri, label), for resource cells
    sort: tuple[Any, ...] = ()

    def as_json(self) -> dict[str, Any] | str:
        return {"text": self.text, "iris": [iri for iri, _ in self.links]} if self.links else self.text


@dataclass
class Row:
    iri: str
    label: str
    cells: dict[str, Cell]


NOT_ATTRIBUTED = "not attributed in the article"

COLUMNS: dict[str, list[Column]] = {
    "DetentionFacility": [
        Column("number", "Number", "nkhr:facilityNumber", "number"),
        Column("official", "Official name", "nkhr:officialName"),
        Column("status", "Status", "nkhr:facilityStatus", "resource"),
        Column("place", "Place", "schema:containedInPlace", "resource"),
        Column("area", "Area", kind="about-figure", quantity=QK + "area"),
        Column("prisoners", "Prisoners", kind="about-figure", quantity=QK + "prisoners"),
    ],
    "Person": [
        Column("bodies", "Member of", "org:memberOf", "resource"),
        Column("heads", "Head of", "org:headOf", "resource"),
        Column("nationality", "Nationality", "schema:nationality", "resource"),
        Column("description", "Description", "rdfs:comment"),
    ],
    "Organisation": [
        Column("parent", "Part of", "org:subOrganizationOf", "resource"),
        Column("location", "Where", "schema:location", "resource"),
        Column("description", "Description", "rdfs:comment"),
    ],
    "Document": [
        Column("date", "Date", "dcterms:date|dcterms:issued", "date"),
        Column("author", "Author", "dcterms:creator", "resource"),
        Column("publisher", "Publisher", "dcterms:publisher", "resource"),
        Column("part", "Part of", "dcterms:isPartOf", "resource"),
    ],
    "Event": [
        Column("date", "Date", "dcterms:date", "date"),
        Column("end", "Until", "schema:endDate", "date"),
        Column("place", "Place", "schema:location", "resource"),
        Column("participants", "Participants", "nkhr:actor|nkhr:affected|nkhr:witness|nkhr:hasParticipant",
               "resource"),
    ],
    "Claim": [
        Column("subject", "Subject", "nkhr:about", "resource"),
        Column("figure", "Figure", kind="figure"),
        Column("author", "Author", "prov:wasAttributedTo", "resource"),
        Column("certainty", "Certainty", "nkhr:certainty", "resource"),
        Column("section", "Section", "nkhr:statedIn", "resource"),
    ],
    "Practice": [
        Column("actor", "By", "nkhr:actor", "resource"),
        Column("affected", "Affecting", "nkhr:affected", "resource"),
        Column("violates", "Violates", "nkhr:violates", "resource"),
    ],
    "Place": [
        Column("within", "Within", "schema:containedInPlace", "resource"),
        Column("description", "Description", "rdfs:comment"),
    ],
}
COLUMNS["Rating"] = COLUMNS["Claim"]
DEFAULT_COLUMNS = [Column("description", "Description", "rdfs:comment"),
                   Column("section", "Section", "nkhr:statedIn", "resource")]


@dataclass
class ClassEntry:
    iri: str
    name: str             # the local name: the class's page is /browse/<name>
    label: str
    comment: str
    instances: int
    parents: list[str]


def _s(value: str | None) -> str:
    return value or ""


def class_index(engine: QueryEngine) -> list[ClassEntry]:
    """Every class of the ontology with its number of instances (those of its subclasses included)."""
    found = _rows(engine, f"""
        SELECT ?c ?label ?comment (COUNT(DISTINCT ?x) AS ?n)
               (GROUP_CONCAT(DISTINCT STR(?super); separator=" ") AS ?supers) WHERE {{
          GRAPH <{GRAPH_ONTOLOGY}> {{ ?c a owl:Class ; rdfs:label ?label . OPTIONAL {{ ?c rdfs:comment ?comment }}
                                      OPTIONAL {{ ?c rdfs:subClassOf ?super }} }}
          FILTER(STRSTARTS(STR(?c), "{NKHR}"))
          OPTIONAL {{ ?x a ?c }}
        }} GROUP BY ?c ?label ?comment ORDER BY LCASE(STR(?label))""")
    return [ClassEntry(_s(r["c"]), _s(r["c"])[len(str(NKHR)):], _s(r["label"]), _s(r["comment"]), int(_s(r["n"]) or 0),
                       [s for s in (r["supers"] or "").split() if s.startswith(str(NKHR))]) for r in found]


def columns_for(name: str, index: list[ClassEntry]) -> list[Column]:
    """The columns of the nearest class, up the hierarchy from ``name``, that has some."""
    by_name = {entry.name: entry for entry in index}
    queue, seen = [name], set()
    while queue:
        current = queue.pop(0)
        if current in COLUMNS:
            return COLUMNS[current]
        seen.add(current)
        entry = by_name.get(current)
        if entry is not None:
            queue.extend(p[len(str(NKHR)):] for p in entry.parents if p[len(str(NKHR)):] not in seen)
    return DEFAULT_COLUMNS


def instances(engine: QueryEngine, class_iri: str, columns: list[Column]) -> list[Row]:
    """Every instance of the class with its cells, in label order."""
    rows = instance_labels(engine, class_iri)
    fill(engine, class_iri, rows, columns)
    return rows


def instance_labels(engine: QueryEngine, class_iri: str) -> list[Row]:
    """Every instance of the class with its label and no cells yet, in label order."""
    base = _rows(engine, f"""SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{
        ?x a <{class_iri}> . FILTER(isIRI(?x)) OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?l }} }} GROUP BY ?x""")
    rows = [Row(_s(r["x"]), r["label"] or _s(r["x"]).rsplit("/", 1)[-1], {}) for r in base]
    return sorted(rows, key=lambda r: (fold(r.label), r.iri))


def fill(engine: QueryEngine, class_iri: str, rows: list[Row], columns: list[Column], only: bool = False) -> None:
    """Compute the cells of ``rows``; with ``only``, query for these rows alone (one page of a big class)."""
    values_clause = ("VALUES ?x { " + " ".join(f"<{r.iri}>" for r in rows) + " }") if only else ""
    for column in columns:
        values = _column_values(engine, class_iri, column, values_clause)
        for row in rows:
            row.cells[column.key] = values.get(row.iri) or _empty(column)


def _empty(column: Column) -> Cell:
    if column.key == "author":
        return Cell(NOT_ATTRIBUTED, sort=(1, ""))
    return Cell("", sort=(1, ""))


def _column_values(engine: QueryEngine, class_iri: str, column: Column, only: str = "") -> dict[str, Cell]:
    if column.kind == "figure":
        return _figures(engine, f"{only} ?x a <{class_iri}> . BIND(?x AS ?claim)")
    if column.kind == "about-figure":
        return _figures(engine, f"{only} ?x a <{class_iri}> . ?claim nkhr:about ?x ; "
                                f"nkhr:quantityKind <{column.quantity}> .")
    found = _rows(engine, f"""SELECT DISTINCT ?x ?v (SAMPLE(?vl) AS ?vlabel) WHERE {{
        {only} ?x a <{class_iri}> ; {column.path} ?v .
        OPTIONAL {{ ?v rdfs:label|skos:prefLabel ?vl }} }} GROUP BY ?x ?v ORDER BY ?x ?vlabel ?v""")
    values: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for r in found:
        values[_s(r["x"])].append((_s(r["v"]), r["vlabel"]))
    return {iri: _cell(column, pairs) for iri, pairs in values.items()}


def _cell(column: Column, pairs: list[tuple[str, str | None]]) -> Cell:
    if column.kind == "resource":
        links = [(v, label or v.rstrip("/").rsplit("/", 1)[-1]) for v, label in pairs]
        text = "; ".join(label for _, label in links)
        return Cell(text, links, sort=(0, fold(text)))
    texts = sorted({v for v, _ in pairs})
    if column.kind == "number":
        try:
            numbers = [float(t) for t in texts]
            return Cell("; ".join(quantity_text(t) for t in texts), sort=(0, min(numbers)))
        except ValueError:
            pass
    text = "; ".join(texts)
    return Cell(text, sort=(0, fold(text)))


def _figures(engine: QueryEngine, pattern: str) -> dict[str, Cell]:
    """Each instance's figures (a claim's own, or those of the claims about it), with their authors."""
    found = _rows(engine, f"""SELECT ?x ?claim ?value ?min ?max ?atLeast ?approximate ?unit
            (GROUP_CONCAT(DISTINCT ?byLabel; separator=", ") AS ?by) WHERE {{
        {pattern}
        {{ ?claim schema:value ?value }} UNION {{ ?claim schema:minValue ?min }} UNION {{ ?claim schema:maxValue ?max }}
        OPTIONAL {{ ?claim nkhr:atLeast ?atLeast }} OPTIONAL {{ ?claim nkhr:approximate ?approximate }}
        OPTIONAL {{ ?claim schema:unitCode/(rdfs:label|skos:prefLabel) ?unit }}
        OPTIONAL {{ ?claim prov:wasAttributedTo/rdfs:label ?byLabel }}
    }} GROUP BY ?x ?claim ?value ?min ?max ?atLeast ?approximate ?unit ORDER BY ?x ?claim""")
    merged: dict[tuple[str, str], dict[str, str | None]] = {}
    for r in found:                  # the UNION gives value, min and max on separate solutions
        key = (_s(r["x"]), _s(r["claim"]))
        into = merged.setdefault(key, dict(r))
        for name in ("value", "min", "max", "atLeast", "approximate", "unit", "by"):
            into[name] = into.get(name) or r[name]
    cells: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (iri, _claim), r in sorted(merged.items()):
        text = quantity_text(r["value"], r["min"], r["max"], r["atLeast"] == "true", r["approximate"] == "true",
                             r["unit"] or "")
        if not text:
            continue
        if r["by"]:
            text += f" ({r['by']})"
        number = next((float(v) for v in (r["value"], r["min"], r["max"]) if v is not None), 0.0)
        cells[iri].append((text, number))
    return {iri: Cell("; ".join(t for t, _ in sorted(figures, key=lambda f: -f[1])),
                      sort=(0, max(n for _, n in figures)))
            for iri, figures in cells.items()}


def filtered(rows: list[Row], text: str) -> list[Row]:
    """The rows any of whose cells (or label) hold every word of ``text``, folded."""
    words = fold(text).split()
    if not words:
        return rows
    kept = []
    for row in rows:
        haystack = fold(" ".join([row.label, *(cell.text for cell in row.cells.values())]))
        if all(word in haystack for word in words):
            kept.append(row)
    return kept


def ordered(rows: list[Row], key: str | None, descending: bool) -> list[Row]:
    """Rows sorted by a column (empty cells last either way), or by label."""
    if not key or key == "label":
        result = sorted(rows, key=lambda r: (fold(r.label), r.iri), reverse=descending)
        return result
    present: list[Row] = []
    empty: list[Row] = []
    for row in rows:
        cell = row.cells.get(key)
        (present if cell is not None and cell.sort[:1] == (0,) else empty).append(row)
    present.sort(key=lambda r: (r.cells[key].sort, fold(r.label)), reverse=descending)
    return present + empty
