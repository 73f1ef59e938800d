"""The human pages: home, query editor, catalog, timeline, claims side by side, and the
front-end libraries they use (served from node_modules/, installed from npm at set-up)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from ..built import DUMP_FORMATS, dump_name
from ..formats import get as get_format
from ..vocab import PREFIXES
from .assets import VENDOR, send
from .hosting import public_base
from .negotiation import wants_html
from .sparql import execute, site

blueprint = Blueprint("pages", __name__)


@blueprint.app_template_filter("href")
def href(iri: str) -> str | None:
    """Where a browser should go for an IRI: our own IRIs are served here, at their path; other
    http(s) IRIs as they are. Anything else (javascript:, data:, file:) is no link at all."""
    from ..vocab import BASE
    if not iri:
        return None
    if iri.startswith(BASE):
        return "/" + iri[len(BASE):]
    return iri if iri.lower().startswith(("http://", "https://")) else None


@blueprint.route("/")
def home() -> str:
    the_site = site()
    dumps = [(dump_name(fmt), get_format(fmt).media_type) for fmt in DUMP_FORMATS]
    return render_template("home.html", metadata=the_site.metadata, catalog=list(the_site.catalog.values()),
                           dumps=dumps, built_at=the_site.built_at)


@blueprint.route("/editor")
def editor() -> str:
    """The query editor (YASGUI), pre-filled from the catalog; ?query=NAME opens that query."""
    the_site = site()
    catalog = [{"name": q.name, "title": q.title, "query": q.text} for q in the_site.catalog.values()]
    return render_template("editor.html", catalog=catalog, prefixes=PREFIXES,
                           selected=request.args.get("query", ""))


@blueprint.route("/timeline")
def timeline_page() -> str:
    from .timeline import timeline_page as filtered_timeline  # filters in the address, a time axis
    return filtered_timeline()


@blueprint.route("/claims")
def claims_page() -> ResponseReturnValue:
    from .claims import claims_page as filtered_claims  # filters in the address, CSV of the view
    return filtered_claims()


@blueprint.route("/vendor/<name>")
def vendor(name: str) -> Response:
    """An npm package's file (web/assets.py: compressed once, fingerprinted, cached for long)."""
    if name not in VENDOR:
        abort(404)
    asset = current_app.extensions["nkhr-assets"].vendor.get(name)
    if asset is None:
        return Response(f"{name} is not installed: run `make install` (npm ci) in the project folder.\n",
                        status=404, mimetype="text/plain")
    return send(asset)


@blueprint.route("/queries")
def catalog() -> Response:
    queries = list(site().catalog.values())
    if wants_html(request):
        response = make_response(render_template("queries.html", catalog=queries))
    else:
        response = jsonify([{"name": q.name, "title": q.title, "description": q.description,
                             "sections": q.sections, "url": public_base() + "queries/" + q.name,
                             "query": q.text} for q in queries])
    response.headers["Vary"] = "Accept"        # the page or the JSON, by Accept
    return response


@blueprint.route("/queries/<name>")
def run_named(name: str) -> Response:
    named = site().catalog.get(name)
    if named is None:
        abort(404)
    if wants_html(request) and "format" not in request.args:
        from .questions import question_page
        page = make_response(question_page(named))
        page.headers["Vary"] = "Accept"        # the page, or the answer (which says so too)
        return page
    return execute(named.text, [], [], catalog=True)   # ahead in the line; the time limit as any query


@blueprint.route("/queries/<name>.rq")
def query_text(name: str) -> Response:
    named = site().catalog.get(name)
    if named is None:
        abort(404)
    return Response(named.text, mimetype="application/sparql-query")
