"""The tabular data package: the dataset as CSV tables with a Frictionless Data Package descriptor.

Researchers who work in R, pandas, Excel or OpenRefine should not have to write SPARQL to get
every camp or every claim with its author and range. The build writes ``tables/`` beside the
dumps: one CSV per main kind of thing (camps, other facilities, places, people, organisations,
documents, events) and ``claims.csv`` with one row per claim, described by ``datapackage.json``
(a Table Schema per table: field types, primary and foreign keys, the licence and the source).

Every table is read from the built dataset (asserted and inferred graphs, so a camp is found
through its class hierarchy): a table's rows are the things of its classes, and each property a
column follows is read once for all tables, straight from the store's index (build/stored.py,
which says why not SPARQL), then assembled here. A column that holds several values for one row
(a claim about two camps) joins them with `` | `` in a fixed order, so two builds of the same
sources write the same bytes.
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
from ..vocab import BASE, PREFIXES, RDF_TYPE, RDFS_LABEL, SKOS_PREF_LABEL
from .stored import GIVEN_GRAPHS, MAIN_GRAPHS, instances, pairs

DESCRIPTOR = "datapackage.json"
SEPARATOR = " | "
ARTICLE = "https://en.wikipedia.org/wiki/Human_rights_in_North_Korea"

_LABELS = (RDFS_LABEL, SKOS_PREF_LABEL)      # a link's label: either
_KIND = "KIND"                      # the path of the kind column: the classes given, not inferred
_ONTOLOGY = BASE + "ontology#"      # the kinds are the project's own classes
_LITERAL, _NODE = 1, 2              # what a value was: a literal (no label) or a node (labelled or not)


@dataclass(frozen=True)
class Column:
    """One field of a table: what it holds (a property of the row's thing, a CURIE) and its type.

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
    classes: tuple[str, ...]           # a row for every thing (an IRI) of one of these classes (CURIEs)...
    columns: tuple[Column, ...]
    foreign_keys: tuple[tuple[str, str], ...] = ()    # (column, table whose iri it names)
    excluded: tuple[str, ...] = ()     # ...that is of none of these
    own_label: bool = True             # a `label` column after `iri`


_KIND_COLUMN = Column("kind", _KIND, "The most specific classes the curators gave it (labels).", many=True)
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

_CAMPS = ("nkhr:PoliticalPrisonCamp", "nkhr:ReeducationCamp")
_FACILITIES = ("nkhr:DetentionFacility", "nkhr:CampSection")
_OWN_LABEL = Column("label", "rdfs:label", "")

TABLES: tuple[Table, ...] = (
    Table("camps", "Prison camps",
          "The political prison camps (kwan-li-so) and re-education camps (kyo-hwa-so) the article names.",
          _CAMPS,
          (_KIND_COLUMN, *_FACILITY, _ALT, _DESCRIPTION, _SECTIONS),
          foreign_keys=(("located_in", "places"),)),
    Table("facilities", "Other detention facilities and camp sections",
          "Detention facilities that are not one of the camps, and the separately run sections of camps.",
          _FACILITIES,
          (_KIND_COLUMN, Column("part_of", "schema:containedInPlace", "The camp or place it is part of.", link=True),
           Column("regime", "nkhr:regime", "How its prisoners are held.", many=True), _ALT, _DESCRIPTION, _SECTIONS),
          foreign_keys=(("part_of", "camps"),), excluded=_CAMPS),
    Table("places", "Places",
          "Countries, administrative regions and other places that are not detention facilities.",
          ("nkhr:Place",),
          (_KIND_COLUMN, Column("located_in", "schema:containedInPlace", "The place it lies in.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS), excluded=_FACILITIES),
    Table("people", "People",
          "The people the article names: officials, witnesses, former prisoners, authors, investigators.",
          ("nkhr:Person",),
          (Column("nationality", "schema:nationality", "Their country.", link=True, many=True),
           Column("member_of", "org:memberOf", "Bodies they belong to.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS)),
    Table("organisations", "Organisations",
          "Government bodies, intergovernmental bodies, NGOs, media and parties the article names.",
          ("nkhr:Organisation",),
          (_KIND_COLUMN, Column("part_of", "org:subOrganizationOf", "The body it belongs to.", link=True, many=True),
           _ALT, _DESCRIPTION, _SECTIONS)),
    Table("documents", "Documents",
          "Reports, books, films, laws, treaties, resolutions, testimonies and articles (not the article's sections).",
          ("nkhr:Document",),
          (_KIND_COLUMN, Column("title", "dcterms:title", "Its title as published.", many=True),
           Column("issued", "dcterms:issued", "When it was issued: a year, a year-month or a date (ISO 8601).",
                  many=True),
           Column("creator", "dcterms:creator", "Who wrote or made it.", link=True, many=True),
           Column("publisher", "dcterms:publisher", "Who published it.", link=True, many=True),
           Column("url", "schema:url", "Where it can be read.", many=True),
           _DESCRIPTION, _SECTIONS), excluded=("nkhr:Section",)),
    Table("events", "Events",
          "Dated happenings: executions, abductions, hearings, votes, visits, meetings, bans, appointments.",
          ("nkhr:Event",),
          (_KIND_COLUMN, Column("date", "dcterms:date", "When: a year, a year-month or a date (ISO 8601).", many=True),
           Column("end_date", "schema:endDate", "When it ended, for an event that lasted.", many=True),
           Column("location", "schema:location", "Where it happened.", link=True, many=True),
           Column("actor", "nkhr:actor", "Who did it.", link=True, many=True),
           Column("affected", "nkhr:affected", "Who it was done to.", link=True, many=True),
           _DESCRIPTION, _SECTIONS)),
    Table("claims", "Claims",
          "One row per claim: a statement someone makes, with its figure, range, qualifiers, certainty, "
          "author, time, section and who disputes it. Compare rows with the same subject and quantity kind.",
          ("nkhr:Claim",),
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


Values = dict[str, dict[str, dict[str, int]]]    # property (or _KIND) -> thing -> value -> _LITERAL|_NODE


def _expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


def _columns(table: Table) -> list[Column]:
    return [_OWN_LABEL, *table.columns] if table.own_label else list(table.columns)


def _key(column: Column) -> str:
    return _KIND if column.path == _KIND else _expand(column.path or "")


def _members(store: ox.Store) -> dict[str, set[str]]:
    """Each table's things: the IRIs of one of its classes and of none of its excluded ones."""
    of: dict[str, set[str]] = {}

    def things(classes: tuple[str, ...]) -> set[str]:
        for cls in classes:
            if cls not in of:
                of[cls] = instances(store, _expand(cls))
        return set().union(*(of[cls] for cls in classes))

    return {table.name: things(table.classes) - things(table.excluded) for table in TABLES}


def _read(store: ox.Store, members: dict[str, set[str]]) -> tuple[Values, dict[str, set[str]]]:
    """The values of every column's property for the things of the tables that have it, and the
    labels (``rdfs:label`` or ``skos:prefLabel``) of every node such a value names."""
    wanted: dict[str, set[str]] = defaultdict(set)          # property -> the things whose values are read
    links: set[str] = set()                                 # properties whose values want their labels
    for table in TABLES:
        for column in _columns(table):
            wanted[_key(column)] |= members[table.name]
            if column.link or column.path == _KIND:
                links.add(_key(column))
    assert not links & set(_LABELS), "a link column follows a label property: read the labels after it"
    values: Values = defaultdict(lambda: defaultdict(dict))
    labelled: set[str] = set()                  # the nodes a linked value names, whose labels are wanted
    labels: dict[str, set[str]] = defaultdict(set)
    # The kinds are the classes given (not the superclasses inferred) that are the project's own.
    # The label properties come last, each read once: by then every linked value is known (no
    # link column follows a label property), so they give both the label column and the labels.
    reads = [(_KIND, RDF_TYPE, GIVEN_GRAPHS),
             *((iri, iri, MAIN_GRAPHS) for iri in [*sorted(set(wanted) - {_KIND, *_LABELS}), *_LABELS])]
    for key, predicate, graphs in reads:
        things, found, kinds = wanted.get(key, set()), values[key], key == _KIND
        naming, link = predicate in _LABELS and not kinds, key in links
        for subject, term in pairs(store, predicate, graphs):
            thing = subject.value
            if thing in things:
                value, cell = term.value, found[thing]
                if isinstance(term, ox.Literal):
                    if not kinds or value.startswith(_ONTOLOGY):
                        cell[value] = cell.get(value, 0) | _LITERAL
                elif not kinds or (value.startswith(_ONTOLOGY) and isinstance(term, ox.NamedNode)):
                    cell[value] = cell.get(value, 0) | _NODE
                    if link:
                        labelled.add(value)
            if naming and thing in labelled:
                labels[thing].add(term.value)
    return values, labels


def _cells(table: Table, members: set[str], values: Values,
           labels: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of one table, sorted by IRI.

    ``labels`` holds each labelled node's first label; a literal or an unlabelled node has none
    (the label cell is empty, a kind falls back to the class's local name).
    """
    header, rows = ["iri"], {iri: [iri] for iri in sorted(members)}
    for column in _columns(table):
        header.append(column.name)
        kind_column = column.path == _KIND
        with_label = column.link and not kind_column
        if with_label:
            header.append(f"{column.name}_label")
        by_thing = values[_key(column)]
        for iri, cells in rows.items():
            found = by_thing.get(iri)
            if not found:
                cells.extend(("", "") if with_label else ("",))
                continue
            if len(found) == 1 and not kind_column:
                (value, kind), = found.items()
                cells.extend((value, labels.get(value, "") if kind == _NODE else "") if with_label else (value,))
                continue
            chosen = sorted(found.items())
            if kind_column:      # the labels of the classes, not their IRIs
                cells.append(SEPARATOR.join((labels.get(value, "") if kind == _NODE else "")
                                            or value.rsplit("#", 1)[-1] for value, kind in chosen))
                continue
            cells.append(SEPARATOR.join(value for value, _ in chosen))
            if with_label:
                cells.append(SEPARATOR.join(labels.get(value, "") if kind == _NODE else "" for value, kind in chosen))
    return header, list(rows.values())


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
    members = _members(store)
    values, labels = _read(store, members)
    first = {node: min(names) for node, names in labels.items()}
    for table in TABLES:
        data = _csv(*_cells(table, members[table.name], values, first))
        files[f"{TABLES_DIR}/{table.name}.csv"] = data
        resources.append(_resource(table, data))
    files[f"{TABLES_DIR}/{DESCRIPTOR}"] = (json.dumps(descriptor(resources), indent=2, ensure_ascii=False)
                                           + "\n").encode("utf-8")
    return files
