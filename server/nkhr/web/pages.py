"""The home page and the catalog of named queries (/queries, /queries/NAME)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ..dist import DUMP_FORMATS, dump_name
from ..serialize import FORMATS
from .negotiation import wants_html
from .sparql import execute, site

blueprint = Blueprint("pages", __name__)


@blueprint.route("/")
def home():
    the_site = site()
    dumps = [(dump_name(fmt), FORMATS[fmt][1]) for fmt in DUMP_FORMATS]
    return render_template("home.html", metadata=the_site.metadata, catalog=list(the_site.catalog.values()),
                           dumps=dumps, built_at=the_site.built_at)


@blueprint.route("/queries")
def catalog():
    queries = list(site().catalog.values())
    if wants_html(request.accept_mimetypes):
        return render_template("queries.html", catalog=queries)
    return jsonify([{"name": q.name, "title": q.title, "description": q.description,
                     "sections": q.sections, "url": request.url_root + "queries/" + q.name,
                     "query": q.text} for q in queries])


@blueprint.route("/queries/<name>")
def run_named(name: str):
    named = site().catalog.get(name)
    if named is None:
        abort(404)
    if wants_html(request.accept_mimetypes) and "format" not in request.args:
        return render_template("query.html", q=named)
    return execute(named.text, [], [])


@blueprint.route("/queries/<name>.rq")
def query_text(name: str):
    named = site().catalog.get(name)
    if named is None:
        abort(404)
    return Response(named.text, mimetype="application/sparql-query")
