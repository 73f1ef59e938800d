"""The reconciliation service (/reconcile) on a real server, every answer checked against the
Reconciliation Service API 0.2 JSON schemas (../shared/specs/reconciliation-0.2/)."""

from __future__ import annotations

import json

import pytest
import requests

from support import ROOT

SPECS = ROOT.parent / "shared" / "specs" / "reconciliation-0.2"
YODOK = "https://w3id.org/nkhr/id/kwan-li-so-15"
CAMP = "https://w3id.org/nkhr/ontology#PoliticalPrisonCamp"


@pytest.fixture(scope="module")
def schemas():
    """A validator per schema file, resolving their references (type.json) among the files."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7
    if not SPECS.is_dir():
        pytest.skip(f"the reconciliation schemas are not at {SPECS}")
    documents = {path.name: json.loads(path.read_text()) for path in SPECS.glob("*.json")}
    registry = Registry().with_resources(
        (document["$id"], Resource.from_contents(document, default_specification=DRAFT7))
        for document in documents.values() if "$id" in document)

    def check(name: str, payload: object) -> None:
        errors = list(Draft7Validator(documents[name], registry=registry).iter_errors(payload))
        assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
    return check


def reconcile(server, queries: dict) -> dict:
    response = requests.post(server.url + "/reconcile", data={"queries": json.dumps(queries)}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_manifest(server, schemas):
    response = requests.get(server.url + "/reconcile", timeout=30)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    schemas("manifest.json", manifest)
    assert manifest["identifierSpace"] == "https://w3id.org/nkhr/id/"
    assert manifest["batchSize"] == 100
    camp = next(t for t in manifest["defaultTypes"] if t["id"] == CAMP)
    assert camp["name"] == "political prison camp"
    assert [up["id"] for up in camp["broader"]] == ["https://w3id.org/nkhr/ontology#DetentionFacility"]
    view = requests.get(manifest["view"]["url"].replace("{{id}}", YODOK), timeout=30, allow_redirects=False)
    assert view.status_code == 303 and view.headers["Location"].endswith("/id/kwan-li-so-15")


def test_the_manifest_never_names_the_requests_host(server):
    """Its URLs come from the server's configured address: a foreign Host header is found nowhere."""
    from support import raw_http
    request = b"GET /reconcile HTTP/1.1\r\nHost: evil-host.example\r\nConnection: close\r\n\r\n"
    status, headers, body = raw_http(server.port, request)
    assert status == 200 and b"evil-host" not in body and "evil-host" not in str(headers)
    assert json.loads(body)["view"]["url"].startswith(f"http://127.0.0.1:{server.port}/reconcile/view")


def test_yodok_camp_15_and_the_official_name_reconcile_to_yodok(server, schemas):
    batch = {"q0": {"query": "Yodok"}, "q1": {"query": "Camp 15"}, "q2": {"query": "kwan-li-so no. 15"},
             "q3": {"query": "Kwan-li-so No. 15", "type": CAMP, "limit": 3}}
    schemas("reconciliation-query-batch.json", batch)
    answer = reconcile(server, batch)
    schemas("reconciliation-result-batch.json", answer)
    for key in batch:
        assert answer[key]["result"][0]["id"] == YODOK, (key, answer[key]["result"][:2])
    assert answer["q2"]["result"][0]["match"] is True and answer["q3"]["result"][0]["match"] is True
    assert answer["q2"]["result"][0]["score"] == 100
    # Neither "Yodok" nor "Camp 15" is a name of the camp: candidates, not matches ("Camp 15" could
    # also be the re-education camp Kyo-hwa-so No. 15, which comes second).
    assert not any(c["match"] for c in answer["q0"]["result"] + answer["q1"]["result"])
    assert answer["q1"]["result"][1]["id"] == "https://w3id.org/nkhr/id/kyo-hwa-so-15"
    assert {"id": CAMP, "name": "political prison camp"} in answer["q0"]["result"][0]["type"]


def test_an_unknown_name_gets_no_match(server):
    answer = reconcile(server, {"q0": {"query": "Camp Nonexistent 999"}, "q1": {"query": "Zzyzx Qwerty"}})
    assert not any(c["match"] for q in answer.values() for c in q["result"])
    assert answer["q1"]["result"] == []


def test_the_number_in_a_name_must_agree(server):
    answer = reconcile(server, {"q0": {"query": "Camp 16"}})
    ids = [c["id"] for c in answer["q0"]["result"]]
    assert ids[0] == "https://w3id.org/nkhr/id/kwan-li-so-16" and YODOK not in ids


