"""The property-graph exports carry, per edge, the sections that state the link and whether it is
the curators' reading (issue 14); networkx reads both back from GraphML and GEXF."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from rdflib.namespace import DCTERMS, SKOS

from nkhr.exports.model import build_graph, to_gexf, to_graphml
from nkhr.vocab import KG, NKHR

YODOK, SSD = str(KG["kwan-li-so-15"]), str(KG["state-security-department"])
CLAIM, COI = str(KG["claim-dprk-genuine-human-rights"]), str(KG["commission-of-inquiry"])


@pytest.fixture(scope="module")
def graph(engine):
    return build_graph(engine)


def _edge(graph, source, predicate, target) -> dict:
    [edge] = [e for e in graph.edges if (e["source"], e["predicate"], e["target"]) == (source, predicate, target)]
    return edge


def test_each_edge_names_the_sections_that_state_it(graph):
    run_by = _edge(graph, YODOK, str(NKHR.runBy), SSD)
    assert run_by["sections"] == "Internment camps for political prisoners"
    assert run_by["curatorsReading"] == "false"
    # Only the article's own structure (source.ttl) and the ontology's links are stated by no section.
    unstated = {e["predicate"] for e in graph.edges if not e["sections"]}
    assert unstated <= {str(DCTERMS.isPartOf), str(DCTERMS.publisher), str(SKOS.broader), str(NKHR.protectedBy)}


def test_a_curators_reading_edge_is_marked(graph):
    assert _edge(graph, CLAIM, str(NKHR.disputedBy), COI)["curatorsReading"] == "true"


@pytest.mark.parametrize("writer, reader", [(to_graphml, nx.read_graphml), (to_gexf, nx.read_gexf)])
def test_networkx_reads_the_edge_sections_back(graph, writer, reader):
    read = reader(io.BytesIO(writer(graph)))
    found = [data for _s, _t, data in read.edges(data=True) if data.get("predicate") == str(NKHR.runBy)
             and "Internment camps for political prisoners" in data.get("sections", "")]
    assert found and all(data["curatorsReading"] == "false" for data in found)
