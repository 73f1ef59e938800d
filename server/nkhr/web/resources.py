"""Dereferenceable IRIs: every IRI the project mints answers on this server.

``https://w3id.org/nkhr/<path>`` is served at ``/<path>``. Following the W3C "Cool URIs"
note for slash IRIs, the IRI of a thing (``/id/kwan-li-so-15``) answers 303 See Other with
the address of a document about it, chosen by content negotiation: ``.html`` for browsers,
and for machines a document in every RDF format the dumps are written in (``.ttl``, ``.nt``,
``.jsonld``, ``.rdf``, ``.trig``, ``.nq``, and ``.n3``), named by the extension of
``nkhr.formats``. The ontology's hash IRIs resolve to ``/ontology``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue

from ..content.entity import describe, description_graph, exists
from ..formats import Format
from ..query.engine import QueryEngine, QuerySyntaxError
from ..vocab import BASE, GRAPH_ONTOLOGY
from .negotiation import RDF, NotAcceptable, choose_rdf_format, not_acceptable, wants_html
from .sparql import site

blueprint = Blueprint("resources", __name__)

DOCUMENT_FORMATS: dict[str, Format] = {f.extension: f for f in RDF}
DOCUMENT_EXTENSIONS = ("html", *DOCUMENT_FORMATS)


def alternates(iri: str) -> str:
    """A Link header value naming the document about ``iri`` in every format (RFC 8288 alternates)."""
    path = "/" + iri[len(BASE):]
    links = [f'<{path}.html>; rel="alternate"; type="text/html"']
    links += [f'<{path}.{extension}>; rel="alternate"; type="{f.media_type}"'
              for extension, f in DOCUMENT_FORMATS.items()]
    return ", ".join(links)


def _candidates(path: str) -> list[str]:
    """IRIs a request path may stand for: as sent, decoded, and re-encoded (an apostrophe as %27)."""
    decoded = unquote(path)
    forms = [path, decoded, quote(decoded, safe="/-_.~()!*:@,;=+$&"), quote(decoded, safe="/-_.~()!*:@,;=+$&'")]
    return list(dict.fromkeys(BASE + form for form in forms))


# What may stand between < and > in a SPARQL IRI. A request path can hold anything (a space,
# a quote, a NUL, a backslash, a bad %-escape); such a path names none of our IRIs, and must
# not reach the engine as query text, where it is a syntax error (it was a 500).
_IRI_CHARACTERS = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')


def _names_a_resource(engine: QueryEngine, iri: str) -> bool:
    if not _IRI_CHARACTERS.fullmatch(iri):
        return False
    try:
        return exists(engine, iri)
    except QuerySyntaxError:        # not an IRI at all, e.g. "%ZZ"
        return False


def _find(path: str) -> str | None:
    engine = site().engine
    return next((iri for iri in _candidates(path) if _names_a_resource(engine, iri)), None)


@blueprint.route("/id/<path:rest>")
def resource(rest: str) -> ResponseReturnValue:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    raw_rest = raw.split("?", 1)[0][len("/id/"):] if raw.startswith("/id/") else rest
    stem, dot, extension = raw_rest.rpartition(".")
    if dot and extension in DOCUMENT_EXTENSIONS:
        iri = _find("id/" + stem)
        if iri is not None:
            return document(iri, extension)
    iri = _find("id/" + raw_rest)
    if iri is None:
        abort(404)
    if wants_html(request) and not request.args.get("format"):
        target = "html"
    else:
        try:
            target = choose_rdf_format(request).extension
        except NotAcceptable as exc:
            return not_acceptable(exc)
    response = redirect("/" + iri[len(BASE):] + "." + target, code=303)
    response.headers["Vary"] = "Accept"
    return response


def document(iri: str, extension: str) -> Response:
    """The document about ``iri``: an HTML page or an RDF description."""
    engine = site().engine
    if extension == "html":
        response = Response(render_template("entity.html", d=describe(engine, iri), base=BASE,
                                            formats=DOCUMENT_FORMATS), mimetype="text/html")
    else:
        fmt = DOCUMENT_FORMATS[extension]
        response = Response(fmt.write(description_graph(engine, iri).triples), content_type=fmt.content_type)
        response.headers["Link"] = f'<{iri}>; rel="describes"'
    response.headers["Link"] = ", ".join(filter(None, [response.headers.get("Link"), alternates(iri)]))
    return response


@blueprint.route("/ontology")
def ontology() -> ResponseReturnValue:
    """The ontology: its documentation page for browsers, the ontology graph for machines."""
    the_site = site()
    if wants_html(request) and not request.args.get("format"):
        from ..content.ontology import ontology_docs
        return Response(render_template("ontology.html", o=ontology_docs(the_site.engine, the_site.shapes)),
                        mimetype="text/html")
    try:
        fmt = choose_rdf_format(request)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    result = the_site.engine.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}")
    response = Response(fmt.write(result.triples), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/graph/<name>")
def named_graph(name: str) -> ResponseReturnValue:
    """A named graph's IRI: 303 to its contents in the Graph Store."""
    iri = BASE + "graph/" + name
    if iri not in site().graphs:
        abort(404)
    return redirect("/rdf-graphs?graph=" + quote(iri, safe=""), code=303)
