"""Exports for graph visualisers, read back with real readers: networkx for GraphML and GEXF,
Graphviz's dot for DOT, and the Cytoscape.js JSON checked against the structure cytoscape.js reads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
import requests

from nkhr.exports.model import FORMATS, WRITERS, build_graph, clean, dot_quote, render
from support import copy_project

KG = "https://w3id.org/nkhr/id/"
NKHR = "https://w3id.org/nkhr/ontology#"
YODOK = KG + "kwan-li-so-15"
PRISONERS = KG + "claim-kwan-li-so-15-prisoners"
CAMP_SECTION = KG + "section/Internment_camps_for_political_prisoners"
HOSTILE = KG + "test-hostile-label"
HOSTILE_LABEL = 'Test <script>alert(1)</script> "double" \'single\' & back\\slash ]]> --'

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make system-deps)")


# --- reading each format back into one shape: {iri: attributes}, [(source, target, attributes)] ---------------

def read_graphml(path: Path):
    graph = nx.read_graphml(path)
    iri = {node: data["iri"] for node, data in graph.nodes(data=True)}
    nodes = {iri[node]: dict(data) for node, data in graph.nodes(data=True)}
    return nodes, [(iri[s], iri[t], dict(d)) for s, t, d in graph.edges(data=True)]


def read_gexf(path: Path):
    graph = nx.read_gexf(path)
    return dict(graph.nodes(data=True)), [(s, t, dict(d)) for s, t, d in graph.edges(data=True)]


def read_cytoscape(path: Path):
    return cytoscape_parts(json.loads(path.read_text(encoding="utf-8")))


def cytoscape_parts(document: dict):
    """The nodes and edges of Cytoscape.js JSON, checking what cytoscape.js relies on: ids, and edge ends that exist."""
    elements = document["elements"]
    assert set(elements) == {"nodes", "edges"}
    nodes = {}
    for node in elements["nodes"]:
        data = node["data"]
        assert isinstance(data["id"], str) and data["name"] == data["label"]
        assert data["id"] not in nodes
        nodes[data["id"]] = data
    edges = []
    for edge in elements["edges"]:
        data = edge["data"]
        assert data["source"] in nodes and data["target"] in nodes and data["id"].startswith("e")
        edges.append((data["source"], data["target"], data))
    assert len({e[2]["id"] for e in edges}) == len(edges)
    return nodes, edges


def unescape_dot(value: str) -> str:
    """Graphviz's reading of an escString: a doubled backslash is one backslash."""
    return value.replace("\\\\", "\\")


