"""Writing query results in the W3C formats, and as a plain table for the terminal.

SELECT and ASK results: SPARQL 1.1 Query Results JSON, XML, CSV and TSV. CONSTRUCT and
DESCRIBE results: every RDF format of ``nkhr.formats``, written by ``nkhr.serialize`` (sorted,
JSON-LD compacted with the project's @context). Format names are those of ``nkhr.formats``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .. import formats
from ..formats import Format
from ..vocab import PREFIXES, XSD_STRING
from .engine import QueryResult


def term_json(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def term_text(term: Any) -> str:
    """A term as a person reads it: an IRI, a blank node label, or a literal's lexical form."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if hasattr(term, "value") else str(term)


def term_n3(term: Any) -> str:
    return "" if term is None else str(term)


def to_json(result: QueryResult) -> bytes:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    bindings = [{v: term_json(t) for v, t in zip(result.variables, row, strict=False) if t is not None}
                for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value != XSD_STRING:
        attrs = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attrs}>{escape(term.value)}</literal>"


def to_xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("</head>")
    if result.kind == "ask":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in result.rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(result.variables, row, strict=False) if t is not None]
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>")
    return ("\n".join(out) + "\n").encode("utf-8")


def to_csv(result: QueryResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerows([["_askResult"], ["true" if result.boolean else "false"]])
    else:
        writer.writerow(result.variables)
        writer.writerows([[term_text(t) for t in row] for row in result.rows])
    return buffer.getvalue().encode("utf-8")


def to_tsv(result: QueryResult) -> bytes:
    if result.kind == "ask":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(term_n3(t) for t in row) for row in result.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_table(result: QueryResult) -> str:
    """An aligned text table for the terminal, IRIs shortened with the project's prefixes."""
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    header = result.variables
    body = [[shorten(term_text(t)) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in body)]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''}{', truncated' if result.truncated else ''})")
    return "\n".join(out)


def shorten(text: str) -> str:
    for prefix, iri in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(iri) and len(text) > len(iri):
            return f"{prefix}:{text[len(iri):]}"
    return text


WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}


def write_results(fmt: Format, result: QueryResult) -> bytes:
    """The writer of the SPARQL results formats in ``nkhr.formats``."""
    return WRITERS[fmt.name](result)


class NotXml(ValueError):
    """The answer holds a character that XML 1.0 cannot carry; the message says which, and what to ask for."""


# Characters no XML 1.0 document may hold, not even as a character reference (XML 1.0 section
# 2.2). RDF literals may hold them: a query writes "\b" or "\f", or the data holds one.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _terms(result: QueryResult) -> Iterator[Any]:
    if result.kind == "graph":
        for triple in result.triples:
            yield from (triple.subject, triple.predicate, triple.object)
    else:
        for row in result.rows:
            yield from row


def check_xml(result: QueryResult, fmt: Format) -> None:
    """Raise NotXml when ``result`` cannot be written as well-formed XML.

    Such an answer is refused rather than written ill-formed (a parser stops at the character and
    the client gets nothing) or changed (a replacement character would be a different literal):
    the same answer in JSON, Turtle or N-Triples carries the character as an escape."""
    for term in _terms(result):
        value = getattr(term, "value", None)
        if not isinstance(value, str):
            continue
        found = _NOT_IN_XML.search(value)
        if found:
            other = "application/sparql-results+json" if result.kind != "graph" else "text/turtle"
            raise NotXml(f"the answer holds the character U+{ord(found.group()):04X}, which {fmt.label} (XML 1.0) "
                         f"cannot carry; ask for {other} instead, which writes it as an escape")


def serialize(result: QueryResult, fmt: str) -> bytes:
    """Serialise a result in the format named ``fmt``: a results format for SELECT and ASK, an
    RDF format for CONSTRUCT and DESCRIBE. NotXml for an XML format the answer cannot be written in."""
    chosen = formats.get(fmt)
    if any(media_type.endswith("xml") for media_type in chosen.media_types):
        check_xml(result, chosen)
    return chosen.write(result.triples if result.kind == "graph" else result)
