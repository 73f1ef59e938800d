"""Search without SPARQL: /search (a page grouped by kind, or JSON) and /search/suggest (the header box).

Both read the build's search index (``search.sqlite`` in dist/, see ``nkhr.query.search``): no
query is computed per request beyond the index look-up. The index is opened once per process,
on first use, beside the other files of the build the site serves.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from ..query.search import SEARCH_FILE, Hit, SearchError, SearchIndex, SearchResults
from ..vocab import PREFIXES, curie
from .site import Site
from .sparql import plain_error

blueprint = Blueprint("search", __name__)

PAGE_SIZE = 50          # hits on a page of one kind
PER_KIND = 5            # hits shown per kind on the grouped page
GROUPED_POOL = 300      # best hits the grouped page draws its groups from
MAX_QUERY = 200         # characters of a query read


def site() -> Site:
    """The served build, typed (``sparql.site`` is the same object, untyped)."""
    return cast(Site, current_app.extensions["nkhr"])


def search_index() -> SearchIndex:
    """The build's index, opened once per process (and again if the site now serves another build)."""
    path = site().file(SEARCH_FILE)
    index = current_app.extensions.get("nkhr-search")
    if index is None or index.path != path:
        index = SearchIndex(path)
        current_app.extensions["nkhr-search"] = index
    return index


def wants_json_answer() -> bool:
    """JSON for ``?format=json`` or a client preferring it to HTML; a browser (``*/*`` or HTML) gets the page."""
    if request.args.get("format"):
        return request.args.get("format") == "json"
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@blueprint.app_errorhandler(SearchError)
def index_missing(error: SearchError) -> ResponseReturnValue:
    """A build without a search index (written before there was one): say how to get it."""
    return plain_error(503, f"Search is not available: {error}.")


@blueprint.app_template_filter("kind_param")
def kind_param(kind: str) -> str:
    """A kind as it reads in an address: nkhr:Person rather than the whole IRI."""
    return curie(kind) or kind


def _kinds() -> list[str]:
    """The ?kind= values, as IRIs; a prefixed name such as nkhr:Person is expanded."""
    kinds = []
    for kind in request.args.getlist("kind"):
        prefix, colon, local = kind.partition(":")
        if colon and not local.startswith("//") and prefix in PREFIXES:
            kind = PREFIXES[prefix] + local
        if kind:
            kinds.append(kind)
    return kinds


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@blueprint.route("/search")
def search_page() -> ResponseReturnValue:
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    kinds = _kinds()
    page = _page_number()
    wants_json = wants_json_answer()
    if not text:
        if wants_json:
            return plain_error(400, "Give the words to look for as ?q=, for example /search?q=yodok&format=json.")
        return render_template("search.html", q="", results=None, groups=[], kinds=kinds, page=1, pages=0)
    index = search_index()
    if wants_json:
        try:
            limit = max(1, min(int(request.args.get("limit", PAGE_SIZE)), 1000))
        except ValueError:
            return plain_error(400, "limit= must be a whole number from 1 to 1000.")
        results = index.search(text, kinds=kinds or None, limit=limit, offset=(page - 1) * limit)
        response = jsonify(results.as_json())
        return response
    if kinds:
        results = index.search(text, kinds=kinds, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        groups = [(kinds[0], _kind_label(results, kinds[0]), results.total, results.hits)]
    else:
        results = index.search(text, limit=GROUPED_POOL)
        groups = _grouped(results)
    pages = (results.total + PAGE_SIZE - 1) // PAGE_SIZE if kinds else 1
    return render_template("search.html", q=text, results=results, groups=groups, kinds=kinds,
                           page=page, pages=pages, per_kind=PER_KIND)


def _kind_label(results: SearchResults, kind: str) -> str:
    return next((label for k, label, _ in results.kinds if k == kind), kind.rsplit("#", 1)[-1])


def _grouped(results: SearchResults) -> list[tuple[str, str, int, list[Hit]]]:
    """The hits by kind, kinds in the order of their best hit, each with its count in all."""
    counts = {kind: (label, n) for kind, label, n in results.kinds}
    groups: dict[str, list[Hit]] = {}
    for hit in results.hits:
        groups.setdefault(hit.kind, []).append(hit)
    for kind in counts:                  # kinds whose hits all fell below the pool still show their count
        groups.setdefault(kind, [])
    return [(kind, counts.get(kind, (hits[0].kind_label if hits else kind, len(hits)))[0],
             counts.get(kind, ("", len(hits)))[1], hits[:PER_KIND]) for kind, hits in groups.items()]


MAX_LABELS = 5000


@blueprint.route("/search/labels", methods=["POST"])
def labels() -> ResponseReturnValue:
    """Labels of this dataset's IRIs, for pages that show query results (the editor's table and chart).

    POST a JSON list of IRIs (or ``{"iris": [...]}``); the answer maps each IRI the index knows to
    its label, kind and the local page that shows it. Read from the search index, not by SPARQL.
    """
    body = request.get_json(silent=True)
    iris = body.get("iris") if isinstance(body, dict) else body
    if not isinstance(iris, list) or not all(isinstance(i, str) for i in iris):
        return plain_error(400, 'POST a JSON list of IRIs, for example ["https://w3id.org/nkhr/id/kwan-li-so-15"].')
    if len(iris) > MAX_LABELS:
        return plain_error(413, f"Ask for at most {MAX_LABELS} IRIs at a time.")
    from .pages import href
    found = search_index().labels(iris)
    return jsonify({iri: {"label": label, "kind": kind, "href": href(iri)} for iri, (label, kind) in found.items()})


@blueprint.route("/search/suggest")
def suggest() -> ResponseReturnValue:
    """Names for the search box, as the user types (from 2 characters): label, kind and local link."""
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return jsonify({"query": text, "suggestions": []})
    from .pages import href
    hits = search_index().suggest(text, limit=8)
    return jsonify({"query": text, "suggestions": [
        {"label": h.label, "kind": h.kind_label, "iri": h.iri, "href": href(h.iri),
         "matched": h.matched if h.matched != h.label else None} for h in hits]})