def test_type_restriction_and_property_constraints(server):
    answer = reconcile(server, {
        "re": {"query": "Camp 15", "type": "https://w3id.org/nkhr/ontology#ReeducationCamp"},
        "number": {"query": "camp", "type": CAMP, "properties": [{"pid": "facilityNumber", "v": 15}]},
        "country": {"query": "Michael Kirby", "properties": [{"pid": "country", "v": "Australia"}]},
        "wrong": {"query": "Michael Kirby", "properties": [{"pid": "nationality", "v": "Japan"}]},
    })
    assert answer["re"]["result"][0]["id"] == "https://w3id.org/nkhr/id/kyo-hwa-so-15"
    assert YODOK not in [c["id"] for c in answer["re"]["result"]]
    assert [c["id"] for c in answer["number"]["result"]] == [YODOK]
    assert answer["country"]["result"][0]["id"] == "https://w3id.org/nkhr/id/michael-kirby"
    assert answer["country"]["result"][0]["match"] is True
    # A contradicting value drops the candidate; a candidate with no value for it stays, lower.
    assert "https://w3id.org/nkhr/id/michael-kirby" not in [c["id"] for c in answer["wrong"]["result"]]


def test_suggest_services(server, schemas):
    entity = requests.get(server.url + "/reconcile/suggest/entity", params={"prefix": "yod"}, timeout=30).json()
    schemas("suggest-entities-response.json", entity)
    assert entity["result"][0]["id"] == YODOK
    types = requests.get(server.url + "/reconcile/suggest/type", params={"prefix": "political pri"}, timeout=30)
    schemas("suggest-types-response.json", types.json())
    assert [t["id"] for t in types.json()["result"]] == [CAMP]
    props = requests.get(server.url + "/reconcile/suggest/property", params={"prefix": "facility n"}, timeout=30)
    schemas("suggest-properties-response.json", props.json())
    assert [p["id"] for p in props.json()["result"]] == ["facilityNumber"]


