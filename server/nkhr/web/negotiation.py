"""Content negotiation as clients send it: which format of ``nkhr.formats`` to answer in.

Clients say what they want in two ways. ``Accept`` (RFC 9110), with q-values and media-type
parameters: ``charset`` is understood (we write UTF-8 only, so a range asking for another
charset is one we cannot satisfy), ``profile`` and the rest are allowed and do not stop a
match. And a ``format=`` parameter (also ``output=``, as SPARQLWrapper sends it beside
``format=``), for links where a browser cannot set Accept: a name, a short name clients use
(``json``, ``xml``, ``n3``, ``rdf+xml``, ...) or a full media type, read from the query string
and, for a form POST, from the form too, so that GET and POST answer alike.

A ``format=`` that names a format of the answer's kind wins over Accept. One that names no such
format (``format=bogus``, or ``format=csv`` on a CONSTRUCT) is set aside and Accept decides: a
406 comes only when Accept itself cannot be satisfied, and says what can.

SELECT/ASK and CONSTRUCT/DESCRIBE answers have different formats, and which kind a query is
only shows once it runs; so the endpoint makes both choices up front and the engine uses the
one that fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask import Request, Response

from .. import formats
from ..formats import Format, Kind

RESULTS = formats.of_kind(Kind.RESULTS)
# An RDF graph can be written in a dataset format too (its triples in the default graph).
RDF = formats.of_kind(Kind.GRAPH, Kind.DATASET)
TURTLE = formats.get("turtle")
FORMAT_PARAMETERS = ("format", "output")


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""
    type: str
    subtype: str
    q: float
    charset: str | None

    def matches(self, media_type: str) -> int:
        """How specifically this range names ``media_type``: 3 exactly, 2 by type/*, 1 by */*, 0 not."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 1 if self.subtype == "*" else 0
        if self.type != kind:
            return 0
        return 2 if self.subtype == "*" else 3 if self.subtype == sub else 0

    @property
    def utf8(self) -> bool:
        return self.charset is None or self.charset in ("utf-8", "utf8", "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an Accept header, tolerant of what real clients send (spaces, quoted
    parameters, a bare ``*``); a malformed element is skipped, a malformed q counts as 1."""
    ranges = []
    for element in _split(header or "", ","):
        media, *parameters = _split(element, ";")
        media = media.strip().lower()
        if media == "*":
            media = "*/*"
        kind, slash, sub = media.partition("/")
        if not slash or not kind or not sub:
            continue
        q, charset = 1.0, None
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').strip().lower()
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
            elif name == "charset":
                charset = value
        ranges.append(MediaRange(kind, sub, q, charset))
    return ranges


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double quotes (a profile="a b;c" stays whole)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for character in text:
        if character == '"':
            quoted = not quoted
        if character == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def quality(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    """(q, specificity) that ``ranges`` give ``media_type``: the most specific range decides
    (RFC 9110 12.5.1); a range asking for a charset other than UTF-8 cannot be met."""
    best: tuple[int, MediaRange] | None = None
    for media_range in ranges:
        specificity = media_range.matches(media_type)
        if specificity and (best is None or specificity > best[0]):
            best = (specificity, media_range)
    if best is None:
        return 0.0, 0
    specificity, media_range = best
    return (media_range.q if media_range.utf8 else 0.0), specificity


class NotAcceptable(Exception):
    """No format we write is acceptable to the client; the message says what is."""

    def __init__(self, offered: Sequence[Format] = (*RESULTS, *RDF), charset: str | None = None):
        self.offered = sorted({t for f in offered for t in f.media_types})
        names = sorted({name for f in offered for name in f.names})
        because = (f"This server writes UTF-8 only, and the Accept header asks for charset={charset[:40]}. "
                   if charset else "")
        super().__init__(because + "None of the requested formats is available. This resource is written as: "
                         + ", ".join(self.offered) + ". Use the Accept header or format= ("
                         + ", ".join(names) + ").")


def not_acceptable(exc: NotAcceptable) -> Response:
    """The 406 answer, with Vary like every negotiated answer (a cache must not reuse it for another Accept)."""
    response = Response(str(exc).rstrip() + "\n", status=406, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def format_parameter(request: Request) -> str | None:
    """The client's format= (or output=) value, from the query string or a form body."""
    args = request.args
    posted_form = request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded"
    for name in FORMAT_PARAMETERS:
        # ``in`` first: werkzeug's ``get`` of a missing name raises and catches an HTTP exception.
        value = args[name] if name in args else None
        if value is None and posted_form and name in request.form:
            value = request.form[name]
        if value:
            return value
    return None


