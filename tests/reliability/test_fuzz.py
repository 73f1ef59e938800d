"""Property-based fuzzing (hypothesis) of the three places that read untrusted bytes:

(a) request handling: arbitrary methods, paths, query strings, headers and bodies sent to the
    app (Flask's test client on ``create_app``, for speed): never a 500, never a traceback;
(b) the query guard: on arbitrary text and on mutated catalog queries, ``guard.inspect``
    returns a shape or raises ``QueryRefused``, nothing else;
(c) the data loader: on arbitrary bytes and on mutated data files, ``loading.parse_file``
    returns a graph or raises ``SourceError`` naming the file (and the line, for syntax errors).

In CI each property runs a short, derandomised profile (200 examples). For a longer search:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/reliability/test_fuzz.py -p no:warnings

("long": 20,000 examples per property, random seeds; expect tens of minutes). Every failure
found is kept below as an ``@example``, so it is replayed on every run.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nkhr.build.load import SourceError, parse_file
from nkhr.query.guard import QueryRefused, inspect
from nkhr.vocab import GRAPHS
from support import ROOT, prebuilt_project

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=20_000, deadline=None,
                          suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CATALOG = sorted((ROOT / "queries").glob("*.rq"))
QUERIES = [p.read_text(encoding="utf-8") for p in CATALOG]
DATA_FILES = sorted((ROOT / "data").rglob("*.ttl"))

# Fragments that matter to a SPARQL tokenizer or to the server, spliced into real queries.
SPARQL_FRAGMENTS = ["{", "}", "(", ")", "<", ">", '"', "'", '"""', "'''", "#", "\\", "\\u0022", "?x", "$y",
                    " SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } ", " FROM <file:///etc/passwd> ",
                    " FROM NAMED <http://169.254.169.254/> ", "INSERT DATA { <a:a> <a:b> <a:c> }", " UNION ",
                    " OPTIONAL ", "FILTER(", 'REGEX(?x, "(a+)+$")', " . ", ";", ",", "PREFIX p: <", "p:",
                    "\x00", "\ufeff", "\u202e", "\n", "a.a.a.a", "LIMIT 99999999999999999999", "*", "^", "|"]


def mutate(text: str, edits: list[tuple[float, int, str]]) -> str:
    """Apply edits (where, how many characters to delete, what to insert) to a text."""
    for where, delete, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + delete:]
    return text


edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40),
                           st.one_of(st.sampled_from(SPARQL_FRAGMENTS), st.text(max_size=8))), max_size=6)
mutated_queries = st.builds(mutate, st.sampled_from(QUERIES), edits)


# --- (a) request handling ----------------------------------------------------------------

@pytest.fixture(scope="module")
def client(tmp_path_factory, built):
    from nkhr.web import create_app
    from nkhr.web.site import Settings
    project = prebuilt_project(built, tmp_path_factory.mktemp("fuzzed"))
    app = create_app(project, Settings(query_timeout=2.0, query_processes=2))
    app.testing = False                 # errors go through the app's handlers, as in production
    yield app.test_client()
    app.extensions["nkhr"].close()


ROUTES = ["/", "/sparql", "/id/", "/id/kwan-li-so-15", "/id/kwan-li-so-15.html", "/dumps/",
          "/dumps/dataset.nt", "/queries", "/queries/", "/rdf-graphs", "/.well-known/void", "/ontology",
          "/graph/", "/graph/asserted", "/static/", "/static/style.css", "/exports/",
          "/exports/neighbourhood", "/editor", "/timeline", "/claims", "/vendor/"]
TAILS = ["", ".ttl", ".html", ".jsonld", ".nt", ".rdf", "/..", "/../..", "%00", "%ZZ", "%ff%fe", "%2e%2e%2f",
         "kwan-li-so-15", "%3Cscript%3E", "'", '"', " ", "\\", "//", "?"]