def read_dot(path: Path):
    """Lay the graph out with Graphviz once, writing SVG and JSON; read nodes and edges from the JSON."""
    done = subprocess.run(["dot", "-Tsvg", "-Tjson", "-O", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    document = json.loads(Path(str(path) + ".json").read_text(encoding="utf-8"))
    objects = document["objects"]
    names = {o["_gvid"]: o["name"] for o in objects}
    nodes = {o["name"]: {k: unescape_dot(v) for k, v in o.items() if isinstance(v, str)} for o in objects}
    edges = [(names[e["tail"]], names[e["head"]], {k: unescape_dot(v) for k, v in e.items() if isinstance(v, str)})
             for e in document.get("edges", [])]
    return nodes, edges


READERS = {"graphml": read_graphml, "gexf": read_gexf, "cyjs": read_cytoscape, "dot": read_dot}


def export_all(graph, folder: Path) -> dict[str, Path]:
    paths = {}
    for fmt, (name, _media) in FORMATS.items():
        paths[fmt] = folder / name
        paths[fmt].write_bytes(render(graph, fmt))
    return paths


@pytest.fixture(scope="module")
def graph(engine):
    return build_graph(engine)


@pytest.fixture(scope="module")
def read_back(graph, tmp_path_factory):
    """Every format written to a file and read back with its reader (dot only where Graphviz is installed)."""
    paths = export_all(graph, tmp_path_factory.mktemp("exports"))
    formats = [fmt for fmt in READERS if fmt != "dot" or shutil.which("dot")]
    return {fmt: READERS[fmt](paths[fmt]) for fmt in formats}, paths


# --- the model --------------------------------------------------------------------------------------------

def test_yodok_is_a_node_with_its_facts_in_every_format(read_back):
    formats, _ = read_back
    for fmt, (nodes, _edges) in formats.items():
        yodok = nodes[YODOK]
        assert yodok["label"] == "Yodok Political Prison Camp", fmt
        assert yodok["class"] == "PoliticalPrisonCamp", fmt
        assert yodok["officialName"] == "Kwan-li-so No. 15", fmt
        assert yodok["iri"] == YODOK, fmt
        assert "Internment camps for political prisoners" in yodok["sections"].split(" | "), fmt
        if fmt == "dot":
            assert yodok["facilityNumber"] == "15"            # DOT has no types
        else:
            assert yodok["facilityNumber"] == 15 and isinstance(yodok["facilityNumber"], int), fmt


def test_the_prisoner_claim_is_a_readable_node_about_yodok(read_back):
    formats, _ = read_back
    for fmt, (nodes, edges) in formats.items():
        claim = nodes[PRISONERS]
        assert claim["class"] == "Claim", fmt
        assert float(claim["schema_value"]) == 46500, fmt     # "value" is reserved (networkx reads the node key there)
        assert claim["certainty"] == "stated as fact" and claim["quantityKind"] == "prisoners held", fmt
        assert claim["unit"] == "number", fmt
        about = [d for s, t, d in edges if s == PRISONERS and t == YODOK]
        assert [(d["predicate"], d["label"]) for d in about] == [(NKHR + "about", "about")], fmt
        assert any(s == PRISONERS and t == CAMP_SECTION and d["label"] == "stated in" for s, t, d in edges), fmt


def test_node_and_edge_counts_agree_across_the_formats(graph, read_back):
    formats, _ = read_back
    assert len(graph.nodes) > 700 and len(graph.edges) > 2500
    for fmt, (nodes, edges) in formats.items():
        assert (len(nodes), len(edges)) == (len(graph.nodes), len(graph.edges)), fmt
        assert set(nodes) == set(graph.nodes), fmt


def test_sections_are_nodes_and_ontology_terms_and_vocabulary_values_are_not(graph):
    sections = [a for a in graph.nodes.values() if a["class"] == "Section"]
    assert CAMP_SECTION in graph.nodes and graph.nodes[CAMP_SECTION]["class"] == "Section"
    assert len(sections) >= 20
    assert not any(iri.startswith(NKHR) for iri in graph.nodes)      # no classes, properties, certainties
    assert not any(iri.startswith(KG + "quantity/") for iri in graph.nodes)
    assert KG + "right/life" in graph.nodes                           # rights are nodes, with edges to them
    predicates = {e["predicate"] for e in graph.edges}
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" not in predicates
    assert NKHR + "certainty" not in predicates and NKHR + "statedIn" in predicates
    assert all(e["source"] in graph.nodes and e["target"] in graph.nodes for e in graph.edges)


def test_attributes_are_typed_where_every_value_has_one_type(graph, read_back):
    assert graph.node_types["facilityNumber"] == "long"
    assert graph.node_types["atLeast"] == "boolean"
    assert graph.node_types["schema_value"] in ("long", "double")
    assert graph.node_types["label"] == "string"
    _, paths = read_back
    root = ET.parse(paths["graphml"]).getroot()
    keys = {k.get("attr.name"): k.get("attr.type") for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")
            if k.get("for") == "node"}
    assert keys["facilityNumber"] == "long" and keys["atLeast"] == "boolean"
    gexf = ET.parse(paths["gexf"]).getroot()
    titles = {a.get("title"): a.get("type") for a in gexf.iter("{http://www.gexf.net/1.2draft}attribute")}
    assert titles["facilityNumber"] == "long"


def test_exports_are_deterministic(engine, graph):
    again = build_graph(engine)
    for fmt in WRITERS:
        assert render(graph, fmt) == render(again, fmt), fmt
    assert list(graph.nodes) == sorted(graph.nodes)


@needs_dot
def test_graphviz_renders_the_dot_file(read_back):
    _, paths = read_back
    svg = Path(str(paths["dot"]) + ".svg")
    done = subprocess.run(["dot", "-Tsvg", str(paths["dot"]), "-o", str(svg)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    texts = {t.text for t in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")}
    assert "Yodok Political Prison Camp" in texts


def test_dot_quoting_escapes_quotes_backslashes_and_line_breaks():
    assert dot_quote('a "b" \\c\nd') == '"a \\"b\\" \\\\c\\nd"'
    assert dot_quote("ends with \\") == '"ends with \\\\"'
    assert clean("bell\x07 ok") == "bell\ufffd ok"


# --- hostile labels through a real build and the command line -----------------------------------------------

# A character XML cannot carry (a bell) never reaches the exports: the build refuses it with its file and
# line (tests/build/test_bad_inputs.py); ``clean`` above covers the writers' own guard.
HOSTILE_COMMENT = "Markup <b>bold</b> & an ampersand ]]> and a character beyond the BMP: \U0001d11e."

HOSTILE_TTL = """
@prefix nkhr: <https://w3id.org/nkhr/ontology#> .
@prefix kg: <https://w3id.org/nkhr/id/> .
@prefix sec: <https://w3id.org/nkhr/id/section/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .

kg:test-hostile-label a nkhr:Person ;
    rdfs:label "{}"@en ;
    rdfs:comment "{}"@en ;
    schema:nationality kg:south-korea ;
    nkhr:statedIn sec:top .
""".format(HOSTILE_LABEL.replace("\\", "\\\\").replace('"', '\\"'), HOSTILE_COMMENT)


def nkhr(root: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nkhr", "--project", str(root), *args],
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return done


@pytest.fixture(scope="module")
def hostile_exports(tmp_path_factory, project):
    """A project copy with one extra data file whose label is hostile, built and exported with the CLI."""
    root = tmp_path_factory.mktemp("hostile")
    copy_project(project, root)
    (root / "data" / "zz-hostile.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    nkhr(root, "build")
    paths = {}
    for fmt, (name, _media) in FORMATS.items():
        paths[fmt] = root / name
        done = nkhr(root, "export", "--format", fmt, "-o", str(paths[fmt]))
        assert paths[fmt].stat().st_size > 10_000 and b"wrote" in done.stderr
    return root, paths


def test_the_cli_writes_each_format_and_the_rdf_dumps_still(hostile_exports):
    root, paths = hostile_exports
    assert paths["graphml"].read_bytes().startswith(b"<?xml") and paths["gexf"].read_bytes().startswith(b"<?xml")
    assert json.loads(paths["cyjs"].read_bytes())["elements"]["nodes"]
    assert paths["dot"].read_text(encoding="utf-8").splitlines()[1] == 'digraph "nkhr" {'
    stdout = nkhr(root, "export", "--format", "dot").stdout
    assert stdout == paths["dot"].read_bytes()
    nt = nkhr(root, "export", "--format", "nt").stdout
    assert nt == (root / "dist" / "dataset.nt").read_bytes()


def test_a_hostile_label_round_trips_as_text_in_every_format(hostile_exports):
    _, paths = hostile_exports
    for fmt in ("graphml", "gexf"):
        ET.parse(paths[fmt])                                            # well-formed XML
    assert b"<script>" not in paths["graphml"].read_bytes() + paths["gexf"].read_bytes()
    assert b"<script>" not in paths["cyjs"].read_bytes()                # safe inside an HTML script element
    formats = [fmt for fmt in READERS if fmt != "dot" or shutil.which("dot")]
    for fmt in formats:
        nodes, edges = READERS[fmt](paths[fmt])
        node = nodes[HOSTILE]
        assert node["label"] == HOSTILE_LABEL, fmt
        comment = node["comment"] if fmt != "dot" else node["nkhr_comment"]
        assert comment == HOSTILE_COMMENT, fmt
        assert [(t, d["label"]) for s, t, d in edges if s == HOSTILE and t == KG + "south-korea"] == [
            (KG + "south-korea", "nationality")], fmt


@needs_dot
def test_graphviz_draws_the_hostile_label_as_it_is(hostile_exports):
    _, paths = hostile_exports
    svg = paths["dot"].with_suffix(".svg")
    done = subprocess.run(["dot", "-Tsvg", str(paths["dot"]), "-o", str(svg)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    texts = {t.text for t in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")}
    assert HOSTILE_LABEL in texts


# --- over HTTP ----------------------------------------------------------------------------------------------

MEDIA = {"graph.graphml": "application/graphml+xml", "graph.gexf": "application/gexf+xml",
         "graph.cyjs.json": "application/json", "graph.dot": "text/vnd.graphviz"}


def test_the_exports_are_served_with_their_media_types_and_revalidate(server, graph, tmp_path):
    for name, media in MEDIA.items():
        response = requests.get(f"{server.url}/exports/{name}", timeout=30)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"].split(";")[0] == media, name
        etag = response.headers["ETag"]
        again = requests.get(f"{server.url}/exports/{name}", headers={"If-None-Match": etag}, timeout=30)
        assert again.status_code == 304 and not again.content, name
        (tmp_path / name).write_bytes(response.content)
    nodes, edges = read_graphml(tmp_path / "graph.graphml")
    assert (len(nodes), len(edges)) == (len(graph.nodes), len(graph.edges))
    nodes, edges = read_cytoscape(tmp_path / "graph.cyjs.json")
    assert nodes[YODOK]["officialName"] == "Kwan-li-so No. 15"
    assert requests.get(f"{server.url}/exports/graph.svg", timeout=10).status_code == 404


def test_the_neighbourhood_of_yodok_holds_its_claims_and_sections(server):
    response = requests.get(f"{server.url}/exports/neighbourhood", params={"iri": YODOK}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    nodes, edges = cytoscape_parts(response.json())
    assert nodes[YODOK]["label"] == "Yodok Political Prison Camp"
    assert nodes[PRISONERS]["schema_value"] == 46500
    assert {KG + "claim-kwan-li-so-15-area-km2", KG + "claim-kwan-li-so-15-area-mi2"} <= set(nodes)
    assert {KG + "kwan-li-so-15-lifelong-section", KG + "kwan-li-so-15-fixed-term-section"} <= set(nodes)
    assert nodes[CAMP_SECTION]["class"] == "Section"
    assert (PRISONERS, YODOK) in {(s, t) for s, t, _ in edges}
    assert all(YODOK in (s, t) or s in nodes and t in nodes for s, t, _ in edges)
    assert KG + "kwan-li-so-14" not in nodes                   # another camp: two steps away
    etag = response.headers["ETag"]
    again = requests.get(f"{server.url}/exports/neighbourhood", params={"iri": YODOK},
                         headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304


def test_the_neighbourhood_needs_a_known_iri(server):
    assert requests.get(f"{server.url}/exports/neighbourhood", timeout=10).status_code == 400
    unknown = requests.get(f"{server.url}/exports/neighbourhood", params={"iri": KG + "no-such-thing"}, timeout=10)
    assert unknown.status_code == 404
    ontology_term = requests.get(f"{server.url}/exports/neighbourhood", params={"iri": NKHR + "Claim"}, timeout=10)
    assert ontology_term.status_code == 404