def best(ranges: list[MediaRange], offered: Sequence[Format]) -> Format | None:
    """The offered format the client prefers: the highest q, then the most specific range, then
    our order (the first of ``offered`` is our default). None when none is acceptable."""
    if not ranges:
        return offered[0]
    scored = []
    for order, fmt in enumerate(offered):
        q, specificity = max(quality(ranges, media_type) for media_type in fmt.media_types)
        if q > 0:
            scored.append((-q, -specificity, order, fmt))
    return min(scored, key=lambda s: s[:3])[3] if scored else None


def choose_format(accept: str | None, parameter: str | None, offered: Sequence[Format]) -> Format:
    """The format to answer in among ``offered``; raise NotAcceptable."""
    if parameter:
        named = formats.lookup(parameter, dict.fromkeys(f.kind for f in offered))
        if named is not None and named in offered:
            return named
    ranges = parse_accept(accept)
    if wants_html_ranges(ranges) and quality(ranges, "text/html")[1] == 3:
        # A browser (it names text/html first), and no page here: the readable format, not the
        # RDF/XML that its application/xml;q=0.9 would pick.
        return TURTLE if TURTLE in offered else offered[0]
    chosen = best(ranges, offered)
    if chosen is None:
        refused = next((r.charset for r in ranges if not r.utf8), None)
        raise NotAcceptable(offered, charset=refused)
    return chosen


def choose(request: Request) -> tuple[Format | None, Format | None]:
    """(results format, RDF format) for a query whose kind is not known yet; None where the
    client accepts nothing of that kind. Raise NotAcceptable when it accepts neither."""
    accept, parameter = request.headers.get("Accept"), format_parameter(request)
    if len(accept or "") + len(parameter or "") <= CHOICES_KEPT_UP_TO:
        return _choose_kept(accept, parameter)
    return _choose(accept, parameter)


# Clients send a handful of distinct Accept headers, and parsing one and scoring every format
# against it took a tenth of a millisecond of each query's time in the web worker, so the choice
# is remembered per (Accept, format=) pair: a pure function of the two. Only short headers are
# kept, and only so many, so that varying headers cost a client memory of its own at most.
CHOICES_KEPT = 512
CHOICES_KEPT_UP_TO = 1024           # characters of Accept and format= together


def _choose(accept: str | None, parameter: str | None) -> tuple[Format | None, Format | None]:
    chosen: list[Format | None] = []
    for offered in (RESULTS, RDF):
        try:
            chosen.append(choose_format(accept, parameter, offered))
        except NotAcceptable:
            chosen.append(None)
    if chosen == [None, None]:
        choose_format(accept, None, (*RESULTS, *RDF))      # raises, with the reason
    return chosen[0], chosen[1]


_choose_kept = lru_cache(maxsize=CHOICES_KEPT)(_choose)     # a NotAcceptable is raised again, never kept


def choose_rdf_format(request: Request) -> Format:
    """The format for a document that is always RDF (dumps, descriptions, entities); raise NotAcceptable."""
    return choose_format(request.headers.get("Accept"), format_parameter(request), RDF)


def wants_html_ranges(ranges: list[MediaRange]) -> bool:
    """True when a browser asks: text/html is as welcome as every RDF and results type we write
    (``*/*`` alone gets the page too, as it always has).

    Browsers send ``application/xml;q=0.9`` and ``*/*;q=0.8`` beside ``text/html``; that is
    not a request for RDF/XML."""
    html, _ = quality(ranges, "text/html")
    return html > 0 and all(quality(ranges, t)[0] <= html for f in (*RESULTS, *RDF) for t in f.media_types)


def wants_html(request: Request) -> bool:
    return wants_html_ranges(parse_accept(request.headers.get("Accept")))
