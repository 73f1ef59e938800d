"""The tabular data package: the dataset as CSV tables with a Frictionless Data Package descriptor.

Researchers who work in R, pandas, Excel or OpenRefine should not have to write SPARQL to get
every camp or every claim with its author and range. The build writes ``tables/`` beside the
dumps: one CSV per main kind of thing (camps, other facilities, places, people, organisations,
documents, events) and ``claims.csv`` with one row per claim, described by ``datapackage.json``
(a Table Schema per table: field types, primary and foreign keys, the licence and the source).

Every table is computed with SPARQL on the built dataset (asserted and inferred graphs, so a
camp is found through its class hierarchy), one query per column, and assembled here: a column
that holds several values for one row (a claim about two camps) joins them with `` | `` in a
fixed order, so two builds of the same sources write the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..built import TABLES_DIR
from ..vocab import BASE, GRAPH_ASSERTED, GRAPH_ONTOLOGY, PREFIXES

DESCRIPTOR = "datapackage.json"
SEPARATOR = " | "
ARTICLE = "https://en.wikipedia.org/wiki/Human_rights_in_North_Korea"

_LABEL = "(rdfs:label|skos:prefLabel)"
_PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())


@dataclass(frozen=True)
class Column:
    """One field of a table: what it holds (a SPARQL path from the row's thing) and its type.

    ``path`` None is the row's own IRI. A ``link`` column holds IRIs and is followed by a
    ``<name>_label`` column with their labels, in the same order. ``many`` columns may hold
    several values joined with `` | `` (they are always strings).
    """

    name: str
    path: str | None
    description: str
    type: str = "string"
    link: bool = False
    many: bool = False
    format: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    members: str                       # a SPARQL pattern binding ?x to every row's thing
    columns: tuple[Column, ...]
    foreign_keys: tuple[tuple[str, str], ...] = ()    # (column, table whose iri it names)
    own_label: bool = True             # a `label` column after `iri`


_KIND = Column("kind", "KIND", "The most specific classes the curators gave it (labels).", many=True)
_ALT = Column("alternative_names", "skos:altLabel", "Other names it is known by.", many=True)
_DESCRIPTION = Column("description", "rdfs:comment", "A short description in the project's words.", many=True)
_SECTIONS = Column("sections", "nkhr:statedIn", "The article sections that state its facts.", link=True, many=True)

_FACILITY = (
    Column("official_name", "nkhr:officialName", "The official name, e.g. Kwan-li-so No. 15."),
    Column("facility_number", "nkhr:facilityNumber", "The number in the official name.", type="integer"),
    Column("status", "nkhr:facilityStatus", "Operating or closed, as the article reports it.", link=True),
    Column("run_by", "nkhr:runBy", "The body that runs it.", link=True, many=True),
    Column("located_in", "schema:containedInPlace", "The place it lies in.", link=True),
)

TABLES: tuple[Table, ...] = (
    Table("camps", "Prison camps",
          "The political prison camps (kwan-li-so) and re-education camps (kyo-hwa-so) the article names.",
          "VALUES ?class { nkhr:PoliticalPrisonCamp nkhr:ReeducationCamp } ?x a ?class .",
          (_KIND, *_FACILITY, _ALT, _DESCRIPTION, _SECTIONS),
          foreign_keys=(("located_in", "places"),)),
    Table("facilities", "Other detention facilities and camp sections",
          "Detention facilities that are not one of the camps, and the separately run sections of camps.",
          "{ ?x a nkhr:DetentionFacility } UNION { ?x a nkhr:CampSection } "
          "FILTER NOT EXISTS { VALUES ?camp { nkhr:PoliticalPrisonCamp nkhr:ReeducationCamp } ?x a ?camp }",
          (_KIND, Column("part_of", "schema:containedInPlace", "The camp or place it is part of.", link=True),
           Column("regime", "nkhr:regime", "How its prisoners are held.", many=True), _ALT, _DESCRIPTION, _SECTIONS),
          foreign_keys=(("part_of", "camps"),)),
    Table("places", "Places",
          "Countries, administrative regions and other places that are not detention facilities.",
          "?x a nkhr:Place . FILTER NOT EXISTS { ?x a nkhr:DetentionFacility } "
          "FILTER NOT EXISTS { ?x a nkhr:CampSection }",
          (_KIND, Column("located_in", "schema:containedInPlace", "The place it lies in.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS)),
    Table("people", "People",
          "The people the article names: officials, witnesses, former prisoners, authors, investigators.",
          "?x a nkhr:Person .",
          (Column("nationality", "schema:nationality", "Their country.", link=True, many=True),
           Column("member_of", "org:memberOf", "Bodies they belong to.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS)),
    Table("organisations", "Organisations",
          "Government bodies, intergovernmental bodies, NGOs, media and parties the article names.",
          "?x a nkhr:Organisation .",
          (_KIND, Column("part_of", "org:subOrganizationOf", "The body it belongs to.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS)),
    Table("documents", "Documents",
          "Reports, books, films, laws, treaties, resolutions, testimonies and articles (not the article's sections).",
          "?x a nkhr:Document . FILTER NOT EXISTS { ?x a nkhr:Section }",
          (_KIND, Column("title", "dcterms:title", "Its title as published.", many=True),
           Column("issued", "dcterms:issued", "When it was issued: a year, a year-month or a date (ISO 8601).",
                  many=True),
           Column("creator", "dcterms:creator", "Who wrote or made it.", link=True, many=True),
           Column("publisher", "dcterms:publisher", "Who published it.", link=True, many=True),
           Column("url", "schema:url", "Where it can be read.", many=True),
           _DESCRIPTION, _SECTIONS)),
    Table("events", "Events",
          "Dated happenings: executions, abductions, hearings, votes, visits, meetings, bans, appointments.",
          "?x a nkhr:Event .",
          (_KIND, Column("date", "dcterms:date", "When: a year, a year-month or a date (ISO 8601).", many=True),
           Column("end_date", "schema:endDate", "When it ended, for an event that lasted.", many=True),
           Column("location", "schema:location", "Where it happened.", link=True, many=True),
           Column("actor", "nkhr:actor", "Who did it.", link=True, many=True),
           Column("affected", "nkhr:affected", "Who it was done to.", link=True, many=True),
           _DESCRIPTION, _SECTIONS)),
    Table("claims", "Claims",
          "One row per claim: a statement someone makes, with its figure, range, qualifiers, certainty, "
          "author, time, section and who disputes it. Compare rows with the same subject and quantity kind.",
          "?x a nkhr:Claim .",
          (Column("about", "nkhr:about", "What the claim is about (a camp, a country, a group, an event...).",
                  link=True, many=True),
           Column("quantity_kind", "nkhr:quantityKind", "What a figure measures (prisoners held, deaths, area...).",
                  link=True),
           Column("value", "schema:value", "The figure, when one number is given.", type="number"),
           Column("min_value", "schema:minValue", "The low end of a range.", type="number"),
           Column("max_value", "schema:maxValue", "The high end of a range.", type="number"),
           Column("unit", "schema:unitCode", "The unit of the figure (a QUDT unit).", link=True),
           Column("at_least", "nkhr:atLeast", "True when the figure is a lower bound (at least, over, more than).",
                  type="boolean"),
           Column("approximate", "nkhr:approximate", "True when the figure is approximate (about, around).",
                  type="boolean"),
           Column("certainty", "nkhr:certainty",
                  "How firmly it is put: stated as fact, reported, estimated, alleged or admitted.", link=True),
           Column("author", "prov:wasAttributedTo", "Who states it (empty when the article names no one).",
                  link=True, many=True),
           Column("point_in_time", "nkhr:pointInTime", "The time the figure describes (ISO 8601 year, month or date).",
                  many=True),
           Column("period_start", "nkhr:periodStart", "The start of the period it describes.", many=True),
           Column("period_end", "nkhr:periodEnd", "The end of the period it describes.", many=True),
           Column("date_stated", "dcterms:date", "When the claim was made.", many=True),
           _SECTIONS,
           Column("disputed_by", "nkhr:disputedBy", "Who rejects or denies it.", link=True, many=True),
           Column("contradicts", "nkhr:contradicts", "Claims it cannot be true together with.", many=True)),
    ),
)


def _values_query(table: Table, column: Column) -> str:
    """Rows (?x ?v ?l): each thing of the table, one value of the column, and the value's label."""
    if column.path == "KIND":
        # The classes as given (treaties and their articles are given in the ontology's rights scheme).
        value = (f"{{ GRAPH <{GRAPH_ASSERTED}> {{ ?x a ?v }} }} UNION {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?x a ?v }} }} "
                 f"FILTER STRSTARTS(STR(?v), \"{BASE}ontology#\")")
    else:
        value = f"?x {column.path} ?v ."
    label = f"OPTIONAL {{ ?v {_LABEL} ?l }}" if column.link or column.path == "KIND" else ""
    return f"{_PROLOGUE}SELECT DISTINCT ?x ?v ?l WHERE {{ {table.members} {value} {label} }}"


def _text(term: Any) -> str:
    return term.value if term is not None else ""


def _expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


def _found(store: ox.Store, table: Table, columns: list[Column]) -> dict[str, dict[str, dict[str, set[str]]]]:
    """For each column: thing -> value -> the value's labels.

    The columns that follow one property are read in one query per table (each thing's
    triples are visited once, not once per column); the kind, which reads the graphs the
    classes are given in, has its own.
    """
    found: dict[str, dict[str, dict[str, set[str]]]] = {
        column.name: defaultdict(lambda: defaultdict(set)) for column in columns}
    by_property: dict[str, list[Column]] = defaultdict(list)
    for column in columns:
        if column.path == "KIND":
            for row in _solutions(store, _values_query(table, column)):
                found[column.name][_text(row["x"])][_text(row["v"])].add(_text(row["l"]))
        elif column.path is not None:
            by_property[_expand(column.path)].append(column)
    if by_property:
        properties = " ".join(f"<{iri}>" for iri in sorted(by_property))
        query = (f"{_PROLOGUE}SELECT DISTINCT ?x ?p ?v ?l WHERE {{ {table.members} VALUES ?p {{ {properties} }} "
                 f"?x ?p ?v OPTIONAL {{ ?v {_LABEL} ?l }} }}")
        for row in _solutions(store, query):
            x, value, label = _text(row["x"]), _text(row["v"]), _text(row["l"])
            for column in by_property[_text(row["p"])]:
                found[column.name][x][value].add(label if column.link else "")
    return found


def _solutions(store: ox.Store, query: str) -> ox.QuerySolutions:
    answer = store.query(query, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    return answer


def _cells(store: ox.Store, table: Table) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of one table, sorted by IRI."""
    members = sorted({_text(row["x"]) for row in _solutions(
        store, f"{_PROLOGUE}SELECT DISTINCT ?x WHERE {{ {table.members} }}") if isinstance(row["x"], ox.NamedNode)})
    header, columns = ["iri"], []
    if table.own_label:
        header.append("label")
        columns.append((Column("label", "rdfs:label", ""), False))
    for column in table.columns:
        header.append(column.name)
        if column.link and column.path != "KIND":
            header.append(f"{column.name}_label")
        columns.append((column, column.link and column.path != "KIND"))
    cells: dict[str, list[str]] = {iri: [iri] for iri in members}
    found = _found(store, table, [column for column, _ in columns])
    for column, with_label in columns:
        by_thing = found[column.name]
        for iri, values in cells.items():
            chosen = sorted(by_thing.get(iri, {}).items())
            if column.path == "KIND":      # the labels of the classes, not their IRIs
                values.append(SEPARATOR.join(min(labels) or value.rsplit("#", 1)[-1] for value, labels in chosen))
                continue
            values.append(SEPARATOR.join(value for value, _ in chosen))
            if with_label:
                values.append(SEPARATOR.join(min(labels) for _, labels in chosen))
    return header, [cells[iri] for iri in members]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _fields(table: Table) -> list[dict[str, Any]]:
    fields = [{"name": "iri", "type": "string", "format": "uri",
               "description": "The thing's IRI; it resolves to its page and its RDF.",
               "constraints": {"required": True, "unique": True}}]
    if table.own_label:
        fields.append({"name": "label", "type": "string", "description": "Its name in the project's words."})
    for column in table.columns:
        kind = "string" if column.many else column.type
        entry: dict[str, Any] = {"name": column.name, "type": kind, "description": column.description}
        if column.many:
            entry["description"] += f" Several values are separated by '{SEPARATOR.strip()}'."
        if column.link and column.path != "KIND":
            entry["description"] += " IRIs; their labels are in the next column."
        fields.append(entry)
        if column.link and column.path != "KIND":
            fields.append({"name": f"{column.name}_label", "type": "string",
                           "description": f"The labels of {column.name}, in the same order."})
    return fields


def _resource(table: Table, data: bytes) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": _fields(table), "primaryKey": ["iri"], "missingValues": [""]}
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": [name], "reference": {"resource": target, "fields": ["iri"]}}
                                 for name, target in table.foreign_keys]
    return {
        "name": table.name, "path": f"{table.name}.csv", "title": table.title, "description": table.description,
        "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True,
                    "header": True},
        "schema": schema,
    }


def descriptor(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": "nkhr-tables",
        "id": BASE + "dataset",
        "title": "North Korea human-rights knowledge graph: tables",
        "description": ("The facts of the encyclopedia article Human rights in North Korea as CSV tables, one per "
                        "main kind of thing and one row per claim, computed from the knowledge graph. Every IRI "
                        "resolves to the thing's page and RDF; the SPARQL endpoint holds everything else."),
        "homepage": BASE,
        "keywords": ["human rights", "North Korea", "political prison camps", "knowledge graph"],
        "licenses": [{"name": "CC-BY-SA-4.0", "title": "Creative Commons Attribution-ShareAlike 4.0",
                      "path": "https://creativecommons.org/licenses/by-sa/4.0/"}],
        "sources": [{"title": "Human rights in North Korea (Wikipedia)", "path": ARTICLE}],
        "resources": resources,
    }


def table_files(nquads: bytes) -> dict[str, bytes]:
    """Every file of the data package, by its name in the build (``tables/<file>``)."""
    store = ox.Store()
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    return tables_of_store(store)


def tables_of_store(store: ox.Store) -> dict[str, bytes]:
    """The data package of the dataset already in ``store`` (a build that loads it once can share it)."""
    files: dict[str, bytes] = {}
    resources: list[dict[str, Any]] = []
    for table in TABLES:
        data = _csv(*_cells(store, table))
        files[f"{TABLES_DIR}/{table.name}.csv"] = data
        resources.append(_resource(table, data))
    files[f"{TABLES_DIR}/{DESCRIPTOR}"] = (json.dumps(descriptor(resources), indent=2, ensure_ascii=False)
                                           + "\n").encode("utf-8")
    return files
