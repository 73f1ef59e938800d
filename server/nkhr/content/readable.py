"""Query results as a person reads them: labels for this dataset's IRIs, values for literals.

A cell keeps three things: the text to show (a label, a grouped number, a readable date, a
literal's value without quotes, datatype or language tag), where it links (a local page for an
IRI of this dataset, the IRI itself for an external one) and the RDF term in N-Triples syntax,
for a hover or a "raw" view. The editor's table does the same in the browser (static/editor.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..vocab import BASE, PREFIXES, curie
from .quantity import quantity_text

XSD = PREFIXES["xsd"]
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                              "unsignedInt", "unsignedLong")}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass(frozen=True)
class ReadableCell:
    text: str
    href: str | None = None
    raw: str = ""
    numeric: bool = False


def local_href(iri: str) -> str | None:
    """Our IRIs at their path on this server; other http(s) IRIs as they are; anything else no link."""
    if iri.startswith(BASE):
        return "/" + iri[len(BASE):]
    return iri if iri.lower().startswith(("http://", "https://")) else None


def readable_date(value: str, datatype: str) -> str:
    parts = value.lstrip("-").split("T")[0].split("-")
    try:
        if datatype in (XSD + "date", XSD + "dateTime") and len(parts) >= 3:
            return f"{int(parts[2][:2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if datatype == XSD + "gYearMonth" and len(parts) >= 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


def literal_text(value: str, datatype: str | None) -> str:
    """A literal's value as a person reads it: numbers grouped, dates spelt out, booleans as yes/no."""
    datatype = datatype or ""
    if datatype in NUMERIC:
        return quantity_text(value)
    if datatype == XSD + "boolean":
        return "yes" if value in ("true", "1") else "no"
    return readable_date(value, datatype)


def literal_raw(value: str, datatype: str | None, language: str | None) -> str:
    """The literal in N-Triples syntax, for a hover."""
    import json
    text = json.dumps(value, ensure_ascii=False)
    if language:
        return f"{text}@{language}"
    return f"{text}^^<{datatype}>" if datatype and datatype != XSD + "string" else text


def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, labels: dict[str, tuple[str, str]]) -> ReadableCell:
    """One result term, readable; ``labels`` maps IRIs to (label, kind) (``SearchIndex.labels``)."""
    if term is None:
        return ReadableCell("")
    if isinstance(term, ox.NamedNode):
        known = labels.get(term.value)
        text = known[0] if known else (curie(term.value) or term.value)
        return ReadableCell(text, local_href(term.value), f"<{term.value}>")
    if isinstance(term, ox.BlankNode):
        return ReadableCell("(blank node)", None, f"_:{term.value}")
    raw = str(term)
    datatype = term.datatype.value if term.datatype is not None else ""
    if datatype in NUMERIC:
        return ReadableCell(quantity_text(term.value), None, raw, numeric=True)
    if datatype == XSD + "boolean":
        return ReadableCell("yes" if term.value in ("true", "1") else "no", None, raw)
    return ReadableCell(readable_date(term.value, datatype), None, raw)


def readable_rows(variables: list[str], rows: list[list[Any]],
                  labels: dict[str, tuple[str, str]]) -> list[list[ReadableCell]]:
    return [[cell(term, labels) for term in row] for row in rows]


def iris_of(rows: list[list[Any]]) -> list[str]:
    return [t.value for row in rows for t in row if isinstance(t, ox.NamedNode)]
