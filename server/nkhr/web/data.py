"""Downloads: whole-dataset dumps, the read-only Graph Store Protocol, and the VoID description.

Dumps are the files of the build, served with the ETag recorded in build.json and the build's
Last-Modified, so clients and caches revalidate with 304s; a client that accepts gzip gets it
compressed (compressed once per process and kept). Every answer here (dumps, exports, graphs,
VoID) takes ``Range`` and ``If-Range`` (RFC 9110 14): an interrupted download resumes with a 206
instead of starting again, and If-Range with the ETag makes sure the rest is of the same build.
"""

from __future__ import annotations

import gzip
import json
import threading

from flask import Blueprint, Response, abort, request

from .. import formats
from ..built import DUMP_FORMATS, TABLES_DIR, dump_name
from ..content.service import void_graph
from ..serialize import graph_bytes
from .hosting import public_base
from .negotiation import NotAcceptable, choose_rdf_format, not_acceptable
from .sparql import plain_error, site

blueprint = Blueprint("data", __name__)

DUMP_FILES = {dump_name(fmt): fmt for fmt in DUMP_FORMATS}
_gzipped: dict[str, bytes] = {}
_gzip_lock = threading.Lock()


def _conditional(body: bytes, etag: str, content_type: str, compressible: bool = True) -> Response:
    """A response with ETag and Last-Modified that answers 304 to a matching conditional GET,
    and 206 (or 416) to a Range request. A Range request is answered uncompressed, so that its
    byte offsets are those of the file a client has half downloaded (``curl -C -``)."""
    the_site = site()
    use_gzip = (compressible and "gzip" in (request.headers.get("Accept-Encoding") or "")
                and "Range" not in request.headers)
    if use_gzip:
        with _gzip_lock:
            if etag not in _gzipped:
                _gzipped[etag] = gzip.compress(body, compresslevel=6, mtime=0)
            body = _gzipped[etag]
        etag = etag + "-gzip"
    response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.last_modified = the_site.built_at
    response.headers["Vary"] = "Accept-Encoding, Accept"
    response.headers["Cache-Control"] = "public, max-age=300"
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.make_conditional(request, accept_ranges=True, complete_length=len(body))    # changes it in place
    return response


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    if name not in DUMP_FILES:
        abort(404)
    the_site = site()
    content_type = formats.get(DUMP_FILES[name]).content_type
    return _conditional(the_site.file(name).read_bytes(), the_site.etag(name), content_type)


@blueprint.route("/dumps/tables/<name>")
def table(name: str) -> Response:
    """The CSV data package the build writes (nkhr.build.tables): datapackage.json and its tables."""
    path = f"{TABLES_DIR}/{name}"
    the_site = site()
    if path not in the_site.metadata["files"]:
        abort(404)
    content_type = "application/json" if name.endswith(".json") else "text/csv; charset=utf-8; header=present"
    return _conditional(the_site.file(path).read_bytes(), the_site.etag(path), content_type)


@blueprint.route("/dumps/tables/")
def table_index() -> Response:
    names = sorted(n.split("/", 1)[1] for n in site().metadata["files"] if n.startswith(f"{TABLES_DIR}/"))
    lines = [f"/dumps/tables/{n}\t{'application/json' if n.endswith('.json') else 'text/csv'}" for n in names]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@blueprint.route("/dumps/")
def dump_index() -> Response:
    lines = [f"/dumps/{name}\t{formats.get(fmt).media_type}" for name, fmt in DUMP_FILES.items()]
    lines.append("/dumps/tables/datapackage.json\tapplication/json (CSV tables: a Frictionless Data Package)")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@blueprint.route("/rdf-graphs", methods=["GET", "HEAD", "OPTIONS", "PUT", "POST", "DELETE", "PATCH"])
def graph_store() -> Response:
    """Graph Store Protocol, read-only: ?default (the union of all graphs) or ?graph=IRI.

    The writing methods are routed here only to be refused with a sentence; OPTIONS is answered
    here so that its Allow header lists what is served (GET, HEAD), not those methods.
    """
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, HEAD, OPTIONS"})
    if request.method not in ("GET", "HEAD"):
        response = plain_error(405, "The graph store is read-only: only GET and HEAD are served.")
        response.headers["Allow"] = "GET, HEAD"
        return response
    the_site = site()
    has_default, graph = "default" in request.args, request.args.get("graph")
    if has_default == (graph is not None):
        return plain_error(400, "Name exactly one graph: ?default (the union of all graphs) or ?graph=IRI "
                                f"with one of {', '.join(the_site.graphs)}.")
    if graph is not None and graph not in the_site.graphs:
        return plain_error(404, f"This dataset has no graph {graph}; it has {', '.join(the_site.graphs)}.")
    try:
        fmt = choose_rdf_format(request)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    result = the_site.engine.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {pattern}")
    body = fmt.write(result.triples)
    return _conditional(body, f"{the_site.dataset_etag}-{graph or 'default'}-{fmt.name}", fmt.content_type)


@blueprint.route("/.well-known/void")
def void() -> Response:
    the_site = site()
    try:
        fmt = choose_rdf_format(request)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    body = graph_bytes(void_graph(the_site, public_base()), fmt.name)
    return _conditional(body, f"{the_site.dataset_etag}-void-{fmt.name}", fmt.content_type)


CONTEXT_PATH = "/context.jsonld"


@blueprint.route(CONTEXT_PATH)
def jsonld_context() -> Response:
    """The JSON-LD @context of every JSON-LD document and answer here: the project's prefixes.

    Documents carry the same context inline (so they read without a second request); this is
    its stable address, for a client that compacts its own data to our terms (PyLD's
    ``compact(doc, "<server>/context.jsonld")``) or keeps one copy of it."""
    from ..vocab import PREFIXES
    body = (json.dumps({"@context": dict(sorted(PREFIXES.items()))}, indent=2) + "\n").encode("utf-8")
    return _conditional(body, f"{site().dataset_etag}-context", "application/ld+json")
