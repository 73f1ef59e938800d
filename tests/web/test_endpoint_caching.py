"""Answers to queries carry validators and are reused: the dataset only changes with a build.

Against the real server (gunicorn, two workers, each with its own cache), and the cache itself
in-process for its bounds.
"""

from __future__ import annotations

import uuid

import requests

from nkhr.query.sandbox import Answer
from nkhr.web.answers import AnswerCache, AnswerKey

JSON = "application/sparql-results+json"


def fresh_query() -> str:
    """A query no other test has sent, so that the first answer is computed."""
    return (f"# {uuid.uuid4()}\n"
            "SELECT ?s WHERE { ?s a <https://w3id.org/nkhr/ontology#PoliticalPrisonCamp> } ORDER BY ?s")


def get(server, query, **headers):
    return requests.get(server.url + "/sparql", params={"query": query}, headers={"Accept": JSON, **headers},
                        timeout=30)


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_answer(server):
    query = fresh_query()
    answers = [get(server, query) for _ in range(6)]
    assert all(a.status_code == 200 for a in answers)
    outcomes = [a.headers["NKHR-Cache"] for a in answers]
    # each of the two workers computes it once at most, then answers from its cache
    assert outcomes[0] == "miss" and outcomes.count("miss") <= 2 and "hit" in outcomes, outcomes
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["ETag"] for a in answers}) == 1
    assert len(answers[0].json()["results"]["bindings"]) > 5


def test_a_conditional_get_is_answered_304_without_a_body(server):
    query = fresh_query()
    first = get(server, query)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"q-')
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = get(server, query, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["NKHR-Cache"] == "revalidated"
    # a stale validator gets the full answer
    stale = get(server, query, **{"If-None-Match": 'W/"q-0000"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_the_etag_depends_on_the_format_and_the_query(server):
    query = fresh_query()
    as_json = get(server, query)
    as_csv = requests.get(server.url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
    other = get(server, query + " LIMIT 3")
    assert as_csv.status_code == 200 and as_csv.headers["Content-Type"].startswith("text/csv")
    assert len({as_json.headers["ETag"], as_csv.headers["ETag"], other.headers["ETag"]}) == 3
    # the CSV validator does not revalidate the JSON answer
    assert get(server, query, **{"If-None-Match": as_csv.headers["ETag"]}).status_code == 200


def test_post_answers_are_cached_but_never_304(server):
    query = fresh_query()
    responses = [requests.post(server.url + "/sparql", data=query.encode(), timeout=30,
                               headers={"Content-Type": "application/sparql-query", "Accept": JSON})
                 for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert "hit" in [r.headers["NKHR-Cache"] for r in responses]
    conditional = requests.post(server.url + "/sparql", data=query.encode(), timeout=30,
                                headers={"Content-Type": "application/sparql-query", "Accept": JSON,
                                         "If-None-Match": responses[0].headers["ETag"]})
    assert conditional.status_code == 200 and conditional.content == responses[0].content


def test_errors_are_not_cached_and_carry_no_validator(server):
    broken = fresh_query().replace("SELECT ?s", "SELECT ?s ?")
    for _ in range(3):
        response = get(server, broken)
        assert response.status_code == 400 and "not valid SPARQL" in response.text
        assert "ETag" not in response.headers and "NKHR-Cache" not in response.headers


def test_a_wildcard_validator_does_not_skip_the_query(server):
    response = get(server, fresh_query(), **{"If-None-Match": "*"})
    assert response.status_code == 200 and response.json()["results"]["bindings"]


def answer(size: int, tag: str = "") -> Answer:
    return Answer("select", "json", (tag or "x").encode() * size, False)


def key(n: int, build: str = "b1") -> AnswerKey:
    return AnswerKey(build, f"SELECT {n}", (), (), "json", None, 10_000)


def test_the_cache_stays_within_its_byte_bound_and_evicts_the_least_recently_used():
    cache = AnswerCache(max_bytes=10_000, max_entry=4_000)
    for n in range(10):
        cache.put(key(n), answer(3_000))
        assert cache.size <= 10_000
    assert len(cache) == 2
    assert cache.get(key(9)) is not None and cache.get(key(0)) is None
    cache.get(key(8))                       # 8 is now the most recently used
    cache.put(key(10), answer(3_000))
    assert cache.get(key(8)) is not None and cache.get(key(9)) is None


def test_an_answer_larger_than_an_entry_may_be_is_not_kept():
    cache = AnswerCache(max_bytes=100_000, max_entry=5_000)
    cache.put(key(1), answer(6_000))
    assert cache.get(key(1)) is None and len(cache) == 0


def test_a_zero_sized_cache_keeps_nothing():
    cache = AnswerCache(max_bytes=0)
    cache.put(key(1), answer(1))
    assert cache.get(key(1)) is None


def test_a_new_build_or_another_dataset_changes_the_etag():
    base = key(1)
    assert base.etag == key(1).etag
    assert base.etag != key(1, build="b2").etag
    assert base.etag != AnswerKey("b1", "SELECT 1", ("https://w3id.org/nkhr/graph/data",), (), "json", None,
                                  10_000).etag
    # the parts are separated: moving a graph from default to named changes the tag
    g = ("https://w3id.org/nkhr/graph/data",)
    assert AnswerKey("b", "q", g, (), "json", None, 1).etag != AnswerKey("b", "q", (), g, "json", None, 1).etag


def test_pages_and_entity_documents_revalidate_with_304(server):
    for path in ("/", "/id/kwan-li-so-15.html", "/id/kwan-li-so-15.ttl", "/queries", "/ontology"):
        first = requests.get(server.url + path, timeout=30)
        assert first.status_code == 200 and first.headers.get("ETag"), path
        again = requests.get(server.url + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
        assert again.status_code == 304 and again.content == b"", path
        changed = requests.get(server.url + path, headers={"If-None-Match": '"something-else"'}, timeout=30)
        assert changed.status_code == 200 and changed.content == first.content, path
