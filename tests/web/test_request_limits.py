"""Body limits hold whatever the framing, and errors speak of the query, not of Python.

A body over the 1 MiB limit gets a 413 with a sentence whether it comes with a Content-Length
or chunked (which has none), as a form or as a direct POST: a chunked form body once got "the
form has no 'query' field" and a chunked query was silently cut to its first mebibyte. Checked
on ``nkhr serve`` as shipped (nginx in front) and on gunicorn alone (``NKHR_FRONT=none``).
"""

from __future__ import annotations

import re

import pytest
import requests

from support import RunningServer, prebuilt_project, raw_http

LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory, built):
    """gunicorn without the nginx front (on a copy of the session's build: nothing to build)."""
    root = prebuilt_project(built, tmp_path_factory.mktemp("no-front")).root
    running = RunningServer(root, env={"NKHR_FRONT": "none"})
    yield running
    running.stop()


def chunked(content_type: str, body: bytes, chunk: int = 64 * 1024) -> bytes:
    head = ("POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + chunk]), body[i:i + chunk]) for i in range(0, len(body), chunk)]
    return head + b"".join(parts) + b"0\r\n\r\n"


def big_query() -> bytes:
    return b"ASK { ?s ?p ?o } " + b"#" * (LIMIT + 10)


BODIES = {
    "form": ("application/x-www-form-urlencoded", b"query=" + big_query().replace(b"#", b"%23").replace(b" ", b"+")),
    "direct": ("application/sparql-query", big_query()),
}


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("front", ["nginx", "none"])
def test_a_chunked_body_over_the_limit_is_a_413(server, bare_server, kind, front):
    port = (server if front == "nginx" else bare_server).port
    content_type, body = BODIES[kind]
    try:
        status, _, answer = raw_http(port, chunked(content_type, body), timeout=30)
    except ConnectionResetError:
        pytest.fail("the server hung up instead of answering 413")
    assert status == 413, (status, answer[:200])
    assert b"Traceback" not in answer and b"'query' field" not in answer


@pytest.mark.parametrize("front", ["nginx", "none"])
def test_a_chunked_query_under_the_limit_is_read_whole(server, bare_server, front):
    """The last line decides the answer: a body cut short would be a syntax error, not false."""
    port = (server if front == "nginx" else bare_server).port
    query = b"ASK { ?s ?p ?o #" + b"x" * 90_000 + b"\n FILTER(false) }"
    status, _, answer = raw_http(port, chunked("application/sparql-query", query, chunk=1000), timeout=30)
    assert status == 200 and b"false" in answer, answer[:200]


PYTHON_NAMES = re.compile(r"\b(?:[A-Z][a-z]+)+(?:Error|Exception)\b|Traceback|os error")


@pytest.mark.parametrize("query", [
    "SELECT ?s WHERE { ?s ?p }",
    "SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, \"(\")) }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { BIND(<http://x/\\u0041#> AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p \"\\uD800\" }",
    "SELECT (xsd:integer(\"x\") AS ?n) WHERE {}",
])
def test_error_texts_speak_of_the_query_not_of_python(server, query):
    response = requests.post(server.url + "/sparql", data={"query": query}, timeout=30)
    assert not PYTHON_NAMES.search(response.text), response.text
