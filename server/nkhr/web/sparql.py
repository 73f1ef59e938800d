"""The SPARQL 1.1 Protocol endpoint at /sparql: query by GET, form POST or direct POST.

Every query goes through the guard (read-only, own dataset only, bounded size and depth) and
then to a killable query process with a time limit. Errors are 4xx/5xx with a sentence that
says what to change; they never carry a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from .. import formats
from ..query.engine import QuerySyntaxError, dataset_of
from ..query.fairness import Refused
from ..query.guard import QueryRefused, check_dataset_parameters, inspect
from ..query.results import NotXml
from ..query.sandbox import Answer, PoolBusy, QueryCrashed, QueryTimeout
from .answers import AnswerKey
from .hosting import public_base
from .negotiation import (
    RDF,
    RESULTS,
    NotAcceptable,
    choose,
    choose_rdf_format,
    not_acceptable,
    wants_html,
)

if TYPE_CHECKING:
    from .site import Site

blueprint = Blueprint("sparql", __name__)
T = TypeVar("T")

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


def site() -> Site:
    served: Site = current_app.extensions["nkhr"]
    return served


def plain_error(status: int, message: str, **headers: str) -> Response:
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers)
    return response


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"The request has {len(values)} '{name}' parameters; send exactly one.")
    return values[0] if values else None


def read_request() -> tuple[str | None, list[str], list[str]]:
    """(query text, default-graph-uri values, named-graph-uri values) of a protocol request."""
    args = request.args
    default_graphs = args.getlist("default-graph-uri")
    named_graphs = args.getlist("named-graph-uri")
    if request.method in ("GET", "HEAD"):      # HEAD is a GET without the body
        if "update" in args:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not served.")
        return _one(args.getlist("query"), "query"), default_graphs, named_graphs
    content_type = (request.mimetype or "").lower()
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if content_type == UPDATE:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not served.")
    if content_type == FORM:
        form = _read_body(lambda: request.form)
        if "update" in form:
            if "query" in form:
                raise ProtocolError(400, "The request carries both 'query' and 'update'; send a query only.")
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not served.")
        query = _one(form.getlist("query"), "query")
        if query is None:
            raise ProtocolError(400, "The form has no 'query' field: send query=<SPARQL text>.")
        return (query, default_graphs + form.getlist("default-graph-uri"),
                named_graphs + form.getlist("named-graph-uri"))
    if content_type == DIRECT:
        if "query" in args:
            raise ProtocolError(400, "A direct POST (application/sparql-query) carries the query in its body, "
                                     "not also in a 'query' parameter.")
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"A query is sent as UTF-8 (SPARQL 1.1 Protocol); "
                                     f"charset={charset[:40]} is not read.")
        try:
            query = _read_body(lambda: request.get_data(cache=False)).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "The query body is not valid UTF-8.") from None
        if not query.strip():
            raise ProtocolError(400, "The request body is empty: send the query text.")
        return query, default_graphs, named_graphs
    raise ProtocolError(415, f"POST a query as {FORM} (query=...) or as {DIRECT} (the query as the body); "
                             f"'{content_type or 'no content type'}' is not understood.")


def _read_body(read: Callable[[], T]) -> T:
    """Read the request body with ``read``; a body that breaks off or is badly framed is a 400.

    The WSGI server reports a malformed chunked body, or a client that hangs up half-way, by
    raising its own exception from the input stream (gunicorn: InvalidChunkSize, NoMoreData, ...)
    in the middle of the view; left alone it was answered as a 500 server failure. werkzeug's
    own answers (413 for too large a body, 400 for a disconnect) pass through unchanged.
    """
    try:
        return read()
    except HTTPException:
        raise
    except Exception as exc:    # noqa: BLE001 - whatever the server's stream raises, the body is unreadable
        raise ProtocolError(400, "The request body could not be read: it ended early or its "
                                 "chunked encoding is malformed.") from exc


def client_address() -> str:
    """Who sent the request, for the per-client limits: the peer's address.

    Behind ``nkhr serve``'s nginx front, gunicorn listens only on a private Unix socket, so every
    request comes from the front, which puts the client's address in ``NKHR-Client`` (replacing
    whatever the client sent). Without the front the header is never read.
    """
    if site().settings.behind_front:
        forwarded = request.headers.get("NKHR-Client", "").strip()
        if forwarded:
            return forwarded[:64]
    return request.remote_addr or "unknown"


def execute(query: str, default_graphs: list[str], named_graphs: list[str], catalog: bool = False) -> Response:
    """Guard, run and serialise one query, honouring content negotiation and the limits.

    ``catalog`` is for the catalog's own questions (``/queries/NAME``), which go ahead of other
    queries in the wait for a query process; otherwise they run like any query (``answer_of``).
    """
    the_site = site()
    allowed = set(the_site.graphs)
    try:
        results_format, rdf_format = choose(request)
        shape = inspect(query, allowed)
        check_dataset_parameters(default_graphs, named_graphs, allowed)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    except QueryRefused as exc:
        return plain_error(exc.status, str(exc))
    defaults, nameds = dataset_of(default_graphs, named_graphs, shape.from_graphs, shape.from_named_graphs)
    settings = the_site.settings
    key = AnswerKey(the_site.dataset_etag, query, tuple(defaults or ()), tuple(nameds or ()),
                    results_format.name if results_format else None, rdf_format.name if rdf_format else None,
                    settings.max_rows)
    revalidating = request.method in ("GET", "HEAD") and request.if_none_match
    if revalidating and not request.if_none_match.star_tag and request.if_none_match.contains_weak(key.etag):
        return _with_validators(Response(status=304), key, "revalidated")
    answered = answer_of(key, defaults, nameds, ahead=catalog)
    if isinstance(answered, Response):
        return answered
    answer, outcome = answered
    if answer.fmt is None:
        return not_acceptable(NotAcceptable(RDF if answer.kind == "graph" else RESULTS))
    if answer.truncated:
        return too_many_results(settings.max_rows)
    response = Response(answer.body, status=200, content_type=formats.get(answer.fmt).content_type)
    return _with_validators(response, key, outcome)


def answer_of(key: AnswerKey, defaults: list[str] | None, nameds: list[str] | None,
              ahead: bool = False) -> tuple[Answer, str] | Response:
    """The answer to ``key`` and whether it was cached ("hit", "miss"), or the error to send instead.

    A cached answer is sent at once. Otherwise the query waits at the fair gate (``ahead``: before
    the others, query/fairness.py) for one of the worker's query processes and runs there with the
    time limit: past it, the process is killed and the answer is a 503 that says so.

    The catalog's questions too. They once ran in the web worker, unqueued and unbounded (#17):
    but their cost depends on the data, and at a million triples ``camps-mortality`` ran there
    for minutes, unstoppable, while a few clients asking for it held every thread of the worker.
    """
    the_site = site()
    answer = the_site.answers.get(key)
    if answer is not None:
        return answer, "hit"
    settings = the_site.settings
    stopped_key = (key.query, key.default_graphs, key.named_graphs)
    try:
        with the_site.gate.slot(client_address(), stopped_key, ahead=ahead):
            answer = the_site.pool.run(key.query, defaults, nameds, tabular_fmt=key.tabular_fmt,
                                       graph_fmt=key.graph_fmt, max_rows=key.max_rows,
                                       timeout=settings.query_timeout)
    except Refused as exc:
        return plain_error(exc.status, f"The query was not run: {exc}. Try again in {exc.retry_after} "
                                       "seconds.", **{"Retry-After": str(exc.retry_after)})
    except QueryRefused as exc:         # store mode's second reading (remote/barrier.py)
        return plain_error(exc.status, str(exc))
    except NotXml as exc:
        return plain_error(406, f"The answer cannot be sent in the format asked for: {exc}.")
    except QuerySyntaxError as exc:
        return plain_error(400, f"The query is not valid SPARQL: {exc}")
    except QueryTimeout as exc:
        if not isinstance(exc, PoolBusy):
            the_site.gate.remember_stopped(stopped_key)
        return plain_error(503, f"The query was stopped: {exc}. Narrow it (add patterns or a LIMIT) "
                                "or run it on a dump of the dataset.")
    except QueryCrashed as exc:
        return plain_error(400, f"The query could not be evaluated: {exc}.")
    except RuntimeError as exc:
        return plain_error(400, f"The query could not be evaluated: {exc}")
    if answer.fmt is not None:
        the_site.answers.put(key, answer)
    return answer, "miss"


def too_many_results(max_rows: int) -> Response:
    """The answer to a query with more results than the endpoint sends: an error, never a part.

    A client reads a 200 as the whole answer (SPARQLWrapper, rdflib's SPARQLStore and Comunica
    read no header saying otherwise), so a cut answer would be a wrong one. The cap sits far
    above the dataset's size: only a query that multiplies the data (a cross product) meets it.
    503 like the time limit, which is the other bound on what one query may cost."""
    return plain_error(503, f"The answer has more than {max_rows:,} results, more than this endpoint sends "
                            "in one answer; it was not sent rather than sent cut short. Narrow the query, page "
                            "through it with ORDER BY, LIMIT and OFFSET, or download the dumps at /dumps/.")


def _with_validators(response: Response, key: AnswerKey, outcome: str) -> Response:
    """ETag, caching and Vary headers of an answer (and of its 304).

    The ETag is weak: an answer is the same set of results for the same build, but the engine
    does not promise the same byte order for a query without ORDER BY. Answers may be kept for
    five minutes, as the dumps are; a new build changes every ETag.
    """
    response.set_etag(key.etag, weak=True)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Accept"
    response.headers["NKHR-Cache"] = outcome
    return response


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    try:
        query, default_graphs, named_graphs = read_request()
    except ProtocolError as exc:
        return plain_error(exc.status, exc.message)
    if query is None:
        if request.method in ("GET", "HEAD"):
            return service_description()
        return plain_error(400, "No query was sent.")
    return execute(query, default_graphs, named_graphs)


def service_description() -> Response:
    """GET /sparql without a query: the SPARQL Service Description, or the query page for browsers."""
    from ..content.service import service_description_graph
    from ..serialize import graph_bytes
    if wants_html(request):
        return Response(render_template("sparql.html", catalog=site().catalog.values()), mimetype="text/html")
    try:
        fmt = choose_rdf_format(request)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    graph = service_description_graph(site(), public_base())
    response = Response(graph_bytes(graph, fmt.name), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response
