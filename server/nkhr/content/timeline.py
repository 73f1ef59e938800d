"""The timeline page's data: every dated event, document and claim, in order.

A vaguely dated item ("the 1950s", "from 1955 to the early 1980s", "after 2000") is placed at
its interval, nkhr:notBefore to nkhr:notAfter, and shown in the article's own words
(nkhr:timeAsStated); an open end stays open.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..vocab import GRAPH_ASSERTED
from .sparql import rows as _rows

TIMELINE = f"""
SELECT ?item ?label ?date ?end ?asStated ?kind ?section ?sectionLabel WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{
    {{ ?item dcterms:date ?date FILTER NOT EXISTS {{ ?item nkhr:notBefore ?bound }} }}
    UNION {{ ?item dcterms:issued ?date FILTER NOT EXISTS {{ ?item nkhr:notBefore ?bound }} }}
    UNION {{ ?item nkhr:notBefore ?date }}
    UNION {{ ?item nkhr:notAfter ?latest FILTER NOT EXISTS {{ ?item nkhr:notBefore|dcterms:date|dcterms:issued ?d }}
            BIND(CONCAT("before ", STR(?latest)) AS ?date) }}
    ?item rdfs:label ?label ; a ?type .
    OPTIONAL {{ ?item schema:endDate|nkhr:notAfter ?end }}
    OPTIONAL {{ ?item nkhr:timeAsStated ?asStated }}
    OPTIONAL {{ ?item nkhr:statedIn ?section . ?section rdfs:label ?sectionLabel }}
  }}
  FILTER(STRSTARTS(STR(?type), STR(nkhr:)))
  FILTER(?type NOT IN (nkhr:Section, nkhr:EncyclopediaArticle))
  OPTIONAL {{ ?type rdfs:label ?kind }}
}} ORDER BY STR(?date) ?label"""


@dataclass
class TimelineEntry:
    date: str
    end: str | None
    iri: str
    label: str
    as_stated: str | None = None      # the article's wording of a vague time ("the early 1980s")
    kinds: list[str] = field(default_factory=list)
    sections: OrderedDict[str, str] = field(default_factory=OrderedDict)


def timeline(engine) -> list[TimelineEntry]:
    entries: OrderedDict[tuple, TimelineEntry] = OrderedDict()
    for row in _rows(engine, TIMELINE):
        key = (row["date"], row["item"])
        entry = entries.setdefault(key, TimelineEntry(row["date"], row["end"], row["item"], row["label"],
                                                      row["asStated"]))
        if row["kind"] and row["kind"] not in entry.kinds:
            entry.kinds.append(row["kind"])
        if row["section"]:
            entry.sections[row["section"]] = row["sectionLabel"] or row["section"]
    return list(entries.values())
