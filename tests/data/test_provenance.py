"""Issue 14: every fact credited to the sections that state it, vague times typed, curators' readings marked.

The per-section named graphs are checked against each tool that reads them: pyoxigraph (the
engine, the build's TriG and N-Quads), rdflib's Dataset (the TriG dump) and the union default
graph, which must not count a triple twice because it also sits in a section graph.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset, URIRef

from nkhr.build.provenance import derive
from nkhr.serialize import dataset_bytes, make_dataset
from nkhr.vocab import GRAPH_ASSERTED, GRAPH_SECTION, GRAPHS, KG, NKHR, SEC, section_graph
from support import select

INTERNMENT = str(SEC["Internment_camps_for_political_prisoners"])
FOOD_DETENTION = str(SEC["Food_shortage_and_malnutrition_in_detention"])
YODOK = str(KG["kwan-li-so-15"])


def test_yodok_facility_number_is_stated_by_the_internment_camps_section_only(run_query):
    rows = run_query("provenance-yodok-facility-number")
    assert [(r["number"], r["section"], r["heading"]) for r in rows] == [
        ("15", INTERNMENT, "Internment camps for political prisoners")]


def test_a_mention_is_kept_apart_from_the_facts(engine):
    mentioned = {r["s"] for r in select(engine, f"SELECT ?s WHERE {{ <{YODOK}> nkhr:mentionedIn ?s }}")}
    stated = {r["s"] for r in select(engine, f"SELECT ?s WHERE {{ <{YODOK}> nkhr:statedIn ?s }}")}
    assert FOOD_DETENTION in mentioned and FOOD_DETENTION not in stated
    in_food_graph = select(engine, f"""SELECT ?p WHERE {{
        GRAPH <{section_graph(FOOD_DETENTION)}> {{ <{YODOK}> ?p ?o }} }}""")
    assert [r["p"] for r in in_food_graph] == [str(NKHR.mentionedIn)]


def test_every_asserted_triple_but_the_articles_own_description_has_a_section(built):
    provenance = derive(built.data.by_file)
    assert {name for name, _ in provenance.unattributed} <= {"data/source.ttl"}
    stated = {t for triples in provenance.by_section.values() for t in triples}
    unattributed = {t for _, t in provenance.unattributed}
    assert len(stated | unattributed) == len({t for triples in built.data.by_file.values() for t in triples})
    assert all(section.startswith(str(SEC)) for section in provenance.by_section)


def test_the_default_graph_counts_each_triple_once(engine):
    total = select(engine, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    parts = " ".join(f"<{g}>" for g in GRAPHS)
    distinct = select(engine, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
        VALUES ?g {{ {parts} }} GRAPH ?g {{ ?s ?p ?o }} }} }}""")[0]["n"]
    assert int(total) == int(distinct) > 10_000
    graphs = {r["g"] for r in select(engine, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert set(GRAPHS) < graphs and section_graph(INTERNMENT) in graphs


def test_the_section_graphs_are_within_the_asserted_graph(engine):
    outside = select(engine, f"""SELECT ?s ?p ?o WHERE {{
        GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_SECTION}"))
        FILTER NOT EXISTS {{ GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} }} }} LIMIT 3""")
    assert outside == []


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_the_dumps_carry_the_section_graphs_for_rdflib_and_pyoxigraph(built, fmt):
    data = dataset_bytes(make_dataset(built.published_graphs), fmt)
    dataset = Dataset()
    dataset.parse(data=data.decode("utf-8"), format=fmt)
    fact = (URIRef(YODOK), URIRef(NKHR.facilityNumber), None)
    holding = {str(c.identifier) for c in dataset.contexts() if list(c.triples(fact))}
    assert holding == {GRAPH_ASSERTED, section_graph(INTERNMENT)}
    quads = ox.parse(data, format=ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS)
    assert {q.graph_name.value for q in quads
            if q.subject == ox.NamedNode(YODOK) and q.predicate == ox.NamedNode(str(NKHR.facilityNumber))} == holding


def test_events_of_the_1950s_include_the_vaguely_dated_ones(run_query):
    rows = {r["event"].removeprefix(str(KG)): r for r in run_query("timeline-events-1950s")}
    assert {"persecution-of-buddhists-1950s", "closure-of-all-churches", "return-from-japan"} <= set(rows)
    assert rows["persecution-of-buddhists-1950s"]["asStated"] == "the 1950s"
    assert (rows["closure-of-all-churches"]["start"], rows["closure-of-all-churches"]["end"]) == ("1949", "1956")
    assert "2014" not in {r["start"][:4] for r in rows.values()}


def test_no_bound_is_invented_for_after_2000(engine):
    rows = select(engine, """SELECT ?start ?end ?said WHERE {
        BIND(kg:claim-us-state-department-public-executions-declined-after-2000 AS ?claim)
        ?claim nkhr:notBefore ?start ; nkhr:timeAsStated ?said . OPTIONAL { ?claim nkhr:notAfter ?end } }""")
    assert rows == [{"start": "2000", "said": "in the years after 2000"}]     # no ?end: an open end


def test_relative_date_and_session_number_are_typed(engine):
    report = select(engine, """SELECT ?from ?offset ?month WHERE {
        kg:dprk-ahrs-report nkhr:relativeTo ?from ; schema:duration ?offset ; nkhr:notBefore ?month }""")
    assert report == [{"from": str(KG["coi-report"]), "offset": "P7M", "month": "2014-09"}]
    assert select(engine, "SELECT ?n WHERE { kg:hrc-22nd-session nkhr:sessionNumber ?n }") == [{"n": "22"}]


# The links the article does not state in so many words (issue 14), each with its marker.
READINGS = [
    ("claim-dprk-rights-strictly-enforced", "disputedBy", "commission-of-inquiry"),
    ("claim-dprk-rights-strictly-enforced", "contradicts", "claim-coi-finds-systematic-violations"),
    ("claim-dprk-genuine-human-rights", "disputedBy", "commission-of-inquiry"),
    ("claim-dprk-genuine-human-rights", "contradicts", "claim-coi-finds-systematic-violations"),
    ("claim-dprk-abductions-fully-resolved", "disputedBy", "japan"),
    ("claim-dprk-abductions-fully-resolved", "contradicts", "claim-japan-two-abductees-unaccounted"),
    ("claim-haggard-noland-famine-man-made", "contradicts", "claim-hazel-smith-no-unique-crisis"),
    ("claim-hazel-smith-no-unique-crisis", "contradicts", "claim-haggard-noland-famine-man-made"),
]


@pytest.mark.parametrize("link", READINGS, ids=lambda link: "-".join(link))
def test_each_curators_reading_is_asserted_and_marked_with_a_reason(engine, link):
    s, p, o = link
    rows = select(engine, f"""SELECT ?why WHERE {{
        kg:{s} nkhr:{p} kg:{o} .
        ?reading a nkhr:CuratorsReading ; rdf:subject kg:{s} ; rdf:predicate nkhr:{p} ; rdf:object kg:{o} ;
                 rdfs:comment ?why }}""")
    assert len(rows) == 1 and len(rows[0]["why"]) > 20


def test_the_unmarked_readings_check_finds_nothing(engine, project):
    text = (project.root / "queries" / "checks" / "unmarked-readings.rq").read_text(encoding="utf-8")
    assert engine.query(text).rows == []


def test_the_unmarked_readings_check_finds_an_unmarked_link(engine, project):
    """The check can fail: a contradiction across sections with no marker is listed."""
    text = (project.root / "queries" / "checks" / "unmarked-readings.rq").read_text(encoding="utf-8")
    store = ox.Store()
    store.extend(engine.store.quads_for_pattern(None, None, None, None))
    store.add(ox.Quad(ox.NamedNode(str(KG["claim-hazel-smith-no-unique-crisis"])), ox.NamedNode(str(NKHR.contradicts)),
                      ox.NamedNode(str(KG["claim-dprk-genuine-human-rights"])), ox.NamedNode(GRAPH_ASSERTED)))
    rows = list(store.query(text, use_default_graph_as_union=True))
    assert [str(r["object"].value) for r in rows] == [str(KG["claim-dprk-genuine-human-rights"])]


def test_claims_about_the_camps_as_a_whole_are_about_a_system_node(engine):
    assert select(engine, "SELECT ?c WHERE { ?c nkhr:about ?class . ?class a owl:Class }") == []
    systems = {r["s"] for r in select(
        engine, "SELECT DISTINCT ?s WHERE { ?c nkhr:about ?s . ?s a nkhr:DetentionSystem }")}
    assert systems == {str(KG["political-prison-camp-system"]), str(KG["reeducation-camp-system"])}


def test_crc_article_2_lists_every_ground_the_article_quotes(engine):
    rows = select(engine, """SELECT ?label WHERE {
        kg:crc-article-2 nkhr:prohibitedGround ?g .
        ?g skos:prefLabel ?label ; skos:inScheme scheme:grounds-of-discrimination }""")
    assert {r["label"] for r in rows} == {
        "race", "colour", "sex", "language", "religion", "political or other opinion", "national origin",
        "ethnic origin", "social origin", "property", "disability", "birth", "other status"}
