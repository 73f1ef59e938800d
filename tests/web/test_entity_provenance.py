"""Entity pages credit each fact to the sections that state it, list mentions apart, and mark the
curators' readings (issue 14)."""

from __future__ import annotations

import html
import re

import requests


def _page(server, path: str) -> str:
    response = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    return html.unescape(response.text)


def _rows(page: str, needle: str) -> list[str]:
    return [row for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S) if needle in row]


def _row(page: str, needle: str) -> str:
    rows = _rows(page, needle)
    assert len(rows) == 1, f"{len(rows)} rows hold {needle!r}"
    return rows[0]


def test_yodok_page_credits_its_facility_number_to_the_internment_camps_section_only(server):
    page = _page(server, "/id/kwan-li-so-15")
    number = _row(page, "facility number")
    assert "Internment camps for political prisoners" in number
    assert "Food shortage" not in number
    mentions = re.search(r'<p class="mentions">(.*?)</p>', page, re.S)
    assert mentions and "Food shortage and malnutrition in detention" in mentions.group(1)


def test_a_curators_reading_is_marked_on_the_page_with_its_reason(server):
    page = _page(server, "/id/claim-dprk-genuine-human-rights")
    disputed = _row(page, "disputed by")
    assert "the curators' reading" in disputed and "does not say that the Commission answered" in disputed
    assert all("the curators' reading" not in row for row in _rows(page, "attributed to"))


def test_claim_boxes_mark_the_curators_readings_too(server):
    page = _page(server, "/id/north-korea")
    boxes = [box for box in re.findall(r'<section class="claim">.*?</section>', page, re.S)
             if "/id/claim-dprk-genuine-human-rights" in box]
    assert len(boxes) == 1 and "the curators' reading" in boxes[0]


def test_the_timeline_places_vague_times_at_their_interval_in_the_articles_words(server):
    page = _page(server, "/timeline")
    buddhists = _row(page, "Religious persecution of Buddhists in the 1950s")
    assert re.search(r'class="date">the 1950s <small>\(1950 – 1959\)</small>', buddhists)
    after_2000 = _row(page, "fewer in the years after 2000")
    assert "in the years after 2000 <small>(2000 onwards)</small>" in after_2000
    dated = [re.search(r'class="date">(?:[^<(]*<small>\()?(\d{4})', row).group(1)
             for row in re.findall(r"<tr><td class=\"date\">.*?</tr>", page, re.S)]
    assert dated == sorted(dated)        # in order, the vague ones at their first year


def test_the_void_lists_each_section_graph_with_its_section_and_count(server):
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, VOID

    void = Graph().parse(data=requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"},
                                           timeout=30).text, format="turtle")
    graph = URIRef("https://w3id.org/nkhr/graph/section/Internment_camps_for_political_prisoners")
    assert (URIRef("https://w3id.org/nkhr/dataset"), VOID.subset, graph) in void
    assert void.value(graph, DCTERMS.source) == URIRef(
        "https://w3id.org/nkhr/id/section/Internment_camps_for_political_prisoners")
    assert int(void.value(graph, VOID.triples)) > 100


def test_a_section_graph_is_served_by_the_graph_store_protocol_and_queried_over_http(server):
    from rdflib import Graph, Literal, URIRef
    from SPARQLWrapper import JSON, SPARQLWrapper

    section = "https://w3id.org/nkhr/graph/section/Internment_camps_for_political_prisoners"
    response = requests.get(server.url + "/rdf-graphs", params={"graph": section}, headers={"Accept": "text/turtle"},
                            timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    yodok = URIRef("https://w3id.org/nkhr/id/kwan-li-so-15")
    assert graph.value(yodok, URIRef("https://w3id.org/nkhr/ontology#facilityNumber")) == Literal(15)
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery((server.root / "queries" / "provenance-yodok-facility-number.rq").read_text(encoding="utf-8"))
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [row["heading"]["value"] for row in rows] == ["Internment camps for political prisoners"]
