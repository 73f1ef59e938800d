"""Browse by kind: /browse lists every class with its instance count, /browse/<Class> its instances.

A class's page is a table with the columns of its kind (``nkhr.content.browse``), paged
(``?page=``, ``?size=``), sortable (``?sort=<column>&order=desc``) and filtered (``?filter=``
words); ``?format=csv`` and ``?format=json`` (and the links on the page, which carry the same
parameters) download exactly the rows the page shows. A class's rows are computed once per
process and build, then served from memory.
"""

from __future__ import annotations

import csv
import io
import threading
from typing import Any, cast

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from ..content.browse import (
    ClassEntry,
    Column,
    Row,
    class_index,
    columns_for,
    fill,
    filtered,
    instance_labels,
    instances,
    ordered,
)
from .hosting import public_base
from .search import site
from .sparql import plain_error

blueprint = Blueprint("browse", __name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_lock = threading.RLock()


def _cache() -> dict[Any, Any]:
    cache = current_app.extensions.setdefault("nkhr-browse", {})
    if cache.get("dist") != site().dist:
        cache.clear()
        cache["dist"] = site().dist
    return cast(dict[Any, Any], cache)


def index_entries() -> list[ClassEntry]:
    cache = _cache()
    with _lock:
        if "index" not in cache:
            cache["index"] = class_index(site().engine)
        return cast(list[ClassEntry], cache["index"])


# Above this many instances a class's cells are computed for the page shown only (a few small
# queries), and its list sorts and filters by name: computing every cell of 100,000 claims would
# take longer than a request may.
LARGE_CLASS = 10_000


def class_rows(name: str) -> tuple[ClassEntry | None, list[Column], list[Row]]:
    entries = {entry.name: entry for entry in index_entries()}
    entry = entries.get(name)
    if entry is None:
        return None, [], []
    cache = _cache()
    with _lock:
        if ("rows", name) not in cache:
            columns = columns_for(name, index_entries())
            rows = (instance_labels(site().engine, entry.iri) if entry.instances > LARGE_CLASS
                    else instances(site().engine, entry.iri, columns))
            cache[("rows", name)] = (columns, rows)
        columns, rows = cache[("rows", name)]
    return entry, columns, rows


@blueprint.route("/id")
@blueprint.route("/id/")
def id_root() -> ResponseReturnValue:
    """Our IRIs' common root names no resource; send a person to the list of kinds."""
    return redirect("/browse", code=303)


@blueprint.route("/browse")
def browse_index() -> ResponseReturnValue:
    entries = index_entries()
    if request.args.get("format") == "json":
        return jsonify([{"class": e.iri, "name": e.name, "label": e.label, "instances": e.instances,
                         "url": public_base() + "browse/" + e.name} for e in entries])
    return render_template("browse_index.html", entries=entries)


def _int(name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(int(request.args.get(name, default)), high))
    except ValueError:
        return default


@blueprint.route("/browse/<name>")
def browse_class(name: str) -> ResponseReturnValue:
    entry, columns, rows = class_rows(name)
    if entry is None:
        abort(404)
    large = entry.instances > LARGE_CLASS
    keys = {"label"} if large else {"label"} | {c.key for c in columns}
    sort = request.args.get("sort") or "label"
    if sort not in keys:
        if large:
            return plain_error(400, f"This kind has {entry.instances:,} instances: its list sorts by name only.")
        return plain_error(400, f"sort= must be one of {', '.join(sorted(keys))}.")
    descending = request.args.get("order") == "desc"
    text = (request.args.get("filter") or "").strip()[:200]
    size = _int("size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    shown_all = ordered(filtered(rows, text), sort, descending)
    pages = max(1, (len(shown_all) + size - 1) // size)
    page = _int("page", 1, 1, pages)
    shown = shown_all[(page - 1) * size: page * size]
    if large:                  # cells for this page only, on copies: the cached rows stay bare
        shown = [Row(r.iri, r.label, {}) for r in shown]
        fill(site().engine, entry.iri, shown, columns, only=True)
    fmt = request.args.get("format")
    if fmt == "csv":
        return _csv(name, columns, shown)
    if fmt == "json":
        return jsonify({"class": entry.iri, "label": entry.label, "total": len(shown_all), "page": page,
                        "pages": pages, "size": size, "filter": text, "sort": sort,
                        "order": "desc" if descending else "asc",
                        "columns": [{"key": "label", "header": "Name"}]
                        + [{"key": c.key, "header": c.header} for c in columns],
                        "rows": [{"iri": r.iri, "label": r.label,
                                  **{c.key: r.cells[c.key].as_json() for c in columns}} for r in shown]})
    if fmt:
        return plain_error(400, "format= is csv or json here; leave it out for the page.")
    headers = [("label", "Name")] + [(c.key, c.header) for c in columns]
    return render_template("browse_class.html", entry=entry, columns=columns, headers=headers, rows=shown,
                           total=len(shown_all), all_count=len(rows), page=page, pages=pages, size=size,
                           filter=text, sort=sort, large=large,
                           descending=descending)


def _csv(name: str, columns: list[Column], shown: list[Row]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "Name", *(c.header for c in columns)])
    for row in shown:
        writer.writerow([row.iri, row.label, *(row.cells[c.key].text for c in columns)])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
