"""The Host header never reaches an answer: redirects are relative, descriptions use NKHR_BASE_URL.

A client (or a cache in front of the server) may send any Host. Each request below carries a
foreign one to the real server (``nkhr serve``, raw bytes on a loopback socket, so no client
rewrites the header), and the answer, headers and body, must not contain it anywhere: the
slash redirect of /dumps, VoID, the service description, /queries as JSON and the pages that
print the endpoint's address. With ``NKHR_BASE_URL`` set, descriptions name that address.
"""

from __future__ import annotations

import pytest

from nkhr.web.hosting import listening_base, normalise_base
from support import raw_http

FOREIGN = "evil-host.example"

PROBES = [
    ("/dumps", "*/*"),
    ("/dumps/tables", "*/*"),
    ("/.well-known/void", "text/turtle"),
    ("/.well-known/void", "application/ld+json"),
    ("/sparql", "text/turtle"),
    ("/queries", "application/json"),
    ("/", "text/html"),
    ("/sparql", "text/html"),
    ("/editor", "text/html"),
    ("/browse?format=json", "application/json"),
    ("/id", "*/*"),
]


def fetch(port: int, path: str, accept: str, host: str | None = FOREIGN, version: str = "HTTP/1.1"):
    lines = [f"GET {path} {version}", "Connection: close", f"Accept: {accept}"]
    if host is not None:
        lines.insert(1, f"Host: {host}")
    return raw_http(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


@pytest.mark.parametrize("path,accept", PROBES)
def test_a_foreign_host_is_found_nowhere_in_the_answer(server, path, accept):
    status, headers, body = fetch(server.port, path, accept)
    assert status in (200, 301, 302, 303, 307, 308), (status, body[:200])
    assert FOREIGN not in str(headers) and FOREIGN.encode() not in body, (path, str(headers), body[:300])


def test_the_slash_redirect_is_relative(server):
    status, headers, _ = fetch(server.port, "/dumps", "*/*")
    assert status in (301, 308) and headers["Location"] == "/dumps/"


def test_descriptions_name_the_address_served(server):
    _, _, body = fetch(server.port, "/.well-known/void", "text/turtle")
    assert f"<http://127.0.0.1:{server.port}/sparql>".encode() in body


def test_an_http_1_1_request_without_host_is_a_400_and_1_0_is_served(server):
    status, _, body = fetch(server.port, "/.well-known/void", "text/turtle", host=None)
    assert status == 400 and b"Host" in body and b"Traceback" not in body
    status, _, _ = fetch(server.port, "/.well-known/void", "text/turtle", host=None, version="HTTP/1.0")
    assert status == 200


def test_a_configured_base_url_is_used_everywhere(built, tmp_path):
    from nkhr.web import create_app
    from nkhr.web.site import Settings
    from support import prebuilt_project
    app = create_app(prebuilt_project(built, tmp_path / "based"),
                     Settings(query_processes=1, base_url="https://nkhr.example.org/kg"))
    client = app.test_client()
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle", "Host": FOREIGN})
    assert b"<https://nkhr.example.org/kg/sparql>" in void.data and FOREIGN.encode() not in void.data
    queries = client.get("/queries", headers={"Accept": "application/json", "Host": FOREIGN}).get_json()
    assert queries and all(q["url"].startswith("https://nkhr.example.org/kg/queries/") for q in queries)
    redirect = client.get("/dumps", headers={"Host": FOREIGN})
    assert redirect.headers["Location"] == "/dumps/" and FOREIGN.encode() not in redirect.data


@pytest.mark.parametrize("url,base", [("https://nkhr.example.org", "https://nkhr.example.org/"),
                                      ("http://h:8080/a", "http://h:8080/a/")])
def test_base_urls_are_normalised(url, base):
    assert normalise_base(url) == base


@pytest.mark.parametrize("url", ["nkhr.example.org", "ftp://h/", "https://h/?q=1", "javascript:alert(1)"])
def test_a_base_url_that_is_not_one_is_refused_with_a_sentence(url):
    with pytest.raises(ValueError, match="NKHR_BASE_URL must be"):
        normalise_base(url)


def test_an_any_address_bind_is_named_localhost():
    assert listening_base("0.0.0.0", 8000) == "http://localhost:8000/"
    assert listening_base("::1", 8000) == "http://[::1]:8000/"


def test_a_misconfigured_base_url_stops_the_app_with_a_sentence(built, tmp_path):
    from nkhr.web import create_app
    from nkhr.web.site import Settings
    from support import prebuilt_project
    with pytest.raises(ValueError, match="NKHR_BASE_URL must be"):
        create_app(prebuilt_project(built, tmp_path / "misconfigured"),
                   Settings(query_processes=1, base_url="nkhr.example.org"))
