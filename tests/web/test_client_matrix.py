"""The client matrix of the README, one test per cell: real third-party clients against the server.

SPARQLWrapper in every return format, by GET and POST, with and without ``setOnlyConneg``;
rdflib's SPARQLStore iterating the whole default graph; Comunica (npm, Node) federating this
endpoint with an Oxigraph server; Apache Jena's ``riot`` and ``rsparql`` (Debian's
libapache-jena-java); networkx reading the Cytoscape JSON. Comunica and Jena are skipped where
they are not installed (``npm ci``; ``apt-get install libapache-jena-java``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import networkx as nx
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from nkhr.vocab import is_section_graph
from support import OXIGRAPH, ROOT, OxigraphServer, RunningServer

KIRBY = "https://w3id.org/nkhr/id/michael-kirby"
# SPARQLWrapper warns when it sends */* for a format the query form has not (a SELECT in Turtle): expected here.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:SPARQLWrapper")
QUERIES = {
    "SELECT": f"SELECT ?p ?o WHERE {{ <{KIRBY}> ?p ?o }}",
    "ASK": f"ASK {{ <{KIRBY}> ?p ?o }}",
    "CONSTRUCT": f"CONSTRUCT {{ <{KIRBY}> ?p ?o }} WHERE {{ <{KIRBY}> ?p ?o }}",
    "DESCRIBE": f"DESCRIBE <{KIRBY}>",
}
RETURN_FORMATS = [JSON, XML, TURTLE, N3, RDF, RDFXML, CSV, TSV, JSONLD]
COMUNICA = ROOT / "node_modules" / "@comunica" / "query-sparql"
NODE = shutil.which("node")
JENA_JARS = Path("/usr/share/java")


@pytest.fixture(scope="module")
def patient(built, tmp_path_factory):
    """A server whose queries may run 30 s: the clients below read the whole default graph, which
    the shared server's 2-second limit may not allow on a loaded machine (what is checked here is
    that the answer is whole, not how fast it comes)."""
    from support import prebuilt_project
    root = tmp_path_factory.mktemp("patient")
    prebuilt_project(built, root)
    running = RunningServer(root, env={"NKHR_QUERY_TIMEOUT": "30"})
    yield running
    running.stop()


def default_graph_triples(server) -> int:
    graphs = json.loads((server.root / "dist" / "build.json").read_text())["graphs"]
    return sum(n for name, n in graphs.items() if not is_section_graph(name))


@pytest.mark.parametrize("only_conneg", [False, True], ids=["format+accept", "only-conneg"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", RETURN_FORMATS)
def test_sparqlwrapper_gets_an_answer_in_every_return_format(server, return_format, method, only_conneg):
    for form, query in QUERIES.items():
        client = SPARQLWrapper(server.url + "/sparql")
        client.setMethod(method)
        client.setOnlyConneg(only_conneg)
        client.setReturnFormat(return_format)
        client.setQuery(query)
        answer = client.query()             # raises on any status but 2xx
        assert answer.response.status == 200, (form, return_format)
        content_type = answer.response.headers["Content-Type"]
        if form in ("SELECT", "ASK"):
            assert content_type.startswith(("application/sparql-results", "text/csv", "text/tab-separated")), form
        else:
            assert not content_type.startswith("application/sparql-results"), form
        converted = answer.convert()
        if form == "ASK" and return_format in (JSON,):
            assert converted["boolean"] is True
        if form in ("CONSTRUCT", "DESCRIBE") and isinstance(converted, Graph):
            assert (URIRef(KIRBY), None, None) in converted


def test_sparqlstore_iterates_the_whole_default_graph_exactly(patient):
    """What a Graph over a SPARQLStore yields is what len() counts: no answer is cut short."""
    graph = Graph(store=SPARQLStore(patient.url + "/sparql", returnFormat="json"))
    expected = default_graph_triples(patient)
    assert expected > 10_000                            # above the old cap, which cut it silently
    assert len(graph) == expected
    assert sum(1 for _ in graph) == expected
    assert sum(1 for _ in graph.triples((None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None))) > 100


def test_a_cross_product_past_the_cap_is_an_error_no_client_takes_for_an_answer(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 2000000")
    client.setReturnFormat(JSON)
    client.setTimeout(30)
    with pytest.raises(Exception) as raised:
        client.query()
    assert "503" in str(raised.value) or "EndPointInternalError" in type(raised.value).__name__


# --- Comunica ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def oxigraph_copy(patient, tmp_path_factory):
    """An Oxigraph server holding the union of the dataset (dataset.nt) in its default graph."""
    if OXIGRAPH is None:
        pytest.skip("the Oxigraph server is not installed (pip install -e '.[test]')")


    running = OxigraphServer(tmp_path_factory.mktemp("comunica-copy"))
    loaded = requests.post(running.url + "/store?default", data=(patient.root / "dist" / "dataset.nt").read_bytes(),
                           headers={"Content-Type": "application/n-triples"}, timeout=120)
    assert loaded.status_code in (200, 204), loaded.text
    yield running
    running.stop()


def _oxigraph_count(oxigraph) -> int:
    response = requests.post(oxigraph.url + "/query", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.skipif(NODE is None or not COMUNICA.exists(), reason="Comunica is not installed (npm ci)")
def test_comunica_federating_nkhr_and_an_oxigraph_copy_counts_exactly(patient, oxigraph_copy):
    done = subprocess.run([NODE, str(Path(__file__).parent / "clients" / "comunica_count.cjs"),
                           patient.url + "/sparql", oxigraph_copy.url + "/query"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == default_graph_triples(patient) + _oxigraph_count(oxigraph_copy)


# --- Apache Jena ---------------------------------------------------------------------------------------------

JENA_DEPENDENCIES = ["commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
                     "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore",
                     "jackson-annotations", "jackson-core", "jackson-databind", "jakarta.json-api", "jsonld-java",
                     "protobuf", "thrift", "titanium-json-ld", "slf4j-api", "slf4j-nop"]


@pytest.fixture(scope="module")
def jena(tmp_path_factory) -> list[str]:
    """The java command line that runs a Jena command, with the classpath fix Debian's Jena needs.

    Debian's jena-core.jar holds Xerces' classes under the package ``xerces`` but their message
    files under ``org/apache/jena/ext/xerces``; every command then dies at start-up with
    "ExceptionInInitializerError ... internal error". The fix: a folder on the classpath with those
    files copied (from the installed jar) to where the classes look for them."""
    java = shutil.which("java")
    if java is None or not (JENA_JARS / "jena-cmds.jar").exists():
        pytest.skip("Apache Jena is not installed (apt-get install libapache-jena-java)")
    resources = tmp_path_factory.mktemp("jena-xerces")
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(JENA_JARS / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and not name.endswith((".class", "/")):
                target = resources / "xerces" / name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = sorted(str(p) for p in JENA_JARS.glob("jena-*.jar") if not p.stem[-1].isdigit())
    jars += [str(JENA_JARS / f"{name}.jar") for name in JENA_DEPENDENCIES if (JENA_JARS / f"{name}.jar").exists()]
    return [java, "-cp", ":".join([str(resources), *jars])]


def _run(command: list[str], timeout: float = 180) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (command[-3:], done.stderr[-2000:])
    return done.stdout


def _riot_count(jena: list[str], path: Path) -> int:
    """``riot --count``: 'file:///...: Triples = 12,345' on standard error."""
    # JSON-LD through Jena's JSON-LD 1.0 reader: the 1.1 one (titanium) needs a Jakarta JSON
    # provider that Debian does not package with it.
    syntax = ["--syntax=jsonld10"] if path.suffix == ".jsonld" else []
    done = subprocess.run([*jena, "riotcmd.riot", *syntax, "--count", str(path)], capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, (path.name, done.stderr[-2000:])
    found = re.search(r"(?:Triples|Quads) = ([\d,]+)", done.stdout + done.stderr)
    assert found, (path.name, done.stdout[-500:], done.stderr[-500:])
    return int(found.group(1).replace(",", ""))


def test_jena_riot_reads_every_dump_and_entity_document(server, jena, tmp_path):
    graphs = json.loads((server.root / "dist" / "build.json").read_text())["graphs"]
    for name, expected in (("dataset.nq", sum(graphs.values())), ("dataset.jsonld", None), ("dataset.rdf", None)):
        path = tmp_path / name
        path.write_bytes(requests.get(f"{server.url}/dumps/{name}", timeout=60).content)
        count = _riot_count(jena, path)
        assert count == (expected or len(Graph().parse(server.root / "dist" / "dataset.nt", format="nt"))), name
    for extension in ("jsonld", "trig"):
        path = tmp_path / f"kirby.{extension}"
        path.write_bytes(requests.get(f"{server.url}/id/michael-kirby.{extension}", timeout=60).content)
        assert _riot_count(jena, path) > 5, extension


def test_jena_rsparql_selects_and_constructs(server, jena, tmp_path):
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    out = _run([*jena, "arq.rsparql", "--service", server.url + "/sparql", "--query", str(query), "--results", "CSV"])
    assert int(out.splitlines()[1]) == default_graph_triples(server)
    query.write_text(QUERIES["CONSTRUCT"])
    out = _run([*jena, "arq.rsparql", "--service", server.url + "/sparql", "--query", str(query), "--results", "NT"])
    assert KIRBY in out


# --- networkx ------------------------------------------------------------------------------------------------

def test_networkx_reads_the_cytoscape_json(server):
    document = requests.get(server.url + "/exports/graph.cyjs.json", timeout=60).json()
    graph = nx.cytoscape_graph(document)
    assert graph.is_directed() and graph.is_multigraph()
    assert graph.number_of_nodes() == len(document["elements"]["nodes"])
    assert graph.number_of_edges() == len(document["elements"]["edges"])
    assert graph.nodes["https://w3id.org/nkhr/id/kwan-li-so-15"]["label"]