def test_preview_is_a_small_card(server):
    response = requests.get(server.url + "/reconcile/preview", params={"id": YODOK}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "Yodok Political Prison Camp" in response.text and "Kwan-li-so No. 15" in response.text
    assert "46,500" in response.text and "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_data_extension_fetches_number_and_prisoner_figures_with_authors(server, schemas):
    proposal = requests.get(server.url + "/reconcile/propose_properties", params={"type": CAMP}, timeout=30).json()
    schemas("data-extension-property-proposal.json", proposal)
    assert {"facilityNumber", "prisoners", "prisonersAuthor"} <= {p["id"] for p in proposal["properties"]}
    query = {"ids": [YODOK, "https://w3id.org/nkhr/id/kwan-li-so-14"],
             "properties": [{"id": p} for p in ("officialName", "facilityNumber", "facilityStatus", "area",
                                                 "prisoners", "prisonersAuthor", "prisonersClaim")]}
    schemas("data-extension-query.json", query)
    response = requests.post(server.url + "/reconcile", data={"extend": json.dumps(query)}, timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    schemas("data-extension-response.json", answer)
    yodok = answer["rows"][YODOK]
    assert yodok["officialName"] == [{"str": "Kwan-li-so No. 15"}] and yodok["facilityNumber"] == [{"int": 15}]
    assert yodok["facilityStatus"] == [{"id": "https://w3id.org/nkhr/ontology#Operating", "name": "operating"}]
    assert yodok["prisoners"] == [{"int": 46500}] and yodok["prisonersAuthor"] == [{}]
    assert sorted(cell["int"] for cell in yodok["area"]) == [146, 378]
    assert "stated as fact" in yodok["prisonersClaim"][0]["str"]
    # A qualified figure keeps its qualifier: the Chongjin camp holds "at least" 3,000.
    chongjin = requests.post(server.url + "/reconcile", timeout=30, data={"extend": json.dumps(
        {"ids": ["https://w3id.org/nkhr/id/kwan-li-so-25"], "properties": [{"id": "prisoners"}]})}).json()
    assert chongjin["rows"]["https://w3id.org/nkhr/id/kwan-li-so-25"]["prisoners"] == [{"str": "at least 3000"}]
    types = {entry["id"]: entry.get("type", {}).get("id") for entry in answer["meta"]}
    assert types["facilityStatus"] == "https://w3id.org/nkhr/ontology#FacilityStatus"
    assert types["prisonersAuthor"] == "http://www.w3.org/ns/prov#Agent" and types["prisoners"] is None


@pytest.mark.parametrize("params, says", [
    ({"queries": "{not json"}, "not valid JSON"),
    ({"queries": "[1, 2]"}, "JSON object of queries"),
    ({"queries": json.dumps({"q": {"query": 5}})}, "needs a 'query' string"),
    ({"queries": json.dumps({"q": {"query": "x", "properties": [{"pid": "shoeSize", "v": 1}]}})}, "not a property"),
    ({"extend": json.dumps({"ids": [YODOK], "properties": [{"id": "nope"}]})}, "Each property to fetch"),
    ({"queries": "{}", "extend": "{}"}, "Send one of"),
])
def test_bad_input_gets_a_400_with_a_sentence(server, params, says):
    response = requests.get(server.url + "/reconcile", params=params, timeout=30)
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/plain")
    assert says in response.text and "Traceback" not in response.text


HOSTILE = [
    {"queries": "[" * 50_000}, {"queries": json.dumps({"q": {"query": "x" * 501}})},
    {"queries": json.dumps({"q": {"query": "Yodok", "limit": -1}})},
    {"queries": json.dumps({"q": {"query": "Yodok", "limit": True}})},
    {"queries": json.dumps({"q": {"query": "Yodok", "type": {"a": 1}}})},
    {"queries": json.dumps({"q": {"query": "Yodok", "properties": "facilityNumber"}})},
    {"queries": json.dumps({"q": {"query": "Yodok", "properties": [{"pid": 5, "v": 1}]}})},
    {"queries": json.dumps({"q": {"query": "\u0000\ud800 > <script>"}})},
    {"queries": json.dumps({"\ud800": {"query": 5}})},
    {"queries": json.dumps({"q": {"query": "x", "properties": [{"pid": "\udfff", "v": 1}]}})},
    {"queries": json.dumps({"q": "Yodok"})}, {"query": "{bad"}, {"extend": "[]"},
    {"extend": json.dumps({"ids": [1, 2], "properties": [{"id": "facilityNumber"}]})},
    {"extend": json.dumps({"ids": ["x"] * 501, "properties": []})},
]


def test_hostile_input_never_gets_a_500(server):
    """Bounded: each request once, by GET and by form POST; every answer is a 200 or a 4xx sentence."""
    for params in HOSTILE:
        for response in (requests.get(server.url + "/reconcile", params=params, timeout=30),
                         requests.post(server.url + "/reconcile", data=params, timeout=30)):
            assert response.status_code in (200, 400, 413, 414), (params, response.status_code, response.text[:200])
            assert "Traceback" not in response.text
    for path, params, status in (("/reconcile/preview", {"id": "https://example.org/x"}, 404),
                                 ("/reconcile/preview", {}, 400), ("/reconcile/view", {"id": ""}, 400),
                                 ("/reconcile/suggest/entity", {}, 400),
                                 ("/reconcile/suggest/entity", {"prefix": "yo", "cursor": "-1"}, 400),
                                 ("/reconcile/propose_properties", {"type": "nkhr:Nothing"}, 400)):
        response = requests.get(server.url + path, params=params, timeout=30)
        assert response.status_code == status, (path, params, response.status_code, response.text[:200])


def test_a_batch_larger_than_the_manifest_says_gets_413(server):
    response = requests.post(server.url + "/reconcile", timeout=30,
                             data={"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(101)})})
    assert response.status_code == 413 and "at most 100 queries" in response.text


def test_an_id_or_properties_alone_reconcile(server):
    """The specification: an id as the query returns that thing; a query may be properties only."""
    answer = reconcile(server, {
        "iri": {"query": YODOK}, "local": {"query": "kwan-li-so-15"},
        "number": {"type": CAMP, "properties": [{"pid": "facilityNumber", "v": "15"}]},
        "any camp 15": {"properties": [{"pid": "facilityNumber", "v": 15}]},
    })
    for key in ("iri", "local", "number"):
        assert answer[key]["result"][0]["id"] == YODOK and answer[key]["result"][0]["match"] is True, key
    assert answer["number"]["result"][1:] == []
    both = answer["any camp 15"]["result"]
    assert {c["id"] for c in both} == {YODOK, "https://w3id.org/nkhr/id/kyo-hwa-so-15"}
    assert not any(c["match"] for c in both)


def test_suggest_pages_with_cursor(server):
    first = requests.get(server.url + "/reconcile/suggest/entity", params={"prefix": "kyo", "limit": 2},
                         timeout=30).json()["result"]
    second = requests.get(server.url + "/reconcile/suggest/entity",
                          params={"prefix": "kyo", "limit": 2, "cursor": 2}, timeout=30).json()["result"]
    assert len(first) == len(second) == 2 and not {t["id"] for t in first} & {t["id"] for t in second}


def test_the_data_package_is_served(server):
    descriptor = requests.get(server.url + "/dumps/tables/datapackage.json", timeout=30)
    assert descriptor.status_code == 200 and descriptor.json()["profile"] == "tabular-data-package"
    claims = requests.get(server.url + "/dumps/tables/claims.csv", timeout=30)
    assert claims.headers["Content-Type"].startswith("text/csv") and claims.headers.get("ETag")
    assert claims.text.startswith("iri,label,about,about_label,")
    assert requests.get(server.url + "/dumps/tables/nothing.csv", timeout=30).status_code == 404
    assert "/dumps/tables/claims.csv" in requests.get(server.url + "/dumps/tables/", timeout=30).text

