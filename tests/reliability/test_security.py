"""Security: nothing a data file or a request holds makes the build or the server fetch
anything; every kind of response carries the security headers and no version; and every
label is escaped in HTML.

The served project is a small copy (``MINI_DATA``) plus a hostile data file: labels made of
markup, ``@base`` and ``owl:imports`` pointing at a loopback listener that counts connections,
and a ``javascript:`` IRI; and a catalog query whose title is markup. ``nkhr serve`` builds it
(it passes SHACL) while the listener listens.
"""

from __future__ import annotations

import re
import time
import urllib.request

import pytest
import requests

from nkhr.build.load import SourceError, parse_file
from nkhr.vocab import GRAPH_ASSERTED
from support import LEAKS, Listener, RunningServer, mini_project, raw_http, request_bytes

LABEL_PERSON = "<script>alert(1)</script> \"onmouseover=alert(2) x=\" & 'single'"
LABEL_ORGANISATION = "</title><script>alert(5)</script><a href=\"x\" onmouseover=\"alert(6)\">"
COMMENT_PERSON = "<img src=x onerror=alert(3)>"
QUERY_TITLE = "<script>alert(7)</script> \"onmouseover=alert(8)"

HOSTILE_DATA = """\
@base <http://127.0.0.1:{port}/base/> .
@prefix nkhr:   <https://w3id.org/nkhr/ontology#> .
@prefix kg:     <https://w3id.org/nkhr/id/> .
@prefix sec:    <https://w3id.org/nkhr/id/section/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix schema: <https://schema.org/> .
@prefix ext:    <http://127.0.0.1:{port}/prefix/> .

<imported> a owl:Ontology ; owl:imports <http://127.0.0.1:{port}/x> , <relative-import> , ext:more .

kg:hostile-person a nkhr:Person ;
    rdfs:label "{person}"@en ;
    rdfs:comment "{comment}"@en ;
    schema:url <javascript:alert(4)> ;
    rdfs:seeAlso <relative-page> ;
    nkhr:statedIn sec:See_also .

kg:hostile-organisation a nkhr:Organisation ;
    rdfs:label "{organisation}"@en ;
    rdfs:seeAlso kg:hostile-person ;
    nkhr:statedIn sec:See_also .
"""

HOSTILE_QUERY = f"""# title: {QUERY_TITLE}
# description: </p><script>alert(9)</script> and "onmouseover=alert(10)
SELECT ?s WHERE {{ ?s a <https://w3id.org/nkhr/ontology#Person> }} LIMIT 1
"""


def turtle_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@pytest.fixture(scope="module")
def listener():
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, listener):
    project = mini_project(tmp_path_factory.mktemp("hostile-data"))
    (project.data_dir / "zz-hostile.ttl").write_text(HOSTILE_DATA.format(
        port=listener.port, person=turtle_string(LABEL_PERSON), comment=turtle_string(COMMENT_PERSON),
        organisation=turtle_string(LABEL_ORGANISATION)), encoding="utf-8")
    (project.queries_dir / "zz-hostile.rq").write_text(HOSTILE_QUERY, encoding="utf-8")
    running = RunningServer(project.root, env={"NKHR_QUERY_TIMEOUT": "2"})
    yield running
    running.stop()


# --- nothing is fetched ---------------------------------------------------------------------

def test_the_listener_does_notice_a_connection(listener):
    """The control: the tests below count on this listener to see any connection."""
    before = listener.connections
    with pytest.raises(Exception):  # noqa: B017 - any failure will do: the assertion is on the listener's count
        urllib.request.urlopen(f"http://127.0.0.1:{listener.port}/", timeout=2)
    time.sleep(0.3)
    assert listener.connections == before + 1
    listener.connections = before


