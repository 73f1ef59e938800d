"""The tabular data package (build/tables.py): valid Frictionless, readable by pandas, stable bytes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nkhr.build.tables import DESCRIPTOR, SEPARATOR, TABLES_DIR, table_files
from nkhr.query.engine import Engine
from nkhr.serialize import dataset_bytes, make_dataset
from support import select

YODOK = "https://w3id.org/nkhr/id/kwan-li-so-15"


@pytest.fixture(scope="module")
def nquads(built) -> bytes:
    return dataset_bytes(make_dataset(built.graphs), "nquads")


@pytest.fixture(scope="module")
def dataset(nquads) -> Engine:
    """The same dataset the tables were computed from, to count and compare against."""
    import pyoxigraph as ox
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return Engine(store)


@pytest.fixture(scope="module")
def package(nquads, tmp_path_factory) -> Path:
    """The package written to a folder, as a user downloads it."""
    folder = tmp_path_factory.mktemp("package")
    for name, data in table_files(nquads).items():
        assert name.startswith(f"{TABLES_DIR}/")
        (folder / name.split("/", 1)[1]).write_bytes(data)
    return folder


def test_frictionless_validates_the_package(package):
    """Every table against its Table Schema: types, required and unique keys, foreign keys, bytes, hash."""
    from frictionless import validate
    report = validate(package / DESCRIPTOR)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    command = Path(sys.executable).with_name("frictionless")      # the command line researchers run
    done = subprocess.run([str(command), "validate", DESCRIPTOR], cwd=package, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert {task.name for task in report.tasks} == {
        "camps", "facilities", "places", "people", "organisations", "documents", "events", "claims"}


def test_the_descriptor_carries_licence_source_and_keys(package):
    descriptor = json.loads((package / DESCRIPTOR).read_text())
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["licenses"][0]["name"] == "CC-BY-SA-4.0"
    assert descriptor["sources"][0]["path"] == "https://en.wikipedia.org/wiki/Human_rights_in_North_Korea"
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert all(r["schema"]["primaryKey"] == ["iri"] for r in resources.values())
    assert {"fields": ["located_in"], "reference": {"resource": "places", "fields": ["iri"]}} \
        in resources["camps"]["schema"]["foreignKeys"]
    claim_fields = {f["name"]: f["type"] for f in resources["claims"]["schema"]["fields"]}
    assert claim_fields["value"] == claim_fields["min_value"] == claim_fields["max_value"] == "number"
    assert claim_fields["at_least"] == claim_fields["approximate"] == "boolean"
    for name in ("about", "about_label", "quantity_kind_label", "unit_label", "certainty_label", "author_label",
                 "point_in_time", "period_start", "period_end", "date_stated", "sections_label", "disputed_by_label"):
        assert name in claim_fields


def test_pandas_reads_one_row_per_claim(package, dataset):
    import pandas as pd
    claims = pd.read_csv(package / "claims.csv")
    count = int(select(dataset, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
                               "?c a <https://w3id.org/nkhr/ontology#Claim> }")[0]["n"])
    assert len(claims) == count and claims["iri"].is_unique
    yodok = claims[(claims["about"] == YODOK) & (claims["quantity_kind_label"] == "prisoners held")]
    assert yodok["value"].tolist() == [46500]
    assert yodok["certainty_label"].tolist() == ["stated as fact"]
    ranges = claims.dropna(subset=["min_value", "max_value"])
    assert len(ranges) > 0 and (ranges["max_value"] >= ranges["min_value"]).all()
    assert claims["at_least"].dropna().isin([True, False]).all()


def test_an_attributed_and_disputed_claim_keeps_its_author_and_disputer(package, dataset):
    """A claim's author and who disputes it come through as IRIs with their labels, as the graph has them."""
    rows = select(dataset, """PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?c ?author ?by WHERE { ?c a nkhr:Claim ; prov:wasAttributedTo/rdfs:label ?author ;
                                     nkhr:disputedBy/rdfs:label ?by } ORDER BY ?c LIMIT 1""")
    assert rows, "the data has an attributed claim that someone disputes"
    table = {row["iri"]: row for row in csv.DictReader(io.StringIO((package / "claims.csv").read_text()))}
    row = table[rows[0]["c"]]
    assert rows[0]["author"] in row["author_label"].split(SEPARATOR)
    assert rows[0]["by"] in row["disputed_by_label"].split(SEPARATOR)


