"""The reconciliation service at /reconcile (W3C Reconciliation Service API 0.2), for OpenRefine.

``GET /reconcile`` is the service manifest; ``queries=`` (GET or form POST) a batch of
reconciliation queries; ``extend=`` a data extension; ``/reconcile/suggest/{entity,type,property}``
the autocomplete services; ``/reconcile/preview?id=`` a small HTML card; ``/reconcile/view?id=``
sends the browser to the thing's page; ``/reconcile/propose_properties`` the properties a type
can be extended with. The matching is ``nkhr.content.reconcile``. Limits: a batch holds at most
``MAX_BATCH`` queries of at most ``MAX_TEXT`` characters, an extension at most ``MAX_IDS`` ids
and ``MAX_PROPERTIES`` properties; bodies are capped at 1 MiB like every request; CORS and the
error style (400 with one sentence, never a traceback) are the endpoint's.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from flask import Blueprint, Response, request
from markupsafe import escape

from ..content.reconcile import (
    DEFAULT_TYPES,
    ID_SPACE,
    ONTOLOGY,
    PROPERTIES,
    PROPERTY,
    Reconciler,
    Thing,
    find_property,
    normalise_type,
    type_id,
)
from ..text import tokens
from ..vocab import BASE, PROV_AGENT  # PROV_AGENT: who states a claim, a person or a body
from .hosting import public_base
from .sparql import plain_error, site

blueprint = Blueprint("reconcile", __name__)

MAX_BATCH = 100
MAX_TEXT = 500
MAX_IDS = 500
MAX_PROPERTIES = 20
MAX_LIMIT = 50

_reconcilers: dict[int, tuple[str, Reconciler]] = {}
_lock = threading.Lock()


class BadRequest(Exception):
    """The request cannot be read; the message is the sentence the client gets with the 400."""


def reconciler() -> Reconciler:
    """One per served build and process, made on first use (a few SPARQL queries)."""
    the_site = site()
    with _lock:
        cached = _reconcilers.get(id(the_site))
        if cached is None or cached[0] != the_site.dataset_etag:
            cached = (the_site.dataset_etag, Reconciler(the_site.engine))
            _reconcilers[id(the_site)] = cached
        return cached[1]


def _json(payload: object, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, sort_keys=True), status=status,
                    mimetype="application/json")


def _param(name: str) -> str | None:
    values = request.args.getlist(name) + (request.form.getlist(name) if request.method == "POST" else [])
    if len(values) > 1:
        raise BadRequest(f"The request has {len(values)} '{name}' parameters; send one.")
    return values[0] if values else None


def _parse_json(text: str, name: str) -> object:
    try:
        parsed = json.loads(text)
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")    # "\ud800" parses, but is no character
        return parsed
    except UnicodeEncodeError:
        raise BadRequest(f"The '{name}' parameter holds an escaped lone surrogate (such as \\ud800), "
                         "which is not a character.") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The '{name}' parameter is not valid JSON ({exc.msg} at character {exc.pos}).") from None
    except RecursionError:
        raise BadRequest(f"The '{name}' parameter nests too deeply to be a reconciliation request.") from None


@blueprint.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> Response:
    return plain_error(400, str(error))


@blueprint.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    queries, single, extend = _param("queries"), _param("query"), _param("extend")
    if sum(x is not None for x in (queries, single, extend)) > 1:
        raise BadRequest("Send one of 'queries' (a batch), 'query' (one query) or 'extend' (a data extension).")
    if queries is not None:
        batch = _parse_json(queries, "queries")
        if not isinstance(batch, dict) or not batch:
            raise BadRequest("'queries' is a JSON object of queries by key, e.g. {\"q0\": {\"query\": \"Yodok\"}}.")
        if len(batch) > MAX_BATCH:      # the manifest's batchSize; the specification answers 413
            return plain_error(413, f"A batch holds at most {MAX_BATCH} queries (the manifest's batchSize); "
                                    f"this one has {len(batch)}. Send smaller batches.")
        return _json({key: {"result": _reconcile(query, key)} for key, query in batch.items()})
    if single is not None:
        query = _parse_json(single, "query") if single.lstrip().startswith("{") else {"query": single}
        return _json({"result": _reconcile(query, "query")})
    if extend is not None:
        return _json(_extend(_parse_json(extend, "extend")))
    return _json(manifest())


def manifest() -> dict[str, Any]:
    root = public_base()                 # configured, never the request's Host (web/hosting.py)
    service_url = root.rstrip("/")
    the = reconciler()
    return {
        "versions": ["0.2"],
        "batchSize": MAX_BATCH,
        "name": "North Korea human-rights knowledge graph",
        "identifierSpace": ID_SPACE,
        "schemaSpace": ONTOLOGY,
        "documentation": root,
        "view": {"url": root + "reconcile/view?id={{id}}"},
        "preview": {"url": root + "reconcile/preview?id={{id}}", "width": 420, "height": 180},
        "defaultTypes": [the.type_ref(type_id(name), broader=True) for name in DEFAULT_TYPES],
        "suggest": {kind: {"service_url": service_url, "service_path": f"/reconcile/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": service_url,
                                          "service_path": "/reconcile/propose_properties"},
                   "property_settings": []},
    }


def _reconcile(query: object, key: str) -> list[dict[str, Any]]:
    if not isinstance(query, dict):
        raise BadRequest(f"Query '{key[:40]}' is not a JSON object with a 'query' string.")
    text = query.get("query", "")
    constraints = _constraints(query.get("properties"), key)
    if not isinstance(text, str) or (not text.strip() and not constraints):
        raise BadRequest(f"Query '{key[:40]}' needs a 'query' string (the name to match).")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"Query '{key[:40]}' is {len(text)} characters long; a name is at most {MAX_TEXT}.")
    types = query.get("type")
    if isinstance(types, str):
        types = [types]
    if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        raise BadRequest(f"The 'type' of query '{key[:40]}' is a type id or a list of them.")
    limit = query.get("limit", 5)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 1:
        raise BadRequest(f"The 'limit' of query '{key[:40]}' is a positive number.")
    the = reconciler()
    found = the.candidates(text, types, int(min(limit, MAX_LIMIT)), constraints)
    exact = [c for c in found if c.exact]
    return [{"id": c.thing.iri, "name": c.thing.label, "description": c.thing.description,
             "score": c.score, "match": c.exact and len(exact) == 1,
             "type": the.type_refs(c.thing),
             "features": [{"id": name, "value": value} for name, value in sorted(c.features.items())]}
            for c in found]


def _constraints(properties: object, key: str) -> list[Any]:
    if properties is None:
        return []
    if not isinstance(properties, list) or len(properties) > MAX_PROPERTIES:
        raise BadRequest(f"The 'properties' of query '{key[:40]}' are a list of at most {MAX_PROPERTIES} "
                         "{\"pid\": ..., \"v\": ...} objects.")
    out = []
    for item in properties:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            raise BadRequest(f"Each property of query '{key[:40]}' is an object {{\"pid\": id, \"v\": value}}.")
        prop = find_property(item["pid"])
        if prop is None:
            raise BadRequest(f"'{item['pid'][:60]}' is not a property of this service; "
                             f"it knows {', '.join(p.id for p in PROPERTIES)}.")
        wanted = item["v"] if isinstance(item["v"], list) else [item["v"]]
        out.append((prop, wanted))
    return out


def _extend(query: object) -> dict[str, Any]:
    if not isinstance(query, dict) or not isinstance(query.get("ids"), list) \
            or not isinstance(query.get("properties"), list):
        raise BadRequest("'extend' is a JSON object {\"ids\": [...], \"properties\": [{\"id\": ...}]}.")
    ids, wanted = query["ids"], query["properties"]
    if len(ids) > MAX_IDS or len(wanted) > MAX_PROPERTIES:
        raise BadRequest(f"An extension asks for at most {MAX_IDS} ids and {MAX_PROPERTIES} properties.")
    if not all(isinstance(i, str) for i in ids):
        raise BadRequest("The 'ids' of an extension are strings (the ids reconciliation returned).")
    props = []
    for item in wanted:
        prop = find_property(item.get("id", "")) if isinstance(item, dict) and isinstance(item.get("id"), str) \
            else None
        if prop is None:
            raise BadRequest(f"Each property to fetch is {{\"id\": one of {', '.join(p.id for p in PROPERTIES)}}}.")
        props.append(prop)
    the = reconciler()
    values = the.values(ids, props)
    meta = []
    for prop in props:
        entry: dict[str, Any] = {"id": prop.id, "name": prop.name}
        if prop.range:
            range_id = PROV_AGENT if prop.range == "Agent" else type_id(prop.range)
            entry["type"] = {"id": range_id, "name": "agent" if prop.range == "Agent" else the.type_label(range_id)}
        meta.append(entry)
    rows = {i: {prop.id: [_cell(v) for v in values.get(i, {}).get(prop.id, [])] for prop in props} for i in ids}
    return {"meta": meta, "rows": rows}


def _cell(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"id": value["id"], "name": value["name"]} if value else {}
    if isinstance(value, bool):
        return {"str": "true" if value else "false"}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}
    return {"str": str(value)}


@blueprint.route("/reconcile/propose_properties")
def propose_properties() -> Response:
    wanted = normalise_type(request.args.get("type", ""))
    limit = _limit(request.args.get("limit"), len(PROPERTIES))
    the = reconciler()
    known = set(the.class_labels)
    if wanted and wanted not in known:
        raise BadRequest(f"'{wanted[:80]}' is not a type of this service; see /reconcile/suggest/type.")
    supers = {wanted} | _ancestors(wanted)
    chosen = [p for p in PROPERTIES if not p.types or supers & {type_id(t) for t in p.types}]
    return _json({"type": wanted, "limit": limit,
                  "properties": [{"id": p.id, "name": p.name, "description": p.description} for p in chosen[:limit]]})


def _ancestors(cls: str) -> set[str]:
    """The classes above ``cls`` (so that a PoliticalPrisonCamp gets the DetentionFacility properties)."""
    rows = site().engine.query(
        f"SELECT DISTINCT ?s WHERE {{ <{cls}> <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?s }}").rows \
        if cls.startswith(ONTOLOGY) else []
    return {row[0].value for row in rows if row[0] is not None}


def _limit(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadRequest("'limit' is a positive whole number.")
    return min(int(value), MAX_LIMIT)


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None or not prefix.strip():
        raise BadRequest("Give the text typed so far as ?prefix=.")
    if len(prefix) > MAX_TEXT:
        raise BadRequest(f"A prefix is at most {MAX_TEXT} characters.")
    return prefix


@blueprint.route("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    prefix, limit, skip = _prefix(), _limit(request.args.get("limit"), 10), _cursor()
    types = request.args.getlist("type") or None
    the = reconciler()
    return _json({"result": [{"id": t.iri, "name": t.label, "description": t.description,
                              "notable": the.type_refs(t)} for t in the.suggest(prefix, types, limit, skip)]})


def _cursor() -> int:
    """How many suggestions to skip (the specification's ``cursor``), to page through them."""
    value = request.args.get("cursor", "0")
    if not value.isdigit():
        raise BadRequest("'cursor' is the number of suggestions to skip, a whole number.")
    return min(int(value), 10_000)


@blueprint.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    prefix, limit, skip = _prefix(), _limit(request.args.get("limit"), 10), _cursor()
    words, the = tokens(prefix), reconciler()
    hits = [(label, iri) for iri, label in the.class_labels.items()
            if normalise_type(prefix.strip()) == iri or _holds(words, tokens(label) + tokens(iri.rsplit("#", 1)[-1]))]
    return _json({"result": [the.type_ref(iri, broader=True) for _, iri in sorted(hits)[skip:skip + limit]]})


@blueprint.route("/reconcile/suggest/property")
def suggest_property() -> Response:
    prefix, limit, skip = _prefix(), _limit(request.args.get("limit"), 10), _cursor()
    words = tokens(prefix)
    hits = [p for p in PROPERTIES
            if p.id == prefix.strip() or _holds(words, tokens(p.name) + tokens(p.id) + [p.id.lower()])]
    return _json({"result": [{"id": p.id, "name": p.name, "description": p.description}
                             for p in hits[skip:skip + limit]]})


def _holds(words: list[str], names: list[str]) -> bool:
    """Every word typed is a name's word, the last one possibly only its beginning."""
    if not words:
        return False
    *whole, last = words
    return all(w in names for w in whole) and any(n.startswith(last) for n in names)


class NotFound(Exception):
    """An id that names no thing of this dataset: a 404 with a sentence."""


@blueprint.errorhandler(NotFound)
def not_found(error: NotFound) -> Response:
    return plain_error(404, str(error))


def _thing() -> Thing:
    iri = request.args.get("id", "")
    if not iri.strip():
        raise BadRequest(f"Give the id of a thing reconciliation returned as ?id= (a full IRI, {ID_SPACE}...).")
    thing = reconciler().resolve(iri)
    if thing is None:
        raise NotFound(f"{iri[:120]} is not a thing of this dataset; reconcile a name to find its id.")
    return thing


@blueprint.route("/reconcile/view")
def view() -> Response:
    """The thing's page on this server (its IRI's path), so view links work before w3id redirects."""
    thing = _thing()
    return Response(status=303, headers={"Location": "/" + thing.iri[len(BASE):]})


@blueprint.route("/reconcile/preview")
def preview() -> Response:
    the = reconciler()
    thing = _thing()
    shown_properties = [PROPERTY[p] for p in ("officialName", "facilityNumber", "facilityStatus", "prisoners",
                                              "nationality")]
    facts = the.values([thing.iri], shown_properties)[thing.iri]
    rows = []
    for prop_id, values in facts.items():
        shown = [v["name"] if isinstance(v, dict) else f"{v:,}" if isinstance(v, int) else str(v)
                 for v in values if v != {}]
        if shown:
            rows.append(f"<dt>{escape(PROPERTY[prop_id].name)}</dt><dd>{escape(', '.join(shown))}</dd>")
    kinds = ", ".join(t["name"] for t in the.type_refs(thing))
    page = "/" + thing.iri[len(BASE):]
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(thing.label)}</title>
<style>body{{font:14px/1.4 system-ui,sans-serif;margin:8px;color:#222}}h1{{font-size:16px;margin:0}}
.kind{{color:#555;margin:2px 0 6px}}dl{{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:6px 0}}
dt{{color:#555}}dd{{margin:0}}p{{margin:4px 0}}</style></head>
<body><h1><a href="{escape(page)}" target="_blank" rel="noopener">{escape(thing.label)}</a></h1>
<div class="kind">{escape(kinds)}</div>
<p>{escape(thing.description)}</p>
<dl>{''.join(rows)}</dl>
</body></html>
"""
    response = Response(html, mimetype="text/html")
    # OpenRefine shows the card in an iframe of its own page: allow framing here, and here only.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                                   "frame-ancestors *; base-uri 'none'")
    return response
