"""Graph exports for visualisers: GraphML, GEXF, Cytoscape.js JSON and DOT, and one entity's neighbourhood.

The property graph is built from the served dataset once per process and each file is written
once; answers carry an ETag derived from the build, so clients revalidate with 304s.
``/exports/neighbourhood?iri=IRI`` gives the Cytoscape.js JSON that entity pages draw.
"""

from __future__ import annotations

import hashlib
import threading

from flask import Blueprint, Response, abort, request

from ..exports.model import FORMATS, PropertyGraph, build_graph, render, to_cytoscape
from .data import _conditional
from .sparql import plain_error, site

blueprint = Blueprint("exports", __name__)

FILES = {file_name: fmt for fmt, (file_name, _media) in FORMATS.items()}
_graphs: dict[str, PropertyGraph] = {}         # build -> its property graph
_files: dict[tuple[str, str], bytes] = {}      # (build, format) -> the file
_lock = threading.Lock()


def _graph() -> PropertyGraph:
    the_site = site()
    with _lock:
        key = the_site.dataset_etag
        if key not in _graphs:
            _graphs[key] = build_graph(the_site.engine)
        return _graphs[key]


def _file(fmt: str) -> bytes:
    graph = _graph()
    with _lock:
        key = (site().dataset_etag, fmt)
        if key not in _files:
            _files[key] = render(graph, fmt)
        return _files[key]


@blueprint.route("/exports/<name>")
def export(name: str) -> Response:
    if name not in FILES:
        abort(404)
    fmt = FILES[name]
    return _conditional(_file(fmt), f"{site().dataset_etag}-graph-{fmt}", FORMATS[fmt][1])


@blueprint.route("/exports/")
def export_index() -> Response:
    lines = [f"/exports/{file_name}\t{media}" for file_name, media in FORMATS.values()]
    lines.append("/exports/neighbourhood?iri=IRI\tapplication/json")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@blueprint.route("/exports/neighbourhood")
def neighbourhood() -> Response:
    """An entity, the nodes one edge away in either direction (claims about it included), and the edges among them."""
    iri = request.args.get("iri", "").strip()
    if not iri:
        return plain_error(400, "Name the entity: /exports/neighbourhood?iri=IRI "
                                "(for example https://w3id.org/nkhr/id/kwan-li-so-15).")
    try:
        part = _graph().neighbourhood(iri)
    except KeyError:
        return plain_error(404, f"The graph has no entity {iri}.")
    tag = hashlib.sha256(iri.encode()).hexdigest()[:16]
    return _conditional(to_cytoscape(part), f"{site().dataset_etag}-neighbourhood-{tag}", "application/json",
                        compressible=False)