def test_building_a_data_file_with_base_imports_and_prefixes_on_loopback_fetches_nothing(hostile_server, listener):
    log = (hostile_server.root / "server.log").read_text()
    assert "building first" in log                 # the hostile file was parsed, reasoned over, validated
    response = requests.get(hostile_server.url + "/sparql", timeout=30, params={
        "query": "ASK { <https://w3id.org/nkhr/id/hostile-person> ?p ?o }"})
    assert response.json()["boolean"] is True
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("content", [
    # JSON-LD whose @context is remote, saved as .ttl
    '{{"@context": "http://127.0.0.1:{port}/context.jsonld", "@id": "x:a", "name": "b"}}',
    # RDF/XML with an external entity (XXE), saved as .ttl
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/xxe">]>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'rdf:about="x:a"><rdf:value>&xxe;</rdf:value></rdf:Description></rdf:RDF>',
    # Turtle that names loopback addresses everywhere it can
    '@base <http://127.0.0.1:{port}/> .\n@prefix p: <http://127.0.0.1:{port}/p#> .\n'
    '<a> <http://www.w3.org/2002/07/owl#imports> <http://127.0.0.1:{port}/import>, p:x .\n',
])
def test_the_loader_reads_only_turtle_and_fetches_nothing(tmp_path, listener, content):
    path = tmp_path / "hostile.ttl"
    path.write_text(content.format(port=listener.port), encoding="utf-8")
    try:
        parse_file(path, "data/hostile.ttl")
    except SourceError as exc:
        assert exc.path == "data/hostile.ttl" and exc.line
    time.sleep(0.3)
    assert listener.connections == 0


def ask(server, query, **params):
    return requests.get(server.url + "/sparql", params={"query": query, **params}, timeout=30)


