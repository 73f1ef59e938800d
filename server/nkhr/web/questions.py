"""The catalog's questions answered for people, and the downloads page.

``/queries/NAME`` in a browser shows the question, its description, the answer as a readable
table (labels and values, ``nkhr.content.readable``), the SPARQL behind a disclosure, a link
that opens it in the editor and the downloads of the answer. ``/downloads`` lists every dump,
table and export of the build as a link with its format and size.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template

from .. import formats
from ..built import DUMP_FORMATS, dump_name
from ..content.entity import Term
from ..content.readable import XSD, iris_of, literal_raw, literal_text, readable_date, readable_rows
from ..query.catalog import NamedQuery
from ..query.engine import QueryResult
from ..query.sandbox import Answer
from .answers import AnswerKey
from .search import site
from .sparql import answer_of

blueprint = Blueprint("questions", __name__)

ANSWER_ROWS = 2000          # rows of an answer shown on its page (the downloads hold them all)


@blueprint.app_template_filter("readable_literal")
def readable_literal(term: Term) -> str:
    """An entity page's literal (``content.entity.Term``) as a person reads it."""
    return literal_text(term.value, term.datatype)


@blueprint.app_template_filter("date_text")
def date_text(value: str) -> str:
    """An ISO date as a person reads it ("2013-05-06" -> "6 May 2013"); a year or other text unchanged."""
    import re
    if re.fullmatch(r"-?\d{4}-\d{2}-\d{2}", value or ""):
        return readable_date(value, XSD + "date")
    if re.fullmatch(r"-?\d{4}-\d{2}", value or ""):
        return readable_date(value, XSD + "gYearMonth")
    return value


@blueprint.app_template_filter("raw_literal")
def raw_literal(term: Term) -> str:
    return literal_raw(term.value, term.datatype, term.language)


def question_page(named: NamedQuery) -> str | Response:
    """The page of one catalog question with its answer, or the error that stopped the answer.

    The answer comes from the answer cache or a query process with the time limit, as every query
    does (``sparql.answer_of``: the catalog's cost depends on the data), in SPARQL JSON or
    N-Triples read back into terms here: the first ``ANSWER_ROWS`` results.
    """
    from .search import search_index
    the_site = site()
    key = AnswerKey(the_site.dataset_etag, named.text, (), (), "json", "nt", ANSWER_ROWS)
    answered = answer_of(key, None, None, ahead=True)
    if isinstance(answered, Response):
        return answered
    result = query_result(answered[0])
    labels = search_index().labels(iris_of(result.rows)) if result.kind == "select" else {}
    rows = readable_rows(result.variables, result.rows, labels) if result.kind == "select" else []
    return render_template("query.html", q=named, result=result, rows=rows, limit=ANSWER_ROWS)


def query_result(answer: Answer) -> QueryResult:
    """An answer written by a query process, read back into the terms the page shows."""
    if answer.kind == "graph":
        triples = [quad.triple for quad in ox.parse(answer.body, ox.RdfFormat.N_TRIPLES)]
        return QueryResult("graph", triples=triples, truncated=answer.truncated)
    parsed = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    return QueryResult("select", variables, [[s[v] for v in variables] for s in parsed], truncated=answer.truncated)


def _size(name: str) -> int | None:
    path = site().file(name)
    return path.stat().st_size if path.is_file() else None


@blueprint.route("/downloads")
def downloads() -> str:
    """Every file a person or a tool can take away, with its format and size."""
    the_site = site()
    dumps = [{"href": f"/dumps/{dump_name(fmt)}", "name": dump_name(fmt), "format": formats.get(fmt).label,
              "media": formats.get(fmt).media_type, "size": _size(dump_name(fmt))} for fmt in DUMP_FORMATS]
    tables = sorted(n for n in the_site.metadata["files"] if n.startswith("tables/"))
    table_rows = [{"href": f"/dumps/{n}", "name": n.split("/", 1)[1],
                   "format": "JSON (Frictionless Data Package)" if n.endswith(".json") else "CSV",
                   "size": _size(n)} for n in tables]
    from ..exports.model import FORMATS as EXPORTS
    exports = [{"href": f"/exports/{file_name}", "name": file_name, "format": fmt, "media": media}
               for fmt, (file_name, media) in EXPORTS.items()]
    extras = [{"href": "/ontology?format=turtle", "name": "the ontology", "format": "Turtle",
               "size": _size("ontology.ttl")}]
    return render_template("downloads.html", dumps=dumps, tables=table_rows, exports=exports, extras=extras,
                           catalog=list(the_site.catalog.values()))