def test_camps_table_holds_yodok_with_its_official_name_and_number(package):
    camps = {row["iri"]: row for row in csv.DictReader(io.StringIO((package / "camps.csv").read_text()))}
    yodok = camps[YODOK]
    assert (yodok["label"], yodok["official_name"], yodok["facility_number"]) == \
        ("Yodok Political Prison Camp", "Kwan-li-so No. 15", "15")
    assert yodok["kind"] == "political prison camp" and yodok["status_label"] == "operating"


def test_the_bytes_do_not_depend_on_the_order_of_the_input(nquads):
    """Two builds write the same package: rows and joined values are sorted, not taken in store order."""
    lines = nquads.splitlines(keepends=True)
    assert table_files(nquads) == table_files(b"".join(reversed(lines)))


def test_every_cell_holds_what_sparql_over_every_graph_finds(package, dataset):
    """The tables are read per predicate from the main graphs (build/stored.py). SPARQL over the
    union of every graph, the section graphs included, must find the same rows and, in every
    column, the same values and labels (the way the tables were computed before)."""
    from collections import defaultdict

    from nkhr.build.tables import TABLES
    from nkhr.vocab import BASE, GRAPH_ASSERTED, GRAPH_ONTOLOGY, PREFIXES
    prologue = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
    for table in TABLES:
        members = f"VALUES ?c {{ {' '.join(table.classes)} }} ?x a ?c FILTER isIRI(?x) "
        if table.excluded:
            members += f"FILTER NOT EXISTS {{ VALUES ?e {{ {' '.join(table.excluded)} }} ?x a ?e }}"

        def found(pattern: str, members: str = members) -> dict[str, dict[str, set[str]]]:
            """thing -> value -> the value's labels ('' for none), over the union of every graph."""
            query = (f"{prologue}SELECT DISTINCT ?x ?v ?l WHERE {{ {members} {pattern} "
                     f"OPTIONAL {{ ?v rdfs:label|skos:prefLabel ?l }} }}")
            out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for row in dataset.store.query(query, use_default_graph_as_union=True):
                out[row["x"].value][row["v"].value].add(row["l"].value if row["l"] is not None else "")
            return out

        with (package / f"{table.name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = {row["iri"]: row for row in csv.DictReader(handle)}
        things = {row["x"].value for row in dataset.store.query(
            f"{prologue}SELECT DISTINCT ?x WHERE {{ {members} }}", use_default_graph_as_union=True)}
        assert set(rows) == things and things, table.name
        for column in table.columns:
            if column.path == "KIND":
                kinds = found(f"{{ GRAPH <{GRAPH_ASSERTED}> {{ ?x a ?v }} }} UNION {{ GRAPH <{GRAPH_ONTOLOGY}> "
                              f"{{ ?x a ?v }} }} FILTER STRSTARTS(STR(?v), \"{BASE}ontology#\")")
                for iri, row in rows.items():
                    assert row[column.name] == SEPARATOR.join(min(labels) or value.rsplit("#", 1)[-1]
                                                              for value, labels in sorted(kinds[iri].items()))
                continue
            values = found(f"?x {column.path} ?v .")
            for iri, row in rows.items():
                chosen = sorted(values[iri].items())
                assert row[column.name] == SEPARATOR.join(value for value, _ in chosen), (table.name, column.name)
                if column.link:
                    assert row[f"{column.name}_label"] == SEPARATOR.join(min(labels) for _, labels in chosen)
