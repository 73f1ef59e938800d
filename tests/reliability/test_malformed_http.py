"""Malformed and hostile HTTP against a real ``nkhr serve``: every one gets a 4xx with a clear
sentence of plain text, never a 500, never a stack trace, and always ``nosniff``.

Requests are written byte for byte on a socket (``reliability.raw_http``): ``requests`` would
fix up most of what is tested here (encodings, lengths, header limits, methods).
"""

from __future__ import annotations

import socket

import pytest

from support import assert_clean_refusal, raw_http, request_bytes

ASK = "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def post(target, content_type, body: bytes, **headers):
    if content_type is not None:
        headers["Content-Type"] = content_type
    return request_bytes("POST", target, headers, body)


def get(target, **headers):
    return request_bytes("GET", target, headers)


# name -> (request bytes, allowed statuses, words the message must hold)
CASES = {
    # content types
    "POST without a content type": (post("/sparql", None, b"ASK { ?s ?p ?o }"), {415}, ["application/sparql-query"]),
    "POST as text/plain": (post("/sparql", "text/plain", b"ASK { ?s ?p ?o }"), {415}, ["not understood"]),
    "POST as multipart": (post("/sparql", "multipart/form-data; boundary=x", b"--x--"), {415}, []),
    "POST with a garbage content type": (post("/sparql", ";;;==/", b"ASK { ?s ?p ?o }"), {415}, []),
    "POST as JSON-LD": (post("/sparql", "application/ld+json", b'{"@context": "http://127.0.0.1:9/"}'), {415}, []),
    "direct POST in UTF-16": (post("/sparql", DIRECT + "; charset=utf-16", "ASK {}".encode("utf-16")),
                              {415}, ["UTF-8"]),
    # encodings
    "direct POST that is not UTF-8": (post("/sparql", DIRECT, b"ASK { ?s ?p \"\xff\xfe\" }"), {400}, ["UTF-8"]),
    "form POST that is not UTF-8": (post("/sparql", FORM, b"query=ASK\xff\xfe"), {400}, []),
    "form POST, %-escaped bytes that are not UTF-8": (post("/sparql", FORM, b"query=%ff%fe"), {400}, []),
    "query string, %-escaped bytes that are not UTF-8": (get("/sparql?query=%ff%fe%fd"), {400}, []),
    "query string, raw bytes that are not UTF-8": (b"GET /sparql?query=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
                                                    {400}, []),
    "path, raw bytes that are not UTF-8": (b"GET /id/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", {400}, []),
    "path, %-escaped bytes that are not UTF-8": (get("/id/%ff%fe"), {404}, ["Nothing is served"]),
    "bad percent-encoding in the query": (get("/sparql?query=%ZZ%4"), {400}, []),
    "bad percent-encoding in the path": (get("/id/%ZZ"), {400, 404}, []),      # 400: the nginx front
    "bad percent-encoding in a graph name": (get("/rdf-graphs?graph=%ZZ"), {404}, ["no graph"]),
    "a path that is not an IRI": (get("/id/a%20%22b%22%3Cc%3E.ttl"), {404}, []),
    # query and update
    "both query and update, by form": (post("/sparql", FORM, b"query=ASK%7B%7D&update=CLEAR%20ALL"), {400}, ["both"]),
    "both query and update, by GET": (get(f"/sparql?query={ASK}&update=CLEAR%20ALL"), {400, 403}, ["read-only"]),
    "update by direct POST": (post("/sparql", "application/sparql-update", b"CLEAR ALL"), {403}, ["read-only"]),
    "a form without a query": (post("/sparql", FORM, b"default-graph-uri=x"), {400}, ["query"]),
    "an empty direct POST": (post("/sparql", DIRECT, b""), {400}, ["empty"]),
    "an empty query": (get("/sparql?query="), {400}, ["query form"]),
    "two queries": (get(f"/sparql?query={ASK}&query={ASK}"), {400}, ["exactly one"]),
    # sizes
    "a 2 MB direct POST": (post("/sparql", DIRECT, b"#" * (2 * 1024 * 1024)), {413}, []),
    "a 2 MB form POST": (post("/sparql", FORM, b"query=" + b"x" * (2 * 1024 * 1024)), {413}, []),
    "a Content-Length of 10^20": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                  b"Content-Length: 99999999999999999999\r\n\r\nASK {}", {400, 413}, []),
    "a negative Content-Length": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                  b"Content-Length: -5\r\n\r\nASK {}", {400}, []),
    "a 2 MB chunked body": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n" + (b"100000\r\n" + b"#" * 0x100000 + b"\r\n") * 2
                            + b"0\r\n\r\n", {413}, []),
    "a malformed chunk size": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", {400}, ["body"]),
    "a 20 kB header": (get("/", **{"X-Big": "a" * 20_000}), {431}, ["Header"]),
    "200 headers": (get("/", **{f"X-H{i}": "1" for i in range(200)}), {431}, []),
    "a 20 kB request line": (get("/sparql?query=" + "a" * 20_000), {414}, ["too large"]),
    "an 8 kB Accept header of unknown types": (
        get(f"/sparql?query={ASK}", Accept=",".join(f"text/x-{i};q=0.{i % 10}" for i in range(700))[:8000]),
        {406}, ["Accept"]),
    "an 8 kB Accept header on an entity": (
        get("/id/kwan-li-so-15", Accept=",".join(["a/b;q=0.5"] * 900)[:8000]), {406}, []),
    "an Accept header of garbage": (get(f"/sparql?query={ASK}", Accept=";;;q=abc,,,*/*;q=-1"), {406}, []),
    # formats
    # an unknown format= is set aside (Accept decides, web/negotiation.py); with nothing acceptable, a 406
    "format= that does not exist, on a query": (get(f"/sparql?query={ASK}&format=nonsense", Accept="image/png"),
                                                {406}, ["format="]),
    "format= that does not exist, on the service description": (get("/sparql?format=nonsense", Accept="image/png"),
                                                                {406}, []),
    "format= that does not exist, on VoID": (get("/.well-known/void?format=nonsense", Accept="image/png"), {406}, []),
    "format= that does not exist, on the graph store": (get("/rdf-graphs?default&format=nonsense", Accept="image/png"),
                                                        {406}, []),
    "format= that does not exist, on the ontology": (get("/ontology?format=nonsense", Accept="image/png"), {406}, []),
    "format= that does not exist, on an entity": (get("/id/kwan-li-so-15?format=nonsense", Accept="image/png"),
                                                  {406}, []),
    # paths
    "../ out of static": (get("/static/../../../pyproject.toml"), {400, 404}, []),   # 400: above /
    "%2e%2e/ out of static": (get("/static/%2e%2e/%2e%2e/pyproject.toml"), {400, 404}, []),
    "..%2f out of dumps": (get("/dumps/..%2fbuild.json"), {404}, []),
    "../ under id": (get("/id/../../etc/passwd"), {400, 404}, []),
    "an escaped NUL in dumps": (get("/dumps/%00"), {400}, ["control character"]),
    "an escaped NUL in static": (get("/static/%00"), {400}, ["control character"]),
    "an escaped NUL in an IRI": (get("/id/%00"), {400}, ["control character"]),
    "an escaped NUL before an extension": (get("/id/kwan-li-so-15%00.ttl"), {400}, ["control character"]),
    "a raw NUL in the path": (b"GET /dumps/\x00 HTTP/1.1\r\nHost: x\r\n\r\n", {400}, []),
    "an escaped line feed in the path": (get("/id/a%0D%0ALocation:%20http://evil/"), {400}, ["control character"]),
    "a graph that is not ours": (get("/rdf-graphs?graph=file:///etc/passwd"), {404}, ["no graph"]),
    # methods and protocol
    "an unknown method": (b"FOO /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405}, ["read-only"]),
    "TRACE": (b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405}, []),
    "PUT on the endpoint": (request_bytes("PUT", "/sparql", body=b"x"), {405}, []),
    "DELETE on an entity": (request_bytes("DELETE", "/id/kwan-li-so-15"), {405}, []),
    "PATCH on the graph store": (request_bytes("PATCH", "/rdf-graphs?default", body=b"x"), {405}, ["read-only"]),
    "a lower-case method": (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", {400}, []),
    "HTTP/9.9": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", {400, 505}, []),
    "a TLS handshake": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", {400}, []),
    "a header without a colon": (b"GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n", {400}, []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_request_gets_a_clean_4xx(server, name):
    data, statuses, words = CASES[name]
    status, headers, body = raw_http(server.port, data)
    assert_clean_refusal(status, headers, body, statuses)
    text = body.decode("utf-8")
    assert all(word in text for word in words), text
    assert "[project]" not in text and "root:" not in text       # no file was read


def test_http_0_9_gets_no_page(server):
    """HTTP/0.9 has no status line and no headers (so no Host and no limits to read): the front
    closes the connection without an answer instead of serving the page bare."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /\r\n\r\n")
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    assert b"<html" not in reply.lower() and b"<!doctype" not in reply.lower(), reply[:200]
    assert len(reply) < 300, reply[:300]


def test_the_server_still_answers_afterwards(server):
    status, headers, body = raw_http(server.port, get(f"/sparql?query={ASK}", Accept="application/sparql-results+json"))
    assert status == 200 and b'"boolean": true' in body


def test_an_accept_header_of_many_types_still_finds_the_one_that_fits(server):
    accept = ",".join(f"text/x-{i};q=0.5" for i in range(400)) + ",application/sparql-results+json;q=0.9"
    status, headers, body = raw_http(server.port, get(f"/sparql?query={ASK}", Accept=accept))
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize("host", ["<script>alert(1)</script>", 'x"> . <a:b> <a:c> <a:d', "%00", "[::1"])
def test_a_hostile_host_header_does_not_reach_the_documents(server, host):
    for target in ("/sparql", "/.well-known/void"):
        status, headers, body = raw_http(server.port, get(target, Host=host, Accept="text/turtle")
                                         .replace(b"Host: 127.0.0.1\r\n", b""))
        assert status in (200, 400)
        assert b"<script>" not in body and b"<a:b>" not in body


def paths(catalog) -> list[str]:
    name = next(iter(catalog))
    return ["/", "/sparql", f"/sparql?query={ASK}", "/queries", f"/queries/{name}", f"/queries/{name}.rq",
            "/dumps/", "/dumps/dataset.nt", "/rdf-graphs?default", "/rdf-graphs", "/.well-known/void",
            "/ontology", "/id/kwan-li-so-15", "/id/kwan-li-so-15.html", "/id/kwan-li-so-15.ttl",
            "/graph/asserted", "/static/style.css", "/nothing-here", "/id/nothing-here"]


def test_head_everywhere_is_get_without_a_body(server, catalog):
    for path in paths(catalog):
        get_status, get_headers, _ = raw_http(server.port, get(path))
        status, headers, body = raw_http(server.port, request_bytes("HEAD", path))
        assert status == get_status and status < 500, (path, status, get_status)
        assert body == b"" and headers["X-Content-Type-Options"] == "nosniff", path
        assert headers.get("Content-Type") == get_headers.get("Content-Type"), path


def test_options_everywhere_says_what_is_allowed(server, catalog):
    for path in paths(catalog):
        status, headers, body = raw_http(server.port, request_bytes("OPTIONS", path))
        assert status in (200, 204, 404) and b"Traceback" not in body, (path, status)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        if status != 404:
            allowed = {m.strip() for m in headers["Allow"].split(",")}
            assert "GET" in allowed and not allowed & {"PUT", "DELETE", "PATCH"}, (path, allowed)