MEDIA = ["*/*", "text/html", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
         "text/tab-separated-values", "text/turtle", "application/ld+json", "application/rdf+xml",
         "application/n-triples", "application/sparql-query", "application/sparql-update",
         "application/x-www-form-urlencoded", "multipart/form-data", "image/png", "text/plain", "", ";", "*/",
         "text/*;q=0", "application/json;q=abc", "text/html;q=0.9, */*;q=0.8"]
PARAMETERS = ["query", "update", "format", "default-graph-uri", "named-graph-uri", "graph", "default", "iri",
              "kind", "using-graph-uri"]
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
                      max_size=60)

paths = st.builds(lambda route, tail, extra: route + tail + extra, st.sampled_from(ROUTES),
                  st.sampled_from(TAILS), st.one_of(st.just(""), st.text(max_size=20).map(quote),
                                                    st.text(alphabet="/.%0123456789abcdefABCDEFZ", max_size=12)))
values = st.one_of(st.text(max_size=40), mutated_queries, st.sampled_from(QUERIES),
                   st.sampled_from([*GRAPHS, "nonsense", "json", "xml", "csv", "tsv", "turtle", "ttl", "nt",
                                    "jsonld", "rdf", "file:///etc/passwd", "http://127.0.0.1:9/",
                                    "https://w3id.org/nkhr/id/kwan-li-so-15", ""]))
query_strings = st.one_of(
    st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8)), values), max_size=4)
    .map(lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)),
    st.text(alphabet=string.printable.replace("#", ""), max_size=60),
    st.binary(max_size=40).map(lambda b: "query=" + "".join(f"%{x:02x}" for x in b)),
)
headers = st.fixed_dictionaries({}, optional={
    "Accept": st.one_of(st.sampled_from(MEDIA), header_text),
    "Content-Type": st.one_of(st.sampled_from(MEDIA), st.sampled_from(MEDIA).map(lambda m: m + "; charset=latin-1"),
                              header_text),
    "Accept-Encoding": st.sampled_from(["gzip", "identity", "gzip;q=0", "br, *", ""]),
    "If-None-Match": st.one_of(header_text, st.just("*")),
    "If-Modified-Since": header_text,
    "Range": st.sampled_from(["bytes=0-10", "bytes=-5", "bytes=99999999-", "bytes=zz", "lines=1-2"]),
    "Origin": header_text,
    "X-Forwarded-For": header_text,
})
bodies = st.one_of(
    st.binary(max_size=300),
    mutated_queries.map(lambda q: q.encode("utf-8", "surrogatepass")),
    st.builds(lambda k, v: f"{k}={quote(v)}".encode(), st.sampled_from(PARAMETERS), values),
)
methods = st.sampled_from(["GET", "GET", "POST", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE",
                           "PROPFIND"])


@settings(PROFILE)
@given(method=methods, path=paths, query_string=query_strings, headers=headers, body=bodies)
@example(method="GET", path="/id/a b", query_string="", headers={}, body=b"")           # was a 500
@example(method="GET", path="/id/%ZZ", query_string="", headers={}, body=b"")           # was a 500
@example(method="GET", path="/id/%ff%fe", query_string="", headers={}, body=b"")        # was a 500
@example(method="HEAD", path="/sparql", query_string="query=ASK%7B%7D", headers={}, body=b"")   # was a 415
@example(method="GET", path="/id//..", query_string="\r", headers={}, body=b"")   # was a 500 (redirect)
def test_no_request_makes_the_app_fail(client, method, path, query_string, headers, body):
    try:
        response = client.open(path, method=method, query_string=query_string, headers=headers, data=body)
    except Exception as exc:
        if _raised_by_client(exc):      # the test client refuses to build it: no server would get it
            return
        raise
    assert response.status_code != 500, (response.status_code, response.get_data()[:300])
    assert response.status_code < 600
    body_out = response.get_data()
    assert b"Traceback" not in body_out and b'File "/' not in body_out
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def _raised_by_client(exc: BaseException) -> bool:
    """True when the exception comes from building the request, not from the app."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    return not any("/nkhr/" in frame.filename for frame in frames)


# --- (b) the guard ---------------------------------------------------------------------------

ALLOWED = set(GRAPHS)


def guard_property(text: str) -> None:
    try:
        shape = inspect(text, ALLOWED)
    except QueryRefused as exc:
        assert str(exc) and 400 <= exc.status < 500
    else:
        assert shape.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
        assert set(shape.from_graphs) <= ALLOWED and set(shape.from_named_graphs) <= ALLOWED


@settings(PROFILE)
@given(text=st.text(max_size=500))
@example(text="SELECT * WHERE { ?s ?p ?o } " + "a." * 2000)       # was quadratic: seconds in the web worker
@example(text="SELECT " + "'\\" * 2000)                            # likewise
@example(text='SELECT """' + ':"\\""' * 500)                       # likewise, a long string never closed
def test_the_guard_refuses_or_accepts_arbitrary_text(text):
    guard_property(text)