@pytest.mark.parametrize("template", [
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <file:///proc/self/environ> WHERE {{ ?s ?p ?o }}",
    "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE {{ SERVICE <file:///etc/passwd> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE sIlEnT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <http://127.0.0.1:{port}/> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://[::1]:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://localhost:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://169.254.169.254/latest/meta-data/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://[fd00:ec2::254]/latest/meta-data/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://metadata.google.internal/computeMetadata/v1/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} #\nSERVICE <http://127.0.0.1:{port}/> {{ }}",
])
def test_queries_that_name_files_or_other_servers_are_refused(hostile_server, listener, template):
    response = ask(hostile_server, template.format(port=listener.port))
    assert response.status_code == 400 and "never" in response.text
    assert "root:" not in response.text
    time.sleep(0.2)
    assert listener.connections == 0


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://127.0.0.1:{port}/g", "http://169.254.169.254/"])
def test_dataset_parameters_naming_files_or_other_servers_are_refused(hostile_server, listener, parameter, target):
    target = target.format(port=listener.port)
    response = ask(hostile_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{parameter: target})
    assert response.status_code == 400 and target in response.text and "root:" not in response.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_the_guard_refuses_the_service_calls_it_once_missed(hostile_server, listener):
    """Two ways past the old tokenizer: ``<'>`` read as an IRI where the engine reads "less than"
    and a string, and ``\\u0041`` inside an IRI, which the old IRI pattern did not allow, so the
    ``#`` after it started what the guard took for a comment. Both are refused now, with a
    sentence, and nothing reaches the listener."""
    hidden_in_a_string = (f"SELECT * WHERE {{ FILTER(1<'>') SERVICE <http://127.0.0.1:{listener.port}/sparql> "
                          "{ ?x ?y ?z } FILTER('x'='x') } #'")
    hidden_in_a_comment = ("SELECT ?o WHERE { BIND(<http://x/\\u0041#> AS ?x) SERVICE "
                           f"<http://127.0.0.1:{listener.port}/internal> {{ ?s ?p ?o }} }}")
    for query in (hidden_in_a_string, hidden_in_a_comment):
        response = ask(hostile_server, query)
        assert response.status_code == 400 and ("certainty" in response.text or "escape" in response.text)
    time.sleep(0.3)
    assert listener.connections == 0
    assert ask(hostile_server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_a_service_call_that_reaches_a_query_process_still_cannot_connect(hostile_server, listener):
    """The kernel's backstop, without the guard: a query process cannot open a socket
    (RLIMIT_NOFILE), so a SERVICE call sent to it straight fails, and nothing reaches the listener."""
    from nkhr.built import dump_name
    from nkhr.query.sandbox import QueryPool
    pool = QueryPool(hostile_server.root / "dist" / dump_name("nquads"), size=1)
    try:
        with pytest.raises(RuntimeError) as failure:
            pool.run(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?x ?y ?z }} }}",
                     timeout=10)
        # The reason speaks of the query, not of Python or of the process's descriptors.
        assert "contact another server" in str(failure.value)
        assert "OSError" not in str(failure.value) and "open files" not in str(failure.value)
    finally:
        pool.close()
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("path,content_type,body", [
    ("/sparql", "application/ld+json", '{{"@context": "http://127.0.0.1:{port}/ctx.jsonld", "@id": "x:a"}}'),
    ("/sparql", "application/rdf+xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM '
                                       '"http://127.0.0.1:{port}/xxe">]><r>&e;</r>'),
    ("/sparql", "application/sparql-update", "LOAD <http://127.0.0.1:{port}/data.ttl>"),
    ("/rdf-graphs?graph=" + GRAPH_ASSERTED, "application/ld+json", '{{"@context": "http://127.0.0.1:{port}/c"}}'),
    ("/rdf-graphs?default", "text/turtle", "@base <http://127.0.0.1:{port}/> . <a> <b> <c> ."),
])
def test_bodies_in_other_formats_are_not_parsed(hostile_server, listener, path, content_type, body):
    response = requests.post(hostile_server.url + path, data=body.format(port=listener.port).encode(),
                             headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code in (403, 405, 415)
    time.sleep(0.2)
    assert listener.connections == 0


# --- headers -----------------------------------------------------------------------------------

def kinds_of_response(catalog_name: str) -> dict[str, tuple[bytes, int]]:
    get = lambda target, **h: request_bytes("GET", target, h)   # noqa: E731
    query = "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
    return {
        "home page": (get("/"), 200),
        "entity page": (get("/id/hostile-person.html"), 200),
        "query page": (get(f"/queries/{catalog_name}", Accept="text/html"), 200),
        "results": (get(f"/sparql?query={query}"), 200),
        "dump": (get("/dumps/dataset.nt"), 200),
        "static file": (get("/static/style.css"), 200),
        "redirect": (get("/id/hostile-person", Accept="text/turtle"), 303),
        "not modified": (None, 304),
        "bad query": (get("/sparql?query=SELECT"), 400),
        "update": (get("/sparql?update=CLEAR%20ALL"), 403),
        "not found": (get("/nothing"), 404),
        "not allowed": (request_bytes("DELETE", "/sparql"), 405),
        "not acceptable": (get(f"/sparql?query={query}", Accept="image/png"), 406),
        "too large": (request_bytes("POST", "/sparql", {"Content-Type": "application/sparql-query"},
                                    b"#" * (2 * 1024 * 1024)), 413),
        "request line too long (gunicorn)": (get("/sparql?query=" + "x" * 10_000), 414),
        "unsupported media type": (request_bytes("POST", "/sparql", {"Content-Type": "text/plain"}, b"x"), 415),
        "header too large (gunicorn)": (get("/", **{"X-Big": "x" * 9000}), 431),
        "bad request line (gunicorn)": (b"GARBAGE\r\n\r\n", 400),
        "timeout": (get("/sparql?query=" + "SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fa%20%3Fb%20%3Fc%20."
                        "%20%3Fd%20%3Fe%20%3Ff%20.%20%3Fg%20%3Fh%20%3Fi%20%7D"), 503),
        "HEAD": (request_bytes("HEAD", "/"), 200),
        "OPTIONS": (request_bytes("OPTIONS", "/sparql"), 200),
    }


def test_every_kind_of_response_has_the_security_headers_and_no_version(hostile_server):
    name = "zz-hostile"
    seen = {}
    for kind, (data, expected) in kinds_of_response(name).items():
        if kind == "not modified":
            status, headers, _ = raw_http(hostile_server.port, request_bytes("GET", "/dumps/dataset.nt"))
            data = request_bytes("GET", "/dumps/dataset.nt", {"If-None-Match": headers["ETag"]})
        status, headers, body = raw_http(hostile_server.port, data)
        assert status == expected, (kind, status, body[:200])
        seen[kind] = status
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Server", "nginx") == "nginx", (kind, headers.get("Server"))   # the front, no version
        everything = str(dict(headers)) + body.decode("utf-8", "replace")[:5000]
        for leak in ("Werkzeug", "werkzeug", "Flask", "Python/", "gunicorn/", "Traceback"):
            assert leak not in everything, (kind, leak)
        if headers.get("Content-Type", "").startswith("text/html") and body:
            policy = headers.get("Content-Security-Policy", "")
            script = re.search(r"script-src ([^;]*)", policy)
            assert script and "'unsafe-inline'" not in script.group(1) and "*" not in script.group(1), (kind, policy)
            assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy, kind
    assert len(seen) == len(kinds_of_response(name))


# --- escaping ----------------------------------------------------------------------------------

def assert_escaped(html: str, *texts: str) -> None:
    """Markup from the data shows as text: never raw, always escaped."""
    for text in texts:
        assert text not in html, text
        escaped = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        variants = {escaped.replace('"', q).replace("'", a) for q in ("&#34;", "&quot;", '"')
                    for a in ("&#39;", "&#x27;", "'")}
        assert any(v in html for v in variants), text
    assert "<script>alert" not in html and 'onmouseover="alert' not in html and "onerror=alert" not in \
        html.replace("onerror=alert(3)&gt;", "")


def page(server, path: str) -> str:
    response = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html"), path
    return response.text


def test_hostile_labels_are_text_on_their_entity_page(hostile_server):
    html = page(hostile_server, "/id/hostile-person.html")
    assert_escaped(html, LABEL_PERSON, COMMENT_PERSON, LABEL_ORGANISATION)      # its own, and who links to it


def test_hostile_labels_are_text_on_the_pages_that_list_them(hostile_server):
    html = page(hostile_server, "/id/hostile-organisation.html")
    assert_escaped(html, LABEL_ORGANISATION, LABEL_PERSON)                     # its own, and what it links to


def test_hostile_query_titles_are_text_on_every_page_that_lists_queries(hostile_server):
    for path in ("/", "/queries", "/queries/zz-hostile", "/sparql"):
        assert_escaped(page(hostile_server, path), QUERY_TITLE)


def test_hostile_labels_in_json_and_rdf_stay_data(hostile_server):
    response = requests.get(hostile_server.url + "/id/hostile-person.jsonld", timeout=30)
    assert response.headers["Content-Type"].startswith("application/ld+json")
    def values(item):       # every @value of the (compacted) document, wherever it sits
        if isinstance(item, dict):
            yield from ([item["@value"]] if "@value" in item else [])
            for inner in item.values():
                yield from values(inner)
        elif isinstance(item, list):
            for inner in item:
                yield from values(inner)
    assert LABEL_PERSON in set(values(response.json()))
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_javascript_iri_in_the_data_is_not_a_live_link(hostile_server):
    html = page(hostile_server, "/id/hostile-person.html")
    assert "javascript:alert(4)" in html                                       # shown ...
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I)   # ... but not as a link


def test_no_page_leaks_internals(hostile_server):
    for path in ("/", "/queries", "/sparql", "/id/hostile-person.html", "/ontology"):
        body = requests.get(hostile_server.url + path, headers={"Accept": "text/html"}, timeout=30).content
        assert not any(leak in body for leak in LEAKS), path