@settings(PROFILE)
@given(text=mutated_queries)
def test_the_guard_refuses_or_accepts_mutated_catalog_queries(text):
    guard_property(text)


def test_every_catalog_query_passes_the_guard():
    for path, text in zip(CATALOG, QUERIES, strict=True):
        assert inspect(text, ALLOWED).form, path


# --- (c) the data loader -----------------------------------------------------------------------

TURTLE_FRAGMENTS = [".", ";", ",", "[", "]", "(", ")", "<", ">", '"', "'", '"""', "@prefix", "@base", "^^",
                    "@en", "\\", "\\u00", "_:b", "a", "xsd:integer", '"x"^^xsd:integer', '"2024-13-45"^^xsd:date',
                    "\x00", "\ufeff", "\n", "#", ":", "kg:", "<http://127.0.0.1:9/>"]
turtle_edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 30),
                                  st.one_of(st.sampled_from(TURTLE_FRAGMENTS), st.text(max_size=6))),
                        min_size=1, max_size=5)
mutated_turtle = st.builds(lambda text, e: mutate(text, e).encode("utf-8", "surrogatepass"),
                           st.sampled_from(DATA_FILES).map(lambda p: p.read_text(encoding="utf-8")), turtle_edits)
byte_flips = st.builds(lambda data, flips: bytes(b ^ flips.get(i, 0) for i, b in enumerate(data)),
                       st.sampled_from(DATA_FILES).map(Path.read_bytes),
                       st.dictionaries(st.integers(0, 5000), st.integers(1, 255), min_size=1, max_size=4))


def loader_property(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzzed.ttl"
    path.write_bytes(data)
    try:
        graph = parse_file(path, "data/fuzzed.ttl")
    except SourceError as exc:
        assert exc.path == "data/fuzzed.ttl" and str(exc).startswith("data/fuzzed.ttl:")
        if exc.line is not None:        # lines end at LF, CR LF or a lone CR, as rdflib counts them
            assert 1 <= exc.line <= len(re.split(rb"\r\n|\r|\n", data)), (exc.line, str(exc))
        else:
            # Only a value that does not fit its datatype, or a file that rdflib fails on but
            # is valid Turtle, may come without a line: a syntax error always has one.
            assert "is not a valid" in exc.message or _valid_turtle(data), str(exc)
    else:
        assert len(graph) >= 0


def _valid_turtle(data: bytes) -> bool:
    import pyoxigraph as ox
    try:
        for _ in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri="file:///fuzzed.ttl"):
            pass
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("loader")


@settings(PROFILE)
@given(data=st.binary(max_size=400))
@example(data=b"?")              # rdflib failed inside itself: the error had no line
@example(data=b"?\x00")          # likewise ("string index out of range")
def test_the_loader_reads_or_refuses_arbitrary_bytes(scratch, data):
    loader_property(scratch, data)


@settings(PROFILE)
@given(data=st.one_of(mutated_turtle, byte_flips))
@example(data=b'"""\r<a:b> <a:c> <a:d> .\n')     # a lone CR ends a line too (the test had it wrong)
def test_the_loader_reads_or_refuses_mutated_data_files(scratch, data):
    loader_property(scratch, data)
